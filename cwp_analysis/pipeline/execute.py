"""Executing notebooks with Papermill, in parallel, into the cache.

Each notebook runs in its own kernel, which runs *this* interpreter
(:data:`sys.executable`) whatever kernelspecs are installed, so a build run
from the project's virtual environment always executes in it.  By default
the kernel is forked from a server that has already imported what the
notebooks import (:mod:`cwp_analysis.pipeline.kernels`); ``fresh_kernels``
or ``CWP_FRESH_KERNELS=1`` start each one as a new process instead.  The
outputs are the same either way.  The kernel starts in the notebook's
folder (as JupyterLab would) and begins by calling
:func:`cwp_analysis.dependency_tracking.track_reads`, told through its
environment where to record what it reads, probes and lists.  Its own
stdout/stderr go to ``kernel.log`` beside the executed notebook.

Up to ``jobs`` notebooks run at once, each in a worker thread driving one
kernel.  After the first failure no new notebook is started (unless
``keep_going``); the ones running finish.  On an interrupt the running
kernels are killed, queued notebooks are dropped and nothing unfinished is
committed to the cache.

References
----------
.. [1] Papermill: parameterizing and executing Jupyter notebooks.
   https://papermill.readthedocs.io/
.. [2] nbclient: executing notebooks. https://nbclient.readthedocs.io/
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from cwp_analysis.dependency_tracking import READS_FILE_ENV, load_record, listing_digest
from cwp_analysis.pipeline.cache import FileHasher, NotebookCache
from cwp_analysis.pipeline.kernel_server import server_key
from cwp_analysis.pipeline.kernels import (
    KERNELS,
    SERVERS,
    can_fork,
    fresh_kernels_requested,
    kernel_environment,
    kernel_manager_class,
    notebook_imports,
)
from cwp_analysis.pipeline.site import site_content_digest
from cwp_analysis.pipeline.tasks import (
    INJECTED_TAG,
    OUTPUT_DIR_PARAMETER,
    PARAMETERS_TAG,
    ExecutionOutcome,
    NotebookFailed,
    NotebookTask,
    declared_parameters,
    describe_cell,
    describe_failure,
    load_json,
)

__all__ = [
    "INJECTED_TAG",
    "OUTPUT_DIR_PARAMETER",
    "PARAMETERS_TAG",
    "ExecutionOutcome",
    "NotebookFailed",
    "NotebookTask",
    "declared_parameters",
    "describe_cell",
    "execute_notebooks",
    "run_notebook",
]


# -- one notebook -------------------------------------------------------------


def _shown_path(path: Path | None) -> str | None:
    """A path relative to the working directory when inside it."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


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


def _record_reads(task: NotebookTask, cache: NotebookCache, reads_file: Path, hasher: FileHasher) -> dict:
    """What the run read, probed and listed, checked against the files as they are now.

    Returns a dict with ``reads`` (path -> content digest, None when the
    file changed during the run), ``absent`` and ``present`` (paths found
    missing, or found without being read), ``changed`` (those of them that
    are not so any more), ``listings`` (folder -> listing digest, None when
    the listing changed during the run) and ``tracked``.
    """
    try:
        record = load_record(reads_file)
        tracked = True
    except (FileNotFoundError, ValueError):
        record, tracked = None, False
    reads: dict[str, str | None] = {}
    for read in record.reads if record else ():
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
    absent = [path for path in (record.absent if record else ()) if path not in reads]
    present = [path for path in (record.present if record else ()) if path not in reads]
    changed = [path for path in absent if os.path.lexists(cache.resolve_read(path))]
    changed += [path for path in present if not os.path.lexists(cache.resolve_read(path))]
    listings: dict[str, str | None] = {}
    for folder, digest in (record.listings if record else {}).items():
        listings[folder] = digest if listing_digest(cache.resolve_read(folder)) == digest else None
    return {"reads": reads, "absent": absent, "present": present, "changed": changed, "listings": listings,
            "tracked": tracked}


def _warning(task: NotebookTask, found: dict) -> str:
    """The note a build prints about an execution whose cache entry will not be reused."""
    if not found["tracked"]:
        return (
            f"{task.shown}: the files it reads could not be recorded "
            "(cwp_analysis.dependency_tracking did not run in its kernel); it will run again next build"
        )
    changed = sorted(
        [path for path, digest in found["reads"].items() if digest is None]
        + found["changed"]
        + [f"{folder}/" for folder, digest in found["listings"].items() if digest is None]
    )
    if changed:
        return f"{task.shown}: {', '.join(changed)} changed while it ran; it will run again next build"
    return ""


