"""Record which data files a notebook reads, so the build cache can watch them.

``cwp build`` re-executes a notebook when a file it read last time has
changed.  Which files those are is discovered, not declared: inside the
notebook's kernel, :func:`track_reads` installs an audit hook
(:func:`sys.addaudithook`, :pep:`578`) on the ``open`` event, which Python
raises for :func:`open`, :func:`io.open_code` and :func:`os.open` -- and so
for everything built on them (:func:`pandas.read_csv`,
:func:`pandas.read_excel` through openpyxl and zipfile, :mod:`yaml`,
:mod:`json`, :mod:`csv`, :func:`numpy.loadtxt`, ...).  The hook keeps the
regular files opened for reading under the repository root (plus any
explicitly included path, such as a survey file elsewhere given as a
notebook parameter) and writes them as JSON to a record file after every
cell, via IPython's ``post_run_cell`` event, and once more at exit.

The pipeline starts tracking itself when it launches a kernel (see
:mod:`cwp_analysis.pipeline.execute`) and passes the record file through
the environment variable ``CWP_READS_FILE``; a notebook run by hand in
JupyterLab has no such variable, and :func:`track_reads` called without a
record path then does nothing.

Conventions
-----------
* A read is recorded the first time the file is opened, with its size and
  modification time at that moment, so the pipeline can tell whether the
  file changed while the notebook ran (then the cache entry is not trusted).
* Paths under the root are recorded relative to it, with ``/`` separators;
  included paths outside the root are recorded as absolute paths.
* Never recorded: the ``cwp_analysis`` package source (the pipeline hashes
  it as a whole), the interpreter and its site-packages, ``/proc``,
  ``/dev``, ``/sys``, ``/run``, the temporary directory, matplotlib, font
  and IPython caches, folders whose name starts with a dot (``.git``,
  ``.venv``, ``.cwp-cache``, ``.ipynb_checkpoints``), ``__pycache__``, and
  any file the kernel itself opened for writing before reading it (a
  notebook's own outputs are not its inputs).  An excluded folder that
  contains the root (a repository checked out under ``/tmp``) does not hide
  the root.
* Files opened by compiled code that bypasses Python's ``open`` (for
  example pyarrow's own CSV reader given a path) are not seen; the
  pipeline also hashes every existing file named by a notebook parameter,
  which covers the survey and Work Star files whatever reads them.

Audit hooks cannot be removed, so one hook per process serves every
tracker; calling :func:`track_reads` again with the same record file adds
to the current tracker, and with another record file replaces it.

References
----------
.. [1] PEP 578 -- Python Runtime Audit Hooks.
   https://peps.python.org/pep-0578/
.. [2] IPython events: ``post_run_cell``.
   https://ipython.readthedocs.io/en/stable/config/callbacks.html

Examples
--------
>>> import json, pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "data.csv").write_text("a,b\\n1,2\\n")
>>> tracker = ReadTracker(root / "reads.json", root=root, exclude=())
>>> tracker.observe(str(root / "data.csv"), "r", 0)
>>> tracker.observe(str(root / "out.csv"), "w", 0)
>>> [read.path for read in tracker.reads()]
['data.csv']
>>> tracker.write()
>>> json.loads((root / "reads.json").read_text())["reads"][0]["path"]
'data.csv'
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "READS_FILE_ENV",
    "READS_ROOT_ENV",
    "READS_INCLUDE_ENV",
    "READS_EXCLUDE_ENV",
    "RECORD_FORMAT_VERSION",
    "FileRead",
    "ReadTracker",
    "active_tracker",
    "default_exclusions",
    "load_reads",
    "track_reads",
]

#: Environment variable naming the JSON file the reads are written to.
READS_FILE_ENV = "CWP_READS_FILE"
#: Environment variable overriding the root reads are recorded under.
READS_ROOT_ENV = "CWP_READS_ROOT"
#: Environment variable listing extra files or folders to record (``os.pathsep``-separated).
READS_INCLUDE_ENV = "CWP_READS_INCLUDE"
#: Environment variable listing extra folders never to record (``os.pathsep``-separated).
READS_EXCLUDE_ENV = "CWP_READS_EXCLUDE"
#: Version of the record file layout written by :meth:`ReadTracker.write`.
RECORD_FORMAT_VERSION = 1

_ACCESS_MODE = os.O_RDONLY | os.O_WRONLY | os.O_RDWR
_WRITE_FLAGS = os.O_CREAT | os.O_TRUNC | os.O_APPEND


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


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _real(path: str | os.PathLike) -> str:
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
        os.path.dirname(os.path.abspath(__file__)),
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        "/proc",
        "/dev",
        "/sys",
        "/run",
        tempfile.gettempdir(),
        os.path.join(cache_home, "matplotlib"),
        os.path.join(config_home, "matplotlib"),
        os.path.join(cache_home, "fontconfig"),
        os.path.join(home, ".ipython"),
        os.path.join(home, ".jupyter"),
        os.path.join(home, ".local", "share", "jupyter"),
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
        seen.setdefault(_real(candidate), None)
    return list(seen)


def _split_env(name: str) -> list[str]:
    return [part for part in os.environ.get(name, "").split(os.pathsep) if part]


class ReadTracker:
    """Collect the files a process reads under a root folder.

    Parameters
    ----------
    record_path : path-like
        JSON file :meth:`write` replaces atomically.
    root : path-like
        Reads under this folder are recorded (relative to it).
    include : iterable of path-like, optional
        Files or folders recorded even outside ``root`` or inside an
        excluded folder (e.g. a survey file given as a parameter).
    exclude : iterable of path-like, optional
        Folders never recorded.  :func:`track_reads` passes
        :func:`default_exclusions` plus ``$CWP_READS_EXCLUDE``.

    Notes
    -----
    :meth:`observe` is what the audit hook calls; it never raises.
    """

    def __init__(
        self,
        record_path: str | os.PathLike,
        *,
        root: str | os.PathLike,
        include: Iterable[str | os.PathLike] = (),
        exclude: Iterable[str | os.PathLike] = (),
    ):
        self.record_path = Path(_real(record_path))
        self.root = _real(root)
        self._lock = threading.RLock()
        self._reads: dict[str, FileRead] = {}
        self._written: set[str] = set()
        self._include: list[str] = []
        self._exclude: list[str] = []
        self.add_include(include)
        self.add_exclude(exclude)

    def add_include(self, paths: Iterable[str | os.PathLike | None]) -> None:
        """Also record reads of these files or folders (``None`` entries are ignored)."""
        with self._lock:
            for path in paths:
                if path is None or os.fspath(path) == "":
                    continue
                real = _real(path)
                if real not in self._include:
                    self._include.append(real)

    def add_exclude(self, folders: Iterable[str | os.PathLike]) -> None:
        """Never record reads under these folders (unless they contain the root)."""
        with self._lock:
            for folder in folders:
                real = _real(folder)
                if _is_within(self.root, real) or real in self._exclude:
                    continue
                self._exclude.append(real)

    def _name(self, real: str) -> str | None:
        """The recorded name of ``real``, or None when it is not a data read."""
        for included in self._include:
            if _is_within(real, included):
                return self._relative(real) if _is_within(real, self.root) else real
        if not _is_within(real, self.root) or real == self.root:
            return None
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
        """Take note of one ``open`` audit event.

        Parameters
        ----------
        path : str, bytes, os.PathLike or int
            What was opened (file descriptors are ignored).
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
                        status = os.stat(real)
                        if _is_regular(status.st_mode):
                            self._reads[real] = FileRead(name, status.st_size, status.st_mtime_ns)
                if writing and real not in self._reads:
                    self._written.add(real)
        except Exception:  # noqa: BLE001 - an audit hook must never break the open it watches
            return

    def reads(self) -> list[FileRead]:
        """The files read so far, sorted by recorded path."""
        with self._lock:
            return sorted(self._reads.values(), key=lambda read: read.path)

    def write(self) -> None:
        """Write the reads so far to ``record_path`` (write a temporary file, then rename)."""
        payload = {
            "version": RECORD_FORMAT_VERSION,
            "root": self.root,
            "reads": [
                {"path": read.path, "size": read.size, "mtime_ns": read.mtime_ns}
                for read in self.reads()
            ],
        }
        _GUARD.active = True
        try:
            self.record_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.record_path.with_name(f".{self.record_path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(temporary, self.record_path)
        finally:
            _GUARD.active = False


def _is_regular(st_mode: int) -> bool:
    import stat

    return stat.S_ISREG(st_mode)


_GUARD = threading.local()
_STATE: dict[str, object] = {"tracker": None, "hook": False, "callback": None, "atexit": False}


def _audit_hook(event: str, args: tuple) -> None:
    if event != "open":
        return
    tracker = _STATE["tracker"]
    if tracker is None or getattr(_GUARD, "active", False):
        return
    _GUARD.active = True
    try:
        tracker.observe(*args[:3])  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - never break the program being watched
        pass
    finally:
        _GUARD.active = False


def _write_active(*_ignored) -> None:
    tracker = _STATE["tracker"]
    if tracker is not None:
        try:
            tracker.write()  # type: ignore[union-attr]
        except OSError:
            pass


def _register_ipython() -> None:
    """Write the record after every cell when running under IPython."""
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is None or _STATE["callback"] is not None:
        return
    shell.events.register("post_run_cell", _write_active)
    _STATE["callback"] = _write_active


def active_tracker() -> ReadTracker | None:
    """The tracker the audit hook currently feeds, if any."""
    return _STATE["tracker"]  # type: ignore[return-value]


def track_reads(
    record_path: str | os.PathLike | None = None,
    *,
    root: str | os.PathLike | None = None,
    extra_paths: Iterable[str | os.PathLike | None] = (),
    exclude: Iterable[str | os.PathLike] = (),
) -> ReadTracker | None:
    """Start recording the data files this process reads.

    Parameters
    ----------
    record_path : path-like, optional
        Where to write the JSON record.  Defaults to ``$CWP_READS_FILE``;
        when neither is set, nothing is tracked and None is returned (a
        notebook run by hand).
    root : path-like, optional
        Folder whose files are recorded.  Defaults to ``$CWP_READS_ROOT``,
        then the repository root (:data:`cwp_analysis.paths.REPO_ROOT`).
    extra_paths : iterable of path-like, optional
        Files or folders recorded wherever they are, e.g. the notebook's
        ``data_path`` and ``workstar_path``; ``$CWP_READS_INCLUDE`` adds more.
    exclude : iterable of path-like, optional
        Folders never recorded, on top of :func:`default_exclusions` and
        ``$CWP_READS_EXCLUDE``.

    Returns
    -------
    ReadTracker or None
        The active tracker.

    Notes
    -----
    The record is written after every IPython cell and at exit.  Calling
    again with the same record file extends the active tracker's included
    and excluded paths; with another record file, the active tracker is
    written one last time and replaced.
    """
    record = record_path if record_path is not None else os.environ.get(READS_FILE_ENV)
    if not record:
        return None
    include = [*extra_paths, *_split_env(READS_INCLUDE_ENV)]
    excluded = [*exclude, *_split_env(READS_EXCLUDE_ENV)]
    current: ReadTracker | None = _STATE["tracker"]  # type: ignore[assignment]
    if current is not None and current.record_path == Path(_real(record)):
        current.add_include(include)
        current.add_exclude(excluded)
        current.write()
        return current
    if current is not None:
        _write_active()
    if root is None:
        root = os.environ.get(READS_ROOT_ENV)
    if not root:
        from cwp_analysis.paths import REPO_ROOT

        root = REPO_ROOT
    tracker = ReadTracker(record, root=root, include=include, exclude=[*default_exclusions(), *excluded])
    _STATE["tracker"] = tracker
    if not _STATE["hook"]:
        sys.addaudithook(_audit_hook)
        _STATE["hook"] = True
    if not _STATE["atexit"]:
        atexit.register(_write_active)
        _STATE["atexit"] = True
    _register_ipython()
    tracker.write()
    return tracker


def load_reads(record_path: str | os.PathLike) -> list[FileRead]:
    """Read a record written by :meth:`ReadTracker.write`.

    Parameters
    ----------
    record_path : path-like

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
    text = Path(record_path).read_text(encoding="utf-8")
    try:
        payload = json.loads(text)
        if payload.get("version") != RECORD_FORMAT_VERSION:
            raise ValueError(f"unsupported record version {payload.get('version')!r}")
        reads = [FileRead(str(r["path"]), int(r["size"]), int(r["mtime_ns"])) for r in payload["reads"]]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{record_path}: not a file-read record ({error})") from error
    return sorted(reads, key=lambda read: read.path)
