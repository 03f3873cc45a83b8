"""Secondary cell suppression chosen by integer programming and verified by the audit.

Given the cells that must be withheld (small counts, their complements,
cells already marked), :func:`optimal_suppression` chooses the fewest
further cells to withhold so that the protection-interval audit of
:mod:`cwp_analysis.sdc_audit` passes for every protected quantity.

Method
------
The choice is a master integer program over binary variables ``y_k``
(withhold candidate cell ``k``) minimising ``sum(cost_k * y_k)``, solved with
:func:`scipy.optimize.milp` and tightened round by round:

1. **Line constraints** (from the start).  In an exact relation (a line
   and its total, a group total, one count printed twice) a withheld cell
   that is the only withheld cell is determined.  So every withheld cell of
   such a relation needs a second withheld cell in it.  Any minimal pattern
   satisfies these constraints (a determined complementary cell protects
   nothing and could be released).
2. **Interval cuts** (Benders cuts; Fischetti and Salazar-Gonzalez [1]_).
   For each protected quantity the attacker's linear programs (minimum and
   maximum) are solved for the current pattern with
   :func:`scipy.optimize.linprog`; their dual solutions give linear
   inequalities in ``y`` that every pattern meeting the requirement must
   satisfy.  The requirement is a choice of side, so each quantity gets a
   binary ``u``: the upper bound must reach ``threshold + 1`` (``u = 1``)
   or the lower bound must reach 0 (``u = 0``).
3. **Line groups** (from the start).  The withheld cells of one line
   taken together are protected too (``problem.lines``; see
   :mod:`cwp_analysis.sdc_audit`).  Which cells form the group depends on
   the pattern, so it is modelled directly: with the line's total
   published the group's sum ``W = sum(value_k * y_k)`` is pinned, and a
   binary ``u`` per line requires ``W >= threshold + 1`` (``u = 1``) or
   ``W = 0`` (``u = 0``); the requirement is lifted when the line's total
   cell is withheld (then the integer check below decides).
4. **Integer check.**  When the linear attacker is defeated, the integer
   audit is run (integrality can only narrow intervals); if a quantity
   still fails, a no-good cut requires at least one more cell.  It is
   valid because withholding more never narrows an interval.  When only a
   line group fails (its cells change with the pattern), the cut excludes
   that one pattern.

The pattern returned is therefore a cheapest one among all patterns that
pass the integer audit: with the default costs, the fewest withheld cells.
Ties go to the pattern withholding the smallest counts, preferring ordinary
cells to totals and totals to zeros (a withheld zero hides a "nobody",
which readers value).  A withheld cell that the audit still finds exactly
determined is released at the end (it protects nothing).

Large problems
--------------
When there are more than ``exact_limit`` candidate cells, or the rounds
run out, the optimiser switches to a documented greedy heuristic from the
best pattern so far: for each failing quantity it withholds the candidate
with the largest weight in that quantity's interval cut per unit cost (or,
when the failure is integral, the cheapest candidate sharing a relation),
and re-audits, until the audit passes.  The result is then safe but not
proven minimal (``method == "heuristic"``); so is a pattern whose master
program stopped at its node limit (20,000 branch-and-bound nodes, a count
rather than a time so that results do not depend on the machine).

References
----------
.. [1] Fischetti M, Salazar-Gonzalez J-J (1999). Models and algorithms for
   the 2-dimensional cell suppression problem in statistical disclosure
   control.  Mathematical Programming 84, 283-312.
.. [2] Hundepool A, et al. (2012). Statistical Disclosure Control. Wiley,
   section 4.2.3 (secondary cell suppression; optimal methods).
.. [3] de Wolf P-P, et al. (2014). tau-Argus user's manual, version 4.1
   (the Optimal and Modular secondary suppression methods).

Examples
--------
>>> from cwp_analysis.sdc_audit import AuditProblem, Cell, sum_fact
>>> cells = [Cell(None, r, "n") for r in ("few", "some", "many")]
>>> problem = AuditProblem(dict(zip(cells, [3, 20, 40])), withheld={cells[0]}, facts=[sum_fact(cells, 63)])
>>> result = optimal_suppression(problem, 7)
>>> sorted(c.row for c in result.withheld), result.method, result.audit.passed
(['few', 'some'], 'milp', True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from cwp_analysis.sdc_audit import (
    AuditProblem,
    AuditResult,
    Cell,
    Quantity,
    _validate_threshold,
    attacker_interval,
    audit_suppression,
    build_program,
    judge_interval,
    quantity_fails,
)

__all__ = ["EXACT_LIMIT", "MAX_ROUNDS", "SuppressionResult", "default_costs", "optimal_suppression"]

#: More candidate cells than this and the greedy heuristic is used instead of the exact program.
EXACT_LIMIT = 2000
#: Rounds of the master program before falling back to the heuristic.
MAX_ROUNDS = 200

_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class SuppressionResult:
    """A suppression pattern and its audit.

    Attributes
    ----------
    withheld : frozenset of Cell
        Every cell to withhold (the required ones and the complementary ones).
    secondary : frozenset of Cell
        The complementary cells chosen.
    audit : AuditResult
        The audit of the final pattern.
    unprotected : tuple of str
        Protected quantities that no pattern can protect (they fail the
        audit even with every candidate withheld); empty in normal use.
    method : {"none", "milp", "heuristic"}
        ``"milp"``: proven cheapest; ``"heuristic"``: safe, not proven
        minimal (the greedy heuristic, or a master program stopped at its
        node limit); ``"none"``: nothing could be withheld to help.
    rounds : int
        Rounds of the master program.
    """

    withheld: frozenset
    secondary: frozenset
    audit: AuditResult
    unprotected: tuple
    method: str
    rounds: int = 0


def default_costs(problem: AuditProblem, candidates: Iterable[Cell], totals: Iterable[Cell] = ()) -> dict:
    """Cost of withholding each candidate: 1 per cell, plus a tie-breaker below 1 in all.

    The tie-breaker prefers (in this order) ordinary non-zero cells, then
    total cells, then zeros, and within a tier the smaller count.  It adds
    up to less than 1 over any pattern, so the fewest cells always win.

    >>> from cwp_analysis.sdc_audit import Cell
    >>> a, b, z = Cell(None, 1, "a"), Cell(None, 2, "a"), Cell(None, 3, "a")
    >>> costs = default_costs(AuditProblem({a: 10, b: 30, z: 0}), [a, b, z])
    >>> costs[a] < costs[b] < costs[z] < 2
    True
    """
    candidates = list(candidates)
    totals = set(totals)
    largest = max([problem.values[c] for c in candidates] + [0.0])
    step = 1.0 / (3.0 * (len(candidates) + 1))
    costs = {}
    for cell in candidates:
        value = problem.values[cell]
        tier = 2 if value == 0 else 1 if cell in totals else 0
        costs[cell] = 1.0 + step * (tier + value / (largest + 1.0))
    return costs


@dataclass
class _Master:
    """The master program: binaries for candidates, then one side binary per quantity with cuts.

    Each row is ``(tag, coefficients, low)`` meaning ``sum(coefficients) >= low``; the tag
    (a quantity number, or None) lets the rows of an unprotectable quantity be dropped.
    """

    candidates: list
    costs: np.ndarray
    rows: list
    sides: dict
    proven: bool = True

    def add(self, coefficients: dict, low: float, tag=None) -> None:
        self.rows.append((tag, coefficients, low))

    def side(self, key) -> int:
        if key not in self.sides:
            self.sides[key] = len(self.candidates) + len(self.sides)
        return self.sides[key]

    def drop(self, tags: set) -> None:
        self.rows = [row for row in self.rows if row[0] not in tags]

    def solve(self):
        n = len(self.candidates) + len(self.sides)
        c = np.concatenate([self.costs, np.zeros(len(self.sides))])
        constraints = []
        if self.rows:
            matrix = np.zeros((len(self.rows), n))
            for i, (_tag, row, _low) in enumerate(self.rows):
                for j, v in row.items():
                    matrix[i, j] += v
            lows = np.array([low for _tag, _row, low in self.rows]) - 1e-7
            constraints.append(LinearConstraint(csr_array(matrix), lows, np.inf))
        result = milp(c, constraints=constraints, bounds=Bounds(0, 1), integrality=np.ones(n),
                      options={"node_limit": 20000})
        if result.x is None or result.status not in (0, 1):
            return None
        self.proven = self.proven and result.status == 0
        chosen = result.x[: len(self.candidates)] > 0.5
        return {cell for cell, on in zip(self.candidates, chosen) if on}


def _line_constraints(problem: AuditProblem, forced: frozenset, position: Mapping, tags: Mapping,
                      master: _Master) -> None:
    """A withheld cell alone in an exact relation is determined: require a second one (see module notes)."""
    lines = [f.cells for f in problem.facts if f.is_equality] + list(problem.opaque_lines)
    for cells in lines:
        if any(c in problem.missing for c in cells):
            continue
        members = [c for c in cells if c in forced or c in position]
        for cell in members:
            others = [c for c in members if c != cell]
            if any(c in forced for c in others):
                continue
            row = {position[c]: 1.0 for c in others}
            if cell in forced:
                if row:
                    master.add(row, 1.0, tags.get(cell))
            else:
                row[position[cell]] = row.get(position[cell], 0.0) - 1.0
                master.add(row, 0.0)


def _line_total(problem: AuditProblem, line: tuple):
    """The total cells of the exact relation that adds ``line`` up, or None when there is none."""
    cells = set(line)
    for fact in problem.facts:
        if not fact.is_equality or not cells <= set(fact.cells):
            continue
        signs = {coef for cell, coef in fact.terms if cell in cells}
        if len(signs) == 1 and not any(c in problem.missing for c in fact.cells):
            sign = signs.pop()
            totals = [c for c, coef in fact.terms if c not in cells]
            if all(coef == -sign for c, coef in fact.terms if c not in cells):
                return totals
    return None


def _group_constraints(problem: AuditProblem, forced: frozenset, position: Mapping, threshold: int,
                       master: _Master) -> None:
    """Each line's withheld cells together: 0, or more than the threshold (see module notes, 3)."""
    for number, line in enumerate(problem.lines):
        totals = _line_total(problem, line)
        values = [problem.values[c] for c in line]
        if totals is None or any(math.isnan(v) for v in values) or any(c in forced for c in totals):
            continue
        fixed = sum(v for c, v in zip(line, values) if c in forced)
        free = {position[c]: v for c, v in zip(line, values) if c in position and v > 0}
        lift = [position[c] for c in totals if c in position]
        most = fixed + sum(free.values())
        if most <= threshold and fixed >= 1 and not lift:
            continue  # no pattern protects it: left to the audit's report
        side = master.side(("line", number))
        up = dict(free)
        up[side] = -(threshold + 1.0)
        down = {j: -v for j, v in free.items()}
        down[side] = float(most)
        for j in lift:
            up[j] = up.get(j, 0.0) + threshold + 1.0
            down[j] = down.get(j, 0.0) + float(most)
        master.add(up, -fixed, ("line", number))
        master.add(down, fixed, ("line", number))


