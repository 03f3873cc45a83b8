"""Staging the book, building it with Jupyter Book in strict mode, and publishing atomically.

The book is never built in place.  Its source tree is copied to a staging
folder, the executed notebooks are written into the staged ``notebooks/``
folder (cleaned of run-specific metadata so the site only changes when
the content does), Jupyter Book 1.x builds the stage with warnings as
errors, and the finished HTML folder replaces the published one in a
single rename.  Any failure leaves the published site as it was.

Conventions
-----------
* The staged ``_config.yml`` always has ``execute.execute_notebooks:
  "off"``: Papermill has already executed the notebooks, and Jupyter Book
  must not run them again.
* Cleaning an executed notebook for the site (:func:`clean_for_site`)
  drops the cell Papermill injects (it holds machine-specific absolute
  paths), the ``papermill`` and ``execution`` metadata (timestamps and
  durations) and Papermill's error-marker cells.
* The published folder carries ``.cwp-build.json`` with the digest of what
  it was built from; a build whose inputs have that digest skips Jupyter
  Book entirely.
* :func:`replace_directory` swaps folders with ``renameat2(RENAME_EXCHANGE)``
  on Linux, so readers see the old site or the new one and never a gap;
  elsewhere it falls back to two renames (a gap of microseconds, never a
  half-built site).

References
----------
.. [1] Jupyter Book 1.x command-line interface: ``jupyter-book build``.
   https://jupyterbook.org/en/stable/reference/cli.html
.. [2] Sphinx build options ``-W``, ``-n``, ``--keep-going``.
   https://www.sphinx-doc.org/en/master/man/sphinx-build.html
.. [3] renameat2(2), ``RENAME_EXCHANGE``. https://man7.org/linux/man-pages/man2/rename.2.html
"""

from __future__ import annotations

import copy
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterable, Mapping
from importlib import metadata as importlib_metadata
from pathlib import Path

from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.cache import (
    CacheEntry,
    canonical_json,
    installed_versions_digest,
    sha256_file,
    tree_digest,
)

__all__ = [
    "BookBuildFailed",
    "MARKER_NAME",
    "OutputConflict",
    "STAGED_NOTEBOOKS_DIR",
    "assemble_outputs",
    "build_digest",
    "clean_for_site",
    "default_lock_files",
    "installed_versions_digest",
    "jupyter_book_command",
    "read_marker",
    "replace_directory",
    "publish_site",
    "run_jupyter_book",
    "site_content_digest",
    "stage_book",
    "write_notebook",
]

#: Folder of the staged book that holds the executed notebooks.
STAGED_NOTEBOOKS_DIR = "notebooks"
#: File in a published folder recording the digest it was built from.
MARKER_NAME = ".cwp-build.json"
#: Book source entries never staged.
_SKIPPED_BOOK_DIRS = frozenset({"_build", "__pycache__"})
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE)\b:?")
_INJECTED_TAG = "injected-parameters"
_ERROR_MARKER_TAG = "papermill-error-cell-tag"


class BookBuildFailed(CwpError):
    """Jupyter Book reported a warning or error (strict mode), or did not produce a site.

    Attributes
    ----------
    problems : list of str
        The warning and error lines, with staging paths mapped back to sources.
    log_path : pathlib.Path or None
        The full build log.
    """

    exit_code = 1

    def __init__(self, problems: list[str], log_path: Path | None, returncode: int):
        self.problems = list(problems)
        self.log_path = log_path
        self.returncode = returncode
        if self.problems:
            more = len(self.problems) - 1
            head = f"{self.problems[0]}" + (f" (and {more} more)" if more else "")
        else:
            head = f"jupyter-book exited with status {returncode} without a warning line"
        log = f"; full log: {log_path}" if log_path else ""
        super().__init__(f"book build failed in strict mode (warnings are errors): {head}{log}")


class OutputConflict(CwpError):
    """Two notebooks wrote different files under the same name in their ``output_dir``."""


