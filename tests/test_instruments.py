"""Tests for cwp_analysis.instruments (SWEMWBS and Work Star scoring)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from cwp_analysis.errors import DataFileError
from cwp_analysis.instruments import (
    load_swemwbs_spec,
    load_workstar_instrument,
    swemwbs_change_summary,
    swemwbs_metric,
    swemwbs_raw_total,
    swemwbs_scores,
    workstar_summary,
)
from cwp_analysis.paths import data_file

ITEMS = (
    "swemwbs_optimistic", "swemwbs_useful", "swemwbs_relaxed", "swemwbs_problems",
    "swemwbs_thinking", "swemwbs_close", "swemwbs_mind",
)


# --- conversion table --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "metric"),
    [
        # End points map to themselves by construction (Stewart-Brown et al.
        # 2009, Table 3; Warwick scoring guidance).
        (7, 7.00),
        (35, 35.00),
        # Interior values of Stewart-Brown et al. (2009), Table 3, as
        # reproduced by independent public scoring code (data/instruments/README.md).
        (8, 9.51),
        (14, 15.32),
        (21, 19.25),
        (28, 25.03),
        (34, 32.55),
        # Raw 23 -> 20.73 and raw 32 -> 29.31 are quoted in the German SWEMWBS
        # norms paper (GEDA 2022, N = 5,606) for its 15th / 85th percentile cut-offs.
        (23, 20.73),
        (32, 29.31),
    ],
)
def test_conversion_values_from_the_published_table(raw, metric):
    assert swemwbs_metric(raw) == pytest.approx(metric, abs=1e-12)


# Stewart-Brown et al. (2009), Health and Quality of Life Outcomes 7:15, Table 3:
# SWEMWBS raw total -> metric score, typed here by hand, independently of
# data/instruments/swemwbs_conversion.csv, from the public reproduction of the
# table in danlewer/aow_adolescent_mh (swemwbs_metric_lookup.csv) and checked
# against an implementation labelled "Stewart-Brown 2009, Table 3" (which
# differs only at raw 29: 25.99 against 26.02 in every other source).
PUBLISHED_METRIC = [
    7.00, 9.51, 11.25, 12.40, 13.33, 14.08, 14.75,       # raw 7 .. 13
    15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59,     # raw 14 .. 20
    19.25, 19.98, 20.73, 21.54, 22.35, 23.21, 24.11,     # raw 21 .. 27
    25.03, 26.02, 27.03, 28.13, 29.31, 30.70, 32.55,     # raw 28 .. 34
    35.00,                                               # raw 35
]


def test_every_conversion_value_matches_the_published_table_and_the_data_file():
    raw = list(range(7, 36))
    assert len(PUBLISHED_METRIC) == len(raw) == 29
    file = pd.read_csv(data_file("instruments", "swemwbs_conversion.csv"))
    assert file["raw_total"].tolist() == raw
    # The data file, the typed table and the library agree on all 29 values.
    assert file["metric_score"].tolist() == pytest.approx(PUBLISHED_METRIC, abs=1e-12)
    assert load_swemwbs_spec().conversion.tolist() == pytest.approx(PUBLISHED_METRIC, abs=1e-12)
    assert swemwbs_metric(raw).tolist() == pytest.approx(PUBLISHED_METRIC, abs=1e-12)
    for value, expected in zip(raw, PUBLISHED_METRIC):
        assert swemwbs_metric(value) == pytest.approx(expected, abs=1e-12), value


def test_conversion_is_strictly_increasing_and_complete():
    metric = swemwbs_metric(list(range(7, 36)))
    assert metric.shape == (29,)
    assert np.all(np.diff(metric) > 0)
    # the Rasch metric stretches the extremes: the first and last steps are
    # the largest (2.51 and 2.45 points), the middle steps about half a point
    steps = np.diff(metric)
    assert steps[0] == pytest.approx(2.51) and steps[-1] == pytest.approx(2.45)
    assert steps.min() == pytest.approx(0.52)  # 16 -> 17 (16.36 -> 16.88) and 15 -> 16


def test_metric_accepts_whole_number_floats_and_numpy_scalars():
    assert swemwbs_metric(21.0) == 19.25
    assert swemwbs_metric(np.int64(8)) == 9.51


@pytest.mark.parametrize("bad", [6, 36, 0, 7.5, True, "21", None, float("nan"), float("inf")])
def test_metric_rejects_bad_scalars(bad):
    with pytest.raises(ValueError):
        swemwbs_metric(bad)


def test_metric_array_keeps_missing_people_missing():
    result = swemwbs_metric(np.array([21, np.nan, 35]))
    assert result[0] == 19.25 and np.isnan(result[1]) and result[2] == 35.0
    series = pd.Series([8, None, 7], index=["a", "b", "c"], name="raw", dtype="Int64")
    out = swemwbs_metric(series)
    assert list(out.index) == ["a", "b", "c"] and out.name == "raw"
    assert out["a"] == 9.51 and np.isnan(out["b"]) and out["c"] == 7.0


@pytest.mark.parametrize("bad", [[21, 36], [21, 20.5], [21, np.inf], ["x", 21], ["21", 22], [True, 21],
                                 pd.Series(["21", "22"])])
def test_metric_array_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        swemwbs_metric(bad)


# --- specification file ---------------------------------------------------------


def test_spec_stores_short_labels_and_attribution_only():
    spec = load_swemwbs_spec()
    assert spec.item_ids == ITEMS
    assert spec.short_labels["swemwbs_problems"] == "dealing with problems"
    # never the licensed item wording ("I've been ...")
    assert not any("been" in label.lower() for label in spec.short_labels.values())
    raw_text = data_file("instruments", "swemwbs.yaml").read_text(encoding="utf-8")
    assert "I've been" not in raw_text and "I’ve been" not in raw_text
    assert "©" in spec.attribution and "all rights reserved" in spec.attribution
    assert spec.response_scale[1] == "None of the time" and spec.response_scale[5] == "All of the time"
    assert spec.default_threshold == 3.0
    assert spec.norms["women"].mean == 23.2 and spec.norms["men"].mean == 23.7  # Ng Fat et al. 2017


def _copy_data(tmp_path, monkeypatch):
    target = tmp_path / "data"
    shutil.copytree(data_file("instruments"), target / "instruments")
    monkeypatch.setenv("CWP_DATA_DIR", str(target))
    return target / "instruments"


def test_corrupt_conversion_table_is_refused(tmp_path, monkeypatch):
    folder = _copy_data(tmp_path, monkeypatch)
    csv = folder / "swemwbs_conversion.csv"
    csv.write_text(csv.read_text().replace("21,19.25", "21,17.00"))
    with pytest.raises(DataFileError, match="increase strictly"):
        load_swemwbs_spec()


def test_conversion_table_with_gap_is_refused(tmp_path, monkeypatch):
    folder = _copy_data(tmp_path, monkeypatch)
    csv = folder / "swemwbs_conversion.csv"
    csv.write_text(csv.read_text().replace("21,19.25\n", ""))
    with pytest.raises(DataFileError, match="every integer"):
        load_swemwbs_spec()


# --- raw totals and missing items -------------------------------------------------


def items(rows):
    return pd.DataFrame(rows, columns=ITEMS)


def test_raw_total_sums_complete_answers():
    frame = items([[1] * 7, [5] * 7, [1, 2, 3, 4, 5, 4, 3]])
    assert swemwbs_raw_total(frame).tolist() == [7.0, 35.0, 22.0]


def test_any_missing_item_makes_the_total_missing_by_default():
    frame = items([[3, 3, 3, 3, 3, 3, None], [3, 3, None, 3, 3, 3, None], [3] * 7])
    totals = swemwbs_raw_total(frame)
    assert np.isnan(totals.iloc[0]) and np.isnan(totals.iloc[1]) and totals.iloc[2] == 21.0


def test_impute_prorates_one_missing_item_only():
    frame = items([
        [3, 3, 3, 3, 3, 3, None],        # 18 * 7 / 6 = 21
        [1, 1, 1, 2, 2, 2, None],        # 9 * 7 / 6 = 10.5, rounded half up to 11
        [5, 5, 5, 5, 4, 4, None],        # 28 * 7 / 6 = 32.67 -> 33
        [3, 3, None, 3, 3, 3, None],     # two missing: stays missing
    ])
    totals = swemwbs_raw_total(frame, impute=True)
    assert totals.iloc[:3].tolist() == [21.0, 11.0, 33.0]
    assert np.isnan(totals.iloc[3])


@pytest.mark.parametrize("bad", [0, 6, 2.5, "often", "3"])
def test_invalid_item_code_is_named(bad):
    frame = items([[3] * 7, [3, 3, 3, bad, 3, 3, 3]])
    with pytest.raises(ValueError, match="swemwbs_problems"):
        swemwbs_raw_total(frame)


def test_raw_total_needs_seven_columns():
    with pytest.raises(ValueError, match="7 item columns"):
        swemwbs_raw_total(pd.DataFrame({"a": [1], "b": [2]}))


# --- per-person scores ---------------------------------------------------------------


def survey(before_totals, after_items):
    """Survey frame whose item codes give the wanted raw totals."""
    rows = []
    for before, after in zip(before_totals, after_items):
        row = {}
        for when, spec in (("before", before), ("after", after)):
            codes = spec if isinstance(spec, list) else _codes_for(spec)
            row |= {f"{item}_{when}": code for item, code in zip(ITEMS, codes)}
        rows.append(row)
    return pd.DataFrame(rows)


def _codes_for(total):
    base, extra = divmod(total - 7, 4)  # spread the total over 7 items coded 1..5
    codes = [5] * base + [1 + extra] + [1] * (6 - base)
    return codes[:7]


def test_codes_helper_hits_the_wanted_totals():
    for total in range(7, 36):
        assert sum(_codes_for(total)) == total


def test_scores_layout_and_values():
    data = survey([14, 21], [21, [3, 3, 3, 3, 3, 3, None]])
    scores = swemwbs_scores(data)
    assert list(scores.columns) == ["raw_before", "raw_after", "metric_before", "metric_after", "metric_change"]
    assert scores["raw_before"].tolist() == [14.0, 21.0]
    assert scores.loc[0, "metric_after"] == 19.25
    assert scores.loc[0, "metric_change"] == pytest.approx(19.25 - 15.32)
    assert np.isnan(scores.loc[1, "metric_after"]) and np.isnan(scores.loc[1, "metric_change"])
    imputed = swemwbs_scores(data, impute=True)
    assert imputed.loc[1, "metric_after"] == 19.25


def test_scores_missing_columns_are_named():
    data = survey([14], [21]).drop(columns=["swemwbs_mind_after"])
    with pytest.raises(ValueError, match="swemwbs_mind_after"):
        swemwbs_scores(data)


# --- change summary on a hand-worked dataset ---------------------------------------


HAND = pd.DataFrame({
    # raw before -> after:   14->21, 21->23, 28->28, 17->27, 25->22
    "metric_before": [15.32, 19.25, 25.03, 16.88, 22.35],
    "metric_after": [19.25, 20.73, 25.03, 24.11, 19.98],
})
# Changes: 3.93, 1.48, 0.00, 7.23, -2.37.  Sum 10.27, mean 2.054.
# Squared deviations: 3.519376 + 0.329476 + 4.218916 + 26.790976 + 19.571776
# = 54.43052; variance 54.43052 / 4 = 13.60763; SD 3.688852; SE = SD / sqrt(5)
# = 1.649709.  t(0.975, 4) = 2.776445, half-width 4.580326:
# 95% CI (-2.526326, 6.634326).


def test_change_summary_hand_worked():
    s = swemwbs_change_summary(HAND)
    assert s.n == 5
    assert s.mean_before == pytest.approx(19.766)   # 98.83 / 5
    assert s.mean_after == pytest.approx(21.82)     # 109.10 / 5
    assert s.mean_change == pytest.approx(2.054)
    assert s.sd_change == pytest.approx(3.688852, rel=1e-6)
    assert s.change_ci_low == pytest.approx(-2.526326, rel=1e-5)
    assert s.change_ci_high == pytest.approx(6.634326, rel=1e-5)
    assert s.t_statistic == pytest.approx(2.054 / 1.649709, rel=1e-5)
    # improved by >= 3 points: 3.93 and 7.23; worsened by >= 3: none
    assert (s.n_improved, s.n_worsened) == (2, 0)
    assert s.share_improved == pytest.approx(0.4)
    # Wilson 95% interval for 2/5 (textbook value 0.1176 to 0.7693)
    assert (s.improved_ci_low, s.improved_ci_high) == pytest.approx((0.117621, 0.769276), abs=1e-5)
    assert (s.worsened_ci_low, s.worsened_ci_high) == pytest.approx((0.0, 0.434482), abs=1e-5)


def test_change_summary_norm_comparison():
    s = swemwbs_change_summary(HAND)
    assert s.norm_population == "women" and s.norm_mean == 23.2
    assert s.difference_from_norm_before == pytest.approx(19.766 - 23.2)
    assert s.difference_from_norm_after == pytest.approx(21.82 - 23.2)
    # no population SD on file, so the sample SD standardises:
    # before SD = sqrt(62.74892 / 4) = 3.960711
    assert s.standardiser == "sample SD"
    assert s.standardiser_before == pytest.approx(3.960711, rel=1e-6)
    assert s.standardised_difference_before == pytest.approx(-3.434 / 3.960711, rel=1e-5)
    men = swemwbs_change_summary(HAND, norm_population="men")
    assert men.difference_from_norm_after == pytest.approx(21.82 - 23.7)


@pytest.mark.parametrize(
    ("threshold", "improved", "worsened"),
    [(3, 2, 0), (1, 3, 1), (2, 2, 1), (4, 1, 0), (7.23, 1, 0), (8, 0, 0)],
)
def test_threshold_parameter(threshold, improved, worsened):
    s = swemwbs_change_summary(HAND, threshold=threshold)
    assert (s.n_improved, s.n_worsened, s.threshold) == (improved, worsened, threshold)


def test_change_of_exactly_the_threshold_counts():
    # 16.88 -> 19.98 is 3.10; 19.25 -> 22.35 is 3.10; a threshold of 3.1 must count both
    scores = pd.DataFrame({"metric_before": [16.88, 19.25, 20.0], "metric_after": [19.98, 22.35, 21.0]})
    assert swemwbs_change_summary(scores, threshold=3.1).n_improved == 2


def test_confidence_level_changes_the_interval():
    wide = swemwbs_change_summary(HAND, confidence=0.99)
    # t(0.995, 4) = 4.604095
    assert wide.change_ci_high == pytest.approx(2.054 + 4.604095 * 1.649709, rel=1e-5)


def test_change_summary_drops_incomplete_pairs_and_frames():
    with_missing = pd.concat([HAND, pd.DataFrame({"metric_before": [np.nan], "metric_after": [20.0]})])
    assert swemwbs_change_summary(with_missing).n == 5
    frame = swemwbs_change_summary(HAND).to_frame()
    assert frame.shape[0] == 1 and frame.loc[0, "n_improved"] == 2


@pytest.mark.parametrize(
    ("scores", "kwargs", "message"),
    [
        (HAND.iloc[:1], {}, "at least 2"),
        (pd.DataFrame({"metric_before": [15.0, 16.0], "metric_after": [17.0, 18.0]}), {}, "zero variance"),
        (HAND, {"threshold": 0}, "threshold"),
        (HAND, {"threshold": -3}, "threshold"),
        (HAND, {"confidence": 1.5}, "confidence"),
        (HAND, {"norm_population": "children"}, "unknown norm"),
        (HAND.rename(columns={"metric_after": "after"}), {}, "metric_after"),
        (pd.DataFrame({"metric_before": [15.0, 50.0], "metric_after": [17.0, 18.0]}), {}, "metric range"),
    ],
)
def test_change_summary_bad_input(scores, kwargs, message):
    with pytest.raises(ValueError, match=message):
        swemwbs_change_summary(scores, **kwargs)


# --- Work Star ---------------------------------------------------------------------------


def test_workstar_areas_are_the_official_third_edition_names():
    instrument = load_workstar_instrument()
    assert list(instrument.area_labels.values()) == [
        "Job skills and experience", "Aspiration and motivation", "Job-search skills", "Stability",
        "Basic skills", "Workplace and social skills", "Health and well-being",
    ]
    assert instrument.stages == ("Stuck", "Accepting help", "Believing and trying", "Learning", "Self-reliance")
    assert (instrument.scale_min, instrument.scale_max) == (1, 10)
    assert instrument.stage_bands is None and "licensed" in instrument.stage_bands_note


WS = pd.DataFrame({
    "participant_id": [f"p{i}" for i in range(6)],
    "ws_stability_first": [3, 4, 2, 5, 6, 3],
    "ws_stability_last": [5, 6, 3, 8, 6, 7],
    "ws_aspiration_first": [2, 3, 4, 5, 6, np.nan],
    "ws_aspiration_last": [3, 5, 4, 8, 5, 9],
})


def test_workstar_summary_hand_worked():
    result = workstar_summary(WS, ["stability", "aspiration"])
    stab = result.set_index("area").loc["stability"]
    # first mean 23/6, last 35/6, changes 2,2,1,3,0,4: mean 2, SD sqrt(2),
    # SE sqrt(2)/sqrt(6) = 0.577350, t(0.975, 5) = 2.570582 -> half-width 1.484126
    assert stab["label"] == "Stability"
    assert stab["n"] == 6
    assert stab["mean_first"] == pytest.approx(23 / 6)
    assert stab["mean_last"] == pytest.approx(35 / 6)
    assert stab["mean_change"] == pytest.approx(2.0)
    assert (stab["change_ci_low"], stab["change_ci_high"]) == pytest.approx((0.515874, 3.484126), rel=1e-5)
    # Wilcoxon: zero dropped, |d| = 2,2,1,3,4 ranked 2.5,2.5,1,4,5, all rises:
    # V = 15, n = 5; ties -> normal approximation, var = 13.75 - 6/48 = 13.625,
    # z = (15 - 7.5 - 0.5) / sqrt(13.625) = 1.896399, p = 0.05791 (R: V = 15, p-value = 0.05791)
    assert stab["wilcoxon_v"] == 15 and stab["wilcoxon_n"] == 5
    assert stab["wilcoxon_z"] == pytest.approx(1.896399, rel=1e-5)
    assert stab["wilcoxon_p"] == pytest.approx(0.05791, abs=5e-5)
    assert stab["rank_biserial"] == pytest.approx(1.0)
    asp = result.set_index("area").loc["aspiration"]
    # the woman without a first reading is left out: changes 1,2,0,3,-1
    assert asp["n"] == 5 and asp["mean_change"] == pytest.approx(1.0)
    assert result.attrs["stage_bands_documented"] is False
    assert "n_up_one_stage" not in result.columns


def test_workstar_summary_defaults_to_all_areas_and_needs_their_columns():
    with pytest.raises(ValueError, match="ws_job_skills_first"):
        workstar_summary(WS)


def test_workstar_stage_shift_when_bands_are_documented(tmp_path, monkeypatch):
    # A fixture, not a fact: pretend the guide maps two points to each stage.
    folder = _copy_data(tmp_path, monkeypatch)
    path = folder / "workstar.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    stages = spec["journey_of_change"]["stages"]
    spec["journey_of_change"]["stage_bands"] = [
        {"stage": stage, "min": 2 * k + 1, "max": 2 * k + 2} for k, stage in enumerate(stages)
    ]
    spec["journey_of_change"]["stage_bands_source"] = "test fixture"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = workstar_summary(WS, ["stability"])
    # stages first 1,1,0,2,2,1 -> last 2,2,1,3,2,3: five of six move up
    assert result.loc[0, "n_up_one_stage"] == 5
    assert result.loc[0, "share_up_one_stage"] == pytest.approx(5 / 6)
    assert result.attrs["stage_bands_documented"] is True


def test_workstar_bands_with_gap_are_refused(tmp_path, monkeypatch):
    folder = _copy_data(tmp_path, monkeypatch)
    path = folder / "workstar.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    stages = spec["journey_of_change"]["stages"]
    spec["journey_of_change"]["stage_bands"] = [
        {"stage": stage, "min": 2 * k + 1, "max": 2 * k + 1} for k, stage in enumerate(stages)
    ]
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="without gaps"):
        load_workstar_instrument()


@pytest.mark.parametrize(
    ("frame", "areas", "message"),
    [
        (WS.assign(ws_stability_last=[5, 6, 3, 11, 6, 7]), ["stability"], "whole numbers 1..10"),
        (WS.assign(ws_stability_last=[5, 6, 3, 7.5, 6, 7]), ["stability"], "whole numbers 1..10"),
        (WS, ["employment"], "unknown Work Star area"),
        (WS.assign(ws_stability_last=[4, 5, 3, 6, 7, 4]), ["stability"], "stability"),
        (WS.iloc[:1], ["stability"], "at least 2"),
        (WS, [], "at least one"),
    ],
)
def test_workstar_bad_input(frame, areas, message):
    with pytest.raises(ValueError, match=message):
        workstar_summary(frame, areas)


def test_summaries_give_nan_where_a_tiny_or_constant_group_leaves_statistics_undefined():
    import math

    from cwp_analysis.instruments import swemwbs_change_summary, workstar_summary

    one = pd.DataFrame({"metric_before": [15.32], "metric_after": [19.25]})
    with pytest.raises(ValueError, match="at least 2 complete pairs"):
        swemwbs_change_summary(one)
    summary = swemwbs_change_summary(one, on_degenerate="nan")
    assert summary.n == 1 and summary.mean_change == pytest.approx(3.93)
    assert math.isnan(summary.change_ci_low) and math.isnan(summary.t_pvalue) and math.isnan(summary.sd_before)
    assert summary.n_improved == 1
    none = swemwbs_change_summary(pd.DataFrame({"metric_before": [float("nan")], "metric_after": [20.0]}),
                                  on_degenerate="nan")
    assert none.n == 0 and math.isnan(none.mean_before) and math.isnan(none.share_improved)
    same = pd.DataFrame({"ws_job_skills_first": [3, 4, 5], "ws_job_skills_last": [4, 5, 6]})
    with pytest.raises(ValueError, match="zero variance"):
        workstar_summary(same, ["job_skills"])
    row = workstar_summary(same, ["job_skills"], on_degenerate="nan").iloc[0]
    assert row["n"] == 3 and row["mean_change"] == 1.0 and math.isnan(row["change_ci_low"])
    # the rank test is defined: R, wilcox.test(c(4, 5, 6), c(3, 4, 5), paired = TRUE) gives p = 0.1489 (ties)
    assert row["wilcoxon_p"] == pytest.approx(0.1489, abs=1e-4) and row["wilcoxon_n"] == 3
    lone = workstar_summary(same.iloc[:1], ["job_skills"], on_degenerate="nan").iloc[0]
    assert lone["n"] == 1 and math.isnan(lone["wilcoxon_p"]) and lone["wilcoxon_n"] == 1
    with pytest.raises(ValueError, match="on_degenerate must be one of"):
        workstar_summary(same, ["job_skills"], on_degenerate="ignore")
