"""Executing notebooks with Papermill, in parallel, into the cache.

Each notebook runs in its own kernel, started from *this* interpreter
(:data:`sys.executable`) whatever kernelspecs are installed, so a build
run from the project's virtual environment always executes in it.  The
kernel starts in the notebook's folder (as JupyterLab would) and begins
by calling :func:`cwp_analysis.dependency_tracking.track_reads`, told
through its environment where to record the files it reads.  Its own
stdout/stderr go to ``kernel.log`` beside the executed notebook.

Up to ``jobs`` notebooks run at once, each in a worker thread driving one
kernel process.  After the first failure no new notebook is started
(unless ``keep_going``); the ones running finish.  On an interrupt the
running kernels are killed, queued notebooks are dropped and nothing
unfinished is committed to the cache.

References
----------
.. [1] Papermill: parameterizing and executing Jupyter notebooks.
   https://papermill.readthedocs.io/
.. [2] nbclient: executing notebooks. https://nbclient.readthedocs.io/
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from cwp_analysis.dependency_tracking import READS_FILE_ENV, load_reads
from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.cache import CacheEntry, FileHasher, NotebookCache
from cwp_analysis.pipeline.site import site_content_digest

__all__ = [
    "ExecutionOutcome",
    "NotebookFailed",
    "NotebookTask",
    "declared_parameters",
    "describe_cell",
    "execute_notebooks",
    "run_notebook",
]

#: The tag Papermill gives the cell it injects.
INJECTED_TAG = "injected-parameters"
#: The tag marking a notebook's parameters cell.
PARAMETERS_TAG = "parameters"
#: Parameter through which the pipeline tells a notebook where to write files.
OUTPUT_DIR_PARAMETER = "output_dir"

_ERROR_MARKER_TAG = "papermill-error-cell-tag"
_TRACKING_LINE = "__import__('cwp_analysis.dependency_tracking').dependency_tracking.track_reads()"


class NotebookFailed(CwpError):
    """A notebook raised an error (or its kernel died) while the build executed it.

    Attributes
    ----------
    notebook : str
        The notebook, as shown to the user (path relative to the repository when inside it).
    cell_index : int or None
        0-based index of the failing cell in the *source* notebook (None
        when the kernel failed before any cell ran).
    cell_label : str
        The cell's first tag or first line ("" when unknown).
    error : str
        ``"<exception name>: <message>"``.
    failed_copy : pathlib.Path or None
        The executed copy kept for debugging.
    """

    exit_code = 1

    def __init__(
        self,
        notebook: str,
        cell_index: int | None,
        cell_label: str,
        error: str,
        failed_copy: Path | None,
        shown_copy: str | None = None,
    ):
        self.notebook = notebook
        self.cell_index = cell_index
        self.cell_label = cell_label
        self.error = error
        self.failed_copy = failed_copy
        self.others: list[str] = []
        self._shown_copy = shown_copy or (str(failed_copy) if failed_copy else None)
        super().__init__(self._message())

    def _message(self) -> str:
        where = "before its first cell" if self.cell_index is None else f"in cell {self.cell_index}"
        label = f" ({self.cell_label})" if self.cell_label else ""
        copy = (
            f"; executed copy kept at {self._shown_copy}"
            if self._shown_copy
            else "; no executed copy could be kept"
        )
        others = f"; also failed: {', '.join(self.others)}" if self.others else ""
        return f"notebook {self.notebook} failed {where}{label}: {self.error}{copy}{others}"

    def add_others(self, others: Sequence[str]) -> None:
        """Mention further notebooks that failed in the same build."""
        self.others.extend(others)
        self.args = (self._message(),)

    def __str__(self) -> str:
        return self._message()


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute.

    Attributes
    ----------
    name : str
        File stem (``03_engagement``).
    source : pathlib.Path
        The notebook file.
    shown : str
        How messages name it (path relative to the repository when inside it).
    key : str
        Its static cache key.
    parameters : dict
        Parameters to inject (``output_dir`` is added by :func:`run_notebook`
        when the notebook declares it).
    declares_output_dir : bool
        Whether the parameters cell assigns ``output_dir``.
    cwd : pathlib.Path
        Working directory of the kernel.
    env : dict
        Extra environment variables for the kernel.
    """

    name: str
    source: Path
    shown: str
    key: str
    parameters: dict
    declares_output_dir: bool
    cwd: Path
    env: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionOutcome:
    """What became of one :class:`NotebookTask`.

    ``status`` is ``"executed"`` (then ``entry`` is set), ``"failed"``
    (then ``failure`` is set), ``"skipped"`` (not started because an
    earlier notebook failed) or ``"interrupted"``.
    """

    name: str
    status: str
    entry: CacheEntry | None = None
    failure: NotebookFailed | None = None
    seconds: float = 0.0
    warning: str = ""


