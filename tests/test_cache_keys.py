"""Cache keys that miss nothing: what must make a notebook run again, or the site be rebuilt.

* The site digest covers the lock files and the installed package versions,
  besides the book sources and the executed notebooks.
* A notebook that probed a path that did not exist (``Path.exists()``, an
  ``open`` in ``try``/``except``) runs again once it exists; one that listed
  a folder runs again once a file is added or removed there.  Nothing else
  makes it run again.

The build tests work on a copy of ``tests/fixtures/pipeline`` with extra
notebooks written here; every path is given to :func:`build` explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from cwp_analysis.dependency_record import ReadTracker, listing_digest, load_record
from cwp_analysis.dependency_tracking import _caller_ignored
from cwp_analysis.pipeline import build
from cwp_analysis.pipeline import site as site_module
from cwp_analysis.pipeline.cache import FileHasher, NotebookCache
from cwp_analysis.pipeline.site import build_digest, default_lock_files, installed_versions_digest, read_marker

FIXTURE = Path(__file__).parent / "fixtures" / "pipeline"


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root)
    return root


def run_build(project: Path, **options):
    return build(
        repo_root=project, notebooks_dir=project / "notebooks", book_dir=project / "book", out_dir=project / "site",
        cache_dir=project / ".cwp-cache", outputs_dir=project / "outputs", package_dir=project / "package",
        lock_file=project / "requirements.lock", jobs=2, progress=False, log=lambda message: None,
        **{"build_book": False, **options},
    )


def entry_json(project: Path, name: str) -> dict:
    files = sorted((project / ".cwp-cache" / "entries" / name).glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return json.loads(files[-1].read_text(encoding="utf-8"))


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)


# -- the site digest ------------------------------------------------------------------


def test_site_digest_covers_lock_files_and_installed_versions(tmp_path):
    book = FIXTURE / "book"
    lock, npm_lock = tmp_path / "requirements.lock", tmp_path / "package-lock.json"
    lock.write_text("sphinx==7.4.7\n", encoding="utf-8")
    npm_lock.write_text('{"packages": {"node_modules/katex": {"version": "0.16.11"}}}\n', encoding="utf-8")
    locks = [lock, npm_lock]
    base = build_digest(book, [], lock_files=locks, installed="a")
    assert build_digest(book, [], lock_files=locks, installed="a") == base
    assert build_digest(book, [], lock_files=locks, installed="b") != base
    lock.write_text("sphinx==8.1.3\n", encoding="utf-8")
    upgraded = build_digest(book, [], lock_files=locks, installed="a")
    assert upgraded != base
    npm_lock.write_text('{"packages": {"node_modules/katex": {"version": "0.16.22"}}}\n', encoding="utf-8")
    assert build_digest(book, [], lock_files=locks, installed="a") not in (base, upgraded)
    npm_lock.unlink()
    assert build_digest(book, [], lock_files=locks, installed="a") not in (base, upgraded)
    # a copy of the project elsewhere (same file names, same contents) is the same site
    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    shutil.copy(lock, elsewhere / lock.name)
    assert (build_digest(book, [], lock_files=[elsewhere / lock.name, elsewhere / npm_lock.name], installed="a")
            == build_digest(book, [], lock_files=locks, installed="a"))


def test_default_lock_files_are_the_repository_locks():
    names = [path.name for path in default_lock_files()]
    assert names == ["requirements.lock", "package-lock.json"]
    assert default_lock_files()[0].is_file()


def test_installed_versions_digest_follows_installs(tmp_path, monkeypatch):
    before = installed_versions_digest()
    assert installed_versions_digest() == before
    monkeypatch.syspath_prepend(str(tmp_path))
    assert installed_versions_digest() == before  # an empty folder installs nothing
    (tmp_path / "sphinx_theme_x-1.0.0.dist-info").mkdir()
    one = installed_versions_digest()
    assert one != before
    (tmp_path / "sphinx_theme_x-1.0.0.dist-info").rename(tmp_path / "sphinx_theme_x-1.0.1.dist-info")
    assert installed_versions_digest() not in (before, one)


@pytest.mark.slow
def test_the_site_is_rebuilt_when_the_lock_or_an_installed_version_changes(project, monkeypatch):
    lock = project / "requirements.lock"
    monkeypatch.setattr(site_module, "default_lock_files", lambda: [lock])
    installed = {"digest": "sphinx 7.4.7, myst-nb 1.4.0"}
    monkeypatch.setattr(site_module, "installed_versions_digest", lambda: installed["digest"])
    first = run_build(project, build_book=True)
    assert first.site_rebuilt
    marker = read_marker(project / "site")
    assert not run_build(project, build_book=True).site_rebuilt

    lock.write_text(lock.read_text(encoding="utf-8") + "sphinx==8.1.3\n", encoding="utf-8")
    upgraded = run_build(project, build_book=True)
    assert upgraded.site_rebuilt and read_marker(project / "site") != marker
    marker = read_marker(project / "site")

    installed["digest"] = "sphinx 7.4.7, myst-nb 1.4.1"
    reinstalled = run_build(project, build_book=True)
    assert reinstalled.site_rebuilt and read_marker(project / "site") != marker
    assert not run_build(project, build_book=True).site_rebuilt


# -- probes and listings recorded by the tracker ------------------------------------------


def test_tracker_records_missing_paths_and_listings_under_the_root(tmp_path):
    root = tmp_path / "repo"
    (root / "data" / "extra").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "data" / "extra" / "a.csv").write_text("x\n", encoding="utf-8")
    tracker = ReadTracker(tmp_path / "reads.json", root=root)
    tracker.observe(str(root / "data" / "settings.yaml"), "r", 0)  # a failed open
    tracker.observe_probe(root / "data" / "x.yaml", found=False)  # a failed stat
    tracker.observe_probe(root / ".git" / "HEAD.lock", found=False)  # hidden folder: not data
    tracker.observe_probe(tmp_path / "outside.yaml", found=False)  # outside the root
    tracker.observe_probe(root / "data" / "extra", found=True)  # found, never read
    tracker.observe_probe(root / "data" / "extra" / "a.csv", found=True)
    tracker.observe(str(root / "data" / "extra" / "a.csv"), "r", 0)  # ... and then read: a read, not a probe
    tracker.observe_listing(str(root / "data" / "extra"))
    tracker.observe_listing(root / "data" / "missing")  # listing a missing folder probes it
    tracker.observe_listing(str(root))
    tracker.observe(str(root / "data" / "made.csv"), "r", 0)
    tracker.observe(str(root / "data" / "made.csv"), "w", 0)  # the notebook created it itself
    record = tracker.record()
    assert record.absent == ("data/missing", "data/settings.yaml", "data/x.yaml")
    assert record.present == ("data/extra",) and [read.path for read in record.reads] == ["data/extra/a.csv"]
    assert record.listings == {".": listing_digest(root), "data/extra": listing_digest(root / "data" / "extra")}
    tracker.write()
    assert load_record(tmp_path / "reads.json") == record

    heir = ReadTracker(tmp_path / "heir.json", root=root)
    heir.absorb(tracker)
    assert heir.record() == record


def test_version_1_records_still_load(tmp_path):
    old = tmp_path / "reads.json"
    old.write_text(json.dumps({"version": 1, "root": "/r", "reads": [{"path": "a.csv", "size": 1, "mtime_ns": 2}]}),
                   encoding="utf-8")
    record = load_record(old)
    assert [read.path for read in record.reads] == ["a.csv"] and record.absent == () and record.listings == {}


def test_probes_by_the_import_system_are_not_data():
    def frame_in(module: str):
        namespace = {"__name__": module, "sys": sys}
        exec("def probe():\n    return sys._getframe(0)\n", namespace)
        return namespace["probe"]()

    assert _caller_ignored(frame_in("importlib.metadata"))
    assert _caller_ignored(frame_in("_frozen_importlib_external"))
    assert not _caller_ignored(frame_in("__main__"))
    assert not _caller_ignored(frame_in("cwp_analysis.notebook"))


def test_cache_entry_misses_once_an_absent_path_exists_or_a_listing_changes(tmp_path):
    root = tmp_path / "repo"
    (root / "data" / "extra").mkdir(parents=True)
    cache = NotebookCache(tmp_path / "cache", root)
    digest = listing_digest(root / "data" / "extra")
    work = cache.new_work_dir("nb")
    (work / "executed.ipynb").write_text("{}\n", encoding="utf-8")
    cache.commit("nb", "k", work, content_sha256="c", reads={}, tracked=True, seconds=1,
                 absent=["data/x.yaml"], listings={"data/extra": digest}, present=["data/extra"])
    entry = cache.lookup("nb", "k", FileHasher())
    assert entry.absent == ("data/x.yaml",) and entry.listings == {"data/extra": digest}
    assert entry.present == ("data/extra",)
    (root / "data" / "extra" / ".hidden").write_text("", encoding="utf-8")
    assert cache.lookup("nb", "k", FileHasher()) is not None  # hidden names do not count
    (root / "data" / "extra" / "new.csv").write_text("x\n", encoding="utf-8")
    assert cache.lookup("nb", "k", FileHasher()) is None
    (root / "data" / "extra" / "new.csv").unlink()
    assert cache.lookup("nb", "k", FileHasher()) is not None
    (root / "data" / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    assert cache.lookup("nb", "k", FileHasher()) is None
    (root / "data" / "x.yaml").unlink()
    assert cache.lookup("nb", "k", FileHasher()) is not None
    shutil.rmtree(root / "data" / "extra")  # found without being read, then removed
    assert cache.lookup("nb", "k", FileHasher()) is None

    work = cache.new_work_dir("changed")
    (work / "executed.ipynb").write_text("{}\n", encoding="utf-8")
    cache.commit("changed", "k", work, content_sha256="c", reads={}, tracked=True, seconds=1,
                 listings={"data/extra": None})  # the folder changed while it ran
    assert cache.lookup("changed", "k", FileHasher()) is None


# -- builds ------------------------------------------------------------------------------------


def test_a_file_created_or_added_later_reruns_exactly_the_notebooks_that_looked_for_it(project):
    (project / "data" / "extra").mkdir()
    (project / "data" / "extra" / "a.csv").write_text("x\n1\n", encoding="utf-8")
    notebooks = project / "notebooks"
    write_notebook(notebooks / "03_exists.ipynb",
                   "from pathlib import Path\n"
                   "settings = Path('../data/x.yaml')\n"
                   "print('custom settings' if settings.exists() else 'default settings')")
    write_notebook(notebooks / "04_tries.ipynb",
                   "try:\n"
                   "    with open('../data/y.yaml', encoding='utf-8') as handle:\n"
                   "        print(handle.read())\n"
                   "except FileNotFoundError:\n"
                   "    print('no y.yaml')")
    write_notebook(notebooks / "05_lists.ipynb",
                   "from pathlib import Path\n"
                   "print(sorted(p.name for p in Path('../data/extra').glob('*.csv')))")
    write_notebook(notebooks / "06_listdir.ipynb",
                   "import os\nprint(len(os.listdir('../data/extra')))")
    everything = ("01_counts", "02_words", "03_exists", "04_tries", "05_lists", "06_listdir")
    first = run_build(project)
    assert first.executed == everything and first.warnings == ()
    assert "data/x.yaml" in entry_json(project, "03_exists")["absent"]
    assert "data/y.yaml" in entry_json(project, "04_tries")["absent"]
    assert list(entry_json(project, "05_lists")["listings"]) == ["data/extra"]
    assert run_build(project).executed == ()

    (project / "data" / "x.yaml").write_text("colour: blue\n", encoding="utf-8")
    assert run_build(project).executed == ("03_exists",)
    (project / "data" / "y.yaml").write_text("size: 3\n", encoding="utf-8")
    assert run_build(project).executed == ("04_tries",)
    (project / "data" / "extra" / "b.csv").write_text("x\n2\n", encoding="utf-8")
    assert run_build(project).executed == ("05_lists", "06_listdir")
    (project / "data" / "extra" / ".b.csv.swp").write_text("", encoding="utf-8")  # an editor's file
    assert run_build(project).executed == ()
    (project / "data" / "extra" / "notes.txt").write_text("", encoding="utf-8")  # a listing is every name
    assert run_build(project).executed == ("05_lists", "06_listdir")
    assert run_build(project).executed == ()
    # 03 found x.yaml without reading it: its content does not count, its existence does
    assert "data/x.yaml" in entry_json(project, "03_exists")["present"]
    (project / "data" / "x.yaml").write_text("colour: red\n", encoding="utf-8")
    assert run_build(project).executed == ()
    os.remove(project / "data" / "x.yaml")
    assert run_build(project).executed == ("03_exists",)
    # 04 read y.yaml: its content counts
    assert "data/y.yaml" in entry_json(project, "04_tries")["reads"]
    (project / "data" / "y.yaml").write_text("size: 4\n", encoding="utf-8")
    assert run_build(project).executed == ("04_tries",)
    assert run_build(project).executed == ()


def test_a_path_that_appears_while_the_notebook_runs_is_not_trusted(project):
    """A notebook that creates what it probed for: warned about, run again once, then cached."""
    (project / "notebooks" / "01_counts.ipynb").unlink()
    (project / "notebooks" / "02_words.ipynb").unlink()
    write_notebook(project / "notebooks" / "03_makes.ipynb",
                   "import os\n"
                   "if not os.path.isdir('../data/made'):\n"
                   "    os.mkdir('../data/made')\n"
                   "print('ready')")
    first = run_build(project)
    assert first.executed == ("03_makes",)
    assert first.warnings == ("notebooks/03_makes.ipynb: data/made changed while it ran; it will run again next build",)
    second = run_build(project)  # the folder now exists before the notebook looks
    assert second.executed == ("03_makes",) and second.warnings == ()
    assert entry_json(project, "03_makes")["present"] == ["data/made"]
    assert run_build(project).executed == ()
