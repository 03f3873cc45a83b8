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

from cwp_analysis.derived_rule import withheld_sentence
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.figures.style import (
    BEFORE_AFTER,
    compose_alt,
    house_style,
    message_figure,
)
from cwp_analysis.instruments import load_workstar_instrument

__all__ = ["workstar_change_figure", "workstar_values"]

_COLUMNS = ("area", "label", "n", "mean_first", "mean_last")


def _check_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 0:
        raise ValueError(f"threshold must be a whole number >= 0, got {threshold!r}")
    return int(threshold)


def workstar_values(disclosed: DisclosedTable) -> tuple[pd.DataFrame, list[str]]:
    """The areas a Work Star figure may draw, read from the disclosed Work Star table.

    Parameters
    ----------
    disclosed : DisclosedTable
        ``tables.workstar_publication_table(summary).disclose(threshold)``.

    Returns
    -------
    values : pandas.DataFrame
        Columns ``area`` (the table's row label), ``label``, ``n``,
        ``mean_first`` and ``mean_last`` (the published two-decimal means)
        for every area whose women and both means are published.
    withheld : list of str
        Labels of the areas left out.
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    needed = ("Outcome area", "Women", "Mean first", "Mean last")
    missing = [c for c in needed if c not in disclosed.table.columns]
    if missing:
        raise ValueError(f"the disclosed table is not a Work Star table: it lacks {', '.join(missing)}")
    rows, withheld = [], []
    for row in disclosed.table.index:
        label = str(disclosed.table.at[row, "Outcome area"])
        if bool(disclosed.suppressed.loc[row, list(needed[1:])].any()):
            withheld.append(label)
            continue
        cells = [disclosed.table.at[row, c] for c in needed[1:]]
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in cells):
            continue
        rows.append({"area": row, "label": label, "n": int(cells[0]), "mean_first": float(cells[1]),
                     "mean_last": float(cells[2])})
    return pd.DataFrame(rows, columns=list(_COLUMNS)), withheld


def workstar_change_figure(
    summary: pd.DataFrame | DisclosedTable,
    *,
    threshold: int = 0,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Dot plot of mean first and last Work Star readings, one row per outcome area.

    Parameters
    ----------
    summary : DisclosedTable or pandas.DataFrame
        Preferably the published table,
        ``tables.workstar_publication_table(summary).disclose(threshold)``:
        the areas whose means it publishes are drawn from the published
        values (:func:`workstar_values`).  The output of
        :func:`cwp_analysis.instruments.workstar_summary` (``area``,
        ``label``, ``n``, ``mean_first``, ``mean_last``) is accepted too.
    threshold : int, default 0
        With a frame only: areas whose ``n`` lies between 1 and
        ``threshold`` are left out (a mean of so few readings is withheld,
        as in the published table).  0 draws every area.
    title : str, optional
    figsize : tuple of float, optional
        Defaults to a height that grows with the number of areas.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Axis 0 holds, per drawn area, a grey line from the first to the
        last mean and two markers (first reading in the "before" colour,
        last in the "after" colour); the x axis spans the Star's scale.
        When every area is withheld the figure is one sentence saying so.
    alt_text : str
        At most 250 characters: how many areas are drawn and in how many
        the mean rose, the withheld areas, and the areas' means while they
        fit.

    Raises
    ------
    ValueError
        For a missing column, a duplicated area, or a non-numeric or
        out-of-scale mean.

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
    instrument = load_workstar_instrument()
    low, high = instrument.scale_min, instrument.scale_max
    if isinstance(summary, DisclosedTable):
        threshold = summary.threshold
        frame, withheld_names = workstar_values(summary)
    else:
        if not isinstance(summary, pd.DataFrame):
            raise ValueError(f"summary must be a DisclosedTable or a DataFrame, got {type(summary).__name__}")
        missing = [c for c in _COLUMNS if c not in summary.columns]
        if missing:
            raise ValueError(f"Work Star summary lacks column(s) {', '.join(missing)}")
        threshold = _check_threshold(threshold)
        frame = summary.reset_index(drop=True)
        counts = pd.to_numeric(frame["n"], errors="coerce")
        if counts.isna().any() or (counts < 0).any() or (counts != np.floor(counts)).any():
            raise ValueError("Work Star summary: n must hold whole numbers of women")
        small = ((counts >= 1) & (counts <= threshold)) | (counts == 0)
        withheld_names = frame.loc[small & (counts > 0), "label"].astype(str).tolist()
        frame = frame[~small.to_numpy()]
    if frame["area"].duplicated().any():
        raise ValueError("Work Star summary lists an area twice")
    if frame.empty:
        message = (withheld_sentence(max(threshold, 1)) if withheld_names
                   else "No woman has a first and a last Work Star reading.")
        return message_figure(message), compose_alt(message, "The Work Star dot plot is not drawn.")
    means = {}
    for column in ("mean_first", "mean_last"):
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            raise ValueError(f"Work Star summary: {column} has missing or non-numeric values")
        if ((values < low) | (values > high)).any():
            raise ValueError(f"Work Star summary: {column} must lie on the Star's scale {low}..{high}")
        means[column] = values.to_numpy(dtype=float)
    labels = frame["label"].astype(str).to_numpy()
    first, last = means["mean_first"], means["mean_last"]
    n = pd.to_numeric(frame["n"]).to_numpy().astype(int)
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
    rose = int((last > first).sum())
    hidden = ""
    if withheld_names:
        hidden = f"Not shown, {threshold} or fewer women with both readings: {', '.join(withheld_names)}."
        if len(hidden) > 120:
            hidden = f"{len(withheld_names)} area(s) not shown: {threshold} or fewer women with both readings."
    alt_text = compose_alt(
        f"Dot plot of the mean first and last Work Star readings ({low} to {high}) for {len(labels)} outcome "
        f"area(s), joined by a line; the mean rose in {rose} of {len(labels)}.",
        hidden,
        "Values are in the table.",
        *(f"{label}: {a:.1f} to {b:.1f} (n={k})." for label, a, b, k in zip(labels, first, last, n)),
    )
    return fig, alt_text
