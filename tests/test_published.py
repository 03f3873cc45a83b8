"""Tests of the published-facts data package and its loader.

Reference values are taken independently from the report (Just Economics
2020): Table 1, Sections 3.1, 3.3, 4.1, 4.2.1-4.2.9, Box 1.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cwp_analysis import published
from cwp_analysis.codebook import load_codebook
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.published import Claim, claim, claim_holds, load_claims, load_datapackage, load_engagements, round_half_up

PUBLISHED = REPO_ROOT / "data" / "published"

# Table 1 as printed in the report (Section 4.1), typed out independently.
TABLE_1 = """partner,sep_18,mar_19,sep_19,mar_20,total_1,total_2
FWT,66,66,47,40,219,219
CRASAC,37,33,22,30,122,142
CHWA,22,15,24,54,115,120
Kairos,69,92,77,113,149,351
CELC,11,22,7,10,50,352
Total,,,,,655,1184
"""


# --------------------------------------------------------------------------- package


def test_datapackage_describes_both_resources_with_schemas():
    desc = load_datapackage()
    assert desc["name"] == "cwp-published-facts"
    assert "Just Economics (2020)" in desc["sources"][0]["title"]
    assert desc["licenses"][0]["name"]
    by_name = {r["name"]: r for r in desc["resources"]}
    assert set(by_name) == {"engagements", "claims"}
    for res in by_name.values():
        assert (res["format"], res["encoding"]) == ("csv", "utf-8")
        assert (PUBLISHED / res["path"]).is_file()
        assert res["schema"]["fields"] and res["schema"]["primaryKey"]
    claim_fields = [f["name"] for f in by_name["claims"]["schema"]["fields"]]
    header = (PUBLISHED / "claims.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == claim_fields
    assert claim_fields[:18] == [
        "id", "source", "paraphrase", "quantity", "comparator", "value", "value_high", "unit", "denominator",
        "precision", "scope", "variable", "statistic", "codes", "timepoint", "condition", "compare_with", "reading",
    ]
    statistic = next(f for f in by_name["claims"]["schema"]["fields"] if f["name"] == "statistic")
    assert {"share", "count", "n", "pvalue_wilcoxon", "no_change", "rank_first", "mean_change",
            "engagement_total", "ratio"} <= set(statistic["constraints"]["enum"])
    assert set(statistic["constraints"]["enum"]) == set(by_name["claims"]["cwp:statistics"])


def test_readme_documents_every_statistic_and_precision():
    readme = (PUBLISHED / "README.md").read_text(encoding="utf-8")
    res = next(r for r in load_datapackage()["resources"] if r["name"] == "claims")
    for name in list(res["cwp:statistics"]) + list(res["cwp:precisions"]):
        assert f"`{name}`" in readme, name
    assert "as printed" in readme and "half up" in readme


# --------------------------------------------------------------------------- engagements


def test_engagements_file_is_table_1_exactly_as_printed():
    assert (PUBLISHED / "engagements.csv").read_text(encoding="utf-8") == TABLE_1


def test_load_engagements_types_and_printed_totals():
    t = load_engagements().set_index("partner")
    assert list(t.index) == ["FWT", "CRASAC", "CHWA", "Kairos", "CELC", "Total"]
    assert t["total_1"].tolist() == [219, 122, 115, 149, 50, 655]
    assert t["total_2"].tolist() == [219, 142, 120, 351, 352, 1184]
    assert t.loc["Kairos", "total_1"] == 149
    assert t.loc["Kairos", ["sep_18", "mar_19", "sep_19", "mar_20"]].sum() == 351
    assert t.loc["Total", ["sep_18", "mar_19", "sep_19", "mar_20"]].isna().all()
    assert str(t["total_1"].dtype) == "Int64"


# --------------------------------------------------------------------------- claims


def test_claims_dtypes():
    c = load_claims()
    assert isinstance(c["scope"].dtype, pd.CategoricalDtype)
    assert str(c["value"].dtype) == "Float64"
    assert c["id"].is_unique
    assert not c["value"].isna().any()


def test_claim_counts_per_scope():
    counts = load_claims()["scope"].value_counts().to_dict()
    assert counts == {
        "survey": 93, "interviews": 23, "context": 18, "workstar": 7, "literature": 7,
        "engagement": 6, "finance": 3, "sample": 3,
    }


def test_scope_filter_and_unknown_scope():
    survey = load_claims("survey")
    assert set(survey["scope"]) == {"survey"} and len(survey) == 93
    with pytest.raises(ValueError, match="unknown claim scope 'surveys'"):
        load_claims("surveys")


@pytest.mark.parametrize(
    ("claim_id", "value", "comparator", "unit"),
    [
        ("survey_n", 68, "=", "count"),
        ("interviews_women_n", 5, "=", "count"),
        ("interviews_staff_n", 4, "=", "count"),
        ("grant_gbp", 520995, "=", "GBP"),
        ("grant_years", 3, "=", "years"),
        ("engagement_target", 300, "=", "count"),
        ("engagements_total_1_printed", 655, "=", "count"),
        ("engagements_total_2_printed", 1184, "=", "count"),
        ("age_22_49_pct", 60, "=", "percent"),
        ("age_over_50_pct", 5, "<", "percent"),
        ("ethnicity_indian_pct", 27, "=", "percent"),
        ("disability_pct", 18, "=", "percent"),
        ("children_with_mother_n", 39, "=", "count"),
        ("service_duration_over_6m_pct", 65, "=", "percent"),
        ("help_professional_likely_pct", 96, "=", "percent"),
        ("need_domestic_violence_unmet_pct", 17, "=", "percent"),
        ("need_legal_met_pct", 40, "=", "percent"),
        ("reflect_range_strongly_agree_pct", 83, "=", "percent"),
        ("bank_account_after_pct", 95, "=", "percent"),
        ("rel_family_contact_after_pct", 80, ">", "percent"),
        ("foodbank_free_p", 0.006, "=", "p"),
        ("housing_secure_p", 0.0, "=", "p"),
        ("emergency_help_p", 0.0001, "<", "p"),
        ("coventry_imd_rank", 66, "=", "rank"),
        ("england_local_authorities_n", 317, "=", "count"),
        ("coventry_deprived_neighbourhoods_n", 28, "=", "count"),
        ("coventry_child_poverty_ahc_pct", 32, "=", "percent"),
        ("neighbourhood_child_poverty_ahc_pct", 53, "=", "percent"),
        ("custody_alternatives_sroi", 14, "=", "GBP per GBP invested"),
        ("interviewees_bame_n", 4, "=", "count"),
        ("interviewees_survival_n", 3, "=", "count"),
    ],
)
def test_specific_claims(claim_id, value, comparator, unit):
    c = claim(claim_id)
    assert (c.value, c.comparator, c.unit) == (value, comparator, unit)


def test_ranges_and_survey_columns_of_key_claims():
    assert (claim("wrc_sroi_range").value, claim("wrc_sroi_range").value_high) == (5, 11)
    assert (claim("wsn_sroi_range").value, claim("wsn_sroi_range").value_high) == (3, 19)
    assert (claim("interviewee_age_range").value, claim("interviewee_age_range").value_high) == (27, 56)
    c = claim("age_21_under_pct")
    assert (c.variable, c.statistic, c.codes, c.timepoint) == ("age_band", "share", (1,), "single")
    c = claim("help_no_one_very_likely_pct")
    assert (c.variable, c.codes, c.value) == ("help_no_one", (5,), 6)
    c = claim("children_with_mother_pct")
    assert (c.comparator, c.condition_parts, c.interval) == ("approx", ("has_children", (1,)), (72.5, 77.5))
    c = claim("fwt_most_used_rank")
    assert c.statistic == "rank_first" and set(c.compare_with) == {"uses_crasac", "uses_chwa", "uses_kairos", "uses_celc"}
    c = claim("housing_secure_p")
    assert (c.precision, c.interval) == ("p printed to 3 dp", (0.0001, 0.0005))
    assert "0.0001 <= p < 0.0005" in c.reading
    c = claim("rel_free_of_abuse_after_pct")
    assert (c.comparator, c.timepoint, c.codes, c.interval) == ("approx", "after", (4, 5), (85, 90))
    assert claim("bank_account_no_change").statistic == "no_change"
    assert "7 items" in claim("swemwbs_items_printed").reading


def test_claim_is_frozen_and_unknown_id_is_an_error():
    c = claim("survey_n")
    assert isinstance(c, Claim)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.value = 70  # type: ignore[misc]
    with pytest.raises(KeyError, match="unknown claim id 'survey_size'"):
        claim("survey_size")


# --------------------------------------------------------------------------- coverage against the codebook


def test_every_survey_claim_variable_and_codes_exist_in_codebook():
    cb = load_codebook()
    checked = 0
    for row in load_claims("survey").itertuples(index=False):
        if pd.isna(row.statistic):
            continue
        var = cb.variable(row.variable)
        codes = [] if pd.isna(row.codes) else [int(x) for x in row.codes.split("|")]
        assert var.scale is not None or not codes
        for code in codes:
            assert code in var.scale.codes, (row.id, code)
        for other in ([] if pd.isna(row.compare_with) else row.compare_with.split("|")):
            assert other in cb.variables, (row.id, other)
        checked += 1
    assert checked == 92


def test_workstar_claims_cover_every_area():
    areas = {a.id for a in load_codebook().workstar.areas}
    ws = load_claims("workstar")
    assert set(ws["variable"]) == areas
    assert set(ws["statistic"]) == {"mean_change"} and set(ws["comparator"]) == {">"} and (ws["value"] == 0).all()


def test_every_tested_paired_item_has_a_pvalue_claim():
    cb = load_codebook()
    expected = {v.id for v in cb.paired_items() if v.id != "bank_account"}
    assert len(expected) == 22  # 7 SWEMWBS + 9 basic needs + 4 physical health + 2 relationships
    p = load_claims("survey").query("statistic == 'pvalue_wilcoxon'")
    assert set(p["variable"]) == expected and p["variable"].is_unique
    strict = p[p["comparator"] == "<"]
    assert set(strict["value"]) == {0.0001} and len(strict) == 20
    assert set(p.loc[p["comparator"] == "=", "variable"]) == {"housing_secure", "foodbank_free"}


def test_per_item_claims_cover_figure_8_and_figure_9():
    cb = load_codebook()
    survey = load_claims("survey")
    dont_know = survey[(survey["statistic"] == "count") & (survey["codes"] == "4") & (survey["comparator"] == "<=")]
    assert set(dont_know["variable"]) == {v.id for v in cb.in_domain("needs")}
    assert set(dont_know["value"]) == {2}
    disagree = survey[(survey["codes"] == "1|2") & (survey["statistic"] == "count")]
    assert set(disagree["variable"]) == {v.id for v in cb.in_domain("reflections")}
    assert set(disagree["value"]) == {0}


def test_engagement_claims_against_table_1():
    t = load_engagements()
    partners = t[t["partner"] != "Total"]
    total_1 = int(partners["total_1"].sum())
    assert total_1 == 655
    assert claim_holds(claim("engagements_total_1_printed"), total_1)
    assert claim_holds(claim("engagements_exceed_target"), total_1)
    assert claim_holds(claim("engagements_total_2_printed"), int(partners["total_2"].sum()))
    ratio = claim("engagements_target_ratio")
    assert ratio.compare_with == ("engagement_target",)
    assert not claim_holds(ratio, total_1 / 300)  # 2.18 is not "nearly three-fold"
    periods = int(partners[["sep_18", "mar_19", "sep_19", "mar_20"]].to_numpy().sum())
    assert periods == 857 and claim_holds(ratio, periods / 300)


# --------------------------------------------------------------------------- claim_holds truth table


def _with(claim_id: str, **changes) -> Claim:
    return dataclasses.replace(claim(claim_id), **changes)


@pytest.mark.parametrize(
    ("claim_id", "changes", "observed", "expected"),
    [
        # '=' whole percent: half up
        ("age_22_49_pct", {}, 59.5, True),
        ("age_22_49_pct", {}, 59.49, False),
        ("age_22_49_pct", {}, 60.49, True),
        ("age_22_49_pct", {}, 60.5, False),
        ("age_22_49_pct", {}, 100 * 41 / 68, True),
        ("reflect_range_strongly_agree_pct", {}, 100 * 57 / 68, False),
        ("reflect_range_strongly_agree_pct", {}, 100 * 54 / 65, True),
        # '=' p printed to 3 dp
        ("foodbank_free_p", {}, 0.0055, True),
        ("foodbank_free_p", {}, 0.00549, False),
        ("foodbank_free_p", {}, 0.00649, True),
        ("foodbank_free_p", {}, 0.0065, False),
        # '=' 0.000 with the reading interval [0.0001, 0.0005)
        ("housing_secure_p", {}, 0.0003, True),
        ("housing_secure_p", {}, 0.00049, True),
        ("housing_secure_p", {}, 0.0005, False),
        ("housing_secure_p", {}, 0.00005, False),
        # '<' strict on the unrounded value
        ("emergency_help_p", {}, 0.0001, False),
        ("emergency_help_p", {}, 0.0000999, True),
        ("age_over_50_pct", {}, 100 * 3 / 68, True),
        ("age_over_50_pct", {}, 5.0, False),
        # '>' strict
        ("rel_family_contact_after_pct", {}, 80.0, False),
        ("rel_family_contact_after_pct", {}, 80.01, True),
        ("reflect_understood_majority", {}, 50.0, False),
        # '<=' and '>='
        ("need_housing_dont_know_count", {}, 2, True),
        ("need_housing_dont_know_count", {}, 3, False),
        ("need_housing_dont_know_count", {"comparator": ">="}, 2, True),
        ("need_housing_dont_know_count", {"comparator": ">="}, 1, False),
        # approx: [low, high)
        ("rel_free_of_abuse_after_pct", {}, 85.0, True),
        ("rel_free_of_abuse_after_pct", {}, 89.99, True),
        ("rel_free_of_abuse_after_pct", {}, 90.0, False),
        ("rel_free_of_abuse_after_pct", {}, 84.9, False),
        ("children_with_mother_pct", {}, 100 * 39 / 52, True),
        # exact
        ("survey_n", {}, 68, True),
        ("survey_n", {}, 67, False),
        ("survey_n", {}, 68.5, False),
        ("grant_gbp", {}, 520995.0, True),
        # exact range
        ("interviewee_age_range", {}, 27, True),
        ("interviewee_age_range", {}, 56, True),
        ("interviewee_age_range", {}, 57, False),
        # whole number
        ("survey_n", {"precision": "whole number", "decimals": 0}, 67.5, True),
        ("survey_n", {"precision": "whole number", "decimals": 0}, 67.49, False),
    ],
)
def test_claim_holds_truth_table(claim_id, changes, observed, expected):
    assert claim_holds(_with(claim_id, **changes), observed) is expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, "68", True, None])
def test_claim_holds_rejects_non_numbers(bad):
    with pytest.raises(ValueError, match="survey_n"):
        claim_holds(claim("survey_n"), bad)


def test_round_half_up_differs_from_bankers_rounding():
    assert round_half_up(82.5) == 83.0 and round(82.5) == 82
    assert round_half_up(0.0005, 3) == 0.001
    assert round_half_up(-2.5) == -3.0


# --------------------------------------------------------------------------- corrupted copies


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A writable copy of data/published."""
    target = tmp_path / "published"
    shutil.copytree(PUBLISHED, target)
    return target


