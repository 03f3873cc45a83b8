"""Scoring of the standardised instruments: SWEMWBS and the Work Star.

The evaluation measured mental wellbeing with the Short Warwick-Edinburgh
Mental Wellbeing Scale (report Section 4.2.4, Figure 10) and employment
readiness with Triangle's Work Star (Section 4.2.9, Figure 14).  This module
turns respondent-level answers into per-person scores and summarises change
between the two measurement points.

Everything the scoring rests on is data, read from ``data/instruments/``
(with provenance in its README): the SWEMWBS raw-to-metric conversion table,
item ids, attribution, the individual meaningful-change threshold and the
population norms (``swemwbs.yaml``), and the Work Star outcome areas, scale
and Journey of Change (``workstar.yaml``).

Respondent-level outputs (:func:`swemwbs_raw_total`, :func:`swemwbs_scores`)
are for analysis only and must never be published; the summaries are the
publishable products and still go through :mod:`cwp_analysis.disclosure`.

SWEMWBS is licensed: reports using its results must carry
:attr:`SwemwbsSpec.attribution`.

Examples
--------
>>> float(swemwbs_metric(21))
19.25
>>> swemwbs_metric([7, 8, 35]).tolist()
[7.0, 9.51, 35.0]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file
from cwp_analysis.stats import wilcoxon_signed_rank, wilson_interval

__all__ = [
    "PopulationNorm",
    "SwemwbsSpec",
    "WorkStarInstrument",
    "SwemwbsChangeSummary",
    "load_swemwbs_spec",
    "load_workstar_instrument",
    "swemwbs_metric",
    "swemwbs_raw_total",
    "swemwbs_scores",
    "swemwbs_change_summary",
    "workstar_summary",
]

#: Tolerance when comparing a change in metric points with a threshold, so
#: that a change of exactly 3.00 points (a difference of two two-decimal
#: table values) counts as reaching a 3-point threshold despite binary
#: floating point.
_THRESHOLD_TOLERANCE = 1e-9


# --------------------------------------------------------------------------
# Instrument specifications (data files)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationNorm:
    """Published mean SWEMWBS metric score of a reference population.

    Attributes
    ----------
    population : str
        Group name (``"women"``, ``"men"``).
    survey : str
    age : str
    mean, median : float
    sd : float or None
        None when the source's standard deviation is not available.
    """

    population: str
    survey: str
    age: str
    mean: float
    median: float | None
    sd: float | None


@dataclass(frozen=True, eq=False)
class SwemwbsSpec:
    """The SWEMWBS facts held in ``data/instruments/``.

    Attributes
    ----------
    item_ids : tuple of str
        Codebook ids of the seven items, in the instrument's order.
    short_labels : dict of str to str
        One- to four-word label per item id (never the licensed wording).
    response_scale : dict of int to str
        Response codes 1..5 and their category names.
    raw_min, raw_max : int
        Range of the raw total (7 and 35).
    conversion : pandas.Series
        Metric score indexed by raw total 7..35.
    conversion_source, attribution : str
    default_threshold : float
        Individual meaningful-change threshold in metric points.
    threshold_source : str
    norms : dict of str to PopulationNorm
    default_norm : str
    norm_source : str
    """

    item_ids: tuple[str, ...]
    short_labels: dict[str, str]
    response_scale: dict[int, str]
    raw_min: int
    raw_max: int
    conversion: pd.Series
    conversion_source: str
    attribution: str
    default_threshold: float
    threshold_source: str
    norms: dict[str, PopulationNorm]
    default_norm: str
    norm_source: str

    @property
    def item_codes(self) -> tuple[int, ...]:
        """Allowed item response codes."""
        return tuple(self.response_scale)


@dataclass(frozen=True)
class WorkStarInstrument:
    """The Work Star facts held in ``data/instruments/workstar.yaml``.

    Attributes
    ----------
    edition : str
    area_labels : dict of str to str
        Outcome-area id -> official name, in the Star's order.
    scale_min, scale_max : int
        Reading scale (1 and 10).
    stages : tuple of str
        Journey of Change stage names, lowest first.
    stage_bands : tuple of (str, int, int) or None
        ``(stage, lowest reading, highest reading)`` per stage when the
        mapping of readings to stages is documented; None otherwise.
    stage_bands_note : str
        Why the bands are missing (or their source).
    attribution : str
    """

    edition: str
    area_labels: dict[str, str]
    scale_min: int
    scale_max: int
    stages: tuple[str, ...]
    stage_bands: tuple[tuple[str, int, int], ...] | None
    stage_bands_note: str
    attribution: str

    def stage_index(self, readings: np.ndarray) -> np.ndarray:
        """Return the 0-based Journey of Change stage of each reading.

        Raises
        ------
        ValueError
            When the stage bands are not documented.
        """
        if self.stage_bands is None:
            raise ValueError(
                "Work Star stage bands are not documented: " + self.stage_bands_note
            )
        upper = np.array([band[2] for band in self.stage_bands])
        return np.searchsorted(upper, np.asarray(readings), side="left")


def _read_yaml(path: Path) -> dict:
    return read_yaml_mapping(path, "instrument file")


def _require(raw: dict, keys: Sequence[str], where: str) -> None:
    missing = [key for key in keys if key not in raw]
    if missing:
        raise DataFileError(f"{where}: missing key(s) {', '.join(missing)}")


def _read_conversion(path: Path, raw_min: int, raw_max: int) -> pd.Series:
    if not path.is_file():
        raise DataFileError(f"SWEMWBS conversion table not found: {path}")
    try:
        table = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFileError(f"{path}: not a readable CSV: {exc}") from None
    if list(table.columns) != ["raw_total", "metric_score"]:
        raise DataFileError(
            f"{path}: columns must be raw_total,metric_score (found {','.join(map(str, table.columns))})"
        )
    expected = list(range(raw_min, raw_max + 1))
    if not pd.api.types.is_integer_dtype(table["raw_total"]) or table["raw_total"].tolist() != expected:
        raise DataFileError(f"{path}: raw_total must list every integer {raw_min}..{raw_max} once, in order")
    metric = pd.to_numeric(table["metric_score"], errors="coerce")
    if metric.isna().any():
        raise DataFileError(f"{path}: metric_score has missing or non-numeric values")
    if not (np.diff(metric.to_numpy()) > 0).all():
        raise DataFileError(f"{path}: metric_score must increase strictly with raw_total")
    if metric.iloc[0] != raw_min or metric.iloc[-1] != raw_max:
        raise DataFileError(
            f"{path}: end points must map to themselves ({raw_min} -> {raw_min}, {raw_max} -> {raw_max})"
        )
    return pd.Series(metric.to_numpy(dtype=float), index=pd.Index(expected, name="raw_total"), name="metric_score")


@functools.lru_cache(maxsize=8)
def _swemwbs_cached(yaml_path: str, yaml_mtime: int, csv_mtime: int) -> SwemwbsSpec:
    path = Path(yaml_path)
    raw = _read_yaml(path)
    _require(raw, ["items", "response_scale", "raw_total", "conversion", "licence",
                   "meaningful_change", "population_norms"], str(path))
    items = raw["items"]
    if not isinstance(items, list) or len(items) != 7:
        raise DataFileError(f"{path}: `items` must list the seven SWEMWBS items")
    item_ids = tuple(str(item["id"]) for item in items)
    if len(set(item_ids)) != 7:
        raise DataFileError(f"{path}: item ids must be unique")
    short_labels = {str(item["id"]): str(item["short_label"]) for item in items}
    response_scale = {int(code): str(label) for code, label in raw["response_scale"].items()}
    if sorted(response_scale) != [1, 2, 3, 4, 5]:
        raise DataFileError(f"{path}: response_scale must define codes 1..5")
    raw_min, raw_max = int(raw["raw_total"]["min"]), int(raw["raw_total"]["max"])
    if (raw_min, raw_max) != (7 * min(response_scale), 7 * max(response_scale)):
        raise DataFileError(f"{path}: raw_total range must be 7..35 for seven items coded 1..5")
    conversion = _read_conversion(path.parent / str(raw["conversion"]["file"]), raw_min, raw_max)
    change = raw["meaningful_change"]
    threshold = float(change["default_threshold"])
    if not (math.isfinite(threshold) and threshold > 0):
        raise DataFileError(f"{path}: meaningful_change.default_threshold must be a positive number")
    norms_raw = raw["population_norms"]
    norms = {}
    for group in norms_raw["groups"]:
        sd = group.get("sd")
        norms[str(group["population"])] = PopulationNorm(
            population=str(group["population"]),
            survey=str(group["survey"]),
            age=str(group["age"]),
            mean=float(group["mean"]),
            median=None if group.get("median") is None else float(group["median"]),
            sd=None if sd is None else float(sd),
        )
    default_norm = str(norms_raw["default"])
    if default_norm not in norms:
        raise DataFileError(f"{path}: population_norms.default {default_norm!r} is not a listed group")
    return SwemwbsSpec(
        item_ids=item_ids,
        short_labels=short_labels,
        response_scale=response_scale,
        raw_min=raw_min,
        raw_max=raw_max,
        conversion=conversion,
        conversion_source=" ".join(str(raw["conversion"]["source"]).split()),
        attribution=" ".join(str(raw["licence"]["attribution"]).split()),
        default_threshold=threshold,
        threshold_source=" ".join(str(change["source"]).split()),
        norms=norms,
        default_norm=default_norm,
        norm_source=" ".join(str(norms_raw["source"]).split()),
    )


def load_swemwbs_spec() -> SwemwbsSpec:
    """Load and validate ``data/instruments/swemwbs.yaml`` and its conversion table.

    Returns
    -------
    SwemwbsSpec

    Raises
    ------
    DataFileError
        When a file is missing or breaks its layout (the conversion table
        must map every raw total 7..35, increase strictly and keep its end
        points).

    Examples
    --------
    >>> spec = load_swemwbs_spec()
    >>> spec.item_ids[0], spec.short_labels["swemwbs_mind"]
    ('swemwbs_optimistic', 'own mind')
    """
    path = data_file("instruments", "swemwbs.yaml")
    if not path.is_file():
        raise DataFileError(f"instrument file not found: {path}")
    csv = data_file("instruments", "swemwbs_conversion.csv")
    csv_mtime = csv.stat().st_mtime_ns if csv.is_file() else -1
    return _swemwbs_cached(str(path.resolve()), path.stat().st_mtime_ns, csv_mtime)


@functools.lru_cache(maxsize=8)
def _workstar_cached(yaml_path: str, yaml_mtime: int) -> WorkStarInstrument:
    path = Path(yaml_path)
    raw = _read_yaml(path)
    _require(raw, ["edition", "scale", "outcome_areas", "journey_of_change", "attribution"], str(path))
    areas = {str(area["id"]): str(area["label"]) for area in raw["outcome_areas"]}
    if len(areas) != len(raw["outcome_areas"]) or not areas:
        raise DataFileError(f"{path}: outcome area ids must be unique and non-empty")
    scale_min, scale_max = int(raw["scale"]["min"]), int(raw["scale"]["max"])
    if scale_min >= scale_max:
        raise DataFileError(f"{path}: scale.min must be below scale.max")
    journey = raw["journey_of_change"]
    stages = tuple(str(stage) for stage in journey["stages"])
    bands_raw = journey.get("stage_bands")
    bands = None
    if bands_raw is not None:
        bands = tuple((str(b["stage"]), int(b["min"]), int(b["max"])) for b in bands_raw)
        if tuple(b[0] for b in bands) != stages:
            raise DataFileError(f"{path}: stage_bands must list the stages in Journey of Change order")
        expected_low = scale_min
        for _, low, high in bands:
            if low != expected_low or high < low:
                raise DataFileError(f"{path}: stage_bands must cover {scale_min}..{scale_max} without gaps")
            expected_low = high + 1
        if expected_low != scale_max + 1:
            raise DataFileError(f"{path}: stage_bands must end at {scale_max}")
        note = " ".join(str(journey.get("stage_bands_source", "")).split())
    else:
        note = " ".join(str(journey.get("stage_bands_note", "not documented")).split())
    return WorkStarInstrument(
        edition=str(raw["edition"]),
        area_labels=areas,
        scale_min=scale_min,
        scale_max=scale_max,
        stages=stages,
        stage_bands=bands,
        stage_bands_note=note,
        attribution=str(raw["attribution"]),
    )


def load_workstar_instrument() -> WorkStarInstrument:
    """Load and validate ``data/instruments/workstar.yaml``.

    Returns
    -------
    WorkStarInstrument

    Raises
    ------
    DataFileError
        When the file is missing or malformed (stage bands, when given, must
        cover the scale in stage order without gaps).

    Examples
    --------
    >>> ws = load_workstar_instrument()
    >>> ws.area_labels["aspiration"], (ws.scale_min, ws.scale_max)
    ('Aspiration and motivation', (1, 10))
    >>> ws.stage_bands is None
    True
    """
    path = data_file("instruments", "workstar.yaml")
    if not path.is_file():
        raise DataFileError(f"instrument file not found: {path}")
    return _workstar_cached(str(path.resolve()), path.stat().st_mtime_ns)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _as_float_array(values, what: str) -> np.ndarray:
    """Numeric values as a float array with NaN for missing; ValueError otherwise.

    Text (even "21"), booleans and other objects are refused rather than
    coerced, so a mis-read column fails loudly.
    """
    if isinstance(values, pd.Series | pd.Index):
        values = pd.Series(values)
        if pd.api.types.is_bool_dtype(values):
            raise ValueError(f"{what}: boolean values are not scores")
        if pd.api.types.is_numeric_dtype(values):
            return values.to_numpy(dtype=float, na_value=np.nan)
        values = values.to_numpy(dtype=object)
    array = np.asarray(values)
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


def _check_confidence(confidence: float) -> None:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise ValueError(f"confidence must be a number strictly between 0 and 1, not {confidence!r}")


def _paired_t_interval(before: np.ndarray, after: np.ndarray, confidence: float, what: str):
    """Mean change (after - before) with its t-based interval (scipy.stats.ttest_rel)."""
    change = after - before
    if change.size < 2:
        raise ValueError(f"{what}: at least 2 complete pairs are needed for a confidence interval (got {change.size})")
    if np.all(change == change[0]):
        raise ValueError(
            f"{what}: every change equals {change[0]:g}; the t interval is undefined with zero variance"
        )
    result = sps.ttest_rel(after, before)
    interval = result.confidence_interval(confidence_level=confidence)
    return float(change.mean()), float(change.std(ddof=1)), float(interval.low), float(interval.high), result


def _wilson(count: int, nobs: int, confidence: float) -> tuple[float, float]:
    low, high = wilson_interval(count, nobs, alpha=1 - confidence)
    return float(low), float(high)


# --------------------------------------------------------------------------
# SWEMWBS
# --------------------------------------------------------------------------


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

    values = _as_float_array(raw_total, "raw_total")
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
        values = _as_float_array(items_frame[column], f"SWEMWBS item {column!r}")
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
                           norm_population: str | None = None) -> SwemwbsChangeSummary:
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

    Returns
    -------
    SwemwbsChangeSummary

    Raises
    ------
    ValueError
        With fewer than two complete pairs, when every change is identical
        (zero variance), for a non-positive threshold, an unknown norm or a
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
    _check_confidence(confidence)
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
    before_all = _as_float_array(scores["metric_before"], "metric_before")
    after_all = _as_float_array(scores["metric_after"], "metric_after")
    complete = ~np.isnan(before_all) & ~np.isnan(after_all)
    before, after = before_all[complete], after_all[complete]
    for name, values in (("metric_before", before), ("metric_after", after)):
        if ((values < spec.raw_min) | (values > spec.raw_max)).any():
            raise ValueError(f"{name} holds values outside the metric range {spec.raw_min}..{spec.raw_max}")
    mean_change, sd_change, low, high, ttest = _paired_t_interval(before, after, confidence, "SWEMWBS")
    n = int(before.size)
    change = after - before
    n_improved = int(np.sum(change >= threshold - _THRESHOLD_TOLERANCE))
    n_worsened = int(np.sum(change <= -threshold + _THRESHOLD_TOLERANCE))
    improved_ci = _wilson(n_improved, n, confidence)
    worsened_ci = _wilson(n_worsened, n, confidence)
    sd_before, sd_after = float(before.std(ddof=1)), float(after.std(ddof=1))
    if norm.sd is not None:
        standardiser, scale_before, scale_after = "population SD", norm.sd, norm.sd
    else:
        standardiser, scale_before, scale_after = "sample SD", sd_before, sd_after
    if scale_before == 0 or scale_after == 0:
        raise ValueError("a time point has zero spread; the standardised difference from the norm is undefined")
    diff_before = float(before.mean()) - norm.mean
    diff_after = float(after.mean()) - norm.mean
    return SwemwbsChangeSummary(
        n=n,
        mean_before=float(before.mean()),
        mean_after=float(after.mean()),
        sd_before=sd_before,
        sd_after=sd_after,
        mean_change=mean_change,
        sd_change=sd_change,
        change_ci_low=low,
        change_ci_high=high,
        t_statistic=float(ttest.statistic),
        t_pvalue=float(ttest.pvalue),
        confidence=float(confidence),
        threshold=float(threshold),
        n_improved=n_improved,
        share_improved=n_improved / n,
        improved_ci_low=improved_ci[0],
        improved_ci_high=improved_ci[1],
        n_worsened=n_worsened,
        share_worsened=n_worsened / n,
        worsened_ci_low=worsened_ci[0],
        worsened_ci_high=worsened_ci[1],
        norm_population=norm.population,
        norm_mean=norm.mean,
        norm_sd=norm.sd,
        difference_from_norm_before=diff_before,
        difference_from_norm_after=diff_after,
        standardised_difference_before=diff_before / scale_before,
        standardised_difference_after=diff_after / scale_after,
        standardiser=standardiser,
        standardiser_before=float(scale_before),
        standardiser_after=float(scale_after),
        threshold_source=spec.threshold_source,
        norm_source=spec.norm_source,
        attribution=spec.attribution,
    )


# --------------------------------------------------------------------------
# Work Star
# --------------------------------------------------------------------------


def workstar_summary(data: pd.DataFrame, areas: Sequence[str] | None = None, *,
                     confidence: float = 0.95) -> pd.DataFrame:
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
    _check_confidence(confidence)
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
        first_all = _as_float_array(data[first_col], first_col)
        last_all = _as_float_array(data[last_col], last_col)
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
        mean_change, _, low, high, _ = _paired_t_interval(first, last, confidence, what)
        try:
            test = wilcoxon_signed_rank(first, last)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from exc
        row = {
            "area": area,
            "label": instrument.area_labels[area],
            "n": int(first.size),
            "mean_first": float(first.mean()),
            "mean_last": float(last.mean()),
            "mean_change": mean_change,
            "change_ci_low": low,
            "change_ci_high": high,
            "wilcoxon_v": float(test.statistic),
            "wilcoxon_p": float(test.pvalue),
            "wilcoxon_z": None if test.zstatistic is None else float(test.zstatistic),
            "wilcoxon_n": int(test.n),
            "rank_biserial": float(test.rank_biserial),
        }
        if instrument.stage_bands is not None:
            moved_up = instrument.stage_index(last) > instrument.stage_index(first)
            n_up = int(moved_up.sum())
            row["n_up_one_stage"] = n_up
            row["share_up_one_stage"] = n_up / first.size
            row["up_ci_low"], row["up_ci_high"] = _wilson(n_up, int(first.size), confidence)
        rows.append(row)
    result = pd.DataFrame(rows)
    result.attrs["confidence"] = float(confidence)
    result.attrs["stage_bands_documented"] = instrument.stage_bands is not None
    result.attrs["stage_bands_note"] = instrument.stage_bands_note
    return result
