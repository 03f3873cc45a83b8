"""The protection-interval audit: exact attacker intervals on hand-made tables, and the leaks of issue 10."""

from __future__ import annotations

import math

import pytest

from cwp_analysis.sdc_audit import (
    AuditProblem,
    Cell,
    LinearFact,
    Quantity,
    audit_suppression,
    equal_fact,
    judge_interval,
    quantity_fails,
    share_count_range,
    share_facts,
    sum_fact,
)


def grid_problem(grid, rows, columns, hidden, *, totals=True, missing=()):
    """A two-way table whose last row and column are totals, as an AuditProblem."""
    values = {Cell(None, r, c): v for r, line in zip(rows, grid) for c, v in zip(columns, line) if v is not None}
    facts = []
    if totals:
        for r in rows:
            facts.append(LinearFact([(Cell(None, r, columns[-1]), 1)] + [(Cell(None, r, c), -1) for c in columns[:-1]],
                                    0, 0))
        for c in columns:
            facts.append(LinearFact([(Cell(None, rows[-1], c), 1)] + [(Cell(None, r, c), -1) for r in rows[:-1]],
                                    0, 0))
    return AuditProblem(values, {Cell(None, *h) for h in hidden}, facts,
                        missing={Cell(None, *m) for m in missing})


def intervals(result):
    """The interval of each withheld cell (sums of several cells, kind "group", left out)."""
    return {(row.row, row.column): (row.lower, row.upper) for row in result.intervals.itertuples()
            if row.kind != "group"}


# --- the rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "verdict"),
    [
        ((5, 5), (True, True)),  # a single value
        ((9, 9), (True, False)),  # recoverable, though not small
        ((2, 7), (False, True)),  # confined to 1..7
        ((1, 7), (False, True)),
        ((0, 7), (False, False)),  # could be nobody
        ((3, 8), (False, False)),  # could be above the threshold
        ((0, math.inf), (False, False)),
    ],
)
def test_judge_interval(interval, verdict):
    assert judge_interval(*interval, 7) == verdict


def test_threshold_moves_the_small_band():
    assert judge_interval(3, 8, 8) == (False, True)
    assert judge_interval(3, 8, 7) == (False, False)


# --- exact intervals on small tables -------------------------------------------------


def test_two_by_two_with_margins_worked_by_hand():
    # rows [5, 20 | 25], [12, 15 | 27], totals [17, 35 | 52]; the four inner cells withheld.
    # x11 = t, x12 = 25 - t, x21 = 17 - t, x22 = 10 + t, all >= 0  ->  0 <= t <= 17.
    rows, cols = ["r1", "r2", "T"], ["A", "B", "T"]
    grid = [[5, 20, 25], [12, 15, 27], [17, 35, 52]]
    result = audit_suppression(grid_problem(grid, rows, cols, [("r1", "A"), ("r1", "B"), ("r2", "A"), ("r2", "B")]), 7)
    assert intervals(result) == {("r1", "A"): (0, 17), ("r1", "B"): (8, 25),
                                 ("r2", "A"): (0, 17), ("r2", "B"): (10, 27)}
    assert result.passed
    assert set(result.intervals["kind"]) == {"withheld"}


def test_one_way_table_with_a_total():
    cells = [Cell(None, r, "n") for r in ("few", "some", "many", "Total")]
    fact = LinearFact([(cells[3], 1), (cells[0], -1), (cells[1], -1), (cells[2], -1)], 0, 0)
    problem = AuditProblem(dict(zip(cells, [3, 20, 40, 63])), {cells[0], cells[1]}, [fact])
    assert intervals(audit_suppression(problem, 7)) == {("few", "n"): (0, 23), ("some", "n"): (0, 23)}
    lone = problem.with_withheld({cells[0]})
    result = audit_suppression(lone, 7)
    assert intervals(result) == {("few", "n"): (3, 3)}
    assert result.messages() == ["row 'few', column 'n' can be recovered exactly (3) from what is published"]


