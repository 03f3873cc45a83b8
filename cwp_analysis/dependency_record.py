"""What a notebook looked at: the record :mod:`cwp_analysis.dependency_tracking` keeps.

:class:`ReadTracker` collects, for one process, the files read under a root
folder, the paths probed while they did not exist, and the folders listed
(with :func:`listing_digest` of their entries), and writes them as JSON;
:func:`load_record` reads that file back for the build cache.  The audit
hook and the ``stat`` wrappers that feed a tracker, and the functions that
start one, are in :mod:`cwp_analysis.dependency_tracking`, whose
conventions (what is recorded, under which name) apply here.

Record file layout (version 2; version 1 had ``reads`` only)::

    {"version": 2, "root": "/abs/root",
     "reads": [{"path": "data/a.csv", "size": 12, "mtime_ns": 1700000000000000000}],
     "absent": ["data/settings.yaml"],
     "present": ["data/private"],
     "listings": {"data/synthetic": "<sha256 of the sorted entry names>"}}

Only the standard library is imported: this runs in every kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "GUARD",
    "RECORD_FORMAT_VERSION",
    "FileRead",
    "ReadRecord",
    "ReadTracker",
    "default_exclusions",
    "listing_digest",
    "load_reads",
    "load_record",
    "real_path",
]

#: Version of the record file layout written by :meth:`ReadTracker.write`.
RECORD_FORMAT_VERSION = 2
#: Set (per thread) while the tracking machinery itself touches files, so that it does not record itself.
GUARD = threading.local()

_ACCESS_MODE = os.O_RDONLY | os.O_WRONLY | os.O_RDWR
_WRITE_FLAGS = os.O_CREAT | os.O_TRUNC | os.O_APPEND
#: The unwrapped ``os.stat`` (the tracker's own calls must not count as probes).
_STAT = os.stat


@dataclass(frozen=True)
class FileRead:
    """One file a notebook read.

    Attributes
    ----------
    path : str
        Relative to the tracking root (``/``-separated) when inside it,
        otherwise absolute.
    size : int
        Size in bytes when first opened.
    mtime_ns : int
        Modification time (nanoseconds since the epoch) when first opened.
    """

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ReadRecord:
    """Everything a notebook looked at: files read, paths found absent or present, folders listed.

    Attributes
    ----------
    reads : tuple of FileRead
        Sorted by path.
    absent : tuple of str
        Paths probed while they did not exist (named like ``FileRead.path``), sorted.
    listings : dict
        Folder (``"."`` for the root) -> :func:`listing_digest` when it was listed.
    present : tuple of str
        Paths whose existence was checked (a ``stat`` that succeeded) but that
        were not read, sorted: removing one changes what the notebook saw.
    """

    reads: tuple[FileRead, ...] = ()
    absent: tuple[str, ...] = ()
    listings: Mapping[str, str] = field(default_factory=dict)
    present: tuple[str, ...] = ()


def listing_digest(folder: str | os.PathLike) -> str | None:
    """SHA-256 of a folder's sorted entry names, without names starting with a dot.

    Returns None when ``folder`` is not a directory.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> empty = listing_digest(folder)
    >>> _ = (folder / ".hidden").write_text("")
    >>> listing_digest(folder) == empty
    True
    >>> _ = (folder / "new.csv").write_text("")
    >>> listing_digest(folder) == empty, listing_digest(folder / "new.csv")
    (False, None)
    """
    try:
        names = sorted(name for name in os.listdir(folder) if not name.startswith("."))
    except (NotADirectoryError, FileNotFoundError):
        return None
    return hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def real_path(path: str | os.PathLike) -> str:
    """The absolute path with ``~`` expanded and symbolic links resolved."""
    return os.path.realpath(os.path.expanduser(os.fspath(path)))


def default_exclusions() -> list[str]:
    """Folders whose files are never recorded as data reads.

    Returns
    -------
    list of str
        Real paths: this package's source folder, the interpreter prefixes
        and site-packages, ``/proc``, ``/dev``, ``/sys``, ``/run``, the
        temporary directory and the matplotlib, fontconfig, IPython and
        Jupyter caches.

    Notes
    -----
    Imports only the standard library, so it is cheap to call in a kernel.
    """
    import site
    import tempfile

    home = os.path.expanduser("~")
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    candidates = [
        os.path.dirname(os.path.abspath(__file__)), sys.prefix, sys.base_prefix, sys.exec_prefix,
        "/proc", "/dev", "/sys", "/run", tempfile.gettempdir(),
        os.path.join(cache_home, "matplotlib"), os.path.join(config_home, "matplotlib"),
        os.path.join(cache_home, "fontconfig"), os.path.join(home, ".ipython"),
        os.path.join(home, ".jupyter"), os.path.join(home, ".local", "share", "jupyter"),
    ]
    for variable in ("MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
        if os.environ.get(variable):
            candidates.append(os.environ[variable])
    try:
        candidates.extend(site.getsitepackages())
    except AttributeError:  # pragma: no cover - old virtualenv's site module
        pass
    if site.ENABLE_USER_SITE and site.USER_SITE:
        candidates.append(site.USER_SITE)
    seen: dict[str, None] = {}
    for candidate in candidates:
        seen.setdefault(real_path(candidate), None)
    return list(seen)


class ReadTracker:
    """Collect the files a process reads, probes and lists under a root folder.

    Parameters
    ----------
    record_path : path-like or None
        JSON file :meth:`write` replaces atomically (None: never written).
    root : path-like
        Paths under this folder are recorded (relative to it).
    include : iterable of path-like, optional
        Files or folders recorded even outside ``root`` or inside an
        excluded folder (e.g. a survey file given as a parameter).
    exclude : iterable of path-like, optional
        Folders never recorded.  :func:`track_reads` passes
        :func:`default_exclusions` plus ``$CWP_READS_EXCLUDE``.

    Notes
    -----
    :meth:`observe`, :meth:`observe_missing` and :meth:`observe_listing`
    are what the audit hook and the ``stat`` wrappers call; they never raise.
    """

    def __init__(
        self,
        record_path: str | os.PathLike | None,
        *,
        root: str | os.PathLike,
        include: Iterable[str | os.PathLike] = (),
        exclude: Iterable[str | os.PathLike] = (),
    ):
        self.record_path = Path(real_path(record_path)) if record_path is not None else None
        self.root = real_path(root)
        self.inheritable = False
        self._lock = threading.RLock()
        self._reads: dict[str, FileRead] = {}
        self._absent: dict[str, str] = {}
        self._present: dict[str, str] = {}
        self._listings: dict[str, tuple[str, str]] = {}
        self._written: set[str] = set()
        self._include: list[str] = []
        self._exclude: list[str] = []
        self.add_include(include)
        self.add_exclude(exclude)

    def add_include(self, paths: Iterable[str | os.PathLike | None]) -> None:
        """Also record these files or folders (``None`` entries are ignored)."""
        with self._lock:
            for path in paths:
                if path is None or os.fspath(path) == "":
                    continue
                real = real_path(path)
                if real not in self._include:
                    self._include.append(real)

    def add_exclude(self, folders: Iterable[str | os.PathLike]) -> None:
        """Never record paths under these folders (unless they contain the root)."""
        with self._lock:
            for folder in folders:
                real = real_path(folder)
                if _is_within(self.root, real) or real in self._exclude:
                    continue
                self._exclude.append(real)

    def _name(self, real: str, *, allow_root: bool = False) -> str | None:
        """The recorded name of ``real``, or None when it is not a data path."""
        for included in self._include:
            if _is_within(real, included):
                return self._relative(real) if _is_within(real, self.root) else real
        if not _is_within(real, self.root):
            return None
        if real == self.root:
            return "." if allow_root else None
        for excluded in self._exclude:
            if _is_within(real, excluded):
                return None
        relative = self._relative(real)
        parts = relative.split("/")
        if any(part.startswith(".") or part == "__pycache__" for part in parts[:-1]):
            return None
        if parts[-1].endswith((".pyc", ".pyo")):
            return None
        return relative

    def _relative(self, real: str) -> str:
        return Path(os.path.relpath(real, self.root)).as_posix()

    def observe(self, path, mode, flags) -> None:
        """Take note of one ``open`` audit event (raised before the file is opened).

        Parameters
        ----------
        path : str, bytes, os.PathLike or int
            What is opened (file descriptors are ignored).
        mode : str or None
            The :func:`open` mode, or None for :func:`os.open`.
        flags : int
            The :func:`os.open` flags.
        """
        try:
            if isinstance(path, int) or path is None:
                return
            if isinstance(mode, str):
                reading = "r" in mode or "+" in mode
                writing = any(c in mode for c in "wax+")
            else:
                access = int(flags or 0) & _ACCESS_MODE
                reading = access in (os.O_RDONLY, os.O_RDWR)
                writing = access != os.O_RDONLY or bool(int(flags or 0) & _WRITE_FLAGS)
            real = os.path.realpath(os.path.abspath(os.fsdecode(path)))
            with self._lock:
                if reading and real not in self._written and real not in self._reads:
                    name = self._name(real)
                    if name is not None:
                        try:
                            status = _STAT(real)
                        except (FileNotFoundError, NotADirectoryError):
                            if not writing:
                                self._absent.setdefault(real, name)
                        else:
                            if stat.S_ISREG(status.st_mode):
                                self._reads[real] = FileRead(name, status.st_size, status.st_mtime_ns)
                if writing and real not in self._reads:
                    self._written.add(real)
                    self._absent.pop(real, None)
        except Exception:  # noqa: BLE001 - an audit hook must never break the open it watches
            return

    def observe_probe(self, path, *, found: bool) -> None:
        """Take note of a ``stat`` of ``path``, which ``found`` it or not.

        The first observation of a path stands: a path found absent and then
        present was created during the run, which the pipeline checks.
        """
        try:
            if isinstance(path, int) or path is None:
                return
            real = os.path.realpath(os.path.abspath(os.fsdecode(path)))
            with self._lock:
                if real in self._written or real in self._reads or real in self._absent or real in self._present:
                    return
                name = self._name(real)
                if name is not None:
                    (self._present if found else self._absent)[real] = name
        except Exception:  # noqa: BLE001
            return

    def observe_listing(self, path) -> None:
        """Take note of a directory listing (``os.listdir`` / ``os.scandir`` event)."""
        try:
            if isinstance(path, int):
                return
            real = os.path.realpath(os.path.abspath(os.fsdecode(path if path not in (None, "", b"") else ".")))
            with self._lock:
                if real in self._listings:
                    return
                name = self._name(real, allow_root=True)
                if name is None:
                    return
                digest = listing_digest(real)
                if digest is None:  # listing a folder that does not exist is probing for it
                    if name != "." and real not in self._written:
                        self._absent.setdefault(real, name)
                else:
                    self._listings[real] = (name, digest)
        except Exception:  # noqa: BLE001
            return

    def absorb(self, other: ReadTracker) -> None:
        """Take over another tracker's reads, probes and listings (a fork server's imports)."""
        with other._lock:
            reads, absent, listings = dict(other._reads), dict(other._absent), dict(other._listings)
            present = dict(other._present)
        with self._lock:
            for real, read in reads.items():
                name = self._name(real)
                if name is not None:
                    self._reads.setdefault(real, FileRead(name, read.size, read.mtime_ns))
            for probes, found in ((absent, self._absent), (present, self._present)):
                for real in probes:
                    name = self._name(real)
                    if name is not None and real not in self._reads:
                        found.setdefault(real, name)
            for real, (_, digest) in listings.items():
                name = self._name(real, allow_root=True)
                if name is not None:
                    self._listings.setdefault(real, (name, digest))

    def reads(self) -> list[FileRead]:
        """The files read so far, sorted by recorded path."""
        with self._lock:
            return sorted(self._reads.values(), key=lambda read: read.path)

    def writes(self) -> list[str]:
        """The files opened for writing so far under the root (recorded names, sorted)."""
        with self._lock:
            return sorted(name for name in map(self._name, self._written) if name is not None)

    def record(self) -> ReadRecord:
        """Everything recorded so far."""
        with self._lock:
            absent = tuple(sorted(set(self._absent.values())))
            read = set(self._reads)
            present = tuple(sorted({name for real, name in self._present.items() if real not in read}))
            listings = dict(sorted(self._listings.values()))
            return ReadRecord(tuple(self.reads()), absent, listings, present)

    def write(self) -> None:
        """Write the record so far to ``record_path`` (write a temporary file, then rename)."""
        if self.record_path is None:
            return
        record = self.record()
        payload = {
            "version": RECORD_FORMAT_VERSION,
            "root": self.root,
            "reads": [{"path": r.path, "size": r.size, "mtime_ns": r.mtime_ns} for r in record.reads],
            "absent": list(record.absent),
            "present": list(record.present),
            "listings": dict(record.listings),
        }
        GUARD.active = True
        try:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.record_path.with_name(f".{self.record_path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(temporary, self.record_path)
        finally:
            GUARD.active = False


def load_record(record_path: str | os.PathLike) -> ReadRecord:
    """Read a record written by :meth:`ReadTracker.write` (either format version).

    Raises
    ------
    FileNotFoundError
        When no record was written (tracking never started).
    ValueError
        When the file is not a read record of a known version.
    """
    text = Path(record_path).read_text(encoding="utf-8")
    try:
        payload = json.loads(text)
        if payload.get("version") not in (1, RECORD_FORMAT_VERSION):
            raise ValueError(f"unsupported record version {payload.get('version')!r}")
        reads = [FileRead(str(r["path"]), int(r["size"]), int(r["mtime_ns"])) for r in payload["reads"]]
        absent = tuple(sorted(str(path) for path in payload.get("absent", [])))
        present = tuple(sorted(str(path) for path in payload.get("present", [])))
        listings = {str(path): str(digest) for path, digest in dict(payload.get("listings", {})).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{record_path}: not a file-read record ({error})") from error
    reads = sorted(reads, key=lambda read: read.path)
    return ReadRecord(tuple(reads), absent, dict(sorted(listings.items())), present)


def load_reads(record_path: str | os.PathLike) -> list[FileRead]:
    """The files read, from a record written by :meth:`ReadTracker.write`.

    Returns
    -------
    list of FileRead
        Sorted by path.

    Raises
    ------
    FileNotFoundError
        When no record was written (tracking never started).
    ValueError
        When the file is not a read record of a known version.
    """
    return list(load_record(record_path).reads)
