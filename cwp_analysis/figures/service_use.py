"""Service-use figure: the share of survey respondents using each partner (report Figure 6).

Figure 6 of the report (Section 4.2.2) counts the women using each partner's
services.  :func:`partner_use_figure` draws the same comparison from the
``partners`` frame of :func:`cwp_analysis.describe.service_use_table` as
horizontal bars of the share using each partner, with Wilson score interval
whiskers.  A woman could use several partners, so the shares add up to more
than 100%.

Only partners whose figures may be published are drawn: the notebook passes
the rows its disclosure-controlled table shows
(:func:`cwp_analysis.tables.shown_rows`), so the figure never reveals a share
the table withholds.

References
----------
.. [1] Just Economics (2020). Coventry Women's Project Partnership -- A
   social impact study.  Section 4.2.2, Figure 6.
.. [2] Wilson EB (1927). Probable inference, the law of succession, and
   statistical inference.  Journal of the American Statistical Association
   22(158), 209-212.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cwp_analysis.figures.style import OKABE_ITO, house_style

__all__ = ["partner_use_figure"]

_COLUMNS = ("label", "n", "percent", "ci_low", "ci_high")


def partner_use_figure(
    partners: pd.DataFrame,
    *,
    shown: Sequence[bool] | pd.Series | None = None,
    confidence: float = 0.95,
):
    """Horizontal bars of the share of respondents using each partner, with interval whiskers.

    Parameters
    ----------
    partners : pandas.DataFrame
        The ``partners`` frame of
        :func:`cwp_analysis.describe.service_use_table`: one row per partner
        with ``label``, ``n`` (women answering), ``percent`` and the
        interval ``ci_low``, ``ci_high`` (percent).
    shown : sequence of bool, optional
        Which rows may be drawn (same length and order as ``partners``),
        typically ``tables.shown_rows(published_table, ["%"])``.  All rows
        by default.
    confidence : float, default 0.95
        Level of the intervals, for the axis label.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One axis with one bar per drawn partner, in table order from the
        top, bar length the percentage, whiskers to the interval bounds;
        the x axis spans 0 to 100%.
    alt_text : str
        Names every drawn partner with its share (whole percent) and the
        number answering.

    Raises
    ------
    ValueError
        For a missing column, a ``shown`` of the wrong length, non-numeric
        or out-of-range percentages, an interval that does not contain its
        share, a confidence outside (0, 1), or when no row may be drawn.

    Examples
    --------
    >>> partners = pd.DataFrame({"label": ["Uses A", "Uses B"], "n": [68, 68], "percent": [44.1, 5.9],
    ...                          "ci_low": [33.0, 2.3], "ci_high": [55.9, 14.2]})
    >>> fig, alt = partner_use_figure(partners, shown=[True, False])
    >>> len(fig.axes[0].patches), alt
    (1, "Horizontal bar chart of the share of survey respondents using each partner's services, with interval whiskers: Uses A 44% (n=68).")
    """
    if not isinstance(partners, pd.DataFrame):
        raise ValueError(f"partners must be a pandas DataFrame, got {type(partners).__name__}")
    missing = [c for c in _COLUMNS if c not in partners.columns]
    if missing:
        raise ValueError(f"partner-use table lacks column(s) {', '.join(missing)}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    keep = np.ones(len(partners), dtype=bool) if shown is None else np.asarray(shown, dtype=bool)
    if keep.shape != (len(partners),):
        raise ValueError(f"shown must flag each of the {len(partners)} partner rows, got {keep.shape[0]} flags")
    drawn = partners[keep]
    if drawn.empty:
        raise ValueError("no partner may be drawn: every row is withheld or the table is empty")
    values = {}
    for column in ("percent", "ci_low", "ci_high"):
        numbers = pd.to_numeric(drawn[column], errors="coerce")
        if numbers.isna().any() or ((numbers < 0) | (numbers > 100)).any():
            raise ValueError(f"partner-use table: {column} must hold percentages from 0 to 100")
        values[column] = numbers.to_numpy(dtype=float)
    if ((values["ci_low"] > values["percent"]) | (values["ci_high"] < values["percent"])).any():
        raise ValueError("partner-use table: every interval must contain its share")
    percent = values["percent"]
    with house_style():
        fig, ax = plt.subplots(figsize=(8, 1.2 + 0.5 * len(drawn)))
        ax.barh(drawn["label"].astype(str).to_numpy(), percent, color=OKABE_ITO[0], capsize=3,
                xerr=[percent - values["ci_low"], values["ci_high"] - percent])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Women using the partner (% of those answering, {float(confidence):.0%} interval)")
        fig.tight_layout()
    alt_text = ("Horizontal bar chart of the share of survey respondents using each partner's services, with "
                "interval whiskers: "
                + "; ".join(f"{label} {p:.0f}% (n={n})" for label, p, n in zip(drawn["label"], percent, drawn["n"]))
                + ".")
    return fig, alt_text
