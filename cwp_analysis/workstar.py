"""Work Star: distance travelled on each outcome area.

Employment readiness was measured with Triangle's Work Star (report Section
4.2.9, Figure 14).  :func:`workstar_summary` summarises first and last
readings per outcome area, with a t interval and a paired rank test.
Re-exported by :mod:`cwp_analysis.instruments`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cwp_analysis.instrument_inputs import (
    as_float_array,
    check_confidence,
    paired_t_interval,
    wilson_bounds,
)
from cwp_analysis.instrument_specs import load_workstar_instrument
from cwp_analysis.paired_tests import wilcoxon_signed_rank

__all__ = ["workstar_summary"]


def workstar_summary(data: pd.DataFrame, areas: Sequence[str] | None = None, *,
                     confidence: float = 0.95, on_degenerate: str = "raise") -> pd.DataFrame:
    """Distance travelled on each Work Star outcome area.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per woman with columns ``ws_<area>_first`` and
        ``ws_<area>_last`` holding whole-number readings on the Star's
        1-10 scale; missing readings are NaN.
    areas : sequence of str, optional
        Outcome-area ids (``job_skills``, ``aspiration``, ``job_search``,
        ``stability``, ``basic_skills``, ``workplace_skills``,
        ``health_wellbeing``); defaults to all areas in ``workstar.yaml``.
    confidence : float, default 0.95

    on_degenerate : {"raise", "nan"}
        An area with fewer than two complete pairs, or every change equal:
        raise (default), or give NaN for the statistics that are undefined.
    Returns
    -------
    pandas.DataFrame
        One row per area with ``area``, ``label``, ``n`` (women with both
        readings), ``mean_first``, ``mean_last``, ``mean_change``,
        ``change_ci_low``, ``change_ci_high`` (t interval), and the paired
        Wilcoxon signed-rank test of first against last reading:
        ``wilcoxon_v`` (sum of ranks of rises), ``wilcoxon_p``,
        ``wilcoxon_z`` (None when exact), ``wilcoxon_n`` (non-zero pairs)
        and ``rank_biserial``.  When the Journey of Change stage bands are
        documented in ``workstar.yaml`` the frame also has
        ``n_up_one_stage``, ``share_up_one_stage`` and its Wilson interval.
        ``DataFrame.attrs`` records ``confidence``,
        ``stage_bands_documented`` and ``stage_bands_note``.

    Raises
    ------
    ValueError
        For an unknown area, a missing column, a reading that is not a
        whole number in 1..10, fewer than two complete pairs, or an area
        where the change is identical for everyone (the message names the
        area).

    Notes
    -----
    The report (Section 4.2.9, Figure 14) shows only mean first and last
    readings of the women who had both.  This function adds the interval
    and a paired rank test (:func:`cwp_analysis.stats.wilcoxon_signed_rank`,
    R's ``wilcox.test(paired = TRUE)`` conventions) because Star readings
    are ordinal steps on a ladder of change.  Triangle publishes the five
    Journey of Change stages of the Work Star but not which readings fall
    in which stage (that mapping is in the licensed user guide), so by
    default only distance travelled is reported; see ``workstar.yaml``.

    References
    ----------
    .. [1] Triangle Consulting Social Enterprise. Work Star: the Outcomes
       Star for work and learning, 3rd edition (2017).
    .. [2] MacKeith J (2011). The development of the Outcomes Star: a
       participatory approach to assessment and outcome measurement.
       Housing, Care and Support 14(3):98-106.
    .. [3] Wilcoxon F (1945). Individual comparisons by ranking methods.
       Biometrics Bulletin 1(6):80-83.
    """
    instrument = load_workstar_instrument()
    check_confidence(confidence)
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame")
    area_ids = list(instrument.area_labels) if areas is None else list(areas)
    if not area_ids:
        raise ValueError("areas must name at least one Work Star outcome area")
    unknown = [area for area in area_ids if area not in instrument.area_labels]
    if unknown:
        raise ValueError(
            f"unknown Work Star area(s) {', '.join(unknown)}; known: {', '.join(instrument.area_labels)}"
        )
    rows = []
    for area in area_ids:
        first_col, last_col = f"ws_{area}_first", f"ws_{area}_last"
        absent = [col for col in (first_col, last_col) if col not in data.columns]
        if absent:
            raise ValueError(f"data lacks Work Star column(s): {', '.join(absent)}")
        first_all = as_float_array(data[first_col], first_col)
        last_all = as_float_array(data[last_col], last_col)
        for col, values in ((first_col, first_all), (last_col, last_all)):
            observed = values[~np.isnan(values)]
            bad = observed[(observed != np.floor(observed)) | (observed < instrument.scale_min)
                           | (observed > instrument.scale_max)]
            if bad.size:
                raise ValueError(
                    f"{col}: readings must be whole numbers {instrument.scale_min}..{instrument.scale_max}; "
                    f"found {bad[:5].tolist()}"
                )
        complete = ~np.isnan(first_all) & ~np.isnan(last_all)
        first, last = first_all[complete], last_all[complete]
        what = f"Work Star area {area!r}"
        mean_change, _, low, high, _ = paired_t_interval(first, last, confidence, what,
                                                             on_degenerate=on_degenerate)
        nan = float("nan")
        try:
            test = wilcoxon_signed_rank(first, last)
        except ValueError as exc:
            if on_degenerate == "raise":
                raise ValueError(f"{what}: {exc}") from exc
            test = None
        row = {
            "area": area,
            "label": instrument.area_labels[area],
            "n": int(first.size),
            "mean_first": float(first.mean()) if first.size else nan,
            "mean_last": float(last.mean()) if last.size else nan,
            "mean_change": mean_change,
            "change_ci_low": low,
            "change_ci_high": high,
            "wilcoxon_v": nan if test is None else float(test.statistic),
            "wilcoxon_p": nan if test is None else float(test.pvalue),
            "wilcoxon_z": None if test is None or test.zstatistic is None else float(test.zstatistic),
            "wilcoxon_n": int(np.count_nonzero(last - first)) if test is None else int(test.n),
            "rank_biserial": nan if test is None else float(test.rank_biserial),
        }
        if instrument.stage_bands is not None:
            moved_up = instrument.stage_index(last) > instrument.stage_index(first)
            n_up = int(moved_up.sum())
            row["n_up_one_stage"] = n_up
            row["share_up_one_stage"] = n_up / first.size if first.size else nan
            row["up_ci_low"], row["up_ci_high"] = (wilson_bounds(n_up, int(first.size), confidence)
                                                   if first.size else (nan, nan))
        rows.append(row)
    result = pd.DataFrame(rows)
    result.attrs["confidence"] = float(confidence)
    result.attrs["stage_bands_documented"] = instrument.stage_bands is not None
    result.attrs["stage_bands_note"] = instrument.stage_bands_note
    return result
