"""Statistical disclosure control for every table the project publishes.

The survey respondents are women supported after violence; a count of one
to seven women in a cell of a small table can identify someone.  Every table
a notebook or the book publishes therefore goes through :func:`disclose`,
which

1. refuses respondent-level frames and free text outright
   (:func:`refuse_respondent_level`);
2. suppresses small counts (primary suppression): counts from 1 to
   ``threshold`` (default 7) are replaced by a marker (default ``"[c]"``);
3. suppresses further cells (secondary, or complementary, suppression) so
   that no suppressed count can be worked out by subtraction from the
   totals of its row or column;
4. withholds derived statistics (percentages, means, intervals) computed
   from a suppressed count.

:func:`check_disclosure` is the matching audit: it raises
:class:`DisclosureError` when a table would publish a small count.

Conventions
-----------
* Zero is not suppressed: "nobody" identifies no individual, and NHS
  Digital's rule replaces values between 1 and 7.  (OpenSAFELY's wording,
  "counts <= 7", does not carve out zero; a table bound for OpenSAFELY
  release should be checked against its current output rules.)
* Missing cells (NaN/None) are left as they are and are never used as
  complementary cells.
* Totals are rows and columns whose label is "Total", "All" or
  "Grand total" (any case), unless ``total_rows`` / ``total_columns`` say
  otherwise.  Totals are part of the lines they close and are suppressed
  themselves when nothing else can protect a line.

Examples
--------
>>> t = pd.DataFrame({"n": [5, 30, 40]}, index=["a", "b", "c"])
>>> disclose(t).table["n"].tolist()
['[c]', '[c]', 40]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.errors import CwpError

__all__ = [
    "DisclosureError",
    "DisclosedTable",
    "disclose",
    "check_disclosure",
    "refuse_respondent_level",
    "DEFAULT_THRESHOLD",
    "DEFAULT_MARKER",
    "TOTAL_LABELS",
    "IDENTIFIER_COLUMNS",
    "MAX_AGGREGATE_ROWS",
    "MAX_LABEL_LENGTH",
]

#: Largest count suppressed by default (counts 1..7), after NHS Digital and OpenSAFELY.
DEFAULT_THRESHOLD = 7
#: Marker for a withheld value; the UK official-statistics shorthand for "confidential".
DEFAULT_MARKER = "[c]"
#: Row/column labels recognised as totals (compared case-insensitively).
TOTAL_LABELS = frozenset({"total", "all", "grand total"})
#: Column or index names that mark a frame as respondent-level.
IDENTIFIER_COLUMNS = frozenset({
    "respondent_id", "participant_id", "person_id", "patient_id", "client_id",
    "user_id", "nhs_number", "name", "full_name", "email", "postcode", "date_of_birth",
})
#: More rows than this and a frame is treated as respondent-level (the survey has 68 respondents).
MAX_AGGREGATE_ROWS = 50
#: A text cell longer than this is treated as free text (the longest item label is about 60 characters).
MAX_LABEL_LENGTH = 120


class DisclosureError(CwpError):
    """A table is not fit to publish (small counts, respondent-level rows or free text)."""


@dataclass(frozen=True, eq=False)
class DisclosedTable:
    """A table after disclosure control.

    Attributes
    ----------
    table : pandas.DataFrame
        The publishable table: count and derived columns are of object
        dtype, withheld cells hold ``marker``; every other value is
        unchanged.
    suppressed : pandas.DataFrame
        Boolean mask, same shape as ``table``: True where a value is
        withheld (primary, secondary or derived).
    primary : pandas.DataFrame
        Boolean mask of the primary suppressions (and of cells that already
        held the marker on input).
    n_primary, n_secondary, n_derived : int
        Numbers of count cells suppressed as small (or already marked),
        count cells suppressed to protect them, and derived cells withheld.
    threshold : int
    marker : str
    unprotected : tuple of str
        Lines (rows/columns) holding a single suppressed cell for which no
        complementary cell existed (all other cells missing).  Empty in
        normal use; anything listed here needs a human decision.
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    n_primary: int
    n_secondary: int
    n_derived: int
    threshold: int
    marker: str
    unprotected: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Guards
