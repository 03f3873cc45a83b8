"""One rule for numbers derived from counts: withheld exactly when a count they rest on is.

Disclosure control (:func:`cwp_analysis.disclosure.disclose`) decides which
*counts* of a table are withheld.  Everything else the book prints is
computed from counts -- shares, intervals, the shares of a group of answers
("% positive"), effect sizes and p-values, means and medians, the segments,
labels and alt text of figures, the marks of the reproduction chapter -- and
each of them could give a withheld count back.  This module states, as small
pure functions, when such a number may be published; the table builders
(:mod:`cwp_analysis.tables`, :mod:`cwp_analysis.outcome_tables`), the figures
(:mod:`cwp_analysis.figures`) and the reproduction chapter all call them, so
that a table and the figure or sentence drawn from it always agree.

The rule
--------
A derived number is published only if

1. every count it is computed from is published, **or**
2. an attacker who knows everything else on the page (the published cells,
   the base, the other derived numbers, and that counts are whole numbers
   and not negative) still cannot pin any withheld count to one value, nor
   confine it to ``1..threshold``.

Case 2 is used for exactly two kinds of number, each argued in its
function's notes: the total of a group of Likert answers whose cells are
withheld (:func:`releasable_group_totals`) and the test statistics of a
before/after item (:func:`withhold_test_block`).  Everything else follows
case 1: see :data:`RULES`.

The attacker model is the one of the protection-interval audit used by
tau-Argus and sdcTable [1]_ [2]_: the feasible values of a withheld cell,
given every published linear constraint, must not be a single value and
must not lie inside ``1..threshold``.  It does not credit the attacker
with knowledge of how cells were chosen for suppression.

References
----------
.. [1] Hundepool A, de Wolf P-P, et al. (2014). tau-Argus version 4.1 user's
   manual.  Statistics Netherlands (protection levels and the audit of
   secondary suppression).
.. [2] Meindl B (2023). sdcTable: methods for statistical disclosure control
   in tabular data.  R package (``protectTable``, ``attack``).
.. [3] NHS Digital. Disclosure control methodology for HES and ECDS,
   September 2018 (counts of 1 to 7 suppressed, and derived values with them).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import pandas as pd

from cwp_analysis.disclosure import DEFAULT_THRESHOLD, DisclosedTable

__all__ = [
    "RULES",
    "is_small",
    "withheld_sentence",
    "all_withheld",
    "releasable_group_totals",
    "binary_cells",
    "withhold_test_block",
]

#: Each kind of derived number and the counts that withhold it (the book's methods chapter quotes this).
RULES = {
    "share, interval": "its count or its base",
    "share of a group of answers": "any count of the group or the base, unless releasable_group_totals allows it",
    "mean, median, standard deviation": "the number of people it summarises",
    "effect size, test statistic, p-value": "any count of the item, or a count the test itself rests on "
                                            "(withhold_test_block)",
    "adjusted p-values of a family": "any p-value of the family",
    "figure segment, label, alt text": "the table cell it is drawn from",
    "reproduction mark": "any count or recomputed value of the claim's row",
}


def _threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    return int(threshold)


def is_small(count, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when ``count`` lies in ``1..threshold`` (zero is never small).

    Examples
    --------
    >>> is_small(0), is_small(3), is_small(7), is_small(8), is_small(float("nan"))
    (False, True, True, False, False)
    """
    threshold = _threshold(threshold)
    if count is None or count is pd.NA:
        return False
    value = float(count)
    return not math.isnan(value) and 1 <= value <= threshold


def withheld_sentence(threshold: int = DEFAULT_THRESHOLD, what: str = "All values") -> str:
    """The one sentence a page shows where disclosure control withholds everything.

    Examples
    --------
    >>> withheld_sentence(7)
    'All values withheld by disclosure control (counts of 7 or fewer).'
    >>> withheld_sentence(5, "Every bar")
    'Every bar withheld by disclosure control (counts of 5 or fewer).'
    """
    return f"{what} withheld by disclosure control (counts of {_threshold(threshold)} or fewer)."


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _numbers_only(values: pd.Series) -> bool:
    present = [v for v in values if not _missing(v)]
    if not present:
        return False
    for value in present:
        try:
            float(value)
        except (TypeError, ValueError):
            return False
    return True


