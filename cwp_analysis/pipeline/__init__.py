"""The build pipeline behind ``cwp build``: execute the notebooks, build the book.

:func:`build` runs every notebook in ``notebooks/`` with Papermill (in
parallel, reusing cached executions whose inputs are unchanged), gathers
the files the notebooks wrote, stages the book with the executed
notebooks, builds it with Jupyter Book 1.x in strict mode and swaps the
new site into place.  Every path is an argument, so tests and benchmarks
build fixture books in temporary folders.

What makes a notebook run again (see :mod:`cwp_analysis.pipeline.cache`):
its source (code and markdown), the parameters it is given, the content
of any file it read last time (recorded in its kernel by
:mod:`cwp_analysis.dependency_tracking`), the ``cwp_analysis`` package
source, the lock file and the Python version.  The site is rebuilt when
an executed notebook or the book sources changed, or it is missing.

Guarantees:

* a failing notebook stops the build with one :class:`NotebookFailed`
  message (notebook, cell, error, where the executed copy was kept);
  notebooks already running finish, no new one starts;
* a failing notebook, a strict-mode warning (:class:`BookBuildFailed`),
  an invalid ``--data`` file (``SurveyValidationError``, raised before the
  cache or site is touched) or an interrupt (SIGINT or SIGTERM) leave the
  published site exactly as it was, and the cache consistent;
* two builds at once take turns on ``<cache>/build.lock``.

Examples
--------
Build a book from fixture folders (not run here: it executes notebooks)::

    from cwp_analysis.pipeline import build
    result = build(repo_root=tmp, notebooks_dir=tmp / "notebooks", book_dir=tmp / "book",
                   cache_dir=tmp / ".cwp-cache", jobs=2, progress=False)
    print(result.summary())
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cwp_analysis.dependency_tracking import READS_EXCLUDE_ENV, READS_INCLUDE_ENV, READS_ROOT_ENV
from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.cache import (
    CacheEntry,
    FileHasher,
    NotebookCache,
    notebook_source_digest,
    sha256_file,
    static_key,
    tree_digest,
)
from cwp_analysis.pipeline.execute import (
    OUTPUT_DIR_PARAMETER,
    ExecutionOutcome,
    NotebookFailed,
    NotebookTask,
    declared_parameters,
    execute_notebooks,
)
from cwp_analysis.pipeline.inputs import PreparedInput, ReadOptions, prepare_input
from cwp_analysis.pipeline.site import (
    STAGED_NOTEBOOKS_DIR,
    BookBuildFailed,
    OutputConflict,
    assemble_outputs,
    build_digest,
    publish_site,
    read_marker,
    run_jupyter_book,
    stage_book,
)

__all__ = [
    "BookBuildFailed",
    "BuildResult",
    "NotebookFailed",
    "OutputConflict",
    "PipelineError",
    "PreparedInput",
    "ReadOptions",
    "build",
    "discover_notebooks",
    "package_digest",
    "validate_inputs",
]

#: Environment settings that change what a notebook computes (part of the cache key).
KEY_ENVIRONMENT = ("CWP_DATA_DIR",)


class PipelineError(CwpError):
    """A build cannot start: a folder is missing or an option is invalid."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did.

    Attributes
    ----------
    site : pathlib.Path or None
        The published HTML folder (None with ``build_book=False``).
    outputs : pathlib.Path or None
        The folder gathering every notebook's ``output_dir`` files.
    executed, cached : tuple of str
        Notebooks executed in this build, and reused from the cache.
    site_rebuilt : bool
        Whether Jupyter Book ran (False when the site was up to date).
    seconds : float
        Wall-clock duration.
    warnings : tuple of str
        Notes printed during the build (e.g. a notebook whose reads could
        not be recorded).
    """

    site: Path | None
    outputs: Path | None
    executed: tuple[str, ...]
    cached: tuple[str, ...]
    site_rebuilt: bool
    seconds: float
    warnings: tuple[str, ...] = ()

    def summary(self, relative_to: Path | None = None) -> str:
        """The one-line summary ``cwp build`` prints on stdout.

        Examples
        --------
        >>> BuildResult(Path("book/_build/html"), None, ("a",), ("b", "c"), True, 41.23).summary()
        'built book/_build/html: 3 notebooks (1 executed, 2 cached) in 41.2 s'
        """
        total = len(self.executed) + len(self.cached)
        counts = f"{total} notebooks ({len(self.executed)} executed, {len(self.cached)} cached) in {self.seconds:.1f} s"
        if self.site is None:
            return f"executed notebooks: {counts}"
        verb = "built" if self.site_rebuilt else "up to date"
        return f"{verb} {_shown(self.site, relative_to)}: {counts}"


def _shown(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when inside it."""
    base = (base or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return str(path)


def discover_notebooks(notebooks_dir: str | os.PathLike) -> list[Path]:
    """The notebooks a build executes: ``*.ipynb`` directly in the folder, sorted by name.

    Raises
    ------
    PipelineError
        When the folder does not exist.
    """
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise PipelineError(f"notebook folder {folder} does not exist")
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))


