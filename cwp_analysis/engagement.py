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
import re
from dataclasses import dataclass

import pandas as pd

from cwp_analysis import published
from cwp_analysis.errors import DataFileError

__all__ = [
    "PrintedTable",
    "TableFault",
    "TargetComparison",
    "TotalsExplanation",
    "printed_table",
    "engagement_table",
    "totals_by_partner",
    "totals_by_period",
    "share_by_partner",
    "cumulative_engagements",
    "engagement_target",
    "against_target",
    "reconcile",
    "reconciliation_checks",
    "explain_totals",
]

#: Label of the row that holds the printed grand totals.
TOTAL_ROW = "Total"
_PERIOD_COLUMN = re.compile(r"^(?P<month>[a-z]{3})_(?P<year>\d{2})$")
_TOTAL_COLUMNS = ("total_1", "total_2")
_COLUMN_NAMES = {"total_1": "Total 1", "total_2": "Total 2"}
_FAULT_KINDS = ("row_sum", "column_sum", "grand_total", "definition")
_SOURCE = "Table 1, footnote 2"


# --------------------------------------------------------------------------- data


def _read_printed_engagements() -> pd.DataFrame:
    """Table 1 as printed, validated by the published-facts data package."""
    return published.load_engagements()


@dataclass(frozen=True)
class PrintedTable:
    """Table 1 as printed, split into its body and its grand-total row.

    Attributes
    ----------
    body : pandas.DataFrame
        One row per partner (index ``partner``); one integer column per
        reporting period, then ``total_1`` and ``total_2``.
    periods : tuple of str
        Period column names in printed order (e.g. ``"sep_18"``).
    grand_total_1, grand_total_2 : int
        The printed grand totals of the Total 1 and Total 2 columns.
    """

    body: pd.DataFrame
    periods: tuple[str, ...]
    grand_total_1: int
    grand_total_2: int

    @property
    def partners(self) -> tuple[str, ...]:
        """Partner names in printed order."""
        return tuple(self.body.index)

    def period_label(self, period: str) -> str:
        """Printed heading of a period column (``"sep_18"`` -> ``"Sep-18"``)."""
        m = _PERIOD_COLUMN.match(period)
        return f"{m['month'].title()}-{m['year']}"

    def period_end(self, period: str) -> pd.Timestamp:
        """Last day of the month in which a reporting period ends."""
        m = _PERIOD_COLUMN.match(period)
        month = pd.Period(f"{m['month'].title()} 20{m['year']}", freq="M")
        return month.end_time.normalize()


def _integer_cell(value, where: str) -> int:
    if pd.isna(value):
        raise DataFileError(f"Table 1: {where} is empty")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataFileError(f"Table 1: {where} is not a number: {value!r}") from None
    if not number.is_integer() or number < 0:
        raise DataFileError(f"Table 1: {where} must be a non-negative whole number, got {value!r}")
    return int(number)