def _rewrite(path: Path, edit) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def _line(claim_id: str) -> int:
    """File line of a claim in the committed claims.csv (header is line 1)."""
    ids = pd.read_csv(PUBLISHED / "claims.csv", usecols=["id"])["id"].tolist()
    return ids.index(claim_id) + 2


def _problems(exc: pytest.ExceptionInfo) -> list[str]:
    return str(exc.value).splitlines()[1:]


def test_loader_rejects_corrupted_claims_and_reports_each_problem(package_copy: Path):
    def edit(df: pd.DataFrame) -> None:
        df.loc[df["id"] == "disability_pct", "scope"] = "surveys"  # bad enum
        df.loc[df["id"] == "interviews_staff_n", "id"] = "interviews_women_n"  # duplicate id
        df.loc[df["id"] == "survey_n", "value"] = "sixty-eight"  # bad number
        df.loc[df["id"] == "help_no_one_very_likely_pct", "variable"] = "help_nobody"  # unknown variable
        df.loc[df["id"] == "need_legal_met_pct", "codes"] = "7"  # code not on the scale
        df.loc[df["id"] == "workstar_stability_improved", "variable"] = "stabilty"  # unknown area

    _rewrite(package_copy / "claims.csv", edit)
    with pytest.raises(DataFileError) as exc:
        load_claims(package=package_copy)
    lines = _problems(exc)
    assert f"claims.csv: line {_line('disability_pct')} (id='disability_pct'), column 'scope': value 'surveys' is not one of survey, workstar, engagement, finance, context, literature, interviews, sample" in lines
    assert "claims.csv: line 3: duplicate primary key (id='interviews_women_n')" in lines
    assert "claims.csv: line 4: duplicate primary key (id='interviews_women_n')" in lines
    assert f"claims.csv: line {_line('survey_n')} (id='survey_n'), column 'value': value 'sixty-eight' is not a number" in lines
    assert not any("required value is missing" in line for line in lines)
    assert len(lines) == 4  # schema problems stop the load before cross-checks

    # with the schema problems fixed, the cross-checks report the rest
    def fix(df: pd.DataFrame) -> None:
        df.loc[df["id"] == "disability_pct", "scope"] = "survey"
        df.loc[2, "id"] = "interviews_staff_n"
        df.loc[df["id"] == "survey_n", "value"] = "68"

    _rewrite(package_copy / "claims.csv", fix)
    with pytest.raises(DataFileError) as exc:
        load_claims(package=package_copy)
    lines = _problems(exc)
    assert lines == [
        f"claims.csv: line {_line('help_no_one_very_likely_pct')} (id='help_no_one_very_likely_pct'): unknown codebook variable 'help_nobody'",
        f"claims.csv: line {_line('need_legal_met_pct')} (id='need_legal_met_pct'): code 7 is not a code of 'need_legal' (scale 'need4': [1, 2, 3, 4])",
        f"claims.csv: line {_line('workstar_stability_improved')} (id='workstar_stability_improved'): unknown Work Star area 'stabilty' "
        "(codebook areas: aspiration, basic_skills, health_wellbeing, job_search, job_skills, stability, workplace_skills)",
    ]


