"""Work Star figure: mean first and last readings per outcome area (report Figure 14).

The report's Figure 14 (Section 4.2.9) shows the mean first and last Work
Star readings of the women FWT supported, without printing the values.
:func:`workstar_change_figure` draws the same comparison from
:func:`cwp_analysis.instruments.workstar_summary` as a dot plot: one row per
outcome area, the first reading and the last reading joined by a line whose
length is the distance travelled.  Only distance travelled is shown; the
share of women moving up a Journey of Change stage needs the stage bands,
which are not public (see ``data/instruments/workstar.yaml``).

References
----------
.. [1] Just Economics (2020). Coventry Women's Project Partnership -- A
   social impact study.  Section 4.2.9, Figure 14.
.. [2] Triangle Consulting Social Enterprise. Work Star -- the Outcomes Star
   for work and learning, 3rd edition.
"""

from __future__ import annotations

import numbers

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cwp_analysis.figures.style import BEFORE_AFTER, house_style
from cwp_analysis.instruments import load_workstar_instrument

__all__ = ["workstar_change_figure"]

_COLUMNS = ("area", "label", "n", "mean_first", "mean_last")


def _check_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 0:
        raise ValueError(f"threshold must be a whole number >= 0, got {threshold!r}")
    return int(threshold)


def workstar_change_figure(
    summary: pd.DataFrame,
    *,
    threshold: int = 0,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Dot plot of mean first and last Work Star readings, one row per outcome area.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`cwp_analysis.instruments.workstar_summary`:
        columns ``area``, ``label``, ``n`` (women with both readings),
        ``mean_first`` and ``mean_last``, one row per area.
    threshold : int, default 0
        Disclosure threshold: areas whose ``n`` lies between 1 and
        ``threshold`` are left out (a mean of so few readings is withheld,
        as in the published table) and named in the alt text.  0 draws
        every area.
    title : str, optional
    figsize : tuple of float, optional
        Defaults to a height that grows with the number of areas.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Axis 0 holds, per drawn area, a grey line from the first to the
        last mean and two markers (first reading in the "before" colour,
        last in the "after" colour); the x axis spans the Star's scale.
    alt_text : str
        Names every drawn area with its two means, the change and ``n``,
        says in how many areas the mean rose, and lists withheld areas.

    Raises
    ------
    ValueError
        For a missing column, a duplicated area, a non-numeric or
        out-of-scale mean, or when every area is withheld.

    Notes
    -----
    The scale limits come from ``data/instruments/workstar.yaml``.  The
    plot shows group means only; it says nothing about how many women moved
    up a Journey of Change stage.

    Examples
    --------
    >>> summary = pd.DataFrame({"area": ["stability", "basic_skills"],
    ...                         "label": ["Stability", "Basic skills"], "n": [41, 5],
    ...                         "mean_first": [4.4, 5.0], "mean_last": [6.0, 6.4]})
    >>> fig, alt = workstar_change_figure(summary, threshold=7)
    >>> len(fig.axes[0].lines), "Basic skills" in alt
    (1, True)
    """
    if not isinstance(summary, pd.DataFrame):
        raise ValueError(f"summary must be a pandas DataFrame, got {type(summary).__name__}")
    missing = [c for c in _COLUMNS if c not in summary.columns]
    if missing:
        raise ValueError(f"Work Star summary lacks column(s) {', '.join(missing)}")
    if summary.empty:
        raise ValueError("Work Star summary is empty")
    if summary["area"].duplicated().any():
        raise ValueError("Work Star summary lists an area twice")
    threshold = _check_threshold(threshold)
    instrument = load_workstar_instrument()
    low, high = instrument.scale_min, instrument.scale_max
    frame = summary.reset_index(drop=True)
    counts = pd.to_numeric(frame["n"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts != np.floor(counts)).any():
        raise ValueError("Work Star summary: n must hold whole numbers of women")
    means = {}
    for column in ("mean_first", "mean_last"):
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            raise ValueError(f"Work Star summary: {column} has missing or non-numeric values")
        if ((values < low) | (values > high)).any():
            raise ValueError(f"Work Star summary: {column} must lie on the Star's scale {low}..{high}")
        means[column] = values.to_numpy(dtype=float)
    withheld = ((counts >= 1) & (counts <= threshold)).to_numpy()
    if withheld.all():
        raise ValueError(f"every area rests on {threshold} or fewer women: nothing can be drawn")
    keep = ~withheld
    labels = frame["label"].astype(str).to_numpy()[keep]
    first = means["mean_first"][keep]
    last = means["mean_last"][keep]
    n = counts.to_numpy()[keep].astype(int)
    y = np.arange(len(labels))
    size = figsize or (7.5, 1.2 + 0.5 * len(labels))
    with house_style():
        fig, ax = plt.subplots(figsize=size)
        for yi, a, b in zip(y, first, last):
            ax.plot([a, b], [yi, yi], color="#999999", linewidth=2, zorder=1)
        ax.scatter(first, y, s=60, color=BEFORE_AFTER["before"], label="First reading", zorder=2)
        ax.scatter(last, y, s=60, color=BEFORE_AFTER["after"], label="Last reading", zorder=3)
        for yi, a, b in zip(y, first, last):
            ax.annotate(f"{b - a:+.1f}", (max(a, b), yi), xytext=(8, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=8)
        ax.set_yticks(y, list(labels))
        ax.invert_yaxis()
        ax.set_xlim(low - 0.5, high + 0.5)
        ax.set_xticks(range(low, high + 1))
        ax.set_xlabel(f"Mean Work Star reading ({low} to {high})")
        if title:
            ax.set_title(title)
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()

    parts = [
        f"{label}: {a:.1f} first, {b:.1f} last ({b - a:+.1f}, n={k})"
        for label, a, b, k in zip(labels, first, last, n)
    ]
    rose = int((last > first).sum())
    alt_text = (
        f"Dot plot of the mean first and last Work Star readings on the {low} to {high} scale for "
        f"{len(labels)} outcome area(s), each pair joined by a line showing the distance travelled. "
        f"{'; '.join(parts)}. The mean rose in {rose} of {len(labels)} area(s)."
    )
    if withheld.any():
        names = ", ".join(frame["label"].astype(str).to_numpy()[withheld])
        alt_text += f" Not shown because {threshold} or fewer women had both readings: {names}."
    return fig, alt_text
