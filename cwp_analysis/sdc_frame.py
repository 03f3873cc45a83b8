"""Reading a table's counts, totals and arguments for disclosure control.

Helpers of :func:`cwp_analysis.disclosure.disclose` and
:func:`cwp_analysis.disclosure.check_disclosure`: which columns hold counts,
the count block as numbers, which rows and columns are totals, and the
validation of the shared arguments.  Every error is a one-line
``ValueError``.

Examples
--------
>>> t = pd.DataFrame({"label": ["a", "b"], "n": [3, 40]})
>>> auto_count_columns(t, "[c]", set())
['n']
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from cwp_analysis.sdc_lines import CountBlock

__all__ = [
    "DERIVED_WORDS",
    "TOTAL_LABELS",
    "auto_count_columns",
    "complement_positions",
    "count_block",
    "derived_withheld",
    "is_missing",
    "normalise_derived",
    "resolve_count_columns",
    "secondary_mode",
    "validate_threshold_marker",
]

#: Row/column labels recognised as totals (compared case-insensitively).
TOTAL_LABELS = frozenset({"total", "all", "grand total"})


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value))


def _is_whole_number(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


#: Words of a column name that mark a derived statistic (never taken as counts when wholly withheld).
DERIVED_WORDS = frozenset({"%", "percent", "percentage", "pct", "share", "proportion", "ci", "interval", "mean",
                           "median", "sd", "p", "r", "estimate", "change", "score", "rate", "ratio"})


def auto_count_columns(table: pd.DataFrame, marker: str, exclude: set) -> list:
    """Integer columns, and object columns of whole numbers and markers, except ``exclude``.

    A column holding nothing but markers counts too (a wholly withheld
    count column, such as a total column of small counts), unless its name
    marks a derived statistic (:data:`DERIVED_WORDS`).

    >>> t = pd.DataFrame({"A": ["[c]", "[c]"], "%": ["[c]", "[c]"], "B": [0, 9]})
    >>> auto_count_columns(t, "[c]", set())
    ['A', 'B']
    """
    columns = []
    for column in table.columns:
        if column in exclude:
            continue
        series = table[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_integer_dtype(series):
            columns.append(column)
        elif pd.api.types.is_object_dtype(series):
            present = [v for v in series if not is_missing(v)]
            if not present or not all(_is_whole_number(v) or v == marker for v in present):
                continue
            numbers = any(_is_whole_number(v) for v in present)
            derived = DERIVED_WORDS & set(re.findall(r"%|[a-z0-9]+", str(column).lower()))
            if numbers or not derived:
                columns.append(column)
    return columns


def _parse_counts(table: pd.DataFrame, columns: list, marker: str):
    """Return (values, marked) arrays for the count block; ValueError on bad cells."""
    shape = (len(table), len(columns))
    values = np.full(shape, np.nan)
    marked = np.zeros(shape, dtype=bool)
    for j, column in enumerate(columns):
        for i, value in enumerate(table[column].tolist()):
            if isinstance(value, str):
                if value == marker:
                    marked[i, j] = True
                    continue
                raise ValueError(f"count column {column!r}, row {table.index[i]!r}: text {value!r} is not a count")
            if is_missing(value):
                continue
            if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
                raise ValueError(f"count column {column!r}, row {table.index[i]!r}: {value!r} is not a count")
            if value < 0 or value != np.floor(value) or not np.isfinite(value):
                raise ValueError(
                    f"count column {column!r}, row {table.index[i]!r}: {value!r} is not a non-negative whole number"
                )
            values[i, j] = float(value)
    return values, marked


def _label_is_total(label) -> bool:
    parts = label if isinstance(label, tuple) else (label,)
    return any(isinstance(p, str) and p.strip().lower() in TOTAL_LABELS for p in parts)


def _resolve_totals(labels: pd.Index, declared, what: str) -> np.ndarray:
    if declared is None:
        return np.array([_label_is_total(label) for label in labels], dtype=bool)
    declared = list(declared)
    unknown = [d for d in declared if d not in labels]
    if unknown:
        raise ValueError(f"{what} not in the table: {unknown}")
    return np.array([label in declared for label in labels], dtype=bool)


def count_block(table: pd.DataFrame, counts: list, marker: str, *, total_rows: Sequence | None = None,
                total_columns: Sequence | None = None, name: Hashable = None) -> CountBlock:
    """The count block of ``table`` (columns ``counts``) with its total rows and columns."""
    if total_columns is not None:
        stray = [c for c in total_columns if c not in counts]
        if stray:
            raise ValueError(f"total_columns {stray} must be count columns")
    values, marked = _parse_counts(table, counts, marker)
    return CountBlock(
        values=values,
        marked=marked,
        rows=tuple(table.index),
        columns=tuple(counts),
        total_rows=_resolve_totals(table.index, total_rows, "total_rows"),
        total_columns=_resolve_totals(pd.Index(counts), total_columns, "total_columns"),
        table=name,
    )


def validate_threshold_marker(threshold, marker) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    if not isinstance(marker, str) or not marker.strip():
        raise ValueError("marker must be a non-empty string")
    try:
        float(marker)
    except ValueError:
        return
    raise ValueError(f"marker {marker!r} looks like a number; use a symbol such as '[c]'")


def secondary_mode(secondary) -> str:
    """``secondary`` as one of "both", "rows", "columns", "none"."""
    if secondary is True:
        return "both"
    if secondary is False:
        return "none"
    if secondary in ("both", "rows", "columns"):
        return secondary
    raise ValueError(f"secondary must be True, False, 'both', 'rows' or 'columns', not {secondary!r}")


def normalise_derived(derived_columns, table) -> dict:
    """``{derived column: [source count columns]}``, checked against the table."""
    if derived_columns is None:
        return {}
    if not isinstance(derived_columns, Mapping):
        raise ValueError("derived_columns must map each derived column to its source count column(s)")
    derived = {}
    for column, sources in derived_columns.items():
        if column not in table.columns:
            raise ValueError(f"derived column {column!r} is not in the table")
        single = isinstance(sources, Hashable) and not isinstance(sources, tuple | list)
        sources = [sources] if single else list(sources)
        if not sources:
            raise ValueError(f"derived column {column!r} needs at least one source count column")
        derived[column] = sources
    return derived


def resolve_count_columns(table: pd.DataFrame, count_columns, marker: str, derived: Mapping) -> list:
    """The count columns: as given (checked), or detected."""
    if count_columns is None:
        counts = auto_count_columns(table, marker, set(derived))
        if not counts:
            raise ValueError("no count columns found (integer columns); name them with count_columns")
    else:
        counts = list(count_columns)
        unknown = [c for c in counts if c not in table.columns]
        if unknown:
            raise ValueError(f"count column(s) not in the table: {unknown}")
        if not counts:
            raise ValueError("count_columns is empty; nothing would be protected")
    overlap = [c for c in derived if c in counts]
    if overlap:
        raise ValueError(f"column(s) {overlap} cannot be both counts and derived")
    for column, sources in derived.items():
        strays = [s for s in sources if s not in counts]
        if strays:
            raise ValueError(f"derived column {column!r}: source(s) {strays} are not count columns")
    return counts


def complement_positions(complements, counts: list) -> list:
    """``{count column: base column}`` as ``(count position, base position)`` pairs."""
    if complements is None:
        return []
    if not isinstance(complements, Mapping):
        raise ValueError("complements must map each count column to the column holding its base")
    positions = []
    for count, base in complements.items():
        stray = [c for c in (count, base) if c not in counts]
        if stray:
            raise ValueError(f"complements: column(s) {stray} are not count columns")
        positions.append((counts.index(count), counts.index(base)))
    return positions


def derived_withheld(table: pd.DataFrame, derived: Mapping, counts: list, suppressed: np.ndarray,
                     marker: str) -> tuple[dict, int]:
    """Which derived cells to withhold: wherever a source count is withheld, or already marked.

    Returns ``({derived column: boolean array}, number newly withheld)``.
    """
    masks, newly = {}, 0
    for column, sources in derived.items():
        hidden = np.zeros(len(table), dtype=bool)
        for source in sources:
            hidden |= suppressed[:, counts.index(source)]
        already = np.array([v == marker if isinstance(v, str) else False for v in table[column]], dtype=bool)
        newly += int((hidden & ~already).sum())
        masks[column] = hidden | already
    return masks, newly
