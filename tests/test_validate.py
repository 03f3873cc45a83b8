"""Validation of survey and Work Star files: ``cwp_analysis.validate`` and ``cwp validate``.

The fixtures are built here from the codebook (never from the synthetic
data set).  The corpus of unusable files (``tests/malformed_corpus.py``,
shared with ``tests/reliability/test_bad_input.py``) is written to
``tmp_path``: each must give exit status 2 from ``cwp validate``, a message
naming the problem (and its column and row where there is one), no
traceback, and leave the file's bytes unchanged.  The policy's warnings are
tested in ``tests/test_validation_policy.py``.

Changed with the validation policy of issue 9: a byte-order mark, cp1252
text, UTF-16 with a byte-order mark, semicolons and tabs are read rather
than refused; half-answered pairs, answers where the skip logic skipped the
question, blank rows and columns not in the codebook are warnings, not
errors; answer labels are read as codes; value errors are one line per
column and value.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

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
    check_table,
    detect_kind,
    rule_frame,
    survey_schemas,
    validate_survey,
    validate_workstar,
    workstar_schemas,
)
from tests.malformed_corpus import ERRORS

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
# the corpus of unusable files
# --------------------------------------------------------------------------


def test_corpus_is_large_enough():
    assert len(ERRORS) >= 40
    assert len({case.id for case in ERRORS}) == len(ERRORS)


@pytest.mark.parametrize("case", ERRORS, ids=lambda case: case.id)
def test_unusable_file_is_rejected_with_a_clear_message(case, tmp_path, capsys):
    path = case.make(tmp_path)
    before = fingerprint(path)

    status, out, err = run_cli([str(path), *case.argv(tmp_path)], capsys)

    assert status == 2
    assert out == ""
    lines = err.rstrip("\n").split("\n")
    assert case.expect[0] in lines[0], err[:600]
    for expected in case.expect:
        assert expected in err, f"{expected!r} not in {err!r}"
    assert "Traceback" not in err and "internal error" not in err
    shown = [str(path)] + [a for a in case.argv(tmp_path) if a.endswith(".yaml")]
    assert all(line.startswith(tuple(f"{s}: " for s in shown)) or line.startswith("... and ") for line in lines)
    assert len(lines) <= 2 * MAX_LISTED_PROBLEMS + 3
    assert fingerprint(path) == before


def test_too_many_errors_are_capped(tmp_path, capsys):
    case = next(c for c in ERRORS if c.id == "many-wrong-codes")
    path = case.make(tmp_path)
    _, _, err = run_cli([str(path)], capsys)
    lines = err.rstrip("\n").split("\n")
    # 4 columns x 16 respondents, each a different value: 64 errors, 50 listed, 14 counted, then the summary
    assert len(lines) == 52
    assert lines[-2] == "... and 14 more errors"
    assert lines[-1] == (f"{path}: invalid — 64 errors (64 codes not in the codebook) and 0 warnings — "
                         f"16 rows, 77 columns, codebook {CODEBOOK.version}")
    report = validate_survey(path)
    assert (report.n_errors, len(report.errors), report.n_problems) == (64, 51, 64)


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
    path = tmp_path / "survey.xlsx"
    survey_frame().to_excel(path, index=False, sheet_name="Sheet1")
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
    assert report.summary() == (
        f"s.csv: invalid — 1 error (1 code not in the codebook) and 0 warnings — 16 rows, 77 columns, "
        f"codebook {CODEBOOK.version}"
    )
    with pytest.raises(SurveyValidationError) as caught:
        report.raise_if_invalid()
    assert caught.value.exit_code == 2
    assert caught.value.problems == [
        "s.csv: column age_band, row 2: value '4' not allowed; allowed: 1 (21 or under), "
        "2 (22-49), 3 (50 or over), 9 (Prefer not to say), or empty"
    ]


def test_row_numbers_are_spreadsheet_rows_and_a_value_is_one_error():
    frame = survey_frame().astype(object)
    frame.loc[0, "reflect_range"] = "0"
    frame.loc[15, "reflect_range"] = "0"
    frame.loc[4, "reflect_range"] = "7"
    problems = validate_survey(frame, source="s.csv").problems
    assert [p.split(": ")[1] for p in problems] == ["column reflect_range, rows 2, 17", "column reflect_range, row 6"]


def test_a_bad_cell_is_reported_once():
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 1)
    frame.loc[index, "has_children"] = "maybe"  # not a code or label: not also a skip-logic slip
    report = validate_survey(frame, source="s.csv")
    assert (report.n_problems, report.n_warnings) == (1, 0)
    assert "value 'maybe' is neither a code nor a label of this question" in report.problems[0]


def test_labels_are_read_as_codes():
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 1)
    frame.loc[index, "has_children"] = " YES "
    report, typed = check_table(frame, CODEBOOK, source="s.csv")
    assert report.ok and report.actions == {"labels_read": 1}
    assert typed.loc[index, "has_children"] == 1


def test_routing_allows_the_child_when_the_parent_is_missing_or_matches():
    frame = survey_frame().astype(object)
    index = first_row_where(frame, "has_children", 0)
    frame.loc[index, "has_children"] = None
    frame.loc[index, "children_live_with_mother"] = 1
    assert (validate_survey(frame).ok, validate_survey(frame).n_warnings) == (True, 0)
    frame.loc[index, "has_children"] = 1
    assert (validate_survey(frame).ok, validate_survey(frame).n_warnings) == (True, 0)
    frame.loc[index, "has_children"] = 0
    report = validate_survey(frame)
    assert (report.ok, report.n_problems, report.warning_counts) == (True, 0, {"skip_slip": 1})
    assert validate_survey(frame, strict=True).n_problems == 1


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
    assert report.problems == [
        "f: duplicate column 'age_band'; every column name must appear once",
        f"f: column 'rel_family_contact_after' is missing; every codebook column must be present (it may be "
        f"empty) (codebook {CODEBOOK.version})",
    ]


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
    assert cells.strict == "filter"  # columns not in the codebook are ignored (a warning)
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
    path = tmp_path / "survey.csv"
    path.write_bytes(b"")
    with pytest.raises(SurveyValidationError) as caught:
        read_table(path)
    assert caught.value.problems == [f"{path}: the file is empty (0 bytes); expected a header row and one row per respondent"]
