"""Tests of cwp_analysis.economics against hand-worked arithmetic."""

from __future__ import annotations

import math

import pytest
import yaml

from cwp_analysis import economics
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import REPO_ROOT

GRANT = 520995
# The published values the inputs refer to, typed from the report (Sections
# 2.2, 3.3, 4.1 and Table 1) so that the test does not depend on claims.csv.
CLAIMS = {
    "grant_gbp": (520995.0, None),
    "grant_years": (3.0, None),
    "engagement_target": (300.0, None),
    "engagements_total_1_printed": (655.0, None),
    "engagements_total_2_printed": (1184.0, None),
    "wrc_sroi_range": (5.0, 11.0),
    "wsn_sroi_range": (3.0, 19.0),
    "custody_alternatives_sroi": (14.0, None),
}


def _raw() -> dict:
    return yaml.safe_load((REPO_ROOT / "data" / "economics.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def inputs():
    return economics.load_economic_inputs(claims=CLAIMS)


def test_unit_costs_by_hand():
    costs = economics.unit_costs(GRANT, new_engagements=655, target=300, beneficiary_periods=1184, years=3)
    # 655 x 795 = 520,725, remainder 270, and 270 / 655 = 0.41221...
    assert costs.per_new_engagement == pytest.approx(795 + 270 / 655, rel=1e-12)
    assert costs.per_new_engagement == pytest.approx(795.4122137, abs=1e-7)
    # 300 x 1,736.65 = 520,995 exactly.
    assert costs.per_targeted_engagement == pytest.approx(1736.65, rel=1e-12)
    # 1,184 x 440 = 520,960, remainder 35, and 35 / 1,184 = 0.02956...
    assert costs.per_beneficiary_period == pytest.approx(440 + 35 / 1184, rel=1e-12)
    assert costs.per_beneficiary_period == pytest.approx(440.0295608, abs=1e-7)
    assert costs.per_year == 173665.0


def test_unit_cost_table_uses_the_file(inputs):
    table = economics.unit_cost_table(inputs).set_index("measure")
    assert table.loc["Cost per new engagement", "denominator"] == 655
    assert table.loc["Cost per beneficiary-period", "denominator"] == 1184
    assert round(table.loc["Cost per targeted engagement", "cost_gbp"], 2) == 1736.65
    assert "Table 1" in table.loc["Cost per new engagement", "denominator_source"]


def test_break_even_saving(inputs):
    assert economics.break_even_saving(GRANT, 300) == pytest.approx(1736.65)
    assert economics.break_even_saving(GRANT, 655) == pytest.approx(795.4122137, abs=1e-7)


def test_scenarios_by_hand(inputs):
    table = economics.social_value_scenarios(GRANT, inputs.sroi_ratios, 655)
    values = {(r.ratio_id, r.bound): r.social_value_gbp for r in table.itertuples()}
    assert values == {
        ("wrc2011", "low"): 2604975.0,  # 5 x 520,995
        ("wrc2011", "high"): 5730945.0,  # 11 x 520,995
        ("wsn_northern_ireland", "low"): 1562985.0,  # 3 x 520,995
        ("wsn_northern_ireland", "high"): 9898905.0,  # 19 x 520,995
        ("custody_alternatives", "point"): 7293930.0,  # 14 x 520,995
    }
    wrc_low = table[(table.ratio_id == "wrc2011") & (table.bound == "low")].iloc[0]
    assert wrc_low.net_value_gbp == 2083980.0
    assert wrc_low.per_woman_gbp == pytest.approx(2604975 / 655)
    assert wrc_low.horizon_years == 5
    assert (table["scenario"] == economics.SCENARIO_LABEL).all()
    assert "not a finding" in economics.SCENARIO_LABEL


def test_sensitivity_table(inputs):
    table = economics.sensitivity_table(GRANT, inputs.sensitivity_women, inputs.sensitivity_savings)
    assert len(table) == len(inputs.sensitivity_women) * len(inputs.sensitivity_savings)
    row = table[(table.women == 655) & (table.saving_per_woman_gbp == 1000)].iloc[0]
    assert row.total_saving_gbp == 655000.0 and row.net_saving_gbp == 134005.0 and bool(row.breaks_even)
    assert row.saving_to_cost_ratio == pytest.approx(655000 / 520995)
    exact = economics.sensitivity_table(GRANT, [300], [1736.65]).iloc[0]
    assert exact.net_saving_gbp == pytest.approx(0.0, abs=1e-6)
    below = economics.sensitivity_table(GRANT, [300], [1736.0]).iloc[0]
    assert not below.breaks_even


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: economics.break_even_saving(GRANT, 0), "women must be a positive finite number"),
        (lambda: economics.break_even_saving(-1, 10), "grant must be a positive finite number"),
        (lambda: economics.break_even_saving(GRANT, math.nan), "women must be a positive finite number"),
        (lambda: economics.unit_costs(GRANT, new_engagements=655, target=300, beneficiary_periods="many", years=3),
         "beneficiary_periods must be a number"),
        (lambda: economics.sensitivity_table(GRANT, [300], [-5]), "saving per woman must be a non-negative"),
        (lambda: economics.sensitivity_table(GRANT, [], [5]), "must not be empty"),
    ],
)
def test_bad_inputs_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_inputs_carry_sources(inputs):
    for p in inputs.parameters.values():
        assert p.source, p.id
    assert inputs.value("grant_total_gbp") == GRANT
    assert [sp.id for sp in inputs.savings_pathways] == [
        "efficiencies", "absorbing_statutory_work", "prevention", "indirect_economic_gains"]
    with pytest.raises(KeyError, match="unknown economic parameter 'budget'"):
        inputs.value("budget")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["parameters"]["grant_total_gbp"].update(value=520000),
         "parameter grant_total_gbp: value 520000 disagrees with claim 'grant_gbp' (520995)"),
        (lambda r: r["sroi_ratios"][0].update(high=12),
         "ratio wrc2011: upper value 12 disagrees with claim 'wrc_sroi_range' (11)"),
        (lambda r: r["parameters"]["grant_years"].update(claim="years_n"),
         "parameter grant_years: unknown claim id 'years_n' (not in claims.csv)"),
        (lambda r: r["parameters"].pop("engagement_target"), "missing parameter 'engagement_target'"),
        (lambda r: r["parameters"]["engagement_target"].update(value=-300),
         "parameter engagement_target: must be positive, got -300"),
        (lambda r: r["sroi_ratios"][1].update(low=20, claim=None), "ratio wsn_northern_ireland: low 20 exceeds high 19"),
        (lambda r: r["sroi_ratios"][0]["literature"].append("nobody2000"), "ratio wrc2011: unknown bib key 'nobody2000'"),
        (lambda r: r["savings_pathways"].pop(), "the report names four savings pathways, found 3"),
        (lambda r: r["savings_pathways"][0].update(toc_outcome="state.nothing"),
         "savings pathway efficiencies: unknown theory-of-change outcome 'state.nothing'"),
        (lambda r: r["sensitivity"].update(women=[0]), "sensitivity.women must list positive whole numbers"),
    ],
)
def test_loader_errors(mutate, expected):
    raw = _raw()
    mutate(raw)
    with pytest.raises(DataFileError) as info:
        economics.parse_economic_inputs(raw, claims=CLAIMS, bib_keys={"wrc2011", "wsn_nd"},
                                        toc_outcomes={"state.service_efficiencies", "state.reduced_statutory_demand",
                                                      "state.prevented_crises", "state.economic_gains"},
                                        source="econ")
    lines = str(info.value).splitlines()[1:]
    assert lines == [f"econ: {expected}"], lines


def test_cross_check_with_the_theory_of_change(inputs):
    from cwp_analysis.toc import load_theory_of_change

    assert economics.inputs_problems(inputs, load_theory_of_change()) == []


def test_sensitivity_chart_is_deterministic(inputs, tmp_path):
    a = economics.draw_sensitivity(inputs, tmp_path / "a.png", dpi=60)
    b = economics.draw_sensitivity(inputs, tmp_path / "b.png", dpi=60)
    assert a.read_bytes() == b.read_bytes()
