"""Build benchmarks: ``cwp build`` against a naive baseline and against its floor (issue 6).

Every build here runs in a *workspace*: a temporary copy of the
repository's ``notebooks/``, ``book/``, ``data/`` and ``requirements.lock``
(see :func:`make_workspace`).  The ``cwp_analysis`` package is imported from
the repository, ``CWP_DATA_DIR`` points the library at the workspace's
``data/``, and the site, cache and outputs folders live in the workspace,
so a benchmark never touches the real data, cache or site.

What is measured (wall time with :func:`time.perf_counter` in the parent
process, around a child process, so interpreter start-up counts):

clean full rebuild
    ``cwp build --force --jobs N`` with fresh (deleted) cache, site and
    outputs folders: every notebook executed with Papermill, the book
    built by Jupyter Book in strict mode.
naive baseline
    What one would do without the pipeline: each notebook executed in turn
    with ``jupyter nbconvert --to notebook --execute`` into a staging copy
    of the book (``execute_notebooks: "off"``), then ``jupyter-book build``
    of that copy with the same strict flags.  Two adjustments make the
    pages identical in content to the pipeline's: ``CWP_READS_FILE`` is set
    for each kernel (the notebooks then emit the book's figure directives,
    as in ``cwp build``), and a cell setting ``output_dir`` to a scratch
    folder follows the parameters cell (the files a notebook writes must not
    land in the repository; Papermill injects the same kind of cell in the
    pipeline).
floor
    The least any build of these notebooks can cost on ``cores`` cores:
    ``sum(kernel start + imports of each notebook) / cores + site render``.
    *Kernel start + imports* of a notebook is the wall time of executing,
    exactly as the pipeline executes a notebook
    (:func:`cwp_analysis.pipeline.execute.run_notebook`: Papermill, the
    pinned kernel, read tracking), a reduced notebook holding only its
    parameters cell and one cell with every top-level ``import`` statement
    of its code cells, in their order -- so the time covers kernel start,
    the imports, Papermill's own work and kernel shutdown, and none of the
    notebook's computation.  Each reduced notebook runs alone (nothing in
    parallel).  *Site render* is :func:`~cwp_analysis.pipeline.site.stage_book`
    plus :func:`~cwp_analysis.pipeline.site.run_jupyter_book` on the executed
    notebooks of a clean build.
no-change rebuild
    ``cwp build`` (no ``--force``) straight after a build: nothing executed,
    the site left as it is.
data file touched / changed
    A data file of the workspace read by some notebooks but not all (the
    YAML file with the fewest readers, found from the read records in the
    cache) is first *touched* (modification time only: nothing should run,
    the cache compares contents) and then *changed* (a YAML comment line
    appended, a real content change that alters no value): exactly the
    notebooks that read it should run again.

Medians are taken over ``repeats`` runs of each scenario (clean and naive
builds alternate, so slow drift of the machine affects both alike).
"""

from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Interpreter (and hence kernel) of every child process: the project's environment.
PYTHON = sys.executable
#: Tag of the cell the naive baseline inserts after the parameters cell.
NAIVE_OUTPUT_TAG = "naive-output-dir"

Progress = Callable[[str], None]


class BenchmarkError(RuntimeError):
    """A build that should have succeeded failed (the message carries its log tail)."""


def _quiet(message: str) -> None:
    return None


def children_cpu_seconds() -> float:
    """User + system CPU time of every finished child process (and their reaped children) so far.

    The difference across a child's run is the CPU time it consumed,
    kernels included: a measure much less disturbed than wall time by other
    work competing for the processors.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# -- workspace ---------------------------------------------------------------------


@dataclass(frozen=True)
class Workspace:
    """A temporary project tree a benchmark builds in.

    Attributes
    ----------
    root : pathlib.Path
        Holds ``notebooks/``, ``book/``, ``data/``, ``requirements.lock``.
    stubbed : tuple of str
        Table-of-contents entries replaced by a stub because their source
        did not exist (empty once every chapter exists).
    """

    root: Path
    stubbed: tuple[str, ...] = ()

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def book(self) -> Path:
        return self.root / "book"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def notebook_names(self) -> list[str]:
        """Stems of the notebooks a build executes (as :func:`cwp_analysis.pipeline.discover_notebooks`)."""
        return sorted(p.stem for p in self.notebooks.glob("*.ipynb") if not p.name.startswith("."))

    def environment(self) -> dict[str, str]:
        """Environment of every build in the workspace: the library reads the workspace's data."""
        env = {**os.environ, "CWP_DATA_DIR": str(self.data)}
        env.pop("MPLBACKEND", None)  # the kernels must keep the inline backend (figures as images)
        return env

    def clean(self) -> None:
        """Delete the site, cache and outputs folders (a clean build follows)."""
        for folder in (self.site, self.cache, self.outputs):
            shutil.rmtree(folder, ignore_errors=True)


