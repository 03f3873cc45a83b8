"""Tests of the build pipeline (``cwp build``) on a tiny fixture project.

The fixture (``tests/fixtures/pipeline/``, see its README) is copied to a
temporary folder for every test, and every pipeline path is given
explicitly, so no test touches the real notebooks, book, cache or site.
Tests that start kernels take a few seconds each; the one that builds a
real Jupyter Book is marked ``slow``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock

from cwp_analysis.cli import main as cli_main
from cwp_analysis.dependency_tracking import READS_FILE_ENV, ReadTracker, load_reads, track_reads
from cwp_analysis.pipeline import BookBuildFailed, NotebookFailed, build
from cwp_analysis.pipeline.cache import (
    FileHasher,
    NotebookCache,
    notebook_source_digest,
    sha256_file,
    static_key,
    tree_digest,
)
from cwp_analysis.pipeline.execute import declared_parameters
from cwp_analysis.pipeline.site import _problems, replace_directory

FIXTURE = Path(__file__).parent / "fixtures" / "pipeline"
REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def paths(project: Path) -> dict:
    return {
        "repo_root": project,
        "notebooks_dir": project / "notebooks",
        "book_dir": project / "book",
        "out_dir": project / "site",
        "cache_dir": project / ".cwp-cache",
        "outputs_dir": project / "outputs",
        "package_dir": project / "package",
        "lock_file": project / "requirements.lock",
    }


def run_build(project: Path, **options):
    options = {**paths(project), "jobs": 2, "progress": False, "log": lambda message: None, "build_book": False,
               **options}
    return build(**options)


def fake_site(project: Path) -> str:
    """A previously published site; returns the digest of its whole tree."""
    site = project / "site"
    (site / "notebooks").mkdir(parents=True)
    (site / "index.html").write_text("<html>previous site</html>\n", encoding="utf-8")
    (site / "notebooks" / "01_counts.html").write_text("<html>old chapter</html>\n", encoding="utf-8")
    return site_digest(site)


def site_digest(site: Path) -> str:
    return tree_digest(site, skip_dirs=(), skip_hidden=False, skip_suffixes=())


def entry_json(project: Path, name: str) -> dict:
    files = sorted((project / ".cwp-cache" / "entries" / name).glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return json.loads(files[-1].read_text(encoding="utf-8"))


def stream_text(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "".join(
        "".join(out.get("text", ""))
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )


# -- cache keys --------------------------------------------------------------------


def test_source_digest_ignores_run_products_but_not_source():
    nb = json.loads((FIXTURE / "notebooks" / "02_words.ipynb").read_text(encoding="utf-8"))
    base = notebook_source_digest(nb)
    ran = json.loads(json.dumps(nb))
    code = next(c for c in ran["cells"] if c["cell_type"] == "code" and "open(" in "".join(c["source"]))
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "4 words\n"}]
    code["execution_count"] = 7
    code["metadata"]["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    ran["metadata"]["papermill"] = {"duration": 3.2}
    assert notebook_source_digest(ran) == base

    edited_markdown = json.loads(json.dumps(nb))
    edited_markdown["cells"][0]["source"] = "# Words, renamed"
    assert notebook_source_digest(edited_markdown) != base

    tagged = json.loads(json.dumps(nb))
    tagged["cells"][2]["metadata"]["tags"] = ["remove-input"]
    assert notebook_source_digest(tagged) != base


def test_static_key_changes_with_each_input_and_only_then():
    base = {"source_digest": "s", "parameters": {"alpha": 0.05}, "package_digest": "p", "lock_digest": "l"}
    key = static_key(**base)
    assert static_key(**base) == key
    assert static_key(**{**base, "parameters": {"alpha": 0.05}}) == key
    variants = [
        {**base, "source_digest": "s2"},
        {**base, "parameters": {"alpha": 0.1}},
        {**base, "parameters": {"alpha": 0.05, "data_path": "/x.csv"}},
        {**base, "package_digest": "p2"},
        {**base, "lock_digest": "l2"},
        {**base, "environment": {"CWP_DATA_DIR": "/elsewhere"}},
    ]
    keys = {static_key(**variant) for variant in variants}
    assert len(keys) == len(variants) and key not in keys


def test_declared_parameters_of_fixture_notebooks():
    counts = json.loads((FIXTURE / "notebooks" / "01_counts.ipynb").read_text(encoding="utf-8"))
    words = json.loads((FIXTURE / "notebooks" / "02_words.ipynb").read_text(encoding="utf-8"))
    assert declared_parameters(counts) == {
        "data_path", "labels_path", "output_dir", "alpha", "suppression_threshold", "seed"
    }
    assert declared_parameters(words) == {"words_path", "alpha", "seed"}


# -- dependency tracking without a kernel ------------------------------------------


def test_read_tracker_records_only_data_reads(tmp_path):
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "excluded").mkdir()
    outside = tmp_path / "elsewhere.csv"
    for path in (root / "data" / "a.csv", root / "data" / "b.csv", root / ".hidden" / "c.csv",
                 root / "excluded" / "d.csv", outside, tmp_path / "not_included.csv"):
        path.write_text("x\n", encoding="utf-8")
    tracker = ReadTracker(tmp_path / "reads.json", root=root, include=[outside], exclude=[root / "excluded"])
    tracker.observe(str(root / "data" / "a.csv"), "r", 0)
    tracker.observe(os.fsencode(root / "data" / "b.csv"), None, os.O_RDONLY)
    tracker.observe(str(root / "data" / "written.csv"), "w", 0)
    tracker.observe(str(root / "data" / "written.csv"), "r", 0)
    tracker.observe(str(root / ".hidden" / "c.csv"), "r", 0)
    tracker.observe(str(root / "excluded" / "d.csv"), "rb", 0)
    tracker.observe(str(outside), "rb", 0)
    tracker.observe(str(tmp_path / "not_included.csv"), "r", 0)
    tracker.observe(str(root / "data"), None, os.O_RDONLY)  # a folder, not a file
    tracker.observe(3, "r", 0)  # a file descriptor
    expected = sorted(["data/a.csv", "data/b.csv", str(outside.resolve())])
    assert [read.path for read in tracker.reads()] == expected
    tracker.write()
    assert [read.path for read in load_reads(tmp_path / "reads.json")] == expected
    assert {read.size for read in load_reads(tmp_path / "reads.json")} == {2}


def test_track_reads_without_a_record_file_does_nothing(monkeypatch):
    """A notebook run by hand in JupyterLab: no CWP_READS_FILE, no error, no tracking."""
    monkeypatch.delenv(READS_FILE_ENV, raising=False)
    assert track_reads() is None
    assert track_reads(extra_paths=["data/x.csv"]) is None


# -- cache entries without a kernel --------------------------------------------------


def test_cache_entry_is_reused_only_while_its_reads_are_unchanged(tmp_path):
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    data = root / "data" / "x.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    cache = NotebookCache(tmp_path / "cache", root)
    work = cache.new_work_dir("nb")
    (work / "executed.ipynb").write_text('{"cells": []}\n', encoding="utf-8")
    cache.commit("nb", "k1", work, content_sha256="c", reads={"data/x.csv": sha256_file(data)}, tracked=True, seconds=1)
    assert cache.lookup("nb", "k1", FileHasher()).reads == {"data/x.csv": sha256_file(data)}
    assert cache.lookup("nb", "k2", FileHasher()) is None
    data.write_text("a\n2\n", encoding="utf-8")
    assert cache.lookup("nb", "k1", FileHasher()) is None

    for name, reads, tracked in (("changed", {"data/x.csv": None}, True), ("untracked", {}, False)):
        work = cache.new_work_dir(name)
        (work / "executed.ipynb").write_text("{}\n", encoding="utf-8")
        cache.commit(name, "k", work, content_sha256="c", reads=reads, tracked=tracked, seconds=1)
        assert cache.lookup(name, "k", FileHasher()) is None

    # an execution interrupted before its entry was written leaves no entry, and is collected
    orphan = cache.new_work_dir("nb")
    (orphan / "executed.ipynb").write_text("{}\n", encoding="utf-8")
    os.replace(orphan, cache.object_dir(orphan.name))
    cache.collect_garbage()
    assert not cache.object_dir(orphan.name).exists()
    assert (cache.root / "entries" / "nb" / "k1.json").is_file()


def test_replace_directory_into_an_empty_place_and_over_an_old_one(tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    (new / "index.html").write_text("one", encoding="utf-8")
    replace_directory(new, tmp_path / "out" / "html")
    assert (tmp_path / "out" / "html" / "index.html").read_text(encoding="utf-8") == "one"
    newer = tmp_path / "newer"
    newer.mkdir()
    (newer / "index.html").write_text("two", encoding="utf-8")
    replace_directory(newer, tmp_path / "out" / "html")
    assert (tmp_path / "out" / "html" / "index.html").read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["html"]


def test_sphinx_warnings_are_mapped_back_to_source_paths():
    log = (
        "Running Sphinx v7.4.7\n"
        "/tmp/stage/src/intro.md:5: WARNING: undefined label: 'nowhere' [ref.ref]\n"
        "\x1b[91m/tmp/stage/src/notebooks/01_counts.ipynb:2: WARNING: image file not readable\x1b[39;49;00m\n"
        "build finished with problems, 2 warnings.\n"
    )
    shown = {"/tmp/stage/src/notebooks/": "notebooks/", "/tmp/stage/src/": "book/"}
    assert _problems(log, shown) == [
        "book/intro.md:5: WARNING: undefined label: 'nowhere' [ref.ref]",
        "notebooks/01_counts.ipynb:2: WARNING: image file not readable",
    ]


def test_notebook_failed_message_is_one_line():
    error = NotebookFailed("notebooks/03_fails.ipynb", 3, "'ratio = x / 0'", "ZeroDivisionError: division by zero",
                           Path("/c/failed/03_fails.ipynb"), ".cwp-cache/failed/03_fails.ipynb")
    error.add_others(["notebooks/04_other.ipynb"])
    assert str(error) == (
        "notebook notebooks/03_fails.ipynb failed in cell 3 ('ratio = x / 0'): ZeroDivisionError: division by zero; "
        "executed copy kept at .cwp-cache/failed/03_fails.ipynb; also failed: notebooks/04_other.ipynb"
    )
    assert error.exit_code == 1 and "\n" not in str(error)


def test_no_notebook_starts_after_a_failure_unless_keep_going(tmp_path, monkeypatch):
    """The scheduling rule, with a stand-in for Papermill: one job, the first notebook fails."""
    from cwp_analysis.pipeline import execute

    started: list[str] = []

    def fake_run(task, cache, hasher, *, timeout=None, stop=None):
        if stop is not None and stop.is_set():
            return execute.ExecutionOutcome(task.name, "skipped")
        started.append(task.name)
        if task.name == "a":
            failure = NotebookFailed(task.shown, 1, "", "ValueError: bad", None)
            return execute.ExecutionOutcome(task.name, "failed", failure=failure)
        return execute.ExecutionOutcome(task.name, "executed")

    monkeypatch.setattr(execute, "run_notebook", fake_run)
    tasks = [
        execute.NotebookTask(name, tmp_path / f"{name}.ipynb", f"{name}.ipynb", "k", {}, False, tmp_path)
        for name in ("a", "b", "c")
    ]
    cache = NotebookCache(tmp_path / "cache", tmp_path)
    stopped = execute.execute_notebooks(tasks, cache, FileHasher(), jobs=1)
    assert started == ["a"] and [o.status for o in stopped] == ["failed", "skipped", "skipped"]
    started.clear()
    kept_going = execute.execute_notebooks(tasks, cache, FileHasher(), jobs=1, keep_going=True)
    assert started == ["a", "b", "c"] and [o.status for o in kept_going] == ["failed", "executed", "executed"]


# -- builds that start no kernel -------------------------------------------------------


def test_invalid_data_file_exits_2_and_touches_nothing(project, capsys):
    before = fake_site(project)
    bad = project / "bad_survey.csv"
    bad.write_text("respondent_id;age_band\nR1;2\n", encoding="utf-8")
    bad_bytes = bad.read_bytes()
    status = cli_main([
        "build", "--data", str(bad), "--notebooks", str(project / "notebooks"), "--book", str(project / "book"),
        "--out", str(project / "site"), "--cache-dir", str(project / ".cwp-cache"),
        "--outputs", str(project / "outputs"), "--no-progress",
    ])
    assert status == 2
    assert "column 'ethnicity' is missing" in capsys.readouterr().err
    assert site_digest(project / "site") == before
    assert not (project / ".cwp-cache").exists() and not (project / "outputs").exists()
    assert bad.read_bytes() == bad_bytes


def test_second_build_waits_for_the_lock(project):
    (project / "empty").mkdir()
    lock = FileLock(str(project / ".cwp-cache" / "build.lock"))
    (project / ".cwp-cache").mkdir()
    waiting = threading.Event()
    messages: list[str] = []
    results = []

    def log(message):
        messages.append(message)
        if "waiting for another build" in message:
            waiting.set()

    lock.acquire()
    try:
        worker = threading.Thread(
            target=lambda: results.append(run_build(project, notebooks_dir=project / "empty", log=log))
        )
        worker.start()
        assert waiting.wait(timeout=60), messages
        assert results == []  # still waiting while the lock is held
    finally:
        lock.release()
    worker.join(timeout=60)
    assert len(results) == 1 and results[0].executed == () and results[0].cached == ()


# -- builds that execute the fixture notebooks --------------------------------------------


def test_cache_cycle_reexecutes_exactly_what_changed(project):
    first = run_build(project)
    assert first.executed == ("01_counts", "02_words") and first.cached == ()
    # the dependency tracker saw the CSV read by pandas and the text file read by open()
    assert sorted(entry_json(project, "01_counts")["reads"]) == ["data/counts.csv", "data/labels.txt"]
    assert sorted(entry_json(project, "02_words")["reads"]) == ["data/words.txt"]
    # the kernel is this interpreter, and the notebook computed from the data
    counts_object = project / ".cwp-cache" / "objects" / entry_json(project, "01_counts")["object"]
    output = stream_text(counts_object / "executed.ipynb")
    assert "total 12 over 3 labels" in output and sys.executable in output
    # what the notebook wrote to its output_dir is gathered
    assert (project / "outputs" / "tables" / "counts.csv").read_text(encoding="utf-8") == (
        (project / "data" / "counts.csv").read_text(encoding="utf-8")
    )
    content_before = {name: entry_json(project, name)["content_sha256"] for name in ("01_counts", "02_words")}

    second = run_build(project)
    assert second.executed == () and second.cached == ("01_counts", "02_words")

    (project / "data" / "words.txt").write_text("one two three four five\n", encoding="utf-8")
    third = run_build(project)
    assert third.executed == ("02_words",) and third.cached == ("01_counts",)
    words_object = project / ".cwp-cache" / "objects" / entry_json(project, "02_words")["object"]
    assert "5 words" in stream_text(words_object / "executed.ipynb")

    # a parameter only 01 declares, and a markdown edit in 02: each re-executes its notebook
    relabelled = project / "data" / "other_labels.txt"
    relabelled.write_text("x y\n", encoding="utf-8")
    words_nb = nbformat.read(project / "notebooks" / "02_words.ipynb", as_version=4)
    words_nb.cells[0].source += "\n\nAn added sentence."
    nbformat.write(words_nb, project / "notebooks" / "02_words.ipynb")
    fourth = run_build(project, parameters={"labels_path": str(relabelled)})
    assert fourth.executed == ("01_counts", "02_words")
    assert "total 12 over 2 labels" in stream_text(
        project / ".cwp-cache" / "objects" / entry_json(project, "01_counts")["object"] / "executed.ipynb"
    )
    fifth = run_build(project, parameters={"labels_path": str(relabelled)})
    assert fifth.executed == ()

    # back to the first build's inputs: re-executing them publishes byte-identical notebooks
    (project / "data" / "words.txt").write_text("one two three four\n", encoding="utf-8")
    shutil.copy(FIXTURE / "notebooks" / "02_words.ipynb", project / "notebooks" / "02_words.ipynb")
    forced = run_build(project, force=True)
    assert forced.executed == ("01_counts", "02_words")
    assert {name: entry_json(project, name)["content_sha256"] for name in content_before} == content_before


def test_failing_notebook_stops_the_build_and_keeps_the_site(project):
    before = fake_site(project)
    shutil.copy(FIXTURE / "extras" / "03_fails.ipynb", project / "notebooks" / "00_fails.ipynb")
    with pytest.raises(NotebookFailed) as caught:
        run_build(project, jobs=1, build_book=True)
    error = caught.value
    message = str(error)
    assert "00_fails.ipynb" in message
    assert error.cell_index == 3 and "cell 3 ('# divide by zero on purpose')" in message
    assert "ZeroDivisionError: division by zero" in message
    assert "failed/00_fails.ipynb" in message and "\n" not in message
    kept = project / ".cwp-cache" / "failed" / "00_fails.ipynb"
    assert error.failed_copy == kept and "ZeroDivisionError" in kept.read_text(encoding="utf-8")
    # with one job, nothing was started after the failure, and nothing was committed
    assert not (project / ".cwp-cache" / "entries").exists()
    assert site_digest(project / "site") == before


def test_interrupted_build_leaves_cache_and_site_consistent(project):
    before = fake_site(project)
    sleeper = nbformat.v4.new_notebook()
    sleeper.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sleeper.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(600)")]
    nbformat.write(sleeper, project / "notebooks" / "00_sleeps.ipynb")
    (project / "notebooks" / "01_counts.ipynb").unlink()
    (project / "notebooks" / "02_words.ipynb").unlink()
    command = [
        sys.executable, "-m", "cwp_analysis", "build", "--notebooks", str(project / "notebooks"),
        "--book", str(project / "book"), "--out", str(project / "site"),
        "--cache-dir", str(project / ".cwp-cache"), "--outputs", str(project / "outputs"), "--no-progress",
    ]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tmp = project / ".cwp-cache" / "tmp"
        deadline = time.monotonic() + 240
        # the kernel is running once its dependency tracker has written its first record
        while not list(tmp.glob("00_sleeps-*/reads.json")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "interrupted" in err
    assert list(tmp.glob("00_sleeps-*")) == []
    assert not list((project / ".cwp-cache").glob("entries/*/*.json"))
    assert site_digest(project / "site") == before

    # the next build completes on the same cache
    (project / "notebooks" / "00_sleeps.ipynb").unlink()
    shutil.copy(FIXTURE / "notebooks" / "02_words.ipynb", project / "notebooks" / "02_words.ipynb")
    assert run_build(project).executed == ("02_words",)


# -- the real book ----------------------------------------------------------------------


@pytest.mark.slow
def test_book_is_built_strictly_published_atomically_and_skipped_when_unchanged(project):
    first = run_build(project, build_book=True)
    site = project / "site"
    assert first.site_rebuilt and first.executed == ("01_counts", "02_words")
    assert first.summary(relative_to=project).startswith("built site: 2 notebooks (2 executed, 0 cached) in ")
    chapter = (site / "notebooks" / "01_counts.html").read_text(encoding="utf-8")
    assert "total 12 over 3 labels" in chapter
    published = (site / "_sources" / "notebooks" / "01_counts.ipynb").read_text(encoding="utf-8")
    assert "injected-parameters" not in published and "papermill" not in published
    assert str(project / ".cwp-cache") not in published
    published_site = site_digest(site)

    second = run_build(project, build_book=True)
    assert not second.site_rebuilt and second.executed == ()
    assert second.summary(relative_to=project).startswith("up to date site: 2 notebooks (0 executed, 2 cached)")
    assert site_digest(site) == published_site

    intro = project / "book" / "intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\nSee {ref}`a-label-that-does-not-exist`.\n",
                     encoding="utf-8")
    with pytest.raises(BookBuildFailed) as caught:
        run_build(project, build_book=True)
    message = str(caught.value)
    assert "intro.md" in message and "a-label-that-does-not-exist" in message and "WARNING" in message
    assert site_digest(site) == published_site
    assert not list((project / ".cwp-cache" / "tmp").glob("site-*"))
