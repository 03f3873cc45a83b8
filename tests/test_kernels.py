"""Kernels forked from the kernel server behave exactly like fresh kernels.

Every notebook here is executed twice with
:func:`cwp_analysis.pipeline.execute.run_notebook`: once in a fresh kernel
process (``fresh_kernels=True``, the reference) and once in a kernel forked
from the server (the default), and the executed notebooks are compared as
they are published (:func:`~cwp_analysis.pipeline.site.clean_for_site`
drops only Papermill's injected cell and the timing metadata): execution
counts, streams, rich outputs, figures, glued values and warnings must be
byte-identical, and so must the files a notebook writes.  A spy on the
server checks that the forked runs really were forked.

The other tests cover what a forked kernel must survive as a fresh one
does: a module whose import prints or reads data (the server refuses to
preload it), a kernel that dies, a cell that times out, and the switch back
to fresh kernels.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from cwp_analysis.dependency_tracking import READS_EXCLUDE_ENV, READS_ROOT_ENV
from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.pipeline import kernel_server
from cwp_analysis.pipeline.cache import FileHasher, NotebookCache
from cwp_analysis.pipeline.execute import (
    OUTPUT_DIR_PARAMETER,
    NotebookTask,
    declared_parameters,
    execute_notebooks,
    run_notebook,
)
from cwp_analysis.pipeline.kernels import (
    FRESH_KERNELS_ENV,
    SERVERS,
    fresh_kernels_requested,
    kernel_environment,
    notebook_imports,
)
from cwp_analysis.pipeline.site import clean_for_site

FIXTURE = Path(__file__).parent / "fixtures" / "pipeline"


@pytest.fixture(autouse=True)
def no_servers_left():
    """Each test starts and ends without kernel servers (they would hold other tests' folders)."""
    SERVERS.shutdown()
    yield
    SERVERS.shutdown()


@pytest.fixture
def spawned(monkeypatch) -> list:
    """The kernels forked during the test (by a spy on KernelServer.spawn)."""
    forked: list = []
    original = kernel_server.KernelServer.spawn

    def spy(self, **options):
        process = original(self, **options)
        forked.append(process)
        return process

    monkeypatch.setattr(kernel_server.KernelServer, "spawn", spy)
    return forked


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def kernel_env(root: Path, scratch: Path, **extra: str) -> dict:
    """The kernel environment ``cwp build`` gives its notebooks."""
    return {
        READS_ROOT_ENV: str(root),
        READS_EXCLUDE_ENV: str(scratch),
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        **extra,
    }


def execute(source: Path, *, root: Path, scratch: Path, fresh: bool, cwd: Path | None = None, env=None,
            timeout: float | None = None):
    """Run one notebook in one kind of kernel; the outcome."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    kind = "fresh" if fresh else "forked"
    task = NotebookTask(
        name=source.stem, source=source, shown=source.name, key=kind, parameters={},
        declares_output_dir=OUTPUT_DIR_PARAMETER in declared_parameters(notebook),
        cwd=cwd or source.parent, env=env or kernel_env(root, scratch),
    )
    cache = NotebookCache(scratch / f"cache-{kind}", root)
    return run_notebook(task, cache, FileHasher(), fresh_kernels=fresh, timeout=timeout)


def published(outcome) -> dict:
    assert outcome.status == "executed", outcome.failure
    return clean_for_site(json.loads(outcome.entry.notebook.read_text(encoding="utf-8")))


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def comparable(notebook: dict) -> str:
    """The notebook as published, as text, without what differs between two fresh kernels too.

    * IPython names the file of a cell's code after the kernel's pid
      (``/tmp/ipykernel_<pid>/<hash>.py``, shown with a warning);
    * the kernel sends a cell's printed text in chunks as time passes, so a
      busy machine may split one ``stream`` output into two consecutive ones:
      they are joined here.
    """
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook.get("cells", []):
        joined: list = []
        for output in cell.get("outputs", []):
            previous = joined[-1] if joined else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
                previous["text"] = "".join(previous["text"]) + "".join(output["text"])
            else:
                joined.append(output)
        if "outputs" in cell:
            cell["outputs"] = joined
    return re.sub(r"ipykernel_\d+", "ipykernel_<pid>", json.dumps(notebook, indent=1, sort_keys=True))


def assert_same_both_ways(source: Path, *, root: Path, scratch: Path, spawned: list, **options) -> dict:
    """Execute ``source`` fresh, then forked twice; assert identical notebooks, files and reads.

    The second forked run comes from a server that has learned what the
    first one imported, and imported it before forking.
    """
    options["env"] = options.get("env") or kernel_env(root, scratch)  # one server for both forked runs
    fresh = execute(source, root=root, scratch=scratch, fresh=True, **options)
    assert spawned == [], "a fresh run was forked"
    expected = published(fresh)
    for run in (1, 2):
        forked = execute(source, root=root, scratch=scratch / f"run-{run}", fresh=False, **options)
        assert len(spawned) == 1, "the run was not forked from the kernel server"
        spawned.clear()
        got = published(forked)
        assert comparable(got) == comparable(expected), f"forked run {run}"
        assert files_under(forked.entry.outputs) == files_under(fresh.entry.outputs)
        assert forked.entry.reads == fresh.entry.reads
        # what the server's imports probed is inherited by every kernel: more probes, never fewer
        assert set(fresh.entry.absent) <= set(forked.entry.absent)
        assert set(fresh.entry.present) <= set(forked.entry.present)
        assert forked.entry.listings == fresh.entry.listings
    return got


def outputs_text(notebook: dict) -> str:
    return "".join(
        "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
        for cell in notebook["cells"] for output in cell.get("outputs", [])
    )


def probe_notebook(path: Path) -> Path:
    """A notebook that prints what a kernel's start leaves behind, and produces every kind of output."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("output_dir = '.'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, sys, warnings\n"
            "print(os.path.basename(sys.argv[0]), len(sys.argv), sys.argv[-1])\n"
            "print(sys.path)\n"
            "print(os.getcwd())\n"
            "print(hash('cwp'), hash(('a', 1)), hash(frozenset('abc')))\n"
            "print(sorted(k for k in os.environ if k.startswith(('CWP_', 'JPY_', 'PYTHON', 'MPL'))))\n"
            "print(__name__, type(get_ipython()).__name__, sys.flags)\n"
            "print(warnings.filters[:4])\n"
            "print(sys.stdout.__class__.__name__, sys.stdin is None or sys.stdin.__class__.__name__)"
        ),
        nbformat.v4.new_code_cell(
            "import matplotlib, matplotlib.pyplot as plt\n"
            "print(matplotlib.get_backend(), sorted(matplotlib.rcParams['figure.figsize']))\n"
            "fig, ax = plt.subplots(figsize=(2, 1.5))\n"
            "ax.plot([0, 1, 2], [2, 0, 1])\n"
            "ax.set_title('probe')"
        ),
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('a warning from a cell')"),
        nbformat.v4.new_code_cell(
            "import numpy as np, pandas as pd\n"
            "from IPython.display import Markdown, display\n"
            "display(Markdown('**shown**'))\n"
            "pd.DataFrame({'x': np.arange(3), 'y': list('abc')})"
        ),
        nbformat.v4.new_code_cell(
            "from myst_nb import glue\n"
            "glue('answer', 42)\n"
            "with open(os.path.join(output_dir, 'written.txt'), 'w') as handle:\n"
            "    handle.write('written by the probe')"
        ),
    ]
    nbformat.write(nb, path)
    return path


