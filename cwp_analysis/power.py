"""Power of the paired before/after design.

:func:`minimum_detectable_effect` and :func:`sample_size_table` answer the
planning questions for the prospective before/after measurement the report
recommends: how small a change a given number of pairs can detect, and how
many pairs a given change needs.  Re-exported by :mod:`cwp_analysis.stats`;
statsmodels is imported on first use.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cwp_analysis.stat_inputs import is_real_number, validate_alpha, validate_choice

__all__ = ["WILCOXON_ARE_NORMAL", "minimum_detectable_effect", "sample_size_table"]

#: Asymptotic relative efficiency of the Wilcoxon signed-rank test against the
#: one-sample (paired) t-test when the differences are normal: 3/pi, about
#: 0.955 (Hodges & Lehmann 1956).
WILCOXON_ARE_NORMAL = 3.0 / math.pi

_POWER_ALTERNATIVES = ("two-sided", "larger", "smaller")
# A solution is accepted when the power it attains misses the target by at
# most this fraction of the smaller of power and 1 - power (so that near
# power 1, where power hardly changes, a far-off answer is not accepted).
_POWER_TOLERANCE = 1e-4


def _validate_power_args(alpha: Any, power: Any, alternative: Any, are: Any) -> tuple[float, float, float]:
    alpha = validate_alpha(alpha)
    power = validate_alpha(power, "power")
    validate_choice(alternative, _POWER_ALTERNATIVES, "alternative")
    if not is_real_number(are) or not 0 < float(are) < math.inf:
        raise ValueError(f"are must be a positive number, got {are!r}")
    if power <= alpha:
        raise ValueError(f"power ({power}) must exceed alpha ({alpha})")
    return alpha, power, float(are)


def _paired_t_power(effect: float, nobs: float, alpha: float, alternative: str) -> float:
    """Power of the one-sample (paired) t-test, with numerically stable tails.

    The formula of statsmodels' ``ttest_power`` (Cohen 1988, Chapter 2):
    with ``df = nobs - 1`` and noncentrality ``effect * sqrt(nobs)``, the
    probability that the noncentral t falls beyond the critical values.
    statsmodels evaluates the lower tail as ``nct.cdf(-c, df, nc)``, which
    scipy returns as NaN for large noncentrality (thousands of pairs, or a
    few pairs and a large effect); ``nct.sf(c, df, -nc)`` is the same
    probability and stays finite.
    """
    from scipy.stats import nct, t

    df = nobs - 1.0
    nc = effect * math.sqrt(nobs)
    if alternative == "two-sided":
        crit = float(t.isf(alpha / 2.0, df))
        return float(nct.sf(crit, df, nc) + nct.sf(crit, df, -nc))
    crit = float(t.isf(alpha, df))
    return float(nct.sf(crit, df, nc if alternative == "larger" else -nc))


def _solve_ttest_power(what: str, *, effect_size, nobs, alpha: float, power: float, alternative: str) -> float:
    """Solve the paired t-test power equation for ``what`` and check the answer.

    Exactly one of ``effect_size`` and ``nobs`` is None: that is the unknown.

    The answer of statsmodels' ``TTestPower.solve_power`` is used when the
    power it attains (recomputed with :func:`_paired_t_power`) misses the
    target by at most ``_POWER_TOLERANCE * min(power, 1 - power)``.
    statsmodels can fail quietly where the noncentral t distribution is hard
    to evaluate (few pairs and large effects, many pairs, extreme alpha or
    power): it may return NaN, a bound of its search bracket, or a value
    whose power is well off the target (9.1 pairs for an effect of 2 at
    alpha 0.001 and power 0.8, which attain power 0.78).  The equation is
    then solved with :func:`scipy.optimize.brentq` on a bracket where the
    power crosses the target (power rises with the size of the effect and
    with the number of pairs; a paired t-test needs at least 2 pairs, so 2
    is the smallest answer for ``nobs``).

    Raises
    ------
    ValueError
        When no checked solution is found.
    """
    import warnings

    from scipy.optimize import brentq
    from statsmodels.stats.power import TTestPower

    unknown = "effect_size" if effect_size is None else "nobs"
    sign = -1.0 if alternative == "smaller" and unknown == "effect_size" else 1.0
    where = f"with {nobs:g} pairs" if unknown == "effect_size" else f"for an effect of {abs(effect_size):g}"
    problem = (
        f"the {what} for power {power:g} at alpha {alpha:g} ({alternative}) {where} could not be computed: "
        "the noncentral t distribution cannot be evaluated reliably there"
    )

    def shortfall(x: float) -> float:
        """Attained power minus the target, with the unknown set to ``x`` (``|d|`` or n)."""
        if unknown == "effect_size":
            return _paired_t_power(sign * x, nobs, alpha, alternative) - power
        return _paired_t_power(effect_size, x, alpha, alternative) - power

    def acceptable(x: float) -> bool:
        gap = shortfall(x) if math.isfinite(x) and (unknown == "effect_size" or x > 1) else math.nan
        return math.isfinite(gap) and abs(gap) <= _POWER_TOLERANCE * min(power, 1.0 - power)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np_errors = np.seterr(all="ignore")
        try:
            try:
                found = float(np.asarray(TTestPower().solve_power(
                    effect_size=effect_size, nobs=nobs, alpha=alpha, power=power, alternative=alternative,
                )).item())
            except (ValueError, ArithmeticError, RuntimeError):
                found = math.nan
            if acceptable(abs(found)):
                return found
            # Fallback: a bracket [low, high] with shortfall(low) < 0 < shortfall(high).
            low, high, limit = (0.0, 1.0, 1e4) if unknown == "effect_size" else (2.0, 50.0, 1e12)
            if unknown == "nobs" and shortfall(low) >= 0:
                return low  # two pairs already reach the power
            while high < limit and not shortfall(high) > 0:  # a NaN stops the search below
                low, high = high, 2.0 * high
            if not (shortfall(low) < 0 < shortfall(high)):
                raise ValueError(problem)
            root = float(brentq(shortfall, low, high, xtol=1e-12))
            if not acceptable(root):
                raise ValueError(problem)
            return sign * root
        except (ArithmeticError, RuntimeError):
            raise ValueError(problem) from None
        except ValueError as exc:
            if str(exc) == problem:
                raise
            raise ValueError(problem) from None
        finally:
            np.seterr(**np_errors)


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
        standard deviation; negative for ``alternative="smaller"`` (a
        decrease), as in statsmodels.

    Raises
    ------
    ValueError
        If ``n`` is not an integer of at least 2 (after the efficiency
        adjustment the effective number of pairs must exceed 1), or
        ``alpha``, ``power``, ``alternative`` or ``are`` is out of range; or
        when no reliable solution exists (very few pairs with an extreme
        alpha or power, where the noncentral t distribution cannot be
        evaluated: the answer would be a meaningless, very large effect).

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
    return _solve_ttest_power(
        "minimum detectable effect", effect_size=None, nobs=effective_n, alpha=alpha, power=power,
        alternative=alternative,
    )


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
        Cohen's ``d_z`` values (mean difference / SD of the differences),
        as positive sizes; the defaults are Cohen's small (0.2), medium
        (0.5) and large (0.8) with 0.3 added.  With
        ``alternative="smaller"`` each is the size of a decrease.
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
        If an effect is not a positive finite number, another argument is
        out of range, or no reliable solution exists (see
        :func:`minimum_detectable_effect`).

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
        if not is_real_number(e) or not 0 < float(e) < math.inf:
            raise ValueError(f"effects must be positive finite numbers, got {e!r}")
    sign = -1.0 if alternative == "smaller" else 1.0
    rows = []
    for e in values:
        n_t = _solve_ttest_power(
            "number of pairs", effect_size=sign * float(e), nobs=None, alpha=alpha, power=power,
            alternative=alternative,
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
