"""Multiplicity adjustments: Holm and Benjamini-Hochberg.

:func:`adjust_pvalues` is re-exported by :mod:`cwp_analysis.stats` and used
by :func:`cwp_analysis.stats.outcome_table` to adjust the p-values of the
items of one domain.  statsmodels is imported on first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cwp_analysis.stat_inputs import as_real_vector, validate_choice

__all__ = ["adjust_pvalues"]


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
        Adjusted p-values in the input order.

    Raises
    ------
    ValueError
        For an empty or non-numeric input, a missing p-value, one outside
        [0, 1], or an unknown method.

    Notes
    -----
    Benjamini-Hochberg is statsmodels' ``multipletests(method="fdr_bh")``.
    Holm is computed here with the same numpy operations statsmodels'
    ``multipletests(method="holm")`` uses (sorted p-values times
    ``m, m - 1, ..., 1``, a running maximum, capped at 1), so the results
    are identical; statsmodels' Holm branch ends with an explicit
    ``gc.collect()``, which takes a noticeable fraction of a second in a
    session holding large frames, on every call of :func:`outcome_table
    <cwp_analysis.stats.outcome_table>`.

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
    validate_choice(method, ("holm", "fdr_bh"), "method")
    p = as_real_vector(pvalues, "pvalues")
    if p.shape[0] == 0:
        raise ValueError("pvalues is empty")
    if np.isnan(p).any():
        raise ValueError("pvalues contains missing values")
    if (p < 0).any() or (p > 1).any():
        raise ValueError("pvalues must lie in [0, 1]")
    if method == "holm":
        order = np.argsort(p)
        adjusted = np.maximum.accumulate(p[order] * np.arange(p.shape[0], 0, -1))
        adjusted[adjusted > 1] = 1
        out = np.empty_like(adjusted)
        out[order] = adjusted
        return out
    from statsmodels.stats.multitest import multipletests as _multipletests

    return np.asarray(_multipletests(p, method=method)[1], dtype=np.float64)
