"""The execution cache: which executed notebook can be reused, and how entries are stored.

A notebook's cache entry is valid when two things still hold:

* its *static key* is unchanged -- a SHA-256 over the notebook's source
  (code and markdown cells and their tags, not outputs, execution counts or
  editor metadata), the parameters it is run with, the ``cwp_analysis``
  source (every file under the package except byte code), the lock file,
  the Python version and the cache format;
* every file the notebook read during its last execution (recorded by
  :mod:`cwp_analysis.dependency_tracking`) still has the content hash it
  had then, every path it probed while it did not exist still does not
  exist (and every path it found without reading it still exists), and
  every folder it listed still has the same entries
  (:func:`~cwp_analysis.dependency_tracking.listing_digest`).

Layout of the cache folder (``.cwp-cache/`` by default)::

    build.lock                  the build lock (one build at a time)
    entries/<notebook>/<key>.json   one committed entry per static key
    objects/<id>/               executed.ipynb, outputs/, reads.json, kernel.log
    tmp/                        executions in progress (removed at the start of a build)
    failed/<notebook>.ipynb     the executed copy of the last failed run

An execution happens in ``tmp/<id>/``; committing renames that folder to
``objects/<id>`` and then writes the entry JSON through a temporary file
and :func:`os.replace`.  The entry is the commit point, so an interrupted
build leaves either no entry or a complete one; a stray object without an
entry is removed by :meth:`NotebookCache.collect_garbage`.

References
----------
.. [1] Mokhov, Mitchell and Peyton Jones, "Build systems à la carte",
   Proc. ACM Program. Lang. 2 (ICFP), 2018 -- verifying traces with
   dynamic dependencies, the scheme used here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cwp_analysis.dependency_record import listing_digest

__all__ = [
    "CACHE_FORMAT",
    "CacheEntry",
    "FileHasher",
    "NotebookCache",
    "atomic_write_text",
    "canonical_json",
    "installed_versions_digest",
    "notebook_source_digest",
    "sha256_file",
    "static_key",
    "tree_digest",
]

#: Version of the cache layout and key recipe; bump to invalidate every entry
#: (2: entries record absent paths and folder listings).
CACHE_FORMAT = 2

#: Cell metadata keys that are editor or execution noise, not source.
_NOISE_CELL_METADATA = frozenset(
    {"execution", "ExecuteTime", "papermill", "collapsed", "scrolled", "jupyter", "editable", "deletable", "trusted"}
)
#: Notebook metadata keys that change what is executed or rendered.
_SOURCE_NOTEBOOK_METADATA = ("kernelspec", "jupytext", "myst", "mystnb")

_CHUNK = 1 << 20


def canonical_json(value) -> str:
    """JSON with sorted keys and no whitespace, the form every digest is taken of.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "x"]})
    '{"a":[1.5,"x"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _digest_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _cell_source(cell: Mapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_source_digest(notebook: Mapping) -> str:
    """SHA-256 of what a notebook *is*, ignoring what running it produced.

    Parameters
    ----------
    notebook : mapping
        A notebook as parsed JSON (or an ``nbformat.NotebookNode``).

    Returns
    -------
    str
        Hex digest over each cell's type, source, attachments and metadata
        other than editor/execution noise (``execution``, ``ExecuteTime``,
        ``papermill``, ``collapsed``, ``scrolled``, ``jupyter``, ...), and
        the notebook metadata that affects execution or rendering
        (``kernelspec``, ``jupytext``, ``myst``, ``mystnb``).  Outputs,
        execution counts and cell ids do not count.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {},
    ...                  "outputs": [], "execution_count": None}], "metadata": {}}
    >>> ran = {"cells": [{"cell_type": "code", "source": ["x = 1"], "metadata": {"execution": {}},
    ...                   "outputs": [{"output_type": "stream"}], "execution_count": 3}], "metadata": {}}
    >>> notebook_source_digest(nb) == notebook_source_digest(ran)
    True
    >>> nb["cells"][0]["source"] = "x = 2"
    >>> notebook_source_digest(nb) == notebook_source_digest(ran)
    False
    """
    cells = []
    for cell in notebook.get("cells", []):
        metadata = {k: v for k, v in dict(cell.get("metadata", {})).items() if k not in _NOISE_CELL_METADATA}
        cells.append(
            {
                "type": cell.get("cell_type"),
                "source": _cell_source(cell),
                "metadata": metadata,
                "attachments": cell.get("attachments"),
            }
        )
    meta = dict(notebook.get("metadata", {}))
    kept = {key: meta[key] for key in _SOURCE_NOTEBOOK_METADATA if key in meta}
    return _digest_text(canonical_json({"cells": cells, "metadata": kept}))


