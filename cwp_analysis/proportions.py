"""Proportions with Wilson score intervals.

* :func:`wilson_interval` - the Wilson (1927) score interval for a count out
  of a number of trials, elementwise, with its input checked;
* :func:`proportion_positive` - the share of answers with a positive code
  ("often" or "all of the time", "agree", "yes") with its Wilson interval.

Both are re-exported by :mod:`cwp_analysis.stats`; statsmodels is imported
when an interval is first computed, not on import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cwp_analysis.stat_inputs import (
    NAN_POLICIES,
    as_real_vector,
    is_real_number,
    require_integer_codes,
    validate_alpha,
    validate_choice,
    validate_codes,
)

__all__ = ["ProportionResult", "proportion_positive", "wilson_interval"]


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



def _count_array(values: Any, name: str) -> np.ndarray:
    """Whole, non-negative counts as a float array (scalars give 0-d arrays)."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} must be a whole number or an array of whole numbers, got {values!r}")
    if np.ndim(values) == 0:
        value = values.item() if isinstance(values, (np.ndarray, np.generic)) else values
        if not is_real_number(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        arr = np.asarray(float(value))
    else:
        try:
            arr = np.asarray(values)
        except ValueError:
            raise ValueError(f"{name} must be a regular array of whole numbers") from None
        if arr.dtype.kind not in "iuf":
            if arr.dtype.kind == "b":
                raise ValueError(f"{name} holds booleans, not counts")
            if arr.dtype.kind == "O" and all(is_real_number(v) for v in arr.ravel()):
                arr = arr.astype(np.float64)
            else:
                raise ValueError(f"{name} must hold whole numbers, got values of dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        raise ValueError(f"{name} is missing (NaN); a count must be a whole number")
    if np.isinf(arr).any():
        raise ValueError(f"{name} must be finite, got an infinite value")
    if (arr < 0).any():
        raise ValueError(f"{name} must not be negative, got {arr[arr < 0].ravel()[0]:g}")
    fractional = arr != np.floor(arr)
    if fractional.any():
        raise ValueError(f"{name} must be a whole number, got {arr[fractional].ravel()[0]:g}")
    return arr


def wilson_interval(count, nobs, *, alpha: float = 0.05):
    """Wilson score interval for ``count`` successes out of ``nobs`` trials, as proportions.

    Parameters
    ----------
    count : int or array_like of int
        Successes: whole numbers, ``0 <= count <= nobs``.  Integer-valued
        floats (``3.0``) are accepted; ``1.5`` is not.
    nobs : int or array_like of int
        Trials: whole numbers of at least 1.  ``count`` and ``nobs``
        broadcast against each other.
    alpha : float, optional
        The interval has confidence ``1 - alpha``; strictly between 0 and 1.

    Returns
    -------
    (float, float) or (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, floats for scalar input, otherwise arrays of
        the broadcast shape.

    Raises
    ------
    ValueError
        When a count or number of trials is missing, infinite, negative, not
        a whole number, boolean or text; when ``nobs`` is 0 (no trials: the
        proportion is undefined); when ``count`` exceeds ``nobs``; when the
        shapes do not broadcast; or when ``alpha`` is not strictly between 0
        and 1.

    Notes
    -----
    A thin wrapper of :func:`statsmodels.stats.proportion.proportion_confint`
    with ``method="wilson"``.  statsmodels returns ``(nan, nan)`` for 0 of 0
    and for impossible input such as 5 of 3, -1 of 3 or ``alpha = 2``, and
    accepts 1.5 of 3; this function refuses them instead.  It also removes
    statsmodels' floating-point residue: for 0 of n statsmodels returns a
    lower bound of about 1e-15 rather than 0, an interval that excludes its
    own estimate.  The bounds are clipped so that
    ``low <= count / nobs <= high`` and ``0 <= low``, ``high <= 1``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *Journal of the American Statistical
    Association*, 22(158), 209-212.

    Examples
    --------
    >>> wilson_interval(0, 12)[0]
    0.0
    >>> [round(x, 4) for x in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    >>> wilson_interval(5, 3)
    Traceback (most recent call last):
    ...
    ValueError: count (5) exceeds nobs (3): there cannot be more successes than trials
    """
    from statsmodels.stats.proportion import (
        proportion_confint as _sm_proportion_confint,
    )

    alpha = validate_alpha(alpha)
    successes = _count_array(count, "count")
    trials = _count_array(nobs, "nobs")
    try:
        shape = np.broadcast_shapes(successes.shape, trials.shape)
    except ValueError:
        raise ValueError(
            f"count and nobs must have broadcastable shapes, got {np.shape(successes)} and {np.shape(trials)}"
        ) from None
    # Writeable copies: statsmodels refuses the read-only views of broadcast_arrays.
    successes = np.array(np.broadcast_to(successes, shape), dtype=np.float64)
    trials = np.array(np.broadcast_to(trials, shape), dtype=np.float64)
    if (trials == 0).any():
        raise ValueError("nobs must be at least 1: with no trials the proportion is undefined")
    over = successes > trials
    if over.any():
        i = np.flatnonzero(over.ravel())[0]
        raise ValueError(
            f"count ({successes.ravel()[i]:g}) exceeds nobs ({trials.ravel()[i]:g}): "
            "there cannot be more successes than trials"
        )
    low, high = _sm_proportion_confint(successes, trials, alpha=alpha, method="wilson")
    estimate = successes / trials
    low = np.clip(np.minimum(np.asarray(low, dtype=float), estimate), 0.0, 1.0)
    high = np.clip(np.maximum(np.asarray(high, dtype=float), estimate), 0.0, 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


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
        On non-numeric or missing values (unless omitted), a code that is
        not a whole number (the same message
        :func:`cwp_analysis.stats.outcome_table` gives), or no answers.

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
    codes = validate_codes(positive_codes)
    alpha = validate_alpha(alpha)
    validate_choice(nan_policy, NAN_POLICIES, "nan_policy")
    x = as_real_vector(values, "values")
    missing = np.isnan(x)
    if missing.any():
        if nan_policy == "raise":
            raise ValueError(
                f"{int(missing.sum())} of {x.shape[0]} values are missing; "
                "pass nan_policy='omit' to leave them out"
            )
        x = x[~missing]
    require_integer_codes(x, "values")
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
