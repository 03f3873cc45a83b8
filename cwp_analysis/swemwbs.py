"""SWEMWBS scoring: raw totals, metric scores and change between two measurements.

The evaluation measured mental wellbeing with the Short Warwick-Edinburgh
Mental Wellbeing Scale (report Section 4.2.4, Figure 10).  These functions
turn respondent-level answers into per-person scores and summarise change
between the two measurement points; the conversion table, threshold and
norms come from ``data/instruments/`` (:mod:`cwp_analysis.instrument_specs`).
Re-exported by :mod:`cwp_analysis.instruments`.

Respondent-level outputs (:func:`swemwbs_raw_total`, :func:`swemwbs_scores`)
are for analysis only and must never be published; the summary is the
publishable product and still goes through :mod:`cwp_analysis.disclosure`.

SWEMWBS is licensed: reports using its results must carry
:attr:`cwp_analysis.instrument_specs.SwemwbsSpec.attribution`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from cwp_analysis.instrument_inputs import (
    as_float_array,
    check_confidence,
    paired_t_interval,
    sample_sd,
    wilson_bounds,
)
from cwp_analysis.instrument_specs import load_swemwbs_spec

__all__ = [
    "SwemwbsChangeSummary",
    "swemwbs_change_summary",
    "swemwbs_metric",
    "swemwbs_raw_total",
    "swemwbs_scores",
]

#: Tolerance when comparing a change in metric points with a threshold, so
#: that a change of exactly 3.00 points (a difference of two two-decimal
#: table values) counts as reaching a 3-point threshold despite binary
#: floating point.
_THRESHOLD_TOLERANCE = 1e-9


def swemwbs_metric(raw_total):
    """Convert SWEMWBS raw totals (7..35) to metric scores.

    Parameters
    ----------
    raw_total : int or array_like
        Raw total(s), the sum of the seven item codes (each 1..5).  A scalar
        must be a whole number from 7 to 35.  An array (list, NumPy array,
        pandas Series) may also contain missing values (NaN, None, pd.NA),
        which stay NaN in the result: a person with no raw total has no
        metric score.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        A float for a scalar; otherwise an array of the input's shape, or a
        Series with the input's index and name.

    Raises
    ------
    ValueError
        For a value outside 7..35, a non-integer, a non-numeric or boolean
        value, an infinite value, or a missing scalar.

    Notes
    -----
    The conversion is a table look-up, never an interpolation: the metric
    score is the Rasch-based interval-scale value for each possible raw
    total (Stewart-Brown et al. 2009, Table 3), stored with its provenance
    in ``data/instruments/swemwbs_conversion.csv``.  Warwick Medical School
    asks that SWEMWBS totals be converted before analysis so results are
    comparable across studies.

    References
    ----------
    .. [1] Stewart-Brown S, Tennant A, Tennant R, Platt S, Parkinson J,
       Weich S (2009). Internal construct validity of the Warwick-Edinburgh
       Mental Well-being Scale (WEMWBS): a Rasch analysis using data from the
       Scottish Health Education Population Survey. Health and Quality of
       Life Outcomes 7:15. doi:10.1186/1477-7525-7-15
    .. [2] Warwick Medical School. WEMWBS: Guidance on scoring.
       https://warwick.ac.uk/fac/med/research/platform/wemwbs/researchers/guidance/

    Examples
    --------
    >>> swemwbs_metric(8)
    9.51
    >>> swemwbs_metric([23, None, 32]).tolist()
    [20.73, nan, 29.31]
    """
    spec = load_swemwbs_spec()
    table = spec.conversion.to_numpy()
    if np.ndim(raw_total) == 0 and not isinstance(raw_total, pd.Series | pd.Index):
        value = raw_total.item() if isinstance(raw_total, np.ndarray | np.generic) else raw_total
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(
                "raw_total is missing; pass an array to carry missing values through as NaN"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"raw_total must be a whole number from 7 to 35, not {value!r}")
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"raw_total must be a whole number from 7 to 35, not {value!r}")
        if not spec.raw_min <= value <= spec.raw_max:
            raise ValueError(f"raw_total {value!r} is outside the SWEMWBS range {spec.raw_min}..{spec.raw_max}")
        return float(table[int(value) - spec.raw_min])

    values = as_float_array(raw_total, "raw_total")
    present = ~np.isnan(values)
    observed = values[present]
    if np.isinf(observed).any():
        raise ValueError("raw_total contains infinite values")
    fractional = observed[observed != np.floor(observed)]
    if fractional.size:
        raise ValueError(f"raw_total must hold whole numbers; found {fractional[:5].tolist()}")
    outside = observed[(observed < spec.raw_min) | (observed > spec.raw_max)]
    if outside.size:
        raise ValueError(
            f"raw_total outside the SWEMWBS range {spec.raw_min}..{spec.raw_max}: {outside[:5].tolist()}"
        )
    result = np.full(values.shape, np.nan)
    result[present] = table[observed.astype(int) - spec.raw_min]
    if isinstance(raw_total, pd.Series):
        return pd.Series(result, index=raw_total.index, name=raw_total.name)
    return result


def swemwbs_raw_total(items_frame: pd.DataFrame, *, impute: bool = False) -> pd.Series:
    """Sum the seven SWEMWBS item codes per person.

    Parameters
    ----------
    items_frame : pandas.DataFrame
        Exactly seven columns, one per item, holding response codes 1..5;
        missing answers are NaN/None/pd.NA.  One row per person.
    impute : bool, default False
        False: any missing item makes the person's total missing.  True:
        a person with exactly one missing item gets a prorated total (the
        mean of the six answered items times seven, rounded half up to a
        whole number so that it can be converted); two or more missing
        items still give a missing total.

    Returns
    -------
    pandas.Series
        Float raw totals (NaN when missing), indexed like ``items_frame``,
        named ``"swemwbs_raw_total"``.  Respondent-level: not for
        publication.

    Raises
    ------
    ValueError
        If the frame does not have seven columns or holds a code other than
        1..5 (the message names the column and row).

    Notes
    -----
    Warwick's scoring guidance defines the total only for complete answers,
    so the default leaves incomplete people missing.  Prorating from the
    mean of the answered items (person-mean imputation) is the conventional
    rule for summed patient-reported scales; the widely used "half rule"
    prorates when at least half of the items are answered [1]_.  Because
    SWEMWBS has only seven items and a non-linear metric conversion, this
    function applies a stricter version of that rule (at most one missing
    item), documented here as the project's choice.

    References
    ----------
    .. [1] Fayers PM, Machin D (2016). Quality of Life: The Assessment,
       Analysis and Reporting of Patient-reported Outcomes, 3rd ed.,
       Chichester: Wiley, chapter on missing data (imputing missing items).
    .. [2] Fayers PM, Aaronson NK, Bjordal K, Groenvold M, Curran D,
       Bottomley A, on behalf of the EORTC Quality of Life Group (2001).
       The EORTC QLQ-C30 Scoring Manual, 3rd ed. Brussels: EORTC (the
       half rule for missing items).

    Examples
    --------
    >>> items = pd.DataFrame([[3, 3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4, None]])
    >>> swemwbs_raw_total(items).tolist()
    [21.0, nan]
    >>> swemwbs_raw_total(items, impute=True).tolist()
    [21.0, 28.0]
    """
    spec = load_swemwbs_spec()
    if not isinstance(items_frame, pd.DataFrame):
        raise ValueError("items_frame must be a pandas DataFrame with one column per SWEMWBS item")
    n_items = len(spec.item_ids)
    if items_frame.shape[1] != n_items:
        raise ValueError(f"items_frame must have {n_items} item columns, not {items_frame.shape[1]}")
    allowed = np.array(spec.item_codes, dtype=float)
    codes = np.empty(items_frame.shape, dtype=float)
    for position, column in enumerate(items_frame.columns):
        values = as_float_array(items_frame[column], f"SWEMWBS item {column!r}")
        bad = ~np.isnan(values) & ~np.isin(values, allowed)
        if bad.any():
            row = items_frame.index[np.flatnonzero(bad)[0]]
            raise ValueError(
                f"SWEMWBS item {column!r}, row {row!r}: code {values[bad][0]:g} is not one of "
                f"{', '.join(str(c) for c in spec.item_codes)}"
            )
        codes[:, position] = values
    n_missing = np.isnan(codes).sum(axis=1)
    answered_sum = np.nansum(codes, axis=1)
    total = np.where(n_missing == 0, answered_sum, np.nan)
    if impute:
        one_missing = n_missing == 1
        prorated = np.floor(answered_sum * n_items / (n_items - 1) + 0.5)
        total = np.where(one_missing, prorated, total)
    return pd.Series(total, index=items_frame.index, name="swemwbs_raw_total")


def swemwbs_scores(data: pd.DataFrame, *, item_ids: Sequence[str] | None = None,
                   impute: bool = False) -> pd.DataFrame:
    """Per-person SWEMWBS raw and metric scores before and after.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey data in the project layout: paired items in columns
        ``<id>_before`` and ``<id>_after``.
    item_ids : sequence of str, optional
        The seven item ids; defaults to the ids in ``swemwbs.yaml``
        (``swemwbs_optimistic`` ... ``swemwbs_mind``).
    impute : bool, default False
        Passed to :func:`swemwbs_raw_total`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``, with float columns ``raw_before``,
        ``raw_after``, ``metric_before``, ``metric_after`` and
        ``metric_change`` (after minus before; NaN unless both are
        present).  Respondent-level: for analysis only, never publish.

    Raises
    ------
    ValueError
        If an item column is absent or holds an invalid code.

    See Also
    --------
    swemwbs_change_summary : the publishable summary of these scores.

    Examples
    --------
    >>> spec = load_swemwbs_spec()
    >>> row = {f"{i}_before": 3 for i in spec.item_ids} | {f"{i}_after": 4 for i in spec.item_ids}
    >>> swemwbs_scores(pd.DataFrame([row])).iloc[0].round(2).tolist()
    [21.0, 28.0, 19.25, 25.03, 5.78]
    """
    spec = load_swemwbs_spec()
    ids = tuple(spec.item_ids if item_ids is None else item_ids)
    if len(ids) != len(spec.item_ids):
        raise ValueError(f"item_ids must name the {len(spec.item_ids)} SWEMWBS items, not {len(ids)}")
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame")
    wanted = {when: [f"{item}_{when}" for item in ids] for when in ("before", "after")}
    missing = [col for cols in wanted.values() for col in cols if col not in data.columns]
    if missing:
        raise ValueError(f"data lacks SWEMWBS column(s): {', '.join(missing)}")
    out = pd.DataFrame(index=data.index)
    for when, cols in wanted.items():
        out[f"raw_{when}"] = swemwbs_raw_total(data[cols], impute=impute)
    for when in ("before", "after"):
        out[f"metric_{when}"] = swemwbs_metric(out[f"raw_{when}"])
    out["metric_change"] = out["metric_after"] - out["metric_before"]
    return out


@dataclass(frozen=True)
class SwemwbsChangeSummary:
    """Group summary of SWEMWBS change between two measurements.

    All scores are metric scores; changes are after minus before, over the
    ``n`` people with both scores.

    Attributes
    ----------
    n : int
    mean_before, mean_after, sd_before, sd_after : float
    mean_change, sd_change : float
    change_ci_low, change_ci_high : float
        t-based interval for the mean change.
    t_statistic, t_pvalue : float
        Paired t test of no mean change (two-sided).
    confidence : float
    threshold : float
        Individual meaningful-change threshold (metric points).
    n_improved, n_worsened : int
        People whose score rose (fell) by at least ``threshold``.
    share_improved, improved_ci_low, improved_ci_high : float
    share_worsened, worsened_ci_low, worsened_ci_high : float
        Shares of ``n`` with Wilson intervals.
    norm_population : str
    norm_mean : float
    norm_sd : float or None
    difference_from_norm_before, difference_from_norm_after : float
        Group mean minus the norm mean.
    standardised_difference_before, standardised_difference_after : float
        The differences divided by ``standardiser_before`` /
        ``standardiser_after``.
    standardiser : str
        ``"population SD"`` or ``"sample SD"`` (used when the norm's SD is
        not available).
    standardiser_before, standardiser_after : float
    threshold_source, norm_source, attribution : str
    """

    n: int
    mean_before: float
    mean_after: float
    sd_before: float
    sd_after: float
    mean_change: float
    sd_change: float
    change_ci_low: float
    change_ci_high: float
    t_statistic: float
    t_pvalue: float
    confidence: float
    threshold: float
    n_improved: int
    share_improved: float
    improved_ci_low: float
    improved_ci_high: float
    n_worsened: int
    share_worsened: float
    worsened_ci_low: float
    worsened_ci_high: float
    norm_population: str
    norm_mean: float
    norm_sd: float | None
    difference_from_norm_before: float
    difference_from_norm_after: float
    standardised_difference_before: float
    standardised_difference_after: float
    standardiser: str
    standardiser_before: float
    standardiser_after: float
    threshold_source: str = field(repr=False)
    norm_source: str = field(repr=False)
    attribution: str = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return the summary as a one-row DataFrame (one column per attribute)."""
        return pd.DataFrame([asdict(self)])


