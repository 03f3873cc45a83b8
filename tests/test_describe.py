"""Descriptive tables and Likert layouts on small, hand-counted fixture surveys."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from cwp_analysis import describe

NA = np.nan


def wilson(count: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Closed-form Wilson score interval (Wilson 1927), as fractions."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture
def survey() -> pd.DataFrame:
    """Eight respondents; counts below are worked out by hand."""
    return pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(1, 9)],
            "disability": [1, 0, 0, 1, 1, NA, 0, 1],              # No 3, Yes 4, missing 1
            "ethnicity": [1, 2, 2, 1, 1, 2, 9, NA],               # 1:3, 2:3, 9:1, others 0
            "has_children": [1, 1, 0, 0, NA, 1, 1, 0],
            "children_live_with_mother": [1, NA, NA, NA, NA, 0, 1, NA],
            "uses_fwt":    [1, 1, 0, 1, 0, 1, 1, NA],
            "uses_crasac": [0, 1, 0, 1, 0, 0, 1, 1],
            "uses_chwa":   [0, 0, 0, 1, 0, 1, 0, 0],
            "uses_kairos": [0, 0, 0, 1, 1, 0, 0, 0],
            "uses_celc":   [0, 1, 0, 1, 0, 0, 0, 0],
            "service_duration": [1, 2, 3, 4, 4, 4, 3, NA],
            "rel_family_contact_before": [1, 2, 2, 3, 3, 4, NA, 5],
            "rel_family_contact_after": [4, 4, 5, 5, 3, 5, 4, NA],
        }
    )


# --------------------------------------------------------------------------- frequency tables


def test_frequency_table_counts_percentages_and_missing(survey):
    table = describe.frequency_table(survey, "disability")
    assert table["code"].tolist() == [0, 1]
    assert table["code_label"].tolist() == ["No", "Yes"]
    assert table["count"].tolist() == [3, 4]
    assert table["n"].tolist() == [7, 7]
    assert table["n_missing"].tolist() == [1, 1]
    assert table["percent"].tolist() == pytest.approx([300 / 7, 400 / 7])
    assert table["timepoint"].tolist() == [None, None]


def test_wilson_intervals_match_the_closed_form(survey):
    table = describe.frequency_table(survey, "disability")
    for count, low, high in zip(table["count"], table["ci_low"], table["ci_high"]):
        ref_low, ref_high = wilson(count, 7)
        assert low == pytest.approx(ref_low * 100, abs=1e-9)
        assert high == pytest.approx(ref_high * 100, abs=1e-9)
    narrow = describe.frequency_table(survey, "disability", confidence=0.80)
    ref_low, ref_high = wilson(4, 7, 0.80)
    assert narrow.loc[1, ["ci_low", "ci_high"]].tolist() == pytest.approx([ref_low * 100, ref_high * 100])


def test_zero_count_codes_are_listed(survey):
    table = describe.frequency_table(survey, "ethnicity")
    assert table["code"].tolist() == [1, 2, 3, 4, 5, 9]
    assert table["count"].tolist() == [3, 3, 0, 0, 0, 1]
    assert table["n"].iloc[0] == 7 and table["n_missing"].iloc[0] == 1
    zero = table[table["code"] == 3].iloc[0]
    assert zero["percent"] == 0 and zero["ci_low"] == pytest.approx(0)
    assert zero["ci_high"] == pytest.approx(wilson(0, 7)[1] * 100)


def test_filtered_question_separates_not_applicable_from_missing(survey):
    table = describe.frequency_table(survey, "children_live_with_mother")
    # Mothers: r1, r2, r6, r7 (has_children == 1); r2 left it blank; r5 gave no
    # answer to has_children, so her blank counts as missing; r3, r4, r8 have no children.
    assert table["count"].tolist() == [1, 2]
    assert table["n"].iloc[0] == 3
    assert table["n_missing"].iloc[0] == 2
    assert table["n_not_applicable"].iloc[0] == 3


def test_paired_item_gives_both_timepoints_or_one(survey):
    both = describe.frequency_table(survey, "rel_family_contact")
    assert both["timepoint"].tolist() == ["before"] * 5 + ["after"] * 5
    before = both[both["timepoint"] == "before"]
    assert before["count"].tolist() == [1, 2, 2, 1, 1]
    after = describe.frequency_table(survey, "rel_family_contact", timepoint="after")
    assert after["count"].tolist() == [0, 0, 1, 3, 3]
    assert after["n"].iloc[0] == 7


def test_frequency_tables_cover_a_domain(survey):
    tables = describe.frequency_tables(survey, "service_use")
    assert list(dict.fromkeys(tables["variable"])) == [
        "uses_fwt", "uses_crasac", "uses_chwa", "uses_kairos", "uses_celc", "service_duration"]


def test_demographics_table_needs_every_demographic_column(survey):
    with pytest.raises(ValueError, match="'age_band' is not in the data"):
        describe.demographics_table(survey)
    survey["age_band"] = [2, 2, 1, 3, 9, 2, 2, NA]
    table = describe.demographics_table(survey)
    age = table[table["variable"] == "age_band"]
    assert age["count"].tolist() == [1, 4, 1, 1]
    assert set(table["variable"]) == {"age_band", "ethnicity", "disability", "has_children",
                                      "children_live_with_mother"}


def test_share_of_codes(survey):
    share = describe.share_of_codes(survey, "service_duration", [3, 4])
    assert (share.count, share.n, share.n_missing) == (5, 7, 1)
    assert share.percent == pytest.approx(500 / 7)
    assert (share.ci_low, share.ci_high) == pytest.approx(wilson(5, 7))
    positive = describe.share_of_codes(survey, "rel_family_contact", timepoint="after")
    assert (positive.count, positive.n) == (6, 7)
    with pytest.raises(ValueError, match="timepoint"):
        describe.share_of_codes(survey, "rel_family_contact")


@pytest.mark.parametrize(
    "column, values, message",
    [
        ("disability", [1, 0, 7, 1, 1, NA, 0, 1], "code\\(s\\) 7 are not codes"),
        ("disability", [1, 0, "yes", 1, 1, NA, 0, 1], "not numeric"),
        ("disability", [1, 0, 0.5, 1, 1, NA, 0, 1], "whole-number"),
        ("disability", [NA] * 8, "nobody answered"),
    ],
)
def test_bad_codes_raise(survey, column, values, message):
    survey[column] = values
    with pytest.raises(ValueError, match=message):
        describe.frequency_table(survey, column)


def test_bad_arguments_raise(survey):
    with pytest.raises(ValueError, match="column 'has_children' is not in the data"):
        describe.frequency_table(survey.drop(columns="has_children"), "has_children")
    with pytest.raises(ValueError, match="identifier"):
        describe.frequency_table(survey, "respondent_id")
    with pytest.raises(ValueError, match="asked once"):
        describe.frequency_table(survey, "disability", timepoint="before")
    with pytest.raises(ValueError, match="confidence"):
        describe.frequency_table(survey, "disability", confidence=1.5)
    with pytest.raises(KeyError, match="unknown codebook variable"):
        describe.frequency_table(survey, "shoe_size")


def test_tables_are_aggregated_not_respondent_level(survey):
    big = pd.concat([survey] * 50, ignore_index=True)
    big["respondent_id"] = [f"r{i}" for i in range(len(big))]
    small_table = describe.frequency_table(survey, "ethnicity")
    big_table = describe.frequency_table(big, "ethnicity")
    assert len(big_table) == len(small_table) == 6
    assert "respondent_id" not in big_table.columns
    assert big_table["percent"].tolist() == pytest.approx(small_table["percent"].tolist())


# --------------------------------------------------------------------------- service use


def test_services_per_woman(survey):
    per_woman = describe.services_per_woman(survey)
    # r8 left uses_fwt blank; the others use: r1 1, r2 3, r3 0, r4 5, r5 1, r6 2, r7 2.
    assert per_woman["services"].tolist() == [0, 1, 2, 3, 4, 5]
    assert per_woman["count"].tolist() == [1, 2, 2, 1, 0, 1]
    assert per_woman["n"].iloc[0] == 7 and per_woman["n_incomplete"].iloc[0] == 1


def test_service_use_table(survey):
    tables = describe.service_use_table(survey)
    partners = tables.partners.set_index("variable")
    assert partners["count"].to_dict() == {
        "uses_fwt": 5, "uses_crasac": 4, "uses_chwa": 2, "uses_kairos": 2, "uses_celc": 2}
    assert partners.loc["uses_fwt", "n"] == 7 and partners.loc["uses_crasac", "n"] == 8
    assert partners.loc["uses_fwt", "percent"] == pytest.approx(500 / 7)
    assert partners.loc["uses_fwt", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [x * 100 for x in wilson(5, 7)])
    assert tables.duration["count"].tolist() == [1, 1, 2, 3]
    assert tables.services_per_woman["count"].sum() == 7


# --------------------------------------------------------------------------- Likert layout


@pytest.fixture
def help_seeking() -> pd.DataFrame:
    """20 respondents: codes 1-5 chosen 2, 3, 4, 5 and 6 times (10/15/20/25/30%)."""
    close = [1] * 2 + [2] * 3 + [3] * 4 + [4] * 5 + [5] * 6
    professional = [5] * 16 + [4] * 4                                 # all positive
    no_one = [1] * 10 + [2] * 5 + [3] * 3 + [5] * 2                   # reverse-worded
    return pd.DataFrame({"help_close_person": close, "help_professional": professional, "help_no_one": no_one})


def test_likert_segments_centre_the_neutral_category(help_seeking):
    summary = describe.likert_summary(help_seeking, ["help_close_person"])
    assert summary["code"].tolist() == [1, 2, 3, 4, 5]
    assert summary["category"].tolist() == ["negative", "negative", "neutral", "positive", "positive"]
    assert summary["percent"].tolist() == pytest.approx([10, 15, 20, 25, 30])
    # Neutral 20% straddles zero; negatives stack leftwards, positives rightwards.
    assert summary["start"].tolist() == pytest.approx([-35, -25, -10, 10, 35])
    assert summary["end"].tolist() == pytest.approx([-25, -10, 10, 35, 65])
    row = summary.iloc[0]
    assert (row["negative_pct"], row["neutral_pct"], row["positive_pct"]) == pytest.approx((25, 20, 55))
    assert row["net_positive_pct"] == pytest.approx(30)


def test_likert_all_positive_item_starts_at_zero(help_seeking):
    summary = describe.likert_summary(help_seeking, ["help_professional"])
    assert summary["start"].tolist() == pytest.approx([0, 0, 0, 0, 20])
    assert summary["end"].tolist() == pytest.approx([0, 0, 0, 20, 100])


def test_reverse_worded_item_is_shown_as_asked(help_seeking):
    summary = describe.likert_summary(help_seeking, "help_seeking")
    assert list(dict.fromkeys(summary["item"])) == ["help_close_person", "help_professional", "help_no_one"]
    no_one = summary[summary["item"] == "help_no_one"]
    assert no_one["reverse"].all()
    # As asked: "Very likely" (not seeking help) stays on the right.
    assert no_one.loc[no_one["code"] == 5, ["start", "end"]].iloc[0].tolist() == pytest.approx([7.5, 17.5])
    assert no_one["positive_pct"].iloc[0] == pytest.approx(10)
    assert no_one["desirable_pct"].iloc[0] == pytest.approx(75)
    close = summary[summary["item"] == "help_close_person"]
    assert close["desirable_pct"].iloc[0] == pytest.approx(55)


def test_likert_paired_items_per_timepoint(survey):
    summary = describe.likert_summary(survey, ["rel_family_contact"], timepoint="after")
    assert summary["timepoint"].unique().tolist() == ["after"]
    # after: 3:1, 4:3, 5:3 of 7
    assert summary["positive_pct"].iloc[0] == pytest.approx(600 / 7)
    both = describe.likert_summary(survey, ["rel_family_contact"])
    assert both["timepoint"].tolist() == ["before"] * 5 + ["after"] * 5


def test_likert_rejects_nominal_binary_and_mixed_scales(survey, help_seeking):
    with pytest.raises(ValueError, match="needs_summary"):
        describe.likert_summary(pd.DataFrame({"need_housing": [1, 2]}), ["need_housing"])
    with pytest.raises(ValueError, match="binary"):
        describe.likert_summary(survey, ["disability"])
    mixed = help_seeking.assign(reflect_range=[5] * 20)
    with pytest.raises(ValueError, match="different scales"):
        describe.likert_summary(mixed, ["help_close_person", "reflect_range"])


def test_needs_summary_counts_each_category():
    data = pd.DataFrame({f"need_{a}": [1, 2, 2, 3, 4, NA] for a in (
        "sexual_violence", "domestic_violence", "legal", "mental_health", "physical_health", "housing",
        "benefits", "debt", "immigration", "parenting", "isolation")})
    data["need_legal"] = [2, 2, 2, 2, 1, 3]
    needs = describe.needs_summary(data)
    assert len(needs) == 11 * 4
    housing = needs[needs["area"] == "need_housing"]
    assert housing["count"].tolist() == [1, 2, 1, 1]
    assert housing["n"].iloc[0] == 5 and housing["n_missing"].iloc[0] == 1
    legal = needs[needs["area"] == "need_legal"]
    assert legal["percent"].tolist() == pytest.approx([100 / 6, 400 / 6, 100 / 6, 0])


# --------------------------------------------------------------------------- nobody answered


def test_on_empty_keep_reports_an_unanswered_item_with_n_zero(survey):
    survey["disability"] = NA
    with pytest.raises(ValueError, match="nobody answered 'disability'.*on_empty='keep'"):
        describe.frequency_table(survey, "disability")
    table = describe.frequency_table(survey, "disability", on_empty="keep")
    assert table["code"].tolist() == [0, 1]
    assert table["count"].tolist() == [0, 0]
    assert table["n"].tolist() == [0, 0]
    assert table["n_missing"].tolist() == [8, 8]
    assert table[["percent", "ci_low", "ci_high"]].isna().all().all()


def test_demographics_of_a_survey_without_mothers(survey):
    # No woman has children: the routed question applies to nobody.  By
    # default that is an error ("nobody answered"); with on_empty="keep" the
    # table says so with n = 0 and counts every woman as not applicable.
    survey["age_band"] = [2, 2, 1, 3, 9, 2, 2, NA]
    survey["has_children"] = [0] * 8
    survey["children_live_with_mother"] = NA
    with pytest.raises(ValueError, match="children_live_with_mother"):
        describe.demographics_table(survey)
    table = describe.demographics_table(survey, on_empty="keep")
    children = table[table["variable"] == "children_live_with_mother"]
    assert children["n"].tolist() == [0, 0] and children["count"].tolist() == [0, 0]
    assert children["n_not_applicable"].tolist() == [8, 8] and children["n_missing"].tolist() == [0, 0]
    assert children["percent"].isna().all()
    has_children = table[table["variable"] == "has_children"]
    assert has_children["count"].tolist() == [8, 0] and has_children["percent"].tolist() == [100.0, 0.0]


def test_on_empty_keep_in_likert_needs_and_service_use(survey, help_seeking):
    help_seeking["help_professional"] = NA
    summary = describe.likert_summary(help_seeking, "help_seeking", on_empty="keep")
    empty = summary[summary["item"] == "help_professional"]
    assert empty["n"].tolist() == [0] * 5 and empty["count"].tolist() == [0] * 5
    assert empty[["percent", "start", "end", "positive_pct", "desirable_pct"]].isna().all().all()
    close = summary[summary["item"] == "help_close_person"]
    assert close["start"].tolist() == pytest.approx([-35, -25, -10, 10, 35])
    with pytest.raises(ValueError, match="nobody answered 'help_professional'"):
        describe.likert_summary(help_seeking, "help_seeking")

    data = pd.DataFrame({f"need_{a}": [1, 2, NA] for a in (
        "sexual_violence", "domestic_violence", "legal", "mental_health", "physical_health", "housing",
        "benefits", "debt", "immigration", "parenting", "isolation")})
    data["need_debt"] = NA
    needs = describe.needs_summary(data, on_empty="keep")
    assert needs.loc[needs["area"] == "need_debt", "n"].tolist() == [0] * 4
    assert needs.loc[needs["area"] == "need_debt", "percent"].isna().all()
    assert needs.loc[needs["area"] == "need_legal", "count"].tolist() == [1, 1, 0, 0]

    survey["uses_celc"] = NA
    with pytest.raises(ValueError, match="nobody answered 'uses_celc'"):
        describe.service_use_table(survey)
    with pytest.raises(ValueError, match="no respondent answered every partner item"):
        describe.services_per_woman(survey)
    tables = describe.service_use_table(survey, on_empty="keep")
    assert tables.services_per_woman["n"].tolist() == [0] * 6
    assert tables.services_per_woman["n_incomplete"].iloc[0] == 8
    assert tables.services_per_woman["percent"].isna().all()
    partners = tables.partners.set_index("variable")
    assert partners.loc["uses_celc", "n"] == 0 and np.isnan(partners.loc["uses_celc", "percent"])
    assert partners.loc["uses_fwt", "count"] == 5


@pytest.mark.parametrize("bad", ["skip", None, True])
def test_on_empty_must_be_raise_or_keep(survey, bad):
    with pytest.raises(ValueError, match="on_empty"):
        describe.frequency_table(survey, "disability", on_empty=bad)


@pytest.mark.parametrize(
    "values, message",
    [
        ([1, 0, np.inf, 1, 1, NA, 0, 1], "whole-number"),
        ([1, 0, 1e20, 1, 1, NA, 0, 1], r"code\(s\) 100000000000000000000 are not codes"),
        ([True, False] * 4, "booleans"),
        (["1", "0", " ", "1", "0", "", "1", None], None),
    ],
)
def test_codes_are_read_without_deep_pandas_errors(survey, values, message):
    survey["disability"] = values
    if message is None:  # numeric text with blanks is read as codes
        assert describe.frequency_table(survey, "disability")["count"].tolist() == [2, 3]
        return
    with pytest.raises(ValueError, match=message):
        describe.frequency_table(survey, "disability")
