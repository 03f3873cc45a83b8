"""Engagement and Likert figures: content, alt text and byte-identical saving."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from cwp_analysis import describe
from cwp_analysis.figures import engagement as engagement_figures
from cwp_analysis.figures import likert as likert_figures
from cwp_analysis.figures.style import BEFORE_AFTER, LIKERT5, save_figure


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


@pytest.fixture
def help_seeking_summary() -> pd.DataFrame:
    data = pd.DataFrame(
        {
            "help_close_person": [1] * 2 + [2] * 3 + [3] * 4 + [4] * 5 + [5] * 6,
            "help_professional": [5] * 16 + [4] * 4,
            "help_no_one": [1] * 10 + [2] * 5 + [3] * 3 + [5] * 2,
        }
    )
    return describe.likert_summary(data, "help_seeking")


@pytest.fixture
def outcomes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["swemwbs_optimistic", "swemwbs_useful", "swemwbs_relaxed"],
            "label": ["Optimistic", "Useful", "Relaxed"],
            "before_positive_pct": [20.0, 35.0, 10.0],
            "after_positive_pct": [70.0, 80.0, 55.0],
        }
    )


# --------------------------------------------------------------------------- engagement


def test_engagements_by_partner_stacks_every_cell():
    fig, alt = engagement_figures.engagements_by_partner_figure()
    ax = fig.axes[0]
    patches = bars(ax)
    assert len(patches) == 5 * 4
    # Bars are drawn partner by partner: the fourth group of four is Kairos.
    assert [p.get_height() for p in patches[12:16]] == [69, 92, 77, 113]
    # Stacks reach the period totals.
    tops = {}
    for p in patches:
        x = round(p.get_x() + p.get_width() / 2, 6)
        tops[x] = max(tops.get(x, 0), p.get_y() + p.get_height())
    assert sorted(tops.items()) == [(0.0, 205), (1.0, 228), (2.0, 177), (3.0, 247)]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CELC", "Kairos", "CHWA", "CRASAC", "FWT"]
    for text in ("205", "228", "177", "247", "857", "Kairos"):
        assert text in alt


def test_cumulative_figure_against_target():
    fig, alt = engagement_figures.cumulative_engagements_figure()
    ax = fig.axes[0]
    lines = ax.get_lines()
    cumulative = [line for line in lines if list(line.get_ydata()) == [205, 433, 610, 857]]
    assert len(cumulative) == 1
    target = [line for line in lines if list(line.get_ydata()) == [300, 300]]
    assert len(target) == 1
    headline = [line for line in lines if list(line.get_ydata()) == [655]]
    assert len(headline) == 1
    assert "target of 300" in alt and "655" in alt and "Mar-19" in alt
    fig2, alt2 = engagement_figures.cumulative_engagements_figure(target=1000, show_printed_total=False)
    assert "not reached" in alt2 and "655" not in alt2
    assert len(fig2.axes[0].get_lines()) == 2


# --------------------------------------------------------------------------- Likert


def test_diverging_figure_draws_the_summary_segments(help_seeking_summary):
    fig, alt = likert_figures.diverging_likert_figure(help_seeking_summary, title="Help-seeking")
    ax = fig.axes[0]
    patches = bars(ax)
    assert len(patches) == 3 * 5
    # First code drawn for every item, then the second, ...: segment k of item i.
    lefts = [p.get_x() for p in patches]
    widths = [p.get_width() for p in patches]
    by_code = help_seeking_summary.sort_values(["code"], kind="stable")
    assert lefts == pytest.approx(by_code["start"].tolist())
    assert widths == pytest.approx((by_code["end"] - by_code["start"]).tolist())
    colours = [tuple(round(c, 3) for c in p.get_facecolor()[:3]) for p in patches[::3]]
    expected = [tuple(round(int(h[i:i + 2], 16) / 255, 3) for i in (1, 3, 5)) for h in LIKERT5]
    assert colours == expected
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Very unlikely", "Somewhat unlikely", "Not sure", "Somewhat likely", "Very likely"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[2] == "Would not seek help from anyone [reverse-worded]"
    assert "Would seek help from someone close: 55% positive, 20% neutral, 25% negative (n=20)" in alt
    assert "reverse-worded" in alt


def test_diverging_figure_rejects_incomplete_summary(help_seeking_summary):
    with pytest.raises(ValueError, match="lacks column"):
        likert_figures.diverging_likert_figure(help_seeking_summary.drop(columns="start"))
    with pytest.raises(ValueError, match="exactly the codes"):
        likert_figures.diverging_likert_figure(help_seeking_summary.drop(index=3))


def test_before_after_figure(outcomes):
    fig, alt = likert_figures.before_after_figure(outcomes, value_label="Often or all of the time (%)")
    ax = fig.axes[0]
    patches = bars(ax)
    assert len(patches) == 2 * 3
    assert [p.get_width() for p in patches] == [20, 35, 10, 70, 80, 55]
    before_colour = tuple(int(BEFORE_AFTER["before"][i:i + 2], 16) / 255 for i in (1, 3, 5))
    assert patches[0].get_facecolor()[:3] == pytest.approx(before_colour)
    assert ax.get_xlabel() == "Often or all of the time (%)"
    assert "Useful: 35% before, 80% after" in alt
    assert "rose for 3 of 3" in alt


def test_before_after_draws_intervals_when_given(outcomes):
    with_ci = outcomes.assign(
        before_positive_ci_low=[10.0, 20.0, 3.0], before_positive_ci_high=[35.0, 50.0, 25.0],
        after_positive_ci_low=[55.0, 65.0, 40.0], after_positive_ci_high=[82.0, 90.0, 70.0],
    )
    fig, alt = likert_figures.before_after_figure(with_ci)
    ax = fig.axes[0]
    assert len(bars(ax)) == 6
    whiskers = [c for c in ax.collections if len(c.get_segments()) == 3]
    spans = sorted(tuple(seg[:, 0]) for c in whiskers for seg in c.get_segments())
    assert spans == sorted([(10.0, 35.0), (20.0, 50.0), (3.0, 25.0), (55.0, 82.0), (65.0, 90.0), (40.0, 70.0)])
    assert "confidence interval" in alt
    plain, plain_alt = likert_figures.before_after_figure(with_ci, intervals=False)
    assert not plain.axes[0].collections and "confidence interval" not in plain_alt
    with pytest.raises(ValueError, match="interval column"):
        likert_figures.before_after_figure(outcomes, intervals=True)
    with pytest.raises(ValueError, match="outside its interval"):
        likert_figures.before_after_figure(with_ci.assign(before_positive_ci_high=[15.0, 50.0, 25.0]))


def test_before_after_rejects_bad_input(outcomes):
    with pytest.raises(ValueError, match="after_positive_pct"):
        likert_figures.before_after_figure(outcomes.drop(columns="after_positive_pct"))
    with pytest.raises(ValueError, match="between 0 and 100"):
        likert_figures.before_after_figure(outcomes.assign(before_positive_pct=[0.2, 1.5, 120]))
    with pytest.raises(ValueError, match="missing"):
        likert_figures.before_after_figure(outcomes.assign(after_positive_pct=[1.0, None, 3.0]))


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize(
    "draw",
    [
        lambda: engagement_figures.engagements_by_partner_figure(),
        lambda: engagement_figures.cumulative_engagements_figure(),
        lambda: likert_figures.before_after_figure(
            pd.DataFrame({"item": ["a"], "label": ["A"], "before_positive_pct": [10], "after_positive_pct": [60]})),
    ],
    ids=["by_partner", "cumulative", "before_after"],
)
def test_saving_twice_gives_identical_bytes(draw, tmp_path):
    fig, _ = draw()
    first = save_figure(fig, tmp_path / "one" / "figure", formats=("png", "svg"))
    again = save_figure(fig, tmp_path / "two" / "figure", formats=("png", "svg"))
    fresh, _ = draw()
    rebuilt = save_figure(fresh, tmp_path / "three" / "figure", formats=("png", "svg"))
    for a, b, c in zip(first, again, rebuilt):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes()


def test_diverging_figure_saves_identically(help_seeking_summary, tmp_path):
    fig, _ = likert_figures.diverging_likert_figure(help_seeking_summary)
    one = save_figure(fig, tmp_path / "a", formats=("png",))[0].read_bytes()
    fig2, _ = likert_figures.diverging_likert_figure(help_seeking_summary)
    two = save_figure(fig2, tmp_path / "b", formats=("png",))[0].read_bytes()
    assert one == two


# --- disclosure control of Likert bars ------------------------------------------------

def _summary_from_counts(counts_by_item):
    from cwp_analysis.describe import likert_summary

    # Build respondent-level answers that give exactly the requested counts per item.
    n = sum(next(iter(counts_by_item.values())))
    frame = {"respondent_id": [f"R{i:03d}" for i in range(n)]}
    for item, counts in counts_by_item.items():
        answers = []
        for code, count in zip(range(1, 6), counts):
            answers += [code] * count
        frame[item] = pd.array(answers, dtype="Int64")
    return likert_summary(pd.DataFrame(frame), list(counts_by_item))


def test_likert_bars_with_small_counts_are_merged_grouped_or_withheld():
    from cwp_analysis.figures.likert import suppress_small_segments

    summary = _summary_from_counts({
        "reflect_skills": (0, 0, 10, 20, 30),      # no small count: shown as is
        "reflect_understood": (3, 6, 10, 20, 21),  # negatives 3 and 6 small; merged 9 is not: merged
        "reflect_plans": (0, 3, 5, 20, 32),        # merged negative 3 small; rest 8 and positive 52: two groups
        "reflect_positive": (0, 0, 2, 28, 30),     # rest 2 small: withheld
    })
    shown, treatment = suppress_small_segments(summary, 7)
    assert treatment == {
        ("reflect_skills", ""): "shown", ("reflect_understood", ""): "merged",
        ("reflect_plans", ""): "two groups", ("reflect_positive", ""): "withheld",
    }
    understood = shown[shown["item"] == "reflect_understood"].set_index("code")
    # Merged negative side: 9 of 60 = 15%, drawn as one segment left of the centred neutral (10/60).
    assert understood.loc[1, "start"] == pytest.approx(-(100 * 5 / 60) - 15.0)
    assert understood.loc[1, "end"] == pytest.approx(-(100 * 5 / 60))
    assert understood.loc[2, "start"] == understood.loc[2, "end"]
    plans = shown[shown["item"] == "reflect_plans"].set_index("code")
    assert plans.loc[3, "start"] == pytest.approx(-100 * 8 / 60) and plans.loc[3, "end"] == 0
    assert plans.loc[4, "end"] == pytest.approx(100 * 52 / 60)
    withheld = shown[shown["item"] == "reflect_positive"]
    assert (withheld["start"] == 0).all() and (withheld["end"] == 0).all()


def test_diverging_figure_alt_text_never_quotes_withheld_bars():
    from cwp_analysis.figures.likert import diverging_likert_figure

    summary = _summary_from_counts({"reflect_skills": (0, 0, 10, 20, 30), "reflect_positive": (0, 0, 2, 28, 30)})
    fig, alt = diverging_likert_figure(summary, suppression_threshold=7)
    assert "Staff help me think positively about my future: withheld" in alt
    assert not re.search(r"\b3%", alt)  # 2 of 60 would print as 3%
    plt.close(fig)