def _cut(program, problem, withheld, c, position):
    """Minimise ``c @ x`` (the linear attacker, every cell a variable).

    Returns ``(optimum, integral, constant C, weights g)`` with ``optimum(y) >= C + g @ y`` for
    every pattern ``y`` (LP duality; the dual solution does not depend on ``y``), or None when
    the solver gives no certificate.
    """
    bounds = np.column_stack([program.lower, program.upper])
    for cell, k in program.index.items():
        if cell in withheld:
            bounds[k] = (0.0, program.big)
    result = linprog(c, A_ub=program.a_ub if len(program.b_ub) else None,
                     b_ub=program.b_ub if len(program.b_ub) else None,
                     A_eq=program.a_eq if len(program.b_eq) else None,
                     b_eq=program.b_eq if len(program.b_eq) else None, bounds=bounds, method="highs")
    if result.status != 0:
        return None
    d = np.asarray(result.lower.marginals) + np.asarray(result.upper.marginals)
    pi = np.minimum(d, 0.0)
    constant = 0.0
    if len(program.b_eq):
        constant += float(program.b_eq @ result.eqlin.marginals)
    if len(program.b_ub):
        constant += float(program.b_ub @ result.ineqlin.marginals)
    g = np.zeros(len(position))
    check = constant
    for cell, k in program.index.items():
        value = problem.values.get(cell, math.nan)
        if cell in position:
            constant += value * d[k]
            g[position[cell]] = program.big * pi[k] - value * d[k]
            check += program.big * pi[k] if cell in withheld else value * d[k]
        elif cell in withheld or cell in problem.missing:
            constant += program.big * pi[k]
            check += program.big * pi[k]
        else:
            constant += value * d[k]
            check += value * d[k]
    if abs(check - result.fun) > _TOL * max(1.0, abs(result.fun), program.big * 1e-6):
        return None
    integral = bool(np.all(np.abs(result.x - np.round(result.x)) < 1e-6))
    return float(result.fun), integral, constant, g


