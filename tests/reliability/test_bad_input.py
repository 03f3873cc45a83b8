"""Bad survey files at the command line: ``cwp validate`` and ``cwp build --data``.

The corpus of unusable survey files is ``tests/malformed_corpus.py`` (shared
with ``tests/test_validate.py``, which checks the validator's messages in
detail; this module checks the whole chain).  For every file:

* ``cwp validate FILE [options]`` exits 2, prints nothing on stdout, and its
  first line on stderr names the file (or the column-mapping file) and the
  problem, with no traceback;
* ``cwp build --data FILE [options]`` (``--workstar FILE`` for a Work Star
  file) exits 2 with the same first line, before any notebook runs;
* the file's bytes are unchanged;
* the previously built site, the cache and the outputs folder are
  byte-identical afterwards.

Files with warnings only (half-answered pairs, skip-logic slips, blank rows,
columns not in the codebook) pass both gates.  Changed with the validation
policy of issue 9: those files, and files with a byte-order mark, in cp1252,
or separated by semicolons or tabs, used to be refused.

The "previous site" is the pipeline fixture book (``tests/fixtures/pipeline``)
built for real once per test session (:func:`built_fixture_project`) and
copied for each module that needs it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from cwp_analysis.cli import main
from cwp_analysis.paths import data_file
from cwp_analysis.pipeline.cache import tree_digest
from tests.malformed_corpus import ERRORS, WARNINGS, base_survey, csv_bytes, write, xlsx

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline"
SURVEY = data_file("synthetic", "survey_SYNTHETIC.csv")
# --------------------------------------------------------------------------
# the previously built fixture site
# --------------------------------------------------------------------------


def build_args(project: Path, *extra: str) -> list[str]:
    """``cwp build`` arguments that keep every folder inside ``project``."""
    return [
        "build", "--notebooks", str(project / "notebooks"), "--book", str(project / "book"),
        "--out", str(project / "site"), "--cache-dir", str(project / ".cwp-cache"),
        "--outputs", str(project / "outputs"), "--no-progress", *extra,
    ]


def session_folder(tmp_path_factory) -> Path:
    """A temporary folder of this test session, shared by its xdist workers.

    Each xdist worker's base folder is ``pytest-N/popen-gwK``, so the session's
    is its parent; without xdist the base folder is the session's own.
    """
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_fixture_project(tmp_path_factory) -> Path:
    """The fixture project with its book built once per session (shared by xdist workers)."""
    shared = session_folder(tmp_path_factory) / "cwp-reliability-fixture"
    shared.mkdir(parents=True, exist_ok=True)
    project = shared / "project"
    with FileLock(str(shared / ".lock")):
        if not (shared / "built").exists():
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(FIXTURE, project)
            status = main(build_args(project))
            assert status == 0 and (project / "site" / "index.html").is_file()
            (shared / "built").write_text("ok\n", encoding="utf-8")
    return project


def copy_project(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def tree(path: Path) -> str:
    """Digest of a folder's every file (hidden ones included) and their contents."""
    return tree_digest(path, skip_dirs=(), skip_hidden=False, skip_suffixes=())


def fingerprint(path: Path):
    if path.is_dir():
        return ("directory", sorted(p.name for p in path.iterdir()))
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return (digest.hexdigest(), path.stat().st_size)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(built_fixture_project(tmp_path_factory), tmp_path_factory.mktemp("bad-input") / "project")


# --------------------------------------------------------------------------
# the corpus
# --------------------------------------------------------------------------


def test_corpus_is_large_and_distinct():
    assert len(ERRORS) >= 40
    assert len({case.id for case in ERRORS}) == len(ERRORS)


def first_line(err: str) -> str:
    return err.split("\n", 1)[0]


@pytest.mark.slow
@pytest.mark.parametrize("case", ERRORS, ids=lambda case: case.id)
def test_bad_file_is_refused_by_validate_and_build_and_nothing_changes(case, project, tmp_path, capsys):
    path = case.make(tmp_path)
    before = {
        "input": fingerprint(path),
        "site": tree(project / "site"),
        "cache": tree(project / ".cwp-cache"),
        "outputs": tree(project / "outputs"),
    }

    # the file, or the column-mapping file, is named first: as given to validate, absolute to the build
    named = [str(path), *(arg for arg in case.argv(tmp_path) if arg.endswith(".yaml"))]
    assert main(["validate", str(path), *case.argv(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert first_line(err).startswith(tuple(f"{n}: " for n in named)), err[:500]
    assert case.expect[0] in first_line(err), err[:500]
    assert "Traceback" not in err and "internal error" not in err

    assert main(build_args(project, *case.build_argv(path, tmp_path))) == 2
    out, built_err = capsys.readouterr()
    assert out == ""
    absolute = [str(Path(n).resolve()) for n in named]
    assert first_line(built_err).startswith(tuple(f"{n}: " for n in named + absolute)), built_err[:500]
    assert case.expect[0] in first_line(built_err), built_err[:500]
    assert "Traceback" not in built_err and "internal error" not in built_err and "executing" not in built_err

    after = {
        "input": fingerprint(path),
        "site": tree(project / "site"),
        "cache": tree(project / ".cwp-cache"),
        "outputs": tree(project / "outputs"),
    }
    assert after == before


def test_the_valid_survey_passes_both_gates(tmp_path, capsys):
    """The control: an unmodified survey, as CSV and as a workbook, is accepted (and so is the synthetic one)."""
    from cwp_analysis.pipeline import validate_inputs

    path = write(tmp_path, "survey.csv", csv_bytes(base_survey()))
    assert main(["validate", str(path)]) == 0
    assert "valid — 16 respondents, 77 columns" in capsys.readouterr().out
    assert validate_inputs(path) == (path.resolve(), None)
    workbook = xlsx(base_survey(), tmp_path / "survey.xlsx")
    assert main(["validate", str(workbook)]) == 0
    assert validate_inputs(workbook) == (workbook.resolve(), None)
    assert main(["validate", str(SURVEY)]) == 0
    assert "valid — 68 respondents" in capsys.readouterr().out


@pytest.mark.parametrize("case", WARNINGS, ids=lambda case: case.id)
def test_a_file_with_warnings_passes_both_gates_and_fails_strict(case, tmp_path, capsys):
    from cwp_analysis.pipeline import validate_inputs

    path = case.make(tmp_path)
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "valid with 1 warning" in out and case.expect[0] in err
    reader = "workstar_path" if path.name.startswith("workstar") else "data_path"
    resolved = validate_inputs(**{reader: path})
    assert path.resolve() in resolved
    assert main(["validate", str(path), "--strict"]) == 2