# -- byte-identical outputs --------------------------------------------------------


def test_forked_and_fresh_kernels_publish_identical_notebooks(project, tmp_path, spawned):
    probe = probe_notebook(project / "notebooks" / "00_probe.ipynb")
    got = assert_same_both_ways(probe, root=project, scratch=tmp_path / "scratch", spawned=spawned)
    text = outputs_text(got)
    # what the comparison covered is really there
    assert "ipykernel_launcher.py" in text and str(project / "notebooks") in text
    assert "module://matplotlib_inline.backend_inline" in text
    assert "a warning from a cell" in text and "UserWarning" in text
    assert any("image/png" in output.get("data", {}) for cell in got["cells"] for output in cell.get("outputs", []))
    assert any(output.get("metadata", {}).get("scrapbook", {}).get("name") == "answer"
               for cell in got["cells"] for output in cell.get("outputs", []))
    counts = [cell.get("execution_count") for cell in got["cells"] if cell["cell_type"] == "code"]
    assert counts == [1, 3, 4, 5, 6, 7]  # 2 was the injected cell

    for name in ("01_counts", "02_words"):
        got = assert_same_both_ways(project / "notebooks" / f"{name}.ipynb", root=project,
                                    scratch=tmp_path / f"scratch-{name}", spawned=spawned)
        assert "words" in outputs_text(got) or "total 12 over 3 labels" in outputs_text(got)