def _interval_cuts(program, problem, withheld, quantity, threshold, position):
    """The linear attacker's verdict on one quantity.

    Returns ``"pass"`` (the requirement holds and the optimal vertices are integral, so the
    integer attacker does no better), ``"check"`` (holds for the linear attacker only, or no
    certificate), or the two side cuts ``((weights, rhs), (weights, rhs))``.
    """
    e, constant = program.objective(quantity)
    high = _cut(program, problem, withheld, -e, position)
    low = _cut(program, problem, withheld, e, position)
    if high is None or low is None:
        return "check"
    max_value = constant - high[0]
    min_value = constant + low[0]
    if max_value >= threshold + 1 - _TOL or min_value <= _TOL:
        reached = (max_value >= threshold + 1 - _TOL and high[1]) or (min_value <= _TOL and low[1])
        return "pass" if reached else "check"
    up = (np.clip(-high[3], 0.0, None), threshold + 1 - constant + high[2])
    down = (np.clip(-low[3], 0.0, None), low[2] + constant)
    return up, down


def _failing(problem: AuditProblem, withheld: frozenset, quantities, threshold: int) -> list:
    program = build_program(problem, withheld)
    return [q for q in quantities if quantity_fails(q, *attacker_interval(program, q), threshold)]


def _group_additions(problem, withheld, threshold, position, costs) -> set:
    """For each failing line group, a cell of its line that lifts it above the threshold (the cheapest)."""
    additions = set()
    for quantity in _failing(problem, withheld, problem.group_quantities(withheld), threshold):
        cells = {c for c, _ in quantity.terms}
        line = next(line for line in problem.lines if cells <= set(line))
        pool = [c for c in line if c in position and c not in withheld and problem.values[c] > 0]
        enough = [c for c in pool if quantity.value + problem.values[c] > threshold]
        pool = enough or pool or [c for c in _neighbours(problem, quantity) if c in position and c not in withheld]
        if pool:
            additions.add(min(pool, key=lambda c: (costs[c], repr(c))))
    return additions


