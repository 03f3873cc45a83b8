"""The rule for derived numbers, tried as an attacker would: enumerate what is consistent with the page.

For a Likert row the page publishes the disclosed cells, the base and the
group shares; the attacker enumerates every count vector that gives the same
published numbers and looks at the values a withheld cell can take.  They must
never be a single value nor lie inside 1..threshold.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cwp_analysis import derived_rule as rule
from cwp_analysis import tables
from cwp_analysis.disclosure import disclose
from cwp_analysis.stats import PairedItem, outcome_table

ANSWERS = ["SD", "D", "N", "A", "SA"]
GROUPS = {"% negative": ["SD", "D"], "% neutral": ["N"], "% positive": ["A", "SA"]}


def _likert_rows(vectors) -> tables.PublicationTable:
    rows = []
    for v in vectors:
        n = sum(v)
        row = dict(zip(ANSWERS, v), Base=n)
        for share, cells in GROUPS.items():
            total = sum(row[c] for c in cells)
            row[share] = f"{100 * total / n:.1f}" if n else None
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[*ANSWERS, "Base", *GROUPS])
    return tables.PublicationTable(frame, count_columns=[*ANSWERS, "Base"],
                                   derived_columns={s: [*c, "Base"] for s, c in GROUPS.items()},
                                   secondary="rows", total_columns=["Base"], group_shares=GROUPS, share_base="Base")


def _published(vectors, threshold):
    """Disclose the rows 40 at a time (rows are independent) and return the disclosed tables."""
    out = []
    for start in range(0, len(vectors), 40):
        chunk = vectors[start:start + 40]
        out.append((chunk, _likert_rows(chunk).disclose(threshold)))
    return out


def _compositions(total: int, parts: int) -> np.ndarray:
    """Every way of writing ``total`` as ``parts`` non-negative whole numbers (one row each)."""
    if parts == 0:
        return np.zeros((1 if total == 0 else 0, 0), dtype=int)
    if parts == 1:
        return np.array([[total]], dtype=int)
    bars = np.array(list(itertools.combinations(range(total + parts - 1), parts - 1)), dtype=int)
    bars = bars.reshape(-1, parts - 1)
    edges = np.hstack([np.full((len(bars), 1), -1), bars, np.full((len(bars), 1), total + parts - 1)])
    return np.diff(edges, axis=1) - 1


def _feasible(row: pd.Series, mask: pd.Series, limit: int):
    """Values each withheld answer can take given the published cells, base and group shares.

    Without a published base nothing ties the withheld answers to anything: each can be any whole
    number (the derived shares are withheld with the base), shown here as 0..limit.
    """
    hidden = [c for c in ANSWERS if mask[c]]
    if mask["Base"]:
        return {c: set(range(limit + 1)) for c in hidden}
    base = int(row["Base"])
    shown = {c: int(row[c]) for c in ANSWERS if not mask[c]}
    candidates = _compositions(base - sum(shown.values()), len(hidden))
    keep = np.ones(len(candidates), dtype=bool)
    for share, cells in GROUPS.items():
        if mask[share] or row[share] is None:
            continue
        total = round(float(row[share]) * base / 100)
        group = sum(shown.get(c, 0) for c in cells) + sum(
            candidates[:, hidden.index(c)] for c in cells if c in hidden)
        keep &= np.asarray(group == total)
    candidates = candidates[keep]
    return {c: set(candidates[:, k].tolist()) for k, c in enumerate(hidden)}


def _assert_protected(vectors, threshold, limit=16):
    checked = 0
    for chunk, disclosed in _published(vectors, threshold):
        for i, v in enumerate(chunk):
            row, mask = disclosed.table.iloc[i], disclosed.suppressed.iloc[i]
            for cell, values in _feasible(row, mask, limit).items():
                true = v[ANSWERS.index(cell)]
                assert true in values
                assert len(values) > 1, f"{v}: {cell} pinned to {values}"
                assert not values <= set(range(1, threshold + 1)), f"{v}: {cell} confined to {sorted(values)}"
                checked += 1
    return checked


def _pattern_feasible(v, withheld, base_shown, totals):
    """Values of each withheld answer consistent with the shown answers, the base and published group totals."""
    hidden = [i for i in range(5) if withheld[i]]
    if not base_shown:
        return {i: None for i in hidden}           # unbounded: no published number ties them down
    rest = sum(v) - sum(v[i] for i in range(5) if not withheld[i])
    candidates = _compositions(rest, len(hidden))
    keep = np.ones(len(candidates), dtype=bool)
    for g, total in totals.items():
        group = sum(v[i] for i in POSITIONS[g] if not withheld[i]) + sum(
            candidates[:, hidden.index(i)] for i in POSITIONS[g] if withheld[i])
        keep &= np.asarray(group == total)
    return {i: set(candidates[keep][:, k].tolist()) for k, i in enumerate(hidden)}


POSITIONS = [(0, 1), (2,), (3, 4)]


def _protected(values, threshold) -> bool:
    return all(vals is None or (len(vals) > 1 and not vals <= set(range(1, threshold + 1)))
               for vals in values.values())


def test_group_release_never_undoes_any_protected_pattern_at_threshold_three():
    # Every answer vector of up to 9 answers, and every withholding pattern (answers and base) that
    # withholds the small counts and protects them on its own: publishing the group totals that
    # releasable_group_totals allows must leave every withheld answer protected.
    threshold, checked = 3, 0
    vectors = [v for n in range(1, 10) for v in itertools.product(range(n + 1), repeat=5) if sum(v) == n]
    for v in vectors:
        small = [rule.is_small(c, threshold) for c in v]
        for bits in itertools.product((False, True), repeat=6):
            withheld, base_hidden = list(bits[:5]), bits[5]
            if any(s and not w for s, w in zip(small, withheld)) or not any(withheld):
                continue
            if rule.is_small(sum(v), threshold) and not base_hidden:
                continue
            shown_totals = {g: sum(v[i] for i in POSITIONS[g]) for g in range(3)
                            if not any(withheld[i] for i in POSITIONS[g])}
            if not _protected(_pattern_feasible(v, withheld, not base_hidden, {} if base_hidden else shown_totals),
                              threshold):
                continue                           # not a valid disclosure on its own
            flags = rule.releasable_group_totals(v, withheld, POSITIONS, base_shown=not base_hidden,
                                                 threshold=threshold)
            totals = {g: sum(v[i] for i in POSITIONS[g]) for g in range(3) if flags[g]} if not base_hidden else {}
            values = _pattern_feasible(v, withheld, not base_hidden, totals)
            assert _protected(values, threshold), (v, withheld, base_hidden, flags, values)
            # A released group also publishes how many women its withheld answers hold together, and the
            # base then tells how many the other withheld answers hold: neither may be a small number.
            released = [g for g in range(3) if flags[g] and any(withheld[i] for i in POSITIONS[g])]
            if released:
                blocks = [[i for i in POSITIONS[g] if withheld[i]] for g in released]
                inside = {i for block in blocks for i in block}
                blocks.append([i for i in range(5) if withheld[i] and i not in inside])
                for block in blocks:
                    assert not rule.is_small(sum(v[i] for i in block), threshold), (v, withheld, flags)
            checked += 1
    assert checked > 10000


def test_every_likert_row_through_disclose_is_protected():
    # The same property end to end (disclose, then the table's group shares), on every row of 6 answers.
    vectors = [v for v in itertools.product(range(7), repeat=5) if sum(v) == 6]
    rng = np.random.default_rng(10)
    sample = [vectors[i] for i in sorted(rng.choice(len(vectors), size=40, replace=False))]
    assert _assert_protected(sample + [(3, 6, 10, 20, 21), (5, 10, 20, 8, 7)], threshold=3) > 40


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 14), min_size=5, max_size=5), min_size=1, max_size=4))
def test_random_likert_rows_are_protected_at_threshold_seven(vectors):
    vectors = [tuple(v) for v in vectors if sum(v) > 0]
    _assert_protected(vectors, threshold=7, limit=14)


def test_the_issue_10_likert_leak_is_closed():
    # "Agree" 8 shown, "Strongly agree" 7 withheld (with "Strongly disagree" 5): the old figure printed
    # 30% positive of 50, giving 15 - 8 = 7.  The share stays withheld.
    (_, disclosed), = _published([(5, 10, 20, 8, 7)], 7)
    row = disclosed.table.iloc[0]
    assert row[ANSWERS].tolist() == ["[c]", 10, 20, 8, "[c]"]
    assert row["% positive"] == "[c]" and row["% negative"] == "[c]" and row["% neutral"] == "40.0"


def test_a_group_whose_answers_are_all_withheld_may_show_its_total():
    (_, disclosed), = _published([(3, 6, 10, 20, 21)], 7)
    row = disclosed.table.iloc[0]
    assert row[["SD", "D"]].tolist() == ["[c]", "[c]"]
    assert row["% negative"] == "15.0"        # 9 of 60: both cells stay anywhere in 0..9
    assert disclosed.n_derived == 0


def test_releasable_group_totals_cases():
    groups = [(0, 1), (2,), (3, 4)]
    # one withheld cell in the group: never
    assert rule.releasable_group_totals([5, 10, 20, 8, 7], [1, 0, 0, 0, 1], groups, base_shown=True) == \
        (False, True, False)
    # both withheld and the total small (3 + 4 = 7): the total is itself a small count
    assert rule.releasable_group_totals([3, 4, 10, 20, 21], [1, 1, 0, 0, 0], groups, base_shown=True)[0] is False
    # both withheld, but then one withheld cell (neutral) would be left alone outside the totals
    assert rule.releasable_group_totals([3, 6, 2, 20, 21], [1, 1, 1, 0, 0], groups, base_shown=True) == \
        (False, False, True)
    # ... or withheld cells outside holding a small number of women together (2 + 4)
    assert rule.releasable_group_totals([3, 6, 2, 4, 30], [1, 1, 1, 1, 0], groups, base_shown=True) == \
        (False, False, False)
    # no base: nothing beyond fully published groups
    assert rule.releasable_group_totals([3, 6, 10, 20, 21], [1, 1, 0, 0, 0], groups, base_shown=False) == \
        (False, True, True)
    # complement small: 60 answers, 55 negative -> 5 others
    assert rule.releasable_group_totals([50, 5, 0, 0, 5], [1, 1, 0, 1, 1], groups, base_shown=True) == \
        (False, True, False)
    with pytest.raises(ValueError, match="partition"):
        rule.releasable_group_totals([1, 2], [0, 0], [(0,)], base_shown=True)


# --------------------------------------------------------------------------- yes/no items


def _binary_survey(n11, b, c, n00):
    before = [1] * n11 + [1] * b + [0] * c + [0] * n00
    after = [1] * n11 + [0] * b + [1] * c + [0] * n00
    return pd.DataFrame({"bank_account_before": before, "bank_account_after": after})


def _published_binary(n11, b, c, n00, threshold=7):
    item = PairedItem("bank_account", "Has a bank account", "binary", (1,))
    outcomes = outcome_table(_binary_survey(n11, b, c, n00), [item], on_degenerate="note")
    return tables.outcome_publication_table(outcomes).disclose(threshold).table.iloc[0]


def test_the_issue_10_mcnemar_leak_is_closed():
    # 40 pairs, 3 answering yes before and 20 after (all 3 still yes): b = 0, c = 17.
    shown = _published_binary(3, 0, 17, 20)
    assert shown["Before n"] == "[c]" and shown["After n"] == 20 and shown["Pairs"] == 40
    for column in ("p", "p (Holm)", "p (BH)", "Rank-biserial r", "r = |Z|/sqrt(pairs)", "Before %", "Before CI"):
        assert shown[column] == "[c]"
    # The attacker enumerates every 2x2 table with the published 40 pairs and 20 "yes" after.  A table
    # whose "yes before" count would be printed (0, 8..32, 40) cannot match the withheld cell, so only the
    # others are published and compared in full.
    consistent = set()
    for n11 in range(21):
        for b in range(41 - 20):
            c, n00 = 20 - n11, 40 - 20 - b
            if n00 < 0 or not (rule.is_small(n11 + b) or rule.is_small(40 - n11 - b)):
                continue
            if _published_binary(n11, b, c, n00).equals(shown):
                consistent.add(n11 + b)
    assert 3 in consistent
    assert len(consistent) > 1 and not consistent <= set(range(1, 8))


def test_binary_effect_sizes_shown_when_every_cell_is_large():
    shown = _published_binary(10, 10, 20, 20)
    assert shown["Before n"] == 20 and shown["After n"] == 30
    assert shown["Rank-biserial r"] == "0.33" and shown["p"] != "[c]"


def test_a_withheld_p_value_withholds_the_family_adjustments():
    items = [PairedItem("bank_account", "Bank", "binary", (1,)), PairedItem("foodbank", "Food", "binary", (1,))]
    data = pd.concat([_binary_survey(10, 10, 20, 20),
                      _binary_survey(10, 3, 20, 27).rename(columns=lambda c: c.replace("bank_account", "foodbank"))],
                     axis=1)
    out = tables.outcome_publication_table(outcome_table(data, items)).disclose(7).table
    assert out.iloc[0]["p"] != "[c]" and out.iloc[1]["p"] == "[c]"      # b = 3 in the second item
    assert out["p (Holm)"].tolist() == ["[c]", "[c]"] and out["p (BH)"].tolist() == ["[c]", "[c]"]


def test_binary_cells_and_its_errors():
    assert rule.binary_cells(60, 20, 30, 30) == (10, 10, 20, 20)
    with pytest.raises(ValueError):
        rule.binary_cells(40, 3, 20, 10)       # 10 discordant pairs cannot move the margin by 17


def test_ordinal_rank_sum_rule():
    common = dict(kind="ordinal", pairs=60, before_n=20, after_n=30, counts_withheld=False)
    # 40 changed, none fell: R- = 0, nothing small
    assert not rule.withhold_test_block(n_used=40, statistic=820.0, rank_biserial=1.0, **common)
    # R- = 10 (< 36): between 1 and 4 women fell
    assert rule.withhold_test_block(n_used=40, statistic=810.0, rank_biserial=800 / 820, **common)
    # 55 of 60 changed: 5 unchanged
    assert rule.withhold_test_block(n_used=55, statistic=1540.0, rank_biserial=1.0, **common)


# --------------------------------------------------------------------------- helpers


def test_sentence_and_all_withheld():
    assert rule.withheld_sentence(7) == "All values withheld by disclosure control (counts of 7 or fewer)."
    d = disclose(pd.DataFrame({"n": [3, 5]}), secondary=False)
    assert rule.all_withheld(d) and not rule.all_withheld(disclose(pd.DataFrame({"n": [0, 5]}), secondary=False))
    assert rule.is_small(np.int64(7)) and not rule.is_small(0)
