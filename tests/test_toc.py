"""Tests of cwp_analysis.toc: loading and validation, evidence status,
coverage, measurement plan, diagrams, recommendations, and `cwp toc`."""

from __future__ import annotations

import copy
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cwp_analysis import toc
from cwp_analysis.cli import main
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "toc"
ITEMS = frozenset({"item_x", "item_y", "item_z"})
AREAS = frozenset({"area_one"})
KEYS = frozenset({"k1"})

# The outcome ids the codebook's toc_outcome fields refer to.
CODEBOOK_OUTCOMES = {
    "women.help_seeking", "women.needs_met", "partners.service_quality", "partners.effective_referrals",
    "women.mental_wellbeing", "women.basic_needs_met", "women.knowledge_skills", "women.knowledge_of_rights",
    "women.debt_managed", "women.stable_housing_status", "women.access_emergency_support", "women.physical_health",
    "women.reduced_gbv", "women.reduced_isolation", "women.employment_readiness",
}

# p-values printed in the report (Sections 4.2.4-4.2.8), typed here from the
# report itself so these tests do not depend on data/published/claims.csv.
REPORT_PVALUES = {
    **{f"swemwbs_{k}": 0.00009 for k in ("optimistic", "useful", "relaxed", "problems", "thinking", "close", "mind")},
    **{k: 0.00009 for k in ("finances_stable", "financial_literacy", "benefits_understood", "debt_level",
                             "debt_repayments", "budgeting", "emergency_help")},
    "housing_secure": 0.0, "foodbank_free": 0.006,
    **{k: 0.00009 for k in ("health_good", "health_lifestyle", "health_appointments", "health_manage_illness",
                             "rel_free_of_abuse", "rel_family_contact")},
}


def small_raw() -> dict:
    return yaml.safe_load((FIXTURES / "toc_small.yaml").read_text(encoding="utf-8"))


def parse(raw: dict, **kwargs):
    options = {"known_items": ITEMS, "workstar_areas": AREAS, "bib_keys": KEYS}
    options.update(kwargs)
    return toc.parse_theory_of_change(raw, **options)


def problems_of(raw: dict, **kwargs) -> list[str]:
    with pytest.raises(DataFileError) as info:
        parse(raw, **kwargs)
    lines = str(info.value).splitlines()
    assert lines[0] == "invalid theory of change:"
    return lines[1:]


@pytest.fixture(scope="module")
def small():
    return parse(small_raw())


@pytest.fixture(scope="module")
def real():
    return toc.load_theory_of_change()


# --- loading ---------------------------------------------------------------


def test_small_fixture_loads(small):
    assert list(small.stakeholders) == ["women", "partners"]
    assert [o.id for o in small.outcomes_of("women")] == ["women.a", "women.b", "women.c", "women.d"]
    assert small.outcomes["women.b"].quantitative_indicators == ("item_z", "workstar:area_one")
    assert small.outcomes["women.b"].qualitative_indicators == ("interviews:women",)
    g = small.graph()
    assert g.number_of_edges() == 6
    assert g.nodes["act_one"]["kind"] == "activity"
    assert g.nodes["women.c"]["horizon"] == "long"
    assert small.literature_keys() == {"k1"}


