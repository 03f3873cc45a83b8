"""Every paired item of a domain tested in one vectorised pass.

:func:`outcome_table` gives, for each before/after item, the number of
complete pairs, medians and positive shares with Wilson intervals, the
paired test (Wilcoxon signed-rank for ordinal items, McNemar for binary
ones), Holm and Benjamini-Hochberg adjusted p-values and two effect sizes.
Re-exported by :mod:`cwp_analysis.stats` together with :class:`PairedItem`,
:data:`ITEM_KINDS` and :data:`OUTCOME_TABLE_COLUMNS`.

Item non-response: incomplete pairs are dropped item by item, and each
row's ``n_pairs`` says how many complete pairs that item kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cwp_analysis.multiplicity import adjust_pvalues
from cwp_analysis.paired_tests import EXACT_MAX_N, ZERO_METHODS, signed_rank_test
from cwp_analysis.proportions import wilson_interval
from cwp_analysis.stat_inputs import (
    require_integer_codes,
    validate_alpha,
    validate_choice,
    validate_codes,
    validate_flag,
)

__all__ = ["ITEM_KINDS", "OUTCOME_TABLE_COLUMNS", "PairedItem", "outcome_table"]

#: Kinds of paired item :func:`outcome_table` knows how to test.
ITEM_KINDS = ("ordinal", "binary")


#: Columns of the frame returned by :func:`outcome_table`, in order.
OUTCOME_TABLE_COLUMNS = (
    "item",
    "label",
    "kind",
    "n_pairs",
    "n_used",
    "before_median",
    "after_median",
    "before_positive_n",
    "before_positive_pct",
    "before_positive_ci_low",
    "before_positive_ci_high",
    "after_positive_n",
    "after_positive_pct",
    "after_positive_ci_low",
    "after_positive_ci_high",
    "test",
    "method",
    "statistic",
    "zstatistic",
    "pvalue",
    "pvalue_holm",
    "pvalue_bh",
    "rank_biserial",
    "r_effect",
    "significant",
    "note",
)

_DEGENERATE_POLICIES = ("raise", "note")
# outcome_table tabulates response codes on a grid of consecutive integers.
_MAX_CODE_SPAN = 256


@dataclass(frozen=True)
class PairedItem:
    """A paired before/after survey item, for callers without a codebook.

    Any object with the same four attributes (for example the codebook's
    item objects) is accepted by :func:`outcome_table`.

    Parameters
    ----------
    id : str
        Item identifier; the data columns are ``<id>_before`` and ``<id>_after``.
    label : str
        Short human-readable label.
    kind : {"ordinal", "binary"}
        ``"ordinal"`` items get the Wilcoxon signed-rank test, ``"binary"``
        items McNemar's test.
    positive_codes : tuple of int
        Response codes counted as a positive answer (for example "often" and
        "all of the time", or "yes").

    Examples
    --------
    >>> PairedItem("optimistic", "Feeling optimistic", "ordinal", (4, 5)).kind
    'ordinal'
    """

    id: str
    label: str
    kind: str
    positive_codes: tuple[int, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"PairedItem.id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.label, str):
            raise ValueError(f"PairedItem.label must be a string, got {type(self.label).__name__}")
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"PairedItem {self.id!r}: kind must be one of {ITEM_KINDS}, got {self.kind!r}")
        object.__setattr__(
            self, "positive_codes", validate_codes(self.positive_codes, f"PairedItem {self.id!r}")
        )



def _item_spec(item: Any) -> tuple[str, str, str, tuple[int, ...]]:
    try:
        item_id, label, kind, codes = item.id, item.label, item.kind, item.positive_codes
    except AttributeError as err:
        raise ValueError(
            f"items must have attributes id, label, kind and positive_codes; {item!r} has not"
        ) from err
    if not isinstance(item_id, str) or not item_id:
        raise ValueError(f"item id must be a non-empty string, got {item_id!r}")
    if kind not in ITEM_KINDS:
        raise ValueError(f"item {item_id!r}: kind must be one of {ITEM_KINDS}, got {kind!r}")
    return item_id, str(label), kind, validate_codes(codes, f"item {item_id!r}")


def _code_column(data: pd.DataFrame, column: str) -> np.ndarray:
    series = data[column]
    dtype = series.dtype
    if (
        pd.api.types.is_bool_dtype(dtype)
        or not pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
    ):
        raise ValueError(f"column {column!r} is not numeric (dtype {dtype}); response codes must be integers")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _joint_counts(data: pd.DataFrame, item_id: str) -> tuple[int, np.ndarray]:
    """Cross-tabulate the complete pairs of one item on a grid of codes.

    Returns the smallest code and a ``K x K`` count table whose cell
    ``[i, j]`` counts pairs with before code ``lo + i`` and after code
    ``lo + j``.  One pass over the respondents with :func:`numpy.bincount`.
    """
    bcol, acol = f"{item_id}_before", f"{item_id}_after"
    b = _code_column(data, bcol)
    a = _code_column(data, acol)
    valid = ~(np.isnan(b) | np.isnan(a))
    if valid.all():
        bv, av = b, a
    else:
        bv, av = b[valid], a[valid]
    if bv.shape[0] == 0:
        return 0, np.zeros((1, 1), dtype=np.int64)
    bi = require_integer_codes(bv, f"column {bcol!r}")
    ai = require_integer_codes(av, f"column {acol!r}")
    lo = int(min(bi.min(), ai.min()))
    hi = int(max(bi.max(), ai.max()))
    span = hi - lo + 1
    if span > _MAX_CODE_SPAN:
        raise ValueError(
            f"item {item_id!r}: codes run from {lo} to {hi}; outcome_table expects response codes "
            f"spanning at most {_MAX_CODE_SPAN} consecutive integers"
        )
    idx = (bi - lo) * span + (ai - lo)
    table = np.bincount(idx, minlength=span * span).reshape(span, span)
    return lo, table


def _median_from_counts(counts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Row-wise median of code distributions given as counts (numpy's rule)."""
    n = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    first = (n + 1) // 2  # 1-based positions of the middle order statistics
    second = n // 2 + 1
    i1 = np.argmax(cum >= first[:, None], axis=1)
    i2 = np.argmax(cum >= second[:, None], axis=1)
    med = (codes[i1] + codes[i2]) / 2.0
    return np.where(n > 0, med, np.nan)


