"""Paired before/after outcome tests for the retrospective survey.

The 2018 survey asked each woman to rate key areas of her life as they were
*before* she engaged with the Partnership and as they are *now* (report,
Section 1.2).  The evaluators compared the two answers with a two-sided
Wilcoxon signed-rank test computed in Excel and quote the resulting p-values
in Sections 4.2.4-4.2.8 (mental wellbeing, basic needs, physical health,
relationships).  This module gives the same analysis with its conventions
written down:

* :func:`wilcoxon_signed_rank` - the paired Wilcoxon signed-rank test with
  R's classic ``wilcox.test(paired = TRUE)`` defaults, built on
  :func:`scipy.stats.wilcoxon`;
* :func:`mcnemar_test` - McNemar's test for binary (yes/no) items, exact
  binomial by default, built on :func:`statsmodels.stats.contingency_tables.mcnemar`;
* :func:`proportion_positive` - the share answering with a positive code
  ("often" or "all of the time", "agree", "yes") with a Wilson interval;
* :func:`outcome_table` - every paired item of a domain in one vectorised
  pass, with Holm and Benjamini-Hochberg adjusted p-values and effect sizes;
* :func:`adjust_pvalues` - the multiplicity adjustments on their own;
* :func:`minimum_detectable_effect` and :func:`sample_size_table` - power of
  the paired design, for the prospective before/after measurement the
  report recommends.

Direction convention: every difference is ``after - before``, so a positive
statistic, z or effect size means higher codes *after* engaging.  With the
survey's codings a higher code is the better answer.

Missing answers: the functions that take two vectors raise ``ValueError`` on
a missing value unless ``nan_policy="omit"`` is given, in which case
incomplete pairs are dropped.  :func:`outcome_table` always drops incomplete
pairs item by item and reports how many pairs remained (``n_pairs``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _sps
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.multitest import multipletests as _multipletests
from statsmodels.stats.power import TTestPower as _TTestPower
from statsmodels.stats.proportion import proportion_confint as _sm_proportion_confint

__all__ = [
    "ITEM_KINDS",
    "OUTCOME_TABLE_COLUMNS",
    "WILCOXON_ARE_NORMAL",
    "McNemarResult",
    "PairedItem",
    "ProportionResult",
    "WilcoxonResult",
    "adjust_pvalues",
    "wilson_interval",
    "mcnemar_test",
    "minimum_detectable_effect",
    "outcome_table",
    "proportion_positive",
    "sample_size_table",
    "wilcoxon_signed_rank",
]

#: Kinds of paired item :func:`outcome_table` knows how to test.
ITEM_KINDS = ("ordinal", "binary")

#: Asymptotic relative efficiency of the Wilcoxon signed-rank test against the
#: one-sample (paired) t-test when the differences are normal: 3/pi, about
#: 0.955 (Hodges & Lehmann 1956).
WILCOXON_ARE_NORMAL = 3.0 / math.pi

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

_ZERO_METHODS = ("wilcox", "pratt")
_WILCOXON_METHODS = ("auto", "exact", "asymptotic")
_NAN_POLICIES = ("raise", "omit")
_DEGENERATE_POLICIES = ("raise", "note")
_POWER_ALTERNATIVES = ("two-sided", "larger", "smaller")
# R's classic wilcox.test uses the exact null distribution for n < 50.
_EXACT_MAX_N = 49
# outcome_table tabulates response codes on a grid of consecutive integers.
_MAX_CODE_SPAN = 256


# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


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
            self, "positive_codes", _validate_codes(self.positive_codes, f"PairedItem {self.id!r}")
        )


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


@dataclass(frozen=True)
class ProportionResult:
    """Result of :func:`proportion_positive`.

    Attributes
    ----------
    count : int
        Answers with a positive code.
    nobs : int
        Non-missing answers.
    proportion : float
        ``count / nobs``.
    ci_low, ci_high : float
        Wilson score interval for the proportion.
    confidence_level : float
        ``1 - alpha``.
    method : str
        ``"wilson"``.
    """

    count: int
    nobs: int
    proportion: float
    ci_low: float
    ci_high: float
    confidence_level: float
    method: str


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------


def _validate_codes(codes: Any, owner: str = "positive_codes") -> tuple[int, ...]:
    if isinstance(codes, (str, bytes)) or not isinstance(codes, Iterable):
        raise ValueError(f"{owner}: positive_codes must be a sequence of integers, got {codes!r}")
    out = []
    for code in codes:
        if isinstance(code, (bool, np.bool_)) or not isinstance(code, numbers.Integral):
            raise ValueError(f"{owner}: positive_codes must be integers, got {code!r}")
        out.append(int(code))
    if not out:
        raise ValueError(f"{owner}: positive_codes must not be empty")
    return tuple(out)


def _validate_alpha(alpha: Any, name: str = "alpha") -> float:
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {alpha!r}")
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {alpha!r}")
    return alpha


def _validate_choice(value: Any, choices: Sequence[str], name: str) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def _validate_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _as_real_vector(values: Any, name: str) -> np.ndarray:
    """One-dimensional float array from numeric input; NaN marks a missing value."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of numbers, not a string")
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_bool_dtype(values.dtype):
            raise ValueError(f"{name} holds booleans; code the answers as integers")
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_complex_dtype(values.dtype):
            arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            arr = np.asarray(values, dtype=object)
    else:
        arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got an array of shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "iuf":
        out = arr.astype(np.float64, copy=False)
    elif kind == "O":
        out = np.empty(arr.shape[0], dtype=np.float64)
        for i, value in enumerate(arr):
            if value is None or value is pd.NA:
                out[i] = np.nan
            elif isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                # Name the position and type only: the value may be free text.
                raise ValueError(f"{name}[{i}] is a {type(value).__name__}, not a number")
            else:
                out[i] = float(value)
    elif kind == "b":
        raise ValueError(f"{name} holds booleans; code the answers as integers")
    else:
        raise ValueError(f"{name} must hold numbers, got values of dtype {arr.dtype}")
    if np.isinf(out).any():
        raise ValueError(f"{name} contains infinite values")
    return out