def test_issue_counterexample_as_disclosed_before_optimisation():
    # the pattern the old line-rule heuristic produced: every line has two withheld cells,
    # yet the 5 follows from the margins (T1 + T2 = 25, T2 = A2, A1 + A2 = 11, so C1 = 5)
    rows, cols = ["r1", "r2", "r3", "T"], ["A", "B", "C", "T"]
    grid = [[2, 9, 5, 16], [9, 0, 0, 9], [12, 8, 2, 22], [23, 17, 7, 47]]
    hidden = [("r1", "A"), ("r1", "C"), ("r1", "T"), ("r2", "A"), ("r2", "T"), ("r3", "B"), ("r3", "C"),
              ("T", "B"), ("T", "C")]
    result = audit_suppression(grid_problem(grid, rows, cols, hidden), 7)
    found = intervals(result)
    assert found[("r1", "C")] == (5, 5)
    assert found[("r1", "A")] == (0, 11)
    assert not result.passed
    assert list(result.failures["row"]) == ["r1"] and list(result.failures["column"]) == ["C"]


def test_blank_cells_are_unknown_to_the_attacker():
    # row [5, blank | 40]: the blank absorbs anything, so the 5 is only bounded by the total
    rows, cols = ["r1", "T"], ["A", "B", "T"]
    problem = grid_problem([[5, None, 40], [5, None, 40]], rows, cols, [("r1", "A")], totals=False,
                           missing=[("r1", "B")])
    a, b, t = (Cell(None, "r1", c) for c in cols)
    problem = problem.with_facts(LinearFact([(t, 1), (a, -1), (b, -1)], 0, 0))
    assert intervals(audit_suppression(problem, 7)) == {("r1", "A"): (0, 40)}


def test_unbounded_cells_report_infinity():
    a, b = Cell(None, 1, "x"), Cell(None, 2, "x")
    result = audit_suppression(AuditProblem({a: 3, b: 4}, {a, b}, [LinearFact([(a, 1), (b, -1)], -1, -1)]), 7)
    assert intervals(result) == {(1, "x"): (0, math.inf), (2, "x"): (1, math.inf)}
    assert result.passed


# --- published shares, group totals and other facts ------------------------------------


@pytest.mark.parametrize(
    ("percent", "base", "decimals", "expected"),
    [(8, 65, 0, (5, 5)), (96, 68, 0, (65, 65)), (54, 28, 0, (15, 15)), (1, 200, 0, (1, 3)),
     (7.7, 65, 1, (5, 5)), (10, 100, 0, (10, 10)), (50, 9, 0, (5, 4))],
)
def test_share_count_range(percent, base, decimals, expected):
    assert share_count_range(percent, base, decimals) == expected


def test_reproduction_mark_leak_share_of_a_known_base():
    # "8% of 65, reproduced": the withheld count is 5
    count, other = Cell(None, "age_21_under", "women counted"), Cell(None, "age_21_under", "other answers")
    problem = AuditProblem({count: 5, other: 60}, {count, other}, [sum_fact([count, other], 65)])
    assert audit_suppression(problem, 7).passed
    leaked = problem.with_facts(*share_facts([count], 65, 8, 0))
    assert intervals(audit_suppression(leaked, 7))[("age_21_under", "women counted")] == (5, 5)


def test_share_of_a_withheld_base():
    # count and base both withheld, the other answers shown (60): 7.7% pins count = 5, base = 65
    count, other, base = (Cell(None, "q", c) for c in ("yes", "no", "base"))
    problem = AuditProblem({count: 5, other: 60, base: 65}, {count, base},
                           [LinearFact([(base, 1), (count, -1), (other, -1)], 0, 0)])
    assert intervals(audit_suppression(problem, 7))[("q", "yes")] == (0, math.inf)
    pinned = audit_suppression(problem.with_facts(*share_facts([count], base, 7.7, 1)), 7)
    assert intervals(pinned) == {("q", "yes"): (5, 5), ("q", "base"): (65, 65)}


def test_likert_group_share_in_alt_text_recovers_a_withheld_answer():
    # "54% positive (n=28)" beside a shown "Agree" of 8: "Strongly agree" must be 7
    sa, agree, rest, base = (Cell(None, "understood", c) for c in ("Strongly agree", "Agree", "Other", "Base"))
    problem = AuditProblem({sa: 7, agree: 8, rest: 13, base: 28}, {sa, rest},
                           [LinearFact([(base, 1), (sa, -1), (agree, -1), (rest, -1)], 0, 0)])
    assert intervals(audit_suppression(problem, 7))[("understood", "Strongly agree")] == (0, 20)
    leaked = audit_suppression(problem.with_facts(*share_facts([sa, agree], 28, 54, 0)), 7)
    assert intervals(leaked)[("understood", "Strongly agree")] == (7, 7)
    grouped = audit_suppression(problem.with_facts(sum_fact([sa, agree], 15)), 7)
    assert intervals(grouped)[("understood", "Strongly agree")] == (7, 7)