def test_outcomes_of_unknown_stakeholder(small):
    with pytest.raises(KeyError, match="unknown stakeholder 'children'"):
        small.outcomes_of("children")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["outcomes"][0]["indicators"].append("item_q"),
         "outcome women.a: unknown survey item 'item_q' (not in the codebook)"),
        (lambda r: r["outcomes"][1]["indicators"].append("workstar:area_two"),
         "outcome women.b: unknown Work Star area 'workstar:area_two'"),
        (lambda r: r["outcomes"][2]["indicators"].append("box:9"),
         "outcome women.c: unknown qualitative evidence source 'box:9' (not in evidence_sources)"),
        (lambda r: r["outcomes"][2]["indicators"].append("video:1"),
         "outcome women.c: unknown kind of indicator 'video:1' (expected a survey item, table1, workstar:<area>, interviews:, box: or section:)"),
        (lambda r: r["outcomes"][0]["literature"].append("nobody2000"),
         "outcome women.a: unknown bib key 'nobody2000'"),
        (lambda r: r["links"][0]["literature"].append("nobody2000"),
         "link act_one -> women.a: unknown bib key 'nobody2000'"),
        (lambda r: r["needs"][0]["literature"].append("nobody2000"),
         "needs[0] (need_one): unknown bib key 'nobody2000'"),
        (lambda r: r["links"].append({"from": "act_three", "to": "women.a"}),
         "link act_three -> women.a: dangling link, 'act_three' is not an activity or outcome"),
        (lambda r: r["links"].append({"from": "women.a", "to": "women.zz"}),
         "link women.a -> women.zz: dangling link, target 'women.zz' is not defined (links must end at an outcome)"),
        (lambda r: (r["outcomes"].append({"id": "women.e", "horizon": "long", "label": "E", "indicators": ["table1"]}),
                    r["links"].append({"from": "women.e", "to": "women.a"})),
         "link women.e -> women.a: runs back in time (long to short)"),
        (lambda r: r["links"].append({"from": "women.a", "to": "women.b"}),
         "link women.a -> women.b: duplicate link"),
        (lambda r: r["outcomes"][3].pop("measurement_plan"),
         "outcome women.d: has no quantitative indicator, so it needs a measurement_plan (indicator, from_whom, when)"),
        (lambda r: r["outcomes"][3]["measurement_plan"].update(when=""),
         "outcome women.d: measurement_plan needs non-empty indicator, from_whom, when"),
        (lambda r: r["outcomes"].append({"id": "children.x", "horizon": "short", "label": "X", "indicators": ["table1"]}),
         "outcome children.x: unknown stakeholder 'children'; known: women, partners"),
        (lambda r: r["outcomes"].append({"id": "Women-X", "horizon": "short", "label": "X", "indicators": ["table1"]}),
         "outcome Women-X: id must look like '<stakeholder>.<name>' (lower case, digits, underscores)"),
        (lambda r: r["outcomes"].append(dict(r["outcomes"][0])),
         "outcome women.a: duplicate id"),
        (lambda r: r["outcomes"][0].update(horizon="soon"),
         "outcome women.a: horizon 'soon' is not one of short, medium, long"),
        (lambda r: r["outcomes"][0]["indicators"].append("item_x"),
         "outcome women.a: indicator 'item_x' listed twice"),
        (lambda r: r["evidence_sources"].append({"id": "box:2", "kind": "interviews", "label": "Box 2"}),
         "evidence_sources[2]: id 'box:2' does not match kind 'interviews' (interviews:, box: or section:)"),
        (lambda r: r["stakeholder_map"]["entries"][0].update(roles=["lobbying"]),
         "stakeholder_map.entries[0] (funder): roles must be among beneficiary, evaluation, funding, implementation, policy"),
    ],
)
def test_each_loader_error_is_reported(mutate, expected):
    raw = small_raw()
    mutate(raw)
    problems = problems_of(raw)
    assert any(line.endswith(expected) for line in problems), problems
    assert len(problems) == 1, problems


def test_cycle_and_backward_link_from_fixture_file():
    raw = yaml.safe_load((FIXTURES / "toc_cycle.yaml").read_text(encoding="utf-8"))
    problems = problems_of(raw, bib_keys=frozenset())
    assert problems == [
        "<theory of change>: link women.c -> women.b: runs back in time (long to short)",
        "<theory of change>: cycle in the causal links: women.a -> women.b -> women.a",
    ]


def test_link_into_an_activity_is_dangling_and_cyclic():
    raw = small_raw()
    raw["links"].append({"from": "women.a", "to": "act_two"})
    assert problems_of(raw) == [
        "<theory of change>: link women.a -> act_two: dangling link, target 'act_two' is an activity (links must end at an outcome)",
        "<theory of change>: cycle in the causal links: act_two -> partners.p -> women.a -> act_two",
    ]


def test_all_problems_are_collected():
    raw = small_raw()
    raw["outcomes"][0]["indicators"].append("item_q")
    raw["outcomes"][0]["literature"].append("nobody2000")
    raw["links"].append({"from": "ghost", "to": "women.a"})
    assert len(problems_of(raw)) == 3


def test_codebook_consistency_is_checked():
    mapping = {"item_x": "women.a", "item_y": "women.b", "item_z": "women.zz", "item_w": "women.a"}
    problems = problems_of(small_raw(), codebook_outcomes=mapping)
    assert problems == [
        "<theory of change>: outcome women.a: indicator 'item_y' belongs to 'women.b' in the codebook",
        "<theory of change>: the codebook maps 'item_z' to outcome 'women.zz', which is not defined",
        "<theory of change>: outcome women.a: the codebook maps 'item_w' to it, but it is not among its indicators",
    ]