def _paired_vectors(before: Any, after: Any, nan_policy: str) -> tuple[np.ndarray, np.ndarray]:
    _validate_choice(nan_policy, _NAN_POLICIES, "nan_policy")
    b = _as_real_vector(before, "before")
    a = _as_real_vector(after, "after")
    if b.shape[0] != a.shape[0]:
        raise ValueError(f"before and after must have the same length, got {b.shape[0]} and {a.shape[0]}")
    missing = np.isnan(b) | np.isnan(a)
    if missing.any():
        if nan_policy == "raise":
            raise ValueError(
                f"{int(missing.sum())} of {b.shape[0]} pairs have a missing value; "
                "pass nan_policy='omit' to drop incomplete pairs"
            )
        b, a = b[~missing], a[~missing]
    return b, a


def _require_pairs(n_pairs: int, minimum: int = 2) -> None:
    if n_pairs < minimum:
        raise ValueError(f"need at least {minimum} complete pairs, got {n_pairs}")


# --------------------------------------------------------------------------
# Wilcoxon signed-rank test
# --------------------------------------------------------------------------


def _signed_rank_test(d: np.ndarray, zero_method: str, correction: bool, method: str) -> WilcoxonResult:
    """Signed-rank test on differences ``d`` (already validated, no NaN)."""
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
        chosen = "exact" if exact_available and n_nonzero <= _EXACT_MAX_N else "asymptotic"
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


