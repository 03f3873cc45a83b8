"""Service-use figure: the share of survey respondents using each partner (report Figure 6).

Figure 6 of the report (Section 4.2.2) counts the women using each partner's
services.  :func:`partner_use_figure` draws the same comparison from the
``partners`` frame of :func:`cwp_analysis.describe.service_use_table` as
horizontal bars of the share using each partner, with Wilson score interval
whiskers.  A woman could use several partners, so the shares add up to more
than 100%.

Only partners whose figures may be published are drawn, from the published
numbers: the notebook passes the disclosure-controlled table of
:func:`cwp_analysis.tables.partner_use_publication_table`, so the figure
never shows a share the table withholds.  When the table withholds every
partner, the figure is one sentence saying so.

References
----------
.. [1] Just Economics (2020). Coventry Women's Project Partnership -- A
   social impact study.  Section 4.2.2, Figure 6.
.. [2] Wilson EB (1927). Probable inference, the law of succession, and
   statistical inference.  Journal of the American Statistical Association
   22(158), 209-212.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cwp_analysis.derived_rule import withheld_sentence
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.figures.style import (
    OKABE_ITO,
    compose_alt,
    house_style,
    message_figure,
)

__all__ = ["partner_use_figure", "partner_use_values"]

_COLUMNS = ("label", "n", "percent", "ci_low", "ci_high")
_INTERVAL = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+to\s+(-?\d+(?:\.\d+)?)\s*$")


def partner_use_values(disclosed: DisclosedTable) -> tuple[pd.DataFrame, int]:
    """The partners a figure may draw, read from the disclosed partner-use table.

    Parameters
    ----------
    disclosed : DisclosedTable
        ``tables.partner_use_publication_table(partners).disclose(threshold)``:
        columns ``Service``, ``Base``, ``%`` and ``CI`` (``"a to b"``).

    Returns
    -------
    values : pandas.DataFrame
        Columns ``label``, ``n``, ``percent``, ``ci_low``, ``ci_high`` for
        every partner whose share, interval and base are published.
    withheld : int
        Partners left out because a value is withheld.

    Examples
    --------
    >>> from cwp_analysis.tables import partner_use_publication_table
    >>> partners = pd.DataFrame({"label": ["Uses A", "Uses B"], "count": [30, 4], "n": [68, 68],
    ...                          "percent": [44.1, 5.9], "ci_low": [33.0, 2.3], "ci_high": [55.9, 14.2]})
    >>> values, withheld = partner_use_values(partner_use_publication_table(partners).disclose(7))
    >>> values["label"].tolist(), values["percent"].tolist(), withheld
    (['Uses A'], [44.1], 1)
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    needed = ("Service", "Base", "%", "CI")
    missing = [c for c in needed if c not in disclosed.table.columns]
    if missing:
        raise ValueError(f"the disclosed table is not a partner-use table: it lacks {', '.join(missing)}")
    rows, withheld = [], 0
    for row in disclosed.table.index:
        if bool(disclosed.suppressed.loc[row, ["Base", "%", "CI"]].any()):
            withheld += 1
            continue
        share, interval = disclosed.table.at[row, "%"], disclosed.table.at[row, "CI"]
        match = _INTERVAL.match(str(interval)) if interval is not None else None
        if share is None or match is None:
            continue
        rows.append({"label": str(disclosed.table.at[row, "Service"]), "n": int(disclosed.table.at[row, "Base"]),
                     "percent": float(share), "ci_low": float(match.group(1)), "ci_high": float(match.group(2))})
    return pd.DataFrame(rows, columns=list(_COLUMNS)), withheld


