"""Likert items laid out for diverging stacked bars, and the needs items (Figures 7-9).

Re-exported by :mod:`cwp_analysis.describe`, whose conventions
(percentages of those answering, ``on_empty``) apply.

References
----------
.. [2] Heiberger, R. M. and Robbins, N. B. (2014). Design of diverging stacked
   bar charts for Likert scales and other applications. Journal of
   Statistical Software, 57(5), 1-32.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cwp_analysis.codebook import Codebook, Scale, Variable
from cwp_analysis.frequencies import (
    check_data,
    check_on_empty,
    codebook_or_default,
    frequency_table,
    frequency_tables,
    none_for_single,
)

__all__ = ["likert_summary", "needs_summary"]


# --------------------------------------------------------------------------- Likert layouts


def _diverging_order(scale: Scale) -> None:
    """Check that a scale can be drawn as a diverging bar."""
    if scale.type != "ordinal":
        hint = " (use needs_summary for the needs items)" if scale.type == "nominal" else " (use frequency_table)"
        raise ValueError(f"scale {scale.id!r} is {scale.type}, not an ordinal Likert scale{hint}")
    if not scale.negative_codes or not scale.positive_codes:
        raise ValueError(f"scale {scale.id!r} does not say which codes are negative and positive")
    grouped = [*scale.negative_codes, *scale.neutral_codes, *scale.positive_codes]
    listed = list(scale.allowed_codes)
    if sorted(grouped) != sorted(listed) or len(set(grouped)) != len(grouped):
        raise ValueError(f"scale {scale.id!r}: every code must be exactly one of negative, neutral or positive")
    position = {c: i for i, c in enumerate(listed)}
    if [position[c] for c in grouped] != sorted(position[c] for c in grouped):
        raise ValueError(f"scale {scale.id!r}: codes must be listed negative first, then neutral, then positive")


def _resolve_variables(codebook: Codebook, variables) -> list[Variable]:
    if isinstance(variables, str):
        ids = [v.id for v in codebook.in_domain(variables)] if variables in codebook.domains else [variables]
    else:
        ids = list(variables)
    if not ids:
        raise ValueError("no variables given")
    return [codebook.variable(i) for i in ids]


def likert_summary(
    data: pd.DataFrame,
    variables: str | Iterable[str],
    timepoint: str | None = None,
    codebook: Codebook | None = None,
    *,
    on_empty: str = "raise",
) -> pd.DataFrame:
    """Likert items summarised in the layout of a diverging stacked bar chart.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey in the wide layout.
    variables : str or iterable of str
        Variable ids, or the name of a codebook domain.  All must share one
        ordinal scale whose codes are grouped into negative, neutral and
        positive (likelihood5, agree5, frequency5).
    timepoint : {"before", "after"}, optional
        For before/after items; None gives both readings.
    codebook : Codebook, optional
    on_empty : {"raise", "keep"}
        See :func:`cwp_analysis.describe.frequency_table`: with ``"keep"``
        an item nobody answered keeps its rows with ``n = 0`` and NaN
        percentages, segments and shares.

    Returns
    -------
    pandas.DataFrame
        One row per item (per timepoint) and code, in scale order, with
        ``item``, ``label``, ``timepoint``, ``code``, ``code_label``,
        ``category`` (``"negative"``, ``"neutral"``, ``"positive"``),
        ``count``, ``n``, ``n_missing``, ``percent``, ``start`` and ``end``
        (the segment of the bar, in percent), and per item ``negative_pct``,
        ``neutral_pct``, ``positive_pct``, ``net_positive_pct`` (positive
        minus negative), ``reverse`` and ``desirable_pct``.

    Raises
    ------
    ValueError
        When an item is not on an ordinal scale grouped into negative,
        neutral and positive codes, the items are on different scales, or
        as :func:`cwp_analysis.describe.frequency_table` raises.

    Notes
    -----
    Layout after Heiberger and Robbins [2]_: the neutral category is split
    evenly about zero (from ``-neutral/2`` to ``+neutral/2``); negative codes
    stack leftwards from its left edge, the code nearest neutral innermost;
    positive codes stack rightwards from its right edge.  So ``start`` of
    the outermost negative code is ``-(negative_pct + neutral_pct / 2)`` and
    ``end`` of the outermost positive code is
    ``positive_pct + neutral_pct / 2``.

    Reverse-worded items (codebook ``reverse: true``, e.g. "would not seek
    help from anyone", Figure 7) are laid out as asked, so that the legend
    holds for every bar: agreeing with that statement sits on the right
    although it is the undesirable answer.  ``desirable_pct`` gives the
    desirable share (``positive_pct`` for ordinary items, ``negative_pct``
    for reverse-worded ones) and the figure marks such items in their label.

    Examples
    --------
    >>> survey = pd.DataFrame({"reflect_range": [5, 5, 4, 3, 1]})
    >>> s = likert_summary(survey, ["reflect_range"])
    >>> print(s[["code", "percent", "start", "end"]].to_string(index=False))
     code  percent  start   end
        1     20.0  -30.0 -10.0
        2      0.0  -10.0 -10.0
        3     20.0  -10.0  10.0
        4     20.0   10.0  30.0
        5     40.0   30.0  70.0
    """
    data = check_data(data)
    check_on_empty(on_empty)
    cb = codebook_or_default(codebook)
    items = _resolve_variables(cb, variables)
    for v in items:
        if v.scale is None:
            raise ValueError(f"variable {v.id!r} is an identifier, not a Likert item")
        _diverging_order(v.scale)
    scales = {v.scale.id for v in items}
    if len(scales) != 1:
        raise ValueError(f"items on different scales cannot share one diverging chart: {', '.join(sorted(scales))}")
    scale = items[0].scale
    category = {
        **{c: "negative" for c in scale.negative_codes},
        **{c: "neutral" for c in scale.neutral_codes},
        **{c: "positive" for c in scale.positive_codes},
    }
    frames = []
    for var in items:
        freq = frequency_table(data, var.id, cb, timepoint=timepoint if var.paired else None, on_empty=on_empty)
        for tp, table in freq.groupby("timepoint", sort=False, dropna=False):
            table = table.reset_index(drop=True)
            pct = dict(zip(table["code"], table["percent"]))
            neg = sum(pct[c] for c in scale.negative_codes)
            neu = sum(pct[c] for c in scale.neutral_codes)
            pos = sum(pct[c] for c in scale.positive_codes)
            start, end = {}, {}
            edge = -neu / 2
            for c in scale.neutral_codes:
                start[c], end[c] = edge, edge + pct[c]
                edge = end[c]
            edge = -neu / 2
            for c in reversed(scale.negative_codes):
                start[c], end[c] = edge - pct[c], edge
                edge = start[c]
            edge = neu / 2
            for c in scale.positive_codes:
                start[c], end[c] = edge, edge + pct[c]
                edge = end[c]
            frames.append(
                pd.DataFrame(
                    {
                        "item": var.id,
                        "label": var.label,
                        "timepoint": table["timepoint"],
                        "code": table["code"],
                        "code_label": table["code_label"],
                        "category": [category[c] for c in table["code"]],
                        "count": table["count"],
                        "n": table["n"],
                        "n_missing": table["n_missing"],
                        "percent": table["percent"],
                        "start": [start[c] for c in table["code"]],
                        "end": [end[c] for c in table["code"]],
                        "negative_pct": neg,
                        "neutral_pct": neu,
                        "positive_pct": pos,
                        "net_positive_pct": pos - neg,
                        "reverse": var.reverse,
                        "desirable_pct": neg if var.reverse else pos,
                    }
                )
            )
    return none_for_single(pd.concat(frames, ignore_index=True))


def needs_summary(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95, on_empty: str = "raise"
) -> pd.DataFrame:
    """Counts per need category for every area of life (Figure 8).

    The need items have nominal categories (no need; need and getting help;
    need, know where to get help, not yet getting it; need and do not know
    where to get help), so they are summarised per category rather than as
    a diverging bar.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float
    on_empty : {"raise", "keep"}
        See :func:`cwp_analysis.describe.frequency_table`.

    Returns
    -------
    pandas.DataFrame
        One row per area and category, with ``area``, ``label``, ``code``,
        ``code_label``, ``count``, ``n``, ``n_missing``, ``percent``,
        ``ci_low`` and ``ci_high``.

    Raises
    ------
    ValueError
        As :func:`cwp_analysis.describe.frequency_table` raises.
    """
    table = frequency_tables(data, "needs", codebook, confidence=confidence, on_empty=on_empty)
    table = table.rename(columns={"variable": "area"})
    return table[["area", "label", "code", "code_label", "count", "n", "n_missing", "percent", "ci_low", "ci_high"]]
