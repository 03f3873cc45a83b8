"""Tests of :mod:`cwp_analysis.benchmark_report` (presentation of benchmark results).

The results used here are a small hand-made file in the layout
``python -m benchmarks`` writes, so every expected value follows from it.
No test times anything.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import matplotlib
import pytest

from cwp_analysis import benchmark_report as br
from cwp_analysis.disclosure import DisclosedTable, DisclosureError

matplotlib.use("Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["00_a", "01_b", "02_c"]


def _stats(values):
    ordered = sorted(values)
    return {"runs_seconds": values, "median_seconds": ordered[len(ordered) // 2], "min_seconds": ordered[0],
            "max_seconds": ordered[-1], "runs": len(values)}


def _target(key, measured, target, comparison, unit, met):
    return {"id": key, "label": key.replace("_", " "), "measured": measured, "target": target,
            "comparison": comparison, "unit": unit, "met": met, "margin": 0.0, "note": f"note on {key}",
            "source": "issue 6 (Benchmarks)"}


@pytest.fixture
def results() -> dict:
    return {
        "schema": "cwp-benchmarks/1",
        "machine": {"date": "2026-01-02T03:04:05Z", "git_commit": "0123456789abcdef", "cpu_count": 2,
                    "python": "3.11.7", "load_average_start": 0.5},
        "settings": {"quick": False, "jobs": 2, "repeats": 3, "no_change_repeats": 5, "fcp_runs": 5},
        "build": {
            "workspace": {"notebooks": NOTEBOOKS, "stubbed": [], "jobs": 2},
            "full_rebuild": {**_stats([40.0, 42.0, 41.0]), "cpu_median_seconds": 70.25, "notebooks_executed": 3,
                             "notebook_seconds": {"00_a": 5.0, "01_b": 12.5, "02_c": 8.0}},
            "naive_baseline": {**_stats([80.0, 84.0, 82.0]), "execute_median_seconds": 52.0,
                               "render_median_seconds": 30.0, "render_ok": True,
                               "notebook_median_seconds": {"00_a": 4.0, "01_b": 10.0, "02_c": 6.0}},
            "floor": {"cores": 2, "kernel_imports_runs": 3,
                      "kernel_imports_median_seconds": {"00_a": 2.5, "01_b": 3.0, "02_c": 2.5},
                      "kernel_imports_total_seconds": 8.0, "render": _stats([29.0, 31.0, 30.0]),
                      "median_seconds": 34.0},
            "no_change": {**_stats([0.3, 0.25, 0.28, 0.31, 0.27]), "executed": [], "site_rebuilt": False},
            "data_touched": {**_stats([0.3, 0.3, 0.4]), "file": "data/x.yaml", "executed": []},
            "data_changed": {**_stats([20.0, 21.0, 22.0]), "file": "data/x.yaml", "readers": ["01_b"],
                             "executed_per_run": [["01_b"], ["01_b"], ["01_b"]], "exactly_readers": True},
        },
        "outcome_table": {
            "records": [
                {"respondents": 1000, "items": 30, "repeats": 7, "median_seconds": 0.01,
                 "peak_memory_mb": 1.0, "input_memory_mb": 0.5},
                {"respondents": 1000000, "items": 30, "repeats": 2, "median_seconds": 10.0,
                 "peak_memory_mb": 1000.0, "input_memory_mb": 460.0},
            ],
            "scaling_exponent": 1.0, "largest_sizes_exponent": 1.0, "process_peak_rss_bytes": 1_500_000_000,
        },
        "site": {
            "runs": 5, "chromium": "156",
            "pages": [
                {"page": "notebooks/00_a.html", "html_bytes": 16_000, "weight_bytes": 2_300_000,
                 "gzip_weight_bytes": 700_000, "fetched_bytes": 2_400_000, "fcp_median_ms": 450.0},
                {"page": "data.html", "html_bytes": 24_000, "weight_bytes": 1_200_000,
                 "gzip_weight_bytes": 500_000, "fetched_bytes": 1_250_000, "fcp_median_ms": 1200.0},
            ],
        },
        "targets": [
            _target("speedup", 2.0, 1.7, ">=", "x", True),
            _target("no_change", 0.28, 3.0, "<=", "s", True),
            _target("data_change", 0, 0, "<=", "notebooks", True),
            _target("page_weight", 2_300_000, 1_500_000, "<=", "bytes", False),
            _target("first_contentful_paint", 1200.0, 1000.0, "<=", "ms", False),
        ],
    }


# -- verdicts -----------------------------------------------------------------------------


def test_assess_upper_bound_met_and_missed():
    met = br.assess_target(2.25, 3.0, "<=")
    assert met.met and met.margin == pytest.approx(0.25)
    missed = br.assess_target(4.5, 3.0, "<=")
    assert not missed.met and missed.margin == pytest.approx(-0.5)
    assert missed.describe() == "missed by 50%"


def test_assess_lower_bound_met_and_missed():
    met = br.assess_target(1.87, 1.7, ">=")
    assert met.met and met.margin == pytest.approx(0.1)
    assert met.describe() == "met with 10% to spare"
    missed = br.assess_target(1.53, 1.7, ">=")
    assert not missed.met and missed.margin == pytest.approx(-0.1)


def test_assess_boundary_counts_as_met():
    verdict = br.assess_target(1.7, 1.7, ">=")
    assert verdict.met and verdict.describe() == "met exactly"
    assert br.assess_target(3.0, 3.0, "<=").met


def test_assess_zero_target():
    assert br.assess_target(0, 0, "<=").describe() == "met"
    wrong = br.assess_target(2, 0, "<=")
    assert not wrong.met and wrong.margin == -2 and wrong.describe() == "missed (2 instead of 0)"


@pytest.mark.parametrize("measured, target, comparison, message", [
    (1.0, 2.0, "<", "comparison"),
    (math.nan, 2.0, "<=", "measured"),
    (1.0, math.inf, "<=", "target"),
    (True, 2.0, "<=", "measured"),
    ("1", 2.0, "<=", "measured"),
])
def test_assess_rejects_bad_input(measured, target, comparison, message):
    with pytest.raises(ValueError, match=message):
        br.assess_target(measured, target, comparison)


def test_formatting():
    assert [br.format_seconds(x) for x in (0.05, 9.994, 42.06, 100.4)] == ["0.05 s", "9.99 s", "42.1 s", "100 s"]
    assert [br.format_bytes(x) for x in (999, 1000, 1_499_999, 1_500_000)] == ["999 B", "1.0 kB", "1.50 MB", "1.50 MB"]


# -- reading ------------------------------------------------------------------------------


def test_load_results_round_trip(tmp_path, results):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    assert br.load_results(path) == results


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(schema="cwp-benchmarks/0"), "schema 'cwp-benchmarks/0'"),
    (lambda r: r.pop("site"), "lacks the section"),
    (lambda r: r["targets"][0].pop("note"), "target 0 lacks note"),
    (lambda r: r["targets"][1].update(comparison="=="), "'no_change' has comparison '=='"),
])
def test_load_results_names_the_problem(tmp_path, results, change, message):
    change(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        br.load_results(path)


def test_load_results_rejects_invalid_json(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        br.load_results(path)


# -- tables -------------------------------------------------------------------------------


def test_targets_table_recomputes_the_verdict(results):
    results["targets"][0]["met"] = False  # a stale flag is ignored
    table = br.targets_table(results)
    assert list(table.columns) == ["benchmark", "measured", "target", "result"]
    assert table["result"].tolist() == [
        "met with 18% to spare", "met with 91% to spare", "met", "missed by 53%", "missed by 20%",
    ]
    assert table.loc[0, "measured"] == "2.00x" and table.loc[0, "target"] == "at least 1.70x"
    assert table.loc[3, "measured"] == "2.30 MB" and table.loc[3, "target"] == "at most 1.50 MB"
    assert table.loc[4, "target"] == "at most 1000 ms"
    assert br.count_met(results) == (3, 5)


def test_target_notes_carry_verdict_and_note(results):
    notes = br.target_notes(results)
    assert notes[3] == "**page weight** (missed by 53%). note on page_weight"


def test_build_table(results):
    table = br.build_table(results)
    assert table["median"].tolist() == ["82.0 s", "41.0 s", "34.0 s", "21.0 s", "0.30 s", "0.28 s"]
    assert table["notebooks executed"].tolist() == ["3 of 3", "3 of 3", "", "1 of 3", "0 of 3", "0 of 3"]
    assert table.loc[1, "range"] == "40.0 s to 42.0 s"
    assert table.loc[2, "runs"] == "median of 3 per notebook"
    assert table["CPU time"].tolist() == ["", "70.2 s", "", "", "", ""]


def test_notebook_and_outcome_and_site_tables(results):
    notebooks = br.notebook_table(results)
    assert notebooks["notebook"].tolist() == NOTEBOOKS
    assert notebooks.loc[1].tolist() == ["01_b", "10.0 s", "12.5 s", "3.00 s"]
    outcome = br.outcome_table_frame(results)
    assert outcome["respondents"].tolist() == ["1,000", "1,000,000"]
    assert outcome.loc[1, "peak memory"] == "1.05 GB"  # 1000 MiB
    site = br.site_table(results)
    assert site.loc[0].tolist() == ["notebooks/00_a.html", "16.0 kB", "2.30 MB", "700.0 kB", "2.40 MB", "450 ms"]
    machine = br.machine_table(results)
    assert dict(zip(machine["item"], machine["value"]))["CPU cores"] == "2"


def test_no_people_counted_keeps_every_value(results):
    frame = br.build_table(results)
    published = br.no_people_counted(frame, threshold=7)
    assert isinstance(published, DisclosedTable)
    assert published.table.equals(frame) and not published.suppressed.to_numpy().any()
    assert published.n_primary == published.n_secondary == 0


def test_no_people_counted_refuses_respondent_level():
    import pandas as pd

    with pytest.raises(DisclosureError, match="identifier"):
        br.no_people_counted(pd.DataFrame({"respondent_id": ["a"], "seconds": [1.0]}))


# -- figures ------------------------------------------------------------------------------


def test_build_figure(results):
    import matplotlib.pyplot as plt

    fig, alt = br.build_figure(results)
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 3) for p in ax.patches)
    assert widths == [0.28, 0.3, 21.0, 34.0, 41.0, 82.0]
    assert "cwp build --force (clean cache): 41.0 s" in alt and "six scenarios" in alt
    plt.close(fig)


def test_scaling_figure(results):
    import matplotlib.pyplot as plt

    fig, alt = br.scaling_figure(results)
    time_axis = fig.axes[0]
    points = time_axis.lines[0].get_xydata().tolist()
    assert points == [[1000.0, 0.01], [1_000_000.0, 10.0]]
    assert "fit: time ~ n^1.00" in [t.get_text() for t in time_axis.get_legend().get_texts()]
    assert "1,000,000 respondents: 10.0 s, 1.05 GB" in alt
    plt.close(fig)


def test_site_figure(results):
    import matplotlib.pyplot as plt

    fig, alt = br.site_figure(results)
    top, bottom = fig.axes
    assert len(top.patches) == 4 and len(bottom.patches) == 2
    assert [round(line.get_ydata()[0], 3) for line in top.lines] == [1.5]
    assert [line.get_ydata()[0] for line in bottom.lines] == [1000.0]
    assert "450 ms to 1200 ms" in alt
    plt.close(fig)


def test_committed_results_are_consistent():
    """The committed results load, and each stored verdict agrees with its numbers."""
    results = br.load_results(REPO_ROOT / "benchmarks" / "results.json")
    for target in results["targets"]:
        verdict = br.assess_target(target["measured"], target["target"], target["comparison"])
        assert verdict.met == target["met"], target["id"]
    assert results["machine"]["cpu_count"] >= 1
    assert sorted(results["build"]["workspace"]["notebooks"]) == results["build"]["workspace"]["notebooks"]
    assert results["build"]["data_changed"]["readers"]


def test_results_are_not_modified(results):
    before = copy.deepcopy(results)
    br.targets_table(results), br.build_table(results), br.site_table(results)
    assert results == before


def test_run_caveats(results):
    assert br.run_caveats(results) == [
        "The 1-minute load average was 0.5 at the start of the run and not recorded at its end, on 2 cores; "
        "a value above the number of cores means other work competed with the benchmarks for the processors.",
    ]
    results["machine"]["load_average_end"] = 3.1
    results["settings"]["quick"] = True
    results["build"]["workspace"]["stubbed"] = ["notebooks/07_x"]
    results["build"]["workspace"]["warnings"] = ["the package changed"]
    caveats = br.run_caveats(results)
    assert "and 3.1 at its end" in caveats[0]
    assert caveats[1:] == [
        "This was a quick smoke run (one run of each scenario, smaller sizes), not the full benchmark.",
        "Chapters replaced by stubs in this run: notebooks/07_x.",
        "Warning recorded during the run: the package changed.",
    ]


def test_run_caveats_report_load_during_the_run(results):
    results["machine"].update(load_average_end=1.0, load_average_mean=2.25, load_average_max=6.5,
                              load_average_samples=40)
    assert br.run_caveats(results)[0] == (
        "The 1-minute load average was 0.5 at the start of the run and 1.0 at its end (mean 2.25, highest 6.5 "
        "over the 40 progress points of the run), on 2 cores; a value above the number of cores means other "
        "work competed with the benchmarks for the processors."
    )


# -- scale (issue 9) ------------------------------------------------------------------------


def _scale_section(small_seconds, large_seconds):
    def size(n, seconds, file_bytes):
        return {"respondents": n, "file_bytes": file_bytes, "runs": 2, "runs_seconds": [seconds, seconds],
                "median_seconds": seconds, "validate_median_seconds": 1.5, "build_median_seconds": seconds - 1.5,
                "cpu_median_seconds": 2 * seconds}

    return {"jobs": 2, "generator": "make_survey(5000), resampled", "small": size(68, small_seconds, 40_000),
            "large": size(100_000, large_seconds, 15_700_000), "ratio": round(large_seconds / small_seconds, 3),
            "machine": {"date": "2026-01-02T03:04:05Z", "cpu_count": 2, "load_average_start": 3.0,
                        "load_average_end": 4.0}}


def test_scale_target_is_built_from_its_section():
    from benchmarks.__main__ import scale_target

    met = scale_target(_scale_section(80.0, 120.0))
    assert (met["id"], met["measured"], met["target"], met["comparison"], met["unit"]) == (
        "scale_ratio", 1.5, 2.0, "<=", "x")
    assert met["met"] and met["margin"] == 0.25
    assert met["label"] == "validate and build on 100,000 respondents: time relative to the 68-respondent build"
    assert met["source"] == "issue 9 (Real survey files)"
    assert "took 120 s on 100,000 respondents (15.70 MB CSV" in met["note"]
    assert "against 80.0 s on 68 respondents" in met["note"]
    assert "load average was 3.0 at its start and 4.0 at its end on 2 cores" in met["note"]
    missed = scale_target(_scale_section(50.0, 125.0))
    assert missed["measured"] == 2.5 and not missed["met"]
    stopped = _scale_section(50.0, 250.0)
    stopped["large"]["timed_out"], stopped["give_up"] = True, 5.0
    note = scale_target(stopped)["note"]
    assert note.startswith("The 100,000-respondent run was stopped after 250 s, 5 times the 68-respondent run "
                           "(50.0 s), so the ratio shown is a lower bound: the target is missed.")
    assert "ran for 250 s on 100,000 respondents" in note


def test_scale_target_renders_in_the_targets_table(results, tmp_path):
    from benchmarks.__main__ import scale_target

    results["scale"] = _scale_section(80.0, 200.0)
    results["targets"].append(scale_target(results["scale"]))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    loaded = br.load_results(path)
    row = br.targets_table(loaded).iloc[-1]
    assert row.to_dict() == {
        "benchmark": "validate and build on 100,000 respondents: time relative to the 68-respondent build",
        "measured": "2.50x", "target": "at most 2.00x", "result": "missed by 25%",
    }
    assert br.count_met(loaded) == (3, 6)
    assert br.no_people_counted(br.targets_table(loaded)).table.iloc[-1]["result"] == "missed by 25%"
    assert br.target_notes(loaded)[-1].startswith(
        "**validate and build on 100,000 respondents: time relative to the 68-respondent build** (missed by 25%).")
