"""Real survey data can never be committed by accident.

The real survey describes survivors of violence.  Its place is the
git-ignored ``data/private/`` folder (see ``data/private/README.md``).
These tests ask git itself (``git check-ignore``, ``git ls-files``):

* ``data/private/`` and the usual names of real exports are ignored;
* nothing under ``data/private/`` is tracked but its README, and no tracked
  file is one git would ignore (a ``git add -f`` by mistake);
* no tracked file under ``data/``, outside the SYNTHETIC and published data
  sets, looks like survey microdata: a statistics-package file, or a table
  with a respondent-identifier column or many codebook columns.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from cwp_analysis.codebook import load_codebook
from cwp_analysis.disclosure import IDENTIFIER_COLUMNS
from cwp_analysis.paths import REPO_ROOT

#: Tracked data sets that hold (synthetic or published) survey-shaped files by design.
EXEMPT = ("data/synthetic/", "data/published/")
#: Formats of statistics packages and columnar stores: microdata whenever they appear.
MICRODATA_FORMATS = (".sav", ".zsav", ".por", ".dta", ".sas7bdat", ".rds", ".rdata", ".parquet", ".feather")
#: Table formats whose header is read.
TABLE_FORMATS = (".csv", ".tsv", ".txt", ".xlsx", ".xls")
#: Codebook columns in a header that make a table look like survey answers.
MIN_CODEBOOK_COLUMNS = 5
_ID_LIKE = re.compile(r"(respondent|participant|client|person|patient|case|woman|user)[ _-]?(id|no|number|ref)\b", re.I)


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=False)


def tracked(prefix: str = "") -> list[str]:
    result = git("ls-files", "-z", "--", prefix) if prefix else git("ls-files", "-z")
    assert result.returncode == 0, result.stderr
    return [p for p in result.stdout.split("\0") if p]


def ignored(path: str) -> bool:
    result = git("check-ignore", "--no-index", "-q", path)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode == 0


def header_of(path: Path) -> list[str]:
    """The first row of a table file (empty when it cannot be read as a table)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        try:
            return [str(c) for c in pd.read_excel(path, nrows=0).columns]
        except Exception:  # noqa: BLE001 - an unreadable workbook is flagged by the caller
            return ["<unreadable workbook>"]
    text = path.read_text(encoding="utf-8", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), [])


def microdata_reason(path: Path) -> str | None:
    """Why a file looks like survey microdata, or None.

    A statistics-package or columnar file always does; a table does when a
    column is named like a person identifier or when its header holds at
    least :data:`MIN_CODEBOOK_COLUMNS` codebook columns.
    """
    suffix = path.suffix.lower()
    if suffix in MICRODATA_FORMATS:
        return f"a {suffix} file (statistics-package or columnar data)"
    if suffix not in TABLE_FORMATS:
        return None
    header = [h.strip() for h in header_of(path)]
    if header == ["<unreadable workbook>"]:
        return "a workbook that cannot be read to check it"
    identifiers = [h for h in header if h.lower() in IDENTIFIER_COLUMNS or _ID_LIKE.search(h)]
    if identifiers:
        return f"an identifier column {identifiers[0]!r}"
    codebook = load_codebook()
    known = set(codebook.columns()) | set(codebook.workstar.columns)
    shared = [h for h in header if h in known]
    if len(shared) >= MIN_CODEBOOK_COLUMNS:
        return f"{len(shared)} codebook columns ({', '.join(shared[:3])}, ...)"
    return None


@pytest.mark.parametrize("path", [
    "data/private/survey.xlsx",
    "data/private/survey.csv",
    "data/private/2020/returns.csv",
    "data/private/notes.txt",
    "data/private/export.sav",
    "survey_real.csv",
    "data/real_survey.xlsx",
    "data/survey_real_2020.csv",
    "responses.sav",
    "data/exports/workstar.sav",
])
def test_real_data_locations_and_names_are_ignored(path):
    assert ignored(path), f"{path} is not git-ignored; add a pattern to .gitignore"


@pytest.mark.parametrize("path", [
    "data/private/README.md",
    "data/synthetic/survey_SYNTHETIC.csv",
    "data/published/claims.csv",
])
def test_project_files_are_not_ignored(path):
    assert not ignored(path)


def test_nothing_but_the_readme_is_tracked_in_data_private():
    assert tracked("data/private") == ["data/private/README.md"]


def test_no_tracked_file_is_one_git_would_ignore():
    result = git("ls-files", "-z", "--cached", "--ignored", "--exclude-standard")
    assert result.returncode == 0, result.stderr
    assert [p for p in result.stdout.split("\0") if p] == []


def test_no_tracked_data_file_looks_like_survey_microdata():
    files = [p for p in tracked("data") if not p.startswith(EXEMPT)]
    assert files, "no tracked files under data/"
    flagged = {p: reason for p in files if (reason := microdata_reason(REPO_ROOT / p))}
    assert flagged == {}


def test_the_microdata_check_recognises_microdata(tmp_path):
    """The check above can fail: survey-shaped files are recognised, aggregates are not."""
    survey = pd.read_csv(REPO_ROOT / "data" / "synthetic" / "survey_SYNTHETIC.csv", dtype=str)
    survey.to_csv(tmp_path / "survey.csv", index=False)
    assert microdata_reason(tmp_path / "survey.csv") == "an identifier column 'respondent_id'"
    survey.drop(columns="respondent_id").to_excel(tmp_path / "answers.xlsx", index=False)
    assert microdata_reason(tmp_path / "answers.xlsx").startswith("76 codebook columns (age_band, ethnicity")
    (tmp_path / "export.csv").write_text("Client No;age_band\n1;2\n", encoding="utf-8")
    assert microdata_reason(tmp_path / "export.csv") == "an identifier column 'Client No'"
    (tmp_path / "export.sav").write_bytes(b"$FL2")
    assert microdata_reason(tmp_path / "export.sav").startswith("a .sav file")
    for aggregate in ("data/published/claims.csv", "data/instruments/swemwbs_conversion.csv"):
        assert microdata_reason(REPO_ROOT / aggregate) is None
