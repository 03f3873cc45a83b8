"""The validation policy: errors make a file unusable, warnings are listed and the file is used.

Files come from the shared corpus (``tests/malformed_corpus.py``) and the
independent generator (``tests/survey_factory.py``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cwp_analysis.cli import main
from cwp_analysis.codebook import SKIP_SLIP_DEFAULT, load_codebook, parse_codebook
from cwp_analysis.errors import ColumnMappingError, DataFileError, SurveyValidationError
from cwp_analysis.paths import data_file
from cwp_analysis.survey_io import load_survey, read_survey
from cwp_analysis.validate import check_table, validate_survey, validate_workstar
from cwp_analysis.validation_report import ERROR_KINDS, WARNING_KINDS, ValidationReport
from tests.malformed_corpus import ERRORS, WARNINGS, base_survey, csv_bytes, write

CODEBOOK = load_codebook()


def run_cli(argv, capsys) -> tuple[int, str, str]:
    status = main(["validate", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def report_for(case, tmp_path: Path, path: Path | None = None) -> ValidationReport:
    """What the library says about a corpus file, given the case's ``cwp validate`` options."""
    path = path or case.make(tmp_path)
    args = case.argv(tmp_path)
    options = {name.lstrip("-"): value for name, value in zip(args[::2], args[1::2]) if name != "--workstar"}
    validate = validate_workstar if case.kind == "workstar" else validate_survey
    return validate(path, **options)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


def test_every_kind_of_error_is_in_the_corpus(tmp_path):
    found = set()
    for number, case in enumerate(ERRORS):
        if case.id in ("million-rows", "over-100-MB"):
            continue  # reading problems like the others; large, so built once in test_validate.py
        folder = tmp_path / str(number)
        folder.mkdir()
        report = report_for(case, folder)
        assert not report.ok and report.n_errors >= 1, case.id
        found |= set(report.error_counts)
    # a file without data rows is a reading problem; "no_rows" is for frames (test_validate.py)
    assert found == set(ERROR_KINDS) - {"no_rows"}


@pytest.mark.parametrize("case", [c for c in ERRORS if c.id not in ("million-rows", "over-100-MB")],
                         ids=lambda case: case.id)
def test_the_library_agrees_with_the_command_line(case, tmp_path, capsys):
    path = case.make(tmp_path)
    report = report_for(case, tmp_path, path)
    status, _, err = run_cli([str(path), *case.argv(tmp_path)], capsys)
    assert status == 2 and not report.ok
    assert report.errors[0].split(": ", 1)[1][:60] in err.split("\n", 1)[0]


# --------------------------------------------------------------------------
# warnings
# --------------------------------------------------------------------------


def test_every_kind_of_warning_is_in_the_corpus(tmp_path):
    found = set()
    for number, case in enumerate(WARNINGS):
        folder = tmp_path / str(number)
        folder.mkdir()
        report = report_for(case, folder)
        assert report.ok and report.n_errors == 0 and report.n_warnings == 1, case.id
        found |= set(report.warning_counts)
    assert found == set(WARNING_KINDS)


@pytest.mark.parametrize("case", WARNINGS, ids=lambda case: case.id)
def test_a_warning_is_listed_with_file_column_row_and_value_and_the_file_is_valid(case, tmp_path, capsys):
    path = case.make(tmp_path)
    before = path.read_bytes()

    status, out, err = run_cli([str(path)], capsys)

    assert status == 0
    unit = "participants" if case.kind == "workstar" else "respondents"
    assert out.startswith(f"{path}: valid with 1 warning (") and f" {unit}, " in out
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith(f"{path}: ")
    for expected in case.expect:
        assert expected in err
    assert path.read_bytes() == before

    status, out, err = run_cli([str(path), "--strict"], capsys)
    assert status == 2 and out == ""
    lines = err.rstrip("\n").split("\n")
    assert case.expect[0] in lines[0]
    assert lines[-1].startswith(f"{path}: invalid (strict: warnings count as errors) — 0 errors and 1 warning")


def test_quiet_keeps_the_warnings_and_drops_the_summary(tmp_path, capsys):
    path = WARNINGS[0].make(tmp_path)
    status, out, err = run_cli([str(path), "--quiet"], capsys)
    assert (status, out) == (0, "")
    assert WARNINGS[0].expect[0] in err


