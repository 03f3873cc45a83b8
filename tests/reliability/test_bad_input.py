"""Bad survey files at the command line: ``cwp validate`` and ``cwp build --data``.

A corpus of malformed survey files is generated from the synthetic survey
(``tests/test_validate.py`` checks the validator's messages in detail; this
module checks the whole chain).  For every file:

* ``cwp validate FILE`` exits 2, prints nothing on stdout, and its first
  line on stderr names the file and the problem, with no traceback;
* ``cwp build --data FILE`` exits 2 with the same first line, before any
  notebook runs;
* the file's bytes are unchanged;
* the previously built site, the cache and the outputs folder are
  byte-identical afterwards.

The "previous site" is the pipeline fixture book (``tests/fixtures/pipeline``)
built for real once per test session (:func:`built_fixture_project`) and
copied for each module that needs it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from cwp_analysis.cli import main
from cwp_analysis.paths import data_file
from cwp_analysis.pipeline.cache import tree_digest

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


def survey_text() -> pd.DataFrame:
    """The synthetic survey as text cells, exactly as in the file."""
    return pd.read_csv(SURVEY, dtype=str, keep_default_na=False)


def csv_bytes(frame: pd.DataFrame, sep: str = ",") -> bytes:
    return frame.to_csv(index=False, sep=sep, lineterminator="\n").encode("utf-8")


def write(tmp: Path, name: str, payload: bytes) -> Path:
    path = tmp / name
    path.write_bytes(payload)
    return path


def edited(**cells: tuple[int, str]) -> Callable[[Path], Path]:
    """The synthetic survey with cells replaced: ``column=(row index, text)``."""

    def make(tmp: Path) -> Path:
        frame = survey_text()
        for column, (index, text) in cells.items():
            frame.loc[index, column] = text
        return write(tmp, "survey.csv", csv_bytes(frame))

    return make


def first_row(frame: pd.DataFrame, column: str, value: str) -> int:
    return int(frame.index[frame[column] == value][0])


def _missing_column(tmp):
    return write(tmp, "survey.csv", csv_bytes(survey_text().drop(columns="ethnicity")))


def _free_text_column(tmp):
    frame = survey_text()
    frame["comments"] = "The support helped me more than I can say"
    return write(tmp, "survey.csv", csv_bytes(frame))


def _renamed_id_column(tmp):
    return write(tmp, "survey.csv", csv_bytes(survey_text().rename(columns={"respondent_id": "Respondent ID"})))


def _labels_not_codes(tmp):
    frame = survey_text()
    frame["swemwbs_relaxed_before"] = frame["swemwbs_relaxed_before"].replace(
        {"1": "None of the time", "2": "Rarely", "3": "Some of the time", "4": "Often", "5": "All of the time"})
    return write(tmp, "survey.csv", csv_bytes(frame))


def _duplicate_ids(tmp):
    frame = survey_text()
    frame.loc[9, "respondent_id"] = frame.loc[2, "respondent_id"]
    return write(tmp, "survey.csv", csv_bytes(frame))


def _unpaired(tmp):
    frame = survey_text()
    index = first_row(frame, "swemwbs_mind_before", "3")
    frame.loc[index, "swemwbs_mind_after"] = ""
    return write(tmp, "survey.csv", csv_bytes(frame))


def _routing(tmp):
    frame = survey_text()
    index = first_row(frame, "has_children", "0")
    frame.loc[index, "children_live_with_mother"] = "1"
    return write(tmp, "survey.csv", csv_bytes(frame))


def _empty_row(tmp):
    frame = survey_text()
    frame.loc[5, :] = ""
    return write(tmp, "survey.csv", csv_bytes(frame))


def _header_only(tmp):
    return write(tmp, "survey.csv", SURVEY.read_bytes().split(b"\n", 1)[0] + b"\n")


def _semicolons(tmp):
    return write(tmp, "survey.csv", csv_bytes(survey_text(), sep=";"))


def _semicolon_decimals(tmp):
    frame = survey_text()
    frame.loc[3, "service_duration"] = "2,5"
    return write(tmp, "survey.csv", csv_bytes(frame, sep=";"))


def _tabs(tmp):
    return write(tmp, "survey.csv", csv_bytes(survey_text(), sep="\t"))


def _bom(tmp):
    return write(tmp, "survey.csv", b"\xef\xbb\xbf" + SURVEY.read_bytes())


def _latin1(tmp):
    frame = survey_text()
    frame.loc[1, "respondent_id"] = "Ren\u00e9e"
    return write(tmp, "survey.csv", frame.to_csv(index=False, lineterminator="\n").encode("latin-1"))


def _utf16(tmp):
    return write(tmp, "survey.csv", SURVEY.read_text(encoding="utf-8").encode("utf-16"))


def _duplicate_headers(tmp):
    lines = SURVEY.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines = [lines[0] + ",age_band"] + [line + ",2" for line in lines[1:]]
    return write(tmp, "survey.csv", ("\n".join(lines) + "\n").encode("utf-8"))


def _ragged(tmp):
    lines = SURVEY.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].rsplit(",", 5)[0]
    return write(tmp, "survey.csv", "\n".join(lines).encode("utf-8"))


def _unclosed_quote(tmp):
    lines = SURVEY.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace(",", ',"', 1)
    return write(tmp, "survey.csv", "\n".join(lines).encode("utf-8"))


def _xlsx(frame: pd.DataFrame, path: Path, sheet: str = "survey") -> Path:
    """Write the survey as a workbook with numeric code cells, as Excel would hold them."""
    numeric = frame.copy()
    for column in numeric.columns.drop("respondent_id"):
        numeric[column] = pd.to_numeric(numeric[column].mask(numeric[column] == ""))
    numeric.to_excel(path, index=False, sheet_name=sheet)
    return path


def _excel_wrong_sheet(tmp):
    path = tmp / "survey.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"About": ["Survey returns, spring 2020"]}).to_excel(writer, sheet_name="Notes", index=False)
        survey_text().to_excel(writer, sheet_name="Responses", index=False)
    return path


def _excel_wrong_code(tmp):
    frame = survey_text()
    frame.loc[3, "age_band"] = "7"
    return _xlsx(frame, tmp / "survey.xlsx")


def _excel_header_only(tmp):
    return _xlsx(survey_text().iloc[:0], tmp / "survey.xlsx")


def _corrupted_xlsx(tmp):
    whole = _xlsx(survey_text(), tmp / "whole.xlsx").read_bytes()
    (tmp / "whole.xlsx").unlink()
    return write(tmp, "survey.xlsx", whole[: len(whole) // 2])


def _zip_not_workbook(tmp):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("survey.csv", SURVEY.read_bytes())
    return write(tmp, "survey.xlsx", buffer.getvalue())


def _xlsx_named_csv(tmp):
    payload = _xlsx(survey_text(), tmp / "s.xlsx").read_bytes()
    (tmp / "s.xlsx").unlink()
    return write(tmp, "survey.csv", payload)


def _million_rows(tmp):
    """10**6 respondents (two columns, so that the row limit, not the size limit, is met first)."""
    path = tmp / "survey.csv"
    with path.open("wb") as handle:
        handle.write(b"respondent_id,age_band\n")
        for start in range(0, 1_000_000, 100_000):
            handle.write(b"".join(b"R%07d,2\n" % i for i in range(start, start + 100_000)))
    return path


def _over_100_mb(tmp):
    path = tmp / "survey.csv"
    with path.open("wb") as handle:  # sparse: costs no disk space
        handle.truncate(100_000_001)
    return path


def _directory(tmp):
    folder = tmp / "survey_exports"
    folder.mkdir()
    (folder / "survey.csv").write_bytes(SURVEY.read_bytes())
    return folder


@dataclass(frozen=True)
class Malformed:
    id: str
    make: Callable[[Path], Path]
    expect: str  # in the first line of the message


CORPUS = [
    Malformed("missing-column", _missing_column, "column 'ethnicity' is missing"),
    Malformed("extra-free-text-column", _free_text_column, "column 'comments' is not in the codebook"),
    Malformed("renamed-id-column", _renamed_id_column, "column 'respondent_id' is missing"),
    Malformed("wrong-code", edited(swemwbs_relaxed_after=(12, "6")),
              "column swemwbs_relaxed_after, row 14: value '6' not allowed"),
    Malformed("negative-code", edited(disability=(0, "-1")), "column disability, row 2: value '-1' not allowed"),
    Malformed("text-in-numeric-column", edited(age_band=(1, "twenty-five")),
              "column age_band, row 3: value 'twenty-five' is not a whole-number code"),
    Malformed("labels-instead-of-codes", _labels_not_codes, "is not a whole-number code"),
    Malformed("decimal-point", edited(service_duration=(6, "2.5")),
              "column service_duration, row 8: value '2.5' is not a whole-number code (a decimal number"),
    Malformed("decimal-comma", edited(swemwbs_useful_before=(4, "3,5")),
              "value '3,5' is not a whole-number code (a decimal comma"),
    Malformed("duplicate-ids", _duplicate_ids, "column respondent_id, row 11: value 'SYN-003' duplicates the id in row 4"),
    Malformed("empty-id", edited(respondent_id=(2, "")), "column respondent_id, row 4: the identifier is empty"),
    Malformed("unpaired-before-after", _unpaired, "unpaired before/after"),
    Malformed("routing-violation", _routing, "not allowed because has_children is '0'"),
    Malformed("empty-row", _empty_row, "row 7: the row is empty"),
    Malformed("empty-file", lambda tmp: write(tmp, "survey.csv", b""), "the file is empty (0 bytes)"),
    Malformed("blank-lines-only", lambda tmp: write(tmp, "survey.csv", b"\n\n \n"), "only blank lines"),
    Malformed("header-only", _header_only, "has a header row but no data rows"),
    Malformed("wrong-delimiter", _semicolons, "separated by semicolons (';'), not by commas"),
    Malformed("semicolon-decimals", _semicolon_decimals, "decimal commas"),
    Malformed("tab-delimiter", _tabs, "separated by tabs, not by commas"),
    Malformed("utf8-bom", _bom, "starts with a byte-order mark (BOM"),
    Malformed("latin-1-text", _latin1, "is not UTF-8 text: byte 0xE9"),
    Malformed("utf-16-text", _utf16, "UTF-16"),
    Malformed("duplicate-headers", _duplicate_headers, "duplicate header 'age_band' in column 2 (B) and column 78"),
    Malformed("ragged-row", _ragged, "row 5 (line 5) has 72 fields but the header has 77"),
    Malformed("unclosed-quote", _unclosed_quote, "not valid CSV"),
    Malformed("excel-data-on-wrong-sheet", _excel_wrong_sheet, "data on the wrong sheet"),
    Malformed("excel-wrong-code", _excel_wrong_code, "column age_band, row 5: value '7' not allowed"),
    Malformed("excel-header-only", _excel_header_only, "sheet 'survey' has a header row but no data rows"),
    Malformed("corrupted-xlsx", _corrupted_xlsx, "not a valid .xlsx workbook"),
    Malformed("zip-not-workbook", _zip_not_workbook, "zip archive but not a readable .xlsx workbook"),
    Malformed("xlsx-named-csv", _xlsx_named_csv, "zip archive (probably an Excel workbook) with a .csv name"),
    Malformed("million-rows", _million_rows, "more than 100,000 data rows"),
    Malformed("over-100-MB", _over_100_mb, "larger than the limit of 100,000,000 bytes"),
    Malformed("old-excel-format", lambda tmp: write(tmp, "survey.xls", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(64)),
              "unsupported file type ('.xls')"),
    Malformed("directory", _directory, "is a directory"),
    Malformed("missing-file", lambda tmp: tmp / "survey_final.csv", "no such file"),
]


def test_corpus_is_large_and_distinct():
    assert len(CORPUS) >= 25
    assert len({case.id for case in CORPUS}) == len(CORPUS)


def first_line(err: str) -> str:
    return err.split("\n", 1)[0]


@pytest.mark.slow
@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_bad_file_is_refused_by_validate_and_build_and_nothing_changes(case, project, tmp_path, capsys):
    path = case.make(tmp_path)
    before = {
        "input": fingerprint(path),
        "site": tree(project / "site"),
        "cache": tree(project / ".cwp-cache"),
        "outputs": tree(project / "outputs"),
    }

    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert first_line(err).startswith(f"{path}: ") and case.expect in first_line(err), err[:500]
    assert "Traceback" not in err and "internal error" not in err

    assert main(build_args(project, "--data", str(path))) == 2
    out, built_err = capsys.readouterr()
    assert out == ""
    # the build names the file by its absolute path
    assert first_line(built_err).startswith(f"{path.resolve()}: "), built_err[:500]
    assert case.expect in first_line(built_err), built_err[:500]
    assert "Traceback" not in built_err and "internal error" not in built_err and "executing" not in built_err

    after = {
        "input": fingerprint(path),
        "site": tree(project / "site"),
        "cache": tree(project / ".cwp-cache"),
        "outputs": tree(project / "outputs"),
    }
    assert after == before


def test_the_valid_survey_passes_both_gates(tmp_path, capsys):
    """The control: the unmodified synthetic survey, written the same way, is accepted."""
    from cwp_analysis.pipeline import validate_inputs

    path = write(tmp_path, "survey.csv", csv_bytes(survey_text()))
    assert path.read_bytes() == SURVEY.read_bytes()
    assert main(["validate", str(path)]) == 0
    assert "valid — 68 respondents, 77 columns" in capsys.readouterr().out
    assert validate_inputs(path) == (path.resolve(), None)
    workbook = _xlsx(survey_text(), tmp_path / "survey.xlsx")
    assert main(["validate", str(workbook)]) == 0
    assert validate_inputs(workbook) == (workbook.resolve(), None)
