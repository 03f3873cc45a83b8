"""Tests of cwp_analysis.stats against independently known values.

Reference values come from (a) exact enumeration of the signed-rank null
distribution with itertools, (b) hand evaluation of the normal
approximation with tie, zero and continuity corrections (math.erfc, no
scipy), (c) R output printed in R's own documentation and on the R mailing
lists, (d) closed forms (binomial sums, the Wilson interval) and (e)
published power tables (G*Power / Cohen).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import FrozenInstanceError
from statistics import NormalDist
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from cwp_analysis.stats import (
    OUTCOME_TABLE_COLUMNS,
    WILCOXON_ARE_NORMAL,
    McNemarResult,
    PairedItem,
    WilcoxonResult,
    adjust_pvalues,
    mcnemar_test,
    minimum_detectable_effect,
    outcome_table,
    proportion_positive,
    sample_size_table,
    wilcoxon_signed_rank,
    wilson_interval,
)

# --------------------------------------------------------------------------
# Independent reference helpers
# --------------------------------------------------------------------------


def enumerated_two_sided_p(v: float, n: int) -> float:
    """Exact two-sided p of V for n untied ranks, by listing all 2**n signs."""
    sums = [sum(r for r, s in zip(range(1, n + 1), signs) if s) for signs in itertools.product((0, 1), repeat=n)]
    total = len(sums)
    p_le = sum(s <= v for s in sums) / total
    p_ge = sum(s >= v for s in sums) / total
    return min(1.0, 2.0 * min(p_le, p_ge))


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def holm_by_hand(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def bh_by_hand(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    out = [0.0] * m
    running = 1.0
    for k, i in enumerate(order):
        rank = m - k  # 1-based rank in ascending order
        running = min(running, p[i] * m / rank)
        out[i] = running
    return out


# R's ?wilcox.test paired example (Hollander & Wolfe depression scale data).
R_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
R_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


# --------------------------------------------------------------------------
# Wilcoxon signed-rank: exact branch
# --------------------------------------------------------------------------


def test_r_documentation_example_exact():
    # R: wilcox.test(x, y, paired = TRUE) -> V = 40, p-value = 0.03906.
    res = wilcoxon_signed_rank(before=R_Y, after=R_X)
    assert isinstance(res, WilcoxonResult)
    assert res.statistic == 40.0
    assert res.method == "exact"
    assert res.zstatistic is None
    assert res.n == 9
    assert res.pvalue == pytest.approx(0.03906, abs=5e-6)
    # Enumeration: 10 of the 512 sign patterns have V >= 40.
    assert res.pvalue == pytest.approx(enumerated_two_sided_p(40, 9), abs=1e-15)
    assert res.pvalue == pytest.approx(20 / 512, abs=1e-15)
    # Kerby: (R+ - R-) / (R+ + R-) = (40 - 5) / 45.
    assert res.rank_biserial == pytest.approx(35 / 45)


def test_exact_matches_enumeration_for_real_valued_differences():
    d = np.array([0.5, -1.2, 2.3, 3.1, -0.7, 4.4, 5.0, -6.2, 7.1, 8.3, 9.9, -0.1])
    # |d| ranks: 0.1->1, 0.5->2, 0.7->3, 1.2->4, 2.3->5, 3.1->6, 4.4->7,
    # 5.0->8, 6.2->9, 7.1->10, 8.3->11, 9.9->12; positives 2,5,6,7,8,10,11,12.
    v = 2 + 5 + 6 + 7 + 8 + 10 + 11 + 12
    res = wilcoxon_signed_rank(np.zeros(12), d)
    assert res.statistic == v == 61
    assert res.method == "exact"
    assert res.pvalue == pytest.approx(enumerated_two_sided_p(v, 12), abs=1e-14)
    assert res.rank_biserial == pytest.approx((61 - 17) / 78)


def test_exact_p_is_one_at_the_centre():
    # n = 4, V = 5 = n(n+1)/4: the two-sided p-value is capped at 1.
    res = wilcoxon_signed_rank([0, 0, 0, 0], [1, -2, -3, 4])
    assert res.statistic == 5.0
    assert res.pvalue == 1.0
    assert res.rank_biserial == 0.0


def test_exact_threshold_follows_r_not_scipy():
    # R uses the exact distribution only for n < 50; scipy's "auto" up to 50.
    d49 = np.array([(k if k % 3 else -k) for k in range(1, 50)], dtype=float)
    d50 = np.array([(k if k % 3 else -k) for k in range(1, 51)], dtype=float)
    assert wilcoxon_signed_rank(np.zeros(49), d49).method == "exact"
    res = wilcoxon_signed_rank(np.zeros(50), d50)
    assert res.method == "asymptotic"
    v = float(sum(k for k in range(1, 51) if k % 3))
    mean = 50 * 51 / 4
    sigma = math.sqrt(50 * 51 * 101 / 24)
    z = (v - mean - 0.5 * math.copysign(1, v - mean)) / sigma
    assert res.statistic == v
    assert res.zstatistic == pytest.approx(z, rel=1e-12)
    assert res.pvalue == pytest.approx(normal_two_sided_p(z), rel=1e-10)
    # Forcing the exact distribution is allowed without ties and zeros.
    forced = wilcoxon_signed_rank(np.zeros(50), d50, method="exact")
    assert forced.method == "exact" and forced.zstatistic is None
    assert forced.pvalue != pytest.approx(res.pvalue, rel=1e-6)


# --------------------------------------------------------------------------
# Wilcoxon signed-rank: normal approximation, ties and zeros
# --------------------------------------------------------------------------


def test_r_mailing_list_example_with_a_zero():
    # R-help / R-devel (Hothorn, 2003): wilcox.test(c(2, 1, 4, 3, 6, -5, 0))
    # "Wilcoxon signed rank test with continuity correction", V = 16,
    # p-value = 0.2945.
    res = wilcoxon_signed_rank([0] * 7, [2, 1, 4, 3, 6, -5, 0])
    assert res.statistic == 16.0
    assert res.n == 6
    assert res.method == "asymptotic"
    z = (16 - 10.5 - 0.5) / math.sqrt(6 * 7 * 13 / 24)
    assert res.zstatistic == pytest.approx(z, rel=1e-12)
    assert res.pvalue == pytest.approx(normal_two_sided_p(z), rel=1e-10)
    assert res.pvalue == pytest.approx(0.2945, abs=5e-5)


def test_r_mailing_list_paired_example_with_zeros():
    # R-help (2006): wilcox.test(day_4, day_1, paired = TRUE) -> V = 1,
    # p-value = 0.02086 (two zero differences, continuity correction).
    day_4 = [540, 1, 1, 1, 1, 1, 1, 300, 720, 480]
    day_1 = [438, 343, 1, 475, 1, 562, 500, 435, 1045, 890]
    res = wilcoxon_signed_rank(before=day_1, after=day_4)
    assert res.statistic == 1.0
    assert res.n == 8
    z = (1 - 18 + 0.5) / math.sqrt(8 * 9 * 17 / 24)
    assert res.zstatistic == pytest.approx(z, rel=1e-12)
    assert res.pvalue == pytest.approx(0.02086, abs=5e-6)
    assert res.rank_biserial == pytest.approx((1 - 35) / 36)


TIED = [1, 1, -1, 2, 2, 2, 3, -3, 4]  # hand-ranked below


def test_ties_normal_approximation_by_hand():
    # |d| groups: 1 (x3) -> ranks 1-3, midrank 2; 2 (x3) -> 4-6, midrank 5;
    # 3 (x2) -> 7-8, midrank 7.5; 4 -> 9.
    # V = 2 + 2 + 5 + 5 + 5 + 7.5 + 9 = 35.5;  R- = 2 + 7.5 = 9.5.
    # sigma^2 = 9*10*19/24 - (24 + 24 + 6)/48 = 71.25 - 1.125 = 70.125.
    res = wilcoxon_signed_rank([0] * 9, TIED)
    assert res.statistic == 35.5
    assert res.method == "asymptotic"
    z = (35.5 - 22.5 - 0.5) / math.sqrt(70.125)
    assert res.zstatistic == pytest.approx(z, rel=1e-12)
    assert res.pvalue == pytest.approx(normal_two_sided_p(z), rel=1e-10)
    assert res.rank_biserial == pytest.approx((35.5 - 9.5) / 45)


def test_ties_without_continuity_correction():
    res = wilcoxon_signed_rank([0] * 9, TIED, correction=False)
    z = (35.5 - 22.5) / math.sqrt(70.125)
    assert res.zstatistic == pytest.approx(z, rel=1e-12)
    assert res.pvalue == pytest.approx(normal_two_sided_p(z), rel=1e-10)


def test_zero_methods_differ_in_n_and_statistic():
    diffs = TIED + [0]
    wilcox = wilcoxon_signed_rank([0] * 10, diffs)
    pratt = wilcoxon_signed_rank([0] * 10, diffs, zero_method="pratt")
    # Wilcox: the zero is dropped, so the tied example above is unchanged.
    assert (wilcox.n, wilcox.statistic) == (9, 35.5)
    assert wilcox.zstatistic == pytest.approx((35.5 - 22.5 - 0.5) / math.sqrt(70.125), rel=1e-12)
    # Pratt: the zero takes rank 1, every other rank moves up by one:
    # midranks 3, 6, 8.5, 10; V = 3 + 3 + 6*3 + 8.5 + 10 = 42.5.
    # mean = 10*11/4 - 1*2/4 = 27; var = (10*11*21 - 1*2*3 - 54/2)/24 = 94.875.
    assert (pratt.n, pratt.statistic) == (10, 42.5)
    z = (42.5 - 27 - 0.5) / math.sqrt(94.875)
    assert pratt.zstatistic == pytest.approx(z, rel=1e-12)
    assert pratt.pvalue == pytest.approx(normal_two_sided_p(z), rel=1e-10)
    assert pratt.zero_method == "pratt" and wilcox.zero_method == "wilcox"
    # R- under Pratt = 3 + 8.5 = 11.5.
    assert pratt.rank_biserial == pytest.approx((42.5 - 11.5) / 54)


def test_pratt_without_zeros_equals_wilcox():
    a = wilcoxon_signed_rank([0] * 9, TIED)
    b = wilcoxon_signed_rank([0] * 9, TIED, zero_method="pratt")
    assert (a.statistic, a.n, a.pvalue, a.zstatistic) == (b.statistic, b.n, b.pvalue, b.zstatistic)


def test_negative_direction_gives_negative_z_and_effect():
    res = wilcoxon_signed_rank([0] * 9, [-x for x in TIED])
    assert res.statistic == 9.5
    assert res.zstatistic == pytest.approx(-(35.5 - 22.5 - 0.5) / math.sqrt(70.125), rel=1e-12)
    assert res.rank_biserial < 0


def test_nan_policy_omit_drops_incomplete_pairs():
    before = [0.0, np.nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    after = [1.0, 5.0] + TIED[1:] + [np.nan]
    res = wilcoxon_signed_rank(before, after, nan_policy="omit")
    assert res == wilcoxon_signed_rank([0] * 9, TIED)


def test_pandas_nullable_integers_are_accepted():
    before = pd.Series([1, 2, 2, 3, pd.NA, 1, 2, 3, 2, 1], dtype="Int64")
    after = pd.Series([3, 4, 2, 4, 5, 3, 3, 5, 4, 2], dtype="Int64")
    res = wilcoxon_signed_rank(before, after, nan_policy="omit")
    manual = wilcoxon_signed_rank([1, 2, 2, 3, 1, 2, 3, 2, 1], [3, 4, 2, 4, 3, 3, 5, 4, 2])
    assert res == manual


def test_result_is_frozen():
    res = wilcoxon_signed_rank(R_Y, R_X)
    with pytest.raises(FrozenInstanceError):
        res.pvalue = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("before", "after", "kwargs", "message"),
    [
        ([1, 2, 3], [1, 2], {}, "same length"),
        (["a", "b", "c"], [1, 2, 3], {}, "numbers"),
        ([1, "x", 3], [1, 2, 3], {}, "numbers"),
        (np.array([1, "x", 3], dtype=object), [1, 2, 3], {}, r"before\[1\] is a str"),
        ([1, 2, 3], [1, None, object()], {}, r"after\[2\] is a object"),
        ([True, False, True], [1, 2, 3], {}, "booleans"),
        (pd.Series([True, False]), [1, 2], {}, "booleans"),
        ([[1, 2], [3, 4]], [[1, 2], [3, 4]], {}, "one-dimensional"),
        ("123", "456", {}, "string"),
        ([1, 2, np.nan], [2, 3, 4], {}, "nan_policy='omit'"),
        ([1, 2, np.inf], [2, 3, 4], {}, "infinite"),
        ([1, 2, 3], [1, 2, 3], {}, "all 3 differences"),
        ([], [], {}, "at least 2 complete pairs, got 0"),
        ([1], [2], {}, "at least 2 complete pairs, got 1"),
        ([1, np.nan], [2, 3], {"nan_policy": "omit"}, "got 1"),
        ([1, 2, 3], [2, 3, 5], {"zero_method": "zsplit"}, "zero_method"),
        ([1, 2, 3], [2, 3, 5], {"method": "permutation"}, "method"),
        ([1, 2, 3], [2, 3, 5], {"correction": "yes"}, "correction"),
        ([1, 2, 3], [2, 3, 5], {"nan_policy": "propagate"}, "nan_policy"),
        ([0] * 9, TIED, {"method": "exact"}, "ties or zeros"),
        ([0] * 7, [2, 1, 4, 3, 6, -5, 0], {"method": "exact"}, "ties or zeros"),
    ],
)
def test_wilcoxon_bad_input(before, after, kwargs, message):
    with pytest.raises(ValueError, match=message):
        wilcoxon_signed_rank(before, after, **kwargs)


codes = st.integers(min_value=1, max_value=5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(codes, codes), min_size=2, max_size=40))
def test_swapping_before_and_after_mirrors_the_test(pairs):
    before = [b for b, _ in pairs]
    after = [a for _, a in pairs]
    n_changed = sum(b != a for b, a in pairs)
    if n_changed == 0:
        with pytest.raises(ValueError, match="zero"):
            wilcoxon_signed_rank(before, after)
        return
    forward = wilcoxon_signed_rank(before, after)
    backward = wilcoxon_signed_rank(after, before)
    total = n_changed * (n_changed + 1) / 2
    # V + R- = n(n + 1)/2, and swapping exchanges R+ and R-.
    assert forward.n == backward.n == n_changed
    assert forward.statistic + backward.statistic == pytest.approx(total)
    assert forward.rank_biserial == pytest.approx((2 * forward.statistic - total) / total)
    assert backward.rank_biserial == pytest.approx(-forward.rank_biserial)
    assert backward.pvalue == pytest.approx(forward.pvalue, rel=1e-12, abs=1e-15)
    assert 0.0 < forward.pvalue <= 1.0


@settings(max_examples=40, deadline=None)
@given(st.permutations(list(range(1, 11))), st.lists(st.booleans(), min_size=10, max_size=10))
def test_exact_p_matches_enumeration_property(magnitudes, signs):
    d = [m if s else -m for m, s in zip(magnitudes, signs)]
    res = wilcoxon_signed_rank([0] * 10, d)
    v = sum(m for m, s in zip(magnitudes, signs) if s)
    assert res.method == "exact"
    assert res.statistic == v
    assert res.pvalue == pytest.approx(enumerated_two_sided_p(v, 10), abs=1e-14)


# --------------------------------------------------------------------------
# McNemar
# --------------------------------------------------------------------------


def _binary_pairs(both, worse, better, neither):
    before = [1] * both + [1] * worse + [0] * better + [0] * neither
    after = [1] * both + [0] * worse + [1] * better + [0] * neither
    return before, after


def test_mcnemar_exact_binomial_by_hand():
    before, after = _binary_pairs(5, 1, 9, 5)
    res = mcnemar_test(before, after)
    assert isinstance(res, McNemarResult)
    # p = 2 * sum_{k <= 1} C(10, k) / 2**10 = 2 * 11 / 1024.
    assert res.pvalue == pytest.approx(2 * (math.comb(10, 0) + math.comb(10, 1)) / 2**10, abs=1e-15)
    assert res.pvalue == 0.021484375
    assert res.statistic == 1.0
    assert res.n_discordant == (1, 9)
    assert res.n == 20
    assert res.method == "exact"
    swapped = mcnemar_test(after, before)
    assert swapped.n_discordant == (9, 1)
    assert swapped.pvalue == res.pvalue


def test_mcnemar_exact_p_capped_at_one():
    before, after = _binary_pairs(3, 2, 2, 3)
    assert mcnemar_test(before, after).pvalue == 1.0


def test_mcnemar_chi_square_versions():
    before, after = _binary_pairs(5, 1, 9, 5)
    corrected = mcnemar_test(before, after, exact=False)
    assert corrected.statistic == pytest.approx((abs(9 - 1) - 1) ** 2 / 10)  # 4.9
    assert corrected.pvalue == pytest.approx(math.erfc(math.sqrt(4.9 / 2)), rel=1e-10)
    assert corrected.method == "asymptotic"
    plain = mcnemar_test(before, after, exact=False, correction=False)
    assert plain.statistic == pytest.approx(6.4)
    assert plain.pvalue == pytest.approx(math.erfc(math.sqrt(6.4 / 2)), rel=1e-10)


@pytest.mark.parametrize("discordant", [1, 2, 7])
def test_mcnemar_chi_square_without_correction_when_b_equals_c(discordant):
    # R: mcnemar.test(matrix(c(5, 1, 1, 5), 2)) gives McNemar's chi-squared = 0,
    # df = 1, p-value = 1: R applies the continuity correction only when the
    # discordant counts differ (`if (correct && (r == 2) && any(x - t(x) != 0))`).
    before, after = _binary_pairs(5, discordant, discordant, 5)
    res = mcnemar_test(before, after, exact=False)
    assert res.statistic == 0.0
    assert res.pvalue == 1.0
    assert res.n_discordant == (discordant, discordant)
    # Without R's rule the corrected statistic would be 1/(b + c) > 0, p < 1
    # (for b = c = 1: 0.5 and p = 0.4795).
    assert sps.chi2.sf(1 / (2 * discordant), 1) < 1.0
    assert mcnemar_test(before, after, exact=False, correction=False).statistic == 0.0


def test_mcnemar_chi_square_matches_statsmodels_when_b_differs_from_c():
    from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

    # Agresti (2013, Section 11.1): presidential approval of 1,600 people at
    # two surveys, 794 approve both times, 150 approve then disapprove, 86
    # disapprove then approve, 570 disapprove both times.
    before, after = _binary_pairs(794, 150, 86, 570)
    res = mcnemar_test(before, after, exact=False)
    ref = sm_mcnemar([[794, 150], [86, 570]], exact=False, correction=True)
    assert res.statistic == pytest.approx((abs(150 - 86) - 1) ** 2 / 236, rel=1e-12)  # 16.818
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.pvalue == pytest.approx(sps.chi2.sf(3969 / 236, 1), rel=1e-12)
    plain = mcnemar_test(before, after, exact=False, correction=False)
    # Agresti's z = (86 - 150) / sqrt(236) = -4.17, z**2 = 17.36.
    assert plain.statistic == pytest.approx(64**2 / 236, rel=1e-12)
    assert round(plain.statistic, 2) == 17.36
    # |b - c| = 1: the corrected statistic is 0 as well, in R and here.
    near = mcnemar_test(*_binary_pairs(3, 2, 1, 3), exact=False)
    assert (near.statistic, near.pvalue) == (0.0, 1.0)


NON_INTEGER = "holds non-integer values; response codes must be integers"


def test_non_integer_codes_are_refused_alike_by_every_code_reader():
    with pytest.raises(ValueError, match="before " + NON_INTEGER):
        mcnemar_test([1, 0.5, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="after " + NON_INTEGER):
        mcnemar_test([1, 0, 1], [0, 1, 1.5])
    with pytest.raises(ValueError, match="after " + NON_INTEGER):
        mcnemar_test([1, 0, np.nan], [0, 1.25, 1], nan_policy="omit")
    with pytest.raises(ValueError, match="values " + NON_INTEGER):
        proportion_positive([4, 4.5, 5], (4, 5))
    with pytest.raises(ValueError, match="values " + NON_INTEGER):
        proportion_positive([4, np.nan, 2.5], (4, 5), nan_policy="omit")
    frame = pd.DataFrame({"x_before": [1.0, 0.5, 1.0], "x_after": [0, 1, 1]})
    with pytest.raises(ValueError, match="column 'x_before' " + NON_INTEGER):
        outcome_table(frame, [PairedItem("x", "x", "binary", (1,))])
    # A fractional code in an incomplete pair is dropped with the pair, by all three.
    assert mcnemar_test([1, 0, 1, 0.5], [0, 1, 1, np.nan], nan_policy="omit").n == 3
    assert proportion_positive([4, 5, np.nan], (4, 5), nan_policy="omit").nobs == 2


def test_mcnemar_positive_codes_and_missing_values():
    # Codes 1 = yes, 2 = no; one incomplete pair.
    before = [1, 1, 2, 2, 2, 2, np.nan]
    after = [1, 2, 1, 1, 1, 2, 1]
    res = mcnemar_test(before, after, positive_codes=(1,), nan_policy="omit")
    assert res.n_discordant == (1, 3) and res.n == 6
    assert res.pvalue == pytest.approx(2 * (1 + 4) / 16)
    flipped = mcnemar_test(before, after, positive_codes=[2], nan_policy="omit")
    assert flipped.n_discordant == (3, 1)


@pytest.mark.parametrize(
    ("before", "after", "kwargs", "message"),
    [
        ([1, 0, 1], [1, 0], {}, "same length"),
        ([1, 1, 0], [1, 1, 0], {}, "no pair changed"),
        ([1], [0], {}, "at least 2"),
        (["yes", "no"], [1, 0], {}, "numbers"),
        ([1, np.nan], [0, 1], {}, "missing"),
        ([1, 0], [0, 1], {"positive_codes": "1"}, "positive_codes"),
        ([1, 0], [0, 1], {"positive_codes": ()}, "empty"),
        ([1, 0], [0, 1], {"positive_codes": (1.5,)}, "integers"),
        ([1, 0], [0, 1], {"positive_codes": (True,)}, "integers"),
        ([1, 0], [0, 1], {"exact": "yes"}, "exact"),
    ],
)
def test_mcnemar_bad_input(before, after, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mcnemar_test(before, after, **kwargs)


# --------------------------------------------------------------------------
# Proportions with Wilson intervals
# --------------------------------------------------------------------------


def wilson_by_hand(count, n, alpha=0.05):
    z = NormalDist().inv_cdf(1 - alpha / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_interval_closed_form():
    res = proportion_positive([5, 4, 4, 2, 5, 4, 1, 5, 4, 5], (4, 5))
    low, high = wilson_by_hand(8, 10)
    assert (res.count, res.nobs, res.proportion) == (8, 10, 0.8)
    assert res.ci_low == pytest.approx(low, abs=1e-12)
    assert res.ci_high == pytest.approx(high, abs=1e-12)
    assert (round(res.ci_low, 4), round(res.ci_high, 4)) == (0.4902, 0.9433)
    assert res.method == "wilson" and res.confidence_level == pytest.approx(0.95)


def test_wilson_interval_other_level_boundary_and_missing():
    res = proportion_positive([1, 2, 3, np.nan, 3], (4, 5), alpha=0.1, nan_policy="omit")
    low, high = wilson_by_hand(0, 4, alpha=0.1)
    assert res.count == 0 and res.nobs == 4
    assert res.ci_low == pytest.approx(0.0, abs=1e-15)
    assert res.ci_high == pytest.approx(high, abs=1e-12)
    assert low == pytest.approx(0.0, abs=1e-15)


def test_wilson_interval_matches_statsmodels_and_broadcasts():
    from statsmodels.stats.proportion import proportion_confint

    for count, nobs in [(8, 10), (1, 3), (3, 3), (66, 68), (0, 1)]:
        low, high = wilson_interval(count, nobs)
        ref_low, ref_high = proportion_confint(count, nobs, alpha=0.05, method="wilson")
        assert (low, high) == pytest.approx((max(ref_low, 0.0), min(ref_high, 1.0)), abs=1e-12)
        assert (low, high) == pytest.approx(wilson_by_hand(count, nobs), abs=1e-12)
    lows, highs = wilson_interval(np.array([0, 4, 10]), 10, alpha=0.1)
    assert lows.shape == highs.shape == (3,)
    assert lows[0] == 0.0 and highs[2] == 1.0
    assert (lows[1], highs[1]) == pytest.approx(wilson_by_hand(4, 10, alpha=0.1), abs=1e-12)
    # Integer-valued floats are counts too (outcome_table passes float arrays).
    assert wilson_interval(3.0, 6.0) == wilson_interval(3, 6)


@pytest.mark.parametrize(
    ("count", "nobs", "kwargs", "message"),
    [
        (0, 0, {}, "no trials"),
        (np.array([1, 0]), np.array([3, 0]), {}, "no trials"),
        (5, 3, {}, r"count \(5\) exceeds nobs \(3\)"),
        (np.array([1, 4]), 3, {}, r"count \(4\) exceeds nobs \(3\)"),
        (-1, 3, {}, "count must not be negative"),
        (1, -3, {}, "nobs must not be negative"),
        (1.5, 3, {}, "count must be a whole number, got 1.5"),
        (1, 3.5, {}, "nobs must be a whole number, got 3.5"),
        (np.array([1.0, 0.5]), 3, {}, "count must be a whole number, got 0.5"),
        (np.nan, 3, {}, "count is missing"),
        (1, np.inf, {}, "nobs must be finite"),
        (True, 3, {}, "count must be a whole number"),
        ("1", 3, {}, "count must be a whole number"),
        (None, 3, {}, "count must be a whole number"),
        (np.array([1, 2]), np.array([3, 4, 5]), {}, "broadcastable"),
        (1, 3, {"alpha": 2}, "alpha"),
        (1, 3, {"alpha": 0}, "alpha"),
        (1, 3, {"alpha": 1.0}, "alpha"),
        (1, 3, {"alpha": -0.05}, "alpha"),
        (1, 3, {"alpha": float("nan")}, "alpha"),
    ],
)
def test_wilson_interval_refuses_impossible_input(count, nobs, kwargs, message):
    # statsmodels returns (nan, nan) for most of these and accepts 1.5 of 3.
    with pytest.raises(ValueError, match=message):
        wilson_interval(count, nobs, **kwargs)


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([], {}, "no non-missing"),
        ([np.nan, np.nan], {"nan_policy": "omit"}, "no non-missing"),
        ([1, np.nan], {}, "missing"),
        (["often"], {}, "numbers"),
        ([1, 2], {"alpha": 1.5}, "alpha"),
        ([1, 2], {"alpha": 0}, "alpha"),
    ],
)
def test_proportion_bad_input(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        proportion_positive(values, (4, 5), **kwargs)


# --------------------------------------------------------------------------
# Multiplicity
# --------------------------------------------------------------------------


def test_adjust_pvalues_hand_worked():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> 0.06.
    assert adjust_pvalues(p).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04.
    assert adjust_pvalues(p, method="fdr_bh").tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust_pvalues([0.5, 0.6]).tolist() == pytest.approx([1.0, 1.0])
    assert adjust_pvalues([0.5, 0.6], method="fdr_bh").tolist() == pytest.approx([0.6, 0.6])


@settings(max_examples=25, deadline=None)  # each statsmodels Holm call runs gc.collect()
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40), st.sampled_from(["holm", "fdr_bh"]))
def test_adjust_pvalues_equals_statsmodels_multipletests(p, method):
    from statsmodels.stats.multitest import multipletests

    # Holm is computed without statsmodels (whose Holm branch calls
    # gc.collect() on every call) but must give exactly its numbers.
    assert np.array_equal(adjust_pvalues(p, method=method), multipletests(p, method=method)[1])


@pytest.mark.parametrize(
    ("pvalues", "method", "message"),
    [
        ([], "holm", "empty"),
        ([0.1, np.nan], "holm", "missing"),
        ([0.1, 1.2], "holm", r"\[0, 1\]"),
        ([0.1, -0.1], "fdr_bh", r"\[0, 1\]"),
        ([0.1], "bonferroni", "method"),
    ],
)
def test_adjust_pvalues_bad_input(pvalues, method, message):
    with pytest.raises(ValueError, match=message):
        adjust_pvalues(pvalues, method=method)


# --------------------------------------------------------------------------
# outcome_table
# --------------------------------------------------------------------------


def _survey(seed: int = 7, n: int = 160) -> tuple[pd.DataFrame, list[PairedItem]]:
    rng = np.random.default_rng(seed)
    mood_b = rng.integers(1, 6, n).astype(float)
    mood_a = np.clip(mood_b + rng.choice([-1, 0, 1, 2], n), 1, 5)
    mood_b[rng.random(n) < 0.08] = np.nan
    mood_a[rng.random(n) < 0.08] = np.nan
    debt_b = rng.integers(1, 6, n).astype(float)
    debt_a = np.clip(debt_b + rng.choice([-1, 0, 0, 1], n), 1, 5)
    work_b = rng.integers(1, 11, n).astype(float)  # Work Star style 1-10 scale
    work_a = np.clip(work_b + rng.integers(-2, 4, n), 1, 10)
    bank_b = (rng.random(n) < 0.6).astype(float)
    bank_a = np.where(rng.random(n) < 0.15, 1 - bank_b, bank_b)
    bank_a[rng.random(n) < 0.05] = np.nan
    # An item answered by only 8 women, with distinct non-zero changes:
    # changes +1, -2, +3, +4, -5, +6, +7, +8 -> exact distribution.
    sleep_b = np.full(n, np.nan)
    sleep_a = np.full(n, np.nan)
    sleep_b[:8] = [1, 5, 1, 2, 9, 2, 1, 1]
    sleep_a[:8] = [2, 3, 4, 6, 4, 8, 8, 9]
    data = pd.DataFrame(
        {
            "mood_before": mood_b,
            "mood_after": mood_a,
            "debt_before": pd.array(debt_b.astype(int), dtype="Int64"),
            "debt_after": debt_a.astype(np.int8),
            "work_before": work_b,
            "work_after": work_a,
            "bank_before": bank_b,
            "bank_after": bank_a,
            "sleep_before": sleep_b,
            "sleep_after": sleep_a,
        }
    )
    items = [
        PairedItem("mood", "Mood", "ordinal", (4, 5)),
        PairedItem("debt", "Debt", "ordinal", (4, 5)),
        PairedItem("work", "Work", "ordinal", (8, 9, 10)),
        PairedItem("bank", "Bank account", "binary", (1,)),
        PairedItem("sleep", "Sleep", "ordinal", (7, 8, 9, 10)),
    ]
    return data, items


def _complete(data, item_id):
    b = data[f"{item_id}_before"].to_numpy(dtype=float, na_value=np.nan)
    a = data[f"{item_id}_after"].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(b) | np.isnan(a))
    return b[keep], a[keep]


@pytest.mark.parametrize(("zero_method", "correction"), [("wilcox", True), ("pratt", True), ("wilcox", False)])
def test_outcome_table_matches_per_item_calls(zero_method, correction):
    data, items = _survey()
    table = outcome_table(data, items, zero_method=zero_method, correction=correction)
    assert tuple(table.columns) == OUTCOME_TABLE_COLUMNS
    assert table["item"].tolist() == ["mood", "debt", "work", "bank", "sleep"]
    assert (table["note"] == "").all()
    for item in items:
        row = table.set_index("item").loc[item.id]
        b, a = _complete(data, item.id)
        assert row["n_pairs"] == b.size
        assert row["label"] == item.label and row["kind"] == item.kind
        assert row["before_median"] == np.median(b) and row["after_median"] == np.median(a)
        for side, values in (("before", b), ("after", a)):
            prop = proportion_positive(values, item.positive_codes)
            assert row[f"{side}_positive_pct"] == pytest.approx(100 * prop.proportion, rel=1e-12)
            assert row[f"{side}_positive_ci_low"] == pytest.approx(100 * prop.ci_low, rel=1e-12)
            assert row[f"{side}_positive_ci_high"] == pytest.approx(100 * prop.ci_high, rel=1e-12)
        if item.kind == "binary":
            ref = mcnemar_test(b, a, positive_codes=item.positive_codes)
            worse, better = ref.n_discordant
            assert row["test"] == "mcnemar" and row["method"] == "exact"
            assert row["n_used"] == worse + better
            assert row["statistic"] == ref.statistic
            assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-12)
            assert np.isnan(row["zstatistic"])
            assert row["rank_biserial"] == pytest.approx((better - worse) / (better + worse))
            gap = max(abs(better - worse) - (1 if correction else 0), 0)
            # Rosenthal's r: Z over the square root of the number of pairs.
            z = gap / math.sqrt(worse + better)
            assert row["r_effect"] == pytest.approx(z / math.sqrt(b.size), rel=1e-12)
            continue
        ref = wilcoxon_signed_rank(b, a, zero_method=zero_method, correction=correction)
        assert row["test"] == "wilcoxon" and row["method"] == ref.method
        assert row["n_used"] == ref.n
        assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert row["rank_biserial"] == pytest.approx(ref.rank_biserial, rel=1e-12)
        if ref.method == "exact":
            assert np.isnan(row["zstatistic"])
            approx = wilcoxon_signed_rank(b, a, zero_method=zero_method, correction=correction, method="asymptotic")
            assert row["r_effect"] == pytest.approx(abs(approx.zstatistic) / math.sqrt(b.size), rel=1e-10)
        else:
            assert row["zstatistic"] == pytest.approx(ref.zstatistic, rel=1e-10)
            assert row["r_effect"] == pytest.approx(abs(ref.zstatistic) / math.sqrt(b.size), rel=1e-10)
    methods = dict(zip(table["item"], table["method"]))
    assert methods["sleep"] == "exact" and methods["mood"] == "asymptotic"
    p = table["pvalue"].tolist()
    assert table["pvalue_holm"].tolist() == pytest.approx(holm_by_hand(p), rel=1e-12)
    assert table["pvalue_bh"].tolist() == pytest.approx(bh_by_hand(p), rel=1e-12)
    assert table["significant"].tolist() == [x < 0.05 for x in p]


def test_outcome_table_exact_item_by_enumeration():
    data, items = _survey()
    row = outcome_table(data, items).set_index("item").loc["sleep"]
    # Changes +1, -2, +3, +4, -5, +6, +7, +8: V = 36 - 7 = 29 of 36.
    assert row["statistic"] == 29.0
    assert row["n_pairs"] == 8 and row["n_used"] == 8
    assert row["pvalue"] == pytest.approx(enumerated_two_sided_p(29, 8), abs=1e-14)
    assert row["before_median"] == 1.5 and row["after_median"] == 5.0
    assert row["before_positive_pct"] == 12.5 and row["after_positive_pct"] == 37.5
    assert row["before_positive_n"] == 1 and row["after_positive_n"] == 3


def test_outcome_table_hand_worked_small_example():
    df = pd.DataFrame(
        {
            "calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2],
            "calm_after": [3, 4, 2, 4, 3, 3, 5, 4, 2, 1],
        }
    )
    row = outcome_table(df, [PairedItem("calm", "Calm", "ordinal", (4, 5))]).iloc[0]
    # d = 2,2,0,1,2,1,2,2,1,-1: four |d| = 1 (midrank 2.5), five |d| = 2
    # (midrank 7); V = 3*2.5 + 5*7 = 42.5; sigma^2 = (1710 - (60 + 120)/2)/24.
    z = (42.5 - 22.5 - 0.5) / math.sqrt((9 * 10 * 19 - 90) / 24)
    assert row["statistic"] == 42.5
    assert row["zstatistic"] == pytest.approx(z, rel=1e-12)
    assert row["pvalue"] == pytest.approx(normal_two_sided_p(z), rel=1e-10)
    # Rosenthal's r divides by the 10 pairs, not the 9 non-zero differences.
    assert row["r_effect"] == pytest.approx(z / math.sqrt(10), rel=1e-12)
    assert row["rank_biserial"] == pytest.approx((42.5 - 2.5) / 45)
    assert row["pvalue_holm"] == row["pvalue"] == row["pvalue_bh"]


def test_outcome_table_large_sample_matches_scipy_based_calls():
    rng = np.random.default_rng(11)
    n = 20_000
    b = rng.integers(1, 6, n).astype(float)
    a = np.clip(b + rng.choice([-1, 0, 1], n, p=[0.3, 0.35, 0.35]), 1, 5)
    b[rng.random(n) < 0.02] = np.nan
    df = pd.DataFrame({"x_before": b, "x_after": a})
    row = outcome_table(df, [PairedItem("x", "x", "ordinal", (4, 5))]).iloc[0]
    ref = wilcoxon_signed_rank(b, a, nan_policy="omit")
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-13)
    assert row["zstatistic"] == pytest.approx(ref.zstatistic, rel=1e-10)
    assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)


def test_r_effect_divides_by_all_pairs_on_the_synthetic_survey():
    # Issue 11: the r column divided |Z| by the non-zero differences (35 of 66
    # pairs for emergency_help on the synthetic survey, r = 0.837); Rosenthal's
    # r divides by the number of pairs, N = 66, giving 0.609.
    from cwp_analysis.codebook import load_codebook
    from cwp_analysis.paths import REPO_ROOT
    from cwp_analysis.survey_io import read_survey

    survey = read_survey(REPO_ROOT / "data" / "synthetic" / "survey_SYNTHETIC.csv")
    item = load_codebook().variable("emergency_help")
    row = outcome_table(survey, [item]).iloc[0]
    b, a = _complete(survey, "emergency_help")
    assert row["n_pairs"] == b.size == 66
    assert row["n_used"] == np.count_nonzero(a - b) == 35
    # scipy's normal approximation with R's continuity correction, independently.
    ref = sps.wilcoxon(a - b, correction=True, method="asymptotic")
    assert abs(row["zstatistic"]) == pytest.approx(abs(ref.zstatistic), rel=1e-10)
    assert row["r_effect"] == pytest.approx(abs(ref.zstatistic) / math.sqrt(66), rel=1e-10)
    assert round(row["r_effect"], 3) == 0.609
    assert round(abs(row["zstatistic"]) / math.sqrt(row["n_used"]), 3) == 0.837  # the old divisor


def test_outcome_table_accepts_codebook_like_objects():
    data, _ = _survey()
    duck = SimpleNamespace(id="mood", label="Mood", kind="ordinal", positive_codes=[4, 5])
    table = outcome_table(data, iter([duck]))
    assert table.loc[0, "item"] == "mood"


def test_outcome_table_degenerate_items_raise_or_note():
    data = pd.DataFrame(
        {
            "same_before": [1, 1, 0, 0, 1],
            "same_after": [1, 1, 0, 0, 1],
            "flat_before": [3, 4, 2, 5, 3],
            "flat_after": [3, 4, 2, 5, 3],
            "lone_before": [1, np.nan, np.nan, np.nan, np.nan],
            "lone_after": [2, 3, np.nan, np.nan, np.nan],
            "ok_before": [1, 2, 1, 2, 1],
            "ok_after": [3, 4, 5, 2, 3],
        }
    )
    items = [
        PairedItem("same", "Same", "binary", (1,)),
        PairedItem("flat", "Flat", "ordinal", (4, 5)),
        PairedItem("lone", "Lone", "ordinal", (4, 5)),
        PairedItem("ok", "Ok", "ordinal", (4, 5)),
    ]
    with pytest.raises(ValueError, match=r"same \(no pair changed.*flat \(no pair changed.*lone \(fewer than 2"):
        outcome_table(data, items)
    table = outcome_table(data, items, on_degenerate="note").set_index("item")
    assert table.loc["same", "note"].startswith("no pair changed")
    assert table.loc["lone", "note"].startswith("fewer than 2")
    assert table.loc["ok", "note"] == ""
    assert (table.loc[["same", "flat", "lone"], "method"] == "not tested").all()
    assert table.loc[["same", "flat", "lone"], ["pvalue", "pvalue_holm", "r_effect"]].isna().all().all()
    assert not table.loc[["same", "flat", "lone"], "significant"].any()
    # Descriptives are still given for untested items.
    assert table.loc["flat", "n_pairs"] == 5 and table.loc["flat", "before_positive_pct"] == 40.0
    assert table.loc["lone", "n_pairs"] == 1
    # The only tested item is adjusted on its own.
    assert table.loc["ok", "pvalue_holm"] == table.loc["ok", "pvalue"]
    ref = wilcoxon_signed_rank([1, 2, 1, 2, 1], [3, 4, 5, 2, 3])
    assert table.loc["ok", "pvalue"] == pytest.approx(ref.pvalue, rel=1e-12)


def test_outcome_table_item_with_no_pairs_in_note_mode():
    data = pd.DataFrame({"x_before": [np.nan, 1.0], "x_after": [2.0, np.nan], "y_before": [1, 2], "y_after": [3, 5]})
    items = [PairedItem("x", "x", "ordinal", (4, 5)), PairedItem("y", "y", "ordinal", (4, 5))]
    table = outcome_table(data, items, on_degenerate="note").set_index("item")
    assert table.loc["x", "n_pairs"] == 0
    assert np.isnan(table.loc["x", "before_median"]) and np.isnan(table.loc["x", "before_positive_pct"])
    assert table.loc["y", "method"] == "exact"


def _frame(**columns):
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("data", "items", "kwargs", "message"),
    [
        (_frame(x_before=[1, 2], x_after=[2, 3]), [], {}, "items is empty"),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,)), PairedItem("x", "x", "ordinal", (4,))],
            {},
            "duplicate item ids: x",
        ),
        (_frame(x_before=[1, 2]), [PairedItem("x", "x", "ordinal", (4,))], {}, "x_after"),
        (
            _frame(x_before=["a", "b"], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {},
            "'x_before' is not numeric",
        ),
        (
            _frame(x_before=[True, False], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {},
            "not numeric",
        ),
        (
            _frame(x_before=[1.5, 2.0], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {},
            "non-integer",
        ),
        (
            _frame(x_before=[np.inf, 2.0], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {},
            "infinite",
        ),
        (
            _frame(x_before=[1, 2, 3], x_after=[2, 3, 999]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {},
            "spanning at most",
        ),
        (
            _frame(x_before=[1, 2], x_after=[2, 3], y_before=[500, 501], y_after=[501, 503]),
            [PairedItem("x", "x", "ordinal", (4,)), PairedItem("y", "y", "ordinal", (4,))],
            {},
            "spanning at most",
        ),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [SimpleNamespace(id="x", label="x", kind="nominal", positive_codes=(1,))],
            {},
            "kind must be one of",
        ),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [SimpleNamespace(id="x", label="x", kind="ordinal")],
            {},
            "attributes id, label, kind and positive_codes",
        ),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [SimpleNamespace(id="x", label="x", kind="ordinal", positive_codes="4")],
            {},
            "positive_codes",
        ),
        (_frame(x_before=[1, 2], x_after=[2, 3]), [PairedItem("x", "x", "ordinal", (4,))], {"alpha": 0.0}, "alpha"),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {"on_degenerate": "skip"},
            "on_degenerate",
        ),
        (
            _frame(x_before=[1, 2], x_after=[2, 3]),
            [PairedItem("x", "x", "ordinal", (4,))],
            {"zero_method": "zsplit"},
            "zero_method",
        ),
        ({"x_before": [1, 2], "x_after": [2, 3]}, [PairedItem("x", "x", "ordinal", (4,))], {}, "DataFrame"),
    ],
)
def test_outcome_table_bad_input(data, items, kwargs, message):
    with pytest.raises(ValueError, match=message):
        outcome_table(data, items, **kwargs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "x", "ordinal", (4,)), "non-empty string"),
        (("x", "x", "likert", (4,)), "kind must be one of"),
        (("x", "x", "ordinal", ()), "must not be empty"),
        (("x", "x", "ordinal", (4.0,)), "integers"),
        (("x", 3, "ordinal", (4,)), "label must be a string"),
    ],
)
def test_paired_item_validation(args, message):
    with pytest.raises(ValueError, match=message):
        PairedItem(*args)


def test_paired_item_normalises_codes_to_tuple():
    assert PairedItem("x", "x", "binary", [1]).positive_codes == (1,)


# --------------------------------------------------------------------------
# Power
# --------------------------------------------------------------------------


def test_sample_sizes_match_published_power_tables():
    # Paired t-test, two-sided alpha 0.05, power 0.80 (G*Power; Cohen 1988):
    # dz = 0.2 -> 199, 0.3 -> 90, 0.5 -> 34, 0.8 -> 15 pairs.
    table = sample_size_table()
    assert table["effect_size"].tolist() == [0.2, 0.3, 0.5, 0.8]
    assert table["n_pairs"].tolist() == [199, 90, 34, 15]
    assert list(table.columns) == ["effect_size", "n_pairs_exact", "n_pairs", "alpha", "power", "are"]


def _paired_t_power(dz, n, alpha=0.05):
    df = n - 1
    crit = sps.t.ppf(1 - alpha / 2, df)
    nc = dz * math.sqrt(n)
    return sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc)


def test_minimum_detectable_effect_has_the_requested_power():
    dz = minimum_detectable_effect()  # n = 68, the report's sample
    assert 0.33 < dz < 0.36
    assert _paired_t_power(dz, 68) == pytest.approx(0.8, abs=1e-4)
    assert _paired_t_power(0.5, 34) > 0.8 > _paired_t_power(0.5, 33)


def test_efficiency_adjustment():
    assert WILCOXON_ARE_NORMAL == pytest.approx(0.9549, abs=1e-4)
    adjusted = minimum_detectable_effect(68, are=WILCOXON_ARE_NORMAL)
    assert _paired_t_power(adjusted, 68 * WILCOXON_ARE_NORMAL) == pytest.approx(0.8, abs=1e-4)
    assert adjusted > minimum_detectable_effect(68)
    plain = sample_size_table()
    rank = sample_size_table(are=WILCOXON_ARE_NORMAL)
    assert (rank["n_pairs_exact"] * WILCOXON_ARE_NORMAL).tolist() == pytest.approx(plain["n_pairs_exact"].tolist())
    assert rank["n_pairs"].tolist() == [208, 94, 35, 15]


def test_sample_size_where_statsmodels_solver_misses_the_power():
    # statsmodels' solve_power returned 9.125 pairs for d = 2 at alpha 0.001
    # and power 0.8, which attain power 0.777; the checked solution attains 0.8.
    def upper_tail_power(n):  # the lower tail is below 1e-20 here (and NaN in scipy)
        return sps.nct.sf(sps.t.isf(0.0005, n - 1), n - 1, 2.0 * math.sqrt(n))

    row = sample_size_table((2.0,), alpha=0.001, power=0.8).iloc[0]
    assert upper_tail_power(row["n_pairs_exact"]) == pytest.approx(0.8, abs=1e-6)
    assert upper_tail_power(9.125019179687508) < 0.78
    assert row["n_pairs"] == 10
    # A one-sided "smaller" alternative takes effects as sizes of a decrease.
    assert (sample_size_table(alternative="smaller")["n_pairs"].tolist()
            == sample_size_table(alternative="larger")["n_pairs"].tolist() == [156, 71, 27, 12])
    assert minimum_detectable_effect(68, alternative="smaller") == -minimum_detectable_effect(68, alternative="larger")


def test_power_where_the_noncentral_t_cannot_be_evaluated_is_a_clear_error():
    # 2 pairs at alpha 1e-9: scipy's noncentral t gives NaN; no number is returned.
    with pytest.raises(ValueError, match="could not be computed: the noncentral t"):
        minimum_detectable_effect(2, alpha=1e-9, power=0.5, are=WILCOXON_ARE_NORMAL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "at least 2"),
        ({"n": 2.5}, "integer"),
        ({"n": True}, "integer"),
        ({"alpha": 1.0}, "alpha"),
        ({"power": 0.04}, "must exceed alpha"),
        ({"are": 0}, "are must be a positive"),
        ({"n": 2, "are": 0.4}, "too few"),
        ({"alternative": "less"}, "alternative"),
    ],
)
def test_minimum_detectable_effect_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        minimum_detectable_effect(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"effects": ()}, "empty"),
        ({"effects": (0.5, -0.2)}, "positive finite"),
        ({"effects": (0.5, float("nan"))}, "positive finite"),
        ({"effects": "0.5"}, "sequence"),
        ({"power": 1.0}, "power"),
    ],
)
def test_sample_size_table_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_size_table(**kwargs)
