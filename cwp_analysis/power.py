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


def _validate_power_args(alpha: Any, power: Any, alternative: Any, are: Any) -> tuple[float, float, float]:
    alpha = validate_alpha(alpha)
    power = validate_alpha(power, "power")
    validate_choice(alternative, _POWER_ALTERNATIVES, "alternative")
    if not is_real_number(are) or not 0 < float(are) < math.inf:
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
    from statsmodels.stats.power import TTestPower as _TTestPower

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
        if not is_real_number(e) or not 0 < float(e) < math.inf:
            raise ValueError(f"effects must be positive finite numbers, got {e!r}")
    from statsmodels.stats.power import TTestPower as _TTestPower

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