def package_digest(package_dir: str | os.PathLike) -> str:
    """Digest of the analysis package: every file under it except byte code and hidden files."""
    return tree_digest(package_dir)


def validate_inputs(
    data_path: str | os.PathLike | None = None,
    workstar_path: str | os.PathLike | None = None,
    *,
    options: ReadOptions | None = None,
) -> tuple[Path | None, Path | None]:
    """Validate a survey and a Work Star file under the build's policy, without building.

    Parameters
    ----------
    data_path, workstar_path : path-like, optional
    options : ReadOptions, optional
        Encoding, sheet, column mapping and ``strict``.

    Returns
    -------
    tuple of pathlib.Path or None
        The absolute paths.

    Raises
    ------
    SurveyValidationError
        From :func:`cwp_analysis.survey_io.load_survey` or
        :func:`~cwp_analysis.survey_io.load_workstar` (exit status 2).
    """
    from cwp_analysis import survey_io  # imported only when needed: it loads the codebook stack

    kwargs = (options or ReadOptions()).as_kwargs()
    resolved = []
    for path, loader in ((data_path, survey_io.load_survey), (workstar_path, survey_io.load_workstar)):
        if path is None:
            resolved.append(None)
            continue
        absolute = Path(path).expanduser().resolve()
        loader(absolute, **kwargs)
        resolved.append(absolute)
    return resolved[0], resolved[1]


