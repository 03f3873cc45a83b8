"""Paired two-sample tests: the Wilcoxon signed-rank test and McNemar's test.

* :func:`wilcoxon_signed_rank` - the paired Wilcoxon signed-rank test with
  R's classic ``wilcox.test(paired = TRUE)`` defaults, built on
  :func:`scipy.stats.wilcoxon`;
* :func:`mcnemar_test` - McNemar's test for binary (yes/no) items, exact
  binomial by default, built on :func:`statsmodels.stats.contingency_tables.mcnemar`,
  with R's ``mcnemar.test`` rule for the continuity correction.

Direction convention: every difference is ``after - before``.  Both
functions are re-exported by :mod:`cwp_analysis.stats`; scipy and
statsmodels are imported when a test is first run, not on import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cwp_analysis.stat_inputs import (
    paired_vectors,
    require_integer_codes,
    require_pairs,
    validate_choice,
    validate_codes,
    validate_flag,
)

__all__ = [
    "EXACT_MAX_N",
    "McNemarResult",
    "WilcoxonResult",
    "mcnemar_test",
    "signed_rank_test",
    "wilcoxon_signed_rank",
]

ZERO_METHODS = ("wilcox", "pratt")
_WILCOXON_METHODS = ("auto", "exact", "asymptotic")
#: R's classic wilcox.test uses the exact null distribution for n < 50.
EXACT_MAX_N = 49


@dataclass(frozen=True)
class WilcoxonResult:
    """Result of :func:`wilcoxon_signed_rank`.

    Attributes
    ----------
    statistic : float
        V, the sum of the ranks of the positive differences ``after - before``
        (R's ``V``; not scipy's two-sided ``min(R+, R-)``).
    pvalue : float
        Two-sided p-value.
    zstatistic : float or None
        Signed normal deviate (positive when V exceeds its null mean) after
        the tie, zero and continuity corrections; ``None`` when the exact
        distribution was used.
    n : int
        Number of pairs that entered the ranking: the non-zero differences
        under ``zero_method="wilcox"``, all pairs under ``"pratt"``.
    rank_biserial : float
        Kerby's matched-pairs rank-biserial correlation ``(R+ - R-) / (R+ + R-)``,
        in [-1, 1]; positive means higher scores after.
    method : {"exact", "asymptotic"}
        How the p-value was computed.
    zero_method : {"wilcox", "pratt"}
        How zero differences were treated.
    """

    statistic: float
    pvalue: float
    zstatistic: float | None
    n: int
    rank_biserial: float
    method: str
    zero_method: str


@dataclass(frozen=True)
class McNemarResult:
    """Result of :func:`mcnemar_test`.

    Attributes
    ----------
    statistic : float
        ``min(b, c)`` for the exact test (the binomial count, statsmodels'
        convention); the chi-square statistic for the asymptotic test.
    pvalue : float
        Two-sided p-value.
    n_discordant : tuple of int
        ``(b, c)``: pairs positive before but not after (``b``) and pairs
        positive after but not before (``c``).
    n : int
        Number of complete pairs.
    method : {"exact", "asymptotic"}
        Exact binomial test, or chi-square approximation.
    """

    statistic: float
    pvalue: float
    n_discordant: tuple[int, int]
    n: int
    method: str




def signed_rank_test(d: np.ndarray, zero_method: str, correction: bool, method: str) -> WilcoxonResult:
    """Signed-rank test on differences ``d = after - before``.

    The core of :func:`wilcoxon_signed_rank`, for callers that have already
    validated their input: ``d`` is a float array without NaN and the
    options are valid.  :func:`cwp_analysis.stats.outcome_table` calls it
    for items that qualify for the exact distribution.

    Raises
    ------
    ValueError
        When every difference is zero, or ``method="exact"`` with ties or zeros.
    """
    from scipy import stats as _sps
    n_pairs = int(d.shape[0])
    nonzero = d != 0
    n_nonzero = int(nonzero.sum())
    if n_nonzero == 0:
        raise ValueError(
            f"all {n_pairs} differences after - before are zero: the signed-rank test is undefined"
        )
    n_zero = n_pairs - n_nonzero
    d_nonzero = d[nonzero]
    has_ties = np.unique(np.abs(d_nonzero)).shape[0] < n_nonzero

    if zero_method == "wilcox":
        ranks = _sps.rankdata(np.abs(d_nonzero))
        r_plus = float(ranks[d_nonzero > 0].sum())
        r_minus = float(ranks[d_nonzero < 0].sum())
        n_used = n_nonzero
        null_mean = n_used * (n_used + 1) / 4.0
    else:  # pratt: zeros take part in the ranking, then their ranks are dropped
        ranks = _sps.rankdata(np.abs(d))
        r_plus = float(ranks[d > 0].sum())
        r_minus = float(ranks[d < 0].sum())
        n_used = n_pairs
        null_mean = n_used * (n_used + 1) / 4.0 - n_zero * (n_zero + 1) / 4.0

    exact_available = not has_ties and n_zero == 0
    if method == "auto":
        chosen = "exact" if exact_available and n_nonzero <= EXACT_MAX_N else "asymptotic"
    elif method == "exact":
        if not exact_available:
            raise ValueError(
                "the exact null distribution needs differences without ties or zeros; "
                "use method='auto' or 'asymptotic'"
            )
        chosen = "exact"
    else:
        chosen = "asymptotic"

    # scipy's method is passed explicitly: its own "auto" would use the exact
    # distribution up to n = 50 inclusive and a permutation test with ties.
    res = _sps.wilcoxon(d, zero_method=zero_method, correction=correction, method=chosen)
    pvalue = float(res.pvalue)
    zstatistic: float | None = None
    if chosen == "asymptotic":
        # scipy reports -|z| for two-sided tests; restore the direction of V.
        zstatistic = float(np.sign(r_plus - null_mean) * abs(float(res.zstatistic)))
    return WilcoxonResult(
        statistic=r_plus,
        pvalue=pvalue,
        zstatistic=zstatistic,
        n=n_used,
        rank_biserial=(r_plus - r_minus) / (r_plus + r_minus),
        method=chosen,
        zero_method=zero_method,
    )



def wilcoxon_signed_rank(
    before: Any,
    after: Any,
    *,
    zero_method: str = "wilcox",
    correction: bool = True,
    method: str = "auto",
    nan_policy: str = "raise",
) -> WilcoxonResult:
    """Two-sided paired Wilcoxon signed-rank test of ``after - before``.

    Parameters
    ----------
    before, after : array_like
        Paired numeric answers (one pair per respondent), same length.
    zero_method : {"wilcox", "pratt"}, optional
        ``"wilcox"`` (default) drops zero differences before ranking, as
        Wilcoxon (1945) and R's classic ``wilcox.test`` do.  ``"pratt"`` ranks
        the zeros with the other absolute differences and then leaves their
        ranks out of both sums (Pratt 1959), with the null mean and variance
        adjusted for the zeros (Cureton 1967).
    correction : bool, optional
        Apply the continuity correction of 0.5 to V in the normal
        approximation (R's ``correct = TRUE``, the default; scipy's default is
        no correction).
    method : {"auto", "exact", "asymptotic"}, optional
        ``"auto"`` uses the exact null distribution when fewer than 50 pairs
        enter the ranking and there are neither ties nor zero differences, and
        the normal approximation otherwise (R's rule; scipy's own ``"auto"``
        differs).  ``"exact"`` raises ``ValueError`` when ties or zeros make
        the exact distribution inapplicable.
    nan_policy : {"raise", "omit"}, optional
        ``"raise"`` (default) refuses missing values; ``"omit"`` drops every
        pair with a missing value on either side.

    Returns
    -------
    WilcoxonResult
        ``statistic`` (V), ``pvalue``, ``zstatistic`` (None when exact), ``n``,
        ``rank_biserial``, ``method`` and ``zero_method``.

    Raises
    ------
    ValueError
        On unequal lengths, non-numeric or infinite values, missing values
        (unless omitted), fewer than two pairs, all differences zero, or an
        unknown option.

    Notes
    -----
    With ``d = after - before``, V is the sum of the ranks of ``|d|`` over
    the positive ``d`` (average ranks for ties), the statistic R prints as
    ``V`` for ``wilcox.test(after, before, paired = TRUE)``.  scipy's
    two-sided statistic is ``min(R+, R-)`` instead; V is computed here from
    the ranks and the p-value is taken from :func:`scipy.stats.wilcoxon`
    with the method chosen explicitly.

    Normal approximation: ``z = (V - mu - 0.5 sign(V - mu)) / sigma`` with
    ``mu = n(n + 1)/4`` and ``sigma**2 = n(n + 1)(2n + 1)/24 - sum(t**3 - t)/48``
    where ``t`` runs over the sizes of groups of tied ``|d|`` (Hollander,
    Wolfe & Chicken 2014, Section 3.1; R's ``wilcox.test``).  Under ``"pratt"``
    with ``n0`` zeros, ``mu`` loses ``n0(n0 + 1)/4`` and ``sigma**2`` loses
    ``n0(n0 + 1)(2 n0 + 1)/24`` and the zeros do not count as ties.

    The defaults reproduce the classic (R < 4.6) ``wilcox.test(paired = TRUE)``.
    R 4.6.0 changed that function: it keeps zero differences in the ranking
    (Pratt's treatment) and, for fewer than 50 values, computes exact
    conditional p-values with ties by the Streitberg-Roehmel shift
    algorithm.  ``zero_method="pratt"`` gives R 4.6's V, but its p-value uses
    the normal approximation whenever there are ties or zeros.

    ``rank_biserial`` is Kerby's (2014) simple difference formula for matched
    pairs, ``(R+ - R-) / (R+ + R-)``: the share of the rank sum favouring
    "after" minus the share favouring "before".  It is +1 when every non-zero
    difference is positive.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods.
    *Biometrics Bulletin*, 1(6), 80-83.

    Pratt, J. W. (1959). Remarks on zeros and ties in the Wilcoxon signed rank
    procedures. *Journal of the American Statistical Association*, 54(287),
    655-667.

    Cureton, E. E. (1967). The normal approximation to the signed-rank
    sampling distribution when zero differences are present. *Journal of the
    American Statistical Association*, 62(319), 1068-1069.

    Kerby, D. S. (2014). The simple difference formula: an approach to
    teaching nonparametric correlation. *Comprehensive Psychology*, 3,
    11.IT.3.1.

    Hollander, M., Wolfe, D. A. & Chicken, E. (2014). *Nonparametric
    Statistical Methods* (3rd ed.). Wiley.

    R Core Team. ``wilcox.test``: Wilcoxon rank sum and signed rank tests.
    R documentation, package *stats*.

    Examples
    --------
    The paired example of R's ``?wilcox.test`` (Hollander & Wolfe's depression
    scale data; ``x`` is the first visit, ``y`` the second) gives V = 40 and
    p = 0.03906 for ``wilcox.test(x, y, paired = TRUE)``:

    >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    >>> res = wilcoxon_signed_rank(before=y, after=x)
    >>> res.statistic, round(res.pvalue, 5), res.method, res.zstatistic
    (40.0, 0.03906, 'exact', None)
    >>> round(res.rank_biserial, 4)
    0.7778
    """
    validate_choice(zero_method, ZERO_METHODS, "zero_method")
    validate_choice(method, _WILCOXON_METHODS, "method")
    correction = validate_flag(correction, "correction")
    b, a = paired_vectors(before, after, nan_policy)
    require_pairs(b.shape[0])
    return signed_rank_test(a - b, zero_method, correction, method)


# --------------------------------------------------------------------------
# Binary items: McNemar
# --------------------------------------------------------------------------


def mcnemar_test(
    before: Any,
    after: Any,
    *,
    positive_codes: Sequence[int] = (1,),
    exact: bool = True,
    correction: bool = True,
    nan_policy: str = "raise",
) -> McNemarResult:
    """McNemar's test for a binary item answered before and after.

    Parameters
    ----------
    before, after : array_like
        Paired numeric answer codes, same length.
    positive_codes : sequence of int, optional
        Codes counted as the positive answer (default ``(1,)``, "yes" in the
        codebook's yes/no scale); every other code counts as negative.
    exact : bool, optional
        Exact two-sided binomial test on the discordant pairs (default), or
        the chi-square approximation.
    correction : bool, optional
        Edwards' continuity correction for the chi-square approximation
        (ignored when ``exact``).  As in R's ``mcnemar.test``, it is applied
        only when ``b != c``; with ``b == c`` the statistic is 0 and p = 1.
    nan_policy : {"raise", "omit"}, optional
        As in :func:`wilcoxon_signed_rank`.

    Returns
    -------
    McNemarResult

    Raises
    ------
    ValueError
        On bad input (see :func:`wilcoxon_signed_rank`), a code that is not a
        whole number (the same message :func:`cwp_analysis.stats.outcome_table`
        gives), or when no pair changed answer (no discordant pairs: the test
        is undefined).

    Notes
    -----
    Only the discordant pairs carry information: ``b`` positive before only
    and ``c`` positive after only.  Under the null hypothesis of marginal
    homogeneity ``c ~ Binomial(b + c, 1/2)``; the exact two-sided p-value is
    ``min(1, 2 * P(X <= min(b, c)))`` (McNemar 1947; Agresti 2013, Section
    11.1).  The chi-square version is ``(|b - c| - 1)**2 / (b + c)`` with
    Edwards' (1948) correction and ``(b - c)**2 / (b + c)`` without, on one
    degree of freedom.  R's ``mcnemar.test`` corrects only when ``b != c``:
    with ``b == c`` the corrected formula would give ``1 / (b + c) > 0`` and
    a p-value below 1 for data that agree perfectly with the null
    hypothesis.  This function follows R.  The computation is statsmodels'
    ``mcnemar``.

    References
    ----------
    McNemar, Q. (1947). Note on the sampling error of the difference between
    correlated proportions or percentages. *Psychometrika*, 12(2), 153-157.

    Edwards, A. L. (1948). Note on the "correction for continuity" in testing
    the significance of the difference between correlated proportions.
    *Psychometrika*, 13(3), 185-187.

    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Wiley.

    Examples
    --------
    >>> before = [1] * 5 + [1] + [0] * 9 + [0] * 5
    >>> after = [1] * 5 + [0] + [1] * 9 + [0] * 5
    >>> res = mcnemar_test(before, after)
    >>> res.n_discordant, res.pvalue
    ((1, 9), 0.021484375)

    R's ``mcnemar.test(matrix(c(3, 1, 1, 3), 2))`` gives McNemar's
    chi-squared = 0, p-value = 1:

    >>> res = mcnemar_test([1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0], exact=False)
    >>> res.statistic, res.pvalue
    (0.0, 1.0)
    """
    from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar

    codes = validate_codes(positive_codes)
    exact = validate_flag(exact, "exact")
    correction = validate_flag(correction, "correction")
    b, a = paired_vectors(before, after, nan_policy)
    require_integer_codes(b, "before")
    require_integer_codes(a, "after")
    require_pairs(b.shape[0])
    pos_before = np.isin(b, codes)
    pos_after = np.isin(a, codes)
    both = int(np.sum(pos_before & pos_after))
    worse = int(np.sum(pos_before & ~pos_after))
    better = int(np.sum(~pos_before & pos_after))
    neither = int(np.sum(~pos_before & ~pos_after))
    if worse + better == 0:
        raise ValueError(f"no pair changed answer among {b.shape[0]} pairs: McNemar's test is undefined")
    # R's mcnemar.test: the continuity correction only when b != c.
    correct = correction and worse != better
    res = _sm_mcnemar([[both, worse], [better, neither]], exact=exact, correction=correct)
    return McNemarResult(
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        n_discordant=(worse, better),
        n=int(b.shape[0]),
        method="exact" if exact else "asymptotic",
    )