def declared_parameters(notebook: Mapping) -> frozenset[str]:
    """Names assigned at top level in the cell tagged ``parameters``.

    Parameters
    ----------
    notebook : mapping
        Parsed notebook JSON.

    Returns
    -------
    frozenset of str
        Empty when there is no parameters cell or it is not valid Python.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...                  "source": "data_path = 'a.csv'\\nalpha: float = 0.05\\n# seed = 1"}]}
    >>> sorted(declared_parameters(nb))
    ['alpha', 'data_path']
    """
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return frozenset()
            names = set()
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                for target in targets:
                    if isinstance(target, ast.Name):
                        names.add(target.id)
            return frozenset(names)
    return frozenset()


#: Tags that only say how a cell is displayed or run; they do not name it.
_DISPLAY_TAGS = frozenset(
    {
        PARAMETERS_TAG,
        INJECTED_TAG,
        "hide-input",
        "hide-output",
        "hide-cell",
        "remove-input",
        "remove-output",
        "remove-cell",
        "remove-stderr",
        "remove-stdout",
        "full-width",
        "margin",
        "output_scroll",
        "scroll-output",
        "scroll-input",
        "raises-exception",
        "skip-execution",
        "thebe-init",
    }
)


def describe_cell(cell: Mapping) -> str:
    """A short label for a cell: its first naming tag and its first non-blank line.

    Display tags such as ``hide-input`` or ``remove-cell`` are not names and
    are left out.

    Examples
    --------
    >>> describe_cell({"metadata": {"tags": ["hide-input", "table-1"]}, "source": "x = 1"})
    "tag 'table-1': 'x = 1'"
    >>> describe_cell({"metadata": {"tags": ["remove-input"]}, "source": "\\n  total = frame.sum()  \\nmore"})
    "'total = frame.sum()'"
    """
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t not in _DISPLAY_TAGS]
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    first_line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first_line) > 70:
        first_line = first_line[:67] + "..."
    parts = [f"tag {tags[0]!r}"] if tags else []
    if first_line:
        parts.append(repr(first_line))
    return ": ".join(parts)


# -- kernels -----------------------------------------------------------------


class _KernelRegistry:
    """Kernels started by this process, so an interrupt can kill them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._managers: weakref.WeakSet = weakref.WeakSet()
        self.stopping = False

    def begin(self) -> None:
        with self._lock:
            self.stopping = False

    def launching(self, manager) -> None:
        with self._lock:
            if self.stopping:
                raise RuntimeError("the build is stopping; no new kernel is started")
            self._managers.add(manager)

    def kill_all(self) -> None:
        """Refuse new kernels and kill the running ones (with their process groups)."""
        with self._lock:
            self.stopping = True
            managers = list(self._managers)
        for manager in managers:
            provisioner = getattr(manager, "provisioner", None)
            pid = getattr(provisioner, "pid", None)
            pgid = getattr(provisioner, "pgid", None)
            try:
                if pgid and hasattr(os, "killpg"):
                    os.killpg(pgid, signal.SIGKILL)
                elif pid:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass


_KERNELS = _KernelRegistry()


@functools.lru_cache(maxsize=None)
def _kernel_manager_class():
    """The kernel manager that always launches this interpreter (imported lazily)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Dict, Unicode

    class PinnedKernelManager(AsyncKernelManager):
        """Launch ``sys.executable -m ipykernel_launcher`` whatever the kernel name.

        ``extra_env`` is added to the kernel's environment and its output
        goes to ``log_file``.
        """

        extra_env = Dict(config=True)
        log_file = Unicode("", config=True)

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        f"--IPKernelApp.exec_lines={json.dumps([_TRACKING_LINE])}",
                    ],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    env={str(k): str(v) for k, v in self.extra_env.items()},
                    resource_dir="",
                    interrupt_mode="signal",
                )
            return self._kernel_spec

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            _KERNELS.launching(self)
            if self.log_file:
                handle = open(self.log_file, "ab")  # noqa: SIM115 - the kernel process owns it
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                try:
                    return await super()._async_launch_kernel(kernel_cmd, **kw)
                finally:
                    handle.close()
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return PinnedKernelManager


# -- one notebook -------------------------------------------------------------