def printed_table(printed: pd.DataFrame | None = None) -> PrintedTable:
    """Check Table 1 in its printed layout and split off the grand-total row.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        A table in the layout of ``data/published/engagements.csv``: column
        ``partner``, one column per reporting period named ``mon_yy``
        (``sep_18``), ``total_1`` and ``total_2``; partner rows and one row
        labelled ``Total`` holding only the printed grand totals.  Defaults
        to the published Table 1.

    Returns
    -------
    PrintedTable

    Raises
    ------
    DataFileError
        When a column or the total row is missing, a partner appears twice,
        or a cell is empty, negative or not a whole number.
    """
    frame = _read_printed_engagements() if printed is None else printed
    if not isinstance(frame, pd.DataFrame):
        raise DataFileError(f"Table 1 must be a pandas DataFrame, got {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    missing = [c for c in ("partner", *_TOTAL_COLUMNS) if c not in columns]
    if missing:
        raise DataFileError(f"Table 1: missing column(s) {', '.join(missing)}")
    periods = tuple(c for c in columns if _PERIOD_COLUMN.match(c))
    unknown = [c for c in columns if c not in ("partner", *_TOTAL_COLUMNS, *periods)]
    if unknown:
        raise DataFileError(f"Table 1: unexpected column(s) {', '.join(unknown)}; period columns are named like 'sep_18'")
    if not periods:
        raise DataFileError("Table 1: no reporting-period columns (named like 'sep_18')")
    for period in periods:
        m = _PERIOD_COLUMN.match(period)
        try:
            pd.Period(f"{m['month'].title()} 20{m['year']}", freq="M")
        except ValueError:
            raise DataFileError(f"Table 1: column {period!r} does not name a month") from None

    labels = frame["partner"].astype("string").str.strip()
    is_total = labels == TOTAL_ROW
    if int(is_total.sum()) != 1:
        raise DataFileError(f"Table 1: expected exactly one {TOTAL_ROW!r} row, found {int(is_total.sum())}")
    body_rows = frame.loc[~is_total.to_numpy()]
    names = labels[~is_total].tolist()
    if any(pd.isna(n) or n == "" for n in names):
        raise DataFileError("Table 1: a partner row has no partner name")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataFileError(f"Table 1: partner(s) listed twice: {', '.join(duplicated)}")
    if not names:
        raise DataFileError("Table 1: no partner rows")

    values = {
        column: [_integer_cell(v, f"{name} / {column}") for name, v in zip(names, body_rows[column])]
        for column in (*periods, *_TOTAL_COLUMNS)
    }
    body = pd.DataFrame(values, index=pd.Index(names, name="partner"), dtype="int64")
    total_row = frame.loc[is_total.to_numpy()].iloc[0]
    for period in periods:
        if not pd.isna(total_row[period]):
            raise DataFileError(
                f"Table 1: the {TOTAL_ROW!r} row has a value under {period!r}; "
                "the report prints no period totals"
            )
    return PrintedTable(
        body=body,
        periods=periods,
        grand_total_1=_integer_cell(total_row["total_1"], f"{TOTAL_ROW} / total_1"),
        grand_total_2=_integer_cell(total_row["total_2"], f"{TOTAL_ROW} / total_2"),
    )


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
    return _integer_cell(target.value, f"claim {TARGET_CLAIM_ID!r} value")


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


# --------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class TableFault:
    """One place where Table 1 does not add up, or contradicts its own definitions.

    Attributes
    ----------
    kind : {"row_sum", "column_sum", "grand_total", "definition"}
    cell : str
        ``"<row> / <column>"`` as printed, e.g. ``"Kairos / Total 1"``.
    printed : int
        The value printed in that cell.
    recomputed : int
        The value the check expects (for a ``definition`` query: the value
        the cell is compared with).
    difference : int
        ``recomputed - printed``.
    explanation : str
    """

    kind: str
    cell: str
    printed: int
    recomputed: int
    difference: int
    explanation: str

    def __post_init__(self):
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(_FAULT_KINDS)}")

    def __str__(self) -> str:
        verb = "compared with" if self.kind == "definition" else "recomputed"
        return (
            f"{self.kind}: {self.cell}: printed {self.printed}, {verb} {self.recomputed} "
            f"(difference {self.difference:+d}): {self.explanation}"
        )