def _ignore_build_products(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("_build", "__pycache__", ".ipynb_checkpoints") or n.startswith(".")}


def _toc_files(toc: dict) -> Iterable[str]:
    yield toc.get("root", "")
    for part in toc.get("parts", []) or []:
        for chapter in part.get("chapters", []) or []:
            yield chapter.get("file", "")
    for chapter in toc.get("chapters", []) or []:
        yield chapter.get("file", "")


def _source_exists(book: Path, entry: str) -> bool:
    return any((book / f"{entry}{suffix}").is_file() for suffix in ("", ".md", ".ipynb", ".rst"))


STUB_NOTE = "This chapter did not exist when the benchmark ran; the benchmark put this stub in its place."


def stub_missing_chapters(book_dir: Path, notebooks_dir: Path) -> tuple[str, ...]:
    """Put a stub in place of every table-of-contents entry whose source does not exist.

    While chapters are still being written, cross-references to them
    would fail the strict book build; a stub (a title and, for a notebook,
    a parameters cell) keeps the table of contents and the links whole.
    Chapters under ``notebooks/`` count as existing when the notebook is in
    ``notebooks_dir`` (the pipeline stages them there).  Nothing is written
    when every entry exists.

    Returns
    -------
    tuple of str
        The entries stubbed.
    """
    toc = yaml.safe_load((book_dir / "_toc.yml").read_text(encoding="utf-8"))
    stubbed = []
    for entry in _toc_files(toc):
        if not entry:
            continue
        title = entry.rsplit("/", 1)[-1].replace("_", " ")
        if entry.startswith("notebooks/"):
            path = notebooks_dir / f"{entry.split('/', 1)[1]}.ipynb"
            if path.is_file():
                continue
            notebook = {
                "cells": [
                    {"cell_type": "markdown", "id": "stub-title", "metadata": {},
                     "source": f"# {title} (stub)\n\n{STUB_NOTE}"},
                    {"cell_type": "code", "execution_count": None, "id": "stub-parameters",
                     "metadata": {"tags": ["parameters", "hide-input"]}, "outputs": [],
                     "source": 'output_dir = "build/outputs"'},
                ],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                            "language": "python"}, "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5,
            }
            path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        elif not _source_exists(book_dir, entry):
            (book_dir / f"{entry}.md").write_text(f"# {title} (stub)\n\n{STUB_NOTE}\n", encoding="utf-8")
        else:
            continue
        stubbed.append(entry)
    return tuple(stubbed)


def make_workspace(target: Path, *, repo_root: Path = REPO_ROOT, only: Iterable[str] | None = None) -> Workspace:
    """Copy the project's notebooks, book sources, data and lock file to ``target``.

    Symbolic links in ``book/`` stay relative links, so they point into the
    copy's ``data/``.  ``data/private/`` is not copied (real data never leave
    it).  Chapters of the table of contents that do not exist yet get a
    stub (:func:`stub_missing_chapters`).  ``only`` (notebook names)
    copies just those notebooks; the other chapters get stubs too.
    """
    target = Path(target)
    only = None if only is None else set(only)
    (target / "notebooks").mkdir(parents=True)
    for notebook in sorted((repo_root / "notebooks").glob("*.ipynb")):
        if only is not None and notebook.stem not in only:
            continue
        if not notebook.name.startswith("."):
            shutil.copy2(notebook, target / "notebooks" / notebook.name)
    shutil.copytree(repo_root / "book", target / "book", symlinks=True, ignore=_ignore_build_products)

    def ignore_data(directory: str, names: list[str]) -> set[str]:
        skipped = _ignore_build_products(directory, names)
        if Path(directory).resolve() == (repo_root / "data").resolve():
            skipped.add("private")
        return skipped

    shutil.copytree(repo_root / "data", target / "data", symlinks=True, ignore=ignore_data)
    lock = repo_root / "requirements.lock"
    if lock.is_file():
        shutil.copy2(lock, target / "requirements.lock")
    stubbed = stub_missing_chapters(target / "book", target / "notebooks")
    return Workspace(target, stubbed)


