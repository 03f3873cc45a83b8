"""Starting the kernels that execute the notebooks: forks of a warm server, or fresh processes.

Every kernel runs *this* interpreter (:data:`sys.executable`) as
``python -m ipykernel_launcher``, whatever kernelspecs are installed, and
starts by calling :func:`cwp_analysis.dependency_tracking.track_reads`.

Starting a kernel from nothing costs a new interpreter plus the imports
every notebook makes (pandas, scipy, matplotlib, the library): several
seconds, paid again by each notebook.  By default a kernel is therefore
*forked* from a kernel server (:mod:`cwp_analysis.pipeline.forkserver`)
that imported all that once: the modules the notebooks import, and those
the kernels it forked reported importing while they ran (what the library
imports lazily, myst-nb's glue ...).  The forked kernel has the
environment, working directory, ``sys.argv`` and ``sys.path`` a fresh
kernel would have, so a notebook's outputs are byte-identical either way
(a test checks it).  One server serves every kernel with the same
environment and working directory (:func:`~cwp_analysis.pipeline.kernel_server.server_key`);
servers are kept for the life of the process, so consecutive builds and
benchmark runs reuse them.

A fresh kernel is started instead when

* ``CWP_FRESH_KERNELS=1`` is set, or ``fresh_kernels=True`` is passed to
  :func:`~cwp_analysis.pipeline.execute.run_notebook` /
  :func:`~cwp_analysis.pipeline.execute.execute_notebooks`;
* ``PYTHONHASHSEED`` is not a fixed number in the kernel's environment (each
  fresh kernel would then hash differently, forks of one server would not);
* the server cannot start, dies, or refuses three times.

A server refuses a kernel when a module it was asked to import first
printed something, raised a warning, read a data file, wrote a file under
the project root or started a thread (a fresh kernel importing it in a
cell would show or record that); it is then replaced by a server that does
not import that module.  A server whose imported project files or
``sys.path`` folders changed since it started is replaced too (it retires:
the kernels it forked finish).

What stays different: a module is imported once, in the server, instead
of once per kernel.  A module whose import depends on what a notebook did
before importing it (an environment variable it set, the folder it
changed to) would see the server's state instead; no module the notebooks
use does that, and the byte-identity test runs the real chapters.

References
----------
.. [1] jupyter_client kernel provisioners.
   https://jupyter-client.readthedocs.io/en/stable/provisioning.html
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import os
import signal
import sys
import threading
import weakref
from collections.abc import Mapping, Sequence

from cwp_analysis.pipeline.kernel_server import SERVERS, ForkedKernel

_log = logging.getLogger(__name__)

__all__ = [
    "FRESH_KERNELS_ENV",
    "KERNELS",
    "SERVERS",
    "TRACKING_LINE",
    "can_fork",
    "fresh_kernels_requested",
    "kernel_environment",
    "kernel_manager_class",
    "notebook_imports",
]

#: Environment variable: ``1`` starts every kernel as a fresh process.
FRESH_KERNELS_ENV = "CWP_FRESH_KERNELS"
#: The line each kernel runs before the first cell.
TRACKING_LINE = "__import__('cwp_analysis.dependency_tracking').dependency_tracking.track_reads()"


def fresh_kernels_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``CWP_FRESH_KERNELS`` asks for fresh kernel processes.

    Examples
    --------
    >>> fresh_kernels_requested({"CWP_FRESH_KERNELS": "1"}), fresh_kernels_requested({})
    (True, False)
    """
    value = (os.environ if environ is None else environ).get(FRESH_KERNELS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def kernel_environment(extra: Mapping[str, str], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment jupyter_client gives a kernel whose kernelspec sets ``extra``.

    The current environment updated with ``extra``, without
    ``PYTHONEXECUTABLE`` (as :class:`jupyter_client.provisioning.LocalProvisioner` does).
    """
    env = {**(os.environ if base is None else base), **{str(k): str(v) for k, v in extra.items()}}
    env.pop("PYTHONEXECUTABLE", None)
    return env


def can_fork(env: Mapping[str, str]) -> bool:
    """Whether kernels with this environment may be forked from a server.

    Only when ``PYTHONHASHSEED`` is a fixed number: with a random seed each
    fresh kernel would hash differently, while forks of one server all
    share the server's seed.
    """
    return hasattr(os, "fork") and env.get("PYTHONHASHSEED", "").isdigit()


def _forkable(kernel_cmd: Sequence[str], env: Mapping[str, str]) -> bool:
    return can_fork(env) and list(kernel_cmd[:3]) == [sys.executable, "-m", "ipykernel_launcher"]


def notebook_imports(notebook: Mapping) -> list[str]:
    """Modules a notebook's code cells import, in order, without repeats.

    ``from package import name`` yields ``package`` and ``package.name``
    (which may be a module).  Relative imports and cells that are not valid
    Python (IPython magics) are skipped.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "import numpy as np\\nfrom cwp_analysis import notebook"},
    ...                 {"cell_type": "markdown", "source": "import nothing"},
    ...                 {"cell_type": "code", "source": "%matplotlib inline"}]}
    >>> notebook_imports(nb)
    ['numpy', 'cwp_analysis', 'cwp_analysis.notebook']
    """
    names: dict[str, None] = {}
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update((alias.name, None) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names[node.module] = None
                names.update((f"{node.module}.{alias.name}", None) for alias in node.names if alias.name != "*")
    return list(names)


# -- kernels started by this process -----------------------------------------------


class _KernelRegistry:
    """Kernels started by this process, so an interrupt can kill them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._managers: weakref.WeakSet = weakref.WeakSet()
        self.stopping = False

    def begin(self) -> None:
        with self._lock:
            self.stopping = False

    def launching(self, manager) -> None:
        with self._lock:
            if self.stopping:
                raise RuntimeError("the build is stopping; no new kernel is started")
            self._managers.add(manager)

    def kill_all(self) -> None:
        """Refuse new kernels and kill the running ones (with their process groups)."""
        with self._lock:
            self.stopping = True
            managers = list(self._managers)
        for manager in managers:
            provisioner = getattr(manager, "provisioner", None)
            process = getattr(provisioner, "process", None)
            if isinstance(process, ForkedKernel):
                process.kill()
                continue
            pid = getattr(provisioner, "pid", None)
            pgid = getattr(provisioner, "pgid", None)
            try:
                if pgid and hasattr(os, "killpg"):
                    os.killpg(pgid, signal.SIGKILL)
                elif pid:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass


