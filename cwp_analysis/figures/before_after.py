"""Before/after figure: the share giving a positive answer before and after support (Figures 10-13).

:func:`before_after_figure` draws paired bars per item.  Give it the
disclosure-controlled table of
:func:`cwp_analysis.tables.outcome_publication_table` and it draws exactly
the items whose shares that table publishes, from the published numbers;
a plain outcome frame (:func:`cwp_analysis.stats.outcome_table`, already
filtered to the items the table shows) is accepted too.  It is importable
from :mod:`cwp_analysis.figures.likert` as well.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cwp_analysis.derived_rule import withheld_sentence
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.figures.style import (
    BEFORE_AFTER,
    compose_alt,
    house_style,
    message_figure,
)

__all__ = ["before_after_figure", "before_after_values"]

_COLUMNS = ("item", "label", "before_positive_pct", "after_positive_pct")
_CI = [f"{tp}_positive_ci_{end}" for tp in ("before", "after") for end in ("low", "high")]
_INTERVAL = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)\s*$")


def _cell(disclosed: DisclosedTable, row, column):
    if column not in disclosed.table.columns or bool(disclosed.suppressed.at[row, column]):
        return None
    value = disclosed.table.at[row, column]
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def before_after_values(disclosed: DisclosedTable) -> tuple[pd.DataFrame, int, int]:
    """The numbers a before/after figure may draw, read from a disclosed outcome table.

    Parameters
    ----------
    disclosed : DisclosedTable
        ``outcome_publication_table(outcomes).disclose(threshold)``: columns
        ``Item``, ``Before %``, ``After %`` and optionally ``Before CI``,
        ``After CI`` (``"a to b"``).

    Returns
    -------
    values : pandas.DataFrame
        One row per item whose two shares are published, in table order,
        with the columns :func:`before_after_figure` reads (``item``,
        ``label``, the two shares and, where both intervals are published
        for every drawn item, their bounds).
    withheld : int
        Items not drawn because a share is withheld.
    empty : int
        Items not drawn because they have no share (no complete pairs).
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    missing = [c for c in ("Item", "Before %", "After %") if c not in disclosed.table.columns]
    if missing:
        raise ValueError(f"the disclosed table is not an outcome table: it lacks {', '.join(missing)}")
    rows, withheld, empty = [], 0, 0
    for row in disclosed.table.index:
        before, after = _cell(disclosed, row, "Before %"), _cell(disclosed, row, "After %")
        if before is None or after is None:
            if bool(disclosed.suppressed.loc[row, ["Before %", "After %"]].any()):
                withheld += 1
            else:
                empty += 1
            continue
        record = {"item": row, "label": str(disclosed.table.at[row, "Item"]),
                  "before_positive_pct": float(before), "after_positive_pct": float(after)}
        for when in ("before", "after"):
            text = _cell(disclosed, row, f"{when.capitalize()} CI")
            match = _INTERVAL.match(str(text)) if text is not None else None
            if match:
                record[f"{when}_positive_ci_low"] = float(match.group(1))
                record[f"{when}_positive_ci_high"] = float(match.group(2))
        rows.append(record)
    values = pd.DataFrame(rows, columns=[*_COLUMNS, *_CI])
    if values[_CI].isna().any().any():
        values = values.drop(columns=_CI)
    return values, withheld, empty