# -- one `cwp build` -----------------------------------------------------------------


@dataclass(frozen=True)
class BuildRun:
    """One timed ``cwp build``.

    Attributes
    ----------
    seconds : float
        Wall time of the ``cwp`` process.
    executed : tuple of str
        Notebooks executed (new cache objects), sorted.
    summary : str
        The line ``cwp build`` printed.
    site_rebuilt : bool
    cpu_seconds : float
        CPU time of the ``cwp`` process and its kernels and Jupyter Book.
    """

    seconds: float
    executed: tuple[str, ...]
    summary: str
    site_rebuilt: bool
    cpu_seconds: float = 0.0


def cwp_command() -> list[str]:
    """The ``cwp`` command of this environment (its console script, else ``python -m cwp_analysis``)."""
    script = Path(PYTHON).parent / "cwp"
    return [str(script)] if script.is_file() else [PYTHON, "-m", "cwp_analysis"]


def _cache_objects(cache: Path) -> set[str]:
    folder = cache / "objects"
    return set(os.listdir(folder)) if folder.is_dir() else set()


def cwp_build(ws: Workspace, *, jobs: int, force: bool = False) -> BuildRun:
    """Run ``cwp build`` on the workspace and time it.

    The notebooks executed are the cache objects the build added (an
    object is named ``<notebook>-<random hex>``).
    """
    command = [
        *cwp_command(), "build", "--jobs", str(jobs), "--no-progress",
        "--notebooks", str(ws.notebooks), "--book", str(ws.book), "--out", str(ws.site),
        "--cache-dir", str(ws.cache), "--outputs", str(ws.outputs),
    ]
    if force:
        command.append("--force")
    before = _cache_objects(ws.cache)
    cpu = children_cpu_seconds()
    started = time.perf_counter()
    process = subprocess.run(
        command, cwd=ws.root, env=ws.environment(), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu
    if process.returncode != 0:
        raise BenchmarkError(
            f"cwp build failed with status {process.returncode}:\n{_tail(process.stderr)}\n{_tail(process.stdout)}"
        )
    new = _cache_objects(ws.cache) - before
    executed = tuple(sorted(name.rsplit("-", 1)[0] for name in new))
    summary = process.stdout.strip().splitlines()[-1] if process.stdout.strip() else ""
    return BuildRun(seconds, executed, summary, summary.startswith("built "), cpu)


# -- the naive baseline -----------------------------------------------------------------


@dataclass(frozen=True)
class NaiveRun:
    """One timed naive build.

    Attributes
    ----------
    seconds : float
        Whole build: staging, every ``nbconvert``, ``jupyter-book build``.
    execute_seconds : dict
        Notebook -> wall time of its ``jupyter nbconvert --execute``.
    render_seconds : float
        Wall time of ``jupyter-book build``.
    render_ok : bool
        Whether Jupyter Book finished without a warning and produced the site.
    cpu_seconds : float
        CPU time of every ``nbconvert`` (with its kernel) and of Jupyter Book.
    """

    seconds: float
    execute_seconds: dict
    render_seconds: float
    render_ok: bool
    cpu_seconds: float = 0.0


def naive_input(source: Path, target: Path, output_dir: Path) -> None:
    """Copy a notebook, adding after its parameters cell a cell that sets ``output_dir``."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cells = notebook.get("cells", [])
    position = next(
        (i + 1 for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0
    )
    cells.insert(position, {
        "cell_type": "code",
        "execution_count": None,
        "id": "naive-output-dir",
        "metadata": {"tags": [NAIVE_OUTPUT_TAG, "remove-cell"]},
        "outputs": [],
        "source": f"output_dir = {str(output_dir)!r}",
    })
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def jupyter_book_script() -> list[str]:
    """The ``jupyter-book`` command of this environment."""
    script = Path(PYTHON).parent / "jupyter-book"
    if script.is_file():
        return [str(script)]
    return [PYTHON, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())"]


def naive_build(ws: Workspace, stage: Path, *, progress: Progress = _quiet) -> NaiveRun:
    """Build the book the naive way in ``stage`` (created; must not exist) and time it."""
    cpu = children_cpu_seconds()
    started = time.perf_counter()
    stage = Path(stage)
    book = stage / "book"
    shutil.copytree(ws.book, book, symlinks=False, ignore=_ignore_build_products)
    inputs, reads, outputs = stage / "inputs", stage / "reads", stage / "outputs"
    reads.mkdir(parents=True)
    env = ws.environment()
    timings = {}
    for name in ws.notebook_names():
        source = inputs / f"{name}.ipynb"
        naive_input(ws.notebooks / f"{name}.ipynb", source, outputs)
        command = [
            PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute",
            "--ExecutePreprocessor.timeout=1200", "--output-dir", str(book / "notebooks"), str(source),
        ]
        t0 = time.perf_counter()
        process = subprocess.run(
            command, cwd=inputs, env={**env, "CWP_READS_FILE": str(reads / f"{name}.json")},
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        timings[name] = time.perf_counter() - t0
        if process.returncode != 0:
            raise BenchmarkError(f"nbconvert failed on {name}:\n{_tail(process.stderr)}")
        progress(f"naive: executed {name} in {timings[name]:.1f} s")
    t0 = time.perf_counter()
    process = subprocess.run(
        [*jupyter_book_script(), "build", str(book), "--builder", "html",
         "--warningiserror", "--nitpick", "--keep-going"],
        cwd=book, env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    render = time.perf_counter() - t0
    ok = process.returncode == 0 and (book / "_build" / "html" / "index.html").is_file()
    if not (book / "_build" / "html" / "index.html").is_file():
        raise BenchmarkError(f"jupyter-book build of the naive stage produced no site:\n{_tail(process.stdout)}")
    return NaiveRun(time.perf_counter() - started, timings, render, ok, children_cpu_seconds() - cpu)


# -- the floor ------------------------------------------------------------------------


def import_statements(notebook: dict) -> str:
    """Every top-level ``import`` / ``from ... import`` statement of a notebook's code cells, in order.

    Cells that are not valid Python (e.g. IPython magics) are skipped.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "import numpy as np\\nx = 1"},
    ...                 {"cell_type": "markdown", "source": "import nothing"},
    ...                 {"cell_type": "code",
    ...                  "source": ["from cwp_analysis import notebook as nb\\n", "nb.setup('a')"]}]}
    >>> print(import_statements(nb))
    import numpy as np
    from cwp_analysis import notebook as nb
    """
    lines = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                lines.append(ast.get_source_segment(source, node))
    return "\n".join(lines)


def imports_only_notebook(notebook: dict) -> dict:
    """The reduced notebook timed for the floor: the parameters cell and one cell of imports."""
    cells = [c for c in notebook.get("cells", [])
             if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    cells = [dict(c, outputs=[], execution_count=None) for c in cells[:1]]
    cells.append({"cell_type": "code", "execution_count": None, "id": "imports-only",
                  "metadata": {}, "outputs": [], "source": import_statements(notebook)})
    return {**notebook, "cells": cells}


def kernel_and_imports_seconds(ws: Workspace, scratch: Path, *, repeats: int,
                               progress: Progress = _quiet) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time each notebook's reduced (imports-only) notebook, one at a time, ``repeats`` times.

    Returns
    -------
    (dict, dict)
        Notebook -> list of wall times in seconds; notebook -> list of CPU
        times of its kernel in seconds.
    """
    from cwp_analysis.dependency_tracking import READS_ROOT_ENV
    from cwp_analysis.pipeline.cache import FileHasher, NotebookCache
    from cwp_analysis.pipeline.execute import NotebookTask, declared_parameters, run_notebook

    scratch = Path(scratch)
    sources = scratch / "notebooks"
    sources.mkdir(parents=True)
    cache = NotebookCache(scratch / "cache", ws.root)
    env = {READS_ROOT_ENV: str(ws.root), "PYTHONHASHSEED": "0", "CWP_DATA_DIR": str(ws.data)}
    times: dict[str, list[float]] = {name: [] for name in ws.notebook_names()}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    for repeat in range(repeats):
        for name in times:
            reduced = imports_only_notebook(json.loads((ws.notebooks / f"{name}.ipynb").read_text(encoding="utf-8")))
            path = sources / f"{name}.ipynb"
            path.write_text(json.dumps(reduced, indent=1), encoding="utf-8")
            task = NotebookTask(
                name=name, source=path, shown=name, key=f"floor-{repeat}", parameters={},
                declares_output_dir="output_dir" in declared_parameters(reduced), cwd=sources, env=env,
            )
            cpu0 = children_cpu_seconds()
            t0 = time.perf_counter()
            outcome = run_notebook(task, cache, FileHasher())
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(children_cpu_seconds() - cpu0)
            if outcome.status != "executed":
                raise BenchmarkError(f"the imports-only copy of {name} did not run: {outcome.failure}")
        progress(f"floor: kernel start + imports, pass {repeat + 1} of {repeats} "
                 f"({sum(v[-1] for v in times.values()):.1f} s for {len(times)} notebooks)")
    return times, cpu


