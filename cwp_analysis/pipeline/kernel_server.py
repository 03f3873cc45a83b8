"""The kernel fork servers of this process, seen from the build.

:class:`KernelServer` starts one server process
(:mod:`cwp_analysis.pipeline.forkserver`) with the kernels' environment
and working folder, and asks it for kernels over a Unix socket pair;
:class:`ForkedKernel` is what a kernel manager holds instead of a
:class:`subprocess.Popen`; :data:`SERVERS` keeps one server per
:func:`server_key`.  When and why a kernel is forked rather than started
fresh is explained in :mod:`cwp_analysis.pipeline.kernels`.
"""

from __future__ import annotations

import atexit
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cwp_analysis.pipeline import forkserver

__all__ = [
    "DEFAULT_PRELOAD",
    "SERVERS",
    "ForkedKernel",
    "KernelServer",
    "KernelServerPool",
    "ServerUnavailable",
    "forked_kernels_cpu_seconds",
    "server_key",
]

#: Modules every server imports besides the notebooks' own imports.
DEFAULT_PRELOAD = ("numpy", "pandas", "scipy.stats", "matplotlib", "matplotlib.pyplot", "yaml")
#: Longest wait for a server to import its modules, in seconds.
SERVER_START_TIMEOUT = 300.0
#: Longest wait for a server to answer a request, in seconds (it may import modules first).
SERVER_REPLY_TIMEOUT = 300.0

_log = logging.getLogger(__name__)
_CPU_LOCK = threading.Lock()
_KERNEL_CPU = [0.0]


def forked_kernels_cpu_seconds() -> float:
    """CPU seconds used by every forked kernel of this process that has exited.

    Their time is not in :func:`resource.getrusage` ``RUSAGE_CHILDREN`` of
    this process until their server has exited and been waited for (they are
    the server's children); a benchmark adds this instead.
    """
    with _CPU_LOCK:
        return _KERNEL_CPU[0]


def server_key(env: Mapping[str, str], cwd: str | os.PathLike) -> tuple:
    """What two kernels must share to be forked from one server: environment and working folder.

    The per-kernel variables (:data:`~cwp_analysis.pipeline.forkserver.PER_KERNEL_VARIABLES`)
    do not count.
    """
    shared = sorted((k, v) for k, v in env.items() if k not in forkserver.PER_KERNEL_VARIABLES)
    return (sys.executable, os.path.realpath(cwd), tuple(shared))


class ServerUnavailable(RuntimeError):
    """The kernel server could not start, died, refused a kernel or is out of date.

    ``retry`` is True when another server may serve the kernel (this one is
    out of date, retired, or imported a module unsafe to share: ``unsafe``).
    """

    def __init__(self, message: str, *, unsafe: Iterable[str] = (), retry: bool = False):
        super().__init__(message)
        self.unsafe = frozenset(unsafe)
        self.retry = retry or bool(self.unsafe)