def swemwbs_change_summary(scores: pd.DataFrame, *, threshold: float | None = None,
                           confidence: float = 0.95,
                           norm_population: str | None = None,
                           on_degenerate: str = "raise") -> SwemwbsChangeSummary:
    """Summarise change in SWEMWBS metric scores for a group.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`swemwbs_scores` (columns ``metric_before`` and
        ``metric_after``); people missing either score are left out.
    threshold : float, optional
        Individual meaningful change in metric points; defaults to
        ``meaningful_change.default_threshold`` in ``swemwbs.yaml`` (3).
    confidence : float, default 0.95
        Level of all intervals.
    norm_population : str, optional
        Population norm to compare with (``"women"`` or ``"men"``);
        defaults to the file's default (women, as every respondent was a
        woman).
    on_degenerate : {"raise", "nan"}
        With fewer than two complete pairs or zero variance: raise
        (default), or return NaN for every statistic that is undefined
        (what a book built on any survey needs).

    Returns
    -------
    SwemwbsChangeSummary

    Raises
    ------
    ValueError
        With fewer than two complete pairs, when every change is identical
        (zero variance) unless ``on_degenerate="nan"``, for a non-positive threshold, an unknown norm or a
        confidence outside (0, 1).

    Notes
    -----
    * Mean change and its interval come from the paired t test
      (``scipy.stats.ttest_rel``), following Warwick's advice that SWEMWBS
      scores are close to normal and best compared with Student's t test.
    * A person "improved" when ``after - before >= threshold`` and
      "worsened" when ``after - before <= -threshold``; the shares of ``n``
      carry Wilson score intervals (``statsmodels``, method "wilson").
    * The default threshold of 3 metric points rounds up the 2.77 x SEM
      (2.87 points) criterion of Shah et al. (2018), the upper end of the
      1-3 point range they report for important individual change.
    * The comparison with the population norm is descriptive: the norm is a
      national survey mean (Ng Fat et al. 2017), not a matched control.
      Its standardised form divides by the norm's SD when the data file
      records one, otherwise by the sample SD at that time point (a
      one-sample Cohen's d).

    References
    ----------
    .. [1] Shah N, et al. (2018). Responsiveness of the Short Warwick
       Edinburgh Mental Well-Being Scale (SWEMWBS): evaluation a clinical
       sample. Health and Quality of Life Outcomes 16:239.
       doi:10.1186/s12955-018-1060-2
    .. [2] Ng Fat L, Scholes S, Boniface S, Mindell J, Stewart-Brown S
       (2017). Evaluating and establishing national norms for mental
       wellbeing using the short Warwick-Edinburgh Mental Well-being Scale
       (SWEMWBS): findings from the Health Survey for England. Quality of
       Life Research 26(5):1129-1144. doi:10.1007/s11136-016-1454-8
    .. [3] Wilson EB (1927). Probable inference, the law of succession, and
       statistical inference. Journal of the American Statistical
       Association 22:209-212.
    .. [4] Warwick Medical School. Collect, score, analyse and interpret
       WEMWBS. https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/using/howto

    Examples
    --------
    >>> scores = pd.DataFrame({"metric_before": [15.32, 19.25, 22.35],
    ...                        "metric_after": [19.25, 20.73, 22.35]})
    >>> s = swemwbs_change_summary(scores)
    >>> s.n, round(s.mean_change, 4), s.n_improved, s.n_worsened
    (3, 1.8033, 1, 0)
    """
    spec = load_swemwbs_spec()
    check_confidence(confidence)
    threshold = spec.default_threshold if threshold is None else threshold
    if not (isinstance(threshold, int | float) and not isinstance(threshold, bool)
            and math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number of metric points, not {threshold!r}")
    norm_key = spec.default_norm if norm_population is None else norm_population
    if norm_key not in spec.norms:
        raise ValueError(f"unknown norm population {norm_key!r}; choose from {', '.join(spec.norms)}")
    norm = spec.norms[norm_key]
    if not isinstance(scores, pd.DataFrame) or not {"metric_before", "metric_after"} <= set(scores.columns):
        raise ValueError("scores must be a DataFrame with metric_before and metric_after (see swemwbs_scores)")
    before_all = as_float_array(scores["metric_before"], "metric_before")
    after_all = as_float_array(scores["metric_after"], "metric_after")
    complete = ~np.isnan(before_all) & ~np.isnan(after_all)
    before, after = before_all[complete], after_all[complete]
    for name, values in (("metric_before", before), ("metric_after", after)):
        if ((values < spec.raw_min) | (values > spec.raw_max)).any():
            raise ValueError(f"{name} holds values outside the metric range {spec.raw_min}..{spec.raw_max}")
    mean_change, sd_change, low, high, ttest = paired_t_interval(before, after, confidence, "SWEMWBS",
                                                                 on_degenerate=on_degenerate)
    n = int(before.size)
    change = after - before
    n_improved = int(np.sum(change >= threshold - _THRESHOLD_TOLERANCE))
    n_worsened = int(np.sum(change <= -threshold + _THRESHOLD_TOLERANCE))
    nan = float("nan")
    improved_ci = wilson_bounds(n_improved, n, confidence) if n else (nan, nan)
    worsened_ci = wilson_bounds(n_worsened, n, confidence) if n else (nan, nan)
    sd_before, sd_after = sample_sd(before), sample_sd(after)
    if norm.sd is not None:
        standardiser, scale_before, scale_after = "population SD", norm.sd, norm.sd
    else:
        standardiser, scale_before, scale_after = "sample SD", sd_before, sd_after
    if (scale_before == 0 or scale_after == 0) and on_degenerate == "raise":
        raise ValueError("a time point has zero spread; the standardised difference from the norm is undefined")
    mean_before = float(before.mean()) if n else nan
    mean_after = float(after.mean()) if n else nan
    diff_before = mean_before - norm.mean
    diff_after = mean_after - norm.mean
    return SwemwbsChangeSummary(
        n=n,
        mean_before=mean_before,
        mean_after=mean_after,
        sd_before=sd_before,
        sd_after=sd_after,
        mean_change=mean_change,
        sd_change=sd_change,
        change_ci_low=low,
        change_ci_high=high,
        t_statistic=nan if ttest is None else float(ttest.statistic),
        t_pvalue=nan if ttest is None else float(ttest.pvalue),
        confidence=float(confidence),
        threshold=float(threshold),
        n_improved=n_improved,
        share_improved=n_improved / n if n else nan,
        improved_ci_low=improved_ci[0],
        improved_ci_high=improved_ci[1],
        n_worsened=n_worsened,
        share_worsened=n_worsened / n if n else nan,
        worsened_ci_low=worsened_ci[0],
        worsened_ci_high=worsened_ci[1],
        norm_population=norm.population,
        norm_mean=norm.mean,
        norm_sd=norm.sd,
        difference_from_norm_before=diff_before,
        difference_from_norm_after=diff_after,
        standardised_difference_before=diff_before / scale_before if scale_before else nan,
        standardised_difference_after=diff_after / scale_after if scale_after else nan,
        standardiser=standardiser,
        standardiser_before=float(scale_before),
        standardiser_after=float(scale_after),
        threshold_source=spec.threshold_source,
        norm_source=spec.norm_source,
        attribution=spec.attribution,
    )
