"""Optimal secondary suppression: minimal, audited, and safe against an independent brute-force attacker."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwp_analysis.disclosure import check_disclosure, disclose, disclose_page
from cwp_analysis.page_attack import attack_page
from cwp_analysis.sdc_audit import AuditProblem, Cell, audit_suppression, sum_fact
from cwp_analysis.sdc_lines import CountBlock, block_model
from cwp_analysis.sdc_suppress import default_costs, optimal_suppression

C = "[c]"
VALUES = st.sampled_from([0, 0, 1, 2, 3, 5, 7, 8, 9, 12, 20, 31])


def with_margins(body: np.ndarray) -> pd.DataFrame:
    rows = [f"r{i}" for i in range(body.shape[0])]
    cols = [chr(ord("A") + j) for j in range(body.shape[1])]
    table = pd.DataFrame(body, index=rows, columns=cols)
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


bodies = st.tuples(st.integers(2, 3), st.integers(2, 3)).flatmap(
    lambda shape: st.lists(VALUES, min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]).map(
        lambda v: np.array(v).reshape(shape)))


def model_of(table: pd.DataFrame, threshold: int = 7):
    block = CountBlock.from_rows(table.values.tolist(), rows=list(table.index), columns=list(table.columns))
    return block_model(block, threshold, mode="both")


def optimise(model, threshold: int = 7):
    problem = model.problem
    candidates = [c for c in problem.values if c not in problem.withheld]
    return optimal_suppression(problem, threshold, cost=default_costs(problem, candidates, model.totals))


def brute_force_minimum(model, threshold: int = 7) -> int:
    """Fewest extra cells, by trying every subset of candidates in order of size."""
    problem = model.problem
    candidates = [c for c in problem.values if c not in problem.withheld]
    for size in range(len(candidates) + 1):
        for extra in itertools.combinations(candidates, size):
            if audit_suppression(problem.with_withheld(problem.withheld | set(extra)), threshold).passed:
                return size
    raise AssertionError("no pattern protects the table")


def old_line_rule(model) -> set:
    """The line-rule heuristic disclose() used before optimisation, from the same required cells."""
    problem = model.problem
    lines = [f.cells for f in problem.facts if f.is_equality]
    withheld = set(problem.withheld)
    changed = True
    while changed:
        changed = False
        for cells in lines:
            if sum(c in withheld for c in cells) != 1:
                continue
            free = [c for c in cells if c not in withheld]
            tiers = ([c for c in free if c not in model.totals and problem.values[c] > 0],
                     [c for c in free if c in model.totals],
                     [c for c in free if problem.values[c] == 0])
            for tier in tiers:
                if tier:
                    withheld.add(min(tier, key=lambda c: (problem.values[c], cells.index(c))))
                    changed = True
                    break
    return withheld


def brute_force_attack_2x2(published: pd.DataFrame, true: pd.DataFrame, threshold: int) -> list:
    """Every body table of whole numbers consistent with what a 2x2 table with margins shows.

    Independent of the LP audit: enumerates the withheld body cells, derives the margins and
    keeps the tables that agree with every shown number.  Returns the withheld cells for
    which the values found are a single value or lie inside 1..threshold (a sound witness
    search: any value found is truly possible).
    """
    body_rows, body_cols = list(published.index[:2]), list(published.columns[:2])
    hidden = [(r, c) for r in body_rows for c in body_cols if published.at[r, c] == C]
    grand = int(true.at["Total", "Total"])
    ranges = []
    for r, c in hidden:
        caps = [published.at[r, "Total"], published.at["Total", c], published.at["Total", "Total"]]
        shown = [int(v) for v in caps if v != C]
        ranges.append(np.arange(min(shown) + 1 if shown else grand + threshold + 2))
    grids = np.meshgrid(*ranges, indexing="ij") if hidden else []
    size = grids[0].size if hidden else 1
    body = {}
    for r in body_rows:
        for c in body_cols:
            if (r, c) in hidden:
                body[r, c] = grids[hidden.index((r, c))].ravel()
            else:
                body[r, c] = np.full(size, int(published.at[r, c]))
    ok = np.ones(size, dtype=bool)
    margins = {}
    for r in body_rows:
        margins[r, "Total"] = body[r, body_cols[0]] + body[r, body_cols[1]]
    for c in body_cols:
        margins["Total", c] = body[body_rows[0], c] + body[body_rows[1], c]
    margins["Total", "Total"] = margins[body_rows[0], "Total"] + margins[body_rows[1], "Total"]
    for key, value in margins.items():
        if published.at[key] != C:
            ok &= value == int(published.at[key])
    assert ok.any(), "the true table must be feasible"
    leaks = []
    every = {**body, **margins}
    for key, value in every.items():
        if published.at[key] != C:
            continue
        seen = np.unique(value[ok])
        if len(seen) == 1 or (seen.min() >= 1 and seen.max() <= threshold):
            leaks.append(key)
    return leaks


# --- the issue's counterexample ----------------------------------------------------------------


def issue_table() -> pd.DataFrame:
    return pd.DataFrame([[2, 9, 5, 16], [9, 0, 0, 9], [12, 8, 2, 22], [23, 17, 7, 47]],
                        index=["r1", "r2", "r3", "Total"], columns=["A", "B", "C", "Total"])


def test_issue_counterexample_is_fixed():
    result = disclose(issue_table())
    assert result.audit.passed and result.unprotected == ()
    assert result.method == "milp"
    # every withheld cell has an interval that is neither one value nor inside 1..7
    audit = result.audit.intervals
    assert set(zip(audit["row"], audit["column"])) == {
        (r, c) for r in result.suppressed.index for c in result.suppressed.columns if result.suppressed.at[r, c]}
    # withheld cells of one line together: pinned by the line's total, so 0 or more than 7
    groups = audit[audit["kind"] == "group"]
    assert ((groups["lower"] <= 0) | (groups["lower"] >= 8)).all()
    audit = audit[audit["kind"] != "group"]
    assert ((audit["upper"] - audit["lower"] >= 1) & ((audit["lower"] <= 0) | (audit["upper"] >= 8))).all()
    # the published table passes the independent check, which rebuilds the attacker's problem from it
    check_disclosure(result.table)
    # 9 of 16 cells: the 4 small counts, the 9 of row r1 (16 - 9 = 7, complement rule), and 2 more
    assert (result.n_primary, result.n_secondary) == (4, 3)
    assert result.n_complement == 1


def test_issue_counterexample_as_disclosed_before_fails_the_check():
    before = issue_table().astype(object)
    for cell in [("r1", "A"), ("r1", "C"), ("r1", "Total"), ("r2", "A"), ("r2", "Total"), ("r3", "B"),
                 ("r3", "C"), ("Total", "B"), ("Total", "C")]:
        before.at[cell] = C
    with pytest.raises(Exception, match=r"row 'r1', column 'C' can be recovered exactly \(5\)"):
        check_disclosure(before)


def test_issue_counterexample_is_minimal():
    model = model_of(issue_table())
    assert len(optimise(model).secondary) == brute_force_minimum(model) == 2


# --- hand-worked optimisation --------------------------------------------------------------------


def test_one_way_with_total_prefers_the_smallest_other_count():
    table = pd.DataFrame({"n": [3, 20, 40, 63]}, index=["few", "some", "many", "Total"])
    assert disclose(table).table["n"].tolist() == [C, C, 40, 63]


def test_zero_is_used_only_when_it_saves_a_cell():
    # [0, 5, 30, 40]: {5, 30} and {0, 5} both need one extra cell; the tie goes to the non-zero cell
    assert disclose(pd.DataFrame({"n": [0, 5, 30, 40]})).table["n"].tolist() == [0, C, C, 40]
    # the only other cell is a zero: withholding it lets the 5 be zero too ([0, 5]), which is enough
    result = disclose(pd.DataFrame({"n": [5, 0]}, index=["few", "none"]))
    assert result.table["n"].tolist() == [C, C]
    assert result.audit.intervals[["lower", "upper"]].values.tolist() == [[0.0, 5.0], [0.0, 5.0]]


def test_total_withheld_when_it_is_the_cheapest_protection():
    # row r1 of the body is [5, 40] with total 45: 40 is a complement (45 - 40 = 5);
    # column A then needs protection; the pattern keeps the grand total
    table = with_margins(np.array([[5, 40], [30, 25]]))
    result = disclose(table)
    assert result.audit.passed
    assert result.table.at["Total", "Total"] == 100


def test_secondary_cells_are_never_determined():
    for seed in range(6):
        body = np.random.default_rng(seed).choice([0, 2, 4, 9, 15, 30], size=(3, 4))
        result = disclose(with_margins(body))
        audit = result.audit.intervals
        assert not audit.loc[audit["kind"] != "group", "exact"].any(), seed
        assert result.audit.passed, seed


def test_twelve_by_five_table_is_solved_exactly():
    rng = np.random.default_rng(7)
    body = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35], size=(12, 5))
    result = disclose(with_margins(body))
    assert result.method == "milp"
    assert result.audit.passed and result.unprotected == ()
    check_disclosure(result.table)


def test_heuristic_path_is_audited_too():
    model = model_of(issue_table())
    problem = model.problem
    result = optimal_suppression(problem, 7, exact_limit=0)
    assert result.method == "heuristic"
    assert result.audit.passed
    assert len(result.secondary) >= 2


def test_candidates_and_costs_are_respected():
    cells = [Cell(None, r, "n") for r in ("few", "some", "many")]
    problem = AuditProblem(dict(zip(cells, [3, 20, 40])), {cells[0]}, [sum_fact(cells, 63)])
    assert optimal_suppression(problem, 7).secondary == {cells[1]}
    assert optimal_suppression(problem, 7, candidates=[cells[2]]).secondary == {cells[2]}
    costly = {cells[1]: 5.0, cells[2]: 1.0}
    assert optimal_suppression(problem, 7, cost=costly).secondary == {cells[2]}
    with pytest.raises(ValueError, match="positive cost"):
        optimal_suppression(problem, 7, cost={cells[1]: 0.0, cells[2]: 1.0})


def test_unprotectable_count_is_reported():
    # a column [5, blank] adds up to a known total: the 5 is that total, whatever is withheld
    result = disclose(pd.DataFrame({"n": [5.0, np.nan]}, index=["a", "b"]), count_columns=["n"],
                      secondary="columns")
    assert result.unprotected == ("row 'a', column 'n'",)
    assert not result.audit.passed


# --- properties ------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies, st.sampled_from([3, 5, 7]))
def test_disclosed_tables_pass_the_audit_and_the_published_check(body, threshold):
    table = with_margins(body)
    result = disclose(table, threshold=threshold)
    assert result.audit.passed, result.audit.messages()
    assert result.unprotected == ()
    check_disclosure(result.table, threshold)
    withheld = result.suppressed.to_numpy()
    assert (withheld | ~((table.to_numpy() >= 1) & (table.to_numpy() <= threshold))).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 9, 12, 14]), min_size=4, max_size=4), st.sampled_from([3, 7]))
def test_brute_force_attacker_recovers_nothing_from_two_by_two_tables(values, threshold):
    table = with_margins(np.array(values).reshape(2, 2))
    published = disclose(table, threshold=threshold).table
    assert brute_force_attack_2x2(published, table, threshold) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(st.integers(2, 2), st.integers(2, 3)).flatmap(
    lambda shape: st.lists(VALUES, min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]).map(
        lambda v: np.array(v).reshape(shape))))
def test_optimiser_is_minimal_by_brute_force(body):
    model = model_of(with_margins(body))
    assert len(optimise(model).secondary) == brute_force_minimum(model)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_never_more_cells_than_the_old_heuristic_when_that_was_safe(body):
    model = model_of(with_margins(body))
    new = optimise(model)
    old = old_line_rule(model)
    if audit_suppression(model.problem.with_withheld(old), 7).passed:
        assert len(new.withheld) <= len(old)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_disclosing_twice_changes_nothing(body):
    first = disclose(with_margins(body))
    second = disclose(first.table)
    pd.testing.assert_frame_equal(second.table, first.table)
    assert second.n_secondary == 0 and second.audit.passed


# --- the withheld cells of one line together ----------------------------------------------------

LIKERT = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def answer_row(counts, label: str = "item") -> pd.DataFrame:
    """One Likert-like row of answer counts with its base."""
    row = pd.DataFrame([counts], columns=LIKERT, index=[label])
    row["Base"] = sum(counts)
    return row


def answers_page(published: pd.DataFrame) -> str:
    """The published table as the book renders it (label column first)."""
    frame = published.reset_index(names="Statement")
    return ('<p class="cwp-table-caption"><strong>Answers.</strong></p>'
            + frame.to_html(index=False, classes="dataframe cwp-table", border=0))


def line_groups(result) -> pd.DataFrame:
    audit = result.audit.intervals
    return audit[audit["kind"] == "group"]


def test_synthetic_book_row_withholds_a_third_answer():
    # 0, [c], [c], 19, 46 of 68 told the page reader that 3 women gave one of the two withheld answers
    result = disclose(answer_row([0, 1, 2, 19, 46]), total_columns=["Base"], secondary="rows")
    assert result.table.loc["item"].tolist() == [0, C, C, C, 46, 68]
    assert result.audit.passed and result.method == "milp"
    assert line_groups(result)[["lower", "upper"]].values.tolist() == [[22.0, 22.0]]
    assert attack_page(answers_page(result.table)) == []


def test_the_old_pattern_is_what_the_attacker_recovers():
    old = answer_row([0, 1, 2, 19, 46]).astype(object)
    old.loc["item", ["Disagree", "Neutral"]] = C
    found = attack_page(answers_page(old))
    assert [(r.what, r.low, r.high) for r in found] == [("withheld cells together", 3, 3)]
    with pytest.raises(Exception, match=r"columns 'Disagree' \+ 'Neutral' together can be recovered exactly \(3\)"):
        check_disclosure(old, total_columns=["Base"], secondary="rows")


def test_a_question_whose_small_answers_make_six_or_seven():
    # "know where, not getting it yet" 4 and "do not know where" 3: 7 together beside the base
    for counts, expected in [([40, 21, 4, 3], [40, C, C, C]), ([9, 8, 2, 1], [9, C, C, C]),
                             ([30, 0, 4, 2], [C, 0, C, C])]:
        table = pd.DataFrame({"Count": counts, "Base": [sum(counts)] * 4}, index=["a", "b", "c", "d"])
        result = disclose(table, secondary="columns", total_rows=[])
        assert result.table["Count"].tolist() == expected, counts
        assert result.audit.passed
        assert ((line_groups(result)["lower"] == 0) | (line_groups(result)["lower"] >= 8)).all()


def test_a_zero_lets_the_group_reach_zero_only_when_it_is_cheapest():
    # [0, 5, 30 | 35]: withholding 5 with 30 (35 together) costs one cell, as does 5 with 0 (5 together,
    # failing); the optimiser takes the 30
    result = disclose(pd.DataFrame({"n": [0, 5, 30, 35]}, index=["a", "b", "c", "Total"]))
    assert result.table["n"].tolist() == [0, C, C, 35]


def test_page_with_two_tables_protects_groups_in_each():
    page = disclose_page({"t1": answer_row([0, 1, 2, 19, 46]), "t2": answer_row([12, 2, 0, 3, 40])},
                         options={"t1": {"total_columns": ["Base"], "secondary": "rows"},
                                  "t2": {"total_columns": ["Base"], "secondary": "rows"}})
    for name in ("t1", "t2"):
        assert page[name].audit.passed
        groups = line_groups(page[name])
        assert ((groups["lower"] <= 0) | (groups["lower"] >= 8)).all()
        assert attack_page(answers_page(page[name].table)) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(VALUES, min_size=5, max_size=5), min_size=1, max_size=3), st.sampled_from([3, 7]))
def test_answer_rows_leave_no_small_group_for_the_attacker(rows, threshold):
    table = pd.concat([answer_row(r, f"item {k}") for k, r in enumerate(rows)])
    result = disclose(table, threshold=threshold, total_columns=["Base"], secondary="rows")
    assert result.audit.passed or result.unprotected, result.audit.messages()
    if result.unprotected:
        return  # a base of 1..threshold: nothing in its row can protect it (reported, not published)
    hidden = result.suppressed[LIKERT].to_numpy()
    values = table[LIKERT].to_numpy()
    for withheld, counts in zip(hidden, values):
        together = counts[withheld].sum()
        assert withheld.sum() < 2 or withheld.all() or together == 0 or together > threshold
    assert attack_page(answers_page(result.table), threshold=threshold) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VALUES, min_size=3, max_size=6), st.sampled_from([3, 7]))
def test_question_columns_leave_no_small_group(counts, threshold):
    table = pd.DataFrame({"Count": counts, "Base": [sum(counts)] * len(counts)},
                         index=[f"answer {k}" for k in range(len(counts))])
    result = disclose(table, threshold=threshold, secondary="columns", total_rows=[])
    if result.unprotected:
        assert sum(counts) <= threshold or sum(c for c in counts if c > threshold) == 0
        return
    assert result.audit.passed
    withheld = result.suppressed["Count"].to_numpy()
    together = np.array(counts)[withheld].sum()
    assert withheld.sum() < 2 or withheld.all() or together == 0 or together > threshold


def test_heuristic_also_protects_line_groups():
    block = CountBlock.from_rows([[0, 1, 2, 19, 46, 68], [30, 20, 4, 3, 11, 68]], rows=["q1", "q2"],
                                 columns=[*LIKERT, "Base"], total_columns=["Base"])
    model = block_model(block, 7, mode="rows")
    candidates = [c for c in model.problem.values if c not in model.problem.withheld]
    result = optimal_suppression(model.problem, 7, cost=default_costs(model.problem, candidates, model.totals),
                                 exact_limit=0)
    assert result.method == "heuristic" and result.audit.passed and result.unprotected == ()
    together = {q.cell.row: q.value for q in model.problem.group_quantities(result.withheld)}
    assert together == {"q1": 22, "q2": 18}