def run_notebook(
    task: NotebookTask,
    cache: NotebookCache,
    hasher: FileHasher,
    *,
    timeout: float | None = None,
    start_timeout: float = 120,
    stop: threading.Event | None = None,
    fresh_kernels: bool | None = None,
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
    fresh_kernels : bool, optional
        True starts the kernel as a new process, False forks it from a
        kernel server (:mod:`cwp_analysis.pipeline.kernels`); default
        False unless ``CWP_FRESH_KERNELS=1``.

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
    source = load_json(task.source) or {}
    config.PinnedKernelManager.fork_server = not _fresh(fresh_kernels)
    config.PinnedKernelManager.preload = notebook_imports(source)
    source_kernel = (source.get("metadata", {}).get("kernelspec") or {}).get("name")
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
            kernel_manager_class=kernel_manager_class(),
            config=config,
            resources={"metadata": {"path": str(task.cwd)}},
            record_timing=False,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes one message
        error = exc
    seconds = time.perf_counter() - started
    if stop is not None and stop.is_set() and KERNELS.stopping:
        shutil.rmtree(work, ignore_errors=True)
        return ExecutionOutcome(task.name, "interrupted", seconds=seconds)
    if error is not None:
        index, label, message = describe_failure(task.source, executed, error, PapermillExecutionError)
        copy = _keep_failed_copy(cache, task.name, executed, work / "kernel.log")
        shutil.rmtree(work, ignore_errors=True)
        failure = NotebookFailed(task.shown, index, label, message, copy, _shown_path(copy))
        return ExecutionOutcome(task.name, "failed", failure=failure, seconds=seconds)
    found = _record_reads(task, cache, reads_file, hasher)
    content = site_content_digest(json.loads(executed.read_text(encoding="utf-8")))
    entry = cache.commit(
        task.name, task.key, work, content_sha256=content, reads=found["reads"], tracked=found["tracked"],
        seconds=seconds, absent=found["absent"], listings=found["listings"], present=found["present"],
    )
    for stale in (f"{task.name}.ipynb", f"{task.name}.kernel.log"):
        (cache.failed_dir / stale).unlink(missing_ok=True)
    return ExecutionOutcome(task.name, "executed", entry=entry, seconds=seconds, warning=_warning(task, found))


def _fresh(fresh_kernels: bool | None) -> bool:
    return fresh_kernels_requested() if fresh_kernels is None else bool(fresh_kernels)


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
    fresh_kernels: bool | None = None,
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
    fresh_kernels : bool, optional
        As for :func:`run_notebook`.  Unless fresh kernels are asked for,
        the kernel server the tasks need starts (importing the modules
        every task's notebook imports) before the first notebook does.

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
    KERNELS.begin()
    stop = threading.Event()
    outcomes: list[ExecutionOutcome] = []
    if not tasks:
        return outcomes
    fresh = _fresh(fresh_kernels)
    if not fresh:
        _prepare_servers(tasks)
    with _quiet_papermill():
        return _execute(tasks, cache, hasher, jobs, keep_going, timeout, on_done, stop, outcomes,
                        {"fresh_kernels": True} if fresh else {})


def _prepare_servers(tasks: Sequence[NotebookTask]) -> None:
    """Start the kernel servers the tasks will fork from, each importing what its notebooks import."""
    groups: dict[tuple, tuple[dict, Path, dict[str, None]]] = {}
    for task in tasks:
        env = kernel_environment(task.env)
        if not can_fork(env):
            continue
        _, _, modules = groups.setdefault(server_key(env, task.cwd), (env, task.cwd, {}))
        modules.update(dict.fromkeys(notebook_imports(load_json(task.source) or {})))
    for env, cwd, modules in groups.values():
        SERVERS.prepare(env, cwd, list(modules))


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


def _execute(tasks, cache, hasher, jobs, keep_going, timeout, on_done, stop, outcomes, options
             ) -> list[ExecutionOutcome]:
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="cwp-notebook")
    futures: dict[Future, NotebookTask] = {}

    def work(task: NotebookTask) -> ExecutionOutcome:
        outcome = run_notebook(task, cache, hasher, timeout=timeout, stop=stop, **options)
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
        KERNELS.kill_all()
        SERVERS.shutdown()  # also kills a kernel forked but not yet known to its manager
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return outcomes