def test_unchecked_vocabularies():
    raw = small_raw()
    raw["outcomes"][0]["indicators"].append("item_q")
    loaded = toc.parse_theory_of_change(raw, known_items=None, workstar_areas=None, bib_keys=None)
    assert "item_q" in loaded.outcomes["women.a"].indicators


def test_missing_file_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match="theory of change not found"):
        toc.load_theory_of_change(tmp_path / "none.yaml", known_items=ITEMS, bib_keys=KEYS)


def test_invalid_yaml_is_a_data_file_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("outcomes: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid YAML"):
        toc.load_theory_of_change(bad, known_items=ITEMS, bib_keys=KEYS)


def test_indicator_kind():
    assert toc.indicator_kind("need_legal") == "survey"
    assert toc.indicator_kind("section:4.4.1") == "report_section"
    with pytest.raises(ValueError, match="unknown kind of indicator 'table:1'"):
        toc.indicator_kind("table:1")


# --- evidence status ----------------------------------------------------------


def test_evidence_status_from_fixture(small):
    status = toc.evidence_status(small, {"item_x": 0.2, "item_y": 0.01, "item_z": 0.3}, alpha=0.05)
    got = dict(zip(status["outcome"], status["status"]))
    assert got == {
        "women.a": "measured_significant",
        "women.b": "measured_not_significant",
        "women.c": "qualitative_only",
        "women.d": "not_measured",
        "partners.p": "measured_not_significant",
    }
    row = status.set_index("outcome").loc["women.a"]
    assert (row["n_tested"], row["n_significant"], row["significant"]) == (2, 1, "item_y")
    assert status.set_index("outcome").loc["women.b", "qualitative"] == "interviews:women"
    assert list(status["coverage"]) == ["evidenced", "partly", "partly", "unmeasured", "partly"]


def test_alpha_and_strict_inequality(small):
    at_alpha = toc.evidence_status(small, {"item_y": 0.05}, alpha=0.05)
    assert at_alpha.set_index("outcome").loc["women.a", "status"] == "measured_not_significant"
    stricter = toc.evidence_status(small, {"item_y": 0.01}, alpha=0.005)
    assert stricter.set_index("outcome").loc["women.a", "status"] == "measured_not_significant"


def test_workstar_pvalue_counts(small):
    status = toc.evidence_status(small, {"workstar:area_one": 0.001})
    assert status.set_index("outcome").loc["women.b", "status"] == "measured_significant"


def test_results_table_input_and_improved_column(small):
    results = pd.DataFrame({"item": ["item_x", "item_y"], "pvalue": [0.2, 0.01], "improved": [True, False]})
    status = toc.evidence_status(small, results)
    assert status.set_index("outcome").loc["women.a", "status"] == "measured_not_significant"
    status = toc.evidence_status(small, results.drop(columns="improved"))
    assert status.set_index("outcome").loc["women.a", "status"] == "measured_significant"


@pytest.mark.parametrize(
    ("pvalues", "message"),
    [
        ({"item_x": float("nan")}, "p-value of 'item_x' must lie in \\[0, 1\\]"),
        ({"item_x": 1.5}, "p-value of 'item_x' must lie in \\[0, 1\\]"),
        ({"item_x": "small"}, "p-value of 'item_x' is not a number"),
        (pd.DataFrame({"item": ["item_x"], "p": [0.1]}), "needs columns 'item' and 'pvalue'"),
        (pd.DataFrame({"item": ["item_x", "item_x"], "pvalue": [0.1, 0.2]}), "lists item 'item_x' more than once"),
    ],
)
def test_bad_pvalues_raise(small, pvalues, message):
    with pytest.raises(ValueError, match=message):
        toc.evidence_status(small, pvalues)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5])
def test_bad_alpha_raises(small, alpha):
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        toc.evidence_status(small, {}, alpha=alpha)


