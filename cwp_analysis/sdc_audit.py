"""The attacker's view of published counts: a protection-interval audit by integer programming.

A table that withholds some counts still publishes numbers that constrain
them: totals and margins, shares of a base, group totals, the same base
printed in two tables.  An attacker who reads the whole page knows that
every count is a non-negative whole number and that these published
relations hold, and can compute, for each withheld count, the smallest and
the largest value consistent with everything shown.  This module computes
exactly that interval, by mixed-integer linear programming
(:func:`scipy.optimize.milp`), and judges it against the project's rule.

The model
---------
* A :class:`Cell` names one count: ``(table, row, column)``.
* An :class:`AuditProblem` holds the values of the cells (published values,
  and the true values of withheld cells when the caller knows them), which
  cells are withheld, which are blank (``missing``: unknown to everyone),
  and the :class:`LinearFact` s the attacker knows: ``lower <= sum(coef *
  count) <= upper``.  Structural relations (a total equals the sum of its
  line) and published numbers (:func:`sum_fact` for a group total,
  :func:`share_facts` for a rounded percentage, :func:`equal_fact` for one
  count printed twice) are all facts.
* A :class:`Quantity` is something the attacker must not learn: a withheld
  count, or a combination such as "line total minus this cell" (the
  complement of a count).

The rule
--------
For every protected quantity the attacker's interval ``[lower, upper]``
(integers; ``inf`` when unbounded) must

1. not be a single value (``upper - lower >= 1``), and
2. not lie inside ``1..threshold``: it must reach 0 (``lower <= 0``) or
   exceed the threshold (``upper >= threshold + 1``).

The withheld cells of one line taken together (a ``"group"`` quantity,
for every line of the problem's ``lines`` holding two or more withheld
cells) are bound by rule 2 only: with the line's total published their sum
is pinned, and a sum of 0, or above the threshold, identifies nobody,
while "these two withheld answers make 3 women" does.  This is the rule of
the page attacker (:mod:`cwp_analysis.page_attack`, "withheld cells
together"), so that the audit and the attacker agree.

This is the protection-interval audit of tau-Argus and sdcTable [1]_ [2]_
with the requirement set by the project's threshold rather than by a
percentage of the cell value: a count of 1..7 women is safe when an
attacker cannot exclude that it is zero, or that it is above 7.  Rule 2
implies rule 1 for a count whose true value lies in ``1..threshold``; rule
1 alone is what protects a withheld count of unknown value.

References
----------
.. [1] de Wolf P-P, Hundepool A, Giessing S, Salazar-Gonzalez J-J, Castro J
   (2014). tau-Argus user's manual, version 4.1.  Statistics Netherlands
   (sections on secondary suppression and the audit of a suppression
   pattern).
.. [2] Meindl B. sdcTable: Methods for Statistical Disclosure Control in
   Tabular Data.  R package on CRAN (``protectTable``; ``attack``, which
   computes the attacker's lower and upper bound of each suppressed cell).
.. [3] Hundepool A, Domingo-Ferrer J, Franconi L, Giessing S, Schulte
   Nordholt E, Spicer K, de Wolf P-P (2012). Statistical Disclosure
   Control.  Chichester: Wiley, chapters 4 and 5 (protection intervals,
   the attacker's linear programs, frequency tables).

Examples
--------
>>> row = [Cell("t", "r", c) for c in ("a", "b", "total")]
>>> problem = AuditProblem(values={row[0]: 3, row[1]: 30, row[2]: 33},
...                        withheld={row[0], row[1]},
...                        facts=[sum_fact(row[:2], 33)])
>>> audit_suppression(problem, 7).intervals[["column", "lower", "upper", "passed"]].values.tolist()
[['a', 0.0, 33.0, True], ['b', 0.0, 33.0, True]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from cwp_analysis.sdc_model import (
    AuditProblem,
    Cell,
    LinearFact,
    Quantity,
    cell_label,
    equal_fact,
    share_count_range,
    share_facts,
    sum_fact,
)

__all__ = [
    "AuditProblem",
    "AuditResult",
    "Cell",
    "LinearFact",
    "Quantity",
    "attacker_interval",
    "audit_suppression",
    "build_program",
    "cell_label",
    "equal_fact",
    "judge_interval",
    "quantity_fails",
    "share_count_range",
    "share_facts",
    "sum_fact",
]

@dataclass(frozen=True, eq=False)
class _Program:
    """The attacker's constraints in matrix form: variables are the cells in ``cells``,
    published cells outside it are substituted by their values (``fixed``)."""

    cells: tuple
    index: Mapping
    fixed: Mapping
    lower: np.ndarray
    upper: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    big: float

    def objective(self, quantity: Quantity) -> tuple[np.ndarray, float]:
        """``(c, constant)`` with ``quantity = constant + c @ x``."""
        c = np.zeros(len(self.cells))
        constant = quantity.constant
        for cell, coef in quantity.terms:
            if cell in self.index:
                c[self.index[cell]] += coef
            else:
                constant += coef * self.fixed[cell]
        return c, constant


def unbounded_level(values: Mapping) -> float:
    """A bound no count of the problem can reach; results beyond half of it are reported as infinite."""
    known = [abs(v) for v in values.values() if not math.isnan(v)]
    return 1e6 + 10.0 * float(sum(known))


def build_program(problem: AuditProblem, withheld: Iterable[Cell] | None = None, *,
                  reduce: bool = True) -> _Program:
    """Matrix form of the attacker's problem, cells withheld as in ``withheld`` (default the problem's).

    With ``reduce`` the variables are the withheld and blank cells only
    (published values moved to the right-hand sides, relations among
    published cells dropped); otherwise every cell is a variable, the
    published ones fixed by their bounds (as the optimiser's cuts need).
    """
    withheld = problem.withheld if withheld is None else frozenset(withheld)
    everything = tuple(problem.values) + tuple(c for c in problem.missing if c not in problem.values)
    unknown = [c for c in everything if c in withheld or c in problem.missing]
    cells = tuple(unknown) if reduce else everything
    index = {c: k for k, c in enumerate(cells)}
    fixed = {c: problem.values[c] for c in everything if c not in index}
    big = unbounded_level(problem.values)
    lower = np.zeros(len(cells))
    upper = np.full(len(cells), big)
    for cell, k in index.items():
        if cell not in withheld and cell not in problem.missing:
            lower[k] = upper[k] = problem.values[cell]
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for fact in problem.facts:
        row = np.zeros(len(cells))
        shift = 0.0
        for cell, coef in fact.terms:
            if cell in index:
                row[index[cell]] += coef
            else:
                shift += coef * fixed[cell]
        if not row.any():
            continue
        if fact.is_equality:
            eq_rows.append(row)
            eq_rhs.append(fact.lower - shift)
            continue
        if math.isfinite(fact.upper):
            ub_rows.append(row)
            ub_rhs.append(fact.upper - shift)
        if math.isfinite(fact.lower):
            ub_rows.append(-row)
            ub_rhs.append(shift - fact.lower)
    n = len(cells)
    return _Program(
        cells=cells, index=index, fixed=fixed, lower=lower, upper=upper,
        a_eq=np.array(eq_rows, dtype=float).reshape(len(eq_rows), n), b_eq=np.array(eq_rhs, dtype=float),
        a_ub=np.array(ub_rows, dtype=float).reshape(len(ub_rows), n), b_ub=np.array(ub_rhs, dtype=float), big=big,
    )


_CONTRADICTION = ("the published facts contradict each other: no table of non-negative whole numbers "
                  "satisfies them (check the totals and shares given to the audit)")


def _integer_minimum(program: _Program, c: np.ndarray) -> float:
    constraints = []
    if len(program.b_eq):
        constraints.append(LinearConstraint(csr_array(program.a_eq), program.b_eq - 1e-9, program.b_eq + 1e-9))
    if len(program.b_ub):
        constraints.append(LinearConstraint(csr_array(program.a_ub), -np.inf, program.b_ub + 1e-9))
    result = milp(c, constraints=constraints, bounds=Bounds(program.lower, program.upper),
                  integrality=np.ones(len(c)))
    if result.status == 2:
        raise ValueError(_CONTRADICTION)
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"the audit's integer program failed: {result.message}")
    return float(result.fun)


def minimum(program: _Program, c: np.ndarray) -> float:
    """Minimum of ``c @ x`` over whole-number x satisfying the program.

    The linear relaxation is solved first (HiGHS simplex); when its optimal
    vertex is integral it is the integer optimum, otherwise the integer
    program is solved.  Raises ValueError when the facts contradict each
    other.
    """
    result = linprog(c, A_ub=program.a_ub if len(program.b_ub) else None,
                     b_ub=program.b_ub if len(program.b_ub) else None,
                     A_eq=program.a_eq if len(program.b_eq) else None,
                     b_eq=program.b_eq if len(program.b_eq) else None,
                     bounds=np.column_stack([program.lower, program.upper]), method="highs")
    if result.status == 2:
        raise ValueError(_CONTRADICTION)
    if result.status == 0 and np.all(np.abs(result.x - np.round(result.x)) < 1e-6):
        return float(np.round(result.fun, 6))
    return _integer_minimum(program, c)


def attacker_interval(program: _Program, quantity: Quantity) -> tuple[float, float]:
    """The smallest and largest value of ``quantity`` an attacker can infer (``inf`` when unbounded)."""
    c, constant = program.objective(quantity)
    if not c.any():
        return constant, constant
    used = c != 0
    if not (program.a_eq[:, used].any() or program.a_ub[:, used].any()):
        # no fact mentions these cells: each ranges over its own bounds
        low = float(np.where(c > 0, c * program.lower, c * program.upper).sum())
        high = float(np.where(c > 0, c * program.upper, c * program.lower).sum())
    else:
        low = minimum(program, c)
        high = -minimum(program, -c)
    limit = program.big / 2
    low = constant + round(low) if low > -limit else -math.inf
    high = constant + round(high) if high < limit else math.inf
    return low, high


def judge_interval(lower: float, upper: float, threshold: int) -> tuple[bool, bool]:
    """``(exact, small)`` for an attacker's interval under the project's rule.

    >>> judge_interval(5, 5, 7), judge_interval(2, 7, 7), judge_interval(0, 7, 7), judge_interval(3, 12, 7)
    ((True, True), (False, True), (False, False), (False, False))
    """
    exact = upper - lower < 1
    small = lower >= 1 and upper <= threshold
    return bool(exact), bool(small)


def quantity_fails(quantity: Quantity, lower: float, upper: float, threshold: int) -> bool:
    """Whether an attacker's interval fails the rule for this kind of quantity.

    Rules 1 and 2 for a count or a complement; rule 2 only for a ``"group"``.

    >>> q = Quantity("two cells", [(Cell(None, "r", "a"), 1), (Cell(None, "r", "b"), 1)], kind="group")
    >>> quantity_fails(q, 3, 3, 7), quantity_fails(q, 22, 22, 7), quantity_fails(q, 0, 0, 7)
    (True, False, False)
    """
    exact, small = judge_interval(lower, upper, threshold)
    return small if quantity.kind == "group" else exact or small


@dataclass(frozen=True, eq=False)
class AuditResult:
    """The attacker's interval for every protected quantity, and the verdict.

    Attributes
    ----------
    intervals : pandas.DataFrame
        One row per protected quantity: ``quantity`` (label), ``kind``,
        ``table``, ``row``, ``column`` (the withheld cell it protects, or
        None), ``lower`` and ``upper`` (the attacker's interval; ``inf``
        when unbounded, NaN when only the line rule could be applied),
        ``exact`` (a single value), ``small`` (inside 1..threshold) and
        ``passed``.  True values are not included, so the frame may be
        shown.
    threshold : int
    """

    intervals: pd.DataFrame
    threshold: int
    notes: tuple = field(default=())

    @property
    def passed(self) -> bool:
        return bool(self.intervals["passed"].all())

    @property
    def failures(self) -> pd.DataFrame:
        return self.intervals[~self.intervals["passed"]]

    def messages(self) -> list[str]:
        """One line per failed quantity."""
        out = []
        failures = self.failures.sort_values("kind", key=lambda k: k == "complement", kind="stable")
        for row in failures.itertuples(index=False):
            if math.isnan(row.lower):
                out.append(f"{row.quantity} is the single suppressed cell of a line whose total is known: "
                           "it can be recovered by subtraction")
            elif row.exact:
                out.append(f"{row.quantity} can be recovered exactly ({row.lower:g}) from what is published")
            else:
                out.append(f"{row.quantity} is confined to {row.lower:g}..{row.upper:g}, "
                           f"inside 1..{self.threshold}")
        return out


_COLUMNS = ["quantity", "kind", "table", "row", "column", "lower", "upper", "exact", "small", "passed"]


def _validate_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    return int(threshold)


def audit_suppression(problem: AuditProblem, threshold: int = 7) -> AuditResult:
    """Compute what an attacker can infer about each protected quantity, and judge it.

    Parameters
    ----------
    problem : AuditProblem
    threshold : int, default 7

    Returns
    -------
    AuditResult

    Raises
    ------
    ValueError
        When the facts contradict each other (no table of non-negative
        whole numbers satisfies them) or for a bad threshold.

    Notes
    -----
    For each quantity the function solves two integer programs
    (:func:`scipy.optimize.milp`, HiGHS): minimise and maximise it subject
    to the published values, the facts, non-negativity and integrality.
    This is the attacker of [1]_ with integrality added, which can only
    narrow the intervals of the linear-programming attack.  Blank
    (missing) cells are free unknowns.

    References
    ----------
    .. [1] Hundepool A, et al. (2012). Statistical Disclosure Control.
       Wiley, section 4.2 (the attacker's interval of a suppressed cell).

    Examples
    --------
    The table of issue 10 as it was disclosed before optimisation: the
    withheld 5 follows from the margins.

    >>> rows, cols = ["r1", "r2", "r3", "T"], ["A", "B", "C", "T"]
    >>> grid = [[2, 9, 5, 16], [9, 0, 0, 9], [12, 8, 2, 22], [23, 17, 7, 47]]
    >>> values = {Cell(None, r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    >>> facts = [LinearFact([(Cell(None, r, "T"), 1)] + [(Cell(None, r, c), -1) for c in cols[:3]], 0, 0)
    ...          for r in rows]
    >>> facts += [LinearFact([(Cell(None, "T", c), 1)] + [(Cell(None, r, c), -1) for r in rows[:3]], 0, 0)
    ...           for c in cols]
    >>> hidden = {("r1", "A"), ("r1", "C"), ("r1", "T"), ("r2", "A"), ("r2", "T"),
    ...           ("r3", "B"), ("r3", "C"), ("T", "B"), ("T", "C")}
    >>> result = audit_suppression(AuditProblem(values, {Cell(None, *h) for h in hidden}, facts), 7)
    >>> result.passed, result.messages()[0]
    (False, "row 'r1', column 'C' can be recovered exactly (5) from what is published")
    """
    threshold = _validate_threshold(threshold)
    program = build_program(problem)
    rows = []
    for quantity in problem.audited_quantities():
        low, high = attacker_interval(program, quantity)
        exact, small = judge_interval(low, high, threshold)
        cell = quantity.cell or Cell(None, None, None)
        rows.append([quantity.label, quantity.kind, cell.table, cell.row, cell.column, float(low), float(high),
                     exact, small, not quantity_fails(quantity, low, high, threshold)])
    for line in problem.opaque_lines:
        hidden = [c for c in line if c in problem.withheld]
        if len(hidden) == 1 and any(c not in problem.missing for c in line if c != hidden[0]):
            cell = hidden[0]
            rows.append([cell_label(cell), "withheld", cell.table, cell.row, cell.column, math.nan, math.nan,
                         True, False, False])
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    for column in ("exact", "small", "passed"):
        frame[column] = frame[column].astype(bool)
    return AuditResult(intervals=frame, threshold=threshold)