#: The kernels of this process.
KERNELS = _KernelRegistry()


# -- the kernel manager ----------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def kernel_manager_class():
    """The kernel manager that always runs this interpreter (jupyter_client imported lazily)."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Bool, Dict, List, Unicode

    class PinnedKernelManager(AsyncKernelManager):
        """Launch ``sys.executable -m ipykernel_launcher`` whatever the kernel name.

        ``extra_env`` is added to the kernel's environment and its output
        goes to ``log_file``.  With ``fork_server`` the kernel is forked from
        :data:`SERVERS` after importing ``preload`` there; otherwise, or when
        no server can serve it, it is a fresh process.
        """

        extra_env = Dict(config=True)
        log_file = Unicode("", config=True)
        fork_server = Bool(True, config=True)
        preload = List(config=True)

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                        f"--IPKernelApp.exec_lines={json.dumps([TRACKING_LINE])}",
                    ],
                    display_name="Python 3 (ipykernel)",
                    language="python",
                    env={str(k): str(v) for k, v in self.extra_env.items()},
                    resource_dir="",
                    interrupt_mode="signal",
                )
            return self._kernel_spec

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            KERNELS.launching(self)
            env = kw.get("env") or {}
            if self.fork_server and _forkable(kernel_cmd, env):
                try:
                    process = SERVERS.spawn(args=kernel_cmd[3:], env=env, cwd=os.fspath(kw.get("cwd") or os.getcwd()),
                                            log=self.log_file, preload=list(self.preload))
                except Exception:  # noqa: BLE001 - a server problem must not fail the notebook
                    _log.warning("cannot fork a kernel, starting a fresh one", exc_info=True)
                    process = None
                if process is not None and KERNELS.stopping:  # interrupted while the server was busy
                    process.kill()
                    raise RuntimeError("the build is stopping; no new kernel is started")
                if process is not None:
                    provisioner = self.provisioner
                    provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, None
                    provisioner.cwd = kw.get("cwd")
                    self._reconcile_connection_info(provisioner.connection_info)
                    return None
                KERNELS.launching(self)  # the build may have stopped while the server was tried
            if self.log_file:
                handle = open(self.log_file, "ab")  # noqa: SIM115 - the kernel process owns it
                kw.setdefault("stdout", handle)
                kw.setdefault("stderr", handle)
                try:
                    return await super()._async_launch_kernel(kernel_cmd, **kw)
                finally:
                    handle.close()
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return PinnedKernelManager
