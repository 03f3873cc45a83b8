"""Property-based tests of reading and validation (hypothesis).

* Codebook-valid surveys of random size, item non-response, half-answered
  pairs, skip-logic slips and labels, in every format, validate without an
  error and read back to the generator's codes.
* Whatever is written into a survey's cells, columns or rows, validation
  returns a report and reading either returns a frame or raises the
  documented :class:`~cwp_analysis.errors.SurveyValidationError`: never
  another exception.
* The vectorised validator and the pandera schemas built from the same
  codebook find the same bad values, half-answered pairs and skip-logic
  slips.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from cwp_analysis.cells import text_cells
from cwp_analysis.codebook import load_codebook
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.survey_io import load_survey, read_survey
from cwp_analysis.validate import check_table, survey_schemas, validate_survey
from cwp_analysis.validation_schemas import coded_frame, rule_frame
from tests.survey_factory import FORMATS, codebook_items, make_survey, write_survey
from tests.test_readers import SUFFIX, expected_codes

CODEBOOK = load_codebook()
ITEMS = codebook_items()
CODE_COLUMNS = [column for item in ITEMS for column in item.columns]
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

surveys = st.fixed_dictionaries({
    "n": st.integers(1, 30),
    "seed": st.integers(0, 2**16),
    "missing": st.floats(0, 0.6),
    "half_pairs": st.floats(0, 0.3),
    "skip_slips": st.integers(0, 3),
    "labels": st.floats(0, 1),
})


def _item_of(column: str):
    return next(item for item in ITEMS if column in item.columns)


@st.composite
def cell_values(draw, column: str) -> str:
    """Anything a cell of ``column`` might hold: codes, labels in any case, numbers, text, nothing."""
    item = _item_of(column)
    label = st.sampled_from(list(item.codes.values()))
    return draw(st.one_of(
        st.sampled_from([str(code) for code in item.codes]),
        st.integers(-3, 120).map(str),
        label.map(str.upper), label.map(lambda text: f"  {text.lower()} "),
        st.floats(-5, 15, allow_nan=False).map(lambda x: f"{x:.2f}"),
        st.sampled_from(["", "  ", "NA", "n/a", "-", "3,5", "1e3", "yes!", "Ver likely"]),
        st.text(max_size=6),
    ))


@st.composite
def corrupted(draw) -> pd.DataFrame:
    """A generated survey with random cells replaced."""
    frame = make_survey(draw(st.integers(1, 12)), draw(st.integers(0, 999)), missing=draw(st.floats(0, 0.5)),
                        skip_slips=draw(st.integers(0, 2)))
    for _ in range(draw(st.integers(0, 12))):
        column = draw(st.sampled_from(CODE_COLUMNS))
        frame.loc[draw(st.integers(0, len(frame) - 1)), column] = draw(cell_values(column))
    return frame


@SETTINGS
@given(options=surveys, fmt=st.sampled_from(FORMATS))
def test_codebook_valid_surveys_validate_and_read_back(options, fmt):
    frame = make_survey(options.pop("n"), options.pop("seed"), **options)
    with tempfile.TemporaryDirectory() as folder:
        path = write_survey(frame, Path(folder) / f"export{SUFFIX[fmt]}", fmt)
        report = validate_survey(path)
        loaded = load_survey(path)
    assert report.ok and report.n_errors == 0, report.errors[:3]
    assert report.n_rows == len(frame)
    pd.testing.assert_frame_equal(loaded.frame, expected_codes(frame), check_column_type=False)
    slips = loaded.report.warning_counts.get("skip_slip", 0)
    assert loaded.frame.attrs["validation"]["n_skip_slips_set_missing"] == slips


@SETTINGS
@given(frame=corrupted(), extra=st.lists(st.text(max_size=8), max_size=3),
       dropped=st.lists(st.sampled_from(CODE_COLUMNS), max_size=2), duplicate=st.booleans())
def test_validation_never_raises_and_reading_raises_only_its_documented_error(frame, extra, dropped, duplicate):
    for name in extra:
        frame[name if name not in frame else f"{name}_extra"] = "x"
    frame = frame.drop(columns=sorted(set(dropped)))
    if duplicate and len(frame) > 1:
        frame.loc[1, "respondent_id"] = frame.loc[0, "respondent_id"]
    report = validate_survey(frame, source="s.csv")
    assert report.n_errors == sum(report.error_counts.values())
    assert (report.n_errors == 0) == report.ok
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        frame.to_csv(path, index=False)
        on_file = validate_survey(path)
        try:
            typed = read_survey(path)
        except SurveyValidationError as error:
            assert error.exit_code == 2 and error.problems
            assert not on_file.ok
        else:
            assert on_file.ok
            assert list(typed.columns) == CODEBOOK.columns()
            assert all(str(typed[c].dtype) == "Int64" for c in typed.columns[1:])


def _pandera_findings(text: pd.DataFrame) -> tuple[int, int, int]:
    """Distinct bad (column, value) pairs, half-answered pairs and skip-logic slips, by the pandera schemas."""
    schemas = survey_schemas(CODEBOOK)
    bad: set[tuple[str, int]] = set()
    for schema, checked in ((schemas.cells, text), (schemas.codes, coded_frame(text, CODEBOOK))):
        try:
            schema.validate(checked, lazy=True)
        except SchemaErrors as errors:
            cases = errors.failure_cases
            bad |= {(str(c), int(i)) for c, i in zip(cases["column"], cases["index"]) if pd.notna(i)}
    values = {(column, text.at[index, column]) for column, index in bad}
    halves = slips = 0
    try:
        schemas.rules.validate(rule_frame(text, CODEBOOK), lazy=True)
    except SchemaErrors as errors:
        checked = errors.failure_cases["column"].astype(str)
        halves = int(checked.str.startswith("paired:").sum())
        slips = int(checked.str.startswith("depends_on:").sum())
    return len(values), halves, slips


@SETTINGS
@given(frame=corrupted())
def test_the_validator_and_the_pandera_schemas_agree(frame):
    report = validate_survey(frame, source="s.csv")
    values, halves, slips = _pandera_findings(text_cells(frame))
    value_errors = sum(report.error_counts.get(k, 0) for k in ("not_allowed", "wrong_type", "unknown_label"))
    assert value_errors == values
    assert set(report.error_counts) <= {"not_allowed", "wrong_type", "unknown_label"}
    if report.ok:  # warnings are worked out once the values are known good
        assert report.warning_counts.get("half_pair", 0) == halves
        assert report.warning_counts.get("skip_slip", 0) == slips


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_small_surveys_with_everything_at_once(n):
    frame = make_survey(n, n, missing=0.3, half_pairs=0.3, skip_slips=1, labels=0.5, before_equals_after=True,
                        empty_domains=("relationships",))
    report, typed = check_table(frame, CODEBOOK, source="s.csv")
    assert report.ok and report.n_rows == n == len(typed)
    assert report.warning_counts.get("skip_slip") == 1 and pd.isna(typed.loc[0, "children_live_with_mother"])
    assert typed[[c for c in typed.columns if c.startswith("rel_")]].isna().all().all()
    pd.testing.assert_frame_equal(typed, expected_codes(frame), check_column_type=False)
    for item in (i for i in ITEMS if i.paired):
        before, after = typed[f"{item.id}_before"], typed[f"{item.id}_after"]
        both = before.notna() & after.notna()
        assert (before[both] == after[both]).all()