@contextlib.contextmanager
def _sigterm_raises_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while building (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _build_lock(path: Path, log: Callable[[str], None]) -> Iterator[None]:
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log(f"cwp build: waiting for another build to finish (lock {_shown(path)})")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(
    *,
    repo_root: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike | None = None,
    book_dir: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    outputs_dir: str | os.PathLike | None = None,
    package_dir: str | os.PathLike | None = None,
    lock_file: str | os.PathLike | None = None,
    data_path: str | os.PathLike | None = None,
    workstar_path: str | os.PathLike | None = None,
    read_options: ReadOptions | None = None,
    parameters: Mapping[str, object] | None = None,
    jobs: int | None = None,
    force: bool = False,
    keep_going: bool = False,
    build_book: bool = True,
    timeout: float | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Execute the notebooks (reusing the cache) and build the book.

    Parameters
    ----------
    repo_root : path-like, optional
        Root under which notebook reads are recorded and against which
        they are named; default the repository root.
    notebooks_dir, book_dir : path-like, optional
        Default ``<repo_root>/notebooks`` and ``<repo_root>/book``.
    out_dir : path-like, optional
        Published site; default ``<book_dir>/_build/html``.
    cache_dir : path-like, optional
        Default ``<repo_root>/.cwp-cache``.
    outputs_dir : path-like, optional
        Where the files the notebooks write to their ``output_dir`` are
        gathered; default ``<repo_root>/build/outputs``.
    package_dir, lock_file : path-like, optional
        Hashed into every cache key; default the installed
        ``cwp_analysis`` package and ``<repo_root>/requirements.lock``.
    data_path, workstar_path : path-like, optional
        Survey / Work Star export to run every notebook on, in any format
        ``cwp validate`` reads.  It is read and validated once
        (:func:`cwp_analysis.pipeline.inputs.prepare_input`): errors stop
        the build before anything is touched, warnings are reported and
        the build goes on.  The notebooks are given a converted UTF-8 copy
        in ``<cache_dir>/inputs/`` whose provenance names the original.
    read_options : ReadOptions, optional
        Encoding, sheet, column mapping and ``strict`` for both files.
    parameters : mapping, optional
        Further parameters (``alpha``, ``suppression_threshold``, ``seed``,
        ...), each passed to the notebooks whose parameters cell declares it.
    jobs : int, optional
        Notebooks executed at once; default :func:`os.cpu_count`.
    force : bool
        Execute every notebook and rebuild the site even if nothing changed.
    keep_going : bool
        After a notebook fails, still execute the others (the build still fails).
    build_book : bool
        False stops after executing the notebooks (no site).
    timeout : float, optional
        Per-cell time limit in seconds.
    progress : bool
        Show a progress bar on stderr.
    log : callable, optional
        Receives progress messages; default prints to stderr.

    Returns
    -------
    BuildResult

    Raises
    ------
    SurveyValidationError
        ``data_path`` or ``workstar_path`` is invalid (nothing touched).
    NotebookFailed
        A notebook raised an error.
    BookBuildFailed
        Jupyter Book reported a warning or error.
    OutputConflict, PipelineError
        Two notebooks wrote the same output file; a folder is missing.
    KeyboardInterrupt
        On SIGINT or SIGTERM, after killing the kernels.
    """
    started = time.perf_counter()
    from cwp_analysis import paths

    repo_root = Path(repo_root or paths.REPO_ROOT).resolve()
    notebooks_dir = Path(notebooks_dir or repo_root / "notebooks").resolve()
    book_dir = Path(book_dir or repo_root / "book").resolve()
    out_dir = Path(out_dir or book_dir / "_build" / "html").resolve()
    cache_dir = Path(cache_dir or repo_root / ".cwp-cache").resolve()
    outputs_dir = Path(outputs_dir or repo_root / "build" / "outputs").resolve()
    package_dir = Path(package_dir or Path(__file__).resolve().parent.parent).resolve()
    lock_file = Path(lock_file or repo_root / "requirements.lock").resolve()
    jobs = int(jobs or os.cpu_count() or 1)
    if jobs < 1:
        raise PipelineError(f"--jobs must be at least 1, got {jobs}")
    if build_book and not (book_dir / "_toc.yml").is_file():
        raise PipelineError(f"book folder {book_dir} has no _toc.yml")
    notebooks = discover_notebooks(notebooks_dir)
    say = log or _stderr
    warnings: list[str] = []
    inputs = _prepare_inputs(data_path, workstar_path, cache_dir / "inputs", read_options or ReadOptions(),
                             say, warnings)
    overrides = dict(parameters or {})
    for name, prepared in inputs.items():
        overrides[f"{'data' if name == 'survey' else name}_path"] = str(prepared.path)
    data_path = inputs["survey"].path if "survey" in inputs else None
    workstar_path = inputs["workstar"].path if "workstar" in inputs else None

    with _sigterm_raises_interrupt(), _build_lock(cache_dir / "build.lock", say):
        cache = NotebookCache(cache_dir, repo_root)
        cache.clean_tmp()
        hasher = FileHasher()
        common = {
            "package_digest": package_digest(package_dir),
            "lock_digest": sha256_file(lock_file) if lock_file.is_file() else "",
            "environment": {name: os.environ.get(name, "") for name in KEY_ENVIRONMENT},
        }
        include = [str(p) for p in (data_path, workstar_path) if p is not None]
        if os.environ.get("CWP_DATA_DIR"):
            include.append(os.environ["CWP_DATA_DIR"])
        kernel_env = {
            READS_ROOT_ENV: str(repo_root),
            READS_EXCLUDE_ENV: os.pathsep.join(str(p) for p in (cache_dir, out_dir, outputs_dir)),
            READS_INCLUDE_ENV: os.pathsep.join(include),
            "PYTHONHASHSEED": "0",
            # Figures are glued from the inline backend's PNG; a caller's MPLBACKEND=Agg
            # (common in CI and test runs) would leave glued figures as bare text.
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
        entries: dict[str, CacheEntry] = {}
        tasks: list[NotebookTask] = []
        for path in notebooks:
            try:
                source = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, ValueError) as error:
                raise PipelineError(f"{_shown(path, repo_root)} is not a notebook (invalid JSON: {error})") from None
            declared = declared_parameters(source)
            given = {k: v for k, v in overrides.items() if k in declared and k != OUTPUT_DIR_PARAMETER}
            key = static_key(source_digest=notebook_source_digest(source), parameters=given, **common)
            entry = None if force else cache.lookup(path.stem, key, hasher)
            if entry is not None:
                entries[path.stem] = entry
                continue
            tasks.append(
                NotebookTask(
                    name=path.stem,
                    source=path,
                    shown=_shown(path, repo_root),
                    key=key,
                    parameters=given,
                    declares_output_dir=OUTPUT_DIR_PARAMETER in declared,
                    cwd=notebooks_dir,
                    env=kernel_env,
                )
            )
        cached = tuple(sorted(entries))
        outcomes = _execute_with_progress(
            tasks, cache, hasher, cached, total=len(notebooks), jobs=jobs, keep_going=keep_going,
            timeout=timeout, progress=progress, say=say, warnings=warnings,
        )
        failures = [o.failure for o in outcomes if o.status == "failed" and o.failure is not None]
        if failures:
            first = failures[0]
            first.add_others([f.notebook for f in failures[1:]])
            raise first
        for outcome in outcomes:
            if outcome.entry is not None:
                entries[outcome.name] = outcome.entry
        ordered = [entries[path.stem] for path in notebooks]
        assemble_outputs(ordered, outputs_dir, cache.tmp_dir)
        site_rebuilt = False
        if build_book:
            digest = build_digest(book_dir, ordered)
            if force or read_marker(out_dir) != digest or not (out_dir / "index.html").is_file():
                say(f"cwp build: building the book with Jupyter Book (strict mode) into {_shown(out_dir)}")
                scan = _ScanPlan(
                    surveys=_used_files(repo_root, data_path, workstar_path),
                    threshold=int(overrides.get("suppression_threshold", DEFAULT_THRESHOLD)),
                    outputs=outputs_dir,
                )
                _build_site(book_dir, notebooks_dir, ordered, out_dir, cache, digest, scan, say)
                site_rebuilt = True
        cache.collect_garbage(keep=ordered)
    executed = tuple(sorted(o.name for o in outcomes if o.status == "executed"))
    return BuildResult(
        site=out_dir if build_book else None,
        outputs=outputs_dir,
        executed=executed,
        cached=cached,
        site_rebuilt=site_rebuilt,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
    )


def _prepare_inputs(data_path, workstar_path, inputs_dir: Path, options: ReadOptions, say, warnings: list[str]
                    ) -> dict[str, PreparedInput]:
    """Read, validate and convert the given exports; report their warnings."""
    prepared = {}
    for kind, path in (("survey", data_path), ("workstar", workstar_path)):
        if path is None:
            continue
        result = prepare_input(path, kind=kind, inputs_dir=inputs_dir, options=options)
        prepared[kind] = result
        if result.warnings:
            note = (f"{result.provenance.name}: {len(result.warnings)} validation warnings "
                    "(the build goes on; `cwp validate` lists them, `--strict` makes them errors)")
            warnings.append(note)
            say(f"cwp build: {note}")
            for line in result.warnings[:10]:
                say(f"  {line}")
            if len(result.warnings) > 10:
                say(f"  ... and {len(result.warnings) - 10} more")
    return prepared


def _execute_with_progress(
    tasks, cache, hasher, cached, *, total, jobs, keep_going, timeout, progress, say, warnings
) -> list[ExecutionOutcome]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc="notebooks", unit="nb", file=sys.stderr, disable=not progress or total == 0)

    def note(message: str) -> None:
        warnings.append(message)
        if progress and total:
            bar.write(f"cwp build: {message}", file=sys.stderr)
        else:
            say(f"cwp build: {message}")

    def done(outcome: ExecutionOutcome) -> None:
        label = {"executed": "executed", "failed": "FAILED", "skipped": "not started", "interrupted": "interrupted"}
        bar.set_postfix_str(f"{outcome.name} {label[outcome.status]} ({outcome.seconds:.1f} s)", refresh=False)
        bar.update(1)
        if outcome.warning:
            note(outcome.warning)

    try:
        for name in cached:
            bar.set_postfix_str(f"{name} cached", refresh=False)
            bar.update(1)
        if tasks:
            message = f"cwp build: executing {len(tasks)} of {total} notebooks, {min(jobs, len(tasks))} at a time"
            if progress:
                bar.write(message, file=sys.stderr)
            else:
                say(message)
            return execute_notebooks(tasks, cache, hasher, jobs=jobs, keep_going=keep_going, timeout=timeout, on_done=done)
        return []
    finally:
        bar.close()


#: Suppression threshold the notebooks use unless given ``suppression_threshold``.
DEFAULT_THRESHOLD = 7


@dataclass(frozen=True)
class _ScanPlan:
    """What the disclosure scan of a freshly built site is told: the data used and the threshold."""

    surveys: dict[str, Path]
    threshold: int
    outputs: Path


def _used_files(repo_root: Path, data_path: Path | None, workstar_path: Path | None) -> dict[str, Path]:
    """The survey and Work Star files the notebooks read: those given, else the synthetic defaults (if present)."""
    from cwp_analysis.paths import SYNTHETIC_SURVEY, SYNTHETIC_WORKSTAR

    used = {"survey": Path(data_path or repo_root / SYNTHETIC_SURVEY),
            "workstar": Path(workstar_path or repo_root / SYNTHETIC_WORKSTAR)}
    return {kind: path for kind, path in used.items() if path.is_file()}


def _scan_before_publishing(html: Path, out_dir: Path, scan: _ScanPlan, say) -> None:
    """Run the disclosure scan and page attack on a built site; raise rather than publish a finding."""
    from cwp_analysis.disclosure_scan import UnsafeSiteError, scan_site

    say("cwp build: disclosure scan and page attack of the built site")
    report = scan_site(html, threshold=scan.threshold, survey_paths=list(scan.surveys.values()),
                       outputs=scan.outputs, attack=True)
    if not report.ok:
        raise UnsafeSiteError(f"the built site was not published (the previous site is unchanged): {report.reason}")


def _write_manifest(out_dir: Path, scan: _ScanPlan) -> None:
    from cwp_analysis.build_manifest import make_build_manifest, manifest_path, write_build_manifest
    from cwp_analysis.codebook import load_codebook
    from cwp_analysis.provenance import read_provenance

    if "survey" not in scan.surveys:
        return  # a book built from no survey (a fixture project): nothing for `cwp scan` to look up
    codebook = load_codebook()
    survey, workstar = scan.surveys["survey"], scan.surveys.get("workstar")
    manifest = make_build_manifest(
        site=out_dir, data_path=survey, id_column=codebook.id_column,
        synthetic=read_provenance(survey).synthetic, threshold=scan.threshold,
        workstar_path=workstar, workstar_id_column=codebook.workstar.id_column if workstar else None,
        outputs=scan.outputs,
    )
    write_build_manifest(manifest_path(out_dir), manifest)


def _build_site(
    book_dir: Path, notebooks_dir: Path, entries: list[CacheEntry], out_dir: Path, cache: NotebookCache, digest: str,
    scan: _ScanPlan, say,
) -> None:
    work = (cache.tmp_dir / f"site-{uuid.uuid4().hex[:12]}").resolve()
    work.mkdir(parents=True)
    try:
        stage = stage_book(book_dir, entries, work / "src")
        shown = {
            f"{stage / STAGED_NOTEBOOKS_DIR}{os.sep}": f"{_shown(notebooks_dir)}/",
            f"{stage}{os.sep}": f"{_shown(book_dir)}/",
        }
        html = run_jupyter_book(stage, work / "out", log_path=cache.root / "jupyter-book.log", shown_paths=shown)
        _scan_before_publishing(html, out_dir, scan, say)
        publish_site(html, out_dir, digest)
        _write_manifest(out_dir, scan)
    finally:
        shutil.rmtree(work, ignore_errors=True)
