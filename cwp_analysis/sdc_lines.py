"""From a table's block of counts to the attacker's problem: lines, totals, small counts, complements.

:func:`block_model` reads the count block of one table (values, cells
already marked, blanks, which rows and columns are totals, which
directions add up) and returns an :class:`~cwp_analysis.sdc_audit.AuditProblem`
whose withheld cells are the ones disclosure control *requires*:

* **primary**: counts from 1 to the threshold, and cells already marked;
* **complement rule**: in a line whose total ``n`` is published (larger
  than the threshold), a count ``k`` with ``n - k`` in 1..threshold,
  because publishing ``k`` beside ``n`` publishes the small number of
  people outside it; also a count beside a base column it is a share of
  (``complements``, for a line whose other categories are not shown).

and whose facts are the relations an attacker knows:

* a line (row or column, as ``mode`` says) with total cells: each total
  equals the sum of the line's other cells (blank cells are unknowns);
* a line without a total cell: its sum is known (for instance the number
  of respondents), as a group total over its non-blank cells; when some of
  them are withheld with unknown value (a table disclosed before), the
  line is *opaque*: only the line rule can be checked.

Every line with a total (a cell, or a known sum) is also one of the
problem's ``lines``: the withheld cells of such a line, taken together,
are protected like a single count (see :mod:`cwp_analysis.sdc_audit`).

Examples
--------
>>> block = CountBlock.from_rows([[2, 30, 32], [10, 20, 30]], rows=["a", "b"], columns=["x", "y", "All"])
>>> model = block_model(block, 7, mode="rows")
>>> sorted((c.row, c.column) for c in model.problem.withheld)
[('a', 'x'), ('a', 'y')]
>>> [q.kind for q in model.problem.quantities]
['primary', 'complement']
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from cwp_analysis.sdc_audit import (
    AuditProblem,
    Cell,
    LinearFact,
    Quantity,
    cell_label,
    sum_fact,
)

__all__ = ["MODES", "BlockModel", "CountBlock", "block_model"]

#: Directions in which a block's lines add up.
MODES = ("both", "rows", "columns", "none")


@dataclass(frozen=True, eq=False)
class CountBlock:
    """The counts of one table.

    Attributes
    ----------
    values : numpy.ndarray of float
        Counts; NaN for a blank cell or a cell already marked.
    marked : numpy.ndarray of bool
        Cells that already hold the marker (withheld, value unknown).
    rows, columns : tuple
        Row and column labels.
    total_rows, total_columns : numpy.ndarray of bool
        Which rows / columns are totals.
    table : hashable, optional
        The table's name on a page (None for a lone table).
    """

    values: np.ndarray
    marked: np.ndarray
    rows: tuple
    columns: tuple
    total_rows: np.ndarray
    total_columns: np.ndarray
    table: Hashable = None

    @classmethod
    def from_rows(cls, grid: Sequence[Sequence], *, rows: Sequence, columns: Sequence,
                  total_rows: Sequence = (), total_columns: Sequence = (), marker: str = "[c]",
                  table: Hashable = None) -> CountBlock:
        """A block from nested lists; a label named "Total", "All" or "Grand total" is a total
        unless ``total_rows`` / ``total_columns`` are given."""
        marked = np.array([[isinstance(v, str) and v == marker for v in row] for row in grid], dtype=bool)
        values = np.array([[math.nan if (isinstance(v, str) or v is None) else float(v) for v in row]
                           for row in grid], dtype=float)
        auto = {"total", "all", "grand total"}

        def mask(labels, given):
            given = set(given) or {label for label in labels if str(label).strip().lower() in auto}
            return np.array([label in given for label in labels], dtype=bool)

        return cls(values, marked, tuple(rows), tuple(columns), mask(rows, total_rows), mask(columns, total_columns),
                   table)

    def cell(self, i: int, j: int) -> Cell:
        return Cell(self.table, self.rows[i], self.columns[j])

    @property
    def missing(self) -> np.ndarray:
        return np.isnan(self.values) & ~self.marked


@dataclass(frozen=True, eq=False)
class BlockModel:
    """A block as the attacker and the optimiser see it.

    Attributes
    ----------
    problem : AuditProblem
        Withheld: the required cells (primary and complement rule).
    primary : numpy.ndarray of bool
        Counts in 1..threshold and cells already marked.
    complement : numpy.ndarray of bool
        Cells withheld by the complement rule only.
    totals : frozenset of Cell
        Cells in total rows or columns.
    """

    problem: AuditProblem
    primary: np.ndarray
    complement: np.ndarray
    totals: frozenset


def _lines(block: CountBlock, mode: str):
    """Yield (name, body cells, total cells) as (i, j) pairs for every line of at least two cells."""
    n_rows, n_cols = block.values.shape
    if mode in ("both", "rows") and n_cols >= 2:
        for i in range(n_rows):
            yield (f"row {block.rows[i]!r}", [(i, j) for j in range(n_cols) if not block.total_columns[j]],
                   [(i, j) for j in range(n_cols) if block.total_columns[j]])
    if mode in ("both", "columns") and n_rows >= 2:
        for j in range(n_cols):
            yield (f"column {block.columns[j]!r}", [(i, j) for i in range(n_rows) if not block.total_rows[i]],
                   [(i, j) for i in range(n_rows) if block.total_rows[i]])


def _published_total(block: CountBlock, cell, threshold: int) -> float | None:
    value = block.values[cell]
    if block.marked[cell] or math.isnan(value) or 1 <= value <= threshold:
        return None
    return float(value)


def block_model(block: CountBlock, threshold: int, *, mode: str = "both", complements: Sequence = (),
                attacker_view: bool = False) -> BlockModel:
    """The attacker's problem for one count block, with the required cells withheld.

    Parameters
    ----------
    block : CountBlock
    threshold : int
    mode : {"both", "rows", "columns", "none"}
        Which lines add up (see :func:`cwp_analysis.disclosure.disclose`,
        ``secondary``).
    complements : sequence of (int, int)
        ``(count column, base column)`` positions: in every row the count
        is withheld when ``base - count`` lies in 1..threshold and the base
        is published.
    attacker_view : bool
        True for a published table (values of withheld cells unknown): the
        complement of every withheld count beside a published total is
        audited, since its true value cannot be looked up.

    Returns
    -------
    BlockModel
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    values, marked, missing = block.values, block.marked, block.missing
    primary = marked | ((values >= 1) & (values <= threshold))
    complement = np.zeros_like(primary)
    facts, quantities, opaque, lines = [], [], [], []
    complement_terms = []

    def note_complement(total_terms, constant, i, j, value):
        complement_terms.append((total_terms, constant, i, j, value))

    for name, body, totals in _lines(block, mode):
        if totals and body:
            lines.append(tuple(block.cell(*c) for c in body if not missing[c]))
            known = [values[c] for c in body + totals if not missing[c] and not marked[c]]
            if not attacker_view and len(known) == len(body) + len(totals):
                line_sum = float(sum(values[c] for c in body))
                wrong = [values[t] for t in totals if values[t] != line_sum]
                if wrong:
                    raise ValueError(f"{name}: the total {wrong[0]:g} is not the sum of the line ({line_sum:g}); "
                                     "declare the totals with total_rows / total_columns (or [] for none)")
            for t in totals:
                facts.append(LinearFact([(block.cell(*t), 1.0)] + [(block.cell(*c), -1.0) for c in body], 0, 0,
                                        f"{name}: total"))
                n = _published_total(block, t, threshold)
                if n is None:
                    continue
                for c in body:
                    if not missing[c]:
                        note_complement([(block.cell(*t), 1.0)], 0.0, *c, n - values[c])
            continue
        shown = [c for c in body if not missing[c]]
        if not shown:
            continue
        if any(marked[c] for c in shown):
            opaque.append(tuple(block.cell(*c) for c in shown))
            continue
        n = float(sum(values[c] for c in shown))
        lines.append(tuple(block.cell(*c) for c in shown))
        facts.append(sum_fact([block.cell(*c) for c in shown], n, f"{name}: known total {n:g}"))
        if n > threshold:
            for c in shown:
                note_complement([], n, *c, n - values[c])
    for count, base in complements:
        for i in range(values.shape[0]):
            n = _published_total(block, (i, base), threshold)
            if n is not None and not missing[i, count]:
                note_complement([(block.cell(i, base), 1.0)], 0.0, i, count, n - values[i, count])

    for total_terms, constant, i, j, value in complement_terms:
        cell = block.cell(i, j)
        if attacker_view:
            if not marked[i, j]:
                continue
            value = math.nan
        elif math.isnan(value) or not 1 <= value <= threshold:
            continue
        else:
            complement[i, j] = not primary[i, j]
        where = " + ".join(cell_label(c) for c, _ in total_terms) if total_terms else f"the known total {constant:g}"
        quantities.append(Quantity(f"{where} minus {cell_label(cell)}", list(total_terms) + [(cell, -1.0)],
                                   constant=constant, kind="complement", value=value, cell=cell))
    for i, j in zip(*np.nonzero(primary & ~marked)):
        cell = block.cell(i, j)
        quantities.insert(0, Quantity(cell_label(cell), [(cell, 1.0)], kind="primary", value=values[i, j],
                                      cell=cell))
    n_rows, n_cols = values.shape
    all_values = {block.cell(i, j): values[i, j] for i in range(n_rows) for j in range(n_cols) if not missing[i, j]}
    required = {block.cell(i, j) for i, j in zip(*np.nonzero(primary | complement))}
    if attacker_view:
        required = {block.cell(i, j) for i, j in zip(*np.nonzero(marked))}
        quantities = [q for q in quantities if q.kind == "complement"]
    totals = frozenset(block.cell(i, j) for i in range(n_rows) for j in range(n_cols)
                       if block.total_rows[i] or block.total_columns[j])
    problem = AuditProblem(
        values=all_values,
        withheld=required,
        facts=facts,
        quantities=_dedupe(quantities),
        missing={block.cell(i, j) for i, j in zip(*np.nonzero(missing))},
        opaque_lines=opaque,
        lines=[line for line in lines if len(line) >= 2],
    )
    return BlockModel(problem=problem, primary=primary, complement=complement, totals=totals)


def _dedupe(quantities):
    seen, out = set(), []
    for q in quantities:
        key = (q.terms, q.constant)
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out