def _lone_in_opaque_line(problem: AuditProblem, withheld: frozenset) -> list:
    """Opaque lines (known total, value not at hand) holding a single withheld cell."""
    return [line for line in problem.opaque_lines
            if sum(c in withheld for c in line) == 1 and not any(c in problem.missing for c in line)]


def _neighbours(problem: AuditProblem, quantity: Quantity) -> set:
    cells = {c for c, _ in quantity.terms}
    return {c for f in problem.facts if cells & set(f.cells) for c in f.cells}


def _greedy(problem, withheld, quantities, threshold, candidates, costs) -> frozenset:
    """Add cells until the audit passes (or nothing is left to add)."""
    position = {c: j for j, c in enumerate(candidates)}
    withheld = frozenset(withheld)
    while True:
        program = build_program(problem, withheld, reduce=False)
        additions = set()
        for quantity in quantities:
            if math.isnan(quantity.value):
                continue
            cuts = _interval_cuts(program, problem, withheld, quantity, threshold, position)
            if isinstance(cuts, str):
                continue
            best, score = None, 0.0
            for weights, rhs in cuts:
                for j, cell in enumerate(candidates):
                    if cell in withheld or weights[j] <= _TOL:
                        continue
                    value = min(weights[j], max(rhs, _TOL)) / max(rhs, _TOL) / costs[cell]
                    if value > score + 1e-12:
                        best, score = cell, value
            if best is not None:
                additions.add(best)
        for line in _lone_in_opaque_line(problem, withheld):
            pool = [c for c in line if c in position and c not in withheld]
            if pool:
                additions.add(min(pool, key=lambda c: (costs[c], repr(c))))
        if not additions:
            additions = _group_additions(problem, withheld, threshold, position, costs)
        if not additions:
            for quantity in _failing(problem, withheld, quantities, threshold):
                pool = [c for c in _neighbours(problem, quantity) if c in position and c not in withheld]
                pool = pool or [c for c in candidates if c not in withheld]
                if pool:
                    additions.add(min(pool, key=lambda c: (costs[c], repr(c))))
        if not additions:
            return withheld
        withheld = withheld | additions