# -- notebooks for the site ----------------------------------------------------


def clean_for_site(notebook: Mapping) -> dict:
    """A copy of an executed notebook without run-specific content.

    Parameters
    ----------
    notebook : mapping
        Executed notebook JSON.

    Returns
    -------
    dict
        The notebook without Papermill's injected-parameters and
        error-marker cells and without ``papermill``/``execution``
        metadata (notebook and cells).

    Examples
    --------
    >>> nb = {"metadata": {"papermill": {"start_time": "2026"}, "kernelspec": {"name": "python3"}},
    ...       "cells": [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "source": "x = 2"},
    ...                 {"cell_type": "code", "metadata": {"papermill": {"duration": 1.0}, "tags": []},
    ...                  "source": "x"}]}
    >>> clean = clean_for_site(nb)
    >>> [c["source"] for c in clean["cells"]], clean["metadata"], clean["cells"][0]["metadata"]
    (['x'], {'kernelspec': {'name': 'python3'}}, {'tags': []})
    """
    cleaned = copy.deepcopy(dict(notebook))
    cleaned["metadata"] = {k: v for k, v in cleaned.get("metadata", {}).items() if k != "papermill"}
    cells = []
    for cell in cleaned.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if _INJECTED_TAG in tags or _ERROR_MARKER_TAG in tags:
            continue
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("papermill", "execution")}
        cells.append(cell)
    cleaned["cells"] = cells
    return cleaned


def site_content_digest(notebook: Mapping) -> str:
    """SHA-256 of an executed notebook as it will be published (after :func:`clean_for_site`)."""
    return hashlib.sha256(canonical_json(clean_for_site(notebook)).encode("utf-8")).hexdigest()


def write_notebook(notebook: Mapping, path: str | os.PathLike) -> None:
    """Write notebook JSON the way nbformat does (1-space indent, sorted keys)."""
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


# -- digests and markers -------------------------------------------------------


def jupyter_book_version() -> str:
    """The installed Jupyter Book version ("" when not installed)."""
    try:
        return importlib_metadata.version("jupyter-book")
    except importlib_metadata.PackageNotFoundError:
        return ""


#: Lock files, relative to the repository root, that pin what renders the site.
LOCK_FILES = ("requirements.lock", "package-lock.json")


def default_lock_files() -> list[Path]:
    """The repository's lock files (:data:`LOCK_FILES` under :data:`cwp_analysis.paths.REPO_ROOT`)."""
    from cwp_analysis.paths import REPO_ROOT

    return [REPO_ROOT / name for name in LOCK_FILES]


def build_digest(
    book_dir: str | os.PathLike,
    entries: Iterable[CacheEntry],
    *,
    lock_files: Iterable[str | os.PathLike] | None = None,
    installed: str | None = None,
) -> str:
    """Digest of everything a site build depends on.

    Parameters
    ----------
    book_dir : path-like
        The book sources: their tree (without ``_build`` and hidden files) counts.
    entries : iterable of CacheEntry
        The executed notebooks: each one's published-content digest counts.
    lock_files : iterable of path-like, optional
        Lock files whose content counts (a missing one counts as absent);
        default :func:`default_lock_files`.
    installed : str, optional
        Digest of the installed packages; default :func:`installed_versions_digest`.

    Returns
    -------
    str
        Hex SHA-256 over those, the Python and Jupyter Book versions, the
        build command and the cleaning recipe.  A site published under
        another digest is rebuilt.
    """
    locks = []  # by file name, not path: a copy of the project is the same project
    for path in default_lock_files() if lock_files is None else lock_files:
        path = Path(path)
        locks.append([path.name, sha256_file(path) if path.is_file() else None])
    recipe = {
        "book": tree_digest(book_dir, skip_dirs=_SKIPPED_BOOK_DIRS),
        "notebooks": {entry.name: entry.content_sha256 for entry in entries},
        "locks": locks,
        "installed": installed_versions_digest() if installed is None else installed,
        "python": list(sys.version_info[:3]),
        "jupyter_book": jupyter_book_version(),
        "command": jupyter_book_command(Path("SRC"), Path("OUT"))[3:],
        "cleaning": 1,
    }
    return hashlib.sha256(canonical_json(recipe).encode()).hexdigest()


