"""The kernel fork server: import once, then fork one IPython kernel per notebook.

This module runs *inside* the server process, which
:mod:`cwp_analysis.pipeline.kernels` starts as::

    python -c BOOTSTRAP <this file> <socket fd>

and loads it by file name, so the server imports neither the
``cwp_analysis`` package nor the pipeline.  It only imports the standard
library at module level.

What the server does, in order:

1. removes the working directory from ``sys.path``, as
   ``ipykernel_launcher`` does (IPython puts ``''`` back when the kernel
   starts);
2. imports the kernel machinery (``ipykernel.kernelapp`` and what it
   needs) -- imports only: no thread, no ZeroMQ context, no event loop;
3. starts recording file probes (:func:`cwp_analysis.dependency_tracking.record_preimports`)
   and imports the modules the notebooks import (pandas, matplotlib,
   ``cwp_analysis.notebook``, ...), one at a time, checking that none of
   them printed anything, raised a warning, read a data file, wrote a file
   under the project root or started a thread: such a module would behave differently when a fresh kernel
   imports it inside a cell, so it is reported as *unsafe* and the client
   starts another server without it.  A module whose name a file in the
   notebooks' folder would shadow in a kernel (``utils.py`` beside the
   notebooks) is never imported;
4. *learns*: each kernel it forked reports, when it exits, the modules it
   imported itself (those the library imports lazily, myst-nb's glue ...),
   and the server imports them, with the same checks, before its next fork;
5. answers requests on its socket: ``spawn`` forks a child that becomes
   an IPython kernel, ``signal`` signals a child's process group,
   ``retire`` stops forking and exits once the last child has exited (a
   server replaced while kernels it forked still run), ``quit`` (or the
   client going away) kills the children and exits.  A child's exit
   status is sent to the client as soon as it is reaped.

A forked child starts its own session, points its standard streams at the
kernel's log, takes the environment, working directory and ``sys.argv``
a fresh ``python -m ipykernel_launcher`` would have, reseeds NumPy's
global generator (Python's :mod:`random` reseeds itself after a fork) and
runs :class:`ipykernel.kernelapp.IPKernelApp`.  It then leaves the
bootstrap script and the interpreter exits exactly as a fresh kernel's
does (threads joined, ``atexit`` handlers run).

The environment the server was started with *is* the kernels'
environment, apart from the per-kernel variables
(:data:`PER_KERNEL_VARIABLES`); the client starts one server per
distinct environment and working directory.  Variables read only when
the interpreter starts (``PYTHONHASHSEED``, ``PYTHONPATH``, the locale)
are therefore the same in every child as in a fresh kernel.

Messages are JSON objects, one per line, over a Unix socket pair.

References
----------
.. [1] The ``forkserver`` start method of :mod:`multiprocessing`, the
   same idea for worker processes.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import warnings
from importlib.machinery import all_suffixes
from typing import NoReturn

#: Environment variables that differ between the kernels of one server.
PER_KERNEL_VARIABLES = frozenset(
    {"CWP_READS_FILE", "JPY_PARENT_PID", "JPY_SESSION_NAME", "JPY_INTERRUPT_EVENT", "IPY_INTERRUPT_EVENT"}
)
#: What every kernel imports while it starts, before any cell runs (measured with ``-X importtime``).
KERNEL_MODULES = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "jupyter_client.session",
    "IPython.core.debugger", "IPython.core.oinspect", "IPython.core.completerlib", "pdb", "psutil", "sqlite3",
    "tornado.platform.asyncio",
)
#: Packages that must never be imported before the kernel exists: importing them
#: configures the running IPython shell (the inline backend registers its hooks,
#: and ``import matplotlib_inline`` imports it).  A module whose import loads one
#: of them is unsafe.
NEVER_PRELOAD = ("matplotlib_inline", "ipykernel.pylab")


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall((json.dumps(message) + "\n").encode())


def _receive_lines(sock: socket.socket, buffer: bytearray) -> list[dict] | None:
    """Read what is available; None when the client has gone."""
    data = sock.recv(1 << 16)
    if not data:
        return None
    buffer.extend(data)
    messages = []
    while b"\n" in buffer:
        line, _, rest = bytes(buffer).partition(b"\n")
        buffer[:] = rest
        if line.strip():
            messages.append(json.loads(line))
    return messages


def _flushed_output_size() -> int:
    """Bytes written so far to the server's stdout and stderr (its log)."""
    total = 0
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        try:
            if stream is not None:
                stream.flush()
            total += os.fstat(fd).st_size
        except (OSError, ValueError):
            pass
    return total


