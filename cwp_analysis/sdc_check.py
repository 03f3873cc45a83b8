"""What a published table gives away: the findings behind :func:`cwp_analysis.disclosure.check_disclosure`.

:func:`published_findings` reads a table as an attacker would (withheld
cells are unknowns) and lists, in this order, the first kind of problem it
finds:

1. shown counts from 1 to the threshold;
2. shown counts that leave 1..threshold people outside them beside a
   published total or base (the complement rule);
3. shown shares that pin their count, or the rest of their base, inside
   1..threshold (:mod:`cwp_analysis.sdc_shares`);
4. withheld counts that the protection-interval audit
   (:mod:`cwp_analysis.sdc_audit`) finds recoverable or confined to
   1..threshold from the table's totals, shares and any further facts.

It returns messages and raises nothing about disclosure, so that the
caller decides (``check_disclosure`` raises
:class:`~cwp_analysis.disclosure.DisclosureError`).

Examples
--------
>>> t = pd.DataFrame({"n": ["[c]", 40, 50]}, index=["a", "b", "Total"], dtype=object)
>>> published_findings(t, 7, counts=["n"], mode="columns")[0]
"row 'a', column 'n' can be recovered exactly (10) from what is published"
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cwp_analysis.sdc_audit import audit_suppression
from cwp_analysis.sdc_frame import count_block
from cwp_analysis.sdc_lines import block_model
from cwp_analysis.sdc_shares import resolve_shares, share_findings, table_share_facts

__all__ = ["published_findings"]


def published_findings(table: pd.DataFrame, threshold: int, *, counts: list, marker: str = "[c]",
                       mode: str = "both", total_rows: Sequence | None = None,
                       total_columns: Sequence | None = None, shares=None, complements: Sequence = (),
                       facts: Sequence = ()) -> list[str]:
    """Messages for every way the published ``table`` discloses, by the first check that finds any.

    Parameters
    ----------
    table : pandas.DataFrame
        The table as published (withheld cells hold ``marker``).
    threshold : int
    counts : list
        Count columns.
    marker : str
    mode : {"both", "rows", "columns", "none"}
        Which lines add up.
    total_rows, total_columns : sequence, optional
        As for :func:`cwp_analysis.disclosure.disclose`.
    shares : mapping or None
        See :func:`cwp_analysis.sdc_shares.resolve_shares`.
    complements : sequence of (int, int)
        ``(count column, base column)`` positions.
    facts : sequence of LinearFact
        Further numbers the page shows (cells ``Cell(None, row, column)``).

    Returns
    -------
    list of str
        Empty when nothing is disclosed.
    """
    block = count_block(table, counts, marker, total_rows=total_rows, total_columns=total_columns)
    small = (block.values >= 1) & (block.values <= threshold)
    if small.any():
        found = [f"row {table.index[i]!r}, column {counts[j]!r} = {int(block.values[i, j])}"
                 for i, j in zip(*np.nonzero(small))]
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        return [f"unsuppressed small count(s) (1..{threshold}): {'; '.join(found[:3])}{more}"]
    shown = block_model(block, threshold, mode=mode, complements=complements)
    if shown.complement.any():
        return [f"row {table.index[i]!r}, column {counts[j]!r} = {int(block.values[i, j])} leaves "
                f"1..{threshold} people outside it beside a published total (complement rule)"
                for i, j in zip(*np.nonzero(shown.complement))]
    specs = resolve_shares(table, shares, counts)
    findings = share_findings(table, specs, threshold, marker)
    if findings:
        return findings
    model = block_model(block, threshold, mode=mode, complements=complements, attacker_view=True)
    problem = model.problem.with_facts(*table_share_facts(table, specs, marker), *facts)
    if not problem.withheld:
        return []
    return audit_suppression(problem, threshold).messages()