def test_loader_rejects_inconsistent_machine_columns(package_copy: Path):
    def edit(df: pd.DataFrame) -> None:
        df.loc[df["id"] == "rel_free_of_abuse_after_pct", ["reading_low", "reading_high"]] = ""
        df.loc[df["id"] == "disability_pct", "timepoint"] = "after"
        df.loc[df["id"] == "grant_gbp", "statistic"] = "share"
        df.loc[df["id"] == "swemwbs_relaxed_p", "variable"] = "disability"
        df.loc[df["id"] == "children_with_mother_n", "condition"] = "has_kids=1"

    _rewrite(package_copy / "claims.csv", edit)
    with pytest.raises(DataFileError) as exc:
        load_claims(package=package_copy)
    lines = _problems(exc)
    assert f"claims.csv: line {_line('children_with_mother_n')} (id='children_with_mother_n'): condition names unknown variable 'has_kids'" in lines
    assert f"claims.csv: line {_line('disability_pct')} (id='disability_pct'): 'disability' is single-time; timepoint must be 'single'" in lines
    assert any("id='grant_gbp'): statistic 'share' does not apply to scope 'finance'" in line for line in lines)
    assert any("id='swemwbs_relaxed_p'): statistic 'pvalue_wilcoxon' needs a before/after variable" in line for line in lines)
    assert any("id='rel_free_of_abuse_after_pct'): comparator 'approx' needs reading_low and reading_high" in line for line in lines)
    assert len(lines) == 5