def outcome_table(
    data: pd.DataFrame,
    items: Iterable[Any],
    *,
    alpha: float = 0.05,
    zero_method: str = "wilcox",
    correction: bool = True,
    on_degenerate: str = "raise",
) -> pd.DataFrame:
    """Paired before/after tests for every item of a domain, as a tidy table.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, with integer-coded columns ``<id>_before``
        and ``<id>_after`` for every item (missing answer = NaN/NA).
    items : iterable
        Objects with attributes ``id``, ``label``, ``kind`` (``"ordinal"`` or
        ``"binary"``) and ``positive_codes`` (see :class:`PairedItem`).
    alpha : float, optional
        Significance level for ``significant``; the Wilson intervals have
        confidence ``1 - alpha``.
    zero_method, correction : optional
        Passed to the signed-rank test (see
        :func:`cwp_analysis.stats.wilcoxon_signed_rank`).
        ``correction`` also selects Edwards' correction in the normal
        deviate used for the McNemar effect size.
    on_degenerate : {"raise", "note"}, optional
        What to do with an item that cannot be tested (fewer than two
        complete pairs, or no pair changed): ``"raise"`` (default) raises
        ``ValueError`` naming every such item; ``"note"`` keeps the item with
        its descriptive columns, ``method="not tested"``, missing test
        columns, ``significant=False`` and the reason in ``note``, and leaves
        it out of the multiplicity adjustment.

    Returns
    -------
    pandas.DataFrame
        One row per item, columns :data:`OUTCOME_TABLE_COLUMNS`:

        ``n_pairs``
            respondents who answered both before and after (incomplete pairs
            are dropped item by item);
        ``n_used``
            pairs entering the test: non-zero differences for ordinal items
            under ``"wilcox"`` (all pairs under ``"pratt"``), discordant pairs
            ``b + c`` for binary items;
        ``before_median``, ``after_median``
            medians of the codes over the ``n_pairs`` complete pairs;
        ``*_positive_n``
            number of complete pairs with a positive code (what disclosure
            control judges before the percentage is published);
        ``*_positive_pct``, ``*_ci_low``, ``*_ci_high``
            percentage with a positive code over the complete pairs, with a
            Wilson interval, in percent;
        ``test``, ``method``
            ``"wilcoxon"`` (``"exact"`` or ``"asymptotic"``) for ordinal
            items, ``"mcnemar"`` (``"exact"``) for binary items;
        ``statistic``
            V for Wilcoxon; ``min(b, c)`` for McNemar;
        ``zstatistic``
            signed normal deviate of the asymptotic Wilcoxon test, NaN when
            the p-value is exact;
        ``pvalue``, ``pvalue_holm``, ``pvalue_bh``
            two-sided p-value and its Holm and Benjamini-Hochberg adjustments
            over the tested items of this call;
        ``rank_biserial``
            Kerby's matched-pairs rank-biserial correlation; for binary items
            ``(c - b)/(c + b)``, which is the same formula applied to the
            0/1 differences;
        ``r_effect``
            Rosenthal's (1991) ``r = |Z| / sqrt(N)`` with ``N = n_pairs``,
            the number of complete pairs (not ``n_used``: zero differences
            and concordant pairs count in ``N``);
        ``significant``
            ``pvalue < alpha`` (unadjusted);
        ``note``
            empty, or why the item was not tested.

    Raises
    ------
    ValueError
        On no items, duplicate item ids, a missing or non-numeric column,
        non-integer codes, a bad option, or (by default) an untestable item.

    Notes
    -----
    Speed comes from sufficient statistics.  Each item's complete pairs are
    cross-tabulated once with :func:`numpy.bincount` (a ``K x K`` table of
    before by after codes).  Every statistic is a function of these tables:
    medians and positive shares of the margins, the counts of each
    difference ``after - before`` along the table's diagonals, and from
    those the average ranks of ``|d|``, V, R-, the tie correction and the
    normal approximation, computed for all items at once.  Items that
    qualify for the exact distribution (fewer than 50 non-zero
    differences, no ties, no zeros) are passed to
    :func:`cwp_analysis.stats.wilcoxon_signed_rank`'s scipy-based core; binary items to statsmodels' McNemar test.  The work
    is therefore one pass over the respondents per item and no per-respondent
    sorting.

    Effect size when the p-value is exact: ``r_effect`` still needs a Z, so
    it uses the normal deviate the asymptotic version of the same test would
    give (tie-corrected and continuity-corrected as ``correction`` says; for
    McNemar ``(|c - b| - 1)/sqrt(b + c)``, floored at 0, or
    ``|c - b|/sqrt(b + c)`` without correction; as in R's ``mcnemar.test``
    the correction is not applied when ``b = c``, where Z is 0).  That
    deviate is not reported as ``zstatistic``.

    Effect size divisor: Rosenthal (1991) defines ``r = Z / sqrt(N)``
    with N the number of observations, which for a paired design is the
    number of pairs.  Dividing by the pairs that entered the test instead
    (the non-zero differences) overstates r whenever many answers did not
    change; for that reason ``r_effect`` divides by ``n_pairs``, the count
    printed beside it in the published tables.

    References
    ----------
    Rosenthal, R. (1991). *Meta-analytic Procedures for Social Research*
    (rev. ed.). Sage.

    See also the references of :func:`cwp_analysis.stats.wilcoxon_signed_rank`,
    :func:`cwp_analysis.stats.mcnemar_test`,
    :func:`cwp_analysis.stats.proportion_positive` and
    :func:`cwp_analysis.stats.adjust_pvalues`.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2],
    ...     "calm_after":  [3, 4, 2, 4, 3, 3, 5, 4, 2, 1],
    ... })
    >>> item = PairedItem("calm", "Feeling calm", "ordinal", (4, 5))
    >>> row = outcome_table(df, [item]).iloc[0]
    >>> int(row.n_pairs), int(row.n_used), float(row.statistic), round(float(row.pvalue), 4)
    (10, 9, 42.5, 0.0176)
    >>> float(row.before_positive_pct), float(row.after_positive_pct), row.method
    (0.0, 40.0, 'asymptotic')
    """
    from scipy.stats import norm as _norm
    from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar

    alpha = validate_alpha(alpha)
    validate_choice(zero_method, ZERO_METHODS, "zero_method")
    correction = validate_flag(correction, "correction")
    validate_choice(on_degenerate, _DEGENERATE_POLICIES, "on_degenerate")
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    specs = [_item_spec(item) for item in items]
    if not specs:
        raise ValueError("items is empty: nothing to test")
    ids = [spec[0] for spec in specs]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"duplicate item ids: {', '.join(duplicated)}")
    missing_cols = [c for i in ids for c in (f"{i}_before", f"{i}_after") if c not in data.columns]
    if missing_cols:
        raise ValueError(f"data lacks the paired columns: {', '.join(missing_cols)}")

    # 1. One pass over the respondents per item: the before x after table.
    tabulated = [_joint_counts(data, item_id) for item_id in ids]
    k = len(specs)
    non_empty = [(lo, t) for lo, t in tabulated if t.sum() > 0]
    grid_lo = min((lo for lo, _ in non_empty), default=0)
    grid_hi = max((lo + t.shape[0] - 1 for lo, t in non_empty), default=0)
    span = grid_hi - grid_lo + 1
    if span > _MAX_CODE_SPAN:
        raise ValueError(
            f"the items' codes run from {grid_lo} to {grid_hi}; outcome_table expects response "
            f"codes spanning at most {_MAX_CODE_SPAN} consecutive integers"
        )
    tables = np.zeros((k, span, span), dtype=np.float64)
    for j, (lo, t) in enumerate(tabulated):
        if t.sum() > 0:
            off = lo - grid_lo
            tables[j, off : off + t.shape[0], off : off + t.shape[0]] = t
    codes = np.arange(grid_lo, grid_hi + 1, dtype=np.float64)
    positive = np.array([np.isin(codes, spec[3]) for spec in specs])
    is_binary = np.array([spec[2] == "binary" for spec in specs])

    # 2. Descriptives from the margins, all items at once.
    n_pairs = tables.sum(axis=(1, 2))
    before_counts = tables.sum(axis=2)
    after_counts = tables.sum(axis=1)
    before_median = _median_from_counts(before_counts, codes)
    after_median = _median_from_counts(after_counts, codes)
    before_pos = (before_counts * positive).sum(axis=1)
    after_pos = (after_counts * positive).sum(axis=1)
    safe_n = np.where(n_pairs > 0, n_pairs, 1.0)
    b_lo, b_hi = wilson_interval(before_pos, safe_n, alpha=alpha)
    a_lo, a_hi = wilson_interval(after_pos, safe_n, alpha=alpha)
    has_pairs = n_pairs > 0
    pct = {
        "before_positive_pct": 100.0 * before_pos / safe_n,
        "before_positive_ci_low": 100.0 * np.asarray(b_lo),
        "before_positive_ci_high": 100.0 * np.asarray(b_hi),
        "after_positive_pct": 100.0 * after_pos / safe_n,
        "after_positive_ci_low": 100.0 * np.asarray(a_lo),
        "after_positive_ci_high": 100.0 * np.asarray(a_hi),
    }
    pct = {name: np.where(has_pairs, values, np.nan) for name, values in pct.items()}
    # Counts behind the percentages, so that disclosure control can judge them.
    pct["before_positive_n"] = before_pos.astype(np.int64)
    pct["after_positive_n"] = after_pos.astype(np.int64)

    # 3. Signed ranks from the diagonals: d = after - before = m on diagonal m.
    by_difference = np.stack(
        [np.diagonal(tables, offset=m, axis1=1, axis2=2).sum(axis=-1) for m in range(-(span - 1), span)],
        axis=1,
    )
    n_zero = by_difference[:, span - 1]
    n_pos_level = by_difference[:, span:]  # |d| = 1 .. span - 1
    n_neg_level = by_difference[:, span - 2 :: -1] if span > 1 else by_difference[:, :0]
    level = n_pos_level + n_neg_level
    n_nonzero = level.sum(axis=1)
    start = n_zero if zero_method == "pratt" else np.zeros(k)
    mid_rank = start[:, None] + np.cumsum(level, axis=1) - level + (level + 1.0) / 2.0
    r_plus = (n_pos_level * mid_rank).sum(axis=1)
    r_minus = (n_neg_level * mid_rank).sum(axis=1)
    tie_term = (level**3 - level).sum(axis=1)
    has_ties = (level > 1).any(axis=1)
    if zero_method == "pratt":
        n_rank = n_nonzero + n_zero
        null_mean = n_rank * (n_rank + 1) / 4.0 - n_zero * (n_zero + 1) / 4.0
        null_var = (
            n_rank * (n_rank + 1) * (2 * n_rank + 1) - n_zero * (n_zero + 1) * (2 * n_zero + 1) - tie_term / 2.0
        ) / 24.0
    else:
        n_rank = n_nonzero
        null_mean = n_rank * (n_rank + 1) / 4.0
        null_var = (n_rank * (n_rank + 1) * (2 * n_rank + 1) - tie_term / 2.0) / 24.0
    excess = r_plus - null_mean
    shift = 0.5 * np.sign(excess) if correction else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z_rank = (excess - shift) / np.sqrt(null_var)
        rank_biserial = (r_plus - r_minus) / (r_plus + r_minus)
    p_rank = np.minimum(1.0, 2.0 * _norm.sf(np.abs(z_rank)))

    # 4. Binary items: discordant pairs.
    not_positive = ~positive
    worse = np.einsum("kij,ki,kj->k", tables, positive, not_positive)
    better = np.einsum("kij,ki,kj->k", tables, not_positive, positive)
    discordant = worse + better

    n_used = np.where(is_binary, discordant, n_rank)
    changed = np.where(is_binary, discordant, n_nonzero)
    notes = np.full(k, "", dtype=object)
    notes[changed == 0] = "no pair changed answer: test undefined"
    notes[n_pairs < 2] = "fewer than 2 complete pairs: test undefined"
    tested = notes == ""
    if on_degenerate == "raise" and not tested.all():
        problems = "; ".join(f"{ids[j]} ({notes[j]})" for j in np.flatnonzero(~tested))
        raise ValueError(
            f"cannot test item(s): {problems}; pass on_degenerate='note' to report them untested"
        )

    test = np.where(is_binary, "mcnemar", "wilcoxon").astype(object)
    method = np.full(k, "not tested", dtype=object)
    statistic = np.full(k, np.nan)
    zstatistic = np.full(k, np.nan)
    pvalue = np.full(k, np.nan)
    effect_z = np.full(k, np.nan)
    biserial = np.full(k, np.nan)
    for j in np.flatnonzero(tested):
        if is_binary[j]:
            b_j, c_j = worse[j], better[j]
            n11 = float((tables[j] * np.outer(positive[j], positive[j])).sum())
            n00 = float((tables[j] * np.outer(not_positive[j], not_positive[j])).sum())
            res = _sm_mcnemar([[n11, b_j], [c_j, n00]], exact=True)
            method[j] = "exact"
            statistic[j] = float(res.statistic)
            pvalue[j] = float(res.pvalue)
            biserial[j] = (c_j - b_j) / (c_j + b_j)
            # R's mcnemar.test: continuity correction only when b != c.
            gap = abs(c_j - b_j) - (1.0 if correction and b_j != c_j else 0.0)
            effect_z[j] = max(gap, 0.0) / math.sqrt(b_j + c_j)
            continue
        statistic[j] = r_plus[j]
        biserial[j] = rank_biserial[j]
        effect_z[j] = abs(z_rank[j])
        if not has_ties[j] and n_zero[j] == 0 and n_nonzero[j] <= EXACT_MAX_N:
            # No ties: each |d| level holds at most one pair, so d is recovered.
            magnitudes = np.arange(1, span, dtype=np.float64)
            d = np.concatenate([magnitudes[n_pos_level[j] > 0], -magnitudes[n_neg_level[j] > 0]])
            pvalue[j] = signed_rank_test(d, zero_method, correction, "exact").pvalue
            method[j] = "exact"
        else:
            pvalue[j] = p_rank[j]
            zstatistic[j] = z_rank[j]
            method[j] = "asymptotic"

    holm = np.full(k, np.nan)
    bh = np.full(k, np.nan)
    if tested.any():
        holm[tested] = adjust_pvalues(pvalue[tested], method="holm")
        bh[tested] = adjust_pvalues(pvalue[tested], method="fdr_bh")

    with np.errstate(invalid="ignore"):
        r_effect = effect_z / np.sqrt(n_pairs)  # Rosenthal: N = number of pairs
    frame = pd.DataFrame(
        {
            "item": ids,
            "label": [spec[1] for spec in specs],
            "kind": [spec[2] for spec in specs],
            "n_pairs": n_pairs.astype(np.int64),
            "n_used": n_used.astype(np.int64),
            "before_median": before_median,
            "after_median": after_median,
            **pct,
            "test": test,
            "method": method,
            "statistic": statistic,
            "zstatistic": zstatistic,
            "pvalue": pvalue,
            "pvalue_holm": holm,
            "pvalue_bh": bh,
            "rank_biserial": biserial,
            "r_effect": np.where(tested, r_effect, np.nan),
            "significant": tested & (np.nan_to_num(pvalue, nan=1.0) < alpha),
            "note": notes,
        }
    )
    return frame.loc[:, list(OUTCOME_TABLE_COLUMNS)]