def test_published_pvalues_reads_bounds(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "id,variable,statistic,comparator,value\n"
        "a_p,item_x,pvalue_wilcoxon,<,0.05\n"
        "b_p,item_y,pvalue_wilcoxon,=,0.006\n"
        "c,item_z,share,=,40\n",
        encoding="utf-8",
    )
    p = toc.published_pvalues(claims)
    assert set(p) == {"item_x", "item_y"}
    assert p["item_x"] < 0.05 and p["item_x"] > 0.0499999
    assert p["item_y"] == 0.006
    with pytest.raises(DataFileError, match="published claims not found"):
        toc.published_pvalues(tmp_path / "missing.csv")


# --- coverage and measurement plan ------------------------------------------------


def test_coverage_matrix_of_fixture(small):
    m = toc.coverage_matrix(small)
    assert list(m.columns) == list(toc.EVIDENCE_TYPES)
    assert m.loc[("women", "women.b")].tolist() == [1, 1, 0, 1, 0, 0]
    assert m.loc[("women", "women.d")].sum() == 0
    assert m.loc[("partners", "partners.p"), "table1"] == 1


def test_coverage_summary_of_fixture(small):
    status = toc.evidence_status(small, {"item_y": 0.01})
    summary = toc.coverage_summary(status)
    assert list(summary.index) == ["women", "partners"]
    assert summary.loc["women", ["evidenced", "partly", "unmeasured", "total"]].tolist() == [1, 2, 1, 4]
    assert summary.loc["partners", ["evidenced", "partly", "unmeasured", "total"]].tolist() == [0, 1, 0, 1]


def test_measurement_plan_of_fixture(small):
    status = toc.evidence_status(small, {"item_y": 0.01})
    plan = toc.measurement_plan(small, status)
    assert list(plan["outcome"]) == ["women.c", "women.d"]
    assert plan.iloc[0][["indicator", "from_whom", "when"]].tolist() == ["A scale", "Women", "At intake and six months"]
    with pytest.raises(ValueError, match="unknown evidence status 'proven'"):
        toc.measurement_plan(small, {"women.a": "proven"})


# --- the project's data -------------------------------------------------------


def test_real_theory_of_change_defines_the_codebook_outcomes(real):
    assert CODEBOOK_OUTCOMES <= set(real.outcomes)
    assert list(real.stakeholders) == ["partners", "women", "children", "state"]
    assert [a.id for a in real.activities.values()] == [
        "partnership_connector", "referral_changes", "staff_capacity", "strengths_based_working"]
    assert len(real.needs) == 5


def test_real_indicators_agree_with_the_codebook(real):
    from cwp_analysis.codebook import load_codebook

    cb = load_codebook()
    for var in cb.variables.values():
        if var.toc_outcome:
            assert var.id in real.outcomes[var.toc_outcome].indicators, var.id
    for area in cb.workstar.areas:
        assert f"workstar:{area.id}" in real.outcomes[cb.workstar.toc_outcome].indicators


def test_real_evidence_status_with_report_pvalues(real):
    status = toc.evidence_status(real, REPORT_PVALUES).set_index("outcome")["status"]
    assert status["women.mental_wellbeing"] == "measured_significant"
    assert status["women.basic_needs_met"] == "measured_significant"  # foodbank p = .006
    assert status["women.help_seeking"] == "measured_not_significant"  # asked once, no test
    assert status["women.employment_readiness"] == "measured_not_significant"  # Work Star, no test published
    assert status["partners.effective_referrals"] == "measured_not_significant"
    assert status["state.service_efficiencies"] == "qualitative_only"
    assert status["children.school_attendance"] == "not_measured"
    summary = toc.coverage_summary(toc.evidence_status(real, REPORT_PVALUES))
    assert summary.loc["women", ["evidenced", "partly", "unmeasured"]].tolist() == [10, 9, 3]
    assert summary.loc["children", "evidenced"] == 0


def test_every_unmeasured_real_outcome_has_a_plan(real):
    status = toc.evidence_status(real, REPORT_PVALUES)
    plan = toc.measurement_plan(real, status)
    lacking = status[status["status"].isin(["not_measured", "qualitative_only"])]["outcome"]
    assert set(lacking) <= set(plan["outcome"])


# --- diagrams -----------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_diagram_is_deterministic_and_tall(small, tmp_path):
    status = toc.evidence_status(small, {"item_y": 0.01})
    first = toc.draw_theory_of_change(small, "women", status, tmp_path / "a" / "women.png", dpi=60)
    second = toc.draw_theory_of_change(small, "women", status, tmp_path / "b" / "women.png", dpi=60)
    assert first.read_bytes() == second.read_bytes()
    width, height = _png_size(first)
    assert height > width
    assert b"Software" not in first.read_bytes()


