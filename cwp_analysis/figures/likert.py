"""Figures for Likert items: diverging stacked bars and before/after shares.

* :func:`diverging_likert_figure` draws Likert items as a diverging stacked
  bar chart (Heiberger and Robbins 2014): the neutral category straddles
  zero, negative answers extend left and positive answers right, colours
  from the colour-blind safe :data:`~cwp_analysis.figures.style.LIKERT5`
  palette and a legend in scale order (Figures 7 and 9 of the report).
* :func:`before_after_figure` compares the share of positive answers before
  and after support for each item (Figures 10-13).

Both draw what the disclosure-controlled table publishes, never the raw
summary: :func:`diverging_likert_figure` reads the
:class:`~cwp_analysis.disclosure.DisclosedTable` of
:func:`cwp_analysis.tables.likert_publication_table`, and
:func:`before_after_figure` accepts that of
:func:`cwp_analysis.tables.outcome_publication_table`.  A segment, a
percentage label or a word of alt text exists only where the table shows
the number it comes from (:mod:`cwp_analysis.derived_rule`).  Where the
table withholds everything the figure would show, the figure is one
sentence saying so, and so is the alt text.

Each function returns ``(figure, alt_text)``; alt texts are at most
:data:`~cwp_analysis.figures.style.ALT_TEXT_LIMIT` characters (the data
are in the table beside the figure).  Save with
:func:`cwp_analysis.figures.style.save_figure` for byte-identical files.

References
----------
.. [1] Heiberger, R. M. and Robbins, N. B. (2014). Design of diverging stacked
   bar charts for Likert scales and other applications. Journal of
   Statistical Software, 57(5), 1-32.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from cwp_analysis.derived_rule import withheld_sentence
from cwp_analysis.disclosure import DEFAULT_THRESHOLD, DisclosedTable
from cwp_analysis.figures.before_after import before_after_figure
from cwp_analysis.figures.style import LIKERT5, compose_alt, house_style, message_figure
from cwp_analysis.tables import likert_publication_table

__all__ = ["diverging_likert_figure", "before_after_figure", "suppress_small_segments", "likert_bars"]

_SUMMARY_COLUMNS = ("item", "label", "timepoint", "code", "code_label", "category", "count", "n", "reverse")
_CATEGORIES = ("negative", "neutral", "positive")
_MERGED_HATCH = "////"


def _require_columns(frame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise ValueError(f"{what} is empty")


def _scale_colours(n_codes: int) -> list:
    if n_codes == len(LIKERT5):
        return list(LIKERT5)
    cmap = matplotlib.colormaps["RdBu"]
    return [cmap(v) for v in np.linspace(0.1, 0.9, n_codes)]


def _row_label(label: str, timepoint, reverse: bool) -> str:
    text = label
    if isinstance(timepoint, str) and timepoint:
        text += f" ({timepoint})"
    if reverse:
        text += " [reverse-worded]"
    return text


def _absolute_percent(value, _position) -> str:
    return f"{abs(value):.0f}"


@dataclass
class _Bar:
    """One bar as the disclosed table allows it to be drawn."""

    key: tuple
    label: str
    status: str  # "shown", "partly withheld", "withheld" or "no answers"
    start: dict = field(default_factory=dict)  # code -> left edge (percent)
    width: dict = field(default_factory=dict)  # code -> width (0 where nothing is drawn)
    merged: set = field(default_factory=set)  # codes whose segment is a merged group
    shares: dict = field(default_factory=dict)  # category -> published share, or None


def _published(disclosed: DisclosedTable, row, column):
    if column not in disclosed.table.columns or bool(disclosed.suppressed.at[row, column]):
        return None
    value = disclosed.table.at[row, column]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)


def _layout(codes, category, counts, shares, n):
    """Segment edges from the published cells and group shares (percent of the base)."""
    start, width, merged = {}, {}, set()
    pct = {c: (None if counts[c] is None else 100.0 * counts[c] / n) for c in codes}

    def side(group):
        members = [c for c in codes if category[c] == group]
        complete = all(pct[c] is not None for c in members)
        if not complete and shares.get(group) is not None and members:
            anchor = members[0] if group == "negative" else members[-1]
            return members, {c: (shares[group] if c == anchor else 0.0) for c in members}, {anchor}
        return members, {c: (pct[c] or 0.0) for c in members}, set()

    neutral, neutral_w, neutral_m = side("neutral")
    u = sum(neutral_w.values())
    edge = -u / 2
    for c in neutral:
        start[c], width[c] = edge, neutral_w[c]
        edge += neutral_w[c]
    negative, negative_w, negative_m = side("negative")
    edge = -u / 2
    for c in reversed(negative):
        edge -= negative_w[c]
        start[c], width[c] = edge, negative_w[c]
    positive, positive_w, positive_m = side("positive")
    edge = u / 2
    for c in positive:
        start[c], width[c] = edge, positive_w[c]
        edge += positive_w[c]
    merged = neutral_m | negative_m | positive_m
    return start, width, merged


def likert_bars(summary: pd.DataFrame, disclosed: DisclosedTable) -> list[_Bar]:
    """The bars of a diverging chart as a disclosed Likert table allows them to be drawn.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`cwp_analysis.describe.likert_summary` output: item labels,
        codes, answer labels, categories and reverse flags (its counts are
        not used).
    disclosed : DisclosedTable
        ``likert_publication_table(summary).disclose(threshold)``.

    Returns
    -------
    list
        One bar per item (and timepoint) with its status (``"shown"``,
        ``"partly withheld"``, ``"withheld"``, ``"no answers"``), segment
        edges per code (a withheld answer has width 0; a group whose total
        may be published although its answers are withheld is one merged
        segment, on the code farthest from the centre) and the published
        group shares.
    """
    _require_columns(summary, _SUMMARY_COLUMNS, "likert summary")
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"disclosed must be a DisclosedTable, got {type(disclosed).__name__}")
    frame = summary.reset_index(drop=True).copy()
    frame["_tp"] = [tp if isinstance(tp, str) else "" for tp in frame["timepoint"]]
    codes = list(dict.fromkeys(frame["code"]))
    answer = dict(zip(frame["code"], frame["code_label"].astype(str)))
    category = dict(zip(frame["code"], frame["category"]))
    missing = [answer[c] for c in codes if answer[c] not in disclosed.table.columns]
    if missing or "Base" not in disclosed.table.columns:
        raise ValueError(f"the disclosed table does not match the summary: it lacks {', '.join(missing or ['Base'])}")
    bars = []
    for (item, tp), part in frame.groupby(["item", "_tp"], sort=False):
        if part["code"].tolist() != codes:
            raise ValueError(f"likert summary: item {item!r} does not have exactly the codes {codes} in scale order")
        row = f"{item}_{tp}" if tp else str(item)
        if row not in disclosed.table.index:
            raise ValueError(f"the disclosed table has no row {row!r} for item {item!r}")
        label = _row_label(str(part["label"].iloc[0]), tp, bool(part["reverse"].iloc[0]))
        n = _published(disclosed, row, "Base")
        if n is None:
            bars.append(_Bar((item, tp), label, "withheld", {c: 0.0 for c in codes}, {c: 0.0 for c in codes}))
            continue
        if n == 0:
            bars.append(_Bar((item, tp), label, "no answers", {c: 0.0 for c in codes}, {c: 0.0 for c in codes}))
            continue
        counts = {c: _published(disclosed, row, answer[c]) for c in codes}
        shares = {g: _published(disclosed, row, f"% {g}") for g in _CATEGORIES}
        start, width, merged = _layout(codes, category, counts, shares, n)
        status = "shown" if all(v is not None for v in counts.values()) else "partly withheld"
        bars.append(_Bar((item, tp), label, status, start, width, merged, shares))
    return bars


def suppress_small_segments(summary: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, dict]:
    """A Likert summary with its segments as disclosure control allows them to be drawn.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`cwp_analysis.describe.likert_summary` (with ``count``).
    threshold : int
        Largest count suppressed.

    Returns
    -------
    summary : pandas.DataFrame
        A copy whose ``start`` and ``end`` are the drawn segments (zero
        width where an answer is withheld; one merged segment where only a
        group total may be published) and whose ``percent`` and group
        shares are NaN where the table withholds them.
    treatment : dict
        ``{(item, timepoint): "shown" | "partly withheld" | "withheld" | "no answers"}``.

    Notes
    -----
    The segments are those of :func:`likert_bars` on
    ``likert_publication_table(summary).disclose(threshold)``, so the
    figure and the table follow one rule.
    """
    _require_columns(summary, _SUMMARY_COLUMNS, "likert summary")
    disclosed = likert_publication_table(summary).disclose(threshold)
    frame = summary.reset_index(drop=True).copy()
    tp = pd.Series([t if isinstance(t, str) else "" for t in frame["timepoint"]], index=frame.index)
    treatment = {}
    for bar in likert_bars(summary, disclosed):
        treatment[bar.key] = bar.status
        rows = frame.index[(frame["item"] == bar.key[0]) & (tp == bar.key[1])]
        for idx in rows:
            code = frame.at[idx, "code"]
            frame.at[idx, "start"] = bar.start.get(code, 0.0)
            frame.at[idx, "end"] = bar.start.get(code, 0.0) + bar.width.get(code, 0.0)
            if bar.status != "shown":
                frame.at[idx, "percent"] = np.nan
            for group in _CATEGORIES:
                if f"{group}_pct" in frame.columns and bar.shares.get(group) is None and bar.status != "shown":
                    frame.at[idx, f"{group}_pct"] = np.nan
    return frame, treatment


def _threshold_of(value) -> int:
    return DEFAULT_THRESHOLD if value is None else value


def diverging_likert_figure(
    summary: pd.DataFrame,
    *,
    disclosed: DisclosedTable | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    suppression_threshold: int | None = DEFAULT_THRESHOLD,
):
    """Diverging stacked bar chart of Likert items, drawn from the disclosure-controlled table.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`cwp_analysis.describe.likert_summary`: it gives
        the items, codes, answer labels, categories and reverse flags.
    disclosed : DisclosedTable, optional
        The published table, ``likert_publication_table(summary)
        .disclose(threshold)``; every number drawn is read from it.  When
        omitted it is made here with ``suppression_threshold``, so the
        figure agrees with the table a notebook publishes with the same
        threshold.
    title : str, optional
    figsize : tuple of float, optional
        Defaults to a height that grows with the number of bars.
    suppression_threshold : int, default 7
        Used only when ``disclosed`` is omitted (None means the default).

    Returns
    -------
    figure : matplotlib.figure.Figure
        One horizontal bar per item (and timepoint), made of one patch per
        response code (zero width for codes nobody chose or the table
        withholds), so ``bars x codes`` patches in all.  A group of answers
        whose cells are withheld but whose total the table publishes
        (:func:`cwp_analysis.derived_rule.releasable_group_totals`) is one
        hatched segment.  Percentages at the bar ends are the published
        negative and positive shares.  When no bar can be drawn, the figure
        is one sentence saying why.
    alt_text : str
        At most 250 characters: what the chart shows, how many bars are
        withheld, and (when it fits) the largest published positive share.

    Notes
    -----
    Reverse-worded items are drawn as asked and marked "[reverse-worded]"
    in their label: for them the right-hand side is the undesirable answer.
    """
    _require_columns(summary, _SUMMARY_COLUMNS, "likert summary")
    threshold = _threshold_of(suppression_threshold)
    if disclosed is None:
        disclosed = likert_publication_table(summary).disclose(threshold)
    else:
        threshold = disclosed.threshold
    bars = likert_bars(summary, disclosed)
    frame = summary.reset_index(drop=True)
    codes = list(dict.fromkeys(frame["code"]))
    code_labels = dict(zip(frame["code"], frame["code_label"].astype(str)))
    scale_text = f"a {len(codes)}-point scale from '{code_labels[codes[0]]}' to '{code_labels[codes[-1]]}'"
    drawable = [b for b in bars if any(w > 0 for w in b.width.values())]
    withheld = sum(b.status in ("withheld", "partly withheld") for b in bars)
    if not drawable:
        message = withheld_sentence(threshold) if withheld else "No woman answered these questions."
        return message_figure(message), compose_alt(
            message, f"The diverging bar chart of {len(bars)} item(s) on {scale_text} is not drawn.")
    colours = dict(zip(codes, _scale_colours(len(codes))))
    size = figsize or (8.0, 1.2 + 0.45 * len(bars))
    y = np.arange(len(bars))
    with house_style():
        fig, ax = plt.subplots(figsize=size)
        for code in codes:
            patches = ax.barh(y, [b.width[code] for b in bars], left=[b.start[code] for b in bars], height=0.7,
                              color=colours[code], label=code_labels[code], edgecolor="white", linewidth=0.5)
            for patch, bar in zip(patches, bars):
                if code in bar.merged:
                    patch.set_hatch(_MERGED_HATCH)
        for yi, bar in zip(y, bars):
            if not any(w > 0 for w in bar.width.values()):
                text = "no answers" if bar.status == "no answers" else "withheld: small counts"
                ax.annotate(text, (0, yi), ha="center", va="center", fontsize=8, color="#555555")
                continue
            low = min(bar.start[c] for c in codes)
            high = max(bar.start[c] + bar.width[c] for c in codes)
            if bar.shares.get("negative") is not None:
                ax.annotate(f"{bar.shares['negative']:.0f}%", (low, yi), xytext=(-3, 0), textcoords="offset points",
                            ha="right", va="center", fontsize=8)
            if bar.shares.get("positive") is not None:
                ax.annotate(f"{bar.shares['positive']:.0f}%", (high, yi), xytext=(3, 0), textcoords="offset points",
                            ha="left", va="center", fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        lows = [min(b.start[c] for c in codes) for b in bars]
        highs = [max(b.start[c] + b.width[c] for c in codes) for b in bars]
        reach = max(-min(lows), max(highs), 20.0)
        ax.set_xlim(-(reach + 15), reach + 15)
        ax.xaxis.set_major_formatter(FuncFormatter(_absolute_percent))
        ax.set_yticks(y, [b.label for b in bars])
        ax.invert_yaxis()
        ax.set_xlabel("Percent of respondents answering (negative left of zero, positive right)")
        ax.set_ylabel("")
        if title:
            ax.set_title(title)
        fig.tight_layout()
        axes_height = ax.get_position().height * fig.get_figheight()
        handles, labels = ax.get_legend_handles_labels()
        if any(b.merged for b in bars):
            handles.append(Patch(facecolor="white", edgecolor="#555555", hatch=_MERGED_HATCH))
            labels.append("answers merged (small counts)")
        ax.legend(handles, labels, ncol=min(len(labels), 6), loc="upper center",
                  bbox_to_anchor=(0.5, -0.5 / axes_height), frameon=False, fontsize=8)
    return fig, _diverging_alt(bars, scale_text, threshold, bool(frame["reverse"].astype(bool).any()))


def _diverging_alt(bars, scale_text: str, threshold: int, reverse: bool) -> str:
    partly = sum(b.status == "partly withheld" for b in bars)
    withheld = sum(b.status == "withheld" for b in bars)
    hidden = []
    if partly:
        hidden.append(f"{partly} partly withheld")
    if withheld:
        hidden.append(f"{withheld} withheld")
    hidden_text = (f"{' and '.join(hidden).capitalize()} by disclosure control (counts of {threshold} or fewer)."
                   if hidden else "")
    positive = [(b.shares["positive"], b.label) for b in bars if b.shares.get("positive") is not None]
    best = ""
    if positive:
        share, label = max(positive, key=lambda t: t[0])
        best = f"Largest positive share: {label}, {share:.0f}%."
    return compose_alt(
        f"Diverging bar chart of {len(bars)} item(s) on {scale_text} (negative left of zero, positive right).",
        hidden_text,
        best,
        "Reverse-worded items are marked." if reverse else "",
        "Counts and shares are in the table.",
    )