@pytest.mark.slow
def test_a_real_chapter_is_identical_in_a_forked_kernel(tmp_path, spawned):
    """``notebooks/03_engagement.ipynb`` (tables, figures, glued values), executed in place, read-only."""
    source = REPO_ROOT / "notebooks" / "03_engagement.ipynb"
    got = assert_same_both_ways(source, root=REPO_ROOT, scratch=tmp_path, spawned=spawned,
                                cwd=REPO_ROOT / "notebooks")
    glued = [key for cell in got["cells"] for output in cell.get("outputs", []) for key in output.get("data", {})]
    assert "application/papermill.record/image/png" in glued  # the figures, glued for the book


# -- modules a server must not preload ---------------------------------------------------


def test_a_module_that_prints_or_reads_data_on_import_is_imported_by_the_kernel_itself(project, tmp_path, spawned,
                                                                                       monkeypatch):
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "noisy_module.py").write_text("print('noisy_module was imported')\n", encoding="utf-8")
    (modules / "reading_module.py").write_text(
        "import os\nwith open(os.path.join(os.environ['CWP_READS_ROOT'], 'data', 'words.txt')) as f:\n"
        "    WORDS = f.read().split()\n", encoding="utf-8")
    (modules / "writing_module.py").write_text(
        "import os\nwith open(os.path.join(os.environ['CWP_READS_ROOT'], 'imported.txt'), 'a') as f:\n"
        "    f.write('imported\\n')\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import noisy_module\nimport reading_module\nimport writing_module\nprint(len(reading_module.WORDS))")]
    source = project / "notebooks" / "00_imports.ipynb"
    nbformat.write(nb, source)
    started: list = []
    original_init = kernel_server.KernelServer.__init__

    def recording_init(self, env, cwd, preload, exclude=()):
        started.append(sorted(exclude))
        original_init(self, env, cwd, preload, exclude)

    monkeypatch.setattr(kernel_server.KernelServer, "__init__", recording_init)
    env = kernel_env(project, tmp_path / "scratch", PYTHONPATH=str(modules))
    got = assert_same_both_ways(source, root=project, scratch=tmp_path / "scratch", spawned=spawned, env=env)
    assert "noisy_module was imported\n4\n" in outputs_text(got)
    # the first server preloaded them and refused; the next ones left them to the kernels
    assert started == [[], ["noisy_module", "reading_module", "writing_module"]]
    # each kernel (one fresh, two forked) wrote its line; the refused server's import wrote one more
    assert (project / "imported.txt").read_text(encoding="utf-8") == "imported\n" * 4
    entry = json.loads(next((tmp_path / "scratch" / "run-2" / "cache-forked" / "entries" / "00_imports").glob("*.json"))
                       .read_text(encoding="utf-8"))
    assert "data/words.txt" in entry["reads"]