def _checks(table: PrintedTable):
    """Yield ``(kind, cell, printed, recomputed, passed, explanation)`` for every check."""
    periods = list(table.periods)
    recomputed_rows = table.body[periods].sum(axis=1)
    period_text = " + ".join(table.period_label(p) for p in periods)

    # Row sums: periods against Total 1.
    for partner in table.partners:
        printed, recomputed = int(table.body.at[partner, "total_1"]), int(recomputed_rows[partner])
        yield (
            "row_sum",
            f"{partner} / Total 1",
            printed,
            recomputed,
            printed == recomputed,
            f"the period cells ({period_text}) add up to {recomputed}"
            + ("" if printed == recomputed else f", not the printed {printed}"),
        )

    # Column sums: the report prints none, so these are information only.
    for period in periods:
        yield (
            "column_sum",
            f"{TOTAL_ROW} / {table.period_label(period)}",
            None,
            int(table.body[period].sum()),
            None,
            "no period total is printed; recomputed for information",
        )

    # Grand totals.
    printed_t1_sum = int(table.body["total_1"].sum())
    all_cells = int(recomputed_rows.sum())
    yield (
        "grand_total",
        f"{TOTAL_ROW} / Total 1",
        table.grand_total_1,
        printed_t1_sum,
        table.grand_total_1 == printed_t1_sum,
        f"the printed Total 1 cells add up to {printed_t1_sum}",
    )
    bad_rows = [p for p in table.partners if int(table.body.at[p, "total_1"]) != int(recomputed_rows[p])]
    dependence = (
        f"; the gap comes from the Total 1 cell(s) of {', '.join(bad_rows)}, so the headline "
        "rests on cell(s) that disagree with their own rows"
        if bad_rows and table.grand_total_1 == printed_t1_sum
        else ""
    )
    yield (
        "grand_total",
        f"{TOTAL_ROW} / Total 1",
        table.grand_total_1,
        all_cells,
        table.grand_total_1 == all_cells,
        f"all period cells together add up to {all_cells} new engagements{dependence}",
    )
    printed_t2_sum = int(table.body["total_2"].sum())
    yield (
        "grand_total",
        f"{TOTAL_ROW} / Total 2",
        table.grand_total_2,
        printed_t2_sum,
        table.grand_total_2 == printed_t2_sum,
        f"the printed Total 2 cells add up to {printed_t2_sum}",
    )

    # Definitions (Table 1, footnote 2): Total 2 counts every woman supported in
    # each period, new or carried over, so it can never be below Total 1.
    for partner in table.partners:
        t1 = int(table.body.at[partner, "total_1"])
        t2 = int(table.body.at[partner, "total_2"])
        rows_sum = int(recomputed_rows[partner])
        cell = f"{partner} / Total 2"
        if t2 < t1:
            yield ("definition", cell, t2, t1, False,
                   f"Total 2 ({t2}) is smaller than Total 1 ({t1}); by {_SOURCE} it counts every "
                   "woman supported, new or carried over, so it cannot be smaller")
        elif t2 < rows_sum:
            yield ("definition", cell, t2, rows_sum, False,
                   f"Total 2 ({t2}) is smaller than the {rows_sum} new engagements in the period cells; "
                   f"by {_SOURCE} it cannot be smaller")
        elif t2 == t1:
            yield ("definition", cell, t2, t1, False,
                   f"query: Total 2 equals Total 1 ({t1}), which would mean no woman engaged in an "
                   "earlier period was still supported in a later one")
        elif t1 != rows_sum and t2 == rows_sum:
            yield ("definition", cell, t2, rows_sum, False,
                   f"query: Total 2 equals the sum of the period cells ({rows_sum}), the number of new "
                   f"engagements; Total 1 ({t1}) and Total 2 may have been swapped, but swapped "
                   f"Total 2 ({t1}) would be smaller than Total 1 ({rows_sum}), which the definition "
                   "rules out")
        else:
            yield ("definition", cell, t2, t1, True,
                   f"Total 2 ({t2}) is at least Total 1 ({t1}) as the definition requires")


