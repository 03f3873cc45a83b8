"""Engagement with the Partnership: Table 1 of the report, tidied, totalled and checked.

Table 1 of the report (Section 4.1) gives, for each of the five partners,
the number of new engagements in each six-monthly reporting period
(Sep-18, Mar-19, Sep-19, Mar-20) and two totals:

* **Total 1** -- the number of engagements, i.e. women newly engaged over
  the four periods (this column carries the headline figure of 655);
* **Total 2** -- the number of beneficiaries supported, counted per
  reporting period, so that a woman who engaged in an earlier period and is
  still being supported is counted again (grand total 1184).

The table is used exactly as printed (``data/published/engagements.csv``).
This module never corrects it: :func:`reconcile` recomputes every row sum,
column sum and grand total and returns each disagreement as a
:class:`TableFault`; the tidy tables and totals below are computed from the
printed period cells, and say so.

Conventions
-----------
* A reporting period is named by the month in which it ends (``sep_18`` is
  the period ending in September 2018); ``period_end`` is the last day of
  that month.
* "Recomputed Total 1" is the sum of a partner's period cells.
* Differences are always *recomputed minus printed*.

Examples
--------
>>> totals_by_period()["new_engagements"].tolist()
[205, 228, 177, 247]
>>> [(f.kind, f.cell, f.printed, f.recomputed) for f in reconcile()][:2]
[('row_sum', 'Kairos / Total 1', 149, 351), ('grand_total', 'Total / Total 1', 655, 857)]

References
----------
.. [1] Just Economics (2020). Coventry Women's Project Partnership -- A social
   impact study. Section 4.1 and Table 1 (with its footnote 2).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import pandas as pd

from cwp_analysis import published
from cwp_analysis.engagement_checks import (
    TableFault,
    TotalsExplanation,
    explain_totals,
    reconcile,
    reconciliation_checks,
)
from cwp_analysis.errors import DataFileError
from cwp_analysis.printed_table1 import (
    TOTAL_ROW,
    PrintedTable,
    integer_cell,
    printed_table,
)

__all__ = [
    "TOTAL_ROW",
    "PrintedTable",
    "TableFault",
    "TargetComparison",
    "TotalsExplanation",
    "against_target",
    "cumulative_engagements",
    "engagement_table",
    "engagement_target",
    "explain_totals",
    "printed_table",
    "reconcile",
    "reconciliation_checks",
    "share_by_partner",
    "totals_by_partner",
    "totals_by_period",
]


# --------------------------------------------------------------------------- tidy tables


def engagement_table(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """New engagements per partner and reporting period, in long (tidy) form.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``partner``, ``period`` (printed heading, e.g. ``"Sep-18"``),
        ``period_end`` (datetime) and ``new_engagements`` (int); partners in
        printed order, periods in time order within partner.  The printed
        totals are not part of this table.

    Examples
    --------
    >>> engagement_table().head(2)
      partner  period period_end  new_engagements
    0     FWT  Sep-18 2018-09-30               66
    1     FWT  Mar-19 2019-03-31               66
    """
    table = printed_table(printed)
    rows = [
        (partner, table.period_label(p), table.period_end(p), int(table.body.at[partner, p]))
        for partner in table.partners
        for p in table.periods
    ]
    out = pd.DataFrame(rows, columns=["partner", "period", "period_end", "new_engagements"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


def totals_by_partner(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each partner's recomputed Total 1 beside the printed totals.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner``, ``new_engagements`` (sum of the period cells,
        the recomputed Total 1), ``printed_total_1``, ``printed_total_2`` and
        ``difference`` (recomputed minus printed Total 1).

    Examples
    --------
    >>> totals_by_partner().set_index("partner").loc["Kairos"].tolist()
    [351, 149, 351, 202]
    """
    table = printed_table(printed)
    recomputed = table.body[list(table.periods)].sum(axis=1)
    return pd.DataFrame(
        {
            "partner": list(table.partners),
            "new_engagements": recomputed.to_numpy(),
            "printed_total_1": table.body["total_1"].to_numpy(),
            "printed_total_2": table.body["total_2"].to_numpy(),
            "difference": (recomputed - table.body["total_1"]).to_numpy(),
        }
    )


