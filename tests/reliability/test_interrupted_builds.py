"""Builds that fail, are interrupted, or run twice at once, at the command line.

``tests/test_pipeline.py`` checks these guarantees on the pipeline API with a
stand-in site; here ``cwp build`` runs as a user runs it (in-process through
the CLI, or as a subprocess receiving Ctrl-C) against a previously built
fixture site, and the test checks everything a user relies on afterwards:

* a notebook failing in the middle of a build: exit status 1, one message
  naming the notebook and the cell, the executed copy kept, the published
  site and outputs untouched, the notebooks that finished kept in the cache;
* Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while
  a kernel is executing: exit status 130, no kernel left running, the site
  untouched, the cache consistent, and the next build completes;
* two builds started at once: both succeed, one waits for the other's
  lock, the site is valid and the cache consistent.

All of them start kernels and build the fixture book, hence ``slow``.  The
expectations about what is cached assume that the ``cwp_analysis`` package
does not change during the test session: its digest is part of every cache
key, so editing it while the tests run rightly makes every notebook run again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cwp_analysis.cli import main
from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.pipeline.cache import sha256_file
from tests.reliability.test_bad_input import FIXTURE, build_args, built_fixture_project, copy_project, tree

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path_factory, tmp_path) -> Path:
    """A copy of the fixture project with its site, outputs and cache already built."""
    return copy_project(built_fixture_project(tmp_path_factory), tmp_path / "project")


def assert_cache_consistent(cache: Path) -> list[dict]:
    """Every entry points at an intact executed notebook; nothing half-written is left.

    Returns the entries.
    """
    entries = []
    for path in sorted((cache / "entries").glob("*/*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        executed = cache / "objects" / entry["object"] / "executed.ipynb"
        assert executed.is_file(), path
        assert sha256_file(executed) == entry["notebook_sha256"], path
        assert entry["name"] == path.parent.name and entry["key"] == path.stem
        entries.append(entry)
    assert not list((cache / "entries").glob("*/.*.tmp"))
    assert not (cache / "tmp").exists() or list((cache / "tmp").iterdir()) == []
    return entries


def cli_subprocess(project: Path, *extra: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cwp_analysis", *build_args(project, *extra)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options,
    )


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_the_fixture_copy_is_up_to_date(project, capsys):
    """The premise of the tests below: copying the built project keeps its cache valid."""
    before = tree(project / "site")
    assert main(build_args(project)) == 0
    assert capsys.readouterr().out.startswith("up to date ")
    assert tree(project / "site") == before


def test_a_notebook_failing_mid_build(project, capsys):
    site, outputs = tree(project / "site"), tree(project / "outputs")
    (project / "data" / "words.txt").write_text("one two three four five six\n", encoding="utf-8")
    shutil.copy(FIXTURE / "extras" / "03_fails.ipynb", project / "notebooks" / "02b_fails.ipynb")

    assert main(build_args(project, "--jobs", "2")) == 1
    out, err = capsys.readouterr()
    assert out == ""
    message = err.rstrip("\n").split("\n")[-1]
    assert message.startswith("cwp build: error: notebook ") and "02b_fails.ipynb failed in cell 3" in message
    assert "('# divide by zero on purpose'): ZeroDivisionError: division by zero" in message
    kept = project / ".cwp-cache" / "failed" / "02b_fails.ipynb"
    assert str(kept) in message or "failed/02b_fails.ipynb" in message
    assert "ZeroDivisionError" in kept.read_text(encoding="utf-8")
    assert tree(project / "site") == site and tree(project / "outputs") == outputs
    # the notebook that ran beside the failing one finished and was kept; the failing one was not
    entries = assert_cache_consistent(project / ".cwp-cache")
    assert sorted(e["name"] for e in entries) == ["01_counts", "02_words"]
    words = next(e for e in entries if e["name"] == "02_words")
    assert words["reads"] == {"data/words.txt": sha256_file(project / "data" / "words.txt")}

    (project / "notebooks" / "02b_fails.ipynb").unlink()
    assert main(build_args(project)) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("built ") and "(0 executed, 2 cached)" in out
    assert "6 words" in (project / "site" / "notebooks" / "02_words.html").read_text(encoding="utf-8")


def test_ctrl_c_while_a_kernel_executes(project, tmp_path):
    site, outputs = tree(project / "site"), tree(project / "outputs")
    pid_file = tmp_path / "kernel.pid"
    sleeper = nbformat.v4.new_notebook()
    sleeper.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sleeper.cells = [nbformat.v4.new_code_cell(
        f"import os, pathlib, time\npathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\ntime.sleep(600)")]
    nbformat.write(sleeper, project / "notebooks" / "00_sleeps.ipynb")

    process = cli_subprocess(project, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not (pid_file.is_file() and pid_file.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.2)
        kernel = int(pid_file.read_text())
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, err
    assert err.rstrip("\n").split("\n")[-1] == "cwp build: interrupted" and out == ""
    deadline = time.monotonic() + 60
    while alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(kernel), "the kernel outlived the interrupted build"
    assert tree(project / "site") == site and tree(project / "outputs") == outputs
    assert sorted(e["name"] for e in assert_cache_consistent(project / ".cwp-cache")) == ["01_counts", "02_words"]

    (project / "notebooks" / "00_sleeps.ipynb").unlink()
    finished = cli_subprocess(project)
    out, err = finished.communicate(timeout=600)
    assert finished.returncode == 0, err
    assert out.startswith("up to date ") and "(0 executed, 2 cached)" in out
    assert tree(project / "site") == site


def test_two_builds_at_once(project):
    (project / "data" / "words.txt").write_text("one two three four five six\n", encoding="utf-8")
    first, second = cli_subprocess(project), cli_subprocess(project)
    results = [process.communicate(timeout=600) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results
    summaries = sorted(out.strip().split("\n")[-1] for out, _ in results)
    assert summaries[0].startswith("built ") and "(1 executed, 1 cached)" in summaries[0], summaries
    assert summaries[1].startswith("up to date ") and "(0 executed, 2 cached)" in summaries[1], summaries
    assert sum("waiting for another build to finish" in err for _, err in results) == 1

    site = project / "site"
    assert (site / "index.html").is_file()
    assert "6 words" in (site / "notebooks" / "02_words.html").read_text(encoding="utf-8")
    assert "total 12 over 3 labels" in (site / "notebooks" / "01_counts.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in site.parent.iterdir() if p.name.startswith("site")) == ["site"]
    assert_cache_consistent(project / ".cwp-cache")
    assert main(build_args(project)) == 0