# --------------------------------------------------------------------------


def refuse_respondent_level(table: pd.DataFrame, *, max_rows: int = MAX_AGGREGATE_ROWS,
                            max_text_length: int = MAX_LABEL_LENGTH) -> None:
    """Refuse frames that look like respondent-level data or hold free text.

    Parameters
    ----------
    table : pandas.DataFrame
    max_rows : int, default 50
        A published table of this study is an aggregate with at most a few
        dozen rows; a frame with more rows is treated as respondent-level.
    max_text_length : int, default 120
        Any text cell (or index label) longer than this is treated as free
        text, which is never published.

    Raises
    ------
    DisclosureError
        If a column or index level is named like an identifier
        (:data:`IDENTIFIER_COLUMNS`, case-insensitive), if the frame has
        more than ``max_rows`` rows, or if it holds a string longer than
        ``max_text_length``.

    Notes
    -----
    These are heuristics, deliberately blunt: they stop the most likely
    accidents (publishing the survey frame, a frame of per-person scores
    indexed by respondent, or interview quotes) without claiming to detect
    every disclosive table.
    """
    if not isinstance(table, pd.DataFrame):
        raise DisclosureError("only pandas DataFrames can be published through disclosure control")
    names = [str(c) for c in table.columns] + [str(n) for n in table.index.names if n is not None]
    identifiers = sorted({n for n in names if n.strip().lower() in IDENTIFIER_COLUMNS})
    if identifiers:
        raise DisclosureError(
            f"refusing a respondent-level table: it has identifier column(s) {', '.join(identifiers)}"
        )
    if len(table) > max_rows:
        raise DisclosureError(
            f"refusing a table with {len(table)} rows (more than {max_rows}): it looks respondent-level; "
            "publish an aggregate"
        )
    text_frames = [("index", pd.Series(table.index.to_flat_index().map(str), dtype=object))]
    for column in table.columns:
        series = table[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text_frames.append((f"column {column!r}", series))
    for where, series in text_frames:
        lengths = series.map(lambda v: len(v) if isinstance(v, str) else 0)
        if (lengths > max_text_length).any():
            raise DisclosureError(
                f"refusing free text: {where} holds a string of {int(lengths.max())} characters "
                f"(longer than {max_text_length})"
            )


# --------------------------------------------------------------------------
# Parsing the count block
# --------------------------------------------------------------------------


def _is_whole_number(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _auto_count_columns(table: pd.DataFrame, marker: str, exclude: set) -> list:
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
            present = [v for v in series if not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))]
            if present and all(_is_whole_number(v) or v == marker for v in present) and any(
                _is_whole_number(v) for v in present
            ):
                columns.append(column)
    return columns


def _parse_counts(table: pd.DataFrame, columns: list, marker: str):
    """Return (values, missing, marked) arrays for the count block; ValueError on bad cells."""
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
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                continue
            if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
                raise ValueError(f"count column {column!r}, row {table.index[i]!r}: {value!r} is not a count")
            if value < 0 or value != np.floor(value) or not np.isfinite(value):
                raise ValueError(
                    f"count column {column!r}, row {table.index[i]!r}: {value!r} is not a non-negative whole number"
                )
            values[i, j] = float(value)
    missing = np.isnan(values) & ~marked
    return values, missing, marked


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


# --------------------------------------------------------------------------
# Secondary suppression
# --------------------------------------------------------------------------


def _lines(n_rows: int, n_cols: int, mode: str, total_row: np.ndarray, total_col: np.ndarray):
    """Yield (name, cells, is_total) for every additive line with at least two cells."""
    if mode in ("both", "rows") and n_cols >= 2:
        for i in range(n_rows):
            yield ("row", i), [(i, j) for j in range(n_cols)], total_col.copy()
    if mode in ("both", "columns") and n_rows >= 2:
        for j in range(n_cols):
            yield ("column", j), [(i, j) for i in range(n_rows)], total_row.copy()