def totals_by_period(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """New engagements across all partners in each reporting period.

    The report prints no period totals; these are the recomputed column sums.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    pandas.DataFrame
        Columns ``period``, ``period_end`` and ``new_engagements``.
    """
    table = printed_table(printed)
    return pd.DataFrame(
        {
            "period": [table.period_label(p) for p in table.periods],
            "period_end": pd.to_datetime([table.period_end(p) for p in table.periods]),
            "new_engagements": [int(table.body[p].sum()) for p in table.periods],
        }
    )


def share_by_partner(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each partner's share of all new engagements (recomputed Total 1).

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    pandas.DataFrame
        Columns ``partner``, ``new_engagements`` and ``share`` (a fraction;
        the shares sum to 1).

    Notes
    -----
    The denominator is the sum of all period cells (857 for the published
    table), not the printed headline of 655, because the latter rests on a
    Total 1 cell that disagrees with its own row (see :func:`reconcile`).
    """
    totals = totals_by_partner(printed)
    grand = int(totals["new_engagements"].sum())
    if grand == 0:
        raise ValueError("Table 1 has no engagements at all; shares are undefined")
    return pd.DataFrame(
        {
            "partner": totals["partner"],
            "new_engagements": totals["new_engagements"],
            "share": totals["new_engagements"] / grand,
        }
    )


def cumulative_engagements(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Running total of new engagements at the end of each reporting period.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    pandas.DataFrame
        Columns ``period``, ``period_end``, ``new_engagements`` and
        ``cumulative``.

    Examples
    --------
    >>> cumulative_engagements()["cumulative"].tolist()
    [205, 433, 610, 857]
    """
    out = totals_by_period(printed).sort_values("period_end", kind="stable").reset_index(drop=True)
    out["cumulative"] = out["new_engagements"].cumsum()
    return out


# --------------------------------------------------------------------------- target


def engagement_target() -> int:
    """The Partnership's target number of women to engage, from the published facts.

    Returns
    -------
    int
        The value of claim ``engagement_target`` in
        ``data/published/claims.csv`` (Sections 3.3, 4.1 and 5 of the report).

    Raises
    ------
    DataFileError
        When the claim is missing or not a whole number.

    Examples
    --------
    >>> engagement_target()
    300
    """
    try:
        target = published.claim(TARGET_CLAIM_ID)
    except KeyError:
        raise DataFileError(
            f"the published claims have no {TARGET_CLAIM_ID!r} row; pass target= explicitly"
        ) from None
    return integer_cell(target.value, f"claim {TARGET_CLAIM_ID!r} value")


#: Id of the published claim holding the engagement target.
TARGET_CLAIM_ID = "engagement_target"


@dataclass(frozen=True)
class TargetComparison:
    """Engagements set against the Partnership's target.

    Attributes
    ----------
    target : int
    printed_total : int
        The printed headline (grand total of Total 1).
    recomputed_total : int
        Sum of all printed period cells.
    printed_ratio, recomputed_ratio : float
        Each total divided by the target.
    """

    target: int
    printed_total: int
    recomputed_total: int
    printed_ratio: float
    recomputed_ratio: float

    @property
    def target_met(self) -> bool:
        """True when both readings of the total reach the target."""
        return min(self.printed_total, self.recomputed_total) >= self.target


def against_target(target: int | None = None, printed: pd.DataFrame | None = None) -> TargetComparison:
    """Compare total engagements with the target.

    Parameters
    ----------
    target : int, optional
        Number of women the Partnership aimed to engage.  Defaults to the
        published target (:func:`engagement_target`; Section 4.1).
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout.

    Returns
    -------
    TargetComparison
        Both the printed headline and the recomputed total, since they
        differ (see :func:`reconcile`).

    Notes
    -----
    Section 4.1 sets the printed 655 against the target of 300 (a ratio of
    about 2.2); the conclusion (Section 5) speaks of the target being
    exceeded "nearly three-fold", which fits the sum of the period cells
    (857, about 2.9) rather than the printed headline.

    Examples
    --------
    >>> result = against_target(300)
    >>> round(result.printed_ratio, 3), round(result.recomputed_ratio, 3)
    (2.183, 2.857)
    """
    if target is None:
        target = engagement_target()
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or not float(target).is_integer():
        raise ValueError(f"target must be a whole number of women, got {target!r}")
    target = int(target)
    if target <= 0:
        raise ValueError(f"target must be positive, got {target}")
    table = printed_table(printed)
    recomputed = int(table.body[list(table.periods)].to_numpy().sum())
    return TargetComparison(
        target=target,
        printed_total=table.grand_total_1,
        recomputed_total=recomputed,
        printed_ratio=table.grand_total_1 / target,
        recomputed_ratio=recomputed / target,
    )
