"""Tests for cwp_analysis.disclosure: hand-worked suppression patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cwp_analysis.disclosure import (
    DisclosureError,
    check_disclosure,
    disclose,
    refuse_respondent_level,
)
from cwp_analysis.errors import CwpError

C = "[c]"


def margins_table(label: str = "Total") -> pd.DataFrame:
    """3 x 3 table with row and column totals; one small cell (r1, A) = 5."""
    body = pd.DataFrame(
        {"A": [5, 12, 25], "B": [20, 15, 18], "C": [30, 40, 22]}, index=["r1", "r2", "r3"]
    )
    body[label] = body.sum(axis=1)
    body.loc[label] = body.sum(axis=0)
    return body


def hidden(result) -> set[tuple[str, str]]:
    mask = result.suppressed
    return {(r, c) for r in mask.index for c in mask.columns if mask.loc[r, c]}


# --- primary and secondary suppression, worked by hand ----------------------


def test_margins_table_secondary_pattern_worked_by_hand():
    # (r1, A) = 5 is primary.  Row r1: smallest other non-total cell is
    # B = 20.  Column A: smallest other is r2 = 12.  That leaves column B
    # with one suppressed cell, so its smallest other cell r2 = 15 goes too;
    # row r2 then holds two suppressed cells and every line is protected.
    table = margins_table()
    result = disclose(table)
    assert hidden(result) == {("r1", "A"), ("r1", "B"), ("r2", "A"), ("r2", "B")}
    assert (result.n_primary, result.n_secondary, result.n_derived) == (1, 3, 0)
    assert result.primary.loc["r1", "A"] and not result.primary.loc["r1", "B"]
    assert result.unprotected == ()


def test_margins_table_totals_unchanged_and_consistent():
    table = margins_table()
    out = disclose(table).table
    # the published totals are the true totals ...
    assert out.loc["Total"].tolist() == [42, 53, 92, 187]
    assert out["Total"].tolist() == [55, 67, 65, 187]
    # ... and every published number is the original number
    for r in table.index:
        for c in table.columns:
            if out.loc[r, c] != C:
                assert out.loc[r, c] == table.loc[r, c]
    # the hidden cells of row r1 add up to total minus shown cells, with two unknowns
    assert 55 - out.loc["r1", "C"] == table.loc["r1", "A"] + table.loc["r1", "B"]


def test_every_line_with_a_suppressed_cell_has_two():
    result = disclose(margins_table())
    mask = result.suppressed
    for _, row in mask.iterrows():
        assert row.sum() in (0, 2, 3, 4)
    for column in mask.columns:
        assert mask[column].sum() != 1
    check_disclosure(result.table)  # the audit agrees


def test_custom_total_labels_give_same_pattern():
    auto = disclose(margins_table())
    explicit = disclose(margins_table("Sum"), total_rows=["Sum"], total_columns=["Sum"])
    assert hidden(explicit) == hidden(auto)


def test_total_suppressed_when_no_other_cell_can_protect_a_line():
    # Row r1's B is missing, so the only cell that can hide A = 5 is the row
    # total (tier 2).  Column Total then has one suppressed cell and takes
    # r2's total (50, smaller than 60); row r2 is now protected by A or
    # Total; column A takes r2 A = 20.
    table = pd.DataFrame(
        {"A": [5, 20, 25], "B": [np.nan, 30, 35], "Total": [40, 50, 60]}, index=["r1", "r2", "r3"]
    )
    result = disclose(table, count_columns=["A", "B", "Total"])
    assert hidden(result) == {("r1", "A"), ("r1", "Total"), ("r2", "A"), ("r2", "Total")}
    assert pd.isna(result.table.loc["r1", "B"])  # missing stays missing


def test_secondary_columns_only_and_off():
    table = pd.DataFrame({"before": [30, 33, 5], "after": [10, 20, 38]}, index=["x", "y", "z"])
    by_column = disclose(table, secondary="columns")
    assert hidden(by_column) == {("z", "before"), ("x", "before")}
    off = disclose(table, secondary=False)
    assert hidden(off) == {("z", "before")}
    assert off.n_secondary == 0


# --- threshold and zeros -----------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "expected_hidden", "n_primary", "n_secondary"),
    [
        (3, {"a", "b"}, 1, 1),  # 3 primary; smallest non-zero other (5) protects it
        (5, {"a", "b"}, 2, 0),  # 3 and 5 primary; already two in the column
        (7, {"a", "b"}, 2, 0),
        (9, {"a", "b", "c"}, 3, 0),
        (1, set(), 0, 0),  # nothing in 1..1
    ],
)
def test_threshold_parameter(threshold, expected_hidden, n_primary, n_secondary):
    table = pd.DataFrame({"n": [3, 5, 9, 40]}, index=["a", "b", "c", "d"])
    result = disclose(table, threshold=threshold)
    assert {r for r, _ in hidden(result)} == expected_hidden
    assert (result.n_primary, result.n_secondary, result.threshold) == (n_primary, n_secondary, threshold)


def test_zero_is_not_suppressed_and_not_preferred_as_complement():
    table = pd.DataFrame({"n": [0, 5, 30, 40]}, index=["none", "few", "some", "many"])
    result = disclose(table)
    assert result.table["n"].tolist() == [0, C, C, 40]


def test_zero_used_as_complement_only_as_last_resort():
    table = pd.DataFrame({"n": [5, 0]}, index=["few", "none"])
    assert disclose(table).table["n"].tolist() == [C, C]


# --- derived values ------------------------------------------------------------


def likert_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n_before": [30, 33, 5, 68],
            "pct_before": [44.1, 48.5, 7.4, 100.0],
            "n_after": [10, 20, 38, 68],
            "pct_after": [14.7, 29.4, 55.9, 100.0],
        },
        index=["Never", "Sometimes", "Often", "Total"],
    )


def test_derived_percentages_withheld_with_their_counts():
    result = disclose(
        likert_table(),
        secondary="columns",
        derived_columns={"pct_before": "n_before", "pct_after": "n_after"},
    )
    out = result.table
    # 5 is primary; its column's smallest other non-total cell (30) protects it
    assert out["n_before"].tolist() == [C, 33, C, 68]
    assert out["pct_before"].tolist() == [C, 48.5, C, 100.0]
    assert out["n_after"].tolist() == [10, 20, 38, 68]
    assert out["pct_after"].tolist() == [14.7, 29.4, 55.9, 100.0]
    assert (result.n_primary, result.n_secondary, result.n_derived) == (1, 1, 2)
    assert out["pct_before"].dtype == object


def test_derived_column_with_several_sources():
    table = pd.DataFrame({"n_a": [5, 30, 40], "n_b": [50, 60, 70], "mean": [2.5, 3.1, 3.3]})
    result = disclose(table, secondary="columns", derived_columns={"mean": ["n_a", "n_b"]})
    assert result.table["mean"].tolist() == [C, C, 3.3]


# --- idempotence -----------------------------------------------------------------


def test_disclosing_a_disclosed_table_changes_nothing():
    first = disclose(margins_table())
    second = disclose(first.table)
    pd.testing.assert_frame_equal(second.table, first.table)
    pd.testing.assert_frame_equal(second.suppressed, first.suppressed)
    assert second.n_secondary == 0
    assert second.n_primary == first.n_primary + first.n_secondary


def test_idempotent_with_derived_columns():
    kwargs = {"secondary": "columns", "derived_columns": {"pct_before": "n_before", "pct_after": "n_after"}}
    first = disclose(likert_table(), **kwargs)
    second = disclose(first.table, **kwargs)
    pd.testing.assert_frame_equal(second.table, first.table)
    assert second.n_derived == 0


# --- audit -------------------------------------------------------------------------


def test_check_disclosure_flags_small_counts_but_not_zero():
    with pytest.raises(DisclosureError, match=r"row 'b', column 'n' = 7"):
        check_disclosure(pd.DataFrame({"n": [0, 7, 40]}, index=["a", "b", "c"]))
    check_disclosure(pd.DataFrame({"n": [0, 8, 40]}))
    check_disclosure(pd.DataFrame({"n": [0, 7, 40]}), threshold=6)


def test_check_disclosure_flags_a_lone_suppressed_cell():
    lone = pd.DataFrame({"n": [C, 30, 40]}, index=["a", "b", "c"], dtype=object)
    with pytest.raises(DisclosureError, match="single suppressed cell"):
        check_disclosure(lone)
    check_disclosure(lone, secondary=False)


# --- respondent-level and free text refused ----------------------------------------


@pytest.mark.parametrize("column", ["respondent_id", "participant_id", "Respondent_ID"])
def test_identifier_columns_refused(column):
    frame = pd.DataFrame({column: ["r1", "r2"], "n": [10, 20]})
    with pytest.raises(DisclosureError, match="identifier"):
        disclose(frame)
    with pytest.raises(DisclosureError):
        check_disclosure(frame)


def test_identifier_index_refused():
    frame = pd.DataFrame({"n": [10, 20]}, index=pd.Index(["a", "b"], name="participant_id"))
    with pytest.raises(DisclosureError, match="participant_id"):
        disclose(frame)


def test_too_many_rows_refused():
    frame = pd.DataFrame({"score": np.arange(68) % 5 + 1})
    with pytest.raises(DisclosureError, match="68 rows"):
        disclose(frame)
    refuse_respondent_level(frame.head(50))  # 50 rows is still an aggregate table


def test_free_text_refused():
    quote = "I was in recovery when I first started the course and I could not really speak " * 2
    frame = pd.DataFrame({"theme": ["support", quote], "n": [10, 20]})
    with pytest.raises(DisclosureError, match="free text"):
        disclose(frame)


def test_disclosure_error_is_a_cwp_error():
    assert issubclass(DisclosureError, CwpError)


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 2.5])
def test_counts_must_be_non_negative_whole_numbers(bad):
    with pytest.raises(ValueError, match="non-negative whole number"):
        disclose(pd.DataFrame({"n": [10.0, bad]}), count_columns=["n"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0}, "threshold"),
        ({"marker": "0"}, "looks like a number"),
        ({"count_columns": ["missing"]}, "not in the table"),
        ({"derived_columns": {"pct": "label"}}, "not count columns"),
        ({"count_columns": ["n", "pct"], "derived_columns": {"pct": "n"}}, "both counts and derived"),
        ({"secondary": "diagonal"}, "secondary must be"),
    ],
)
def test_bad_arguments(kwargs, message):
    table = pd.DataFrame({"label": ["a", "b"], "n": [10, 20], "pct": [33.3, 66.7]})
    with pytest.raises(ValueError, match=message):
        disclose(table, **kwargs)


def test_table_without_counts_is_an_error():
    with pytest.raises(ValueError, match="no count columns"):
        disclose(pd.DataFrame({"mean": [2.5, 3.5]}))
