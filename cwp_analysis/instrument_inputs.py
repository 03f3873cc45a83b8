"""Input checks and paired-change helpers shared by the instrument scorers.

Used by :mod:`cwp_analysis.swemwbs` and :mod:`cwp_analysis.workstar`; not
part of :mod:`cwp_analysis.instruments`'s public interface.  Every check
raises ``ValueError`` with a one-line message naming what was wrong.
scipy is imported when a t interval is first computed.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from cwp_analysis.proportions import wilson_interval

__all__ = ["as_float_array", "check_confidence", "paired_t_interval", "wilson_bounds"]


def as_float_array(values, what: str) -> np.ndarray:
    """Numeric values as a float array with NaN for missing; ValueError otherwise.

    Text (even "21"), booleans and other objects are refused rather than
    coerced, so a mis-read column fails loudly.

    Examples
    --------
    >>> as_float_array([21, None], "raw_total").tolist()
    [21.0, nan]
    """
    if isinstance(values, pd.Series | pd.Index):
        values = pd.Series(values)
        if pd.api.types.is_bool_dtype(values):
            raise ValueError(f"{what}: boolean values are not scores")
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_complex_dtype(values):
            return values.to_numpy(dtype=float, na_value=np.nan)
        values = values.to_numpy(dtype=object)
    try:
        array = np.asarray(values)
    except ValueError:  # ragged nested sequences
        raise ValueError(f"{what}: values must form a regular array of numbers") from None
    if array.dtype == bool:
        raise ValueError(f"{what}: boolean values are not scores")
    if array.dtype.kind in "iuf":
        return array.astype(float)
    flat = array.astype(object).ravel()
    out = np.empty(flat.shape, dtype=float)
    for k, value in enumerate(flat):
        if value is None or value is pd.NA:
            out[k] = np.nan
        elif isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
            raise ValueError(f"{what}: {value!r} is not a number")
        else:
            out[k] = float(value)
    return out.reshape(array.shape)


def check_confidence(confidence: float) -> None:
    """ValueError unless ``confidence`` is a number strictly between 0 and 1."""
    if (
        isinstance(confidence, bool | np.bool_)
        or not isinstance(confidence, numbers.Real)
        or not 0 < float(confidence) < 1
    ):
        raise ValueError(f"confidence must be a number strictly between 0 and 1, not {confidence!r}")


#: What the summaries do where a statistic is undefined (fewer than two pairs, zero variance).
ON_DEGENERATE = ("raise", "nan")


def check_on_degenerate(on_degenerate: str) -> str:
    """ValueError unless ``on_degenerate`` is one of :data:`ON_DEGENERATE`."""
    if on_degenerate not in ON_DEGENERATE:
        raise ValueError(f"on_degenerate must be one of {', '.join(ON_DEGENERATE)}, not {on_degenerate!r}")
    return on_degenerate


def sample_sd(values: np.ndarray) -> float:
    """Sample standard deviation (ddof 1), NaN for fewer than two values (without numpy's warning)."""
    return float(values.std(ddof=1)) if values.size >= 2 else float("nan")


def paired_t_interval(before: np.ndarray, after: np.ndarray, confidence: float, what: str, *,
                      on_degenerate: str = "raise"):
    """Mean change (after - before) with its t-based interval (scipy.stats.ttest_rel).

    Parameters
    ----------
    before, after : numpy.ndarray
        Complete pairs.
    confidence : float
    what : str
        Names the measure in error messages.
    on_degenerate : {"raise", "nan"}
        With fewer than two pairs or zero variance, raise (default) or
        return NaN for what is undefined (and None for the test).

    Returns
    -------
    tuple
        ``(mean_change, sd_change, ci_low, ci_high, ttest_result)``.

    Raises
    ------
    ValueError
        With fewer than two pairs, or when every change is the same (zero
        variance: the t interval is undefined), unless ``on_degenerate="nan"``.
    """
    from scipy import stats as sps

    change = after - before
    degenerate = change.size < 2 or bool(np.all(change == change[0]))
    if degenerate and check_on_degenerate(on_degenerate) == "nan":
        mean = float(change.mean()) if change.size else float("nan")
        return mean, sample_sd(change), float("nan"), float("nan"), None
    if change.size < 2:
        raise ValueError(f"{what}: at least 2 complete pairs are needed for a confidence interval (got {change.size})")
    if np.all(change == change[0]):
        raise ValueError(
            f"{what}: every change equals {change[0]:g}; the t interval is undefined with zero variance"
        )
    result = sps.ttest_rel(after, before)
    interval = result.confidence_interval(confidence_level=confidence)
    return float(change.mean()), float(change.std(ddof=1)), float(interval.low), float(interval.high), result


def wilson_bounds(count: int, nobs: int, confidence: float) -> tuple[float, float]:
    """Wilson interval of ``count`` out of ``nobs`` at level ``confidence``, as two floats."""
    low, high = wilson_interval(count, nobs, alpha=1 - confidence)
    return float(low), float(high)