def test_loader_rejects_corrupted_engagements(package_copy: Path):
    text = TABLE_1.replace("CELC,11,", "CELC,-11,").replace("FWT,66,66,47,40,219", "FWT,66,66,47,40,2l9").replace("Total,", "Totals,")
    (package_copy / "engagements.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_engagements(package_copy / "datapackage.json")
    assert _problems(exc) == [
        "engagements.csv: line 2 (partner='FWT'), column 'total_1': value '2l9' is not an integer",
        "engagements.csv: line 6 (partner='CELC'), column 'sep_18': value -11 is below the minimum 0",
        "engagements.csv: line 7 (partner='Totals'), column 'partner': value 'Totals' is not one of FWT, CRASAC, CHWA, Kairos, CELC, Total",
    ]


def test_loader_rejects_wrong_header_and_bad_descriptor(package_copy: Path):
    (package_copy / "engagements.csv").write_text(TABLE_1.replace("total_2", "total2"), encoding="utf-8")
    with pytest.raises(DataFileError, match="header must be exactly partner,sep_18,mar_19,sep_19,mar_20,total_1,total_2"):
        load_engagements(package_copy)
    desc = json.loads((package_copy / "datapackage.json").read_text(encoding="utf-8"))
    del desc["resources"][1]["schema"]["primaryKey"]
    (package_copy / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"resources\[1\]: primaryKey None must name fields of the schema"):
        load_datapackage(package_copy)


def test_cwp_data_dir_points_the_loader_at_another_copy(tmp_path: Path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(PUBLISHED, data / "published")
    shutil.copy(REPO_ROOT / "data" / "codebook.yaml", data / "codebook.yaml")
    shutil.copytree(REPO_ROOT / "data" / "schemas", data / "schemas")
    _rewrite(data / "published" / "claims.csv", lambda df: df.__setitem__("comparator", df["comparator"].replace({"approx": "about"})))
    monkeypatch.setenv("CWP_DATA_DIR", str(data))
    with pytest.raises(DataFileError) as exc:
        published.load_claims()
    lines = _problems(exc)
    assert len(lines) == 5
    assert all("column 'comparator': value 'about' is not one of =, <, >, <=, >=, approx" in line for line in lines)
    monkeypatch.delenv("CWP_DATA_DIR")
    assert len(published.load_claims()) == 160