def all_withheld(disclosed: DisclosedTable, columns: Sequence | None = None) -> bool:
    """True when a disclosed table publishes no value in ``columns``.

    A value is published when its cell is not withheld and not empty.  An
    empty table publishes nothing.

    Parameters
    ----------
    disclosed : DisclosedTable
    columns : sequence, optional
        Columns to look at; default every column that has a withheld cell
        or holds only numbers (counts, and shares or means printed as
        text); label columns are not judged.

    Examples
    --------
    >>> from cwp_analysis.disclosure import disclose
    >>> d = disclose(pd.DataFrame({"n": [3, 5]}), secondary=False)
    >>> all_withheld(d), all_withheld(disclose(pd.DataFrame({"n": [3, 50]}), secondary=False))
    (True, False)
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    table, mask = disclosed.table, disclosed.suppressed
    if columns is None:
        columns = [c for c in mask.columns if bool(mask[c].any()) or _numbers_only(table[c])]
        if not columns:
            return table.empty
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise ValueError(f"column(s) not in the table: {', '.join(map(str, unknown))}")
    for column in columns:
        for value, hidden in zip(table[column], mask[column]):
            if not hidden and not _missing(value):
                return False
    return True


def releasable_group_totals(counts: Sequence[int], withheld: Sequence[bool], groups: Sequence[Sequence[int]], *,
                            base_shown: bool, threshold: int = DEFAULT_THRESHOLD) -> tuple[bool, ...]:
    """Which group totals of one line of counts may be published beside its disclosed cells.

    A Likert row publishes each answer's count (or withholds it) and its
    base; a figure or a "% positive" column would add the total of a group
    of answers (negative, neutral, positive).  This function says, group by
    group, whether that total may be added.

    Parameters
    ----------
    counts : sequence of int
        The true counts of the line (the cells of one row).
    withheld : sequence of bool
        Which cells the disclosed table withholds.
    groups : sequence of sequences of int
        Positions of the cells of each group; the groups partition the line.
    base_shown : bool
        Whether the line's total (the base) is published.
    threshold : int
        Counts from 1 to ``threshold`` are small.

    Returns
    -------
    tuple of bool
        One flag per group: True when its total may be published.

    Notes
    -----
    Think as an attacker who knows the base ``n``, every published cell
    and every published group total.  Let ``W`` be the withheld cells and
    ``W_g`` those of group ``g``.  Publishing the total ``T_g`` of a group
    tells the attacker the sum of ``W_g``; the base then tells the sum of
    the withheld cells left outside every published total, ``R``.  A
    withheld cell is pinned exactly when it is alone in such a block; in a
    block of two or more cells each cell can be anything from 0 to the
    block's sum, which is neither a single value nor a range inside
    ``1..threshold``.  The block's sum itself is a number of women (those
    giving one of its answers), so it must not be small either.  Hence
    the rule:

    * a group with no withheld cell: its total is known from the published
      cells already, so it may be published (True);
    * a group with withheld cells: its total may be published only if the
      base is published, the group holds **at least two** withheld cells
      whose sum is more than ``threshold``, the total itself is not small
      (``T_g`` not in ``1..threshold``), its complement is not small
      (``n - T_g`` not in ``1..threshold``, the complement rule), and,
      taking every group so released together, the withheld cells outside
      them, ``R``, are not exactly one, and sum to more than ``threshold``
      if there are any.  If ``R`` fails, the last released group is
      withheld again (its cells join ``R``), until ``R`` passes or nothing
      is released.

    The example of issue 10: "Agree" 8 published, "Strongly agree" 7
    withheld and a "% positive" beside them; the group holds one withheld
    cell, so its total is not releasable and 7 cannot be recovered.

    Examples
    --------
    >>> groups = [(0, 1), (2,), (3, 4)]
    >>> releasable_group_totals([10, 12, 9, 8, 7], [False, False, True, False, True], groups, base_shown=True)
    (True, False, False)
    >>> releasable_group_totals([3, 6, 20, 9, 30], [True, True, False, False, False], groups, base_shown=True)
    (True, True, True)
    """
    threshold = _threshold(threshold)
    counts = [int(c) for c in counts]
    withheld = [bool(w) for w in withheld]
    if len(counts) != len(withheld):
        raise ValueError("counts and withheld must have the same length")
    cells = sorted(i for group in groups for i in group)
    if cells != list(range(len(counts))):
        raise ValueError("groups must partition the positions of the line")
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    n = sum(counts)
    released = [not any(withheld[i] for i in group) for group in groups]
    candidates = []
    for g, group in enumerate(groups):
        hidden = [i for i in group if withheld[i]]
        if not hidden:
            continue
        total = sum(counts[i] for i in group)
        if (base_shown and len(hidden) >= 2 and sum(counts[i] for i in hidden) > threshold
                and not is_small(total, threshold) and not is_small(n - total, threshold)):
            candidates.append(g)
    while candidates:
        inside = {i for g in candidates for i in groups[g] if withheld[i]}
        rest = [i for i in range(len(counts)) if withheld[i] and i not in inside]
        if len(rest) == 1 or (rest and sum(counts[i] for i in rest) <= threshold):
            candidates.pop()
            continue
        break
    for g in candidates:
        released[g] = True
    return tuple(released)


def binary_cells(pairs: int, before_n: int, after_n: int, discordant: int) -> tuple[int, int, int, int]:
    """The 2x2 table of a yes/no item from its published margins and discordant pairs.

    Parameters
    ----------
    pairs : int
        Complete pairs.
    before_n, after_n : int
        Pairs answering "yes" before and after.
    discordant : int
        ``b + c``: pairs that changed answer (``n_used`` of the outcome table).

    Returns
    -------
    (yes_both, yes_to_no, no_to_yes, no_both) : tuple of int
        ``n11, b, c, n00``.

    Raises
    ------
    ValueError
        If the numbers do not make a 2x2 table.

    Examples
    --------
    >>> binary_cells(40, 3, 20, 17)
    (3, 0, 17, 20)
    """
    change = after_n - before_n
    if (discordant - change) % 2 or discordant < abs(change):
        raise ValueError("the discordant pairs do not match the change in the margins")
    b = (discordant - change) // 2
    c = discordant - b
    cells = (before_n - b, b, c, pairs - before_n - c)
    if min(cells) < 0:
        raise ValueError("the margins and discordant pairs do not make a 2x2 table")
    return cells


def withhold_test_block(*, kind: str, pairs, before_n, after_n, n_used, statistic, rank_biserial,
                        counts_withheld: bool, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Whether the test statistics of one before/after item must be withheld.

    The "test block" is everything computed from the item's pairs beyond
    its published counts: the p-value (and its adjusted values), the
    rank-biserial correlation and ``r``.

    Parameters
    ----------
    kind : {"binary", "ordinal"}
    pairs, before_n, after_n : int
        Complete pairs and pairs answering positively before and after.
    n_used : int
        Pairs the test used (``b + c`` for a binary item; non-zero
        differences for the signed-rank test).
    statistic : float
        ``min(b, c)`` (McNemar) or V = R+ (Wilcoxon).
    rank_biserial : float
    counts_withheld : bool
        Whether the table withholds any of the item's counts (pairs,
        before, after).
    threshold : int

    Returns
    -------
    bool

    Notes
    -----
    *Any count withheld* withholds the block: the statistics are functions
    of the same before-by-after table.

    *Binary items.*  The published margins give ``c - b = after - before``;
    the rank-biserial ``(c - b)/(c + b)``, ``r`` and the exact p-value each
    give ``b + c``.  So the whole 2x2 table ``n11, b, c, n00`` follows
    (:func:`binary_cells`), and the block is withheld when any of its four
    cells is small.  Issue 10's example (40 pairs, 3 "yes" before, 20
    after) has a withheld 3, so the block is withheld and nothing
    published recovers the 3.

    *Ordinal items.*  From ``p`` (hence ``|Z|``) and ``r = |Z|/sqrt(n_used)``
    an attacker gets ``n_used``, so the pairs whose answer did not change,
    ``pairs - n_used``, and from the rank-biserial the rank sums ``R+`` and
    ``R-``.  ``k`` women worsening have a rank sum of at least
    ``k (k + 1) / 2``, so a rank sum below ``(t + 1)(t + 2) / 2`` confines the
    number worsening (or improving) to ``1..t``.  The block is withheld when
    ``n_used`` or ``pairs - n_used`` is small, or when ``0 < min(R+, R-)``
    is below that bound.

    Examples
    --------
    >>> withhold_test_block(kind="binary", pairs=40, before_n=3, after_n=20, n_used=17, statistic=0,
    ...                     rank_biserial=1.0, counts_withheld=True)
    True
    >>> withhold_test_block(kind="binary", pairs=60, before_n=20, after_n=40, n_used=30, statistic=5,
    ...                     rank_biserial=(25 - 5) / 30, counts_withheld=False)
    True
    >>> withhold_test_block(kind="binary", pairs=60, before_n=20, after_n=30, n_used=30, statistic=10,
    ...                     rank_biserial=(20 - 10) / 30, counts_withheld=False)
    False
    """
    threshold = _threshold(threshold)
    if counts_withheld:
        return True
    if any(_missing(v) for v in (pairs, before_n, after_n, n_used)):
        return True
    pairs, before_n, after_n, n_used = (int(v) for v in (pairs, before_n, after_n, n_used))
    if n_used == 0:
        return False  # nothing was tested; there are no statistics to withhold
    if kind == "binary":
        try:
            cells = binary_cells(pairs, before_n, after_n, n_used)
        except ValueError:
            return True
        return any(is_small(c, threshold) for c in cells)
    if is_small(n_used, threshold) or is_small(pairs - n_used, threshold):
        return True
    if _missing(statistic) or _missing(rank_biserial):
        return True
    r_plus = float(statistic)
    rb = float(rank_biserial)
    r_minus = r_plus * (1 - rb) / (1 + rb) if rb > -1 else math.inf
    smallest = min(r_plus, r_minus)
    bound = (threshold + 1) * (threshold + 2) / 2
    return 0 < smallest < bound