class ForkedKernel:
    """A kernel forked by a :class:`KernelServer`, with the part of :class:`subprocess.Popen` kernels need.

    The server reaps the process and reports its exit status; signals go
    through the server, which knows whether the pid is still its child.
    """

    stdin = stdout = stderr = None

    def __init__(self, server: KernelServer, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        #: CPU seconds (user + system) the kernel used, once it has exited.
        self.cpu_seconds = 0.0
        self._server = server
        self._exited = threading.Event()

    def _set_exit(self, status: int) -> None:
        if self.returncode is None:
            self.returncode = status
        self._exited.set()

    def poll(self) -> int | None:
        if self.returncode is None and not self._server.alive:
            try:  # the server is gone: the kernel is an orphan that exits on its own
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self._set_exit(-signal.SIGKILL)
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._exited.wait(0.1 if remaining is None else min(0.1, remaining))
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            self._server.signal(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class KernelServer:
    """One fork server process (see :mod:`cwp_analysis.pipeline.forkserver`).

    Parameters
    ----------
    env : mapping
        Its environment, which every kernel it forks shares (the per-kernel
        variables are left out).
    cwd : path-like
        Its working folder, the kernels' too.
    preload : sequence of str
        Modules to import before forking.
    exclude : iterable of str
        Modules (and their submodules) never to import.
    """

    def __init__(self, env: Mapping[str, str], cwd: str | os.PathLike, preload: Sequence[str],
                 exclude: Iterable[str] = ()):
        handle, log = tempfile.mkstemp(prefix="cwp-kernel-server-", suffix=".log")
        self.log_path = Path(log)
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", forkserver.BOOTSTRAP, forkserver.__file__, str(theirs.fileno())],
                env={k: v for k, v in env.items() if k not in forkserver.PER_KERNEL_VARIABLES}, cwd=os.fspath(cwd),
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=handle, stderr=handle, start_new_session=True,
            )
        finally:
            theirs.close()
            os.close(handle)
        self._sock = ours
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, dict] = {}
        self._events: dict[int, threading.Event] = {}
        self._children: dict[int, ForkedKernel] = {}
        self._ready = threading.Event()
        self._report: dict = {}
        self._files: dict[str, tuple[int, int]] = {}
        self.alive = True
        self.closing = False
        self.retired = False
        self._send({"preload": list(preload), "exclude": sorted(set(exclude))})
        self._reader = threading.Thread(target=self._read, name="cwp-kernel-server", daemon=True)
        self._reader.start()

    # -- messages ----------------------------------------------------------------
    def _send(self, message: dict) -> None:
        with self._send_lock:
            self._sock.sendall((json.dumps(message) + "\n").encode())

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                data = self._sock.recv(1 << 16)
                if not data:
                    break
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        self._dispatch(json.loads(line))
        except (OSError, ValueError):
            pass
        self.alive = False
        self._ready.set()
        for event in list(self._events.values()):
            event.set()
        try:  # the server has exited (or is about to): reap it
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        if (self.closing or self.retired) and self._process.returncode == 0:
            self.log_path.unlink(missing_ok=True)

    def _dispatch(self, message: dict) -> None:
        op = message.get("op")
        if op == "ready":
            self._report = message
            self._remember(message.get("files", ()))
            self._ready.set()
        elif op == "exit":
            child = self._children.pop(int(message["pid"]), None)
            cpu = float(message.get("cpu", 0.0))
            with _CPU_LOCK:
                _KERNEL_CPU[0] += cpu
            if child is not None:
                child.cpu_seconds = cpu
                child._set_exit(int(message["status"]))
        elif op in ("spawned", "refused"):
            if op == "spawned":
                self._remember(message.get("files", ()))
                message["process"] = self._children[message["pid"]] = ForkedKernel(self, int(message["pid"]))
            self._pending[int(message["id"])] = message
            event = self._events.get(int(message["id"]))
            if event is not None:
                event.set()

    def _remember(self, files) -> None:
        for path, mtime_ns, size in files:
            self._files[path] = (int(mtime_ns), int(size))

    # -- state ---------------------------------------------------------------------
    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> dict:
        """Wait until the server has imported its modules; its report.

        Raises
        ------
        ServerUnavailable
            It died or timed out, or one of its modules is unsafe to import before a fork.
        """
        if not self._ready.wait(timeout) or self._report.get("error") or not self._report:
            reason = self._report.get("error") or "it did not start"
            raise ServerUnavailable(f"the kernel server cannot serve: {reason} (log: {self.log_path})")
        unsafe = self._report.get("unsafe", ())
        if unsafe:
            raise ServerUnavailable(f"unsafe to preload: {unsafe}", unsafe=[u["module"] for u in unsafe])
        return self._report

    def stale(self) -> bool:
        """Whether a project file it imported, or a ``sys.path`` folder, changed since it imported it."""
        for path, (mtime_ns, size) in list(self._files.items()):
            try:
                status = os.stat(path)
            except OSError:
                return True
            if (status.st_mtime_ns, status.st_size) != (mtime_ns, size):
                return True
        for folder, mtime_ns in self._report.get("path_stamps", ()):
            try:
                if os.stat(folder).st_mtime_ns != mtime_ns:
                    return True
            except OSError:
                return True
        return False

    # -- requests ------------------------------------------------------------------
    def spawn(self, *, args: Sequence[str], env: Mapping[str, str], cwd: str, log: str = "",
              preload: Sequence[str] = ()) -> ForkedKernel:
        """Fork a kernel running ``python -m ipykernel_launcher *args``.

        Raises
        ------
        ServerUnavailable
            The server is not usable; start a fresh kernel or another server.
        """
        self.wait_ready()
        if self.retired:
            raise ServerUnavailable("the kernel server was replaced", retry=True)
        if self.stale():
            raise ServerUnavailable("the kernel server's modules changed on disk", retry=True)
        request = next(self._ids)
        event = self._events[request] = threading.Event()
        try:
            self._send({"op": "spawn", "id": request, "args": list(args), "env": dict(env), "cwd": cwd,
                        "log": log, "preload": list(preload)})
            if not event.wait(SERVER_REPLY_TIMEOUT) or request not in self._pending:
                raise ServerUnavailable(f"the kernel server did not answer (log: {self.log_path})")
        except OSError as error:
            raise ServerUnavailable(f"the kernel server is gone ({error})") from None
        finally:
            self._events.pop(request, None)
        reply = self._pending.pop(request)
        if reply["op"] == "refused":
            raise ServerUnavailable(f"refused: {reply.get('unsafe') or reply.get('reason')}",
                                    unsafe=[u["module"] for u in reply.get("unsafe", ())], retry=True)
        return reply["process"]

    def signal(self, pid: int, signum: int) -> None:
        """Signal a kernel's process group (through the server, which knows the pid is still its child)."""
        try:
            self._send({"op": "signal", "pid": pid, "signal": int(signum)})
            return
        except OSError:
            pass
        try:  # the server is gone; its orphans are still in their own sessions
            os.killpg(pid, signum)
        except OSError:
            pass

    def retire(self) -> None:
        """Fork no more kernels; the server exits once those it forked have exited."""
        self.retired = True
        try:
            self._send({"op": "retire"})
        except OSError:
            pass

    def close(self, *, keep_log: bool = False) -> None:
        """Stop the server and kill the kernels it forked (its log is deleted unless ``keep_log``)."""
        self.closing = True
        try:
            self._send({"op": "quit"})
        except OSError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._sock.close()
        self.alive = False
        if not keep_log:
            self.log_path.unlink(missing_ok=True)