def test_effect_sizes_of_a_yes_no_item_recover_the_withheld_count():
    # 40 pairs, 3 "yes" before (withheld) and 20 after (shown).  b = yes->no, c = no->yes are
    # not published, but rank-biserial and r give b + c = 19 and c - b = 17; with
    # before - after = b - c the withheld 3 follows.
    before, after = Cell(None, "bank", "Before n"), Cell(None, "bank", "After n")
    b, c = Cell(None, "bank", "b"), Cell(None, "bank", "c")
    relation = LinearFact([(before, 1), (after, -1), (b, -1), (c, 1)], 0, 0)
    problem = AuditProblem({before: 3, after: 20}, {before}, [relation], missing={b, c})
    assert intervals(audit_suppression(problem, 7))[("bank", "Before n")] == (0, math.inf)
    leaked = problem.with_facts(sum_fact([b, c], 19), LinearFact([(c, 1), (b, -1)], 17, 17))
    assert intervals(audit_suppression(leaked, 7))[("bank", "Before n")] == (3, 3)


def test_one_base_printed_in_two_tables():
    a_yes, a_no, a_total = (Cell("a", r, "n") for r in ("yes", "no", "Total"))
    b_total = Cell("b", "Total", "n")
    fact = LinearFact([(a_total, 1), (a_yes, -1), (a_no, -1)], 0, 0)
    problem = AuditProblem({a_yes: 3, a_no: 40, a_total: 43, b_total: 43}, {a_yes, a_total}, [fact])
    assert intervals(audit_suppression(problem, 7))[("yes", "n")] == (0, math.inf)
    linked = audit_suppression(problem.with_facts(equal_fact(a_total, b_total)), 7)
    assert intervals(linked)[("yes", "n")] == (3, 3)


def test_complement_quantity_is_audited():
    # count 62 of base 65 withheld, base shown: the 3 outside it must not be pinned
    count, base = Cell(None, "bank", "n"), Cell(None, "bank", "Base")
    rest = Quantity("base minus count", [(base, 1), (count, -1)], kind="complement", value=3, cell=count)
    problem = AuditProblem({count: 62, base: 65}, {count}, quantities=[rest])
    assert audit_suppression(problem, 7).passed
    pinned = audit_suppression(problem.with_facts(*share_facts([count], 65, 95.4, 1)), 7)
    # the share also asks for the rest of its base, as the page attacker does
    assert pinned.failures["quantity"].tolist() == ["base minus count", "row 'bank', column 'n'",
                                                    "95.4% share: the rest of its base"]
    assert pinned.messages()[-1] == "base minus count can be recovered exactly (3) from what is published"


def test_opaque_line_with_a_single_withheld_cell_fails():
    cells = [Cell(None, r, "n") for r in ("a", "b", "c")]
    problem = AuditProblem({cells[0]: float("nan"), cells[1]: 30, cells[2]: 40}, {cells[0]},
                           opaque_lines=[tuple(cells)])
    result = audit_suppression(problem, 7)
    assert not result.passed
    assert "single suppressed cell" in result.messages()[0]


# --- errors ------------------------------------------------------------------------------


