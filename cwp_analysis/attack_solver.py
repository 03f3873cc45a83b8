"""The attacker's arithmetic: integer unknowns, linear facts, and the range each unknown can take.

An attacker reading a page knows some counts (the cells shown), does not
know others (the withheld cells, and quantities never printed, such as the
women whose answer changed), and can write down linear facts linking them:
a row adds up to its total, a share printed to one decimal puts
``100 * count`` between ``(share - 0.05) * base`` and
``(share + 0.05) * base``, and so on.  :class:`LinearFacts` collects them
and :meth:`LinearFacts.bounds` returns the smallest and largest value a
linear expression of the unknowns can take over all non-negative integer
solutions: two mixed-integer programs solved with
:func:`scipy.optimize.milp` (HiGHS).  This is the protection-interval audit
of tau-Argus and sdcTable, run from the attacker's side.

Facts are checked as they are added: a fact that contradicts the facts
already held (a misreading of the page, or an assumption that does not
hold, such as "these answers are exhaustive") is dropped, and the drop is
recorded in :attr:`LinearFacts.dropped`.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, chapter 4
(protection intervals and the audit of suppressed tables). Wiley.
Meindl, B. (2023). *sdcTable: Methods for Statistical Disclosure Control in
Tabular Data* (R package), ``protectTable`` and the attacker problem.

Examples
--------
>>> facts = LinearFacts()
>>> a, b = facts.unknown("a"), facts.unknown("b")
>>> facts.add(Expr.of(a) + Expr.of(b), 9, 9, kind="margins")       # a + b = 9
True
>>> facts.add(Expr.of(a) * 100 - Expr.constant(9) * 54.5, 0, None, kind="shares")  # a/9 >= 54.5%
True
>>> facts.bounds(Expr.of(b))
Range(low=0, high=4)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CAP", "Expr", "LinearFacts", "Range"]

#: Upper bound given to unknowns without one; a maximum this large means "unbounded".
CAP = 1_000_000
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Expr:
    """A linear expression: ``sum(coefficient * unknown) + offset``.

    Attributes
    ----------
    terms : tuple of (int, float)
        Unknown index and coefficient, sorted, without zero coefficients.
    offset : float
        The constant part.
    """

    terms: tuple = ()
    offset: float = 0.0

    @classmethod
    def of(cls, index: int) -> Expr:
        """The unknown ``index`` alone."""
        return cls(((index, 1.0),), 0.0)

    @classmethod
    def constant(cls, value: float) -> Expr:
        """A known number."""
        return cls((), float(value))

    @classmethod
    def total(cls, parts: Iterable[Expr]) -> Expr:
        """The sum of several expressions."""
        out = cls()
        for part in parts:
            out = out + part
        return out

    def __add__(self, other: Expr) -> Expr:
        merged: dict[int, float] = dict(self.terms)
        for index, coefficient in other.terms:
            merged[index] = merged.get(index, 0.0) + coefficient
        terms = tuple(sorted((i, c) for i, c in merged.items() if abs(c) > 1e-12))
        return Expr(terms, self.offset + other.offset)

    def __mul__(self, factor: float) -> Expr:
        return Expr(tuple((i, c * factor) for i, c in self.terms if abs(c * factor) > 1e-12), self.offset * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Expr:
        return self * -1.0

    def __sub__(self, other: Expr) -> Expr:
        return self + (-other)

    @property
    def unknowns(self) -> frozenset:
        """Indices of the unknowns the expression involves."""
        return frozenset(i for i, _ in self.terms)

    @property
    def is_known(self) -> bool:
        """True when no unknown is involved."""
        return not self.terms


@dataclass(frozen=True)
class Range:
    """The integer values an expression can take: ``low`` to ``high`` (None: no upper bound)."""

    low: int
    high: int | None

    @property
    def single(self) -> bool:
        """True when exactly one value is possible."""
        return self.high is not None and self.low == self.high

    def within(self, low: int, high: int) -> bool:
        """True when every possible value lies in ``[low, high]``."""
        return self.high is not None and low <= self.low and self.high <= high

    def __str__(self) -> str:
        if self.single:
            return str(self.low)
        return f"{self.low} to {'unbounded' if self.high is None else self.high}"


@dataclass
class _Fact:
    terms: dict
    low: float
    high: float
    kind: str


@dataclass
class LinearFacts:
    """Integer unknowns (each at least 0) and the linear facts an attacker holds about them.

    Attributes
    ----------
    labels : list of str
        A description of each unknown.
    dropped : list of str
        Facts that contradicted the others, as ``"kind: note"``.
    """

    labels: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    _lows: list = field(default_factory=list)
    _highs: list = field(default_factory=list)
    _facts: list = field(default_factory=list)
    _by_unknown: dict = field(default_factory=dict)

    def unknown(self, label: str, *, low: int = 0, high: int | None = None) -> int:
        """Add an unknown count and return its index."""
        self.labels.append(label)
        self._lows.append(float(low))
        self._highs.append(float(CAP if high is None else high))
        return len(self.labels) - 1

    def add(self, expr: Expr, low: float | None, high: float | None, *, kind: str, note: str = "",
            check: bool = True) -> bool:
        """Add the fact ``low <= expr <= high`` (None: no bound on that side).

        Returns False when the fact was dropped: it involves no unknown and
        does not hold, or it contradicts the facts already held (checked
        unless ``check`` is False).
        """
        lo = -math.inf if low is None else float(low) - expr.offset
        hi = math.inf if high is None else float(high) - expr.offset
        if expr.is_known:
            holds = lo <= _TOLERANCE and hi >= -_TOLERANCE
            if not holds:
                self.dropped.append(f"{kind}: {note or 'a fact about shown numbers does not hold'}")
            return holds
        fact = _Fact(dict(expr.terms), lo - _TOLERANCE, hi + _TOLERANCE, kind)
        self._facts.append(fact)
        index = len(self._facts) - 1
        for unknown in fact.terms:
            self._by_unknown.setdefault(unknown, []).append(index)
        if check and self._solve(set(fact.terms), {}, sense=0) is None:
            self._facts[index] = None
            for unknown in fact.terms:
                self._by_unknown[unknown].remove(index)
            self.dropped.append(f"{kind}: {note or 'contradicts the other facts'}")
            return False
        return True

    def kinds(self, expr: Expr) -> set[str]:
        """Kinds of the facts connected to the expression's unknowns."""
        _, facts = self._component(set(expr.unknowns), frozenset())
        return {self._facts[i].kind for i in facts}

    def bounds(self, expr: Expr, *, without: Iterable[str] = ()) -> Range | None:
        """Smallest and largest integer value of ``expr``; None when the facts contradict each other.

        Parameters
        ----------
        expr : Expr
        without : iterable of str
            Kinds of facts to leave out (to see which facts a recovery needs).
        """
        if expr.is_known:
            value = round(expr.offset)
            return Range(value, value)
        objective = dict(expr.terms)
        low = self._solve(set(objective), objective, sense=1, without=frozenset(without))
        if low is None:
            return None
        high = self._solve(set(objective), objective, sense=-1, without=frozenset(without))
        if high is None:
            return None
        low_value = math.ceil(low + expr.offset - _TOLERANCE * 10)
        high_value = high + expr.offset
        top = None if high_value >= CAP - 1 else math.floor(high_value + _TOLERANCE * 10)
        return Range(int(low_value), top)

    # -- internals ------------------------------------------------------------
    def _component(self, start: set, without: frozenset) -> tuple[list, list]:
        unknowns, facts = set(), set()
        todo = list(start)
        while todo:
            unknown = todo.pop()
            if unknown in unknowns:
                continue
            unknowns.add(unknown)
            for index in self._by_unknown.get(unknown, []):
                fact = self._facts[index]
                if fact is None or index in facts or fact.kind in without:
                    continue
                facts.add(index)
                todo.extend(u for u in fact.terms if u not in unknowns)
        return sorted(unknowns), sorted(facts)

    def _solve(self, start: set, objective: dict, *, sense: int, without: frozenset = frozenset()) -> float | None:
        """Optimise ``sense * objective`` over the component of ``start``; the optimum (objective value)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        unknowns, facts = self._component(start, without)
        position = {u: k for k, u in enumerate(unknowns)}
        c = np.zeros(len(unknowns))
        for unknown, coefficient in objective.items():
            c[position[unknown]] = sense * coefficient
        constraints = []
        if facts:
            matrix = np.zeros((len(facts), len(unknowns)))
            lows, highs = np.empty(len(facts)), np.empty(len(facts))
            for row, index in enumerate(facts):
                fact = self._facts[index]
                for unknown, coefficient in fact.terms.items():
                    matrix[row, position[unknown]] = coefficient
                lows[row], highs[row] = fact.low, fact.high
            constraints.append(LinearConstraint(matrix, lows, highs))
        bounds = Bounds([self._lows[u] for u in unknowns], [self._highs[u] for u in unknowns])
        result = milp(c, integrality=np.ones(len(unknowns)), bounds=bounds, constraints=constraints,
                      options={"time_limit": 20.0})
        if result.status != 0 or result.x is None:
            return None
        return float(sense * result.fun) if sense else 0.0
