"""Figures for Likert items: diverging stacked bars and before/after shares.

* :func:`diverging_likert_figure` draws the output of
  :func:`cwp_analysis.describe.likert_summary` as a diverging stacked bar
  chart (Heiberger and Robbins 2014): the neutral category straddles zero,
  negative answers extend left and positive answers right, colours from the
  colour-blind safe :data:`~cwp_analysis.figures.style.LIKERT5` palette and a
  legend in scale order (Figures 7 and 9 of the report).
* :func:`before_after_figure` compares the share of positive answers before
  and after support for each item (Figures 10-13).

Each function returns ``(figure, alt_text)``; save with
:func:`cwp_analysis.figures.style.save_figure` for byte-identical files.

References
----------
.. [1] Heiberger, R. M. and Robbins, N. B. (2014). Design of diverging stacked
   bar charts for Likert scales and other applications. Journal of
   Statistical Software, 57(5), 1-32.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from cwp_analysis.figures.style import BEFORE_AFTER, LIKERT5, house_style

__all__ = ["diverging_likert_figure", "before_after_figure"]

_SUMMARY_COLUMNS = ("item", "label", "timepoint", "code", "code_label", "category", "percent", "start", "end",
                    "n", "negative_pct", "neutral_pct", "positive_pct", "reverse")
_BEFORE_AFTER_COLUMNS = ("item", "label", "before_positive_pct", "after_positive_pct")


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
    if isinstance(timepoint, str):
        text += f" ({timepoint})"
    if reverse:
        text += " [reverse-worded]"
    return text


def _absolute_percent(value, _position) -> str:
    return f"{abs(value):.0f}"


def suppress_small_segments(summary: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, dict]:
    """Apply disclosure control to a Likert summary before it is drawn.

    A bar whose segments show counts of 1 to ``threshold`` women would
    disclose them as surely as a table cell.  For each bar (item and
    timepoint), in order:

    1. if no non-zero answer has a count of ``threshold`` or fewer, the bar
       is drawn as it is;
    2. otherwise the answers on each side are merged (all negative answers
       into one segment, all positive answers into one), and if none of the
       negative, neutral and positive groups is then a small non-zero count
       the bar is drawn with the merged sides;
    3. otherwise, if neither the positive answers nor all the others
       together (neutral and negative) are a small non-zero count, the bar
       is drawn as two segments: positive to the right of zero, the rest to
       the left, in the neutral colour;
    4. otherwise the whole bar is withheld (drawn empty and labelled).

    Zero counts are not small: "nobody" discloses nobody.  The geometry
    (``start``, ``end``, shares) is recomputed for merged bars and blanked
    for withheld ones.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`cwp_analysis.describe.likert_summary` (with ``count``).
    threshold : int
        Largest count suppressed.

    Returns
    -------
    summary : pandas.DataFrame
        A copy with merged or blanked segments.
    treatment : dict
        ``{(item, timepoint): "shown" | "merged" | "two groups" | "withheld"}``.
    """
    if "count" not in summary.columns:
        raise ValueError("likert summary needs a 'count' column for disclosure control")
    if isinstance(threshold, bool) or int(threshold) < 1:
        raise ValueError(f"threshold must be a positive whole number, got {threshold!r}")
    frame = summary.reset_index(drop=True).copy()
    tp = [t if isinstance(t, str) else "" for t in frame["timepoint"]]
    treatment: dict = {}

    def small(values) -> bool:
        return any(1 <= int(v) <= threshold for v in values)

    for key, rows in frame.groupby([frame["item"], pd.Series(tp, index=frame.index)], sort=False):
        counts = rows["count"].astype(int)
        if not small(counts):
            treatment[key] = "shown"
            continue
        groups = {cat: int(counts[rows["category"] == cat].sum()) for cat in ("negative", "neutral", "positive")}
        n = max(int(counts.sum()), 1)
        rest = groups["negative"] + groups["neutral"]
        if small(groups.values()) and not small((groups["positive"], rest)):
            treatment[key] = "two groups"
            frame.loc[rows.index, ["start", "end"]] = 0.0
            neutral_idx = rows.index[rows["category"] == "neutral"]
            negative_idx = rows.index[rows["category"] == "negative"]
            rest_idx = neutral_idx[0] if len(neutral_idx) else negative_idx[0]
            frame.loc[rest_idx, "start"] = -100.0 * rest / n
            frame.loc[rows.index[rows["category"] == "negative"], ["start", "end"]] = -100.0 * rest / n
            frame.loc[rest_idx, "start"] = -100.0 * rest / n
            pos_idx = rows.index[rows["category"] == "positive"]
            if len(pos_idx):
                frame.loc[pos_idx[0], "end"] = 100.0 * groups["positive"] / n
            frame.loc[rows.index, ["percent", "negative_pct", "neutral_pct"]] = np.nan
            frame.loc[rows.index, "positive_pct"] = 100.0 * groups["positive"] / n
            frame.loc[rows.index, "rest_pct"] = 100.0 * rest / n
            continue
        if small(groups.values()):
            treatment[key] = "withheld"
            frame.loc[rows.index, ["start", "end"]] = 0.0
            frame.loc[rows.index, ["percent", "negative_pct", "neutral_pct", "positive_pct"]] = np.nan
            continue
        treatment[key] = "merged"
        neutral = 100.0 * groups["neutral"] / n
        neg_codes = rows.index[rows["category"] == "negative"]
        pos_codes = rows.index[rows["category"] == "positive"]
        for idx in list(neg_codes) + list(pos_codes):
            edge = -neutral / 2 if idx in neg_codes else neutral / 2
            frame.loc[idx, ["start", "end"]] = edge
        if len(neg_codes):
            frame.loc[neg_codes[0], "start"] = -neutral / 2 - 100.0 * groups["negative"] / n
        if len(pos_codes):
            frame.loc[pos_codes[-1], "end"] = neutral / 2 + 100.0 * groups["positive"] / n
        frame.loc[rows.index, "percent"] = np.nan
    return frame, treatment


def diverging_likert_figure(
    summary: pd.DataFrame,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    suppression_threshold: int | None = None,
):
    """Diverging stacked bar chart of Likert items.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`cwp_analysis.describe.likert_summary` (one row per
        item, timepoint and code, with segment ``start`` and ``end``).
    title : str, optional
    figsize : tuple of float, optional
        Defaults to a height that grows with the number of bars.
    suppression_threshold : int, optional
        Apply :func:`suppress_small_segments` first (always do so for survey
        data that will be published): bars with small counts are merged
        or withheld, and the alt text says which.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One horizontal bar per item (and timepoint), made of one patch per
        response code (zero-width for codes nobody chose), so ``bars x codes``
        patches in all.
    alt_text : str

    Notes
    -----
    Reverse-worded items are drawn as asked and marked "[reverse-worded]"
    in their label: for them the right-hand side is the undesirable answer.
    The percentages printed at the ends of each bar are the negative and
    positive shares.
    """
    _require_columns(summary, _SUMMARY_COLUMNS, "likert summary")
    treatment: dict = {}
    if suppression_threshold is not None:
        summary, treatment = suppress_small_segments(summary, suppression_threshold)
    frame = summary.reset_index(drop=True).copy()
    frame["_tp"] = [tp if isinstance(tp, str) else "" for tp in frame["timepoint"]]
    codes = list(dict.fromkeys(frame["code"]))
    code_labels = dict(zip(frame["code"], frame["code_label"]))
    bars = list(dict.fromkeys(zip(frame["item"], frame["_tp"])))
    for item, tp in bars:
        got = frame.loc[(frame["item"] == item) & (frame["_tp"] == tp), "code"].tolist()
        if got != codes:
            raise ValueError(f"likert summary: item {item!r} does not have exactly the codes {codes} in scale order")
    if frame[["start", "end"]].isna().any().any() or (
            not treatment and frame["percent"].isna().any()):
        raise ValueError("likert summary has missing segment positions or percentages")
    colours = dict(zip(codes, _scale_colours(len(codes))))
    height = figsize or (8.0, 1.2 + 0.45 * len(bars))
    y = np.arange(len(bars))
    first = frame.drop_duplicates(["item", "_tp"]).set_index(["item", "_tp"])
    with house_style():
        fig, ax = plt.subplots(figsize=height)
        for code in codes:
            rows = frame[frame["code"] == code].set_index(["item", "_tp"]).loc[bars]
            ax.barh(y, (rows["end"] - rows["start"]).to_numpy(), left=rows["start"].to_numpy(), height=0.7,
                    color=colours[code], label=code_labels[code], edgecolor="white", linewidth=0.5)
        lows = frame.groupby(["item", "_tp"], sort=False)["start"].min().loc[bars]
        highs = frame.groupby(["item", "_tp"], sort=False)["end"].max().loc[bars]
        for yi, key in zip(y, bars):
            if treatment.get(key) == "withheld":
                ax.annotate("withheld: small counts", (0, yi), ha="center", va="center", fontsize=8,
                            color="#555555")
                continue
            left_pct = first.at[key, "rest_pct"] if treatment.get(key) == "two groups" else first.at[key, "negative_pct"]
            ax.annotate(f"{left_pct:.0f}%", (lows[key], yi), xytext=(-3, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=8)
            ax.annotate(f"{first.at[key, 'positive_pct']:.0f}%", (highs[key], yi), xytext=(3, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        reach = max(float(-lows.min()), float(highs.max()), 20.0)
        ax.set_xlim(-(reach + 15), reach + 15)
        ax.xaxis.set_major_formatter(FuncFormatter(_absolute_percent))
        ax.set_yticks(y, [_row_label(first.at[k, "label"], k[1] or None, bool(first.at[k, "reverse"])) for k in bars])
        ax.invert_yaxis()
        ax.set_xlabel("Percent of respondents answering (negative left of zero, positive right)")
        ax.set_ylabel("")
        if title:
            ax.set_title(title)
        fig.tight_layout()
        axes_height = ax.get_position().height * fig.get_figheight()
        ax.legend(ncol=len(codes), loc="upper center", bbox_to_anchor=(0.5, -0.5 / axes_height),
                  frameon=False, fontsize=8)

    scale_text = f"from '{code_labels[codes[0]]}' to '{code_labels[codes[-1]]}'"
    side = {
        category: ", ".join(f"'{code_labels[c]}'" for c in codes if (frame.loc[frame["code"] == c, "category"] == category).any())
        for category in ("negative", "positive")
    }
    parts = []
    for key in bars:
        row = first.loc[key]
        name = _row_label(row["label"], key[1] or None, bool(row["reverse"]))
        if treatment.get(key) == "withheld":
            parts.append(f"{name}: withheld because some answers were given by too few women")
            continue
        if treatment.get(key) == "two groups":
            parts.append(f"{name}: {row['positive_pct']:.0f}% positive, {row['rest_pct']:.0f}% neutral or "
                         f"negative (n={int(row['n'])}; grouped to protect small counts)")
            continue
        merged = " (answers on each side merged to protect small counts)" if treatment.get(key) == "merged" else ""
        parts.append(
            f"{name}: {row['positive_pct']:.0f}% positive, {row['neutral_pct']:.0f}% neutral, "
            f"{row['negative_pct']:.0f}% negative (n={int(row['n'])}){merged}"
        )
    alt_text = (
        f"Diverging stacked bar chart of {len(bars)} item(s) on a {len(codes)}-point scale {scale_text}; "
        f"the neutral answer is centred on zero, negative answers ({side['negative']}) extend left and "
        f"positive answers ({side['positive']}) right. "
        + "; ".join(parts) + "."
    )
    if frame["reverse"].astype(bool).any():
        alt_text += " Items marked reverse-worded are drawn as asked, so for them the right-hand side is the undesirable answer."
    return fig, alt_text


def before_after_figure(
    outcomes: pd.DataFrame,
    *,
    title: str | None = None,
    value_label: str = "Share giving a positive answer (%)",
    intervals: bool | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Paired horizontal bars: share positive before and after, per item.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Columns ``item``, ``label``, ``before_positive_pct`` and
        ``after_positive_pct`` (percent, 0-100), one row per item, for
        instance from the outcome table of :mod:`cwp_analysis.stats`.
    title : str, optional
    value_label : str
        Axis label saying what "positive" means (e.g. "often or all of the
        time" for SWEMWBS items, Figure 10).
    intervals : bool, optional
        Draw whiskers from ``before_positive_ci_low``/``_ci_high`` and
        ``after_positive_ci_low``/``_ci_high`` (percent), as the outcome
        table provides.  None (default) draws them when those columns are
        present; True requires them.
    figsize : tuple of float, optional

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two bars per item (before, after): ``2 x items`` bar patches.  When
        ``outcomes`` has no rows (every share withheld by disclosure
        control, as happens with small samples) the figure is an empty
        panel saying so.
    alt_text : str
    """
    if isinstance(outcomes, pd.DataFrame) and outcomes.empty:
        with house_style():
            fig, ax = plt.subplots(figsize=figsize or (7.0, 1.6))
            ax.axis("off")
            ax.text(0.5, 0.5, "All shares withheld by disclosure control (too few women per answer).",
                    ha="center", va="center", fontsize=10, color="#555555", transform=ax.transAxes)
        return fig, ("No bars: every before/after share rests on too few women to publish, "
                     "so disclosure control withholds them all.")
    _require_columns(outcomes, _BEFORE_AFTER_COLUMNS, "before/after table")
    frame = outcomes.reset_index(drop=True)
    if frame["item"].duplicated().any():
        raise ValueError("before/after table lists an item twice")
    values = {}
    for column in ("before_positive_pct", "after_positive_pct"):
        numeric = pd.to_numeric(frame[column], errors="coerce")
        if numeric.isna().any():
            raise ValueError(f"before/after table: {column} has missing or non-numeric values")
        if ((numeric < 0) | (numeric > 100)).any():
            raise ValueError(f"before/after table: {column} must be percentages between 0 and 100")
        values[column] = numeric.to_numpy(dtype=float)
    ci_columns = [f"{tp}_positive_ci_{end}" for tp in ("before", "after") for end in ("low", "high")]
    has_intervals = all(c in frame.columns for c in ci_columns)
    if intervals and not has_intervals:
        raise ValueError(f"before/after table lacks interval column(s) "
                         f"{', '.join(c for c in ci_columns if c not in frame.columns)}")
    draw_intervals = has_intervals if intervals is None else bool(intervals)
    if draw_intervals:
        for column in ci_columns:
            numeric = pd.to_numeric(frame[column], errors="coerce")
            if numeric.isna().any() or ((numeric < 0) | (numeric > 100)).any():
                raise ValueError(f"before/after table: {column} must be percentages between 0 and 100")
            values[column] = numeric.to_numpy(dtype=float)
        for tp in ("before", "after"):
            inside = (values[f"{tp}_positive_ci_low"] <= values[f"{tp}_positive_pct"] + 1e-9) & (
                values[f"{tp}_positive_pct"] <= values[f"{tp}_positive_ci_high"] + 1e-9)
            if not inside.all():
                raise ValueError(f"before/after table: {tp}_positive_pct lies outside its interval")
    n = len(frame)
    y = np.arange(n)
    size = figsize or (7.5, 1.0 + 0.6 * n)
    with house_style():
        fig, ax = plt.subplots(figsize=size)
        for offset, (timepoint, column) in zip((-0.19, 0.19), (("before", "before_positive_pct"),
                                                               ("after", "after_positive_pct"))):
            ax.barh(y + offset, values[column], height=0.36, color=BEFORE_AFTER[timepoint],
                    label=timepoint.capitalize())
            label_at = values[column]
            if draw_intervals:
                low, high = values[f"{timepoint}_positive_ci_low"], values[f"{timepoint}_positive_ci_high"]
                ax.errorbar(values[column], y + offset, xerr=[values[column] - low, high - values[column]],
                            fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
                label_at = np.maximum(label_at, high)
            for yi, v, at in zip(y + offset, values[column], label_at):
                ax.annotate(f"{v:.0f}%", (at, yi), xytext=(3, 0), textcoords="offset points",
                            ha="left", va="center", fontsize=8)
        ax.set_yticks(y, frame["label"].astype(str).tolist())
        ax.invert_yaxis()
        ax.set_xlim(0, 112)
        ax.set_xlabel(value_label)
        if title:
            ax.set_title(title)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()

    parts = [
        f"{label}: {b:.0f}% before, {a:.0f}% after"
        for label, b, a in zip(frame["label"], values["before_positive_pct"], values["after_positive_pct"])
    ]
    rose = int((values["after_positive_pct"] > values["before_positive_pct"]).sum())
    alt_text = (
        f"Horizontal bar chart pairing, for each of {n} item(s), the percentage giving a positive answer "
        f"before support and now. {'; '.join(parts)}. "
        f"The share rose for {rose} of {n} item(s)."
    )
    if draw_intervals:
        alt_text += " Whiskers mark the confidence interval of each share."
    return fig, alt_text