def test_contradictory_facts_are_an_error():
    a, b = Cell(None, 1, "x"), Cell(None, 2, "x")
    problem = AuditProblem({a: 3, b: 4}, {a}, [sum_fact([a, b], 2)])
    with pytest.raises(ValueError, match="contradict"):
        audit_suppression(problem, 7)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"values": {Cell(None, 1, "x"): -1}}, "non-negative whole number"),
        ({"values": {Cell(None, 1, "x"): 2.5}}, "non-negative whole number"),
        ({"values": {}, "withheld": {Cell(None, 1, "x")}}, "has no value"),
        ({"values": {Cell(None, 1, "x"): float("nan")}}, "published but has no value"),
        ({"values": {("t", 1, "x"): 3}}, "is not a Cell"),
    ],
)
def test_bad_problems(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AuditProblem(**kwargs)


def test_bad_threshold_and_facts():
    a = Cell(None, 1, "x")
    with pytest.raises(ValueError, match="threshold"):
        audit_suppression(AuditProblem({a: 3}), 0)
    with pytest.raises(ValueError, match="not an interval"):
        LinearFact([(a, 1)], 3, 2)
    with pytest.raises(ValueError, match="whole numbers"):
        Quantity("half", [(a, 0.5)])
    with pytest.raises(ValueError, match="decimals"):
        share_facts([a], 10, 5, -1)


# --- the withheld cells of one line together ----------------------------------------------


def likert_row(withheld: str) -> AuditProblem:
    """Answers [0, 1, 2, 19, 46] adding up to a published base of 68; ``withheld`` names the answers."""
    cells = [Cell(None, "item", c) for c in "abcde"]
    base = Cell(None, "item", "Base")
    return AuditProblem({**dict(zip(cells, [0, 1, 2, 19, 46])), base: 68},
                        {c for c in cells if c.column in withheld},
                        [LinearFact([(base, 1)] + [(c, -1) for c in cells], 0, 0)], lines=[tuple(cells)])


def test_withheld_cells_together_pinned_small_fail():
    # 1 and 2 withheld beside 0, 19, 46 and the base 68: together they are 68 - 65 = 3 women
    result = audit_suppression(likert_row("bc"), 7)
    assert intervals(result) == {("item", "b"): (0, 3), ("item", "c"): (0, 3)}
    assert not result.passed
    assert result.messages() == [("row 'item', columns 'b' + 'c' together can be recovered exactly (3) "
                                  "from what is published")]
    group = result.failures.iloc[0]
    assert (group["kind"], group["row"], group["exact"], group["small"]) == ("group", "item", True, True)


def test_withheld_cells_together_pinned_above_the_threshold_or_at_zero_pass():
    # the 19 withheld too: 22 together, pinned but identifying nobody
    result = audit_suppression(likert_row("bcd"), 7)
    assert result.passed
    row = result.intervals[result.intervals["kind"] == "group"].iloc[0]
    assert (row["quantity"], row["lower"], row["upper"]) == ("row 'item', columns 'b' + 'c' + 'd' together", 22, 22)
    # withholding the 0 with the 46: each ranges over 0..46, together 46
    assert audit_suppression(likert_row("ae"), 7).passed
    # a single withheld cell makes no group (it is audited as a cell)
    assert likert_row("b").group_quantities() == ()


def test_a_line_withheld_whole_is_not_a_group():
    cells = [Cell(None, "r", c) for c in "ab"]
    problem = AuditProblem(dict(zip(cells, [2, 3])), set(cells), [sum_fact(cells, 5)], lines=[tuple(cells)])
    assert problem.group_quantities() == ()


def test_group_rule_is_rule_two_only():
    q = Quantity("g", [(Cell(None, "r", "a"), 1), (Cell(None, "r", "b"), 1)], kind="group")
    cell = Quantity("c", [(Cell(None, "r", "a"), 1)], kind="withheld")
    assert [quantity_fails(q, lo, hi, 7) for lo, hi in [(3, 3), (2, 6), (0, 0), (8, 8), (0, 5), (5, 9)]] == [
        True, True, False, False, False, False]
    assert [quantity_fails(cell, lo, hi, 7) for lo, hi in [(8, 8), (0, 0), (0, 5)]] == [True, True, False]


def test_group_lines_are_renamed_and_joined():
    named = likert_row("bc").renamed("t1")
    assert named.lines == (tuple(Cell("t1", "item", c) for c in "abcde"),)
    assert named.group_quantities()[0].label == "table 't1', row 'item', columns 'b' + 'c' together"
    joined = named.joined(likert_row("bcd").renamed("t2"))
    assert len(joined.lines) == 2 and [q.value for q in joined.group_quantities()] == [3, 22]


def test_a_share_asks_for_its_group_and_the_rest_of_its_base():
    # "% positive" = (19 + 46) / 68 = 95.6% published beside the base: the rest of the base is 3
    cells = [Cell(None, "item", c) for c in "abcde"]
    base = Cell(None, "item", "Base")
    problem = likert_row("bcd")
    share = share_facts(cells[3:], base, 95.6, 1, "% positive")
    assert [q.label for q in share[0].asks] == ["% positive: the answers it counts together",
                                                "% positive: the rest of its base"]
    result = audit_suppression(problem.with_facts(*share), 7)
    # with 46 shown, the share pins the withheld 19 as well
    assert result.messages() == ["row 'item', column 'd' can be recovered exactly (19) from what is published",
                                 ("% positive: the rest of its base can be recovered exactly (3) "
                                  "from what is published")]
    # "% positive" over a known number: the rest is a constant minus the group
    (fact,) = share_facts(cells[3:], 68, 95.6, 1)
    assert [(q.constant, q.kind) for q in fact.asks] == [(0.0, "group"), (68.0, "group")]
