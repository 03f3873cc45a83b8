"""Validation of survey and Work Star files: ``cwp_analysis.validate`` and ``cwp validate``.

The fixtures are built here from the codebook (never from the synthetic
data set), and a corpus of malformed files is written to ``tmp_path``: each
must give exit status 2 from ``cwp validate``, a message naming the problem
(and its column and row where there is one), no traceback, and leave the
file's bytes unchanged.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.errors import SchemaErrors

from cwp_analysis.cli import main
from cwp_analysis.codebook import load_codebook
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.survey_io import read_survey, read_table, text_cells
from cwp_analysis.validate import (
    MAX_LISTED_PROBLEMS,
    ValidationReport,
    detect_kind,
    rule_frame,
    survey_schemas,
    validate_survey,
    validate_workstar,
    workstar_schemas,
)

CODEBOOK = load_codebook()
N_RESPONDENTS = 16
SWEMWBS_ALLOWED = (
    "allowed: 1 (None of the time), 2 (Rarely), 3 (Some of the time), 4 (Often), "
    "5 (All of the time), or empty"
)


# --------------------------------------------------------------------------
# fixtures built from the codebook
# --------------------------------------------------------------------------


def survey_frame(n: int = N_RESPONDENTS) -> pd.DataFrame:
    """A valid survey of ``n`` respondents with deterministic codes.

    Codes cycle through each scale; every seventh before/after pair is left
    empty on both sides, and routed items are emptied when the routing
    answer excludes them.
    """
    scored = [v for v in CODEBOOK.variables.values() if v.scale is not None]
    rows = []
    for i in range(n):
        row = {CODEBOOK.id_column: f"R{i + 1:03d}"}
        for j, variable in enumerate(scored):
            codes = variable.scale.allowed_codes
            if variable.paired:
                skipped = (i + j) % 7 == 0
                row[variable.before_column] = None if skipped else codes[(i + j) % len(codes)]
                row[variable.after_column] = None if skipped else codes[(i + 2 * j + 1) % len(codes)]
            else:
                row[variable.id] = codes[(i + j) % len(codes)]
        for variable in scored:
            rule = variable.depends_on
            if rule and row[rule["variable"]] not in rule["codes"]:
                for column in variable.columns:
                    row[column] = None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=CODEBOOK.columns())
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def workstar_frame(n: int = 10) -> pd.DataFrame:
    """A valid Work Star file: first readings 1..10, last readings never lower."""
    spec = CODEBOOK.workstar
    rows = []
    for i in range(n):
        row = {spec.id_column: f"P{i + 1:02d}"}
        for k, area in enumerate(spec.areas):
            first = (i + k) % spec.scale_max + 1
            last = min(spec.scale_max, first + i % 3)
            missing = i == 3 and k == 2
            row[spec.first_column(area.id)] = None if missing else first
            row[spec.last_column(area.id)] = None if missing else last
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(spec.columns))
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def first_row_where(frame: pd.DataFrame, column: str, value) -> int:
    return int(frame.index[frame[column] == value][0])


def fingerprint(path: Path):
    if path.is_dir():
        return ("directory", sorted(p.name for p in path.iterdir()))
    if not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(argv, capsys) -> tuple[int, str, str]:
    status = main(["validate", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --------------------------------------------------------------------------
# the malformed-file corpus
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Malformed:
    id: str
    build: Callable[[Path], Path]
    expect: tuple[str, ...]
    args: tuple[str, ...] = field(default=())


def _edit(**cells) -> Callable[[Path], Path]:
    """A valid survey with some cells replaced: ``column=(row index, text)``."""

    def build(tmp: Path) -> Path:
        frame = survey_frame().astype(object)
        for column, (index, text) in cells.items():
            frame.loc[index, column] = text
        return write_csv(frame, tmp / "survey.csv")

    return build


def _text(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    return build


def _missing_column(tmp):
    return write_csv(survey_frame().drop(columns=["ethnicity"]), tmp / "survey.csv")


def _unknown_column(tmp):
    frame = survey_frame()
    frame.insert(3, "favourite_colour", "blue")
    return write_csv(frame, tmp / "survey.csv")


def _semicolon_decimals(tmp):
    frame = survey_frame().astype(object)
    frame.loc[2, "service_duration"] = "2,5"
    path = tmp / "survey.csv"
    frame.to_csv(path, index=False, sep=";", lineterminator="\n")
    return path


def _decimal_comma_quoted(tmp):
    return _edit(swemwbs_useful_before=(4, "3,5"))(tmp)


def _duplicate_ids(tmp):
    return _edit(respondent_id=(3, "R001"))(tmp)


def _unpaired(tmp):
    frame = survey_frame().astype(object)
    index = int(frame.index[frame["swemwbs_mind_before"].notna()][0])
    frame.loc[index, "swemwbs_mind_after"] = None
    return write_csv(frame, tmp / "survey.csv")


def _depends_on(tmp):
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 0)
    frame.loc[index, "children_live_with_mother"] = 1
    return write_csv(frame, tmp / "survey.csv")


def _empty_row(tmp):
    frame = survey_frame().astype(object)
    frame.loc[5, :] = None
    return write_csv(frame, tmp / "survey.csv")


def _blank_line(tmp):
    lines = csv_text(survey_frame()).split("\n")
    lines.insert(4, "")  # between respondents 3 and 4: spreadsheet row 5
    return _text("survey.csv", "\n".join(lines))(tmp)


def _header_only(tmp):
    return _text("survey.csv", ",".join(CODEBOOK.columns()) + "\n")(tmp)


def _semicolons(tmp):
    path = tmp / "survey.csv"
    survey_frame().to_csv(path, index=False, sep=";", lineterminator="\n")
    return path


def _tabs(tmp):
    path = tmp / "survey.csv"
    survey_frame().to_csv(path, index=False, sep="\t", lineterminator="\n")
    return path


def _bom(tmp):
    return _text("survey.csv", b"\xef\xbb\xbf" + csv_text(survey_frame()).encode())(tmp)


def _latin1(tmp):
    frame = survey_frame().astype(object)
    frame.loc[1, "respondent_id"] = "Ren\u00e9e"
    return _text("survey.csv", csv_text(frame).encode("latin-1"))(tmp)


def _utf16(tmp):
    return _text("survey.csv", csv_text(survey_frame()).encode("utf-16"))(tmp)


def _duplicate_headers(tmp):
    frame = survey_frame()
    text = csv_text(frame)
    header, rest = text.split("\n", 1)
    header = header + ",age_band"
    body = "\n".join(line + ",2" for line in rest.rstrip("\n").split("\n")) + "\n"
    return _text("survey.csv", header + "\n" + body)(tmp)


def _ragged_row(tmp):
    lines = csv_text(survey_frame()).split("\n")
    lines[3] = lines[3].rsplit(",", 10)[0]  # respondent 3 lost her last ten answers
    return _text("survey.csv", "\n".join(lines))(tmp)


def _unclosed_quote(tmp):
    lines = csv_text(survey_frame()).split("\n")
    lines[2] = lines[2].replace("R002,", 'R002,"', 1)
    return _text("survey.csv", "\n".join(lines))(tmp)


def _xlsx(frame: pd.DataFrame, path: Path, sheet: str = "survey") -> Path:
    frame.to_excel(path, index=False, sheet_name=sheet)
    return path


def _excel_wrong_sheet(tmp):
    path = tmp / "survey.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"About": ["Survey returns, spring 2020"]}).to_excel(writer, sheet_name="Notes", index=False)
        survey_frame().to_excel(writer, sheet_name="Responses", index=False)
    return path


def _excel_wrong_code(tmp):
    frame = survey_frame()
    frame.loc[3, "age_band"] = 7
    return _xlsx(frame, tmp / "survey.xlsx")


def _excel_decimal(tmp):
    frame = survey_frame().astype(object)
    frame.loc[0, "reflect_plans"] = 2.5
    return _xlsx(frame, tmp / "survey.xlsx")


def _excel_duplicate_headers(tmp):
    frame = survey_frame()
    frame.columns = [*frame.columns[:-1], "age_band"]
    return _xlsx(frame, tmp / "survey.xlsx")


def _excel_header_only(tmp):
    return _xlsx(survey_frame().iloc[:0], tmp / "survey.xlsx")


def _corrupted_xlsx(tmp):
    good = _xlsx(survey_frame(), tmp / "good.xlsx").read_bytes()
    path = tmp / "survey.xlsx"
    path.write_bytes(good[: len(good) // 2])
    good_path = tmp / "good.xlsx"
    good_path.unlink()
    return path


def _zip_not_workbook(tmp):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return _text("survey.xlsx", buffer.getvalue())(tmp)


def _xlsx_named_csv(tmp):
    return _text("survey.csv", _xlsx(survey_frame(), tmp / "s.xlsx").read_bytes())(tmp)


def _million_rows(tmp):
    path = tmp / "survey.csv"
    with path.open("wb") as handle:
        handle.write(b"respondent_id,age_band\n")
        handle.write(b"R1,2\n" * 1_000_000)
    return path


def _over_100_mb(tmp):
    path = tmp / "survey.csv"
    with path.open("wb") as handle:  # sparse: costs no disk space
        handle.truncate(100_000_001)
    return path


def _directory(tmp):
    folder = tmp / "responses"
    folder.mkdir()
    return folder


def _unsupported(tmp):
    return _text("survey.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)(tmp)


def _too_many_problems(tmp):
    frame = survey_frame().astype(object)
    frame["reflect_skills"] = "8"
    frame["reflect_range"] = "8"
    frame["reflect_plans"] = "8"
    frame["reflect_positive"] = "8"
    return write_csv(frame, tmp / "survey.csv")


def _workstar(**cells):
    def build(tmp):
        frame = workstar_frame().astype(object)
        for column, (index, value) in cells.items():
            frame.loc[index, column] = value
        return write_csv(frame, tmp / "workstar.csv")

    return build


def _survey_as_workstar(tmp):
    return write_csv(survey_frame(), tmp / "survey.csv")


CORPUS = [
    Malformed("missing-column", _missing_column, ("column 'ethnicity' is missing",)),
    Malformed(
        "unknown-extra-column",
        _unknown_column,
        ("column 'favourite_colour' is not in the codebook (unknown column)",),
    ),
    Malformed(
        "wrong-code",
        _edit(swemwbs_relaxed_after=(12, "6")),
        (f"survey.csv: column swemwbs_relaxed_after, row 14: value '6' not allowed; {SWEMWBS_ALLOWED}",),
    ),
    Malformed(
        "negative-code",
        _edit(disability=(0, "-1")),
        ("column disability, row 2: value '-1' not allowed; allowed: 0 (No), 1 (Yes), or empty",),
    ),
    Malformed(
        "text-in-numeric-column",
        _edit(age_band=(1, "twenty-five")),
        ("column age_band, row 3: value 'twenty-five' is not a whole-number code", "9 (Prefer not to say)"),
    ),
    Malformed(
        "decimal-value",
        _edit(service_duration=(6, "2.5")),
        ("column service_duration, row 8: value '2.5' is not a whole-number code (a decimal number",),
    ),
    Malformed(
        "decimal-comma-in-quoted-cell",
        _decimal_comma_quoted,
        ("column swemwbs_useful_before, row 6: value '3,5' is not a whole-number code (a decimal comma",),
    ),
    Malformed("semicolon-decimals", _semicolon_decimals, ("separated by semicolons", "decimal commas")),
    Malformed("wrong-delimiter-semicolon", _semicolons, ("separated by semicolons (';'), not by commas",)),
    Malformed("tab-delimiter", _tabs, ("separated by tabs, not by commas",)),
    Malformed(
        "duplicate-ids",
        _duplicate_ids,
        ("column respondent_id, row 5: value 'R001' duplicates the id in row 2",),
    ),
    Malformed("empty-id", _edit(respondent_id=(2, "")), ("column respondent_id, row 4: the identifier is empty",)),
    Malformed("blank-id", _edit(respondent_id=(2, "   ")), ("column respondent_id, row 4: the identifier is empty",)),
    Malformed("unpaired-before-after", _unpaired, ("column swemwbs_mind_after, row", "unpaired before/after")),
    Malformed(
        "depends-on-violation",
        _depends_on,
        ("column children_live_with_mother, row", "value '1' not allowed because has_children is '0'"),
    ),
    Malformed("fully-empty-row", _empty_row, ("row 7: the row is empty",)),
    Malformed("blank-line-inside", _blank_line, ("row 5: the row is empty",)),
    Malformed("empty-file", _text("survey.csv", b""), ("the file is empty (0 bytes)",)),
    Malformed("blank-lines-only", _text("survey.csv", "\n \n\n"), ("only blank lines",)),
    Malformed("header-only", _header_only, ("has a header row but no data rows",)),
    Malformed("utf8-bom", _bom, ("starts with a byte-order mark (BOM",)),
    Malformed("latin-1-text", _latin1, ("not UTF-8 text: byte 0xE9", "(line 3)", "re-save it as UTF-8")),
    Malformed("utf-16-text", _utf16, ("UTF-16",)),
    Malformed("duplicate-headers", _duplicate_headers, ("duplicate header 'age_band' in column 2 (B) and column 78",)),
    Malformed("ragged-row", _ragged_row, ("row 4 (line 4) has 67 fields but the header has 77",)),
    Malformed("unclosed-quote", _unclosed_quote, ("not valid CSV: the row starting on line 3 cannot be read",)),
    Malformed("excel-data-on-wrong-sheet", _excel_wrong_sheet, ("data on the wrong sheet", "'Notes'", "'Responses'")),
    Malformed("excel-wrong-code", _excel_wrong_code, ("column age_band, row 5: value '7' not allowed",)),
    Malformed("excel-decimal", _excel_decimal, ("column reflect_plans, row 2: value '2.5' is not a whole-number code",)),
    Malformed("excel-duplicate-headers", _excel_duplicate_headers, ("duplicate header 'age_band'",)),
    Malformed("excel-header-only", _excel_header_only, ("sheet 'survey' has a header row but no data rows",)),
    Malformed("corrupted-xlsx", _corrupted_xlsx, ("not a valid .xlsx workbook (not a zip archive)",)),
    Malformed("zip-but-not-workbook", _zip_not_workbook, ("zip archive but not a readable .xlsx workbook",)),
    Malformed("xlsx-named-csv", _xlsx_named_csv, ("zip archive (probably an Excel workbook) with a .csv name",)),
    Malformed("million-rows", _million_rows, ("more than 100,000 data rows",)),
    Malformed("over-100-MB", _over_100_mb, ("100,000,001 bytes, larger than the limit of 100,000,000 bytes",)),
    Malformed("unsupported-extension", _unsupported, ("unsupported file type ('.xls')", "save it as .xlsx")),
    Malformed("directory", _directory, ("is a directory",)),
    Malformed("missing-file", lambda tmp: tmp / "nowhere.csv", ("no such file",)),
    Malformed("too-many-problems", _too_many_problems, ("... and 14 more problems",)),
    Malformed(
        "workstar-out-of-range",
        _workstar(ws_stability_last=(1, 11)),
        ("column ws_stability_last, row 3: value '11' not allowed; allowed: whole numbers 1 to 10, or empty",),
    ),
    Malformed(
        "workstar-zero",
        _workstar(ws_aspiration_first=(0, 0)),
        ("column ws_aspiration_first, row 2: value '0' not allowed",),
    ),
    Malformed(
        "workstar-unpaired",
        _workstar(ws_job_search_last=(5, None)),
        ("column ws_job_search_last, row 7: empty, but ws_job_search_first is", "unpaired first/last readings"),
    ),
    Malformed(
        "workstar-duplicate-participant",
        _workstar(participant_id=(4, "P01")),
        ("column participant_id, row 6: value 'P01' duplicates the id in row 2",),
    ),
    Malformed(
        "survey-checked-as-workstar",
        _survey_as_workstar,
        ("column 'participant_id' is missing", "column 'respondent_id' is not in the codebook"),
        ("--workstar",),
    ),
]


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 25
    assert len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_malformed_file_is_rejected_with_a_clear_message(case, tmp_path, capsys):
    path = case.build(tmp_path)
    before = fingerprint(path)

    status, out, err = run_cli([str(path), *case.args], capsys)

    assert status == 2
    assert out == ""
    for expected in case.expect:
        assert expected in err, f"{expected!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err
    lines = err.rstrip("\n").split("\n")
    assert lines and all(line.startswith(f"{path}: ") or line.startswith("... and ") for line in lines)
    assert len(lines) <= MAX_LISTED_PROBLEMS + 1
    assert fingerprint(path) == before


def test_too_many_problems_are_capped(tmp_path, capsys):
    path = _too_many_problems(tmp_path)
    _, _, err = run_cli([str(path)], capsys)
    lines = err.rstrip("\n").split("\n")
    # four columns x 16 respondents = 64 bad codes: 50 listed, 14 summarised
    assert len(lines) == 51
    assert lines[-1] == "... and 14 more problems"
    report = validate_survey(path)
    assert report.n_problems == 64
    assert len(report.problems) == 51


# --------------------------------------------------------------------------
# valid files
# --------------------------------------------------------------------------


def test_valid_csv_passes_with_one_line_summary(tmp_path, capsys):
    path = write_csv(survey_frame(), tmp_path / "survey.csv")
    before = fingerprint(path)
    status, out, err = run_cli([str(path)], capsys)
    assert (status, err) == (0, "")
    assert out == f"{path}: valid — 16 respondents, 77 columns, codebook {CODEBOOK.version}\n"
    assert fingerprint(path) == before


def test_valid_xlsx_passes_with_one_line_summary(tmp_path, capsys):
    path = _xlsx(survey_frame(), tmp_path / "survey.xlsx", sheet="Sheet1")
    before = fingerprint(path)
    status, out, err = run_cli([str(path)], capsys)
    assert (status, err) == (0, "")
    assert out == f"{path}: valid — 16 respondents, 77 columns, codebook {CODEBOOK.version}\n"
    assert fingerprint(path) == before


def test_workstar_file_is_detected_by_its_id_column(tmp_path, capsys):
    path = write_csv(workstar_frame(), tmp_path / "workstar.csv")
    status, out, err = run_cli([str(path)], capsys)
    assert (status, err) == (0, "")
    assert out == f"{path}: valid — 10 participants, 15 columns, codebook {CODEBOOK.version}\n"
    status, out, _ = run_cli([str(path), "--workstar"], capsys)
    assert status == 0 and "10 participants" in out


def test_quiet_prints_nothing_for_a_valid_file(tmp_path, capsys):
    path = write_csv(survey_frame(), tmp_path / "survey.csv")
    assert run_cli([str(path), "--quiet"], capsys) == (0, "", "")


def test_columns_in_another_order_and_blanks_around_values_are_accepted(tmp_path):
    frame = survey_frame().astype(object)
    frame = frame[list(reversed(frame.columns))]
    frame.loc[0, "age_band"] = f" {frame.loc[0, 'age_band']} "
    report = validate_survey(write_csv(frame, tmp_path / "survey.csv"))
    assert report.ok, report.problems


# --------------------------------------------------------------------------
# the report and the rules, on frames
# --------------------------------------------------------------------------


def test_report_counts_and_summary_for_a_frame():
    report = validate_survey(survey_frame(), source="frame.csv")
    assert isinstance(report, ValidationReport)
    assert (report.ok, report.n_rows, report.n_columns, report.problems) == (True, 16, 77, [])
    assert report.summary() == f"frame.csv: valid — 16 respondents, 77 columns, codebook {CODEBOOK.version}"
    report.raise_if_invalid()


def test_invalid_report_summary_and_raise():
    frame = survey_frame().astype(object)
    frame.loc[0, "age_band"] = "4"
    report = validate_survey(frame, source="s.csv")
    assert not report.ok
    assert report.summary() == f"s.csv: invalid — 1 problem (16 rows, 77 columns, codebook {CODEBOOK.version})"
    with pytest.raises(SurveyValidationError) as caught:
        report.raise_if_invalid()
    assert caught.value.exit_code == 2
    assert caught.value.problems == [
        "s.csv: column age_band, row 2: value '4' not allowed; allowed: 1 (21 or under), "
        "2 (22-49), 3 (50 or over), 9 (Prefer not to say), or empty"
    ]


def test_row_numbers_are_spreadsheet_rows():
    frame = survey_frame().astype(object)
    frame.loc[0, "reflect_range"] = "0"
    frame.loc[15, "reflect_range"] = "0"
    problems = validate_survey(frame, source="s.csv").problems
    assert [p.split(": ")[1] for p in problems] == ["column reflect_range, row 2", "column reflect_range, row 17"]


def test_a_bad_cell_is_reported_once():
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 1)
    frame.loc[index, "has_children"] = "yes"  # not a number: not also "not allowed"
    report = validate_survey(frame, source="s.csv")
    assert report.n_problems == 1
    assert "value 'yes' is not a whole-number code" in report.problems[0]


def test_routing_allows_the_child_when_the_parent_is_missing_or_matches():
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 0)
    frame.loc[index, "has_children"] = None
    frame.loc[index, "children_live_with_mother"] = 1
    assert validate_survey(frame).ok
    frame.loc[index, "has_children"] = 1
    assert validate_survey(frame).ok
    frame.loc[index, "has_children"] = 0
    assert validate_survey(frame).n_problems == 1


def test_a_pair_left_empty_on_both_sides_is_valid():
    frame = survey_frame()
    frame.loc[0, ["swemwbs_close_before", "swemwbs_close_after"]] = pd.NA
    assert validate_survey(frame).ok


def test_typed_frame_from_read_survey_validates(tmp_path):
    typed = read_survey(write_csv(survey_frame(), tmp_path / "survey.csv"))
    assert validate_survey(typed).ok


def test_a_frame_without_rows_is_invalid():
    report = validate_survey(survey_frame().iloc[:0], source="f")
    assert report.problems == ["f: no data rows; expected one row per respondent"]


def test_duplicate_column_names_in_a_frame():
    frame = survey_frame()
    frame.columns = [*frame.columns[:-1], "age_band"]
    report = validate_survey(frame, source="f")
    assert report.problems == ["f: duplicate column 'age_band'; every column name must appear once"]


def test_unreadable_path_gives_a_report_not_an_exception(tmp_path):
    report = validate_survey(tmp_path / "absent.csv")
    assert (report.ok, report.n_rows) == (False, 0)
    assert report.problems == [f"{tmp_path / 'absent.csv'}: no such file"]


def test_validate_workstar_frame():
    assert validate_workstar(workstar_frame(), source="w.csv").summary() == (
        f"w.csv: valid — 10 participants, 15 columns, codebook {CODEBOOK.version}"
    )
    frame = workstar_frame().astype(object)
    frame.loc[0, "ws_health_wellbeing_first"] = "7.5"
    (problem,) = validate_workstar(frame, source="w.csv").problems
    assert problem.startswith("w.csv: column ws_health_wellbeing_first, row 2: value '7.5' is not a whole-number code")


def test_detect_kind():
    assert detect_kind(workstar_frame().columns) == "workstar"
    assert detect_kind(survey_frame().columns) == "survey"
    assert detect_kind(["something", "else"]) == "survey"


def test_schemas_are_pandera_schemas_built_from_the_codebook():
    cells, codes, rules = survey_schemas(CODEBOOK)
    assert all(isinstance(schema, pa.DataFrameSchema) for schema in (cells, codes, rules))
    assert cells.strict is True
    assert list(cells.columns) == CODEBOOK.columns()
    assert cells.columns["respondent_id"].unique and not cells.columns["respondent_id"].nullable
    (isin,) = codes.columns["age_band"].checks
    assert sorted(isin.statistics["allowed_values"]) == [1, 2, 3, 9]
    (isin,) = codes.columns["swemwbs_mind_after"].checks
    assert sorted(isin.statistics["allowed_values"]) == [1, 2, 3, 4, 5]
    assert sorted(rules.columns) == sorted(
        [f"paired:{v.id}" for v in CODEBOOK.paired_items()] + ["depends_on:children_live_with_mother"]
    )
    (isin,) = rules.columns["depends_on:children_live_with_mother"].checks
    assert isin.statistics["allowed_values"] == [1]

    ws_cells, ws_codes, ws_rules = workstar_schemas(CODEBOOK)
    assert list(ws_cells.columns) == list(CODEBOOK.workstar.columns)
    (in_range,) = ws_codes.columns["ws_stability_first"].checks
    assert (in_range.statistics["min_value"], in_range.statistics["max_value"]) == (1, 10)
    assert len(ws_rules.columns) == len(CODEBOOK.workstar.areas)


def test_rule_frame_puts_cross_column_rules_in_columns():
    text = text_cells(survey_frame())
    index = int(text.index[text["swemwbs_mind_before"].notna()][0])
    text.loc[index, "swemwbs_mind_after"] = None
    child = first_row_where(text, "has_children", "0")
    text.loc[child, "children_live_with_mother"] = "1"
    derived = rule_frame(text, CODEBOOK)
    assert derived.loc[index, "paired:swemwbs_mind"] == 1
    assert set(derived["paired:swemwbs_mind"].drop(index)) <= {0, 2}
    assert derived.loc[child, "depends_on:children_live_with_mother"] == 0
    rules = survey_schemas(CODEBOOK).rules
    with pytest.raises(SchemaErrors) as caught:
        rules.validate(derived, lazy=True)
    failures = caught.value.failure_cases
    assert sorted(zip(failures["column"], failures["index"])) == sorted(
        [("paired:swemwbs_mind", index), ("depends_on:children_live_with_mother", child)]
    )


def test_read_errors_surface_as_validation_errors(tmp_path):
    path = _text("survey.csv", b"")(tmp_path)
    with pytest.raises(SurveyValidationError) as caught:
        read_table(path)
    assert caught.value.problems == [f"{path}: the file is empty (0 bytes); expected a header row and one row per respondent"]