def test_the_server_learns_what_its_kernels_imported(project, tmp_path, spawned):
    """A module only a library function imports (so no notebook names it) is imported once, by the server."""
    modules, counter = tmp_path / "modules", tmp_path / "imports.log"
    modules.mkdir()
    (modules / "lazy_dependency.py").write_text(
        f"with open({str(counter)!r}, 'a') as log:\n    log.write('imported\\n')\nVALUE = 7\n", encoding="utf-8")
    env = kernel_env(project, tmp_path / "scratch", PYTHONPATH=str(modules))
    outputs = []
    for number in range(3):
        source = project / "notebooks" / f"0{number}_lazy.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(
            "import importlib\n"  # as a library function would import it: no import statement names it
            "print(importlib.import_module('lazy_' + 'dependency').VALUE * 6)")]
        nbformat.write(nb, source)
        outcome = execute(source, root=project, scratch=tmp_path / "scratch", fresh=False, env=env)
        outputs.append(outputs_text(published(outcome)))
    assert outputs == ["42\n"] * 3 and len(spawned) == 3
    # the first kernel imported it, then the server (after that kernel exited), and no kernel since
    assert counter.read_text(encoding="utf-8") == "imported\n" * 2


# -- failures ----------------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def wait_dead(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


@pytest.mark.parametrize("fresh", [False, True])
def test_a_kernel_that_dies_fails_its_notebook_the_same_way(project, tmp_path, spawned, fresh):
    pid_file = tmp_path / "kernel.pid"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell(f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\nos._exit(3)"),
        nbformat.v4.new_code_cell("y = 2"),
    ]
    source = project / "notebooks" / "00_dies.ipynb"
    nbformat.write(nb, source)
    outcome = execute(source, root=project, scratch=tmp_path / "scratch", fresh=fresh)
    assert outcome.status == "failed"
    assert outcome.failure.cell_index == 1 and outcome.failure.error.startswith("DeadKernelError")
    assert len(spawned) == (0 if fresh else 1)
    assert wait_dead(int(pid_file.read_text()))


def test_a_cell_that_times_out_fails_and_its_forked_kernel_is_killed(project, tmp_path, spawned):
    pid_file = tmp_path / "kernel.pid"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)")]
    source = project / "notebooks" / "00_sleeps.ipynb"
    nbformat.write(nb, source)
    outcome = execute(source, root=project, scratch=tmp_path / "scratch", fresh=False, timeout=3)
    assert outcome.status == "failed" and len(spawned) == 1
    assert outcome.failure.cell_index == 0 and "Timeout" in outcome.failure.error
    assert wait_dead(int(pid_file.read_text()))


# -- choosing and starting servers ----------------------------------------------------------


def test_fresh_kernels_on_request(project, tmp_path, spawned, monkeypatch):
    monkeypatch.setenv(FRESH_KERNELS_ENV, "1")
    assert fresh_kernels_requested()
    outcome = execute(project / "notebooks" / "02_words.ipynb", root=project, scratch=tmp_path, fresh=None)
    assert outcome.status == "executed" and spawned == []
    monkeypatch.delenv(FRESH_KERNELS_ENV)
    env = kernel_env(project, tmp_path, PYTHONHASHSEED="random")  # forks could not reproduce random hashing
    outcome = execute(project / "notebooks" / "02_words.ipynb", root=project, scratch=tmp_path, fresh=None, env=env)
    assert outcome.status == "executed" and spawned == []