def _complement(cells, is_total, values, suppressed):
    """Choose the cell that protects a line holding one suppressed cell."""
    free = [(k, cell) for k, cell in enumerate(cells)
            if not suppressed[cell] and not np.isnan(values[cell])]
    tiers = (
        [(values[c], k, c) for k, c in free if not is_total[k] and values[c] > 0],
        [(values[c], k, c) for k, c in free if is_total[k]],
        [(values[c], k, c) for k, c in free if not is_total[k] and values[c] == 0],
    )
    for tier in tiers:
        if tier:
            return min(tier)[2]
    return None


def _secondary(values, suppressed, mode, total_row, total_col):
    suppressed = suppressed.copy()
    lines = list(_lines(*values.shape, mode, total_row, total_col))
    unprotected = set()
    changed = True
    while changed:
        changed = False
        for name, cells, is_total in lines:
            if sum(suppressed[c] for c in cells) != 1:
                continue
            cell = _complement(cells, is_total, values, suppressed)
            if cell is None:
                unprotected.add(name)
                continue
            suppressed[cell] = True
            changed = True
    unprotected = {name for name, cells, _ in lines
                   if name in unprotected and sum(suppressed[c] for c in cells) == 1}
    return suppressed, unprotected


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _validate_common(threshold, marker):
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    if not isinstance(marker, str) or not marker.strip():
        raise ValueError("marker must be a non-empty string")
    try:
        float(marker)
    except ValueError:
        return
    raise ValueError(f"marker {marker!r} looks like a number; use a symbol such as '[c]'")


def _secondary_mode(secondary) -> str:
    if secondary is True:
        return "both"
    if secondary is False:
        return "none"
    if secondary in ("both", "rows", "columns"):
        return secondary
    raise ValueError(f"secondary must be True, False, 'both', 'rows' or 'columns', not {secondary!r}")


def _normalise_derived(derived_columns, table) -> dict:
    if derived_columns is None:
        return {}
    if not isinstance(derived_columns, Mapping):
        raise ValueError("derived_columns must map each derived column to its source count column(s)")
    derived = {}
    for column, sources in derived_columns.items():
        if column not in table.columns:
            raise ValueError(f"derived column {column!r} is not in the table")
        sources = [sources] if isinstance(sources, Hashable) and not isinstance(sources, tuple | list) else list(sources)
        if not sources:
            raise ValueError(f"derived column {column!r} needs at least one source count column")
        derived[column] = sources
    return derived


