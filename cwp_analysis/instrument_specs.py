"""The instruments' facts, read from ``data/instruments/`` and validated.

Everything the scoring of the standardised instruments rests on is data,
with provenance in ``data/instruments/README.md``: the SWEMWBS raw-to-metric
conversion table, item ids, attribution, the individual meaningful-change
threshold and the population norms (``swemwbs.yaml``), and the Work Star
outcome areas, scale and Journey of Change (``workstar.yaml``).  This module
loads them into small frozen objects; :mod:`cwp_analysis.swemwbs` and
:mod:`cwp_analysis.workstar` score with them, and :mod:`cwp_analysis.instruments`
re-exports everything.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "PopulationNorm",
    "SwemwbsSpec",
    "WorkStarInstrument",
    "load_swemwbs_spec",
    "load_workstar_instrument",
]


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