def partner_use_figure(
    partners: pd.DataFrame | DisclosedTable,
    *,
    shown: Sequence[bool] | pd.Series | None = None,
    confidence: float = 0.95,
):
    """Horizontal bars of the share of respondents using each partner, with interval whiskers.

    Parameters
    ----------
    partners : DisclosedTable or pandas.DataFrame
        Preferably the published table,
        ``tables.partner_use_publication_table(service_use.partners)
        .disclose(threshold)``: the partners whose share it publishes are
        drawn from the published values (:func:`partner_use_values`).  The
        ``partners`` frame of :func:`cwp_analysis.describe.service_use_table`
        (``label``, ``n``, ``percent``, ``ci_low``, ``ci_high``) is
        accepted too, with ``shown``.
    shown : sequence of bool, optional
        With a frame only: which rows may be drawn (same length and order),
        typically ``tables.shown_rows(published_table, ["%"])``.  All rows
        by default.
    confidence : float, default 0.95
        Level of the intervals, for the axis label.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axis with one bar per drawn partner, in table order from the
        top, bar length the percentage, whiskers to the interval bounds;
        the x axis spans 0 to 100%.  When no partner may be drawn the
        figure is one sentence saying why.
    alt_text : str
        At most 250 characters; names the drawn partners with their shares
        while they fit.

    Raises
    ------
    ValueError
        For a missing column, a ``shown`` of the wrong length, non-numeric
        or out-of-range percentages, an interval that does not contain its
        share, or a confidence outside (0, 1).

    Examples
    --------
    >>> partners = pd.DataFrame({"label": ["Uses A", "Uses B"], "n": [68, 68], "percent": [44.1, 5.9],
    ...                          "ci_low": [33.0, 2.3], "ci_high": [55.9, 14.2]})
    >>> fig, alt = partner_use_figure(partners, shown=[True, False])
    >>> len(fig.axes[0].patches), alt
    (1, 'Horizontal bar chart of the share of survey respondents using each of 1 partner(s), with 95% interval whiskers. 1 partner(s) not shown (withheld). Values are in the table. Uses A: 44% (n=68).')
    """
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    threshold = None
    if isinstance(partners, DisclosedTable):
        if shown is not None:
            raise ValueError("shown applies to a plain frame; a disclosed table says itself what is shown")
        threshold = partners.threshold
        drawn, withheld = partner_use_values(partners)
    else:
        if not isinstance(partners, pd.DataFrame):
            raise ValueError(f"partners must be a DisclosedTable or a pandas DataFrame, got {type(partners).__name__}")
        missing = [c for c in _COLUMNS if c not in partners.columns]
        if missing:
            raise ValueError(f"partner-use table lacks column(s) {', '.join(missing)}")
        keep = np.ones(len(partners), dtype=bool) if shown is None else np.asarray(shown, dtype=bool)
        if keep.shape != (len(partners),):
            raise ValueError(f"shown must flag each of the {len(partners)} partner rows, got {keep.shape[0]} flags")
        drawn, withheld = partners[keep], int((~keep).sum())
    if drawn.empty:
        message = (withheld_sentence(threshold) if threshold is not None and withheld
                   else "No partner's share may be shown." if withheld else "No woman answered the questions about partners.")
        return message_figure(message), compose_alt(message, "The bar chart of partner use is not drawn.")
    values = {}
    for column in ("percent", "ci_low", "ci_high"):
        numbers = pd.to_numeric(drawn[column], errors="coerce")
        if numbers.isna().any() or ((numbers < 0) | (numbers > 100)).any():
            raise ValueError(f"partner-use table: {column} must hold percentages from 0 to 100")
        values[column] = numbers.to_numpy(dtype=float)
    tolerance = 0.051 if threshold is not None else 0.0
    if ((values["ci_low"] > values["percent"] + tolerance) | (values["ci_high"] < values["percent"] - tolerance)).any():
        raise ValueError("partner-use table: every interval must contain its share")
    percent = values["percent"]
    with house_style():
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.5 * len(drawn)))
        ax.barh(drawn["label"].astype(str).to_numpy(), percent, color=OKABE_ITO[0], capsize=3,
                xerr=[np.maximum(percent - values["ci_low"], 0), np.maximum(values["ci_high"] - percent, 0)])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Women using the partner (% of those answering, {float(confidence):.0%} interval)")
        fig.tight_layout()
    hidden = ""
    if withheld:
        hidden = (f"{withheld} partner(s) withheld by disclosure control (counts of {threshold} or fewer)."
                  if threshold is not None else f"{withheld} partner(s) not shown (withheld).")
    alt_text = compose_alt(
        f"Horizontal bar chart of the share of survey respondents using each of {len(drawn)} partner(s), "
        f"with {float(confidence):.0%} interval whiskers.",
        hidden,
        "Values are in the table.",
        *(f"{label}: {p:.0f}% (n={int(n)})." for label, p, n in zip(drawn["label"], percent, drawn["n"])),
    )
    return fig, alt_text