def disclose(table: pd.DataFrame, *, count_columns: Sequence | None = None,
             threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER,
             secondary: bool | str = True, derived_columns: Mapping | None = None,
             total_rows: Sequence | None = None,
             total_columns: Sequence | None = None) -> DisclosedTable:
    """Apply primary and secondary suppression to a table before publication.

    Parameters
    ----------
    table : pandas.DataFrame
        An aggregate table: labels in the index or in text columns, counts
        in count columns, optionally derived statistics and total
        rows/columns.  Index and column labels must be unique.
    count_columns : sequence, optional
        Columns holding counts of people.  Default: every column of integer
        dtype, or of object dtype holding only whole numbers and
        ``marker`` (so a disclosed table can be disclosed again), except
        derived columns.  Float columns are never taken as counts unless
        named here.
    threshold : int, default 7
        Counts from 1 to ``threshold`` are suppressed.
    marker : str, default "[c]"
        Shown in place of a withheld value.
    secondary : bool or {"both", "rows", "columns"}, default True
        Which lines are additive, i.e. have a total that is published or
        known (such as the number of respondents).  True means ``"both"``:
        every row and every column of the count block.  Use ``"columns"``
        when the columns are separate distributions (for example counts
        before and after for one item, each adding to the number
        answering) and ``"rows"`` for the transpose.  False turns secondary
        suppression off.  Lines of a single cell are never additive.
    derived_columns : mapping, optional
        ``{derived column: source count column or list of them}``.  A
        derived value (percentage, mean, interval bound) is withheld in
        every row where one of its sources is suppressed.
    total_rows, total_columns : sequence, optional
        Labels of the total rows / total columns.  Default: labels equal
        to "Total", "All" or "Grand total" (case-insensitive; for a
        MultiIndex, any level).  Pass ``[]`` to declare that there are
        none.

    Returns
    -------
    DisclosedTable

    Raises
    ------
    DisclosureError
        For a respondent-level frame or free text
        (:func:`refuse_respondent_level`).
    ValueError
        For a count that is not a non-negative whole number, unknown
        columns, a bad threshold or marker, or a table without count
        columns.

    Notes
    -----
    **Primary suppression.**  Counts in 1..``threshold`` (including totals)
    are suppressed; zero is not (NHS Digital's convention).  The default of
    7 follows NHS Digital's
    disclosure control method for Hospital Episode Statistics (values
    between 1 and 7 shown as "*") and OpenSAFELY's rule that outputs based
    on counts of 7 or fewer are redacted [1]_ [2]_.

    **Secondary suppression** uses the classic line rule [3]_: every
    additive line (row or column of the count block, including its total
    cell) that holds a suppressed cell must hold at least two, otherwise
    the lone cell equals the line total minus the published cells.  For a
    line with exactly one suppressed cell the function suppresses, in
    order of preference, the smallest non-zero non-total cell, else the
    smallest total cell of the line, else a zero cell (a suppressed zero
    adds nothing to the hidden sum, so it protects least).  Ties go to the
    first cell in table order.  Each new suppression can break another
    line, so the rule is applied repeatedly until nothing changes (a
    fixpoint; it terminates because suppressions are only ever added).
    This is the standard heuristic, not an optimal or audited pattern:
    it does not solve the linear-programming attacks that tools such as
    tau-Argus guard against, which small published tables of this study
    do not warrant.

    **Derived values** follow their sources (NHS Digital withholds a mean
    computed from 1 to 7 values for the same reason).

    The function never changes a published number: totals are not
    recomputed, so they remain the true totals.

    **Idempotence.**  Cells already holding ``marker`` count as suppressed
    (and are reported as primary), so disclosing a disclosed table returns
    the same table.

    References
    ----------
    .. [1] NHS Digital. Disclosure control methodology for Hospital Episode
       Statistics (HES) and Emergency Care Data Set (ECDS), September 2018.
       https://digital.nhs.uk/data-and-information/data-tools-and-services/data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-and-ecds-from-september-2018
    .. [2] OpenSAFELY documentation. Applying statistical disclosure
       control. https://docs.opensafely.org/outputs/sdc/
    .. [3] Hundepool A, Domingo-Ferrer J, Franconi L, Giessing S, Schulte
       Nordholt E, Spicer K, de Wolf P-P (2012). Statistical Disclosure
       Control. Chichester: Wiley, chapter 4 (magnitude and frequency
       tables, secondary cell suppression).
    .. [4] Government Analysis Function. Symbols in tables: definitions and
       help ("[c]" for confidential).

    Examples
    --------
    >>> t = pd.DataFrame({"A": [5, 12, 17], "B": [20, 15, 35]},
    ...                  index=["r1", "r2", "Total"])
    >>> d = disclose(t)
    >>> d.table.loc["r1"].tolist(), d.table.loc["r2"].tolist(), (d.n_primary, d.n_secondary)
    (['[c]', '[c]'], ['[c]', '[c]'], (1, 3))
    """
    _validate_common(threshold, marker)
    mode = _secondary_mode(secondary)
    if not isinstance(table, pd.DataFrame):
        raise DisclosureError("only pandas DataFrames can be published through disclosure control")
    if not table.index.is_unique or not table.columns.is_unique:
        raise ValueError("table index and column labels must be unique")
    refuse_respondent_level(table)
    derived = _normalise_derived(derived_columns, table)
    if count_columns is None:
        counts = _auto_count_columns(table, marker, set(derived))
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

    values, _missing, marked = _parse_counts(table, counts, marker)
    total_row = _resolve_totals(table.index, total_rows, "total_rows")
    total_col = _resolve_totals(pd.Index(counts), total_columns, "total_columns")
    if total_columns is not None:
        stray = [c for c in total_columns if c not in counts]
        if stray:
            raise ValueError(f"total_columns {stray} must be count columns")

    primary = marked | ((values >= 1) & (values <= threshold))
    if mode == "none":
        suppressed, unprotected = primary.copy(), set()
    else:
        suppressed, unprotected = _secondary(values, primary, mode, total_row, total_col)

    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    primary_mask = mask.copy()
    for j, column in enumerate(counts):
        mask[column] = suppressed[:, j]
        primary_mask[column] = primary[:, j]
    n_derived = 0
    for column, sources in derived.items():
        withheld = np.zeros(len(table), dtype=bool)
        for source in sources:
            withheld |= suppressed[:, counts.index(source)]
        already = np.array([v == marker if isinstance(v, str) else False for v in table[column]])
        n_derived += int((withheld & ~already).sum())
        mask[column] = withheld | already

    out = table.copy()
    for column in list(counts) + list(derived):
        out[column] = out[column].astype(object)
        out.loc[mask[column].to_numpy(), column] = marker
    names = {("row", i): f"row {table.index[i]!r}" for i in range(len(table))}
    names |= {("column", j): f"column {counts[j]!r}" for j in range(len(counts))}
    return DisclosedTable(
        table=out,
        suppressed=mask,
        primary=primary_mask,
        n_primary=int(primary.sum()),
        n_secondary=int((suppressed & ~primary).sum()),
        n_derived=n_derived,
        threshold=int(threshold),
        marker=marker,
        unprotected=tuple(sorted(names[u] for u in unprotected)),
    )


