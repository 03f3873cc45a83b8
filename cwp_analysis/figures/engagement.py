"""Figures for Table 1: new engagements by partner and period, and against the target.

Each function returns ``(figure, alt_text)``: a matplotlib figure drawn in
the house style (Okabe-Ito colours, labelled axes) and a plain-language
description of what it shows, for the book's ``alt`` attributes.  Save with
:func:`cwp_analysis.figures.style.save_figure` for byte-identical files.

The figures draw the printed period cells of Table 1.  They do not use the
printed Total 1 column, one cell of which disagrees with its own row (see
:func:`cwp_analysis.engagement.reconcile`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cwp_analysis import engagement
from cwp_analysis.figures.style import OKABE_ITO, compose_alt, house_style

__all__ = ["engagements_by_partner_figure", "cumulative_engagements_figure"]


def _partner_colours(partners: list[str]) -> dict[str, str]:
    if len(partners) > len(OKABE_ITO):
        raise ValueError(f"{len(partners)} partners but only {len(OKABE_ITO)} Okabe-Ito colours")
    return dict(zip(partners, OKABE_ITO))


def engagements_by_partner_figure(
    printed: pd.DataFrame | None = None, *, figsize: tuple[float, float] = (7.0, 4.2)
):
    """Stacked bars of new engagements per reporting period, one segment per partner.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (default: the published table).
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One bar per period, stacked by partner (``partners x periods`` bar
        patches), with the period total above each bar.
    alt_text : str
    """
    table = engagement.engagement_table(printed)
    periods = list(dict.fromkeys(table["period"]))
    partners = list(dict.fromkeys(table["partner"]))
    colours = _partner_colours(partners)
    wide = table.pivot(index="period", columns="partner", values="new_engagements").loc[periods, partners]
    totals = wide.sum(axis=1)
    x = np.arange(len(periods))
    with house_style():
        fig, ax = plt.subplots(figsize=figsize)
        bottom = np.zeros(len(periods))
        for partner in partners:
            values = wide[partner].to_numpy(dtype=float)
            ax.bar(x, values, bottom=bottom, width=0.65, color=colours[partner], label=partner,
                   edgecolor="white", linewidth=0.6)
            bottom += values
        for xi, total in zip(x, totals):
            ax.annotate(f"{int(total)}", (xi, total), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom")
        ax.set_xticks(x, periods)
        ax.set_xlabel("Reporting period (ending)")
        ax.set_ylabel("New engagements")
        ax.set_ylim(0, float(totals.max()) * 1.12)
        ax.set_title("New engagements per reporting period, by partner (Table 1)")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], title="Partner", frameon=False,
                  loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()

    by_partner = engagement.totals_by_partner(printed)
    largest = by_partner.loc[by_partner["new_engagements"].idxmax()]
    period_text = "; ".join(f"{p}: {int(t)}" for p, t in zip(periods, totals))
    alt_text = compose_alt(
        f"Stacked bar chart of new engagements in {len(periods)} six-monthly periods, one segment per "
        f"partner ({len(partners)}); {int(totals.sum())} in all.",
        f"{largest['partner']} contributes the most ({int(largest['new_engagements'])}).",
        f"Period totals: {period_text}.",
    )
    return fig, alt_text


def cumulative_engagements_figure(
    target: int | None = None,
    printed: pd.DataFrame | None = None,
    *,
    show_printed_total: bool = True,
    figsize: tuple[float, float] = (7.0, 4.2),
):
    """Cumulative new engagements at the end of each period, against the target.

    Parameters
    ----------
    target : int, optional
        Number of women the Partnership aimed to engage; defaults to the
        published target (:func:`cwp_analysis.engagement.engagement_target`).
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout.
    show_printed_total : bool
        Also mark the printed headline total (655 in the report), which
        differs from the sum of the period cells.
    figsize : tuple of float

    Returns
    -------
    figure : matplotlib.figure.Figure
    alt_text : str
    """
    comparison = engagement.against_target(target, printed)
    cumulative = engagement.cumulative_engagements(printed)
    periods = cumulative["period"].tolist()
    values = cumulative["cumulative"].to_numpy()
    x = np.arange(len(periods))
    with house_style():
        fig, ax = plt.subplots(figsize=figsize)
        ax.plot(x, values, marker="o", color=OKABE_ITO[0], linewidth=2,
                label="Cumulative new engagements (sum of period cells)")
        for xi, value in zip(x, values):
            ax.annotate(f"{int(value)}", (xi, value), xytext=(0, 6), textcoords="offset points",
                        ha="center", va="bottom")
        ax.axhline(comparison.target, color=OKABE_ITO[5], linestyle="--", linewidth=1.5,
                   label=f"Target ({comparison.target} women)")
        top = max(values.max(), comparison.target)
        if show_printed_total:
            ax.plot([x[-1]], [comparison.printed_total], marker="D", linestyle="none", color=OKABE_ITO[1],
                    markersize=7, label=f"Printed headline total ({comparison.printed_total})")
            top = max(top, comparison.printed_total)
        ax.set_xticks(x, periods)
        ax.set_xlim(-0.4, len(periods) - 0.6)
        ax.set_ylim(0, top * 1.15)
        ax.set_xlabel("End of reporting period")
        ax.set_ylabel("New engagements (cumulative)")
        ax.set_title("Cumulative new engagements against the target (Table 1)")
        ax.legend(frameon=False, loc="upper left")
        fig.tight_layout()

    reached = cumulative.loc[cumulative["cumulative"] >= comparison.target, "period"]
    reached_text = f"passed by {reached.iloc[0]}" if len(reached) else "not reached"
    headline = ""
    if show_printed_total:
        gap = comparison.recomputed_total - comparison.printed_total
        relation = ("equal to" if gap == 0 else
                    f"{abs(gap)} {'below' if gap > 0 else 'above'}")
        headline = (f"A diamond marks the printed total of {comparison.printed_total}, "
                    f"{relation} the sum of the period cells.")
    alt_text = compose_alt(
        f"Line chart of cumulative new engagements against a dashed target of {comparison.target} women "
        f"(target {reached_text}).",
        f"The final total, {comparison.recomputed_total}, is {comparison.recomputed_ratio:.1f} times the target.",
        headline,
    )
    return fig, alt_text