def read_marker(folder: str | os.PathLike) -> str | None:
    """The build digest recorded in a published folder, or None."""
    try:
        return json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))["digest"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_marker(folder: Path, digest: str) -> None:
    (folder / MARKER_NAME).write_text(json.dumps({"digest": digest}) + "\n", encoding="utf-8")


# -- staging -------------------------------------------------------------------


def _ignore_for_stage(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _SKIPPED_BOOK_DIRS or n.startswith(".")}


def stage_book(book_dir: str | os.PathLike, entries: Iterable[CacheEntry], stage_dir: str | os.PathLike) -> Path:
    """Copy the book sources and the cleaned executed notebooks into ``stage_dir``.

    Parameters
    ----------
    book_dir : path-like
        Book sources (``_config.yml``, ``_toc.yml``, pages, ``_static/``).
    entries : iterable of CacheEntry
        Executed notebooks, written to ``<stage>/notebooks/<name>.ipynb``.
    stage_dir : path-like
        Must not exist yet.

    Returns
    -------
    pathlib.Path
        ``stage_dir``.
    """
    import yaml

    book_dir, stage = Path(book_dir), Path(stage_dir)
    shutil.copytree(book_dir, stage, ignore=_ignore_for_stage)
    config_path = stage / "_config.yml"
    if config_path.is_file():
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        execute = config.get("execute") or {}
        if execute.get("execute_notebooks") != "off":
            execute["execute_notebooks"] = "off"
            config["execute"] = execute
            config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for entry in entries:
        executed = json.loads(entry.notebook.read_text(encoding="utf-8"))
        write_notebook(clean_for_site(executed), stage / STAGED_NOTEBOOKS_DIR / f"{entry.name}.ipynb")
    return stage


# -- Jupyter Book ----------------------------------------------------------------


def jupyter_book_command(stage: Path, output: Path) -> list[str]:
    """The strict-mode ``jupyter-book build`` command for a staged book."""
    return [
        sys.executable,
        "-c",
        "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
        "build",
        str(stage),
        "--path-output",
        str(output),
        "--builder",
        "html",
        "--warningiserror",
        "--nitpick",
        "--keep-going",
    ]


def _problems(log: str, replacements: Mapping[str, str]) -> list[str]:
    found = []
    for raw in log.splitlines():
        line = _ANSI.sub("", raw).strip()
        if not _PROBLEM.search(line) or line.startswith(("Running Sphinx", "There was an error")):
            continue
        for staged, shown in replacements.items():
            line = line.replace(staged, shown)
        found.append(line)
    return found


def run_jupyter_book(
    stage: str | os.PathLike,
    output: str | os.PathLike,
    *,
    log_path: str | os.PathLike,
    shown_paths: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Build a staged book in strict mode and return its HTML folder.

    Parameters
    ----------
    stage : path-like
        The staged book (see :func:`stage_book`).
    output : path-like
        ``--path-output``; the site is ``<output>/_build/html``.
    log_path : path-like
        Where the full Jupyter Book output is written.
    shown_paths : mapping, optional
        Staging path prefix -> how messages should show it (the source path).
    env : mapping, optional
        Extra environment variables for Jupyter Book.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    BookBuildFailed
        On any warning or error, or a non-zero exit status.
    KeyboardInterrupt
        After terminating Jupyter Book, when interrupted.
    """
    stage, output, log_path = Path(stage), Path(output), Path(log_path)
    environment = {**os.environ, "PYTHONHASHSEED": "0", **dict(env or {})}
    process = subprocess.Popen(
        jupyter_book_command(stage, output),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=stage,
        env=environment,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    try:
        log, _ = process.communicate()
    except BaseException:
        _terminate(process)
        raise
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(log, encoding="utf-8")
    html = output / "_build" / "html"
    replacements = {f"{stage}{os.sep}": "", **dict(shown_paths or {})}
    replacements = dict(sorted(replacements.items(), key=lambda item: -len(item[0])))
    problems = _problems(log, replacements)
    if process.returncode != 0 or problems or not (html / "index.html").is_file():
        raise BookBuildFailed(problems, log_path, process.returncode)
    return html


def _terminate(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError, OSError):
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


# -- publishing ----------------------------------------------------------------


def _exchange(first: Path, second: Path) -> bool:
    """Atomically exchange two paths with renameat2(RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


def replace_directory(new: str | os.PathLike, target: str | os.PathLike) -> None:
    """Put the folder ``new`` at ``target``, replacing any folder there atomically.

    Parameters
    ----------
    new : path-like
        The finished folder; moved (renamed when on the same file system).
    target : path-like
        Where it goes.  The old folder is deleted after the swap.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in (("site", "old"), ("new", "new")):
    ...     (base / name).mkdir()
    ...     _ = (base / name / "index.html").write_text(text)
    >>> replace_directory(base / "new", base / "site")
    >>> (base / "site" / "index.html").read_text(), (base / "new").exists()
    ('new', False)
    """
    new, target = Path(new), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    sibling = target.parent / f".{target.name}.new-{token}"
    try:
        os.rename(new, sibling)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copytree(new, sibling, symlinks=True)
        shutil.rmtree(new, ignore_errors=True)
    try:
        if not target.exists():
            os.rename(sibling, target)
            return
        if _exchange(sibling, target):
            shutil.rmtree(sibling, ignore_errors=True)
            return
        old = target.parent / f".{target.name}.old-{token}"
        os.rename(target, old)
        os.rename(sibling, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if sibling.exists():
            shutil.rmtree(sibling, ignore_errors=True)


def publish_site(html: Path, target: Path, digest: str) -> None:
    """Mark a freshly built HTML folder with its digest and swap it into place."""
    _write_marker(html, digest)
    replace_directory(html, target)


def assemble_outputs(entries: Iterable[CacheEntry], target: str | os.PathLike, work_dir: str | os.PathLike) -> bool:
    """Gather every notebook's ``output_dir`` files into one folder, replaced atomically.

    Parameters
    ----------
    entries : iterable of CacheEntry
        In notebook order.
    target : path-like
        The published outputs folder (e.g. ``build/outputs``).
    work_dir : path-like
        Scratch space on the same file system as the cache.

    Returns
    -------
    bool
        False when ``target`` already held exactly these outputs.

    Raises
    ------
    OutputConflict
        When two notebooks wrote different files under the same name.
    """
    entries = list(entries)
    target = Path(target)
    recipe = {entry.name: tree_digest(entry.outputs) for entry in entries}
    digest = hashlib.sha256(canonical_json(recipe).encode()).hexdigest()
    if target.is_dir() and read_marker(target) == digest:
        return False
    scratch = Path(work_dir) / f"outputs-{uuid.uuid4().hex[:12]}"
    scratch.mkdir(parents=True)
    owners: dict[str, str] = {}
    try:
        for entry in entries:
            if not entry.outputs.is_dir():
                continue
            for path in sorted(entry.outputs.rglob("*")):
                if not path.is_file():
                    continue
                relative = path.relative_to(entry.outputs).as_posix()
                destination = scratch / relative
                if relative in owners:
                    if sha256_file(destination) != sha256_file(path):
                        raise OutputConflict(
                            f"notebooks {owners[relative]} and {entry.name} both write {relative} "
                            "with different contents; give the files distinct names"
                        )
                    continue
                owners[relative] = entry.name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
        _write_marker(scratch, digest)
        replace_directory(scratch, target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return True
