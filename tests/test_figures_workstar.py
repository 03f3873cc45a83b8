"""Work Star dot plot: what is drawn, what is withheld, and reproducible saving."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cwp_analysis.figures.style import ALT_TEXT_LIMIT, BEFORE_AFTER, save_figure
from cwp_analysis.figures.workstar import workstar_change_figure
from cwp_analysis.tables import workstar_publication_table


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def summary() -> pd.DataFrame:
    return pd.DataFrame({
        "area": ["job_skills", "aspiration", "stability"],
        "label": ["Job skills and experience", "Aspiration and motivation", "Stability"],
        "n": [41, 41, 5],
        "mean_first": [3.6, 6.5, 4.4],
        "mean_last": [5.2, 6.0, 6.0],
    })


def test_draws_a_line_and_two_markers_per_area(summary):
    fig, alt = workstar_change_figure(summary)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [tuple(line.get_xdata()) for line in lines] == [(3.6, 5.2), (6.5, 6.0), (4.4, 6.0)]
    assert [tuple(line.get_ydata()) for line in lines] == [(0, 0), (1, 1), (2, 2)]
    first, last = ax.collections[:2]
    assert np.allclose(first.get_offsets()[:, 0], [3.6, 6.5, 4.4])
    assert np.allclose(last.get_offsets()[:, 0], [5.2, 6.0, 6.0])
    assert np.allclose(first.get_facecolor()[0][:3], plt.matplotlib.colors.to_rgb(BEFORE_AFTER["before"]))
    assert np.allclose(last.get_facecolor()[0][:3], plt.matplotlib.colors.to_rgb(BEFORE_AFTER["after"]))
    assert ax.get_xlim() == (0.5, 10.5)
    assert [t.get_text() for t in ax.get_yticklabels()] == summary["label"].tolist()
    assert [t.get_text() for t in ax.texts] == ["+1.6", "-0.5", "+1.6"]
    assert "Job skills and experience: 3.6 to 5.2 (n=41)." in alt
    assert "the mean rose in 2 of 3." in alt and len(alt) <= ALT_TEXT_LIMIT


def test_withholds_areas_with_few_women(summary):
    fig, alt = workstar_change_figure(summary, threshold=7)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Job skills and experience", "Aspiration and motivation"]
    assert "Not shown, 7 or fewer women with both readings: Stability." in alt
    assert "Stability:" not in alt and "4.4" not in alt


def test_rejects_bad_input(summary):
    with pytest.raises(ValueError, match="lacks column"):
        workstar_change_figure(summary.drop(columns="mean_last"))
    with pytest.raises(ValueError, match="twice"):
        workstar_change_figure(pd.concat([summary, summary.iloc[:1]]))
    with pytest.raises(ValueError, match="scale 1..10"):
        workstar_change_figure(summary.assign(mean_first=[0.5, 6.5, 4.4]))
    with pytest.raises(ValueError, match="non-numeric"):
        workstar_change_figure(summary.assign(mean_last=[5.2, None, 6.0]))
    with pytest.raises(ValueError, match="threshold"):
        workstar_change_figure(summary, threshold=-1)


def test_every_area_withheld_gives_one_sentence(summary):
    fig, alt = workstar_change_figure(summary.assign(n=[3, 4, 5]), threshold=7)
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "All values withheld by disclosure control (counts of 7 or fewer)."]
    assert alt.startswith("All values withheld by disclosure control (counts of 7 or fewer).")
    fig, alt = workstar_change_figure(summary.iloc[:0])
    assert alt.startswith("No woman has a first and a last Work Star reading.")


def test_draws_from_the_disclosed_table(summary):
    full = summary.assign(mean_change=summary["mean_last"] - summary["mean_first"], change_ci_low=0.0,
                          change_ci_high=2.0, wilcoxon_p=0.01, rank_biserial=0.5).set_index("area", drop=False)
    disclosed = workstar_publication_table(full).disclose(7)
    fig, alt = workstar_change_figure(disclosed)
    assert [tuple(line.get_xdata()) for line in fig.axes[0].get_lines()] == [(3.6, 5.2), (6.5, 6.0)]
    assert "Stability" in alt and "7 or fewer" in alt
    disclosed = workstar_publication_table(full.assign(n=[2, 3, 4])).disclose(7)
    fig, alt = workstar_change_figure(disclosed)
    assert alt.startswith("All values withheld by disclosure control (counts of 7 or fewer).")


def test_saving_twice_gives_identical_bytes(summary, tmp_path):
    fig, _ = workstar_change_figure(summary)
    one = save_figure(fig, tmp_path / "a", formats=("png", "svg"))
    fig2, _ = workstar_change_figure(summary)
    two = save_figure(fig2, tmp_path / "b", formats=("png", "svg"))
    for a, b in zip(one, two):
        assert a.read_bytes() == b.read_bytes()
