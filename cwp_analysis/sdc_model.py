"""The model of a page for disclosure auditing: cells, published facts, protected quantities.

* A :class:`Cell` names one count: ``(table, row, column)``.
* A :class:`LinearFact` is something an attacker knows:
  ``lower <= sum(coefficient * count) <= upper``.  Structural relations
  (a total equals the sum of its line) and published numbers are all
  facts: :func:`sum_fact` for a group total, :func:`share_facts` for a
  rounded percentage, :func:`equal_fact` for one count printed twice.
* A :class:`Quantity` is something the attacker must not learn: a withheld
  count, a combination such as "line total minus this cell", or the
  withheld cells of one line taken together (kind ``"group"``, made from
  the problem's ``lines`` for whatever pattern is withheld).
* An :class:`AuditProblem` gathers the values of the cells, which are
  withheld or blank, the facts and the quantities, for
  :func:`cwp_analysis.sdc_audit.audit_suppression` and
  :func:`cwp_analysis.sdc_suppress.optimal_suppression`.

Examples
--------
>>> a, b = Cell("t", "r", "a"), Cell("t", "r", "b")
>>> problem = AuditProblem({a: 3, b: 30}, withheld={a, b}, facts=[sum_fact([a, b], 33)])
>>> sorted(c.column for c in problem.withheld), problem.facts[0].is_equality
(['a', 'b'], True)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "KINDS",
    "AuditProblem",
    "Cell",
    "LinearFact",
    "Quantity",
    "cell_label",
    "equal_fact",
    "page_facts",
    "share_count_range",
    "share_facts",
    "sum_fact",
]

#: Kinds of protected quantity: a small count, the complement of a count, any other withheld count,
#: the withheld cells of one line together.
KINDS = ("primary", "complement", "withheld", "group")


class Cell(NamedTuple):
    """One count on a page: ``(table, row, column)``; ``table`` is None for a lone table."""

    table: Hashable
    row: Hashable
    column: Hashable


def cell_label(cell: Cell) -> str:
    """Where a cell is, for messages.

    >>> cell_label(Cell(None, "r1", "A")), cell_label(Cell("t", 0, "n"))
    ("row 'r1', column 'A'", "table 't', row 0, column 'n'")
    """
    where = f"row {cell.row!r}, column {cell.column!r}"
    return where if cell.table is None else f"table {cell.table!r}, {where}"


def _terms(terms) -> tuple[tuple[Cell, float], ...]:
    items = terms.items() if isinstance(terms, Mapping) else terms
    merged: dict[Cell, float] = {}
    for cell, coef in items:
        if not isinstance(cell, Cell):
            raise ValueError(f"{cell!r} is not a Cell (table, row, column)")
        coef = float(coef)
        if not math.isfinite(coef):
            raise ValueError(f"coefficient of {cell_label(cell)} is not finite")
        merged[cell] = merged.get(cell, 0.0) + coef
    return tuple((c, v) for c, v in merged.items() if v != 0.0)


@dataclass(frozen=True)
class LinearFact:
    """Something the attacker knows: ``lower <= sum(coefficient * count) <= upper``.

    Parameters
    ----------
    terms : mapping of Cell to float, or iterable of (Cell, float)
    lower, upper : float
        Equal for an exact relation; ``-inf`` / ``inf`` for a one-sided one.
    label : str
        Where the fact is published (for messages).
    asks : tuple of Quantity
        Sums an attacker reading the fact will try to pin (for a share:
        its group of answers, and the rest of its base); audited as
        ``"group"`` quantities once the fact is part of a problem.
    """

    terms: tuple
    lower: float
    upper: float
    label: str = ""
    asks: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", _terms(self.terms))
        lower, upper = float(self.lower), float(self.upper)
        if math.isnan(lower) or math.isnan(upper) or lower > upper:
            raise ValueError(f"fact {self.label or self.terms!r}: bounds [{lower}, {upper}] are not an interval")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        asks = tuple(self.asks)
        if not all(isinstance(q, Quantity) for q in asks):
            raise ValueError(f"fact {self.label or self.terms!r}: asks must hold Quantity objects")
        object.__setattr__(self, "asks", asks)

    @property
    def is_equality(self) -> bool:
        return self.lower == self.upper

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(c for c, _ in self.terms)


@dataclass(frozen=True)
class Quantity:
    """A quantity the attacker must not pin down: ``constant + sum(coefficient * count)``.

    Parameters
    ----------
    label : str
        What it is, for messages (e.g. "row 'r1', column 'A'").
    terms : mapping of Cell to float, or iterable of (Cell, float)
        Integer coefficients.
    constant : float
    kind : {"primary", "complement", "withheld", "group"}
        ``primary``: a count of 1..threshold; ``complement``: a line total
        minus a count, lying in 1..threshold; ``withheld``: any other
        withheld count (only rule 1 can fail for it); ``group``: the sum of
        the withheld cells of one line, which only rule 2 binds (a sum
        pinned at 0, or above the threshold, identifies nobody).
    value : float
        The true value when known (the optimiser uses it); NaN otherwise.
    cell : Cell, optional
        The withheld cell the quantity protects (for a group, its first cell).
    """

    label: str
    terms: tuple
    constant: float = 0.0
    kind: str = "primary"
    value: float = float("nan")
    cell: Cell | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", _terms(self.terms))
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if any(v != round(v) for _, v in self.terms) or self.constant != round(self.constant):
            raise ValueError(f"quantity {self.label!r}: coefficients and constant must be whole numbers")
        object.__setattr__(self, "value", float(self.value))


def sum_fact(cells: Iterable[Cell], total, label: str = "") -> LinearFact:
    """A published group total: the counts in ``cells`` add up to ``total``.

    >>> sum_fact([Cell(None, "a", "n"), Cell(None, "b", "n")], 12).lower
    12.0
    """
    return LinearFact([(c, 1.0) for c in cells], total, total, label or "group total")


def equal_fact(a: Cell, b: Cell, label: str = "") -> LinearFact:
    """The same count published in two places (for instance one base in two tables)."""
    if a == b:
        raise ValueError("equal_fact needs two different cells")
    return LinearFact([(a, 1.0), (b, -1.0)], 0.0, 0.0, label or f"{cell_label(a)} = {cell_label(b)}")


def _half_unit(decimals) -> float:
    if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer) or not 0 <= decimals <= 10:
        raise ValueError(f"decimals must be a whole number from 0 to 10, not {decimals!r}")
    return 0.5 * 10.0 ** (-int(decimals))


def share_count_range(percent: float, base: float, decimals: int) -> tuple[int, int]:
    """The whole counts ``k`` whose share ``100 k / base`` rounds to ``percent`` at ``decimals``.

    Returns ``(lowest, highest)``; ``lowest > highest`` when no whole count
    fits (the share and base are inconsistent).

    Examples
    --------
    "8% of 65" leaves one count, and "96% of 68" leaves 65 (so 3 women are
    outside the share):

    >>> share_count_range(8, 65, 0), share_count_range(96, 68, 0)
    ((5, 5), (65, 65))
    """
    h = _half_unit(decimals)
    lo = base * (float(percent) - h) / 100.0
    hi = base * (float(percent) + h) / 100.0
    return max(0, math.ceil(lo - 1e-9)), min(int(base), math.floor(hi + 1e-9))


def share_facts(cells: Iterable[Cell], base, percent: float, decimals: int,
                label: str = "") -> tuple[LinearFact, ...]:
    """What a published percentage tells: the counts in ``cells`` are ``percent`` % of ``base``.

    Parameters
    ----------
    cells : iterable of Cell
        The counts the share adds up (one cell, or a group such as
        "agree" and "strongly agree").
    base : number or Cell
        The base, as a known number or as a cell (published or withheld).
    percent : float
        The percentage as printed.
    decimals : int
        Decimals printed: the true share lies within half a unit of the
        last printed digit (the rounding interval).
    label : str

    Returns
    -------
    tuple of LinearFact
        One fact when the base is a number, two (linear in the count and
        the base) when it is a cell.  The first fact ``asks`` (see
        :class:`LinearFact`) for the rest of the base and, for a group of
        two or more cells, for the group's sum, as the page attacker does
        (:mod:`cwp_analysis.page_attack`).

    Examples
    --------
    >>> f, = share_facts([Cell(None, "a", "n")], 65, 8, 0)
    >>> round(f.lower, 3), round(f.upper, 3)
    (4.875, 5.525)
    """
    h = _half_unit(decimals)
    cells = list(cells)
    label = label or f"{percent}% share"
    inside = [(c, 1.0) for c in cells]
    outside = [(c, -1.0) for c in cells]
    asks = [Quantity(f"{label}: the answers it counts together", inside, kind="group", cell=cells[0])] \
        if len(cells) > 1 else []
    if isinstance(base, Cell):
        asks.append(Quantity(f"{label}: the rest of its base", [(base, 1.0)] + outside, kind="group",
                             cell=cells[0]))
        low = inside + [(base, -(float(percent) - h) / 100.0)]
        high = inside + [(base, -(float(percent) + h) / 100.0)]
        return (LinearFact(low, 0.0, math.inf, label, asks), LinearFact(high, -math.inf, 0.0, label))
    base = float(base)
    if base == round(base):
        asks.append(Quantity(f"{label}: the rest of its base", outside, constant=base, kind="group", cell=cells[0]))
    return (LinearFact(inside, base * (float(percent) - h) / 100.0, base * (float(percent) + h) / 100.0,
                       label, asks),)


@dataclass(frozen=True, eq=False)
class AuditProblem:
    """Everything on a page that bears on its withheld counts.

    Parameters
    ----------
    values : mapping of Cell to number
        Every count cell with its value: published cells their published
        value; withheld cells their true value, or NaN when unknown.
    withheld : iterable of Cell
        Cells shown as withheld.
    facts : iterable of LinearFact
        Relations the attacker knows (totals, shares, group totals, ...).
    quantities : iterable of Quantity
        Protected quantities besides the withheld cells themselves (which
        are always audited: a withheld cell without a quantity of its own
        is audited as ``kind="withheld"``).
    missing : iterable of Cell
        Blank cells: nobody knows their value; they are unknowns of the
        attacker's problem and are never withheld or published.
    opaque_lines : iterable of tuple of Cell
        Lines whose total the attacker knows but whose value is not at hand
        (for instance a column adding to a known number of respondents,
        checked on an already disclosed table).  The audit can only apply
        the line rule to them: a line with a single withheld cell fails.
    lines : iterable of tuple of Cell
        The count cells of every line whose total is published or known
        (not its total cells).  Where two or more of a line's cells are
        withheld, their sum is protected as a ``"group"`` quantity
        (:meth:`group_quantities`): with the total known it is pinned, so
        it must be 0 or more than the threshold.
    """

    values: Mapping
    withheld: frozenset = frozenset()
    facts: tuple = ()
    quantities: tuple = ()
    missing: frozenset = frozenset()
    opaque_lines: tuple = ()
    lines: tuple = ()

    def __post_init__(self) -> None:
        values = {}
        for cell, value in dict(self.values).items():
            if not isinstance(cell, Cell):
                raise ValueError(f"{cell!r} is not a Cell (table, row, column)")
            value = float(value)
            if not math.isnan(value) and (value < 0 or value != round(value)):
                raise ValueError(f"{cell_label(cell)}: {value!r} is not a non-negative whole number")
            values[cell] = value
        withheld, missing = frozenset(self.withheld), frozenset(self.missing)
        facts, quantities = tuple(self.facts), tuple(self.quantities)
        lines = tuple(tuple(line) for line in self.opaque_lines)
        protected = tuple(dict.fromkeys(tuple(line) for line in self.lines))
        for fact in facts:
            if not isinstance(fact, LinearFact):
                raise ValueError(f"{fact!r} is not a LinearFact")
        for quantity in quantities:
            if not isinstance(quantity, Quantity):
                raise ValueError(f"{quantity!r} is not a Quantity")
        named = set(withheld) | set(missing)
        named |= {c for f in facts for c in f.cells} | {c for q in quantities for c, _ in q.terms}
        named |= {c for f in facts for q in f.asks for c, _ in q.terms}
        named |= {c for line in lines + protected for c in line}
        unknown = [c for c in named if c not in values and c not in missing]
        if unknown:
            raise ValueError(f"{cell_label(unknown[0])} is used but has no value (add it to values or missing)")
        clash = withheld & missing
        if clash:
            raise ValueError(f"{cell_label(next(iter(clash)))} cannot be both withheld and missing")
        shown_unknown = [c for c, v in values.items() if math.isnan(v) and c not in withheld and c not in missing]
        if shown_unknown:
            raise ValueError(f"{cell_label(shown_unknown[0])} is published but has no value")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "withheld", withheld)
        object.__setattr__(self, "missing", missing)
        object.__setattr__(self, "facts", facts)
        object.__setattr__(self, "quantities", quantities)
        object.__setattr__(self, "opaque_lines", lines)
        object.__setattr__(self, "lines", protected)

    def with_facts(self, *facts: LinearFact) -> AuditProblem:
        """The same problem with more published facts (shares, group totals, ...)."""
        return self._replace(facts=self.facts + tuple(facts))

    def with_withheld(self, withheld: Iterable[Cell]) -> AuditProblem:
        """The same problem with another set of withheld cells."""
        return self._replace(withheld=frozenset(withheld))

    def renamed(self, table: Hashable) -> AuditProblem:
        """Give the cells of a lone table (``table`` None) a table name, to join it to a page."""
        def name(cell: Cell) -> Cell:
            return cell._replace(table=table) if cell.table is None else cell

        def terms(items):
            return [(name(c), v) for c, v in items]

        def quantity(q):
            return Quantity(q.label if table is None else f"table {table!r}, {q.label}", terms(q.terms),
                            q.constant, q.kind, q.value, None if q.cell is None else name(q.cell))

        return AuditProblem(
            values={name(c): v for c, v in self.values.items()},
            withheld={name(c) for c in self.withheld},
            facts=[LinearFact(terms(f.terms), f.lower, f.upper, f.label, [quantity(q) for q in f.asks])
                   for f in self.facts],
            quantities=[quantity(q) for q in self.quantities],
            missing={name(c) for c in self.missing},
            opaque_lines=[tuple(name(c) for c in line) for line in self.opaque_lines],
            lines=[tuple(name(c) for c in line) for line in self.lines],
        )

    def joined(self, *others: AuditProblem, facts: Iterable[LinearFact] = ()) -> AuditProblem:
        """One problem for a page: these problems' cells and facts together, plus ``facts``.

        Raises
        ------
        ValueError
            When two problems give one cell different values.
        """
        values = dict(self.values)
        for other in others:
            for cell, value in other.values.items():
                if cell in values and not (values[cell] == value or (math.isnan(values[cell]) and math.isnan(value))):
                    raise ValueError(f"{cell_label(cell)} has two values ({values[cell]:g}, {value:g})")
                values[cell] = value
        everyone = (self, *others)
        return AuditProblem(
            values=values,
            withheld=frozenset().union(*(p.withheld for p in everyone)),
            facts=tuple(f for p in everyone for f in p.facts) + tuple(facts),
            quantities=tuple(q for p in everyone for q in p.quantities),
            missing=frozenset().union(*(p.missing for p in everyone)),
            opaque_lines=tuple(line for p in everyone for line in p.opaque_lines),
            lines=tuple(line for p in everyone for line in p.lines),
        )

    def _replace(self, **changes) -> AuditProblem:
        fields = {"values": self.values, "withheld": self.withheld, "facts": self.facts,
                  "quantities": self.quantities, "missing": self.missing, "opaque_lines": self.opaque_lines,
                  "lines": self.lines}
        fields.update(changes)
        return AuditProblem(**fields)

    def audited_quantities(self, *, groups: bool = True) -> tuple[Quantity, ...]:
        """The given quantities, every withheld cell that has none of its own, and (with ``groups``)
        the withheld cells of each line together (:meth:`group_quantities`)."""
        own = {q.cell for q in self.quantities if q.cell is not None and q.terms == ((q.cell, 1.0),)}
        extra = [Quantity(cell_label(c), [(c, 1.0)], kind="withheld", value=self.values[c], cell=c)
                 for c in sorted(self.withheld - own, key=repr)]
        return self.quantities + tuple(extra) + self._asked() + (self.group_quantities() if groups else ())

    def _asked(self) -> tuple[Quantity, ...]:
        """The sums the facts ask about (:class:`LinearFact` ``asks``), with their true values."""
        seen = {(q.terms, q.constant) for q in self.quantities}
        out = []
        for fact in self.facts:
            for q in fact.asks:
                if (q.terms, q.constant) in seen:
                    continue
                seen.add((q.terms, q.constant))
                value = q.constant + sum(v * self.values.get(c, math.nan) for c, v in q.terms)
                out.append(Quantity(q.label, q.terms, q.constant, q.kind, value, q.cell))
        return tuple(out)

    def group_quantities(self, withheld: Iterable[Cell] | None = None) -> tuple[Quantity, ...]:
        """The sum of the withheld cells of each line holding two or more of them (kind ``"group"``).

        A line withheld whole is left out: its sum is the line's total, a
        cell protected (or published) in its own right.

        Parameters
        ----------
        withheld : iterable of Cell, optional
            The pattern (default: the problem's withheld cells).

        Examples
        --------
        >>> row = [Cell(None, "r", c) for c in "abcde"]
        >>> p = AuditProblem(dict(zip(row, [0, 1, 2, 19, 46])), {row[1], row[2]}, lines=[tuple(row)])
        >>> [(q.label, q.value) for q in p.group_quantities()]
        [("row 'r', columns 'b' + 'c' together", 3.0)]
        """
        withheld = self.withheld if withheld is None else frozenset(withheld)
        out, seen = [], set()
        for line in self.lines:
            cells = tuple(c for c in line if c in withheld)
            if len(cells) < 2 or len(cells) == len(line) or cells in seen:
                continue
            seen.add(cells)
            label = _group_label(cells)
            out.append(Quantity(label, [(c, 1.0) for c in cells], kind="group",
                                value=sum(self.values[c] for c in cells), cell=cells[0]))
        return tuple(out)


def _group_label(cells: tuple) -> str:
    """``"row 'r', columns 'a' + 'b' together"`` (or rows of one column, or the cells' labels)."""
    table = "" if cells[0].table is None else f"table {cells[0].table!r}, "
    if all(c.table == cells[0].table and c.row == cells[0].row for c in cells):
        return f"{table}row {cells[0].row!r}, columns {' + '.join(repr(c.column) for c in cells)} together"
    if all(c.table == cells[0].table and c.column == cells[0].column for c in cells):
        return f"{table}column {cells[0].column!r}, rows {' + '.join(repr(c.row) for c in cells)} together"
    return " + ".join(cell_label(c) for c in cells) + " together"


def page_facts(links: Iterable = (), facts: Iterable = ()) -> list:
    """``facts`` plus an :func:`equal_fact` for every pair of cells in ``links``; checks their types."""
    out = list(facts)
    for link in links:
        if not (isinstance(link, tuple) and len(link) == 2):
            raise ValueError(f"a link must be a pair of cells (table, row, column), not {link!r}")
        out.append(equal_fact(Cell(*link[0]), Cell(*link[1])))
    for fact in out:
        if not isinstance(fact, LinearFact):
            raise ValueError(f"{fact!r} is not a LinearFact (see share_facts, sum_fact, equal_fact)")
    return out
