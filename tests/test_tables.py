"""Publication tables: layout, disclosure declarations and small-complement protection.

Every expected value below is worked out by hand from the fixture counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cwp_analysis import describe, tables
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.instruments import SwemwbsChangeSummary
from cwp_analysis.stats import PairedItem, outcome_table

C = "[c]"


# --------------------------------------------------------------------------- PublicationTable


def test_complement_rule_marks_count_whose_remainder_is_small():
    frame = pd.DataFrame({"n": [63, 40, 66, 0], "base": [66, 66, 66, 66], "%": [95.5, 60.6, 100.0, 0.0]})
    table = tables.PublicationTable(frame, count_columns=["n", "base"], derived_columns={"%": ["n"]},
                                    complements={"n": "base"})
    out = table.disclose(7)
    # 66 - 63 = 3 women without: withheld; 66 - 66 = 0 and 66 - 0 = 66 are safe.
    assert out.table["n"].tolist() == [C, 40, 66, 0]
    assert out.table["%"].tolist() == [C, 60.6, 100.0, 0.0]
    assert out.n_primary == 1 and out.n_derived == 1
    # The threshold is honoured: with threshold 2 the remainder of 3 is shown.
    assert table.disclose(2).table["n"].tolist() == [63, 40, 66, 0]


def test_grouped_disclosure_protects_each_question_separately():
    frame = pd.DataFrame({
        "Question": ["A", "A", "A", "B", "B"],
        "Count": [3, 20, 30, 10, 12],
        "Base": [53, 53, 53, 22, 22],
    })
    table = tables.PublicationTable(frame, count_columns=["Count", "Base"], secondary="columns",
                                    group_columns=["Question"])
    out = table.disclose(7)
    # Question A: 3 is small, 20 is the smallest other cell and protects it; B untouched.
    assert out.table["Count"].tolist() == [C, C, 30, 10, 12]
    assert out.table["Base"].tolist() == [53, 53, 53, 22, 22]
    assert (out.n_primary, out.n_secondary) == (1, 1)
    # Disclosed as one column instead, B's smallest cell (10) would have been taken.
    whole = tables.PublicationTable(frame, count_columns=["Count"], secondary="columns").disclose(7)
    assert whole.table["Count"].tolist() == [C, 20, 30, C, 12]


def test_publication_table_rejects_bad_declarations():
    frame = pd.DataFrame({"n": [10], "%": [50.0]})
    with pytest.raises(ValueError, match="at least one count column"):
        tables.PublicationTable(frame, count_columns=[])
    with pytest.raises(ValueError, match="not in the table: x"):
        tables.PublicationTable(frame, count_columns=["x"])
    with pytest.raises(ValueError, match="must be count columns"):
        tables.PublicationTable(frame, count_columns=["n"], derived_columns={"n": ["%"]})
    with pytest.raises(ValueError, match="secondary"):
        tables.PublicationTable(frame, count_columns=["n"], secondary="diagonal")
    with pytest.raises(ValueError, match="sequence of column names"):
        tables.PublicationTable(frame, count_columns="n")
    with pytest.raises(ValueError, match="threshold"):
        tables.PublicationTable(frame, count_columns=["n"]).disclose(0)


# --------------------------------------------------------------------------- builders


@pytest.fixture
def survey() -> pd.DataFrame:
    """Twenty respondents with hand-counted answers."""
    return pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(20)],
        "disability": [1] * 3 + [0] * 16 + [np.nan],           # Yes 3, No 16, missing 1
        "help_close_person": [5] * 12 + [4] * 5 + [3] * 3,     # very likely 12, somewhat likely 5, not sure 3
        "help_professional": [5] * 20,
        "help_no_one": [1] * 15 + [2] * 5,
        "need_legal": [1] * 9 + [2] * 8 + [3] * 2 + [4] * 1,
    })


def test_frequency_table_layout_and_suppression(survey):
    freq = describe.frequency_table(survey, "disability")
    out = tables.frequency_publication_table(freq).disclose(7).table
    assert out.columns.tolist() == ["Question", "Answer", "Count", "Base", "%", "CI"]
    assert out["Answer"].tolist() == ["No", "Yes"]
    # Yes = 3 is small; No = 16 is then recoverable from the base 19 and is suppressed too.
    assert out["Count"].tolist() == [C, C]
    assert out["Base"].tolist() == [19, 19]
    assert out["%"].tolist() == [C, C]
    shown = tables.frequency_publication_table(freq).disclose(2).table
    assert shown["Count"].tolist() == [16, 3]
    assert shown["%"].tolist() == ["84.2", "15.8"]          # 16/19, 3/19
    low, high = freq.loc[1, ["ci_low", "ci_high"]]
    assert shown["CI"].tolist()[1] == f"{low:.1f} to {high:.1f}"


def test_frequency_table_adds_time_for_before_after_items():
    data = pd.DataFrame({"rel_family_contact_before": [1] * 10 + [5] * 10,
                         "rel_family_contact_after": [5] * 20})
    pub = tables.frequency_publication_table(describe.frequency_table(data, "rel_family_contact"))
    assert pub.frame["Time"].tolist()[:1] == ["Before"] and pub.frame["Time"].tolist()[-1] == "After"
    assert pub.group_columns == ("Question", "Time")
    out = pub.disclose(7).table
    after = out[out["Time"] == "After"]
    assert after["Count"].tolist() == [0, 0, 0, 0, 20]


def test_likert_table_counts_and_shares(survey):
    summary = describe.likert_summary(survey, ["help_close_person", "help_professional"])
    pub = tables.likert_publication_table(summary)
    assert pub.frame.columns.tolist() == [
        "Statement", "Very unlikely", "Somewhat unlikely", "Not sure", "Somewhat likely", "Very likely",
        "Base", "% negative", "% neutral", "% positive",
    ]
    assert pub.frame.iloc[0, 1:7].tolist() == [0, 0, 3, 5, 12, 20]
    assert pub.frame["% positive"].tolist() == ["85.0", "100.0"]     # 17/20 and 20/20
    disclosed = pub.disclose(7)
    out = disclosed.table
    # Row 1: 3 and 5 are small (two suppressed cells protect each other); % positive
    # sums 'Somewhat likely', so it is withheld; % negative (zeros) stays.
    assert out.iloc[0, 1:7].tolist() == [0, 0, C, C, 12, 20]
    assert out.loc["help_close_person", "% positive"] == C
    assert out.loc["help_close_person", "% negative"] == "0.0"
    assert out.loc["help_professional", "% positive"] == "100.0"
    assert tables.share_text(disclosed, ["help_professional"], count_column="Very likely") == "100.0"
    assert tables.share_text(disclosed, ["help_close_person"], count_column="Somewhat likely") == tables.WITHHELD_TEXT


def test_likert_table_marks_reverse_worded_items(survey):
    pub = tables.likert_publication_table(describe.likert_summary(survey, ["help_no_one"]))
    assert pub.frame["Statement"].tolist() == ["Would not seek help from anyone [reverse-worded]"]
    assert pub.frame["% negative"].tolist() == ["100.0"]


def test_needs_table_is_long_with_area_header(survey):
    needs = describe.frequency_table(survey, "need_legal").rename(columns={"variable": "area"})
    out = tables.needs_publication_table(needs).disclose(7).table
    assert out.columns.tolist() == ["Area", "Answer", "Count", "Base", "%", "CI"]
    # 9, 8, 2, 1 of 20: the 2 and the 1 withheld together would sum to 3 beside the base, a small
    # count of women, so the 8 is withheld with them (their sum becomes 11).
    assert out["Count"].tolist() == [9, C, C, C]
    assert out["%"].tolist() == ["45.0", C, C, C]


def test_partner_and_services_per_woman_tables():
    partners = pd.DataFrame({"label": ["FWT", "CELC"], "count": [30, 62], "n": [68, 68],
                             "percent": [44.1, 91.2], "ci_low": [33.0, 82.0], "ci_high": [55.9, 95.9]})
    out = tables.partner_use_publication_table(partners).disclose(7).table
    # 68 - 62 = 6 women not using CELC: withheld; no secondary suppression across partners.
    assert out["Women using it"].tolist() == [30, C]
    assert out["%"].tolist() == ["44.1", C]
    per_woman = pd.DataFrame({"services": [0, 1, 2, 3], "count": [0, 48, 17, 3], "n": [68] * 4,
                              "percent": [0.0, 70.6, 25.0, 4.4], "ci_low": [0.0] * 4, "ci_high": [5.3] * 4})
    out = tables.services_per_woman_publication_table(per_woman).disclose(7).table
    assert out["Partners used"].tolist() == ["0", "1", "2", "3"]
    assert out["Count"].tolist() == [0, 48, C, C]


def test_outcome_table_layout_complements_and_degenerate_items():
    items = [PairedItem("calm", "Feeling calm", "ordinal", (4, 5)),
             PairedItem("account", "Has an account", "binary", (1,))]
    data = pd.DataFrame({
        "calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2] * 2,
        "calm_after": [3, 4, 2, 4, 3, 3, 5, 4, 2, 1] * 2,
        "account_before": [1] * 17 + [0] * 3,
        "account_after": [1] * 17 + [0] * 3,
    })
    outcomes = outcome_table(data, items, on_degenerate="note")
    pub = tables.outcome_publication_table(outcomes)
    assert pub.frame.columns.tolist() == [
        "Item", "Pairs", "Before n", "Before %", "Before CI", "After n", "After %", "After CI", "Test",
        "p", "p (Holm)", "p (BH)", "Rank-biserial r", "r = |Z|/sqrt(pairs)", "Note",
    ]
    out = pub.disclose(7).table
    calm, account = out.iloc[0], out.iloc[1]
    assert (calm["Before n"], calm["After n"], calm["After %"]) == (0, 8, "40.0")
    assert calm["Test"] == "Wilcoxon (asymptotic)"
    # Differences 2,2,0,1,2,1,2,2,1,-1 (twice): 2 unchanged pairs and 2 falling by one step.  p and r give
    # n_used = 18, so the 2 unchanged follow from the 20 pairs; R- = 2 * 2 = 4 (< 36) confines the number
    # falling to 1..7.  The whole test block is withheld, and with it the family's adjusted p-values.
    assert [calm[c] for c in ("p", "p (Holm)", "p (BH)", "Rank-biserial r", "r = |Z|/sqrt(pairs)")] == [C] * 5
    assert pub.disclose(1).table.iloc[0]["p"] == "0.0006"   # scipy asymptotic with continuity correction
    # 17 of 20 have an account: the 3 without are protected by withholding the 17.
    assert (account["Before n"], account["After n"], account["Before %"]) == (C, C, C)
    assert account["Test"] == "not tested" and account["p"] == ""
    assert "no pair changed" in account["Note"]
    assert tables.shown_rows(pub.disclose(7), ["Before %", "After %"]).tolist() == [True, False]
    # No secondary suppression across items: calm's counts are untouched.
    assert pub.secondary is False


def test_outcome_table_omits_note_column_when_everything_was_tested():
    data = pd.DataFrame({"calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2],
                         "calm_after": [3, 4, 2, 4, 3, 3, 5, 4, 2, 1]})
    outcomes = outcome_table(data, [PairedItem("calm", "Feeling calm", "ordinal", (4, 5))])
    assert "Note" not in tables.outcome_publication_table(outcomes).frame.columns


def _summary(**changes) -> SwemwbsChangeSummary:
    values = dict(
        n=65, mean_before=18.1, mean_after=23.14, sd_before=4.4, sd_after=6.1, mean_change=5.04,
        sd_change=4.4, change_ci_low=3.94, change_ci_high=6.14, t_statistic=9.1, t_pvalue=1e-13,
        confidence=0.95, threshold=3.0, n_improved=43, share_improved=43 / 65, improved_ci_low=0.54,
        improved_ci_high=0.76, n_worsened=2, share_worsened=2 / 65, worsened_ci_low=0.008,
        worsened_ci_high=0.105, norm_population="women", norm_mean=23.2, norm_sd=None,
        difference_from_norm_before=-5.1, difference_from_norm_after=-0.06,
        standardised_difference_before=-1.16, standardised_difference_after=-0.01, standardiser="sample SD",
        standardiser_before=4.4, standardiser_after=6.1, threshold_source="", norm_source="", attribution="",
    )
    values.update(changes)
    return SwemwbsChangeSummary(**values)


def test_swemwbs_change_table():
    out = tables.swemwbs_change_publication_table(_summary()).disclose(7).table
    assert out.index.tolist()[:5] == ["mean_before", "mean_after", "mean_change", "improved", "worsened"]
    rows = out.set_index("Measure")
    assert rows.loc["Mean change (after minus before)", "Estimate"] == "5.04"
    assert rows.loc["Mean change (after minus before)", "CI"] == "3.94 to 6.14"
    assert rows.loc["Mean change (after minus before)", ["Base", "Count"]].tolist() == [65, None]
    assert rows.loc["Population norm (women)", "Base"] is None
    assert rows.loc["Improved by at least 3 points", ["Count", "Estimate"]].tolist() == [43, "66.15"]
    # Two women worsened: count, share and interval withheld.
    assert rows.loc["Worsened by at least 3 points", ["Count", "Estimate", "CI"]].tolist() == [C, C, C]
    assert rows.loc["Population norm (women)", "Estimate"] == "23.20"
    assert rows.loc["Standardised difference from the norm, before", "Unit"] == "sample SD units"
    # 62 of 65 improved would leave 3 who did not: withheld as a small complement.
    out = tables.swemwbs_change_publication_table(_summary(n_improved=62, share_improved=62 / 65)).disclose(7)
    assert out.table.loc["improved", "Count"] == C
    with pytest.raises(ValueError, match="SwemwbsChangeSummary"):
        tables.swemwbs_change_publication_table(object())


def test_workstar_table_withholds_statistics_of_small_areas():
    summary = pd.DataFrame({
        "label": ["Stability", "Basic skills"], "n": [41, 6], "mean_first": [4.439, 5.0],
        "mean_last": [6.049, 6.5], "mean_change": [1.61, 1.5], "change_ci_low": [1.142, 0.2],
        "change_ci_high": [2.077, 2.8], "wilcoxon_p": [1.2e-6, 0.03], "rank_biserial": [0.8947, 0.9],
    })
    out = tables.workstar_publication_table(summary).disclose(7).table
    assert out.loc[0].tolist() == ["Stability", 41, "4.44", "6.05", "1.61", "1.14 to 2.08", "< 0.0001", "0.89"]
    assert out.loc[1].tolist() == ["Basic skills", C, C, C, C, C, C, C]


# --------------------------------------------------------------------------- formatting and reading


def test_format_pvalue():
    assert tables.format_pvalue(0.00618) == "0.0062"
    assert tables.format_pvalue(0.0001) == "0.0001"
    assert tables.format_pvalue(0.0000999) == "< 0.0001"
    assert tables.format_pvalue(1.0) == "1.0000"
    assert tables.format_pvalue(None) == ""
    with pytest.raises(ValueError, match="between 0 and 1"):
        tables.format_pvalue(1.5)


def test_cell_text_and_shown_rows():
    pub = tables.PublicationTable(pd.DataFrame({"n": [3, 40], "%": ["7.0", "93.0"]}, index=["a", "b"]),
                                  count_columns=["n"], derived_columns={"%": ["n"]})
    disclosed = pub.disclose(7)
    assert isinstance(disclosed, DisclosedTable)
    assert tables.cell_text(disclosed, "b", "%", ".0f") == "93"
    assert tables.cell_text(disclosed, "b", "n") == "40"
    assert tables.cell_text(disclosed, "b", "%", suffix="%") == "93.0%"
    assert tables.cell_text(disclosed, "a", "%", suffix="%") == tables.WITHHELD_TEXT
    assert tables.cell_text(disclosed, "a", "%") == tables.WITHHELD_TEXT
    assert tables.cell_text(disclosed, "a", "n", withheld="hidden") == "hidden"
    assert tables.shown_rows(disclosed, ["n"]).tolist() == [False, True]
    with pytest.raises(ValueError, match="not in the table"):
        tables.cell_text(disclosed, "z", "n")
    with pytest.raises(ValueError, match="not in the table"):
        tables.shown_rows(disclosed, ["zz"])



def test_share_text_reads_published_cells_only(survey):
    needs = describe.frequency_table(survey, "need_legal")
    disclosed = tables.frequency_publication_table(needs).disclose(7)
    assert disclosed.table.index.names == ["variable", "code"]
    assert tables.share_text(disclosed, [("need_legal", 1)]) == "45.0"                   # 9 / 20
    # 8, 2 and 1 are withheld together (2 + 1 = 3 alone would be a small count beside the base):
    # no share may use any of them, alone or summed.
    assert tables.share_text(disclosed, [("need_legal", 2)]) == tables.WITHHELD_TEXT
    assert tables.share_text(disclosed, [("need_legal", 1), ("need_legal", 2)]) == tables.WITHHELD_TEXT
    assert tables.share_text(disclosed, [("need_legal", 3)]) == tables.WITHHELD_TEXT
    assert tables.cell_text(disclosed, ("need_legal", 1), "%") == "45.0"
    with pytest.raises(ValueError, match="not in the table"):
        tables.share_text(disclosed, [("need_legal", 7)])
    with pytest.raises(ValueError, match="empty"):
        tables.share_text(disclosed, [])


def test_share_text_refuses_rows_of_different_questions():
    frame = pd.DataFrame({"Count": [10, 12], "Base": [20, 30]}, index=["a", "b"])
    disclosed = tables.PublicationTable(frame, count_columns=["Count", "Base"]).disclose(7)
    with pytest.raises(ValueError, match="different bases"):
        tables.share_text(disclosed, ["a", "b"])
    assert tables.share_text(disclosed, ["b"], fmt=".0f", suffix="%") == "40%"


def test_likert_table_is_indexed_by_item(survey):
    pub = tables.likert_publication_table(describe.likert_summary(survey, "help_seeking"))
    assert pub.frame.index.tolist() == ["help_close_person", "help_professional", "help_no_one"]
    data = pd.DataFrame({"rel_family_contact_before": [1] * 10 + [5] * 10,
                         "rel_family_contact_after": [5] * 20})
    pub = tables.likert_publication_table(describe.likert_summary(data, ["rel_family_contact"]))
    assert pub.frame.index.tolist() == ["rel_family_contact_before", "rel_family_contact_after"]
    assert pub.frame["Statement"].tolist()[0] == "I have regular contact with family (before)"


def test_counts_and_extremes_for_prose_come_from_published_cells():
    items = [PairedItem("bank_account", "Bank", "binary", (1,)), PairedItem("foodbank", "Food", "binary", (1,))]
    bank = {"bank_account_before": [1] * 20 + [0] * 25 + [1] * 8 + [0] * 10,     # b = 8, c = 25
            "bank_account_after": [1] * 20 + [1] * 25 + [0] * 8 + [0] * 10}
    food = {"foodbank_before": [1] * 10 + [1] * 3 + [0] * 20 + [0] * 30,         # b = 3, c = 20
            "foodbank_after": [1] * 10 + [0] * 3 + [1] * 20 + [0] * 30}
    outcomes = outcome_table(pd.DataFrame(bank | food), items).set_index("item", drop=False)
    disclosed = tables.outcome_publication_table(outcomes).disclose(7)
    # The food bank item's p-value is withheld (3 women changed from yes to no): it is not counted as significant.
    assert bool((outcomes["pvalue"] < 0.05).all())
    assert tables.count_shown(disclosed, "p", lambda p: p < 0.05) == (1, 1)
    assert tables.extreme_row_text(disclosed, "After %", "Item") == "Bank"
    assert tables.extreme_row_text(disclosed, "p", "Item", largest=False) == "Bank"
    everything = disclosed.table.assign(p="[c]")
    hidden = tables.withhold_cells(disclosed, pd.DataFrame({"p": [True, True]}, index=everything.index))
    assert tables.extreme_row_text(hidden, "p", "Item", none="none") == "none"
    with pytest.raises(ValueError, match="not a number"):
        tables.count_shown(disclosed, "Item", lambda v: True)
