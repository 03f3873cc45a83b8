"""Argument checks shared by the statistical functions.

Every check raises ``ValueError`` with a one-line message naming the
argument, so that a caller's mistake surfaces as a clear error from this
library rather than as a traceback from deep inside numpy, scipy or
statsmodels.  The functions are used by :mod:`cwp_analysis.paired_tests`,
:mod:`cwp_analysis.proportions`, :mod:`cwp_analysis.multiplicity`,
:mod:`cwp_analysis.paired_outcomes` and :mod:`cwp_analysis.power`; they are
not part of :mod:`cwp_analysis.stats`'s public interface.

Examples
--------
>>> as_real_vector([1, None, 3], "before").tolist()
[1.0, nan, 3.0]
>>> require_integer_codes(np.array([1.0, 2.5]), "before")
Traceback (most recent call last):
...
ValueError: before holds non-integer values; response codes must be integers
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NAN_POLICIES",
    "as_real_vector",
    "is_real_number",
    "paired_vectors",
    "require_integer_codes",
    "require_pairs",
    "validate_alpha",
    "validate_choice",
    "validate_codes",
    "validate_flag",
]

#: Values of the ``nan_policy`` argument.
NAN_POLICIES = ("raise", "omit")


def is_real_number(value: Any) -> bool:
    """True for a real number that is not a boolean (``True`` is not a count)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def validate_codes(codes: Any, owner: str = "positive_codes") -> tuple[int, ...]:
    """A non-empty sequence of integer response codes, as a tuple of int.

    Raises
    ------
    ValueError
        For a string, a non-sequence, an empty sequence or a non-integer code.
    """
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


def validate_alpha(alpha: Any, name: str = "alpha") -> float:
    """A number strictly between 0 and 1, as a float."""
    if not is_real_number(alpha):
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {alpha!r}")
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {alpha!r}")
    return alpha


def validate_choice(value: Any, choices: Sequence[str], name: str) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def validate_flag(value: Any, name: str) -> bool:
    """``True`` or ``False`` (numpy booleans too), as a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def as_real_vector(values: Any, name: str) -> np.ndarray:
    """One-dimensional float array from numeric input; NaN marks a missing value.

    Accepts lists, numpy arrays and pandas Series (nullable ``Int64`` too);
    ``None``, ``pd.NA`` and NaN are missing.  Refuses text, booleans, complex
    numbers, infinite values and anything not one-dimensional.
    """
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
        try:
            arr = np.asarray(values)
        except ValueError:  # ragged nested sequences
            raise ValueError(f"{name} must be one-dimensional numbers, got a ragged sequence") from None
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
            elif not is_real_number(value):
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


def require_integer_codes(values: np.ndarray, name: str) -> np.ndarray:
    """``values`` (finite floats, no NaN) as int64 codes; ValueError for 1.5.

    The message is the one :func:`cwp_analysis.stats.outcome_table` gives for
    a column, so every function that reads response codes refuses a
    fractional code in the same words.
    """
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains infinite values")
    as_int = values.astype(np.int64)
    if not np.array_equal(as_int, values):
        raise ValueError(f"{name} holds non-integer values; response codes must be integers")
    return as_int


def paired_vectors(before: Any, after: Any, nan_policy: str) -> tuple[np.ndarray, np.ndarray]:
    """Two equally long float vectors with incomplete pairs refused or dropped."""
    validate_choice(nan_policy, NAN_POLICIES, "nan_policy")
    b = as_real_vector(before, "before")
    a = as_real_vector(after, "after")
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


def require_pairs(n_pairs: int, minimum: int = 2) -> None:
    """ValueError unless at least ``minimum`` complete pairs remain."""
    if n_pairs < minimum:
        raise ValueError(f"need at least {minimum} complete pairs, got {n_pairs}")
