"""Tests for cwp_analysis.disclosure: hand-worked suppression patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cwp_analysis.disclosure import (
    Cell,
    DisclosureError,
    audit_page,
    check_disclosure,
    disclose,
    disclose_page,
    refuse_respondent_level,
    share_facts,
    sum_fact,
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


# --- the complement rule -------------------------------------------------------------------


def test_complement_rule_in_a_line_with_a_published_total():
    # 60 of 65: publishing it beside the total publishes the 5 outside it
    table = pd.DataFrame({"n": [60, 5, 65]}, index=["yes", "no", "Total"])
    result = disclose(table)
    assert result.table["n"].tolist() == [C, C, 65]
    assert (result.n_primary, result.n_secondary, result.n_complement) == (1, 1, 1)
    # 58 + 4 + 3: the two small counts add up to 7, so 58 goes too
    table = pd.DataFrame({"n": [58, 4, 3, 65]}, index=["a", "b", "c", "Total"])
    assert disclose(table).table["n"].tolist() == [C, C, C, 65]


def test_complements_keyword_for_a_count_beside_its_base():
    table = pd.DataFrame({"Count": [62, 40], "Base": [65, 65]}, index=["bank", "savings"])
    result = disclose(table, secondary=False, complements={"Count": "Base"})
    assert result.table["Count"].tolist() == [C, 40]
    assert result.audit.passed
    with pytest.raises(ValueError, match="not count columns"):
        disclose(table, count_columns=["Count"], complements={"Count": "Base"})


def test_threshold_sets_the_complement_window():
    table = pd.DataFrame({"n": [60, 5, 65]}, index=["yes", "no", "Total"])
    assert disclose(table, threshold=4).table["n"].tolist() == [60, 5, 65]


# --- the audit on the result -----------------------------------------------------------------


def test_result_carries_its_audit_and_problem():
    result = disclose(margins_table())
    audit = result.audit.intervals
    assert set(zip(audit["row"], audit["column"])) == hidden(result)
    audit = audit[audit["kind"] != "group"]
    assert audit.set_index(["row", "column"]).loc[("r1", "A"), ["lower", "upper"]].tolist() == [0.0, 17.0]
    assert result.method == "milp"
    assert result.problem.withheld == {Cell(None, r, c) for r, c in hidden(result)}
    assert "value" not in audit.columns  # true values are not in the shown frame


def test_audit_page_with_a_grouped_share():
    # "Strongly agree" (7) and "Other" (10) withheld, "Agree" (15) shown; alt text says
    # "69% agree or strongly agree (n=32)": 22 of 32, so "Strongly agree" is 7
    table = pd.DataFrame({"Strongly agree": [7], "Agree": [15], "Other": [10], "Base": [32]}, index=["item"])
    result = disclose(table, total_columns=["Base"], secondary="rows")
    assert result.table.loc["item"].tolist() == [C, 15, C, 32]
    assert audit_page(result).passed
    share = share_facts([Cell(None, "item", "Strongly agree"), Cell(None, "item", "Agree")],
                        Cell(None, "item", "Base"), 69, 0)
    leaked = audit_page(result, facts=share)
    assert leaked.messages() == [
        "row 'item', column 'Strongly agree' can be recovered exactly (7) from what is published",
        "row 'item', column 'Other' can be recovered exactly (10) from what is published"]
    assert not leaked.passed


def test_disclose_page_protects_a_shared_base():
    a = pd.DataFrame({"n": [3, 40, 43]}, index=["yes", "no", "Total"])
    b = pd.DataFrame({"n": [20, 23, 43]}, index=["young", "old", "Total"])
    link = [(("a", "Total", "n"), ("b", "Total", "n"))]
    alone = {"a": disclose(a), "b": disclose(b)}
    assert audit_page(alone, links=link).passed  # 43 is published in both, and a withholds 3 and 40
    page = disclose_page({"a": a, "b": b}, links=link, options={"b": {"secondary": "columns"}})
    assert page["a"].audit.passed and page["b"].audit.passed
    with pytest.raises(ValueError, match="unknown table"):
        disclose_page({"a": a}, options={"c": {}})
    with pytest.raises(ValueError, match="pair of cells"):
        disclose_page({"a": a}, links=[("a", "Total", "n")])


def test_disclose_page_when_one_table_withholds_the_base_another_shows():
    # table a withholds its total (a small count elsewhere makes it needed); b prints the same total
    a = pd.DataFrame({"A": [3, 20, 23], "B": [30, 5, 35], "Total": [33, 25, 58]}, index=["x", "y", "Total"])
    b = pd.DataFrame({"n": [28, 30, 58]}, index=["young", "old", "Total"])
    link = [(("a", "Total", "Total"), ("b", "Total", "n"))]
    page = disclose_page({"a": a, "b": b}, links=link)
    assert audit_page(page, links=link).passed
    assert page["a"].audit.passed


# --- check_disclosure: shares, complements and margins ---------------------------------------


def test_check_disclosure_fails_a_share_that_pins_a_withheld_count():
    table = pd.DataFrame({"Count": [C, 60], "Base": [65, 65], "%": ["7.7", "92.3"]}, index=["yes", "no"],
                         dtype=object)
    with pytest.raises(DisclosureError, match=r"7.7% of 65 pins the count to 5..5"):
        check_disclosure(table, secondary=False)
    check_disclosure(table.assign(**{"%": [C, C]}), secondary=False, shares={})
    with pytest.raises(DisclosureError, match="pins"):
        check_disclosure(table, secondary=False, shares={"%": "Base"})


def test_check_disclosure_fails_a_share_that_leaves_a_small_complement():
    # "96% of 68" means 3 who would not ask
    table = pd.DataFrame({"Would ask": [C], "Base": [68], "Share %": ["96"]}, index=["ask"], dtype=object)
    with pytest.raises(DisclosureError, match=r"rest of the base to 3\.\.3"):
        check_disclosure(table, secondary=False)


def test_check_disclosure_share_with_its_sources_joins_the_audit():
    # both counts withheld and the base shown: the line alone is safe ...
    table = pd.DataFrame({"yes": [C], "no": [C], "Base": [40], "% yes": ["52.5"]}, index=["q"], dtype=object)
    check_disclosure(table, secondary="rows", total_columns=["Base"], shares={})
    # ... but the share pins yes = 21, and with it no = 19
    with pytest.raises(DisclosureError, match=r"column 'no' can be recovered exactly \(19\)"):
        check_disclosure(table, secondary="rows", total_columns=["Base"], shares={"% yes": ("yes", "Base")})


def test_check_disclosure_complement_rule_on_shown_counts():
    with pytest.raises(DisclosureError, match="complement rule"):
        check_disclosure(pd.DataFrame({"n": [60, C, 65]}, index=["yes", "no", "Total"], dtype=object))
    table = pd.DataFrame({"Count": [62], "Base": [65]}, index=["bank"])
    check_disclosure(table, secondary=False)
    with pytest.raises(DisclosureError, match="complement rule"):
        check_disclosure(table, secondary=False, complements={"Count": "Base"})


def test_check_disclosure_runs_the_audit_over_margins():
    table = pd.DataFrame({"A": [C, C, 17], "B": [C, C, 35], "Total": [25, 27, 52]}, index=["r1", "r2", "Total"],
                         dtype=object)
    check_disclosure(table)
    leaky = table.copy()
    leaky.at["r2", "B"] = 15
    with pytest.raises(DisclosureError, match="recovered exactly"):
        check_disclosure(leaky)


def test_check_disclosure_takes_page_facts():
    table = pd.DataFrame({"n": [C, C, 40]}, index=["a", "b", "c"], dtype=object)
    check_disclosure(table, secondary="columns")
    with pytest.raises(DisclosureError, match="recovered exactly"):
        check_disclosure(table, secondary="columns", facts=[sum_fact([Cell(None, "a", "n")], 5)])


# --- what a table holds: people or statistics (issue 9, item 4) -------------------------------


def test_long_table_of_claims_is_accepted():
    ids = [f"claim_{k}_pct" for k in range(66)]
    claims = pd.DataFrame({"claim": [f"Share of respondents in group {k} of the report." for k in range(66)],
                           "published": ["60%"] * 66, "recomputed": ["59.9%"] * 66}, index=ids)
    refuse_respondent_level(claims)
    counts = pd.DataFrame({"women counted": np.arange(66) + 8, "answering": [68] * 66}, index=ids)
    result = disclose(counts, secondary=False)
    assert result.table.shape == (66, 2)


def test_long_table_with_count_columns_is_accepted_at_any_length():
    frame = pd.DataFrame({"Answer": [f"answer {k}" for k in range(80)], "Count": np.arange(80) + 10})
    refuse_respondent_level(frame)


def test_answers_keyed_by_item_ids_are_still_refused():
    frame = pd.DataFrame({"q1": [1, 2] * 40, "q2": [3, 4] * 40}, index=[f"item_{k}" for k in range(80)])
    with pytest.raises(DisclosureError, match="respondent-level"):
        refuse_respondent_level(frame)


@pytest.mark.parametrize("ids", [[f"SYN-{k:03d}" for k in range(1, 11)], [f"R{k:03d}" for k in range(10)]])
def test_values_shaped_like_respondent_ids_are_refused_however_short(ids):
    frame = pd.DataFrame({"score": [3] * 10}, index=ids)
    with pytest.raises(DisclosureError, match="respondent ids"):
        refuse_respondent_level(frame)
    with pytest.raises(DisclosureError, match="respondent ids"):
        disclose(pd.DataFrame({"who": ids, "n": [10] * 10}))


def test_rows_statistics_declares_aggregate_rows():
    frame = pd.DataFrame({"q1": [1, 2] * 40, "q2": [3, 4] * 40})
    with pytest.raises(DisclosureError, match="rows='statistics'"):
        refuse_respondent_level(frame)
    refuse_respondent_level(frame, rows="statistics")
    with pytest.raises(DisclosureError, match="identifier"):
        refuse_respondent_level(frame.assign(respondent_id=range(80)), rows="statistics")
    with pytest.raises(ValueError, match="rows must be"):
        refuse_respondent_level(frame, rows="people")
    result = disclose(pd.DataFrame({"k": np.arange(60) + 8}), rows="statistics", secondary=False)
    assert result.n_primary == 0


def test_a_total_that_is_not_the_sum_of_its_line_is_an_error():
    table = pd.DataFrame({"A": [5, 20], "B": [30, 30], "Total": [40, 50]}, index=["r1", "r2"])
    with pytest.raises(ValueError, match=r"row 'r1': the total 40 is not the sum of the line \(35\)"):
        disclose(table)
    assert disclose(table, total_columns=[]).table.at["r1", "A"] == C


# --- the withheld cells of one line together, through the book's Likert table -------------------


def likert_summary_frame(rows: dict) -> pd.DataFrame:
    """A :func:`cwp_analysis.describe.likert_summary` frame for items answered on five points."""
    answers = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    categories = ["negative", "negative", "neutral", "positive", "positive"]
    return pd.DataFrame([
        {"item": item, "label": f"Statement {item}", "timepoint": None, "code": code, "code_label": answer,
         "category": category, "count": count, "n": sum(counts), "reverse": False}
        for item, counts in rows.items()
        for code, (answer, category, count) in enumerate(zip(answers, categories, counts), start=1)])


def test_likert_table_protects_the_withheld_answers_together():
    from cwp_analysis.page_attack import attack_page
    from cwp_analysis.tables import likert_publication_table

    summary = likert_summary_frame({"q1": [0, 1, 2, 19, 46], "q2": [30, 20, 4, 3, 11]})
    disclosed = likert_publication_table(summary).disclose(7)
    shown = disclosed.table
    # q1: 1 and 2 (3 together) need the 19 withheld with them; q2: 4 and 3 (7 together) need the 11
    assert shown.loc["q1", ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                            "Strongly agree", "Base"]].tolist() == [0, C, C, C, 46, 68]
    assert shown.loc["q2", ["Neither agree nor disagree", "Agree", "Strongly agree"]].tolist() == [C, C, C]
    assert disclosed.audit.passed
    page = ('<p class="cwp-table-caption"><strong>Answers.</strong></p>'
            + shown.to_html(index=False, classes="dataframe cwp-table", border=0))
    assert attack_page(page) == []