def cache_entries(cache_dir: Path):
    """The newest committed cache entry of each notebook, as :class:`~cwp_analysis.pipeline.cache.CacheEntry`."""
    from cwp_analysis.pipeline.cache import CacheEntry

    entries = []
    for folder in sorted((Path(cache_dir) / "entries").glob("*")):
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        if not files:
            continue
        data = json.loads(files[-1].read_text(encoding="utf-8"))
        entries.append(CacheEntry(
            name=data["name"], key=data["key"], object_dir=Path(cache_dir) / "objects" / data["object"],
            notebook_sha256=data["notebook_sha256"], content_sha256=data["content_sha256"],
            reads=dict(data["reads"]), tracked=bool(data["tracked"]), seconds=float(data.get("seconds", 0.0)),
        ))
    return entries


def site_render_seconds(ws: Workspace, scratch: Path) -> float:
    """Stage the book with the cached executed notebooks and build it with Jupyter Book; wall time."""
    from cwp_analysis.pipeline.site import run_jupyter_book, stage_book

    scratch = Path(scratch)
    entries = cache_entries(ws.cache)
    started = time.perf_counter()
    stage = stage_book(ws.book, entries, scratch / "src")
    run_jupyter_book(stage, scratch / "out", log_path=scratch / "jupyter-book.log",
                     env={"CWP_DATA_DIR": str(ws.data)})
    return time.perf_counter() - started