def before_after_figure(
    outcomes: pd.DataFrame | DisclosedTable,
    *,
    title: str | None = None,
    value_label: str = "Share giving a positive answer (%)",
    intervals: bool | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Paired horizontal bars: share positive before and after, per item.

    Parameters
    ----------
    outcomes : DisclosedTable or pandas.DataFrame
        Preferably the disclosed outcome table
        (``outcome_publication_table(...).disclose(threshold)``): only the
        items whose shares it publishes are drawn, from the published
        values (:func:`before_after_values`).  A frame with columns
        ``item``, ``label``, ``before_positive_pct`` and
        ``after_positive_pct`` (percent, 0-100) is drawn as given, except
        rows without both shares (items nobody answered), which are left
        out.
    title : str, optional
    value_label : str
        Axis label saying what "positive" means (e.g. "often or all of the
        time" for SWEMWBS items, Figure 10).
    intervals : bool, optional
        Draw whiskers from the interval columns
        (``before_positive_ci_low`` ... or the table's ``CI`` columns).
        None (default) draws them when they are there; True requires them.
    figsize : tuple of float, optional

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two bars per drawn item (before, after): ``2 x items`` bar patches.
        When no item can be drawn the figure is one sentence saying why.
    alt_text : str
        At most 250 characters.
    """
    threshold, withheld, empty = None, 0, 0
    if isinstance(outcomes, DisclosedTable):
        threshold = outcomes.threshold
        frame, withheld, empty = before_after_values(outcomes)
    else:
        if not isinstance(outcomes, pd.DataFrame):
            raise ValueError(f"outcomes must be a DisclosedTable or a DataFrame, got {type(outcomes).__name__}")
        frame = outcomes
        if not frame.empty:
            missing = [c for c in _COLUMNS if c not in frame.columns]
            if missing:
                raise ValueError(f"before/after table lacks column(s) {', '.join(missing)}")
            shares = frame[["before_positive_pct", "after_positive_pct"]]
            numeric = shares.apply(pd.to_numeric, errors="coerce")
            if (numeric.isna() & shares.notna()).any().any():
                raise ValueError("before/after table: the shares must be numeric")
            keep = numeric.notna().all(axis=1)
            empty = int((~keep).sum())
            frame = frame[keep.to_numpy()]
    if frame.empty:
        message = (withheld_sentence(threshold) if withheld
                   else "No item has answers both before and after to show.")
        return message_figure(message, figsize=figsize or (7.0, 1.4)), compose_alt(
            message, "The before/after bar chart is not drawn.")
    frame = frame.reset_index(drop=True)
    if frame["item"].duplicated().any():
        raise ValueError("before/after table lists an item twice")
    values = {}
    for column in ("before_positive_pct", "after_positive_pct"):
        numeric = pd.to_numeric(frame[column], errors="coerce")
        if ((numeric < 0) | (numeric > 100)).any():
            raise ValueError(f"before/after table: {column} must be percentages between 0 and 100")
        values[column] = numeric.to_numpy(dtype=float)
    has_intervals = all(c in frame.columns for c in _CI)
    if intervals and not has_intervals:
        raise ValueError(f"before/after table lacks interval column(s) "
                         f"{', '.join(c for c in _CI if c not in frame.columns)}")
    draw_intervals = has_intervals if intervals is None else bool(intervals)
    tolerance = 0.051 if threshold is not None else 1e-9  # published values carry one decimal
    if draw_intervals:
        for column in _CI:
            numeric = pd.to_numeric(frame[column], errors="coerce")
            if numeric.isna().any() or ((numeric < 0) | (numeric > 100)).any():
                raise ValueError(f"before/after table: {column} must be percentages between 0 and 100")
            values[column] = numeric.to_numpy(dtype=float)
        for tp in ("before", "after"):
            inside = (values[f"{tp}_positive_ci_low"] <= values[f"{tp}_positive_pct"] + tolerance) & (
                values[f"{tp}_positive_pct"] <= values[f"{tp}_positive_ci_high"] + tolerance)
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
                ax.errorbar(values[column], y + offset,
                            xerr=[np.maximum(values[column] - low, 0), np.maximum(high - values[column], 0)],
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
    rose = int((values["after_positive_pct"] > values["before_positive_pct"]).sum())
    details = [f"{label}: {b:.0f}% before, {a:.0f}% after."
               for label, b, a in zip(frame["label"], values["before_positive_pct"], values["after_positive_pct"])]
    hidden = [f"{withheld} item(s) withheld by disclosure control (counts of {threshold} or fewer)."
              if withheld else "", f"{empty} item(s) without answers not drawn." if empty else ""]
    alt = compose_alt(
        f"Horizontal bar chart of the share giving a positive answer before support and now, for {n} item(s); "
        f"the share rose for {rose} of {n}.",
        *hidden,
        "Whiskers mark confidence intervals." if draw_intervals else "",
        "Values are in the table.",
        *details,
    )
    return fig, alt