def _release_determined(problem, withheld, forced, threshold) -> frozenset:
    """Release complementary cells the audit finds exactly determined (they protect nothing),
    unless releasing one leaves a line group failing."""
    program = build_program(problem, withheld)
    determined = sorted((cell for cell in withheld - forced
                         if judge_interval(*attacker_interval(program, Quantity("", [(cell, 1.0)],
                                                                                kind="withheld")), threshold)[0]),
                        key=repr)
    for cell in determined:
        fewer = withheld - {cell}
        if not _failing(problem, fewer, problem.group_quantities(fewer), threshold):
            withheld = fewer
    return withheld


def optimal_suppression(problem: AuditProblem, threshold: int = 7, *, candidates: Iterable[Cell] | None = None,
                        cost: Mapping | None = None, exact_limit: int = EXACT_LIMIT,
                        max_rounds: int = MAX_ROUNDS) -> SuppressionResult:
    """Choose complementary cells so that the audit passes, at least cost.

    Parameters
    ----------
    problem : AuditProblem
        ``problem.withheld`` are the cells that must be withheld; the
        protected quantities are ``problem.audited_quantities()``.
    threshold : int, default 7
    candidates : iterable of Cell, optional
        Cells that may be withheld.  Default: every published cell with a
        value that appears in a fact or opaque line (a cell in none cannot
        help).
    cost : mapping of Cell to float, optional
        Cost of withholding each candidate (positive).  Default
        :func:`default_costs`: the fewest cells, ties to small counts.
    exact_limit : int
        Above this many candidates, use the heuristic.
    max_rounds : int
        Rounds of the master program before the heuristic takes over.

    Returns
    -------
    SuppressionResult

    Raises
    ------
    ValueError
        For a bad threshold, unknown candidates, non-positive costs, or
        facts that contradict each other.
    """
    threshold = _validate_threshold(threshold)
    forced = problem.withheld
    related = {c for f in problem.facts for c in f.cells} | {c for line in problem.opaque_lines for c in line}
    if candidates is None:
        candidates = [c for c in problem.values
                      if c in related and c not in forced and c not in problem.missing
                      and not math.isnan(problem.values[c])]
    else:
        candidates = list(dict.fromkeys(candidates))
        bad = [c for c in candidates if c not in problem.values or c in problem.missing
               or math.isnan(problem.values[c])]
        if bad:
            raise ValueError(f"candidate {bad[0]!r} is not a published cell with a value")
        candidates = [c for c in candidates if c not in forced and c in related]
    costs = dict(default_costs(problem, candidates) if cost is None else cost)
    if any(c not in costs or not costs[c] > 0 for c in candidates):
        raise ValueError("every candidate needs a positive cost")
    quantities = list(problem.audited_quantities(groups=False))
    if not candidates or not (quantities or problem.lines):
        return _finish(problem, forced, forced, threshold, quantities, "none", 0)
    if len(candidates) > exact_limit:
        pattern = _greedy(problem, forced, quantities, threshold, candidates, costs)
        return _finish(problem, pattern, forced, threshold, quantities, "heuristic", 0)

    position = {c: j for j, c in enumerate(candidates)}
    tags = {q.cell: number for number, q in enumerate(quantities) if q.cell is not None}
    master = _Master(candidates, np.array([costs[c] for c in candidates]), [], {})
    _line_constraints(problem, forced, position, tags, master)
    _group_constraints(problem, forced, position, threshold, master)
    protectable = dict(enumerate(quantities))
    excluded = False
    pattern = forced
    for rounds in range(1, max_rounds + 1):
        chosen = master.solve()
        if chosen is None:
            if excluded:
                break
            # some quantity cannot be protected at all: leave it to the report, protect the rest
            excluded = True
            everything = forced | frozenset(candidates)
            hopeless = {id(q) for q in _failing(problem, everything, quantities, threshold)}
            gone = {n for n, q in protectable.items() if id(q) in hopeless}
            lost = [{c for c, _ in q.terms} for q in
                    _failing(problem, everything, problem.group_quantities(everything), threshold)]
            gone |= {("line", k) for k, line in enumerate(problem.lines) if any(g <= set(line) for g in lost)}
            protectable = {n: q for n, q in protectable.items() if n not in gone}
            master.drop(gone)
            continue
        pattern = forced | frozenset(chosen)
        program = build_program(problem, pattern, reduce=False)
        added, doubtful = False, []
        for number, quantity in protectable.items():
            if math.isnan(quantity.value):
                doubtful.append(quantity)
                continue
            verdict = _interval_cuts(program, problem, pattern, quantity, threshold, position)
            if verdict == "check":
                doubtful.append(quantity)
            if isinstance(verdict, str):
                continue
            side = master.side(number)
            (up_w, up_rhs), (low_w, low_rhs) = verdict
            up = {j: w for j, w in enumerate(up_w) if w > 1e-9}
            up[side] = -up_rhs
            master.add(up, 0.0, number)
            down = {j: w for j, w in enumerate(low_w) if w > 1e-9}
            down[side] = low_rhs
            master.add(down, low_rhs, number)
            added = True
        if added:
            continue
        groups_fail = _failing(problem, pattern, problem.group_quantities(pattern), threshold)
        if not groups_fail and not _failing(problem, pattern, doubtful, threshold):
            method = "milp" if master.proven else "heuristic"
            return _finish(problem, pattern, forced, threshold, quantities, method, rounds)
        outside = {position[c]: 1.0 for c in candidates if c not in pattern}
        if groups_fail and not _failing(problem, pattern, doubtful, threshold):
            # only a line group fails: exclude this one pattern (its groups change with the pattern)
            inside = [position[c] for c in candidates if c in pattern]
            master.add({**outside, **{j: -1.0 for j in inside}}, 1.0 - len(inside))
            continue
        if not outside:
            break
        master.add(outside, 1.0)
    pattern = _greedy(problem, pattern, list(protectable.values()), threshold, candidates, costs)
    return _finish(problem, pattern, forced, threshold, quantities, "heuristic", max_rounds)


def _finish(problem, pattern, forced, threshold, quantities, method, rounds) -> SuppressionResult:
    pattern = _release_determined(problem, frozenset(pattern), frozenset(forced), threshold)
    audit = audit_suppression(problem.with_withheld(pattern), threshold)
    failed = set(audit.failures["quantity"])
    unprotected = tuple(q.label for q in quantities if q.label in failed)
    unprotected += tuple(audit.failures.loc[audit.failures["kind"] == "group", "quantity"])
    return SuppressionResult(withheld=frozenset(pattern), secondary=frozenset(pattern - forced), audit=audit,
                             unprotected=unprotected, method=method, rounds=rounds)