# -- data-file dependencies ------------------------------------------------------------


def readers_by_file(cache_dir: Path) -> dict[str, list[str]]:
    """Recorded read (relative to the workspace) -> notebooks that read it, from the cache entries."""
    readers: dict[str, list[str]] = {}
    for entry in cache_entries(cache_dir):
        for path in entry.reads:
            readers.setdefault(path, []).append(entry.name)
    return {path: sorted(names) for path, names in sorted(readers.items())}


def choose_data_file(readers: dict[str, list[str]], n_notebooks: int) -> str:
    """The ``data/`` YAML file read by the fewest notebooks (at least one, not all); ties by name.

    A YAML file is chosen because a comment line can be appended to it
    without changing any value, so the notebooks still succeed.

    Raises
    ------
    BenchmarkError
        When no such file exists.
    """
    candidates = [
        (len(names), path) for path, names in readers.items()
        if path.startswith("data/") and path.endswith((".yaml", ".yml")) and 0 < len(names) < n_notebooks
    ]
    if not candidates:
        raise BenchmarkError("no data/ YAML file is read by some notebooks but not all")
    return min(candidates)[1]


# -- the whole build benchmark -----------------------------------------------------------


def _stats(values: list[float], cpu: list[float] | None = None) -> dict:
    cpu_part = {"cpu_median_seconds": round(statistics.median(cpu), 3)} if cpu else {}
    return {
        "runs_seconds": [round(v, 3) for v in values],
        "median_seconds": round(statistics.median(values), 3),
        "min_seconds": round(min(values), 3),
        "max_seconds": round(max(values), 3),
        "runs": len(values),
        **cpu_part,
    }


