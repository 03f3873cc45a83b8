"""Use of the partners' services (report Section 4.2.2, Figure 6).

Which partners the women use, how many partners each woman uses, and for
how long.  Aggregated tables only.  Re-exported by
:mod:`cwp_analysis.describe`, whose conventions (percentages of those
answering, Wilson intervals in percent, ``on_empty``) apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.codebook import Codebook, Variable
from cwp_analysis.frequencies import (
    check_confidence,
    check_data,
    check_on_empty,
    codebook_or_default,
    frequency_table,
    none_for_single,
    percent_of,
    response_codes,
    wilson_percent,
)

__all__ = ["ServiceUseTables", "service_use_table", "services_per_woman"]


def _partner_variables(codebook: Codebook) -> list[Variable]:
    """The tick-box items 'uses partner X' of the service-use domain."""
    partners = [v for v in codebook.in_domain("service_use") if v.kind == "binary" and not v.paired]
    if not partners:
        raise ValueError("the codebook's service_use domain has no yes/no partner items")
    return partners


def services_per_woman(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95, on_empty: str = "raise"
) -> pd.DataFrame:
    """Distribution of the number of partners' services each woman uses.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float
    on_empty : {"raise", "keep"}
        When no respondent answered every partner item: ``"raise"``
        (default) raises ``ValueError``; ``"keep"`` returns the rows with
        zero counts, ``n = 0`` and NaN percentages and intervals.

    Returns
    -------
    pandas.DataFrame
        One row per number of services, 0 to the number of partners, with
        ``services``, ``count``, ``n`` (respondents who answered every
        partner item), ``n_incomplete`` (respondents who left at least one
        blank), ``percent``, ``ci_low`` and ``ci_high``.

    Raises
    ------
    ValueError
        When a partner column is absent or holds invalid codes, or (unless
        ``on_empty="keep"``) no respondent answered every partner item.

    Notes
    -----
    Only respondents with an answer for every partner are counted: a blank
    is not read as "does not use", since that would undercount.
    """
    data = check_data(data)
    confidence = check_confidence(confidence)
    check_on_empty(on_empty)
    cb = codebook_or_default(codebook)
    partners = _partner_variables(cb)
    complete = np.ones(len(data), dtype=bool)
    per_woman = np.zeros(len(data), dtype=np.int64)
    for v in partners:
        codes = response_codes(data, v.id, v.scale)
        complete &= codes.notna().to_numpy()
        per_woman += codes.isin(list(v.positive_codes)).fillna(False).to_numpy(dtype=bool)
    n = int(complete.sum())
    if n == 0 and on_empty == "raise":
        raise ValueError(
            "no respondent answered every partner item: services per woman is undefined "
            "(pass on_empty='keep' to keep the table with n = 0)"
        )
    levels = list(range(len(partners) + 1))
    counts = pd.Series(np.bincount(per_woman[complete], minlength=len(levels))[: len(levels)])
    low, high = wilson_percent(counts.to_numpy(), n, confidence)
    return pd.DataFrame(
        {
            "services": levels,
            "count": counts.to_numpy(),
            "n": n,
            "n_incomplete": int((~complete).sum()),
            "percent": percent_of(counts.to_numpy(), n),
            "ci_low": low,
            "ci_high": high,
        }
    )


@dataclass(frozen=True)
class ServiceUseTables:
    """Use of the partners' services (Section 4.2.2, Figure 6).

    Attributes
    ----------
    partners : pandas.DataFrame
        Per partner item: ``variable``, ``label``, ``count`` (women using
        it), ``n``, ``n_missing``, ``percent``, ``ci_low``, ``ci_high``.
        Women may use several partners, so the percentages can sum to more
        than 100.
    services_per_woman : pandas.DataFrame
        See :func:`services_per_woman`.
    duration : pandas.DataFrame
        Frequencies of how long women have used the services
        (:func:`frequency_table` columns).
    """

    partners: pd.DataFrame
    services_per_woman: pd.DataFrame
    duration: pd.DataFrame


def service_use_table(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95, on_empty: str = "raise"
) -> ServiceUseTables:
    """Which partners women use, how many each, and for how long.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float
    on_empty : {"raise", "keep"}
        See :func:`cwp_analysis.describe.frequency_table` and
        :func:`services_per_woman`; with ``"keep"`` an unanswered partner
        item has ``n = 0`` and NaN percentages.

    Returns
    -------
    ServiceUseTables

    Raises
    ------
    ValueError
        As :func:`cwp_analysis.describe.frequency_table` and
        :func:`services_per_woman` raise.
    """
    confidence = check_confidence(confidence)
    check_on_empty(on_empty)
    cb = codebook_or_default(codebook)
    partner_rows = []
    for var in _partner_variables(cb):
        table = frequency_table(data, var.id, cb, confidence=confidence, on_empty=on_empty)
        yes = table[table["code"].isin(var.positive_codes)]
        count = int(yes["count"].sum())
        n = int(table["n"].iloc[0])
        low, high = wilson_percent([count], n, confidence)
        partner_rows.append(
            {
                "variable": var.id,
                "label": var.label,
                "count": count,
                "n": n,
                "n_missing": int(table["n_missing"].iloc[0]),
                "percent": float(percent_of(count, n)),
                "ci_low": float(low[0]),
                "ci_high": float(high[0]),
            }
        )
    other = [v for v in cb.in_domain("service_use") if v.scale is not None and v.kind != "binary"]
    if not other:
        raise ValueError("the codebook's service_use domain has no duration item")
    duration = none_for_single(
        pd.concat([frequency_table(data, v.id, cb, confidence=confidence, on_empty=on_empty) for v in other],
                  ignore_index=True)
    )
    return ServiceUseTables(
        partners=pd.DataFrame(partner_rows),
        services_per_woman=services_per_woman(data, cb, confidence=confidence, on_empty=on_empty),
        duration=duration,
    )