class KernelServerPool:
    """The kernel servers of this process, one per :func:`server_key`, the most recently used kept.

    Parameters
    ----------
    max_servers : int
        Servers kept alive at once.
    """

    def __init__(self, max_servers: int = 2):
        self.max_servers = max_servers
        self._lock = threading.Lock()
        self._servers: OrderedDict[tuple, KernelServer] = OrderedDict()
        self._retired: list[KernelServer] = []
        self._owner = os.getpid()
        self._excluded: set[str] = set()
        self._broken: set[tuple] = set()

    def prepare(self, env: Mapping[str, str], cwd: str | os.PathLike, preload: Sequence[str] = ()) -> None:
        """Start (without waiting) the server kernels with this environment and folder will need."""
        self._server(server_key(env, cwd), env, cwd, preload)

    def _server(self, key: tuple, env, cwd, preload) -> KernelServer | None:
        retired = []
        with self._lock:
            if key in self._broken:
                return None
            server = self._servers.get(key)
            if server is not None and server.alive:
                self._servers.move_to_end(key)
                return server
            modules = list(dict.fromkeys([*DEFAULT_PRELOAD, *preload]))
            try:
                server = KernelServer(env, cwd, modules, exclude=self._excluded)
            except OSError as error:  # no interpreter, no folder, no temporary file: fresh kernels, then
                _log.warning("kernel server cannot start, starting fresh kernels: %s", error)
                self._broken.add(key)
                return None
            self._servers[key] = server
            while len(self._servers) > self.max_servers:
                retired.append(self._servers.popitem(last=False)[1])
            self._retired = [old for old in self._retired if old.alive] + retired
        for old in retired:
            old.retire()
        return server

    def _discard(self, key: tuple, server: KernelServer, *, kill: bool = False) -> None:
        """Stop using a server: it retires (the kernels it forked run on), or is killed with them."""
        with self._lock:
            if self._servers.get(key) is server:
                del self._servers[key]
            if not kill:
                self._retired = [old for old in self._retired if old.alive] + [server]
        if kill:
            server.close(keep_log=True)
        else:
            server.retire()

    def spawn(self, *, args: Sequence[str], env: Mapping[str, str], cwd: str, log: str = "",
              preload: Sequence[str] = ()) -> ForkedKernel | None:
        """Fork a kernel from the right server; None when a fresh kernel must be started instead."""
        key = server_key(env, cwd)
        for _ in range(3):
            server = self._server(key, env, cwd, preload)
            if server is None:
                return None
            try:
                return server.spawn(args=args, env=env, cwd=cwd, log=log, preload=preload)
            except ServerUnavailable as error:
                if server.closing:  # shut down on purpose (an interrupt): no new server now
                    return None
                self._discard(key, server, kill=not error.retry)
                if not error.retry:
                    _log.warning("kernel server unavailable, starting fresh kernels: %s", error)
                    with self._lock:
                        self._broken.add(key)
                    return None
                with self._lock:
                    self._excluded.update(error.unsafe)
        return None

    def shutdown(self) -> None:
        """Stop every server (and so every kernel they forked).

        Only in the process that started them: a child forked from it (which
        runs the ``atexit`` handlers it inherited) leaves them alone.
        """
        if os.getpid() != self._owner:
            return
        with self._lock:
            servers = [*self._servers.values(), *self._retired]
            self._servers.clear()
            self._retired = []
        for server in servers:
            if server.alive:
                server.close()


#: The kernel servers of this process.
SERVERS = KernelServerPool()
atexit.register(SERVERS.shutdown)