def reconcile(printed: pd.DataFrame | None = None) -> list[TableFault]:
    """Recompute every sum in Table 1 and return each place where the table fails.

    Checks, in this order:

    1. every row: the period cells against the printed Total 1 (``row_sum``);
    2. column sums: none are printed, so they are never faults (see
       :func:`reconciliation_checks` for their values);
    3. the grand totals: the printed 655 against the sum of the printed
       Total 1 cells and against the sum of all period cells, and the printed
       1184 against the sum of the Total 2 cells (``grand_total``);
    4. the definitions of footnote 2 (``definition``): Total 2 may never be
       smaller than Total 1, and a Total 2 equal to the row's number of new
       engagements implies that no woman was carried over between periods,
       which is flagged as a query.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout; defaults to the published table.

    Returns
    -------
    list of TableFault
        Empty when the table is consistent.  Nothing is corrected.

    Examples
    --------
    >>> for fault in reconcile():
    ...     print(fault.kind, fault.cell, fault.printed, fault.recomputed, fault.difference)
    row_sum Kairos / Total 1 149 351 202
    grand_total Total / Total 1 655 857 202
    definition FWT / Total 2 219 219 0
    definition Kairos / Total 2 351 351 0
    """
    table = printed_table(printed)
    return [
        TableFault(kind, cell, printed_value, recomputed, recomputed - printed_value, explanation)
        for kind, cell, printed_value, recomputed, passed, explanation in _checks(table)
        if passed is False
    ]


def reconciliation_checks(printed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check :func:`reconcile` makes, including those that pass.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``cell``, ``printed`` (nullable; empty for column
        sums, which are not printed), ``recomputed``, ``difference``,
        ``status`` (``"ok"``, ``"fault"`` or ``"information"``) and
        ``explanation``.
    """
    rows = []
    for kind, cell, printed_value, recomputed, passed, explanation in _checks(printed_table(printed)):
        status = "information" if passed is None else ("ok" if passed else "fault")
        difference = None if printed_value is None else recomputed - printed_value
        rows.append((kind, cell, printed_value, recomputed, difference, status, explanation))
    out = pd.DataFrame(rows, columns=["kind", "cell", "printed", "recomputed", "difference", "status", "explanation"])
    for column in ("printed", "difference"):
        out[column] = out[column].astype("Int64")
    return out


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class TotalsExplanation:
    """What Total 1 and Total 2 of Table 1 count, and how they relate.

    Attributes
    ----------
    total_1, total_2 : str
        What each column counts.
    relation : str
        The inequality the definitions imply.
    caveat : str
        What the table cannot tell.
    printed_total_1, printed_total_2, recomputed_new_engagements : int
        The printed grand totals and the sum of all period cells.
    source : str
        Where the definitions come from.
    """

    total_1: str
    total_2: str
    relation: str
    caveat: str
    printed_total_1: int
    printed_total_2: int
    recomputed_new_engagements: int
    source: str = _SOURCE


def explain_totals(printed: pd.DataFrame | None = None) -> TotalsExplanation:
    """Explain Total 1 (new engagements) and Total 2 (beneficiaries per period).

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        Table 1 in its printed layout (see :func:`printed_table`); defaults
        to the published table.

    Returns
    -------
    TotalsExplanation

    Notes
    -----
    Paraphrasing the report's footnote to Table 1: Total 1 counts women the
    first time they engage with the Partnership; Total 2 counts, period by
    period, every woman a partner supports, including women who first
    engaged in an earlier period and women who leave and come back.  Total 2
    therefore counts support episodes rather than distinct women and cannot
    be smaller than Total 1.

    Examples
    --------
    >>> explain_totals().source
    'Table 1, footnote 2'
    """
    table = printed_table(printed)
    return TotalsExplanation(
        total_1=(
            "Women newly engaged by the partner: each woman is counted once, in the "
            "reporting period in which she first engaged."
        ),
        total_2=(
            "Beneficiaries supported, counted in every reporting period in which the "
            "partner supported them: women carried over from earlier periods are "
            "counted again, as are women who left and returned."
        ),
        relation=(
            "Total 2 is a count of support episodes, so for every partner it is at "
            "least Total 1; the two are equal only if no woman stayed on into a "
            "later period."
        ),
        caveat=(
            "The table does not say whether a woman engaged by two partners is "
            "counted in both rows, and exits were not monitored (Section 4.1), so "
            "neither total can be read as a count of distinct women across the Partnership."
        ),
        printed_total_1=table.grand_total_1,
        printed_total_2=table.grand_total_2,
        recomputed_new_engagements=int(table.body[list(table.periods)].to_numpy().sum()),
    )