def _source_cell_index(executed_cells: list, executed_index: int, source_cells: list) -> int | None:
    """Map a cell index in the executed notebook back to the source notebook."""
    if not 0 <= executed_index < len(executed_cells):
        return None
    cell = executed_cells[executed_index]
    cell_id = cell.get("id")
    if cell_id:
        for index, source_cell in enumerate(source_cells):
            if source_cell.get("id") == cell_id:
                return index
    injected_before = sum(
        INJECTED_TAG in c.get("metadata", {}).get("tags", []) for c in executed_cells[:executed_index]
    )
    return executed_index - injected_before


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[0] + (" ..." if len(lines) > 1 else "")


def _describe_failure(source: Path, executed: Path, error: BaseException, execution_error: type):
    """Source cell index, cell label and ``"<name>: <message>"`` of a failed execution."""
    source_cells = (_load_json(source) or {}).get("cells", [])
    saved = _load_json(executed) or {}
    saved_cells = [c for c in saved.get("cells", []) if _ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]
    if isinstance(error, execution_error):
        executed_index = error.cell_index
        message = f"{error.ename}: {_first_line(error.evalue)}".rstrip(": ")
    else:
        # the kernel died or a cell timed out: cells run in order, so the failing
        # cell is the last one Papermill recorded a start time for
        started = [i for i, c in enumerate(saved_cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        executed_index = started[-1] if started else None
        detail = _first_line(str(error))
        message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    index = None if executed_index is None else _source_cell_index(saved_cells, executed_index, source_cells)
    label = describe_cell(source_cells[index]) if index is not None and index < len(source_cells) else ""
    return index, label, message


def _shown_path(path: Path | None) -> str | None:
    """A path relative to the working directory when inside it."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _load_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _keep_failed_copy(cache: NotebookCache, name: str, executed: Path, kernel_log: Path) -> Path | None:
    """Keep the executed copy (and the kernel's log) of a failed run under ``failed/``."""
    cache.failed_dir.mkdir(parents=True, exist_ok=True)
    if kernel_log.is_file():
        shutil.copyfile(kernel_log, cache.failed_dir / f"{name}.kernel.log")
    if not executed.is_file():
        return None
    target = cache.failed_dir / f"{name}.ipynb"
    temporary = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(executed, temporary)
    os.replace(temporary, target)
    return target


def _record_reads(
    task: NotebookTask, cache: NotebookCache, reads_file: Path, hasher: FileHasher
) -> tuple[dict, bool]:
    """The files the run read, with content digests (None: changed during the run)."""
    try:
        recorded = load_reads(reads_file)
        tracked = True
    except (FileNotFoundError, ValueError):
        recorded, tracked = [], False
    reads: dict[str, str | None] = {}
    for read in recorded:
        path = cache.resolve_read(read.path)
        try:
            status = path.stat()
            unchanged = (status.st_size, status.st_mtime_ns) == (read.size, read.mtime_ns)
        except OSError:
            unchanged = False
        if not unchanged:
            hasher.forget(path)
        reads[read.path] = hasher.digest(path) if unchanged else None
    for value in task.parameters.values():
        if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
            path = Path(value)
            try:
                recorded_name = path.resolve().relative_to(cache.repo_root.resolve()).as_posix()
            except ValueError:
                recorded_name = str(path.resolve())
            reads.setdefault(recorded_name, hasher.digest(path))
    return reads, tracked


def run_notebook(
    task: NotebookTask,
    cache: NotebookCache,
    hasher: FileHasher,
    *,
    timeout: float | None = None,
    start_timeout: float = 120,
    stop: threading.Event | None = None,
) -> ExecutionOutcome:
    """Execute one notebook with Papermill and commit the result to the cache.

    Parameters
    ----------
    task : NotebookTask
    cache : NotebookCache
    hasher : FileHasher
        Shared digest memo of the build.
    timeout : float, optional
        Longest a single cell may run, in seconds (None: no limit).
    start_timeout : float
        Longest the kernel may take to start, in seconds.
    stop : threading.Event, optional
        When set before the notebook starts, it is skipped; when set while
        it runs (an interrupt), the result is not committed.

    Returns
    -------
    ExecutionOutcome
        Never raises for a notebook error: the failure is in the outcome.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    if stop is not None and stop.is_set():
        return ExecutionOutcome(task.name, "skipped")
    started = time.perf_counter()
    work = cache.new_work_dir(task.name)
    executed = work / "executed.ipynb"
    reads_file = work / "reads.json"
    parameters = dict(task.parameters)
    (work / "outputs").mkdir()
    if task.declares_output_dir:
        parameters[OUTPUT_DIR_PARAMETER] = str(work / "outputs")
    config = Config()
    config.PinnedKernelManager.extra_env = {**task.env, READS_FILE_ENV: str(reads_file)}
    config.PinnedKernelManager.log_file = str(work / "kernel.log")
    source_kernel = ((_load_json(task.source) or {}).get("metadata", {}).get("kernelspec") or {}).get("name")
    error: BaseException | None = None
    try:
        papermill.execute_notebook(
            str(task.source),
            str(executed),
            parameters=parameters,
            kernel_name=source_kernel or "python3",  # a label only: the kernel is always sys.executable
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,
            start_timeout=start_timeout,
            execution_timeout=timeout,
            kernel_manager_class=_kernel_manager_class(),
            config=config,
            resources={"metadata": {"path": str(task.cwd)}},
            record_timing=False,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes one message
        error = exc
    seconds = time.perf_counter() - started
    if stop is not None and stop.is_set() and _KERNELS.stopping:
        shutil.rmtree(work, ignore_errors=True)
        return ExecutionOutcome(task.name, "interrupted", seconds=seconds)
    if error is not None:
        index, label, message = _describe_failure(task.source, executed, error, PapermillExecutionError)
        copy = _keep_failed_copy(cache, task.name, executed, work / "kernel.log")
        shutil.rmtree(work, ignore_errors=True)
        failure = NotebookFailed(task.shown, index, label, message, copy, _shown_path(copy))
        return ExecutionOutcome(task.name, "failed", failure=failure, seconds=seconds)
    reads, tracked = _record_reads(task, cache, reads_file, hasher)
    content = site_content_digest(json.loads(executed.read_text(encoding="utf-8")))
    entry = cache.commit(
        task.name, task.key, work, content_sha256=content, reads=reads, tracked=tracked, seconds=seconds
    )
    for stale in (f"{task.name}.ipynb", f"{task.name}.kernel.log"):
        (cache.failed_dir / stale).unlink(missing_ok=True)
    warning = ""
    if not tracked:
        warning = (
            f"{task.shown}: the files it reads could not be recorded "
            "(cwp_analysis.dependency_tracking did not run in its kernel); it will run again next build"
        )
    elif any(digest is None for digest in reads.values()):
        changed = sorted(path for path, digest in reads.items() if digest is None)
        warning = f"{task.shown}: {', '.join(changed)} changed while it ran; it will run again next build"
    return ExecutionOutcome(task.name, "executed", entry=entry, seconds=seconds, warning=warning)


# -- many notebooks -----------------------------------------------------------


def execute_notebooks(
    tasks: Sequence[NotebookTask],
    cache: NotebookCache,
    hasher: FileHasher,
    *,
    jobs: int,
    keep_going: bool = False,
    timeout: float | None = None,
    on_done: Callable[[ExecutionOutcome], None] | None = None,
) -> list[ExecutionOutcome]:
    """Execute notebooks in parallel and commit each success to the cache.

    Parameters
    ----------
    tasks : sequence of NotebookTask
    cache : NotebookCache
    hasher : FileHasher
    jobs : int
        Notebooks executed at once (at least 1).
    keep_going : bool
        Keep starting notebooks after one failed.
    timeout : float, optional
        Per-cell time limit in seconds.
    on_done : callable, optional
        Called in the calling thread with each outcome as it arrives.

    Returns
    -------
    list of ExecutionOutcome
        In the order the notebooks finished.

    Raises
    ------
    KeyboardInterrupt
        Re-raised after the running kernels were killed and the worker
        threads have finished; nothing unfinished is committed.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    _KERNELS.begin()
    stop = threading.Event()
    outcomes: list[ExecutionOutcome] = []
    if not tasks:
        return outcomes
    with _quiet_papermill():
        return _execute(tasks, cache, hasher, jobs, keep_going, timeout, on_done, stop, outcomes)


@contextlib.contextmanager
def _quiet_papermill():
    """Silence Papermill's log while executing: every failure is reported as one NotebookFailed."""
    logger = logging.getLogger("papermill")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _execute(tasks, cache, hasher, jobs, keep_going, timeout, on_done, stop, outcomes) -> list[ExecutionOutcome]:
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="cwp-notebook")
    futures: dict[Future, NotebookTask] = {}

    def work(task: NotebookTask) -> ExecutionOutcome:
        outcome = run_notebook(task, cache, hasher, timeout=timeout, stop=stop)
        if outcome.status == "failed" and not keep_going:
            stop.set()  # before this worker takes the next notebook
        return outcome

    try:
        for task in tasks:
            futures[pool.submit(work, task)] = task
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: futures[f].name):
                outcome = future.result()
                outcomes.append(outcome)
                if on_done is not None:
                    on_done(outcome)
    except BaseException:
        stop.set()
        _KERNELS.kill_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes
