"""Engagement and Likert figures: content, alt text and byte-identical saving."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from cwp_analysis import describe, tables
from cwp_analysis.figures import engagement as engagement_figures
from cwp_analysis.figures import likert as likert_figures
from cwp_analysis.figures.style import (
    ALT_TEXT_LIMIT,
    BEFORE_AFTER,
    LIKERT5,
    save_figure,
)
from cwp_analysis.stats import PairedItem, outcome_table


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
    assert len(alt) <= ALT_TEXT_LIMIT


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
    assert "target of 300" in alt and "655" in alt and "Mar-19" in alt and len(alt) <= ALT_TEXT_LIMIT
    fig2, alt2 = engagement_figures.cumulative_engagements_figure(target=1000, show_printed_total=False)
    assert "not reached" in alt2 and "655" not in alt2 and len(alt2) <= ALT_TEXT_LIMIT
    assert len(fig2.axes[0].get_lines()) == 2


# --------------------------------------------------------------------------- Likert


def test_diverging_figure_draws_the_summary_segments(help_seeking_summary):
    # With threshold 1 no count of the fixture is small: every segment is drawn where the summary puts it.
    fig, alt = likert_figures.diverging_likert_figure(help_seeking_summary, title="Help-seeking",
                                                      suppression_threshold=1)
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
    # End labels: the negative and positive shares (someone close: 5 and 11 of 20).
    assert {"25%", "55%"} <= {t.get_text() for t in ax.texts}
    assert alt.startswith("Diverging bar chart of 3 item(s) on a 5-point scale from 'Very unlikely' "
                          "to 'Very likely'")
    assert "Reverse-worded items are marked." in alt and len(alt) <= ALT_TEXT_LIMIT
    assert "Largest positive share: Would seek help from a professional, 100%." in alt


def test_diverging_figure_rejects_incomplete_summary(help_seeking_summary):
    with pytest.raises(ValueError, match="lacks column"):
        likert_figures.diverging_likert_figure(help_seeking_summary.drop(columns="count"))
    with pytest.raises(ValueError, match="codes"):
        likert_figures.diverging_likert_figure(help_seeking_summary.drop(index=3))
    other = describe.likert_summary(pd.DataFrame({"reflect_range": [5] * 10}), ["reflect_range"])
    with pytest.raises(ValueError, match="does not match"):
        likert_figures.diverging_likert_figure(
            help_seeking_summary, disclosed=tables.likert_publication_table(other).disclose(7))


def test_before_after_figure(outcomes):
    fig, alt = likert_figures.before_after_figure(outcomes, value_label="Often or all of the time (%)")
    ax = fig.axes[0]
    patches = bars(ax)
    assert len(patches) == 2 * 3
    assert [p.get_width() for p in patches] == [20, 35, 10, 70, 80, 55]
    before_colour = tuple(int(BEFORE_AFTER["before"][i:i + 2], 16) / 255 for i in (1, 3, 5))
    assert patches[0].get_facecolor()[:3] == pytest.approx(before_colour)
    assert ax.get_xlabel() == "Often or all of the time (%)"
    assert "Useful: 35% before, 80% after." in alt
    assert "the share rose for 3 of 3" in alt and len(alt) <= ALT_TEXT_LIMIT


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
    assert "confidence intervals" in alt
    plain, plain_alt = likert_figures.before_after_figure(with_ci, intervals=False)
    assert not plain.axes[0].collections and "confidence interval" not in plain_alt
    with pytest.raises(ValueError, match="interval column"):
        likert_figures.before_after_figure(outcomes, intervals=True)
    with pytest.raises(ValueError, match="outside its interval"):
        likert_figures.before_after_figure(with_ci.assign(before_positive_ci_high=[15.0, 50.0, 25.0]))


def test_before_after_rejects_bad_input_and_skips_items_without_answers(outcomes):
    with pytest.raises(ValueError, match="after_positive_pct"):
        likert_figures.before_after_figure(outcomes.drop(columns="after_positive_pct"))
    with pytest.raises(ValueError, match="between 0 and 100"):
        likert_figures.before_after_figure(outcomes.assign(before_positive_pct=[0.2, 1.5, 120]))
    with pytest.raises(ValueError, match="numeric"):
        likert_figures.before_after_figure(outcomes.assign(after_positive_pct=[1.0, "many", 3.0]))
    fig, alt = likert_figures.before_after_figure(outcomes.assign(after_positive_pct=[1.0, None, 3.0]))
    assert len(bars(fig.axes[0])) == 4 and "1 item(s) without answers not drawn." in alt


def test_before_after_draws_only_what_the_disclosed_table_shows():
    items = [PairedItem("calm", "Feeling calm", "ordinal", (4, 5)),
             PairedItem("account", "Has an account", "binary", (1,))]
    data = pd.DataFrame({"calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2] * 2,
                         "calm_after": [3, 4, 3, 4, 3, 3, 5, 4, 2, 4] * 2,
                         "account_before": [1] * 17 + [0] * 3, "account_after": [1] * 17 + [0] * 3})
    disclosed = tables.outcome_publication_table(outcome_table(data, items, on_degenerate="note")).disclose(7)
    fig, alt = likert_figures.before_after_figure(disclosed)
    patches = bars(fig.axes[0])
    assert [p.get_width() for p in patches] == [0.0, 50.0]      # calm only: 0 of 20 before, 10 after
    assert "1 item(s) withheld by disclosure control (counts of 7 or fewer)." in alt
    assert "Has an account" not in alt and "85" not in alt
    only_account = disclosed.table.index[1:]
    fig, alt = likert_figures.before_after_figure(
        tables.outcome_publication_table(outcome_table(data, items[1:], on_degenerate="note")).disclose(7))
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "All values withheld by disclosure control (counts of 7 or fewer)."]
    assert alt.startswith("All values withheld by disclosure control") and len(only_account) == 1


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
    # Build respondent-level answers that give exactly the requested counts per item.
    n = sum(next(iter(counts_by_item.values())))
    frame = {"respondent_id": [f"R{i:03d}" for i in range(n)]}
    for item, counts in counts_by_item.items():
        answers = []
        for code, count in zip(range(1, 6), counts):
            answers += [code] * count
        frame[item] = pd.array(answers, dtype="Int64")
    return describe.likert_summary(pd.DataFrame(frame), list(counts_by_item))


def test_likert_bars_follow_the_disclosed_table():
    summary = _summary_from_counts({
        "reflect_skills": (0, 0, 10, 20, 30),      # no small count: shown as is
        "reflect_understood": (3, 6, 10, 20, 21),  # both negatives withheld; their total 9 may be shown
        "reflect_plans": (0, 3, 5, 20, 32),        # 3 and 5 withheld; positive side shown
        "reflect_range": (5, 10, 30, 8, 7),        # 'Agree' 8 shown, 'Strongly agree' 7 withheld
    })
    shown, treatment = likert_figures.suppress_small_segments(summary, 7)
    assert treatment == {
        ("reflect_skills", ""): "shown", ("reflect_understood", ""): "partly withheld",
        ("reflect_plans", ""): "partly withheld", ("reflect_range", ""): "partly withheld",
    }
    understood = shown[shown["item"] == "reflect_understood"].set_index("code")
    # One merged negative segment of 9/60 = 15% on the outermost code, left of the centred neutral (10/60).
    assert understood.loc[1, "start"] == pytest.approx(-(100 * 5 / 60) - 15.0)
    assert understood.loc[1, "end"] == pytest.approx(-(100 * 5 / 60))
    assert understood.loc[2, "start"] == understood.loc[2, "end"]
    plans = shown[shown["item"] == "reflect_plans"].set_index("code")
    assert (plans.loc[[1, 2, 3], "end"] - plans.loc[[1, 2, 3], "start"]).abs().max() == 0
    assert plans.loc[5, "end"] == pytest.approx(100 * 52 / 60)
    agree = shown[shown["item"] == "reflect_range"].set_index("code")
    assert agree.loc[4, "end"] - agree.loc[4, "start"] == pytest.approx(100 * 8 / 60)
    assert agree.loc[5, "end"] == agree.loc[5, "start"]


def test_diverging_figure_never_shows_the_issue_10_group_share():
    summary = _summary_from_counts({"reflect_range": (5, 10, 20, 8, 7)})
    fig, alt = likert_figures.diverging_likert_figure(summary)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert texts == set()                       # neither side's share is published
    assert "30%" not in alt and "positive share" not in alt
    widths = sorted(round(p.get_width(), 6) for p in bars(fig.axes[0]) if p.get_width() > 0)
    assert widths == [round(100 * 8 / 50, 6), round(100 * 10 / 50, 6), round(100 * 20 / 50, 6)]


def test_figure_uses_the_table_it_is_given():
    summary = _summary_from_counts({"reflect_skills": (0, 0, 10, 20, 30), "reflect_positive": (0, 0, 2, 28, 30)})
    disclosed = tables.likert_publication_table(summary).disclose(7)
    fig, alt = likert_figures.diverging_likert_figure(summary, disclosed=disclosed)
    assert "1 partly withheld by disclosure control (counts of 7 or fewer)." in alt
    assert not re.search(r"\b3%", alt)  # 2 of 60 would print as 3%
    merged = [p for p in bars(fig.axes[0]) if p.get_hatch()]
    assert merged == []


def test_every_bar_withheld_gives_one_sentence():
    summary = _summary_from_counts({"reflect_skills": (0, 0, 2, 2, 1), "reflect_positive": (0, 1, 1, 1, 2)})
    fig, alt = likert_figures.diverging_likert_figure(summary)
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "All values withheld by disclosure control (counts of 7 or fewer)."]
    assert alt.startswith("All values withheld by disclosure control (counts of 7 or fewer).")
    assert len(alt) <= ALT_TEXT_LIMIT


def test_compose_alt_keeps_the_first_sentence_and_what_fits():
    from cwp_analysis.figures.style import compose_alt

    assert compose_alt("A chart.", "x" * 300, "Short.") == "A chart. Short."
    long = compose_alt("word " * 80)
    assert len(long) <= ALT_TEXT_LIMIT and long.endswith("…")
    with pytest.raises(ValueError, match="at least one sentence"):
        compose_alt("", " ")


def test_many_likert_items_keep_the_alt_text_short():
    counts = {item: (10, 10, 10, 10, 20) for item in
              ["reflect_skills", "reflect_understood", "reflect_plans", "reflect_positive", "reflect_range"]}
    fig, alt = likert_figures.diverging_likert_figure(_summary_from_counts(counts))
    assert len(alt) <= ALT_TEXT_LIMIT and alt.startswith("Diverging bar chart of 5 item(s)")
