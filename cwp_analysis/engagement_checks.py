"""Table 1 reconciled: every sum recomputed, every disagreement listed, the totals explained.

Nothing is corrected: :func:`reconcile` returns each place where the
printed table does not add up, or contradicts its own footnote, as a
:class:`TableFault`.  Re-exported by :mod:`cwp_analysis.engagement`.

Examples
--------
>>> [(f.kind, f.cell, f.printed, f.recomputed) for f in reconcile()][:2]
[('row_sum', 'Kairos / Total 1', 149, 351), ('grand_total', 'Total / Total 1', 655, 857)]
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cwp_analysis.printed_table1 import TOTAL_ROW, PrintedTable, printed_table

__all__ = ["TableFault", "TotalsExplanation", "explain_totals", "reconcile", "reconciliation_checks"]

_FAULT_KINDS = ("row_sum", "column_sum", "grand_total", "definition")
_SOURCE = "Table 1, footnote 2"


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