def tree_digest(
    folder: str | os.PathLike,
    *,
    skip_dirs: Iterable[str] = ("__pycache__",),
    skip_hidden: bool = True,
    skip_suffixes: Iterable[str] = (".pyc", ".pyo"),
) -> str:
    """SHA-256 over a folder's files: their relative paths and contents.

    Parameters
    ----------
    folder : path-like
    skip_dirs : iterable of str
        Folder names not descended into (at any depth).
    skip_hidden : bool
        Skip files and folders whose name starts with a dot.
    skip_suffixes : iterable of str
        File name endings to skip.

    Returns
    -------
    str
        Hex digest; a missing folder digests as empty.

    Notes
    -----
    Files are visited in sorted relative-path order, so the digest does
    not depend on the file system's listing order.  Symbolic links are
    followed.
    """
    root = Path(folder)
    skip_dirs = set(skip_dirs)
    skip_suffixes = tuple(skip_suffixes)
    digest = hashlib.sha256()
    if not root.is_dir():
        return digest.hexdigest()
    files = []
    for current, dirs, names in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs and not (skip_hidden and d.startswith(".")))
        for name in names:
            if (skip_hidden and name.startswith(".")) or name.endswith(skip_suffixes):
                continue
            files.append(Path(current, name))
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix()
        digest.update(f"{len(relative)}:{relative}".encode())
        digest.update(bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def installed_versions_digest() -> str:
    """SHA-256 of the installed Python distributions and their versions.

    Taken over the names of the metadata folders on :data:`sys.path`
    (``<name>-<version>.dist-info`` or ``.egg-info``, as pip and uv write
    them), so that installing, removing or upgrading any package -- Sphinx,
    a theme, myst-nb, myst-parser, Jupyter Book, sphinxcontrib-bibtex, or
    anything they use -- changes it, whether or not the lock file changed.
    """
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.update(name for name in names if name.endswith((".dist-info", ".egg-info")))
    return hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()


def static_key(
    *,
    source_digest: str,
    parameters: Mapping,
    package_digest: str,
    lock_digest: str,
    environment: Mapping | None = None,
    installed: str = "",
) -> str:
    """The part of a notebook's cache key known before it runs.

    Parameters
    ----------
    source_digest : str
        :func:`notebook_source_digest` of the notebook.
    parameters : mapping
        The parameters Papermill injects (pipeline-managed ones such as
        ``output_dir`` excluded).
    package_digest, lock_digest : str
        :func:`tree_digest` of the package and :func:`sha256_file` of the lock file.
    environment : mapping, optional
        Environment settings that change what a notebook computes
        (e.g. ``CWP_DATA_DIR``).
    installed : str, optional
        Digest of the installed packages
        (:func:`installed_versions_digest`), for
        a key that also follows packages installed without the lock file.

    Returns
    -------
    str
        Hex SHA-256.

    Examples
    --------
    >>> a = static_key(source_digest="s", parameters={"alpha": 0.05}, package_digest="p", lock_digest="l")
    >>> b = static_key(source_digest="s", parameters={"alpha": 0.10}, package_digest="p", lock_digest="l")
    >>> a == b
    False
    """
    recipe = {
        "format": CACHE_FORMAT,
        "python": list(sys.version_info[:3]),
        "source": source_digest,
        "parameters": dict(parameters),
        "package": package_digest,
        "lock": lock_digest,
        "environment": dict(environment or {}),
        "installed": installed,
    }
    return _digest_text(canonical_json(recipe))


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old or the new file, never a part.

    Writes a temporary file beside the target, flushes it to disk and
    renames it over the target with :func:`os.replace`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


class FileHasher:
    """Memoised :func:`sha256_file` for the files of one build (thread-safe).

    ``digest(path)`` returns None for a missing file.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._known: dict[str, str | None] = {}

    def digest(self, path: str | os.PathLike) -> str | None:
        key = os.path.realpath(path)
        with self._lock:
            if key in self._known:
                return self._known[key]
        value = sha256_file(key) if os.path.isfile(key) else None
        with self._lock:
            self._known[key] = value
        return value

    def forget(self, path: str | os.PathLike) -> None:
        """Drop a memoised digest (after a file was seen to change)."""
        with self._lock:
            self._known.pop(os.path.realpath(path), None)


@dataclass(frozen=True)
class CacheEntry:
    """A committed execution of one notebook.

    Attributes
    ----------
    name : str
        Notebook name (file stem).
    key : str
        Its static key.
    object_dir : pathlib.Path
        Folder holding ``executed.ipynb``, ``outputs/`` and ``kernel.log``.
    notebook_sha256 : str
        Digest of ``executed.ipynb``.
    content_sha256 : str
        Digest of the notebook as published (without run-specific
        metadata); equal for two runs that produced the same outputs.
    reads : dict
        File read (relative to the repository root, or absolute) -> its
        SHA-256 when the notebook ran; None when the file changed while the
        notebook ran (the entry then never matches).
    tracked : bool
        False when the notebook's reads could not be recorded (the entry
        then never matches either).
    seconds : float
        How long the execution took.
    absent : tuple of str
        Paths the notebook probed while they did not exist (named like
        ``reads``); the entry no longer matches once one exists.
    listings : dict
        Folder listed -> :func:`~cwp_analysis.dependency_tracking.listing_digest`
        of its entries then; None when the folder changed while the notebook ran.
    present : tuple of str
        Paths the notebook found (a ``stat`` that succeeded) without reading
        them; the entry no longer matches once one is gone.
    """

    name: str
    key: str
    object_dir: Path
    notebook_sha256: str
    content_sha256: str
    reads: dict
    tracked: bool
    seconds: float
    absent: tuple = ()
    listings: dict = field(default_factory=dict)
    present: tuple = ()

    @property
    def notebook(self) -> Path:
        """The executed notebook."""
        return self.object_dir / "executed.ipynb"

    @property
    def outputs(self) -> Path:
        """The files the notebook wrote to its ``output_dir``."""
        return self.object_dir / "outputs"


class NotebookCache:
    """The cache folder of executed notebooks (see the module docstring for its layout).

    Parameters
    ----------
    root : path-like
        The cache folder (created on first use).
    repo_root : path-like
        Relative read paths in entries are relative to this folder.
    """

    def __init__(self, root: str | os.PathLike, repo_root: str | os.PathLike):
        self.root = Path(root)
        self.repo_root = Path(repo_root)

    # -- layout ------------------------------------------------------------
    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    @property
    def failed_dir(self) -> Path:
        return self.root / "failed"

    @property
    def lock_path(self) -> Path:
        return self.root / "build.lock"

    def entry_path(self, name: str, key: str) -> Path:
        return self.root / "entries" / name / f"{key}.json"

    def object_dir(self, object_id: str) -> Path:
        return self.root / "objects" / object_id

    def new_work_dir(self, name: str) -> Path:
        """A fresh folder under ``tmp/`` for one execution of ``name``."""
        work = self.tmp_dir / f"{name}-{uuid.uuid4().hex[:16]}"
        work.mkdir(parents=True)
        return work

    def resolve_read(self, recorded: str) -> Path:
        """The file a recorded read path names."""
        path = Path(recorded)
        return path if path.is_absolute() else self.repo_root / path

    # -- maintenance -------------------------------------------------------
    def clean_tmp(self) -> None:
        """Remove executions left behind by an interrupted build (call with the lock held)."""
        if self.tmp_dir.exists():
            shutil.rmtree(self.tmp_dir, ignore_errors=True)

    def collect_garbage(self, keep_per_notebook: int = 3, keep: Iterable[CacheEntry] = ()) -> None:
        """Keep the newest entries of each notebook and delete unreferenced objects.

        Parameters
        ----------
        keep_per_notebook : int
            Entries kept per notebook, newest first (by modification time,
            which :meth:`lookup` refreshes on every hit).
        keep : iterable of CacheEntry
            Entries kept regardless (those the current build used).
        """
        pinned = {(entry.name, entry.key) for entry in keep}
        referenced: set[str] = set()
        entries_root = self.root / "entries"
        for folder in sorted(entries_root.glob("*")) if entries_root.exists() else []:
            for leftover in folder.glob(".*.tmp"):  # a write interrupted before its rename
                leftover.unlink(missing_ok=True)
            newest_first = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            unpinned_kept = 0
            for path in newest_first:
                if (folder.name, path.stem) not in pinned:
                    if unpinned_kept >= keep_per_notebook:
                        path.unlink(missing_ok=True)
                        continue
                    unpinned_kept += 1
                try:
                    referenced.add(json.loads(path.read_text(encoding="utf-8"))["object"])
                except (OSError, ValueError, KeyError, TypeError):
                    path.unlink(missing_ok=True)
        objects_root = self.root / "objects"
        for folder in objects_root.glob("*") if objects_root.exists() else []:
            if folder.name not in referenced:
                shutil.rmtree(folder, ignore_errors=True)

    # -- entries -----------------------------------------------------------
    def _read_entry(self, name: str, key: str) -> CacheEntry | None:
        path = self.entry_path(name, key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != CACHE_FORMAT or data.get("name") != name or data.get("key") != key:
                return None
            return CacheEntry(
                name=name,
                key=key,
                object_dir=self.object_dir(str(data["object"])),
                notebook_sha256=str(data["notebook_sha256"]),
                content_sha256=str(data["content_sha256"]),
                reads=dict(data["reads"]),
                tracked=bool(data["tracked"]),
                seconds=float(data.get("seconds", 0.0)),
                absent=tuple(data.get("absent", ())),
                listings=dict(data.get("listings", {})),
                present=tuple(data.get("present", ())),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def lookup(self, name: str, key: str, hasher: FileHasher) -> CacheEntry | None:
        """The reusable entry for ``name`` under ``key``, or None when it must run.

        An entry is reusable when it exists, its executed notebook is
        intact, its reads were tracked, every file it read still has the
        same content, every path it found absent is still absent, every
        path it found present is still there and every folder it listed
        still has the same entries.  A hit refreshes the
        entry's modification time (for :meth:`collect_garbage`).
        """
        entry = self._read_entry(name, key)
        if entry is None or not entry.tracked:
            return None
        if not entry.notebook.is_file() or hasher.digest(entry.notebook) != entry.notebook_sha256:
            return None
        for recorded, digest in entry.reads.items():
            if digest is None or hasher.digest(self.resolve_read(recorded)) != digest:
                return None
        if any(os.path.lexists(self.resolve_read(recorded)) for recorded in entry.absent):
            return None
        if not all(os.path.lexists(self.resolve_read(recorded)) for recorded in entry.present):
            return None
        for recorded, digest in entry.listings.items():
            if digest is None or listing_digest(self.resolve_read(recorded)) != digest:
                return None
        try:
            os.utime(self.entry_path(name, key))
        except OSError:
            pass
        return entry

    def commit(
        self,
        name: str,
        key: str,
        work_dir: Path,
        *,
        content_sha256: str,
        reads: Mapping[str, str | None],
        tracked: bool,
        seconds: float,
        absent: Iterable[str] = (),
        listings: Mapping[str, str | None] | None = None,
        present: Iterable[str] = (),
    ) -> CacheEntry:
        """Turn a finished execution in ``work_dir`` into a committed entry.

        ``work_dir`` must hold ``executed.ipynb``; it is renamed into
        ``objects/`` and the entry JSON is then written atomically.
        ``content_sha256`` is the digest of the notebook as published;
        ``reads``, ``absent``, ``listings`` and ``present`` are as in :class:`CacheEntry`.
        """
        absent = tuple(sorted(set(absent)))
        present = tuple(sorted(set(present)))
        listings = dict(sorted((listings or {}).items()))
        object_id = work_dir.name
        target = self.object_dir(object_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work_dir, target)
        notebook_sha = sha256_file(target / "executed.ipynb")
        record = {
            "format": CACHE_FORMAT,
            "name": name,
            "key": key,
            "object": object_id,
            "notebook_sha256": notebook_sha,
            "content_sha256": content_sha256,
            "reads": dict(sorted(reads.items())),
            "absent": list(absent),
            "present": list(present),
            "listings": listings,
            "tracked": bool(tracked),
            "seconds": round(float(seconds), 3),
        }
        atomic_write_text(self.entry_path(name, key), json.dumps(record, indent=1, sort_keys=True) + "\n")
        return CacheEntry(
            name, key, target, notebook_sha, content_sha256, dict(reads), bool(tracked), float(seconds),
            absent=absent, listings=listings, present=present,
        )