def wilson_interval(count, nobs, *, alpha: float = 0.05):
    """Wilson score interval for ``count`` successes out of ``nobs``, as proportions.

    A thin wrapper of :func:`statsmodels.stats.proportion.proportion_confint`
    with ``method="wilson"`` that removes its floating-point residue: for
    0 of n statsmodels returns a lower bound of about 1e-15 rather than 0,
    an interval that excludes its own estimate.  The bounds are clipped so
    that ``low <= count / nobs <= high`` and ``0 <= low``, ``high <= 1``.
    Works elementwise on arrays.

    Examples
    --------
    >>> wilson_interval(0, 12)[0]
    0.0
    """
    low, high = _sm_proportion_confint(count, nobs, alpha=alpha, method="wilson")
    estimate = np.asarray(count, dtype=float) / np.asarray(nobs, dtype=float)
    low = np.clip(np.minimum(np.asarray(low, dtype=float), estimate), 0.0, 1.0)
    high = np.clip(np.maximum(np.asarray(high, dtype=float), estimate), 0.0, 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


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
    _validate_choice(zero_method, _ZERO_METHODS, "zero_method")
    _validate_choice(method, _WILCOXON_METHODS, "method")
    correction = _validate_flag(correction, "correction")
    b, a = _paired_vectors(before, after, nan_policy)
    _require_pairs(b.shape[0])
    return _signed_rank_test(a - b, zero_method, correction, method)


# --------------------------------------------------------------------------
# Binary items: McNemar and proportions
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
        (ignored when ``exact``).
    nan_policy : {"raise", "omit"}, optional
        As in :func:`wilcoxon_signed_rank`.

    Returns
    -------
    McNemarResult

    Raises
    ------
    ValueError
        On bad input (see :func:`wilcoxon_signed_rank`), or when no pair
        changed answer (no discordant pairs: the test is undefined).

    Notes
    -----
    Only the discordant pairs carry information: ``b`` positive before only
    and ``c`` positive after only.  Under the null hypothesis of marginal
    homogeneity ``c ~ Binomial(b + c, 1/2)``; the exact two-sided p-value is
    ``min(1, 2 * P(X <= min(b, c)))`` (McNemar 1947; Agresti 2013, Section
    11.1).  The computation is statsmodels' ``mcnemar``.

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
    """
    codes = _validate_codes(positive_codes)
    exact = _validate_flag(exact, "exact")
    correction = _validate_flag(correction, "correction")
    b, a = _paired_vectors(before, after, nan_policy)
    _require_pairs(b.shape[0])
    pos_before = np.isin(b, codes)
    pos_after = np.isin(a, codes)
    both = int(np.sum(pos_before & pos_after))
    worse = int(np.sum(pos_before & ~pos_after))
    better = int(np.sum(~pos_before & pos_after))
    neither = int(np.sum(~pos_before & ~pos_after))
    if worse + better == 0:
        raise ValueError(f"no pair changed answer among {b.shape[0]} pairs: McNemar's test is undefined")
    res = _sm_mcnemar([[both, worse], [better, neither]], exact=exact, correction=correction)
    return McNemarResult(
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        n_discordant=(worse, better),
        n=int(b.shape[0]),
        method="exact" if exact else "asymptotic",
    )


def proportion_positive(
    values: Any,
    positive_codes: Sequence[int],
    *,
    alpha: float = 0.05,
    nan_policy: str = "raise",
) -> ProportionResult:
    """Share of answers with a positive code, with a Wilson score interval.

    Parameters
    ----------
    values : array_like
        Numeric answer codes.
    positive_codes : sequence of int
        Codes counted as positive (for example ``(4, 5)`` for "often" and
        "all of the time").
    alpha : float, optional
        The interval has confidence level ``1 - alpha`` (default 95%).
    nan_policy : {"raise", "omit"}, optional
        ``"omit"`` leaves missing answers out of numerator and denominator.

    Returns
    -------
    ProportionResult

    Raises
    ------
    ValueError
        On non-numeric or missing values (unless omitted), or no answers.

    Notes
    -----
    The Wilson (1927) interval (statsmodels ``proportion_confint`` with
    ``method="wilson"``) stays inside [0, 1] and keeps close to its nominal
    coverage for small samples and proportions near 0 or 1, unlike the
    Wald interval (Brown, Cai & DasGupta 2001).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *Journal of the American Statistical
    Association*, 22(158), 209-212.

    Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
    binomial proportion. *Statistical Science*, 16(2), 101-133.

    Examples
    --------
    >>> res = proportion_positive([5, 4, 4, 2, 5, 4, 1, 5, 4, 5], (4, 5))
    >>> res.count, res.nobs, round(res.ci_low, 4), round(res.ci_high, 4)
    (8, 10, 0.4902, 0.9433)
    """
    codes = _validate_codes(positive_codes)
    alpha = _validate_alpha(alpha)
    _validate_choice(nan_policy, _NAN_POLICIES, "nan_policy")
    x = _as_real_vector(values, "values")
    missing = np.isnan(x)
    if missing.any():
        if nan_policy == "raise":
            raise ValueError(
                f"{int(missing.sum())} of {x.shape[0]} values are missing; "
                "pass nan_policy='omit' to leave them out"
            )
        x = x[~missing]
    nobs = int(x.shape[0])
    if nobs == 0:
        raise ValueError("no non-missing values: the proportion is undefined")
    count = int(np.isin(x, codes).sum())
    low, high = wilson_interval(count, nobs, alpha=alpha)
    return ProportionResult(
        count=count,
        nobs=nobs,
        proportion=count / nobs,
        ci_low=float(low),
        ci_high=float(high),
        confidence_level=1.0 - alpha,
        method="wilson",
    )


# --------------------------------------------------------------------------
# Multiplicity
# --------------------------------------------------------------------------


def adjust_pvalues(pvalues: Any, *, method: str = "holm") -> np.ndarray:
    """Holm or Benjamini-Hochberg adjusted p-values.

    Parameters
    ----------
    pvalues : array_like
        One-dimensional p-values, each in [0, 1].
    method : {"holm", "fdr_bh"}, optional
        Holm's (1979) step-down adjustment (family-wise error rate) or the
        Benjamini-Hochberg (1995) step-up adjustment (false discovery rate).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order (statsmodels ``multipletests``).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics*, 6(2), 65-70.

    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate:
    a practical and powerful approach to multiple testing. *Journal of the
    Royal Statistical Society, Series B*, 57(1), 289-300.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005]).round(4).tolist()
    [0.03, 0.06, 0.06, 0.02]
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.005], method="fdr_bh").round(4).tolist()
    [0.02, 0.04, 0.04, 0.02]
    """
    _validate_choice(method, ("holm", "fdr_bh"), "method")
    p = _as_real_vector(pvalues, "pvalues")
    if p.shape[0] == 0:
        raise ValueError("pvalues is empty")
    if np.isnan(p).any():
        raise ValueError("pvalues contains missing values")
    if (p < 0).any() or (p > 1).any():
        raise ValueError("pvalues must lie in [0, 1]")
    return np.asarray(_multipletests(p, method=method)[1], dtype=np.float64)


# --------------------------------------------------------------------------
# The outcome table
# --------------------------------------------------------------------------


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
    return item_id, str(label), kind, _validate_codes(codes, f"item {item_id!r}")


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
    grids = []
    for column, values in ((bcol, bv), (acol, av)):
        if not np.isfinite(values).all():
            raise ValueError(f"column {column!r} contains infinite values")
        as_int = values.astype(np.int64)
        if not np.array_equal(as_int, values):
            raise ValueError(f"column {column!r} holds non-integer values; response codes must be integers")
        grids.append(as_int)
    bi, ai = grids
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
        Passed to the signed-rank test (see :func:`wilcoxon_signed_rank`).
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
            ``|Z| / sqrt(n_used)`` (Rosenthal 1991);
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
    differences, no ties, no zeros) are passed to :func:`wilcoxon_signed_rank`'s
    scipy-based core; binary items to statsmodels' McNemar test.  The work
    is therefore one pass over the respondents per item and no per-respondent
    sorting.

    Effect size when the p-value is exact: ``r_effect`` still needs a Z, so
    it uses the normal deviate the asymptotic version of the same test would
    give (tie-corrected and continuity-corrected as ``correction`` says; for
    McNemar ``(|c - b| - 1)/sqrt(b + c)``, floored at 0, or
    ``|c - b|/sqrt(b + c)`` without correction).  That deviate is not
    reported as ``zstatistic``.

    References
    ----------
    Rosenthal, R. (1991). *Meta-analytic Procedures for Social Research*
    (rev. ed.). Sage.

    See also the references of :func:`wilcoxon_signed_rank`,
    :func:`mcnemar_test`, :func:`proportion_positive` and
    :func:`adjust_pvalues`.

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
    alpha = _validate_alpha(alpha)
    _validate_choice(zero_method, _ZERO_METHODS, "zero_method")
    correction = _validate_flag(correction, "correction")
    _validate_choice(on_degenerate, _DEGENERATE_POLICIES, "on_degenerate")
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
    p_rank = np.minimum(1.0, 2.0 * _sps.norm.sf(np.abs(z_rank)))

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
            gap = abs(c_j - b_j) - (1.0 if correction else 0.0)
            effect_z[j] = max(gap, 0.0) / math.sqrt(b_j + c_j)
            continue
        statistic[j] = r_plus[j]
        biserial[j] = rank_biserial[j]
        effect_z[j] = abs(z_rank[j])
        if not has_ties[j] and n_zero[j] == 0 and n_nonzero[j] <= _EXACT_MAX_N:
            # No ties: each |d| level holds at most one pair, so d is recovered.
            magnitudes = np.arange(1, span, dtype=np.float64)
            d = np.concatenate([magnitudes[n_pos_level[j] > 0], -magnitudes[n_neg_level[j] > 0]])
            pvalue[j] = _signed_rank_test(d, zero_method, correction, "exact").pvalue
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
        r_effect = effect_z / np.sqrt(n_used)
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


# --------------------------------------------------------------------------
# Power of the paired design
# --------------------------------------------------------------------------


def _validate_power_args(alpha: Any, power: Any, alternative: Any, are: Any) -> tuple[float, float, float]:
    alpha = _validate_alpha(alpha)
    power = _validate_alpha(power, "power")
    _validate_choice(alternative, _POWER_ALTERNATIVES, "alternative")
    if isinstance(are, (bool, np.bool_)) or not isinstance(are, numbers.Real) or not 0 < float(are) < math.inf:
        raise ValueError(f"are must be a positive number, got {are!r}")
    if power <= alpha:
        raise ValueError(f"power ({power}) must exceed alpha ({alpha})")
    return alpha, power, float(are)


def minimum_detectable_effect(
    n: int = 68,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    alternative: str = "two-sided",
    are: float = 1.0,
) -> float:
    """Smallest standardised mean difference a paired design can detect.

    Parameters
    ----------
    n : int, optional
        Number of pairs.  The default, 68, is the size of the report's
        survey sample (executive summary, "About the evaluation", and
        Section 4.2).
    alpha : float, optional
        Significance level.
    power : float, optional
        Required power.
    alternative : {"two-sided", "larger", "smaller"}, optional
        Alternative hypothesis, as in statsmodels.
    are : float, optional
        Asymptotic relative efficiency of the test actually used against the
        paired t-test.  1 (default) gives the t-test's answer; pass
        :data:`WILCOXON_ARE_NORMAL` (3/pi, about 0.955) for the Wilcoxon
        signed-rank test under normal differences: ``n`` pairs then count as
        ``are * n`` pairs of the t-test.

    Returns
    -------
    float
        Cohen's ``d_z``: the mean of the paired differences divided by their
        standard deviation.

    Raises
    ------
    ValueError
        If ``n`` is not an integer of at least 2 (after the efficiency
        adjustment the effective number of pairs must exceed 1), or
        ``alpha``, ``power``, ``alternative`` or ``are`` is out of range.

    Notes
    -----
    The paired design is a one-sample t-test on the differences; the power
    is from the noncentral t distribution (statsmodels ``TTestPower``; Cohen
    1988, Chapter 2).  The Wilcoxon signed-rank test's efficiency relative to
    the t-test is 3/pi under normality, never below 0.864 for any
    continuous symmetric distribution and above 1 for heavy-tailed ones
    (Hodges & Lehmann 1956), so the t-based answer with ``are=3/pi`` is a
    reasonable planning figure for the rank test.  Retrospective ratings on
    5-point scales are discrete and far from normal, so treat these as
    orders of magnitude.

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral
    Sciences* (2nd ed.). Lawrence Erlbaum.

    Hodges, J. L. & Lehmann, E. L. (1956). The efficiency of some
    nonparametric competitors of the t-test. *Annals of Mathematical
    Statistics*, 27(2), 324-335.

    Examples
    --------
    >>> round(minimum_detectable_effect(68), 3)
    0.345
    >>> round(minimum_detectable_effect(68, are=WILCOXON_ARE_NORMAL), 3)
    0.353
    """
    alpha, power, are = _validate_power_args(alpha, power, alternative, are)
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"n must be an integer number of pairs of at least 2, got {n!r}")
    effective_n = float(n) * are
    if effective_n <= 1.0:
        raise ValueError(f"n * are = {effective_n:g} pairs: too few for a paired t-test")
    effect = _TTestPower().solve_power(
        effect_size=None, nobs=effective_n, alpha=alpha, power=power, alternative=alternative
    )
    return float(np.asarray(effect).item())


def sample_size_table(
    effects: Sequence[float] = (0.2, 0.3, 0.5, 0.8),
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    alternative: str = "two-sided",
    are: float = 1.0,
) -> pd.DataFrame:
    """Pairs needed to detect each standardised effect in a paired design.

    Parameters
    ----------
    effects : sequence of float, optional
        Cohen's ``d_z`` values (mean difference / SD of the differences);
        the defaults are Cohen's small (0.2), medium (0.5) and large (0.8)
        with 0.3 added.
    alpha, power, alternative, are : optional
        As in :func:`minimum_detectable_effect`.

    Returns
    -------
    pandas.DataFrame
        Columns ``effect_size``, ``n_pairs_exact`` (the real-valued solution,
        divided by ``are``), ``n_pairs`` (rounded up), ``alpha``, ``power``
        and ``are``.

    Raises
    ------
    ValueError
        If an effect is not a positive finite number, or another argument is
        out of range.

    Notes
    -----
    See :func:`minimum_detectable_effect`.  With ``are`` below 1 the rank
    test needs ``1 / are`` times as many pairs as the t-test.

    Examples
    --------
    >>> sample_size_table()[["effect_size", "n_pairs"]].to_dict("list")
    {'effect_size': [0.2, 0.3, 0.5, 0.8], 'n_pairs': [199, 90, 34, 15]}
    """
    alpha, power, are = _validate_power_args(alpha, power, alternative, are)
    if isinstance(effects, (str, bytes)) or not isinstance(effects, Iterable):
        raise ValueError(f"effects must be a sequence of positive numbers, got {effects!r}")
    values = list(effects)
    if not values:
        raise ValueError("effects is empty")
    for e in values:
        if isinstance(e, (bool, np.bool_)) or not isinstance(e, numbers.Real) or not 0 < float(e) < math.inf:
            raise ValueError(f"effects must be positive finite numbers, got {e!r}")
    solver = _TTestPower()
    rows = []
    for e in values:
        n_t = float(
            np.asarray(
                solver.solve_power(effect_size=float(e), nobs=None, alpha=alpha, power=power, alternative=alternative)
            ).item()
        )
        n_needed = n_t / are
        rows.append(
            {
                "effect_size": float(e),
                "n_pairs_exact": n_needed,
                "n_pairs": int(math.ceil(n_needed - 1e-9)),
                "alpha": alpha,
                "power": power,
                "are": are,
            }
        )
    return pd.DataFrame(rows, columns=["effect_size", "n_pairs_exact", "n_pairs", "alpha", "power", "are"])
