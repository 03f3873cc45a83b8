"""cwp_analysis.reproduction: the supporting counts and publication tables of the reproduction chapter."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cwp_analysis import published
from cwp_analysis import reproduction as rp


def _results(survey=None, workstar=None, ids=()):
    claims = [published.claim(i) for i in ids]
    return rp.marked_claims(rp.evaluate_claims(survey, workstar, claims=claims))


@pytest.fixture
def survey() -> pd.DataFrame:
    """Twenty hand-made respondents (only the columns the tests' claims read)."""
    n = 20
    return pd.DataFrame({
        "respondent_id": [f"R{i:02d}" for i in range(n)],
        # 3 of 19 answering say yes (15.8%), one did not answer
        "disability": [1] * 3 + [2] * 16 + [None],
        # mothers: 12 of 20; of the 12, 10 answered, 9 say the children live with them
        "has_children": [1] * 12 + [2] * 8,
        "children_live_with_mother": [1] * 9 + [2] + [None] * 10,
        # agreeing (4 or 5) before: 4 of 20; after: 17 of 20 -> +65.0 pp
        "swemwbs_mind_before": [4, 5, 4, 5] + [2] * 16,
        "swemwbs_mind_after": [4, 5, 4, 5] + [4] * 13 + [3] * 3,
        # bank account: 15 before, 18 after, 20 answering each time
        "bank_account_before": [1] * 15 + [2] * 5,
        "bank_account_after": [1] * 18 + [2] * 2,
        # "do not know where to find help": 2 of 20
        "need_legal": [4, 4] + [1] * 10 + [2] * 8,
        # partners: FWT most used; 2 women use two partners
        "uses_fwt": [1] * 10 + [0] * 10,
        "uses_crasac": [1, 1] + [0] * 18,
        "uses_chwa": [0] * 20,
        "uses_kairos": [0] * 20,
        "uses_celc": [0] * 19 + [1],
    })


# --------------------------------------------------------------------------- marks and tallies


def test_marked_claims_adds_paraphrase_and_mark(survey):
    marked = _results(survey, ids=["disability_pct", "engagements_target_ratio", "pilot_end_year"])
    assert list(marked.index) == ["disability_pct", "engagements_target_ratio", "pilot_end_year"]
    assert marked.loc["disability_pct", "claim"] == published.claim("disability_pct").paraphrase
    # 3/19 = 15.8%, printed 18%: not reproduced; the "nearly three-fold" ratio 655/300 = 2.18 fails too
    assert marked["check"].tolist() == ["✘ not reproduced", "✘ not reproduced", "– not recomputable"]


def test_marked_claims_rejects_bad_input():
    with pytest.raises(ValueError, match="lack column"):
        rp.marked_claims(pd.DataFrame({"id": ["disability_pct"]}))
    frame = pd.DataFrame({c: ["x"] for c in rp.RESULT_COLUMNS})
    with pytest.raises(ValueError, match="unknown claim status"):
        rp.marked_claims(frame)


def test_tally_and_crosstab():
    marked = pd.DataFrame({
        "scope": ["survey", "survey", "engagement", "context"],
        "status": [rp.STATUS_REPRODUCED, rp.STATUS_NOT_REPRODUCED, rp.STATUS_REPRODUCED, rp.STATUS_NOT_RECOMPUTABLE],
    })
    marked["check"] = marked["status"].map(rp.CHECK_MARKS)
    tally = rp.tally_claims(marked)
    assert (tally.claims, tally.reproduced, tally.not_reproduced, tally.not_recomputable, tally.recomputable) == \
        (4, 2, 1, 1, 3)
    table = rp.claims_by_scope(marked)
    assert list(table.columns) == ["✔ reproduced", "✘ not reproduced", "– not recomputable", "Total"]
    assert table.loc["survey"].tolist() == [1, 1, 0, 2]
    assert table.loc["Total"].tolist() == [2, 1, 1, 4]
    assert table.index.name == "scope"


# --------------------------------------------------------------------------- supporting counts


def test_supporting_counts_use_the_claims_codes_subgroup_and_time(survey):
    assert rp.supporting_count(published.claim("disability_pct"), survey, "count") == 3
    assert rp.supporting_count(published.claim("disability_pct"), survey, "n") == 19
    mothers = published.claim("children_with_mother_pct")  # only women with children count
    assert rp.supporting_count(mothers, survey, "count") == 9
    assert rp.supporting_count(mothers, survey, "n") == 10
    bank = published.claim("bank_account_no_change")
    assert rp.supporting_count(bank, survey, "count", "before") == 15
    assert rp.supporting_count(bank, survey, "count", "after") == 18
    assert rp.supporting_count(bank, survey, "n", "after") == 20


def test_supporting_count_is_missing_when_the_item_cannot_be_counted(survey):
    # a before/after claim without a time point has no single count
    assert rp.supporting_count(published.claim("bank_account_no_change"), survey, "count") is pd.NA
    with pytest.raises(ValueError, match="'count' or 'n'"):
        rp.supporting_count(published.claim("disability_pct"), survey, "share")


# --------------------------------------------------------------------------- disclosure of claim tables


def test_claim_table_discloses_each_line_within_its_row():
    frame = pd.DataFrame({
        "recomputed": ["+5.0 pp", "-1.0 pp"],
        "counted before": [3, 30], "other before": [40, 20],
        "counted after": [30, 30], "other after": [13, 5],
    }, index=["a", "b"])
    table = rp.ClaimTable(frame, (rp.CountLine(("counted before", "other before")),
                                  rp.CountLine(("counted after", "other after"))))
    result = table.disclose(7)
    assert result.table.loc["a"].tolist() == ["[c]", "[c]", "[c]", 30, 13]
    assert result.table.loc["b"].tolist() == ["[c]", 30, 20, "[c]", "[c]"]
    assert (result.n_primary, result.n_secondary, result.n_derived) == (2, 2, 2)
    assert rp.count_withheld([result]) == 6


def test_survey_shares_table(survey):
    marked = _results(survey, ids=["disability_pct", "children_with_mother_pct"])
    table = rp.survey_shares_table(marked, survey)
    frame = table.frame
    assert list(frame.columns) == ["claim", "source", "published", "recomputed", "check",
                                   "women counted", "other answers", "answering"]
    assert frame["recomputed"].tolist() == ["15.8%", "90.0%"]
    assert frame.loc["disability_pct", ["women counted", "other answers", "answering"]].tolist() == [3, 16, 19]
    shown = table.disclose(7).table
    # 3 is small; the women answering otherwise (16) are withheld with it, and so is the share
    assert shown.loc["disability_pct", ["recomputed", "women counted", "other answers", "answering"]].tolist() == \
        ["[c]", "[c]", "[c]", 19]
    # 1 "other" mother is small: the 9 counted go too (the row adds up to the 10 answering)
    assert shown.loc["children_with_mother_pct", ["recomputed", "women counted", "other answers"]].tolist() == \
        ["[c]", "[c]", "[c]"]


def test_survey_changes_table(survey):
    marked = _results(survey, ids=["swemwbs_mind_improved", "bank_account_no_change"])
    table = rp.survey_changes_table(marked, survey)
    frame = table.frame
    assert frame["recomputed"].tolist() == ["+65.0 pp", "+3"]
    assert frame.loc["swemwbs_mind_improved", ["counted before", "other before", "counted after", "other after"]
                     ].tolist() == [4, 16, 17, 3]
    shown = table.disclose(7).table
    counts = ["recomputed", "counted before", "other before", "counted after", "other after"]
    # before: 4 counted is small, 16 withheld with it; after: 3 others small, 17 withheld with them
    assert shown.loc["swemwbs_mind_improved", counts].tolist() == ["[c]"] * 5
    # before: 15 and 5 -> 5 small, 15 withheld with it; after: 18 and 2 -> both withheld
    assert shown.loc["bank_account_no_change", counts].tolist() == ["[c]"] * 5


def test_survey_tests_table_formats_pvalues_and_ranks(survey):
    marked = _results(survey, ids=["swemwbs_mind_p", "fwt_most_used_rank"])
    table = rp.survey_tests_table(marked)
    assert list(table.columns) == ["claim", "source", "published", "recomputed", "check"]
    # 13 pairs rose by 2 and 3 by 1, 4 unchanged: V = 136 of 16 ranks, mean 68, tie-corrected variance
    # 374 - 2208/48 = 328, z = (68 - 0.5)/sqrt(328) = 3.727, p = 0.000194 (below 0.001: scientific notation)
    assert table.loc["swemwbs_mind_p", "recomputed"] == "p = 1.9e-04"
    assert table.loc["fwt_most_used_rank", "recomputed"] == "rank 1"


def test_survey_tests_table_four_decimals_at_or_above_one_in_a_thousand():
    marked = pd.DataFrame({"scope": ["survey"], "statistic": ["pvalue_wilcoxon"], "recomputed": [0.0019041950],
                           "claim": ["x"], "source": ["s"], "published": ["p"], "check": ["✔ reproduced"]},
                          index=["x"])
    assert rp.survey_tests_table(marked)["recomputed"].tolist() == ["p = 0.0019"]


def test_survey_counts_table(survey):
    marked = _results(survey, ids=["need_legal_dont_know_count", "multiple_services_count", "survey_n"])
    table = rp.survey_counts_table(marked, survey)
    frame = table.frame
    assert frame["recomputed"].tolist() == [2, 2, 20]
    assert frame["other answers"].tolist()[:2] == [18, 18]
    assert math.isnan(frame.loc["survey_n", "other answers"])
    shown = table.disclose(7).table
    assert shown.loc["need_legal_dont_know_count", ["recomputed", "other answers"]].tolist() == ["[c]", "[c]"]
    assert shown.loc["survey_n", "recomputed"] == 20


def test_unknown_survey_statistic_is_refused():
    marked = pd.DataFrame({"scope": ["survey"], "statistic": ["median"]}, index=["x"])
    with pytest.raises(ValueError, match="median"):
        rp.survey_tests_table(marked)


def test_workstar_claims_table():
    workstar = pd.DataFrame({
        "participant_id": [f"W{i}" for i in range(10)],
        "ws_job_skills_first": [3.0] * 10,
        "ws_job_skills_last": [5.0] * 9 + [None],
    })
    marked = _results(workstar=workstar, ids=["workstar_job_skills_improved"])
    table = rp.workstar_claims_table(marked, workstar)
    assert table.frame.loc["workstar_job_skills_improved", ["recomputed", "women with both"]].tolist() == \
        ["+2.00 points", 9]
    assert table.disclose(7).table.loc["workstar_job_skills_improved", "recomputed"] == "+2.00 points"
    assert table.disclose(9).table.loc["workstar_job_skills_improved", ["recomputed", "women with both"]].tolist() \
        == ["[c]", "[c]"]


# --------------------------------------------------------------------------- Table 1, failures, quoted claims


def test_engagement_failures_and_notes():
    marked = _results(ids=["engagements_target_ratio", "pilot_end_year"])
    engagement = rp.engagement_claims_table(marked)
    assert engagement["recomputed"].tolist() == ["2.18 (655 / 300)"]
    shown = rp.ClaimTable(engagement.assign(n=[40]), (rp.CountLine(("n",)),), derived=None).disclose(7)
    failures = rp.failures_table(marked, [shown])
    assert failures.loc["engagements_target_ratio", "recomputed"] == "2.18 (655 / 300)"
    assert list(failures.columns) == ["claim", "scope", "published", "recomputed", "check"]
    claim = published.claim("engagements_target_ratio")
    assert rp.failure_notes(marked) == [f"**{claim.paraphrase}** ({claim.source}) {claim.reading}".rstrip()]
    with pytest.raises(ValueError, match="engagements_target_ratio"):
        rp.failures_table(marked, [])


def test_quoted_claims_are_grouped_and_every_scope_has_a_group():
    marked = _results(ids=["pilot_end_year", "interviewees_bame_n", "engagements_target_ratio"])
    groups = rp.quoted_claims_tables(marked)
    assert list(groups) == list(rp.QUOTED_GROUPS)
    assert groups["quoted_context_and_design"][1].index.tolist() == ["pilot_end_year"]
    assert groups["quoted_interviews"][1].index.tolist() == ["interviewees_bame_n"]
    assert groups["quoted_literature"][1].empty
    stray = marked.assign(scope="gossip")
    with pytest.raises(ValueError, match="gossip"):
        rp.quoted_claims_tables(stray)


def test_evidence_statement_follows_the_files():
    synthetic = rp.evidence_statement(True, True)
    real = rp.evidence_statement(False, False)
    assert "agreement by construction" in synthetic and "synthetic too" in synthetic
    assert "genuine replication" in real and "not synthetic either" in real
    assert rp.evidence_statement(True, False) != synthetic


def test_share_attainability():
    table = rp.share_attainability(68).set_index("id")
    # 8%: 5/68 = 7.35% and 6/68 = 8.82% both miss [7.5, 8.5); 60%: 41/68 = 60.3%
    assert not table.loc["age_21_under_pct", "attainable"]
    assert table.loc["age_22_49_pct", "attainable"]
    assert "children_with_mother_pct" not in table.index  # a subgroup share
    one = rp.share_attainability(1).set_index("id")
    assert not one.loc["age_22_49_pct", "attainable"]
    with pytest.raises(ValueError, match="n_respondents"):
        rp.share_attainability(0)


# --------------------------------------------------------------------------- marks follow the counts (issue 10)


def test_a_withheld_share_withholds_its_mark_and_every_tally():
    # "8% of 65, reproduced" would mean 5 women aged 21 or under: the mark goes with the share.
    survey = pd.DataFrame({"respondent_id": [f"R{i:02d}" for i in range(65)], "age_band": [1] * 5 + [2] * 60})
    marked = _results(survey, ids=["age_21_under_pct", "engagements_target_ratio", "pilot_end_year"])
    assert marked.loc["age_21_under_pct", "status"] == rp.STATUS_REPRODUCED      # 5/65 = 7.7% reads as 8%
    table = rp.survey_shares_table(marked, survey).disclose(7)
    row = table.table.loc["age_21_under_pct"]
    assert row[["recomputed", "check", "women counted", "other answers"]].tolist() == ["[c]"] * 4
    assert row["answering"] == 65 and row["published"] == "8%"
    statuses = rp.withhold_statuses(marked, [table])
    assert statuses.loc["age_21_under_pct", "status"] == rp.STATUS_WITHHELD
    assert pd.isna(statuses.loc["age_21_under_pct", "recomputed"])
    tally = rp.tally_claims(statuses)
    assert (tally.reproduced, tally.not_reproduced, tally.withheld, tally.recomputable) == (0, 1, 1, 2)
    by_scope = rp.claims_by_scope(statuses)
    assert by_scope.loc["survey", "[c] withheld (small count)"] == 1 and "✔ reproduced" not in by_scope.columns
    engagement = rp.ClaimTable(rp.engagement_claims_table(marked).assign(n=[40]), (rp.CountLine(("n",)),),
                               derived=None).disclose(7)
    failures = rp.failures_table(marked, [table, engagement])     # raw marks in, controlled list out
    assert failures.index.tolist() == ["engagements_target_ratio"]
    assert not any("aged 21" in line for line in rp.failure_notes(marked, [table]))


def test_the_tests_table_withholds_a_p_value_resting_on_few_changing_women(survey):
    marked = _results(survey, ids=["swemwbs_mind_p", "fwt_most_used_rank"])
    shown = rp.survey_tests_claim_table(marked, survey).disclose(7).table
    # 16 of 20 pairs changed answer and 4 did not: both sides of the line are withheld with the p-value.
    assert shown.loc["swemwbs_mind_p", ["recomputed", "check", "pairs changing", "pairs unchanged"]].tolist() == \
        ["[c]"] * 4
    assert shown.loc["fwt_most_used_rank", "recomputed"] == "rank 1"
    assert shown.loc["fwt_most_used_rank", "check"] != "[c]"


def test_the_chapter_works_with_any_number_of_failing_claims():
    from tests.survey_factory import as_codes, make_survey

    survey = as_codes(make_survey(140, seed=9, missing=0.05))
    results = rp.marked_claims(rp.evaluate_claims(survey, None))
    chapter = rp.reproduction_chapter(results, survey, None, threshold=7)
    tally = chapter.tally
    assert tally.claims == len(results)
    assert tally.reproduced + tally.not_reproduced + tally.withheld + tally.not_recomputable == tally.claims
    assert tally.not_reproduced > 50                       # random answers: most survey claims fail
    assert len(chapter.failures) == tally.not_reproduced
    assert len(chapter.detail) == tally.recomputable
    assert chapter.detail["check"].iloc[0] == rp.CHECK_MARKS[rp.STATUS_NOT_REPRODUCED]
    assert chapter.by_domain.loc["Total", "Total"] == tally.claims
    assert set(chapter.by_domain.index) >= {"demographics", "Total"}
    # No mark beside a withheld value, anywhere.
    for table in chapter.claim_tables.values():
        hidden = table.suppressed["recomputed"] if "recomputed" in table.suppressed else []
        assert all(table.table.loc[i, "check"] == "[c]" for i in table.table.index[hidden])
    assert chapter.workstar.table.empty and rp.count_withheld(chapter.claim_tables.values()) == chapter.n_withheld
    assert len(chapter.failure_notes) == tally.not_reproduced
