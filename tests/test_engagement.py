"""Table 1 (new engagements per partner per period): tidy tables, totals and reconciliation.

Reference values are worked out by hand from the report's Table 1 (Section 4.1):

    Partner  Sep-18 Mar-19 Sep-19 Mar-20  Total 1  Total 2
    FWT        66     66     47     40      219      219
    CRASAC     37     33     22     30      122      142
    CHWA       22     15     24     54      115      120
    Kairos     69     92     77    113      149      351
    CELC       11     22      7     10       50      352
                                            655     1184
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from cwp_analysis import engagement
from cwp_analysis.cli import main
from cwp_analysis.errors import DataFileError

PERIODS = ["sep_18", "mar_19", "sep_19", "mar_20"]


def table1(**changes) -> pd.DataFrame:
    """Table 1 as printed, typed in independently of the data file."""
    rows = {
        "FWT": [66, 66, 47, 40, 219, 219],
        "CRASAC": [37, 33, 22, 30, 122, 142],
        "CHWA": [22, 15, 24, 54, 115, 120],
        "Kairos": [69, 92, 77, 113, 149, 351],
        "CELC": [11, 22, 7, 10, 50, 352],
    }
    totals = {"total_1": 655, "total_2": 1184}
    for key, value in changes.items():
        if key in totals:
            totals[key] = value
        else:
            partner, column = key.split("__")
            rows[partner][(PERIODS + ["total_1", "total_2"]).index(column)] = value
    frame = pd.DataFrame(
        [[p, *v] for p, v in rows.items()], columns=["partner", *PERIODS, "total_1", "total_2"]
    )
    total = pd.DataFrame([["Total", None, None, None, None, totals["total_1"], totals["total_2"]]],
                         columns=frame.columns)
    return pd.concat([frame, total], ignore_index=True)


def consistent_table1() -> pd.DataFrame:
    """A variant in which every sum agrees and Total 2 exceeds Total 1 everywhere."""
    return table1(Kairos__total_1=351, total_1=857, FWT__total_2=250, Kairos__total_2=400,
                  total_2=250 + 142 + 120 + 400 + 352)


# --------------------------------------------------------------------------- data as printed


def test_published_table_is_table1_as_printed():
    printed = engagement.printed_table()
    expected = engagement.printed_table(table1())
    pd.testing.assert_frame_equal(printed.body, expected.body)
    assert (printed.grand_total_1, printed.grand_total_2) == (655, 1184)
    assert printed.periods == tuple(PERIODS)


def test_engagement_table_is_long_and_dated():
    tidy = engagement.engagement_table(table1())
    assert list(tidy.columns) == ["partner", "period", "period_end", "new_engagements"]
    assert len(tidy) == 5 * 4
    kairos = tidy[tidy["partner"] == "Kairos"]
    assert kairos["new_engagements"].tolist() == [69, 92, 77, 113]
    assert kairos["period"].tolist() == ["Sep-18", "Mar-19", "Sep-19", "Mar-20"]
    assert kairos["period_end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2018-09-30", "2019-03-31", "2019-09-30", "2020-03-31"]


def test_totals_by_period_are_the_column_sums():
    by_period = engagement.totals_by_period()
    assert by_period["period"].tolist() == ["Sep-18", "Mar-19", "Sep-19", "Mar-20"]
    assert by_period["new_engagements"].tolist() == [
        66 + 37 + 22 + 69 + 11,   # 205
        66 + 33 + 15 + 92 + 22,   # 228
        47 + 22 + 24 + 77 + 7,    # 177
        40 + 30 + 54 + 113 + 10,  # 247
    ]


def test_totals_by_partner_recompute_total_1():
    totals = engagement.totals_by_partner().set_index("partner")
    assert totals["new_engagements"].to_dict() == {
        "FWT": 219, "CRASAC": 122, "CHWA": 115, "Kairos": 351, "CELC": 50}
    assert totals["printed_total_1"].to_dict() == {
        "FWT": 219, "CRASAC": 122, "CHWA": 115, "Kairos": 149, "CELC": 50}
    assert totals.loc["Kairos", "difference"] == 202
    assert totals["difference"].drop("Kairos").eq(0).all()


def test_shares_are_of_the_recomputed_total():
    shares = engagement.share_by_partner().set_index("partner")["share"]
    assert shares.sum() == pytest.approx(1.0)
    assert shares["FWT"] == pytest.approx(219 / 857)
    assert shares["Kairos"] == pytest.approx(351 / 857)
    assert shares["CELC"] == pytest.approx(50 / 857)


def test_cumulative_engagements():
    cumulative = engagement.cumulative_engagements()
    assert cumulative["cumulative"].tolist() == [205, 205 + 228, 205 + 228 + 177, 857]


def test_target_comes_from_the_published_claims():
    assert engagement.engagement_target() == 300


def test_against_target_reports_both_totals():
    result = engagement.against_target()
    assert result.target == 300
    assert result.printed_total == 655
    assert result.recomputed_total == 857
    assert result.printed_ratio == pytest.approx(655 / 300)
    assert result.recomputed_ratio == pytest.approx(857 / 300)
    assert result.target_met
    assert engagement.against_target(1000, table1()).target_met is False


@pytest.mark.parametrize("bad", [0, -5, 2.5, "300", True])
def test_against_target_rejects_bad_targets(bad):
    with pytest.raises(ValueError, match="target"):
        engagement.against_target(bad, table1())


# --------------------------------------------------------------------------- reconciliation


def test_reconcile_finds_exactly_the_known_faults():
    faults = engagement.reconcile()
    assert [(f.kind, f.cell, f.printed, f.recomputed, f.difference) for f in faults] == [
        ("row_sum", "Kairos / Total 1", 149, 69 + 92 + 77 + 113, 202),
        ("grand_total", "Total / Total 1", 655, 857, 202),
        ("definition", "FWT / Total 2", 219, 219, 0),
        ("definition", "Kairos / Total 2", 351, 351, 0),
    ]
    assert engagement.reconcile(table1()) == faults


def test_no_row_fault_for_the_other_partners():
    rows = {f.cell for f in engagement.reconcile() if f.kind == "row_sum"}
    assert rows == {"Kairos / Total 1"}


def test_printed_total_1_and_total_2_add_up_to_their_grand_totals():
    checks = engagement.reconciliation_checks().set_index("cell")
    grand = engagement.reconciliation_checks()
    grand = grand[grand["kind"] == "grand_total"]
    t2 = grand[grand["cell"] == "Total / Total 2"].iloc[0]
    assert (t2["printed"], t2["recomputed"], t2["status"]) == (1184, 219 + 142 + 120 + 351 + 352, "ok")
    t1 = grand[grand["cell"] == "Total / Total 1"]
    assert sorted(zip(t1["recomputed"], t1["status"])) == [(219 + 122 + 115 + 149 + 50, "ok"), (857, "fault")]
    columns = checks.loc[checks["kind"] == "column_sum"]
    assert (columns["status"] == "information").all()
    assert columns["recomputed"].tolist() == [205, 228, 177, 247]
    assert columns["printed"].isna().all()


def test_faults_are_explained_and_immutable():
    fault = engagement.reconcile()[0]
    assert "351" in fault.explanation and "149" in fault.explanation
    assert str(fault).startswith("row_sum: Kairos / Total 1: printed 149, recomputed 351 (difference +202)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fault.printed = 351
    with pytest.raises(ValueError, match="kind"):
        engagement.TableFault("typo", "x", 1, 1, 0, "")


def test_definition_query_for_fwt_says_no_carry_over():
    fwt = [f for f in engagement.reconcile() if f.cell == "FWT / Total 2"]
    assert len(fwt) == 1 and fwt[0].kind == "definition"
    assert "query" in fwt[0].explanation


def test_consistent_table_has_no_faults():
    assert engagement.reconcile(consistent_table1()) == []


def test_total_2_below_total_1_is_a_definition_fault():
    faults = engagement.reconcile(table1(CHWA__total_2=100, total_2=1164))
    chwa = [f for f in faults if f.cell == "CHWA / Total 2"]
    assert [(f.kind, f.printed, f.recomputed, f.difference) for f in chwa] == [("definition", 100, 115, 15)]


def test_wrong_grand_total_2_is_reported():
    faults = engagement.reconcile(table1(total_2=1185))
    assert [(f.printed, f.recomputed, f.difference) for f in faults if f.cell == "Total / Total 2"] == [
        (1185, 1184, -1)]


def test_the_data_are_never_corrected():
    before = table1()
    engagement.reconcile(before)
    pd.testing.assert_frame_equal(before, table1())
    assert engagement.totals_by_partner(before).set_index("partner").loc["Kairos", "printed_total_1"] == 149


def test_explain_totals_cites_the_footnote():
    explanation = engagement.explain_totals()
    assert explanation.source == "Table 1, footnote 2"
    assert (explanation.printed_total_1, explanation.printed_total_2) == (655, 1184)
    assert explanation.recomputed_new_engagements == 857
    assert explanation.total_1 and explanation.total_2 and explanation.relation


# --------------------------------------------------------------------------- bad input


def test_missing_total_row_is_rejected():
    with pytest.raises(DataFileError, match="'Total' row"):
        engagement.reconcile(table1().iloc[:-1])


def test_fractional_cell_is_rejected():
    frame = table1()
    frame["sep_18"] = frame["sep_18"].astype(float)
    frame.loc[0, "sep_18"] = 66.5
    with pytest.raises(DataFileError, match="FWT / sep_18"):
        engagement.reconcile(frame)


def test_empty_cell_and_missing_column_are_rejected():
    frame = table1()
    frame.loc[1, "mar_19"] = None
    with pytest.raises(DataFileError, match="CRASAC / mar_19 is empty"):
        engagement.reconcile(frame)
    with pytest.raises(DataFileError, match="total_2"):
        engagement.reconcile(table1().drop(columns="total_2"))


def test_duplicate_partner_is_rejected():
    frame = table1()
    frame.loc[1, "partner"] = "FWT"
    with pytest.raises(DataFileError, match="listed twice: FWT"):
        engagement.reconcile(frame)


# --------------------------------------------------------------------------- CLI


def test_cli_prints_one_line_per_fault_and_exits_0(capsys):
    assert main(["reconcile"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("fault: row_sum: Kairos / Total 1: printed 149, recomputed 351")


def test_cli_on_a_consistent_table_prints_nothing(tmp_path, capsys):
    path = tmp_path / "table1.csv"
    consistent_table1().to_csv(path, index=False)
    assert main(["reconcile", "--table", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "0 fault(s)" in captured.err


def test_cli_all_lists_passing_checks(capsys):
    assert main(["reconcile", "--all"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("fault:") for line in out) == 4
    assert sum(line.startswith("information: column_sum") for line in out) == 4
    assert "ok: grand_total: Total / Total 2: printed 1184, recomputed 1184" in "\n".join(out)


def test_cli_unreadable_table_is_one_line_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["reconcile", "--table", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing column(s) partner" in err[0]
