"""Record which files a notebook depends on, so the build cache can watch them.

``cwp build`` re-executes a notebook when something it looked at last time
has changed.  What that is, is discovered, not declared: in the notebook's
kernel, :func:`track_reads` installs an audit hook (:pep:`578`) and records,
under the repository root,

* every regular file *opened for reading* (the ``open`` event: :func:`open`,
  :func:`io.open_code`, :func:`os.open`, and so pandas, openpyxl, yaml, json,
  csv, numpy ...), with its size and modification time when first opened, so
  the pipeline can tell whether it changed while the notebook ran;
* every *probe of a path that does not exist*: a failed open, and a failed
  :func:`os.stat` / :func:`os.lstat` -- what :meth:`pathlib.Path.exists`,
  :func:`os.path.isfile` or :func:`glob.glob` call.  Python raises no audit
  event for ``stat``, so the tracker wraps those two functions.  Creating
  such a file later must re-run the notebook; likewise a path whose ``stat``
  succeeded but that was never read is recorded as *present*, and removing
  it must re-run the notebook;
* every *directory listing* (the ``os.listdir`` and ``os.scandir`` events,
  raised by ``Path.iterdir``, ``Path.glob``, :func:`glob.glob`,
  :func:`os.walk`), as :func:`listing_digest`: adding or removing a file
  there must re-run it.

The record is written as JSON after every cell (IPython's ``post_run_cell``)
and at exit, to the file named by ``CWP_READS_FILE``, which the pipeline sets
when it launches a kernel (:mod:`cwp_analysis.pipeline.execute`); without it
(a notebook run by hand) :func:`track_reads` does nothing.

Conventions
-----------
* Paths under the root are recorded relative to it with ``/`` separators
  (the root itself, when listed, as ``.``); included paths outside the root
  are recorded as absolute paths.
* Never recorded: the ``cwp_analysis`` source (hashed as a whole), the
  interpreter and site-packages, ``/proc``, ``/dev``, ``/sys``, ``/run``, the
  temporary directory, matplotlib, font and IPython caches, folders whose
  name starts with a dot, ``__pycache__``, files the kernel itself opened for
  writing (its outputs are not its inputs), and what the import system
  probes or lists (:mod:`importlib`, :mod:`pkgutil`, :mod:`linecache` search
  ``sys.path`` for code, not data).  An excluded folder containing the root
  (a checkout under ``/tmp``) does not hide the root.
* A listing digest leaves out names starting with a dot (editor files).
* Compiled code that bypasses Python's ``open`` (pyarrow's own CSV reader
  given a path) is not seen; the pipeline also hashes every existing file
  named by a notebook parameter.

Audit hooks cannot be removed, so one hook per process serves every tracker;
:func:`track_reads` with the same record file extends the current tracker,
with another one replaces it.  A tracker started by :func:`record_preimports`
(the kernel fork server, importing modules before it forks kernels) is
*inherited*: the kernel's :func:`track_reads` takes over its probes.

References
----------
.. [1] PEP 578 -- Python Runtime Audit Hooks. https://peps.python.org/pep-0578/
.. [2] Audit events table. https://docs.python.org/3/library/audit_events.html

Examples
--------
>>> import json, pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "data.csv").write_text("a,b\\n1,2\\n")
>>> tracker = ReadTracker(root / "reads.json", root=root, exclude=())
>>> tracker.observe(str(root / "data.csv"), "r", 0)
>>> tracker.observe(str(root / "out.csv"), "w", 0)
>>> tracker.observe(str(root / "settings.yaml"), "r", 0)  # does not exist
>>> [read.path for read in tracker.reads()], tracker.record().absent
(['data.csv'], ('settings.yaml',))
>>> tracker.write()
>>> json.loads((root / "reads.json").read_text())["reads"][0]["path"]
'data.csv'
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cwp_analysis.dependency_record import (
    GUARD,
    RECORD_FORMAT_VERSION,
    FileRead,
    ReadRecord,
    ReadTracker,
    default_exclusions,
    listing_digest,
    load_reads,
    load_record,
    real_path,
)

__all__ = [
    "READS_FILE_ENV",
    "READS_ROOT_ENV",
    "READS_INCLUDE_ENV",
    "READS_EXCLUDE_ENV",
    "RECORD_FORMAT_VERSION",
    "FileRead",
    "ReadRecord",
    "ReadTracker",
    "active_tracker",
    "default_exclusions",
    "listing_digest",
    "load_reads",
    "load_record",
    "record_preimports",
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

_LISTING_EVENTS = frozenset({"os.listdir", "os.scandir"})
#: Standard-library path helpers: the module that called them decides whether a probe counts.
_PATH_HELPERS = frozenset({"os", "posixpath", "genericpath", "pathlib", "glob", "fnmatch", "shutil"})
#: Callers whose probes and listings search for code, not data.
_IGNORED_CALLERS = ("importlib", "_frozen_importlib", "pkgutil", "zipimport", "linecache", "pkg_resources")


def _split_env(name: str) -> list[str]:
    return [part for part in os.environ.get(name, "").split(os.pathsep) if part]


_STATE: dict[str, Any] = {"tracker": None, "hook": False, "callback": None, "atexit": False, "stat": None}


def _caller_ignored(frame) -> bool:
    """Whether the code that made a probe (skipping path helpers) is the import system."""
    while frame is not None and frame.f_globals.get("__name__") in _PATH_HELPERS:
        frame = frame.f_back
    caller = frame.f_globals.get("__name__", "") if frame is not None else ""
    return caller.startswith(_IGNORED_CALLERS)


def _audit_hook(event: str, args: tuple) -> None:
    if event != "open" and event not in _LISTING_EVENTS:
        return
    tracker = _STATE["tracker"]
    if tracker is None or getattr(GUARD, "active", False):
        return
    GUARD.active = True
    try:
        if event == "open":
            tracker.observe(*args[:3])
        elif not _caller_ignored(sys._getframe(1)):
            tracker.observe_listing(args[0] if args else ".")
    except Exception:  # noqa: BLE001 - never break the program being watched
        pass
    finally:
        GUARD.active = False


def _probing(function):
    """Wrap ``os.stat`` / ``os.lstat`` so that each call is recorded as a probe, found or not."""

    def note(path, options, found: bool) -> None:
        tracker = _STATE["tracker"]
        if tracker is None or options.get("dir_fd") is not None or getattr(GUARD, "active", False):
            return
        GUARD.active = True
        try:
            if not _caller_ignored(sys._getframe(2)):
                tracker.observe_probe(path, found=found)
        finally:
            GUARD.active = False

    def probe(path, **options):
        try:
            result = function(path, **options)
        except (FileNotFoundError, NotADirectoryError):
            note(path, options, False)
            raise
        note(path, options, True)
        return result

    probe.__name__, probe.__qualname__, probe.__doc__ = function.__name__, function.__name__, function.__doc__
    probe.__wrapped__ = function  # type: ignore[attr-defined]
    return probe


def _install() -> None:
    """Install the audit hook and the ``stat`` wrappers, once per process."""
    if not _STATE["hook"]:
        sys.addaudithook(_audit_hook)
        _STATE["hook"] = True
    if _STATE["stat"] is None:
        wrapped = {"stat": _probing(os.stat), "lstat": _probing(os.lstat)}
        for name, wrapper in wrapped.items():
            original = getattr(os, name)
            for capability in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks):
                if original in capability:
                    capability.add(wrapper)
            setattr(os, name, wrapper)
        _STATE["stat"] = wrapped
    if not _STATE["atexit"]:
        atexit.register(_write_active)
        _STATE["atexit"] = True


def _write_active(*_ignored) -> None:
    tracker = _STATE["tracker"]
    if tracker is not None:
        try:
            tracker.write()
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
    return _STATE["tracker"]


def _configured(record: str | os.PathLike | None, root, include, exclude) -> ReadTracker:
    if root is None:
        root = os.environ.get(READS_ROOT_ENV)
    if not root:
        from cwp_analysis.paths import REPO_ROOT

        root = REPO_ROOT
    return ReadTracker(
        record,
        root=root,
        include=[*include, *_split_env(READS_INCLUDE_ENV)],
        exclude=[*default_exclusions(), *exclude, *_split_env(READS_EXCLUDE_ENV)],
    )


def record_preimports(*, root: str | os.PathLike | None = None) -> ReadTracker:
    """Start a tracker whose record the next :func:`track_reads` call inherits.

    The kernel fork server calls this before importing the modules its
    kernels will share, so that what those imports probe or list (for
    example matplotlib looking for a ``matplotlibrc`` in the working
    folder) is recorded for every notebook, as it would be when a fresh
    kernel imports them in a cell.  The server checks ``reads()`` to refuse
    to share a module whose import reads a data file.

    Parameters
    ----------
    root : path-like, optional
        As for :func:`track_reads` (default ``$CWP_READS_ROOT``, then the
        repository root); included and excluded paths come from the
        environment.

    Returns
    -------
    ReadTracker
        The active tracker (never written to a file).
    """
    tracker = _configured(None, root, (), ())
    tracker.inheritable = True
    _STATE["tracker"] = tracker
    _install()
    return tracker


def track_reads(
    record_path: str | os.PathLike | None = None,
    *,
    root: str | os.PathLike | None = None,
    extra_paths: Iterable[str | os.PathLike | None] = (),
    exclude: Iterable[str | os.PathLike] = (),
) -> ReadTracker | None:
    """Start recording the files this process reads, probes and lists.

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
    written one last time and replaced -- unless it was started by
    :func:`record_preimports`, whose record the new tracker takes over.
    """
    record = record_path if record_path is not None else os.environ.get(READS_FILE_ENV)
    if not record:
        return None
    current: ReadTracker | None = _STATE["tracker"]
    if current is not None and current.record_path == Path(real_path(record)):
        current.add_include([*extra_paths, *_split_env(READS_INCLUDE_ENV)])
        current.add_exclude([*exclude, *_split_env(READS_EXCLUDE_ENV)])
        current.write()
        return current
    if current is not None and not current.inheritable:
        _write_active()
    tracker = _configured(record, root, extra_paths, exclude)
    if current is not None and current.inheritable:
        tracker.absorb(current)
    _STATE["tracker"] = tracker
    _install()
    _register_ipython()
    tracker.write()
    return tracker