def test_one_server_started_ahead_serves_every_notebook_of_a_build(project, tmp_path, spawned, monkeypatch):
    servers: list = []
    original_init = kernel_server.KernelServer.__init__

    def recording_init(self, env, cwd, preload, exclude=()):
        servers.append(list(preload))
        original_init(self, env, cwd, preload, exclude)

    monkeypatch.setattr(kernel_server.KernelServer, "__init__", recording_init)
    env = kernel_env(project, tmp_path)
    tasks = []
    for path in sorted((project / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        tasks.append(NotebookTask(path.stem, path, path.name, "k", {}, OUTPUT_DIR_PARAMETER in declared_parameters(
            notebook), project / "notebooks", env))
    cpu_before = kernel_server.forked_kernels_cpu_seconds()
    outcomes = execute_notebooks(tasks, NotebookCache(tmp_path / "cache", project), FileHasher(), jobs=2)
    assert sorted(o.status for o in outcomes) == ["executed", "executed"]
    assert len(spawned) == 2 and len(servers) == 1
    # the kernels' CPU time, which the server (their parent) reaped, is reported here
    assert all(process.cpu_seconds > 0 for process in spawned)
    assert kernel_server.forked_kernels_cpu_seconds() - cpu_before == pytest.approx(
        sum(process.cpu_seconds for process in spawned))
    # started before the first notebook, with 01_counts's imports; the environment predicted for it
    # is the one the kernels were launched with, or a second server would have started
    assert "pandas" in servers[0]


def test_notebook_imports_lists_modules_and_candidate_submodules():
    nb = {"cells": [
        {"cell_type": "code", "source": ["import os, numpy as np\n", "from cwp_analysis import notebook as nb\n"]},
        {"cell_type": "code", "source": "def f():\n    from scipy import stats\n    from . import local\n"},
        {"cell_type": "code", "source": "!pip list"},
        {"cell_type": "markdown", "source": "import markdown_only"},
    ]}
    assert notebook_imports(nb) == ["os", "numpy", "cwp_analysis", "cwp_analysis.notebook", "scipy", "scipy.stats"]


def test_server_key_ignores_only_per_kernel_variables(tmp_path):
    base = {"PYTHONHASHSEED": "0", "CWP_READS_FILE": "/a/reads.json", "JPY_PARENT_PID": "1"}
    key = kernel_server.server_key(base, tmp_path)
    assert kernel_server.server_key({**base, "CWP_READS_FILE": "/b/reads.json", "JPY_PARENT_PID": "2"}, tmp_path) == key
    assert kernel_server.server_key({**base, "CWP_DATA_DIR": "/elsewhere"}, tmp_path) != key
    assert kernel_server.server_key(base, tmp_path / "other") != key
    assert kernel_environment({"A": "1"}, base={"PYTHONEXECUTABLE": "x", "B": "2"}) == {"A": "1", "B": "2"}


def test_a_replaced_server_lets_its_running_kernels_finish(project, tmp_path, spawned, monkeypatch):
    """The package changing during a build replaces the server, but kernels already forked run on."""
    servers: list = []
    original_init = kernel_server.KernelServer.__init__
    checks = {"count": 0}

    def recording_init(self, env, cwd, preload, exclude=()):
        servers.append(self)
        original_init(self, env, cwd, preload, exclude)

    def stale_from_the_second_kernel(self):
        checks["count"] += 1
        return checks["count"] == 2  # as if a library file changed after the first kernel was forked

    monkeypatch.setattr(kernel_server.KernelServer, "__init__", recording_init)
    monkeypatch.setattr(kernel_server.KernelServer, "stale", stale_from_the_second_kernel)
    env = kernel_env(project, tmp_path)
    tasks = []
    for name in ("a", "b"):
        path = project / "notebooks" / f"00_{name}.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(f"import time\ntime.sleep(4)\nprint('{name} done')")]
        nbformat.write(nb, path)
        tasks.append(NotebookTask(path.stem, path, path.name, "k", {}, False, project / "notebooks", env))
    outcomes = execute_notebooks(tasks, NotebookCache(tmp_path / "cache", project), FileHasher(), jobs=2)
    assert [o.status for o in outcomes] == ["executed", "executed"], [o.failure for o in outcomes]
    assert len(spawned) == 2 and len(servers) == 2
    first, second = servers
    assert first.retired and second.alive
    deadline = time.monotonic() + 30
    while first.alive and time.monotonic() < deadline:  # it exits once its kernel has
        time.sleep(0.1)
    assert not first.alive and first._process.returncode == 0