def test_the_summary_counts_warnings_by_kind(tmp_path, capsys):
    frame = base_survey()
    frame.loc[[1, 4], "swemwbs_mind_before"] = ""
    frame.loc[0, "children_live_with_mother"] = "1"  # has_children is 0 in row 2
    frame.loc[7, frame.columns[1:]] = ""
    frame["Notes"] = "x"
    path = write(tmp_path, "survey.csv", csv_bytes(frame))
    status, out, err = run_cli([str(path)], capsys)
    assert status == 0
    assert out == (
        f"{path}: valid with 5 warnings (2 half-answered pairs, 1 respondent without answers, "
        "1 answer to a question the skip logic skipped, 1 column not in the codebook ignored) — "
        f"16 respondents, 78 columns, codebook {CODEBOOK.version}\n"
    )
    rows = [line.split(": ")[1] for line in err.rstrip("\n").split("\n")]
    # the file's own findings first, then by row and column
    assert rows == ["column 'Notes' is not in the codebook; ignored (its values are not read)",
                    "column children_live_with_mother, row 2", "column swemwbs_mind_after, row 3",
                    "column swemwbs_mind_after, row 6", "column respondent_id, row 9"]


def test_help_states_the_policy(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("ERRORS (exit status 2", "WARNINGS (exit status 0", "--strict turns every warning into an error",
                   "if_answered_when_skipped", "--encoding NAME", "--sheet NAME", "--columns FILE"):
        assert phrase in text


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------


def test_report_keeps_errors_and_warnings_apart_and_strict_joins_them():
    frame = base_survey()
    frame.loc[0, "age_band"] = "7"
    frame.loc[3, "swemwbs_mind_after"] = ""
    report = validate_survey(frame, source="s.csv")
    assert (report.ok, report.n_errors, report.n_warnings) == (False, 1, 1)
    assert report.problems == report.errors and report.n_problems == 1
    assert report.errors[0].startswith("s.csv: column age_band, row 2: value '7' not allowed")
    assert report.warnings[0].startswith("s.csv: column swemwbs_mind_before, row 5: value")

    frame.loc[0, "age_band"] = "2"
    lenient, strict = validate_survey(frame, source="s.csv"), validate_survey(frame, source="s.csv", strict=True)
    assert (lenient.ok, lenient.n_problems, lenient.problems) == (True, 0, [])
    lenient.raise_if_invalid()
    with pytest.raises(SurveyValidationError) as caught:
        lenient.raise_if_invalid(strict=True)
    assert caught.value.problems == lenient.warnings and caught.value.exit_code == 2
    assert (strict.ok, strict.n_errors, strict.n_warnings, strict.n_problems) == (False, 0, 1, 1)
    assert strict.problems == strict.warnings
    with pytest.raises(SurveyValidationError):
        strict.raise_if_invalid()


def test_as_dict_holds_counts_and_no_cell_values():
    frame = base_survey()
    frame.loc[3, "swemwbs_mind_after"] = ""
    frame.loc[0, "children_live_with_mother"] = "Yes"
    frame.loc[1, "age_band"] = "prefer NOT to say"
    summary = validate_survey(frame, source="s.csv").as_dict()
    assert summary["warnings_by_kind"] == {"half_pair": 1, "skip_slip": 1}
    assert (summary["n_skip_slips_set_missing"], summary["n_labels_read"]) == (1, 2)
    assert (summary["n_skip_slips_kept"], summary["n_blank_rows_ignored"], summary["n_columns_ignored"]) == (0, 0, 0)
    assert (summary["n_errors"], summary["n_warnings"], summary["ok"]) == (0, 2, True)
    flat = repr({k: v for k, v in summary.items() if k != "summary"})
    for identifier in frame["respondent_id"]:
        assert identifier not in flat


# --------------------------------------------------------------------------
# what reading does to the data
# --------------------------------------------------------------------------


def test_skip_slips_are_read_as_missing_and_recorded(tmp_path):
    frame = base_survey()
    frame.loc[0, "children_live_with_mother"] = "1"  # has_children is 0
    path = write(tmp_path, "survey.csv", csv_bytes(frame))
    loaded = load_survey(path)
    assert pd.isna(loaded.frame.loc[0, "children_live_with_mother"])
    assert loaded.frame["children_live_with_mother"].notna().sum() == (frame["children_live_with_mother"] != "").sum() - 1
    assert loaded.report.actions["skip_slips_set_missing"] == 1
    assert loaded.frame.attrs["validation"]["n_skip_slips_set_missing"] == 1
    assert loaded.frame.attrs["validation"]["warnings_by_kind"] == {"skip_slip": 1}


def _codebook_with(handling: str | None):
    raw = yaml.safe_load(data_file("codebook.yaml").read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    for variable in raw["variables"]:
        if variable.get("depends_on"):
            variable["depends_on"].pop("if_answered_when_skipped", None)
            if handling is not None:
                variable["depends_on"]["if_answered_when_skipped"] = handling
    return raw


def test_the_codebook_says_how_skip_slips_are_handled(tmp_path):
    assert SKIP_SLIP_DEFAULT == "missing"
    assert CODEBOOK.variable("children_live_with_mother").if_answered_when_skipped == "missing"
    assert CODEBOOK.variable("has_children").if_answered_when_skipped is None
    default = parse_codebook(_codebook_with(None))
    assert default.variable("children_live_with_mother").depends_on["if_answered_when_skipped"] == "missing"
    keep = parse_codebook(_codebook_with("keep"))
    frame = base_survey()
    frame.loc[0, "children_live_with_mother"] = "1"
    report, typed = check_table(frame, keep, source="s.csv")
    assert typed.loc[0, "children_live_with_mother"] == 1
    assert report.actions["skip_slips_kept"] == 1
    assert report.warnings[0].endswith("kept (codebook: if_answered_when_skipped: keep)")
    with pytest.raises(DataFileError, match="if_answered_when_skipped"):
        parse_codebook(_codebook_with("drop the respondent"))


def test_codebook_labels_must_identify_their_code():
    raw = _codebook_with(None)
    raw["scales"]["yes_no"]["codes"] = {0: "Yes", 1: " YES "}
    with pytest.raises(DataFileError, match="labels of codes 0 and 1 are the same when case and blanks are ignored"):
        parse_codebook(raw)
    raw = _codebook_with(None)
    raw["scales"]["yes_no"]["codes"] = {0: "1", 1: "Yes"}
    with pytest.raises(DataFileError, match="the label of code 0 is a number"):
        parse_codebook(raw)
    raw = _codebook_with(None)
    raw["variables"][5]["depends_on"]["codes"] = [1, 7]
    with pytest.raises(DataFileError, match=r"depends_on codes \[7\] are not codes of 'has_children'"):
        parse_codebook(raw)


def test_blank_rows_are_dropped_and_respondents_without_answers_kept(tmp_path):
    frame = base_survey()
    frame.loc[5, :] = ""
    frame.loc[9, frame.columns[1:]] = ""
    loaded = load_survey(write(tmp_path, "survey.csv", csv_bytes(frame)))
    assert len(loaded.frame) == 15 and loaded.report.n_rows == 15
    assert "P0006" not in set(loaded.frame["respondent_id"])
    kept = loaded.frame.set_index("respondent_id").loc["P0010"]
    assert kept.isna().all()
    assert loaded.report.warning_counts == {"no_answers": 1, "blank_row": 1}


def test_a_file_of_blank_rows_has_no_data(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(",".join(CODEBOOK.columns()) + "\n" + "," * 76 + "\n" + " ," * 76 + "\n", encoding="utf-8")
    report = validate_survey(path)
    assert report.errors == [f"{path}: no data rows (every row is blank); expected one row per respondent"]
    assert (report.n_rows, report.error_counts) == (0, {"no_rows": 1})
    with pytest.raises(SurveyValidationError):
        read_survey(path)


def test_labels_and_codes_mixed_in_one_file(tmp_path):
    frame = base_survey()
    frame.loc[0, "age_band"] = "  prefer not TO say "
    frame.loc[1, "has_children"] = "no"
    frame.loc[2, "swemwbs_mind_before"] = "Often"
    typed = read_survey(write(tmp_path, "survey.csv", csv_bytes(frame)))
    assert typed.loc[0, "age_band"] == 9 and typed.loc[1, "has_children"] == 0
    assert typed.loc[2, "swemwbs_mind_before"] == 4
    assert typed.attrs["validation"]["n_labels_read"] == 3


def test_strict_reading_refuses_warnings(tmp_path):
    frame = base_survey()
    frame.loc[3, "swemwbs_mind_after"] = ""
    path = write(tmp_path, "survey.csv", csv_bytes(frame))
    assert read_survey(path).shape == (16, 77)
    with pytest.raises(SurveyValidationError) as caught:
        read_survey(path, strict=True)
    assert caught.value.problems[0].startswith(f"{path}: column swemwbs_mind_before, row 5: value")


def test_a_bad_mapping_is_a_validation_error(tmp_path):
    path = write(tmp_path, "survey.csv", csv_bytes(base_survey()))
    with pytest.raises(ColumnMappingError) as caught:
        read_survey(path, columns={"Age": "age", "Q2": "age_band", "Q3": "age_band"})
    assert caught.value.exit_code == 2
    assert caught.value.problems == [
        "<mapping>: 'Age' maps to 'age', which is not a column of a survey file in the codebook",
        "<mapping>: 'Q2' and 'Q3' both map to 'age_band'; each codebook column takes one export column",
    ]
    report = validate_survey(path, columns={"kind": "workstar", "columns": {"ID": "participant_id"}})
    assert report.error_counts == {"column_mapping": 1}
    assert report.errors == ["<mapping>: the column mapping is for a workstar file, not a survey file"]