def test_diagram_needs_a_status_for_every_outcome(small, tmp_path):
    with pytest.raises(ValueError, match="no evidence status given for outcome 'women.a'"):
        toc.draw_theory_of_change(small, "women", {"women.b": "not_measured"}, tmp_path / "x.png")


def test_describe_theory_of_change(small):
    status = toc.evidence_status(small, {"item_y": 0.01})
    text = toc.describe_theory_of_change(small, "women", status)
    assert text.splitlines()[0] == "Theory of change for Women: 4 outcomes (1 short, 1 medium, 2 long term), 5 links drawn."
    assert "Driven by: Activity one; Partners: Partner outcome from Table 1." in text


# --- recommendations ------------------------------------------------------------


def _recs_raw() -> dict:
    return yaml.safe_load((REPO_ROOT / "data" / "recommendations.yaml").read_text(encoding="utf-8"))


def test_real_recommendations_tie_every_statement(real):
    recs = toc.parse_recommendations(
        _recs_raw(), outcome_ids=frozenset(real.outcomes), known_claims=None,
        expected={"conclusion": 4, "recommendation": 10},
    )
    assert [c.number for c in recs.conclusions] == [1, 2, 3, 4]
    assert [r.number for r in recs.recommendations] == list(range(1, 11))
    table = toc.recommendations_table(recs, toc.evidence_status(real, REPORT_PVALUES))
    assert len(table) == 14
    assert (table["findings"] != "").all() and (table["claims"] != "").all()
    c3 = table.set_index("id").loc["C3"]
    assert c3["evidenced"] == 10  # conclusion 3 rests on the measured outcomes for women
    assert "swemwbs_mind_p" in c3["claims"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["conclusions"][0]["findings"].append("F99"), "conclusion C1: unknown finding 'F99'"),
        (lambda r: r["findings"][0]["outcomes"].append("women.zz"), "finding F01: unknown theory-of-change outcome 'women.zz'"),
        (lambda r: r["findings"][0]["claims"].append("nothing_p"), "finding F01: unknown claim id 'nothing_p' (not in claims.csv)"),
        (lambda r: r["recommendations"].pop(), "expected recommendations numbered 1..10, found [1, 2, 3, 4, 5, 6, 7, 8, 9]"),
        (lambda r: r["recommendations"][0]["conclusions"].append("C9"), "recommendation R01: unknown conclusion 'C9'"),
    ],
)
def test_recommendation_errors(real, mutate, expected):
    raw = _recs_raw()
    claims = {c for f in raw["findings"] for c in f.get("claims", [])}
    claims |= {c for r in raw["recommendations"] for c in r.get("claims", [])}
    mutate(raw)
    with pytest.raises(DataFileError) as info:
        toc.parse_recommendations(raw, outcome_ids=frozenset(real.outcomes), known_claims=claims,
                                  expected={"conclusion": 4, "recommendation": 10})
    assert any(line.endswith(expected) for line in str(info.value).splitlines()), str(info.value)


# --- the command line -------------------------------------------------------------


def test_cli_check_on_project_data(capsys):
    assert main(["toc", "--check"]) == 0
    out, err = capsys.readouterr()
    assert "women               10       9           3     22" in out
    assert "warning: cited but not in the report's bibliography: 'Rumgay, 2008' (Section 2.2)" in err
    assert "warning: cited but not in the report's bibliography: 'Bond, 2010' (Section 2.2)" in err


def test_cli_reports_one_line_per_problem(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "data", data, ignore=shutil.ignore_patterns("private", "synthetic"))
    raw = yaml.safe_load((data / "theory_of_change.yaml").read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    broken["links"].append({"from": "women.reduced_poverty", "to": "women.immediate_safety"})
    broken["outcomes"][0]["literature"] = ["nobody2000"]
    (data / "theory_of_change.yaml").write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("CWP_DATA_DIR", str(data))
    assert main(["toc", "--check"]) == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert lines[-1] == "cwp toc: 2 problem(s) found"
    assert lines[0].endswith("outcome partners.joint_working: unknown bib key 'nobody2000'")
    assert lines[1].endswith("link women.reduced_poverty -> women.immediate_safety: runs back in time (long to short)")
    assert out == ""