def _excluded(name: str, exclude: frozenset[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in (*exclude, *NEVER_PRELOAD))


def _exists(path: str) -> bool:
    """``os.path.exists`` that the dependency tracker does not record (the server's own look, not a kernel's)."""
    try:
        getattr(os.stat, "__wrapped__", os.stat)(path)
    except (OSError, ValueError):
        return False
    return True


def _shadowed(name: str) -> bool:
    """Whether a kernel (which has its working folder on ``sys.path``) could import ``name`` from that folder."""
    top = name.partition(".")[0]
    return any(_exists(top + suffix) for suffix in ("", *all_suffixes()))


def _forbidden_loaded() -> list[str]:
    return [name for name in sys.modules if _excluded(name, frozenset())]


def _attribute(name: str) -> bool:
    """Whether ``package.name`` (from ``from package import name``) names an attribute, not a submodule."""
    parent, _, last = name.rpartition(".")
    module = sys.modules.get(parent) if parent else None
    if module is None:
        return False
    if not hasattr(module, "__path__"):
        return True
    value = getattr(module, last, None)
    return value is not None and not isinstance(value, type(sys))


class _Preloader:
    """Import modules one at a time and tell which ones are unsafe to import before a fork."""

    def __init__(self, exclude):
        self.exclude = frozenset(exclude)
        self.tracker = None
        self.failed: set[str] = set()
        self.learned: dict[str, None] = {}

    def learn(self, report: str) -> None:
        """Add the modules a kernel reported importing (a JSON list in file ``report``, then deleted)."""
        try:
            with open(report, encoding="utf-8") as handle:
                names = json.load(handle)
            os.unlink(report)
        except (OSError, ValueError):
            return
        self.learned.update((str(name), None) for name in names if str(name) not in sys.modules)

    def start_recording(self) -> None:
        from cwp_analysis.dependency_tracking import record_preimports

        self.tracker = record_preimports()

    def _data_files(self) -> tuple[int, int]:
        """Data files read, and files written under the root, so far."""
        if self.tracker is None:
            return 0, 0
        return len(self.tracker.reads()), len(self.tracker.writes())

    def load(self, names) -> tuple[list[dict], list[str]]:
        """Import ``names``; return (unsafe modules with the reason, modules that failed to import)."""
        unsafe, failed = [], []
        for name in names:
            if (name in sys.modules or name in self.failed or _excluded(name, self.exclude) or _attribute(name)
                    or _shadowed(name)):
                continue
            output, files, forbidden = _flushed_output_size(), self._data_files(), _forbidden_loaded()
            with warnings.catch_warnings(record=True) as caught:
                try:
                    importlib.import_module(name)
                except Exception as error:  # noqa: BLE001 - the notebook will meet the error itself
                    failed.append(f"{name}: {type(error).__name__}: {error}")
                    self.failed.add(name)
            reasons = []
            if caught:
                reasons.append(f"warned {caught[0].category.__name__}: {caught[0].message}")
            if _flushed_output_size() != output:
                reasons.append("printed output")
            if self._data_files() != files:
                reasons.append("read or wrote a project file")
            if threading.active_count() != 1:
                reasons.append("started a thread")
            if _forbidden_loaded() != forbidden:
                reasons.append(f"imported {', '.join(sorted(set(_forbidden_loaded()) - set(forbidden)))}")
            if reasons:  # the process is tainted now; go on, to name every such module at once
                unsafe.append({"module": name, "reason": "; ".join(reasons)})
        return unsafe, failed


def _loaded_files(names=None) -> list[list]:
    """(file, mtime_ns, size) of the loaded modules (or of ``names``) outside the interpreter's prefixes."""
    roots = {p for base in (sys.prefix, sys.base_prefix, sys.exec_prefix) for p in (base, os.path.realpath(base))}
    prefixes = tuple(root.rstrip(os.sep) + os.sep for root in roots)
    files = []
    for name in list(sys.modules) if names is None else names:
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path or path.startswith(prefixes):
            continue
        real = os.path.realpath(path)
        if real.startswith(prefixes):
            continue
        try:
            status = os.stat(real)
        except OSError:
            continue
        files.append([real, status.st_mtime_ns, status.st_size])
    return sorted(files)


def _path_stamps() -> list[list]:
    """(folder, mtime_ns) of every ``sys.path`` folder: installing a package changes one."""
    stamps = []
    for entry in sys.path:
        try:
            stamps.append([entry, os.stat(entry).st_mtime_ns])
        except OSError:
            continue
    return stamps


def _reap(sock: socket.socket, children: set[int], preloader: _Preloader, reports: str) -> None:
    while children:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send(sock, {"op": "exit", "pid": pid, "status": os.waitstatus_to_exitcode(status),
                     "cpu": usage.ru_utime + usage.ru_stime})
        preloader.learn(os.path.join(reports, f"{pid}.json"))


def _signal_child(pid: int, signum: int, children: set[int]) -> None:
    """Signal a child's process group (its session), or the child alone before it has one."""
    if pid not in children:  # already reaped: the pid may belong to someone else now
        return
    try:
        os.killpg(pid, signum)
    except OSError:
        try:
            os.kill(pid, signum)
        except OSError:
            pass


def _stop(children: set[int], reports: str) -> NoReturn:
    for pid in list(children):
        _signal_child(pid, signal.SIGKILL, children)
    deadline = time.monotonic() + 5
    while children and time.monotonic() < deadline:  # reap them, so their time counts as the server's
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            children.discard(pid)
        else:
            time.sleep(0.01)
    _leave(reports)


def _leave(reports: str) -> NoReturn:
    shutil.rmtree(reports, ignore_errors=True)
    os._exit(0)


def serve(fd: int) -> dict:
    """Run the server on socket ``fd``; return only in a forked child, with the job it must run.

    The first message is the configuration: ``{"preload": [...],
    "exclude": [...]}``.  The server answers ``{"op": "ready", ...}``
    with the unsafe and failed imports, the files of the loaded modules
    and the stamps of ``sys.path``.
    """
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython inserts '' when the kernel starts
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    buffer = bytearray()
    config: dict = {}
    while not config:
        messages = _receive_lines(sock, buffer)
        if messages is None:
            os._exit(0)
        config = messages[0] if messages else {}
    preloader = _Preloader(config.get("exclude", ()))
    for name in KERNEL_MODULES:  # a fresh kernel imports these before any cell, outside dependency tracking
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    spec = importlib.util.find_spec("ipykernel_launcher")
    launcher = spec.origin if spec is not None else None
    problem = "importing the kernel started a thread" if threading.active_count() != 1 else ""
    if launcher is None or problem:
        _send(sock, {"op": "ready", "pid": os.getpid(), "error": problem or "ipykernel_launcher is not installed"})
        os._exit(1)
    preloader.start_recording()
    unsafe, failed = preloader.load(config.get("preload", ()))
    _send(sock, {"op": "ready", "pid": os.getpid(), "unsafe": unsafe, "failed": failed,
                 "files": _loaded_files(), "path_stamps": _path_stamps()})
    config["unsafe"] = unsafe
    if unsafe:
        config["tainted"] = True
    reports = tempfile.mkdtemp(prefix="cwp-kernel-modules-")

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    previous_wakeup = signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: set[int] = set()
    while True:
        try:
            readable, _, _ = select.select([sock, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in readable:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
            _reap(sock, children, preloader, reports)
            if config.get("retired") and not children:
                _leave(reports)
        if sock not in readable:
            continue
        messages = _receive_lines(sock, buffer)
        if messages is None:
            _stop(children, reports)
        for message in messages:
            op = message.get("op")
            if op == "quit":
                _stop(children, reports)
            elif op == "retire":
                config["retired"] = config["tainted"] = True
                if not children:
                    _leave(reports)
            elif op == "signal":
                _signal_child(int(message["pid"]), int(message["signal"]), children)
            elif op == "spawn":
                if config.get("tainted"):
                    reason = "retired" if config.get("retired") else "tainted"
                    _send(sock, {"op": "refused", "id": message["id"], "unsafe": config["unsafe"], "reason": reason})
                    continue
                before = set(sys.modules)
                unsafe, failed = preloader.load([*preloader.learned, *message.get("preload", ())])
                if unsafe:
                    config["tainted"] = True
                    config["unsafe"] = config["unsafe"] + unsafe
                    _send(sock, {"op": "refused", "id": message["id"], "unsafe": unsafe, "reason": "unsafe"})
                    continue
                added = _loaded_files([name for name in sys.modules if name not in before])
                sys.stdout.flush()
                sys.stderr.flush()
                gc.freeze()  # the imported modules live as long as the kernel: keep the collector off them
                pid = os.fork()
                if pid == 0:
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    signal.set_wakeup_fd(previous_wakeup)
                    for handle in (wake_read, wake_write):
                        os.close(handle)
                    sock.close()
                    os.setsid()
                    return {**message, "launcher": launcher, "reports": reports}
                children.add(pid)
                _send(sock, {"op": "spawned", "id": message["id"], "pid": pid, "failed": failed, "files": added})


def run_kernel(job: dict) -> None:
    """In a forked child: become the kernel a fresh ``python -m ipykernel_launcher`` would be.

    ``job`` holds ``args`` (the launcher's arguments), ``env``, ``cwd``,
    ``log`` (file receiving the kernel's stdout and stderr) and ``reports``
    (folder where the kernel lists, when it exits, the modules it imported).
    """
    inherited = set(sys.modules)
    log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if job.get("log") else None
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(log if log is not None else null, 1)
    os.dup2(log if log is not None else null, 2)
    for handle in (log, null):
        if handle is not None:
            os.close(handle)
    os.chdir(job["cwd"])
    environment = dict(job["env"])
    environment["JPY_PARENT_PID"] = str(os.getppid())
    os.environ.clear()
    os.environ.update(environment)
    sys.argv = [job["launcher"], *job["args"]]
    sys.orig_argv = [sys.executable, "-m", "ipykernel_launcher", *job["args"]]
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()  # fresh entropy, as a fresh interpreter would draw
    from ipykernel.kernelapp import IPKernelApp

    app = None
    try:
        app = IPKernelApp.instance(parent_handle=os.getppid())  # as IPKernelApp.launch_instance does
        app.initialize()
        app.start()
        status = 0
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:  # noqa: BLE001 - as the interpreter would: traceback on stderr, status 1
        import traceback

        traceback.print_exc()
        status = 1
    _report_imports(job.get("reports"), inherited)
    _exit(status, app)


def _report_imports(reports: str | None, inherited: set[str]) -> None:
    """List, for the server, the modules imported since the fork (in the order they were)."""
    if not reports:
        return
    try:
        with open(os.path.join(reports, f"{os.getpid()}.json"), "w", encoding="utf-8") as handle:
            json.dump([name for name in list(sys.modules) if name not in inherited], handle)
    except OSError:
        pass


def _exit(status: int, app=None) -> None:
    """Leave as the interpreter would, without tearing down every module.

    Python's own shutdown joins the non-daemon threads and runs the
    ``atexit`` handlers -- among them IPython's, which clears the
    notebook's namespace (closing, hence flushing, the files it still held)
    -- then frees every module, which takes seconds in a process holding
    pandas, scipy and matplotlib and has no effect outside it.  This does
    the first two and exits.

    Before that it lets the kernel's control and shell-channel threads
    finish the message they are handling (the shutdown request): the
    kernel's ``atexit`` handler stops the IOPub thread, and a control
    thread still flushing its last output through it would wait for it.
    """
    import atexit

    for name in ("control_thread", "shell_channel_thread"):
        thread = getattr(app, name, None)
        if thread is not None and thread.is_alive():
            thread.join(timeout=5)
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(status)


#: The ``-c`` program of the server: load this file without importing any package, serve, run a kernel.
BOOTSTRAP = (
    "import sys, importlib.util as u\n"
    "s = u.spec_from_file_location('_cwp_kernel_forkserver', sys.argv[1])\n"
    "m = u.module_from_spec(s)\n"
    "s.loader.exec_module(m)\n"
    "del s, u\n"
    "m.run_kernel(m.serve(int(sys.argv[2])))\n"
)