def check_disclosure(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, *,
                     count_columns: Sequence | None = None, marker: str = DEFAULT_MARKER,
                     secondary: bool | str = True, total_rows: Sequence | None = None,
                     total_columns: Sequence | None = None) -> None:
    """Audit a table about to be published; raise if it discloses.

    Parameters
    ----------
    table : pandas.DataFrame
        Typically ``disclose(...).table``.
    threshold : int, default 7
    count_columns, marker, secondary, total_rows, total_columns
        As for :func:`disclose`; count columns are detected the same way
        (integer columns, or object columns of whole numbers and markers).

    Raises
    ------
    DisclosureError
        If the frame is respondent-level or holds free text, if a count
        from 1 to ``threshold`` is shown, or if an additive line (see
        ``secondary``) holds exactly one marker, so that the hidden value
        could be recovered from the line's total.
    ValueError
        For malformed counts or arguments.

    Examples
    --------
    >>> check_disclosure(pd.DataFrame({"n": [3, 40]}))
    Traceback (most recent call last):
    ...
    cwp_analysis.disclosure.DisclosureError: unsuppressed small count(s) (1..7): row 0, column 'n' = 3
    """
    _validate_common(threshold, marker)
    mode = _secondary_mode(secondary)
    refuse_respondent_level(table)
    counts = _auto_count_columns(table, marker, set()) if count_columns is None else list(count_columns)
    unknown = [c for c in counts if c not in table.columns]
    if unknown:
        raise ValueError(f"count column(s) not in the table: {unknown}")
    if not counts:
        return
    values, _missing, marked = _parse_counts(table, counts, marker)
    small = (values >= 1) & (values <= threshold)
    if small.any():
        found = [f"row {table.index[i]!r}, column {counts[j]!r} = {int(values[i, j])}"
                 for i, j in zip(*np.nonzero(small))]
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise DisclosureError(f"unsuppressed small count(s) (1..{threshold}): {'; '.join(found[:3])}{more}")
    if mode != "none":
        total_row = _resolve_totals(table.index, total_rows, "total_rows")
        total_col = _resolve_totals(pd.Index(counts), total_columns, "total_columns")
        for name, cells, _ in _lines(*values.shape, mode, total_row, total_col):
            hidden = [c for c in cells if marked[c]]
            shown = [c for c in cells if not marked[c] and not np.isnan(values[c])]
            if len(hidden) == 1 and shown:
                i, j = hidden[0]
                where = f"row {table.index[i]!r}" if name[0] == "row" else f"column {counts[j]!r}"
                raise DisclosureError(
                    f"{where} has a single suppressed cell (row {table.index[i]!r}, column {counts[j]!r}); "
                    "it can be recovered from the line total"
                )