@dataclass
class BuildBenchmark:
    """Settings of :func:`run`."""

    jobs: int = 2
    repeats: int = 3
    no_change_repeats: int = 5
    keep: bool = False
    only: tuple[str, ...] | None = None
    progress: Progress = field(default=_quiet)


def run(scratch: Path, settings: BuildBenchmark) -> dict:
    """Run every build scenario in ``scratch`` and return the ``build`` section of the results.

    Parameters
    ----------
    scratch : pathlib.Path
        An empty temporary folder (workspace, naive stages, floor runs).
    settings : BuildBenchmark

    Returns
    -------
    dict
        ``workspace``, ``full_rebuild``, ``naive_baseline``, ``floor``,
        ``no_change``, ``data_touched``, ``data_changed``; each scenario with
        its runs, median, minimum and maximum in seconds.
    """
    from cwp_analysis.pipeline import package_digest

    say = settings.progress
    scratch = Path(scratch)
    package = REPO_ROOT / "cwp_analysis"
    package_at_start = package_digest(package)
    warnings: list[str] = []
    ws = make_workspace(scratch / "workspace", only=settings.only)
    names = ws.notebook_names()
    say(f"workspace {ws.root}: {len(names)} notebooks"
        + (f"; stubs in place of missing {', '.join(ws.stubbed)}" if ws.stubbed else ""))

    clean_runs: list[BuildRun] = []
    naive_runs: list[NaiveRun] = []
    for i in range(settings.repeats):
        ws.clean()
        say(f"clean full rebuild {i + 1}/{settings.repeats}: cwp build --force --jobs {settings.jobs} ...")
        clean = cwp_build(ws, jobs=settings.jobs, force=True)
        if len(clean.executed) != len(names):
            raise BenchmarkError(f"a forced build executed {len(clean.executed)} of {len(names)} notebooks")
        clean_runs.append(clean)
        say(f"clean full rebuild {i + 1}/{settings.repeats}: {clean.seconds:.1f} s ({clean.summary})")
        say(f"naive baseline {i + 1}/{settings.repeats}: nbconvert each notebook in turn, then jupyter-book ...")
        naive = naive_build(ws, scratch / f"naive-{i}", progress=say)
        naive_runs.append(naive)
        if not settings.keep:
            shutil.rmtree(scratch / f"naive-{i}", ignore_errors=True)
        say(f"naive baseline {i + 1}/{settings.repeats}: {naive.seconds:.1f} s "
            f"(execute {sum(naive.execute_seconds.values()):.1f} s, render {naive.render_seconds:.1f} s)")

    entries = {entry.name: entry for entry in cache_entries(ws.cache)}
    render_runs = []
    for i in range(settings.repeats):
        seconds = site_render_seconds(ws, scratch / f"render-{i}")
        shutil.rmtree(scratch / f"render-{i}", ignore_errors=True)
        render_runs.append(seconds)
        say(f"site render {i + 1}/{settings.repeats}: {seconds:.1f} s")
    imports, imports_cpu = kernel_and_imports_seconds(ws, scratch / "floor", repeats=settings.repeats, progress=say)
    per_notebook = {name: statistics.median(values) for name, values in imports.items()}
    render_median = statistics.median(render_runs)
    floor_seconds = sum(per_notebook.values()) / settings.jobs + render_median

    settle = cwp_build(ws, jobs=settings.jobs)
    if settle.executed:
        warnings.append(f"the build before the no-change runs executed {', '.join(settle.executed)}: "
                        "an input (most likely the cwp_analysis package) changed after the clean builds")
        say(f"warning: {warnings[-1]}")
    no_change = []
    for i in range(settings.no_change_repeats):
        run_ = cwp_build(ws, jobs=settings.jobs)
        no_change.append(run_)
        say(f"no-change rebuild {i + 1}/{settings.no_change_repeats}: {run_.seconds:.2f} s ({run_.summary})")
        if run_.executed:
            warnings.append(f"no-change rebuild {i + 1} executed {', '.join(run_.executed)}: an input changed")

    readers = readers_by_file(ws.cache)
    chosen = choose_data_file(readers, len(names))
    target = ws.root / chosen
    original = target.read_bytes()
    touched = []
    for i in range(settings.repeats):
        now = time.time() + 10 * (i + 1)
        os.utime(target, (now, now))
        run_ = cwp_build(ws, jobs=settings.jobs)
        touched.append(run_)
        say(f"{chosen} touched {i + 1}/{settings.repeats}: {run_.seconds:.2f} s, executed {list(run_.executed)}")
    changed = []
    try:
        for i in range(settings.repeats):
            target.write_bytes(original + f"\n# benchmark edit {i + 1}: a comment, no value changed\n".encode())
            run_ = cwp_build(ws, jobs=settings.jobs)
            changed.append(run_)
            say(f"{chosen} changed {i + 1}/{settings.repeats}: {run_.seconds:.1f} s, executed {list(run_.executed)}")
    finally:
        target.write_bytes(original)
    restored = cwp_build(ws, jobs=settings.jobs)
    say(f"{chosen} restored: {restored.seconds:.1f} s, executed {list(restored.executed)}")

    expected = readers[chosen]
    if package_digest(package) != package_at_start:
        warnings.append("the cwp_analysis package changed while the benchmark ran; builds may have re-executed "
                        "notebooks for that reason")
    naive_execute = [sum(n.execute_seconds.values()) for n in naive_runs]
    return {
        "workspace": {
            "notebooks": names,
            "stubbed": list(ws.stubbed),
            "jobs": settings.jobs,
            "site": str(ws.site),
            "package_digest": package_at_start,
            "warnings": warnings,
        },
        "full_rebuild": {
            "command": f"cwp build --force --jobs {settings.jobs} (fresh cache, site and outputs folders)",
            **_stats([r.seconds for r in clean_runs], [r.cpu_seconds for r in clean_runs]),
            "notebooks_executed": len(clean_runs[-1].executed),
            "notebook_seconds": {name: round(entry.seconds, 3) for name, entry in sorted(entries.items())},
        },
        "naive_baseline": {
            "command": "jupyter nbconvert --to notebook --execute (each notebook in turn), then jupyter-book build",
            **_stats([n.seconds for n in naive_runs], [n.cpu_seconds for n in naive_runs]),
            "execute_median_seconds": round(statistics.median(naive_execute), 3),
            "render_median_seconds": round(statistics.median([n.render_seconds for n in naive_runs]), 3),
            "render_ok": all(n.render_ok for n in naive_runs),
            "notebook_median_seconds": {
                name: round(statistics.median([n.execute_seconds[name] for n in naive_runs]), 3) for name in names
            },
        },
        "floor": {
            "definition": "sum over notebooks of (kernel start + imports) / cores + site render",
            "cores": settings.jobs,
            "kernel_imports_runs": settings.repeats,
            "kernel_imports_median_seconds": {name: round(v, 3) for name, v in per_notebook.items()},
            "kernel_imports_total_seconds": round(sum(per_notebook.values()), 3),
            "kernel_imports_cpu_total_seconds": round(
                sum(statistics.median(values) for values in imports_cpu.values()), 3),
            "render": _stats(render_runs),
            "median_seconds": round(floor_seconds, 3),
        },
        "no_change": {
            "command": f"cwp build --jobs {settings.jobs} (straight after a build)",
            **_stats([r.seconds for r in no_change], [r.cpu_seconds for r in no_change]),
            "executed": sorted({name for r in no_change for name in r.executed}),
            "site_rebuilt": any(r.site_rebuilt for r in no_change),
        },
        "data_touched": {
            "file": chosen,
            "change": "modification time only (os.utime)",
            **_stats([r.seconds for r in touched], [r.cpu_seconds for r in touched]),
            "executed": sorted({name for r in touched for name in r.executed}),
        },
        "data_changed": {
            "file": chosen,
            "change": "a YAML comment line appended (content changed, no value changed)",
            **_stats([r.seconds for r in changed], [r.cpu_seconds for r in changed]),
            "readers": expected,
            "executed_per_run": [list(r.executed) for r in changed],
            "exactly_readers": all(list(r.executed) == expected for r in changed),
            "readers_by_file": {path: names_ for path, names_ in readers.items() if path.startswith("data/")},
            "after_restoring": {"seconds": round(restored.seconds, 3), "executed": list(restored.executed)},
        },
    }
