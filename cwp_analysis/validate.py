"""Validation of survey and Work Star files against the codebook.

Validation policy
-----------------
**Errors** make a file unusable: ``cwp validate`` exits with status 2 and
nothing is built from it.

* the file cannot be read (missing, damaged, unknown format, ragged rows,
  duplicate headers, too large, ...), or a column-mapping file is unusable;
* a codebook column is missing (every column is required; it may be empty);
* two columns are read as the same codebook column;
* a respondent identifier is empty (in a row holding answers) or duplicated;
* a code that is not in the codebook (``6`` on a 1-5 scale), or text that is
  neither a code nor a label of the question (``Very likly``);
* a value of the wrong type: a number that is not whole (``3.5``, ``2,5``).

**Warnings** leave the file usable: each is listed with the file, column,
row and value, the summary counts them, and the exit status is 0.

* one half of a before/after (or first/last) pair is answered and the other
  is empty: the analysis leaves that respondent out of the item's
  before/after comparison (pairs are dropped item by item);
* a respondent with an identifier and every answer empty (kept, in no
  item's counts); a row that is blank altogether, identifier included
  (ignored);
* an answer given where the skip logic (``depends_on`` in the codebook) says
  the question was skipped, e.g. ``children_live_with_mother`` answered after
  ``has_children`` = 0 (No): handled as the codebook's
  ``if_answered_when_skipped`` says, ``missing`` (the default: the answer
  is read as missing) or ``keep``;
* a column that is not in the codebook (ignored: its values are not read).

``strict=True`` (``cwp validate --strict``) turns warnings into errors.

Reading rules
-------------
* Column names are matched to the codebook ignoring case and surrounding
  blanks, or through a column-mapping file (:mod:`cwp_analysis.column_mapping`).
* A cell holds a code written as a whole number (``3``, not ``3.0``), or, for
  survey items, the code's label from the codebook (``Very likely``), in any
  letter case and with any blanks around it; codes and labels may be mixed.
  An empty cell is a missing answer.
* Rows are numbered as in the file: the header is row 1 and the first
  respondent row 2 (cases from 1 for SPSS and Stata files).
* Work Star readings are whole numbers from the codebook's scale minimum to
  maximum (1 to 10), identified by ``participant_id``.

The checks are vectorised: the distinct values of each column are
interpreted once, so 100,000 respondents validate in about a second.  The
same rules are stated as pandera schemas (:func:`survey_schemas`), which the
test suite checks against this validator.

Examples
--------
>>> import pandas as pd
>>> report = validate_survey(pd.DataFrame({"respondent_id": ["R1"]}), source="tiny.csv")
>>> report.ok, report.n_errors
(False, 76)
>>> print(report.errors[0][:73])
tiny.csv: column 'age_band' is missing; every codebook column must be pre
"""

from __future__ import annotations

import difflib
import re
from os import PathLike
from typing import NamedTuple

import numpy as np
import pandas as pd

from cwp_analysis.cells import (
    CODE,
    LABEL,
    MISSING,
    NOT_ALLOWED,
    UNKNOWN_LABEL,
    WRONG_TYPE,
    cell_text,
    factorized_text,
)
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.column_mapping import (
    ColumnMapping,
    ColumnMatch,
    fold_name,
    load_column_mapping,
    match_columns,
)
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.readers import read_table
from cwp_analysis.survey_layout import Layout, layout_for
from cwp_analysis.validation_report import (
    MAX_LISTED_PROBLEMS,
    Findings,
    ValidationReport,
)
from cwp_analysis.validation_schemas import (
    SchemaSet,
    rule_frame,
    survey_schemas,
    workstar_schemas,
)

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "ValidationReport",
    "CheckedTable",
    "SchemaSet",
    "rule_frame",
    "survey_schemas",
    "workstar_schemas",
    "detect_kind",
    "check_table",
    "validate_survey",
    "validate_workstar",
]

_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")
_DECIMAL_POINT = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_ID_ALLOWED = "a non-empty identifier, unique in the file"
_BAD = {NOT_ALLOWED: "not_allowed", WRONG_TYPE: "wrong_type", UNKNOWN_LABEL: "unknown_label"}
_ROWS_SHOWN = 5


class CheckedTable(NamedTuple):
    """A validated table: the report, and the typed frame when there is no error.

    Attributes
    ----------
    report : ValidationReport
    frame : pandas.DataFrame or None
        Identifier (``string``) then codes (nullable ``Int64``) in codebook
        order, blank rows dropped and skip-logic slips handled as the
        codebook says; None when the report has errors.
    """

    report: ValidationReport
    frame: pd.DataFrame | None


# --------------------------------------------------------------------------
# lines
# --------------------------------------------------------------------------


def _shown(value) -> str:
    text = "" if value is None else str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


def _number_hint(value: str) -> str:
    if _DECIMAL_COMMA.fullmatch(value):
        return " (a decimal comma: codes are whole numbers)"
    if _DECIMAL_POINT.fullmatch(value):
        return " (a decimal number: codes are whole numbers)"
    return ""


def _closest(name: str, candidates) -> str:
    match = difflib.get_close_matches(fold_name(name), [fold_name(c) for c in candidates], n=1, cutoff=0.75)
    if not match:
        return ""
    original = next(str(c) for c in candidates if fold_name(c) == match[0])
    return f"; did you mean {original!r}?"


class _Lines:
    """Writes one finding as one line (the ``formatter`` of :class:`Findings`)."""

    def __init__(self, source: str, layout: Layout, frame: pd.DataFrame, match: ColumnMatch,
                 mapping: ColumnMapping | None):
        self.source, self.layout, self.frame, self.match, self.mapping = source, layout, frame, match, mapping
        read = frame.attrs.get("read", {})
        self.offset = int(read.get("first_row", 2))
        self.word = "case" if read.get("format") in ("sav", "dta") else "row"

    def text(self, index: int, column: str) -> str | None:
        return cell_text(self.frame.iat[index, self.match.position(column)])

    def rows(self, rows: np.ndarray) -> str:
        numbers = np.sort(rows) + self.offset
        if len(numbers) == 1:
            return f"{self.word} {numbers[0]}"
        listed = ", ".join(str(n) for n in numbers[:_ROWS_SHOWN])
        more = f" and {len(numbers) - _ROWS_SHOWN} more" if len(numbers) > _ROWS_SHOWN else ""
        return f"{self.word}s {listed}{more}"

    def __call__(self, kind: str, column: str | None, index: int | None, rows: np.ndarray, detail: dict) -> str:
        return getattr(self, kind)(column, index, rows, **detail)

    # -- the file ---------------------------------------------------------

    def duplicate_column(self, column, index, rows, names):
        if len(set(names)) == 1:
            return f"{self.source}: duplicate column {names[0]!r}; every column name must appear once"
        how = " or through the column mapping" if self.mapping is not None else ""
        listed = " and ".join(repr(n) for n in names)
        return (
            f"{self.source}: columns {listed} are {'both' if len(names) == 2 else 'all'} read as codebook "
            f"column {column!r} (names are matched "
            f"ignoring case and surrounding blanks{how}); keep one"
        )

    def missing_column(self, column, index, rows):
        source = self.mapping.source_of(column) if self.mapping is not None else None
        if source is not None:
            hint = f"; the column mapping reads it from {source!r}, which the file does not have"
        else:
            hint = _closest(column, self.match.unknown)
        return (
            f"{self.source}: column {column!r} is missing; every codebook column must be present "
            f"(it may be empty){hint} (codebook {self.layout.version})"
        )

    def no_rows(self, column, index, rows, blank=False):
        why = " (every row is blank)" if blank else ""
        return f"{self.source}: no data rows{why}; expected one row per {self.layout.unit}"

    def unknown_column(self, column, index, rows):
        hint = _closest(column, self.match.missing)
        return f"{self.source}: column {column!r} is not in the codebook; ignored (its values are not read){hint}"

    # -- rows -------------------------------------------------------------

    def _where(self, column, index) -> str:
        return f"{self.source}: column {column}, {self.word} {index + self.offset}"

    def empty_id(self, column, index, rows):
        return f"{self._where(column, index)}: the identifier is empty; allowed: {_ID_ALLOWED}"

    def duplicate_id(self, column, index, rows, first):
        value = self.text(index, column)
        return (
            f"{self._where(column, index)}: value {_shown(value)} duplicates the id in {self.word} "
            f"{first[value] + self.offset}; allowed: {_ID_ALLOWED}"
        )

    def blank_row(self, column, index, rows):
        return f"{self.source}: {self.word} {index + self.offset}: the row is blank (no identifier, no answers); ignored"

    def no_answers(self, column, index, rows):
        return (
            f"{self._where(column, index)}: value {_shown(self.text(index, column))}: every answer is empty; "
            f"the {self.layout.unit} is kept and counts in no item"
        )

    def half_pair(self, column, index, rows, pair, other):
        return (
            f"{self._where(column, index)}: value {_shown(self.text(index, column))} is half of a {pair.noun}: "
            f"{other} is empty; the pair is left out of the item's before/after comparison"
        )

    def skip_slip(self, column, index, rows, routing):
        done = ("read as missing" if routing.handling == "missing" else "kept")
        return (
            f"{self._where(column, index)}: value {_shown(self.text(index, column))} answers a question the skip "
            f"logic skipped: {routing.parent} is {_shown(self.text(index, routing.parent))} and the question is "
            f"asked only when it is {routing.allowed_parent}; {done} "
            f"(codebook: if_answered_when_skipped: {routing.handling})"
        )

    # -- values (one line per column and value) ---------------------------

    def not_allowed(self, column, index, rows, value):
        return (f"{self.source}: column {column}, {self.rows(rows)}: value {_shown(value)} not allowed; "
                f"allowed: {self.layout.allowed_text(column)}")

    def wrong_type(self, column, index, rows, value):
        return (
            f"{self.source}: column {column}, {self.rows(rows)}: value {_shown(value)} is not a whole-number "
            f"code{_number_hint(value)}; allowed: {self.layout.allowed_text(column)}"
        )

    def unknown_label(self, column, index, rows, value):
        codes = self.layout.responses[column].codes
        labels = ", ".join(repr(label) for label in codes.values())
        return (
            f"{self.source}: column {column}, {self.rows(rows)}: value {_shown(value)} is neither a code nor a "
            f"label of this question; allowed labels: {labels} (any letter case), or their codes "
            f"{', '.join(str(c) for c in codes)}, or empty"
        )


# --------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------


def _check(
    frame: pd.DataFrame,
    layout: Layout,
    source: str,
    *,
    mapping: ColumnMapping | None,
    strict: bool,
    max_listed: int,
) -> CheckedTable:
    attrs = dict(frame.attrs)
    frame = frame.reset_index(drop=True)
    frame.attrs = attrs
    match = match_columns(list(frame.columns), layout.columns, mapping)
    lines = _Lines(source, layout, frame, match, mapping)
    positions = {target: i for i, target in enumerate(match.targets) if target is not None}
    positions.update({name: i for i, name in enumerate(match.names) if match.targets[i] is None})
    found = Findings(source, lines, positions, max_listed)
    actions = {"skip_slips_set_missing": 0, "skip_slips_kept": 0, "labels_read": 0, "blank_rows_ignored": 0,
               "columns_ignored": len(match.unknown)}

    def report(n_rows: int) -> ValidationReport:
        return ValidationReport(
            source, n_rows, frame.shape[1], found.lines("error"), found.lines("warning"),
            found.count("error"), found.count("warning"), kind=layout.kind, codebook_version=layout.version,
            strict=strict, error_counts=found.counts("error"), warning_counts=found.counts("warning"),
            actions={k: v for k, v in actions.items() if v}, read=dict(attrs.get("read", {})),
        )

    for target, names in match.duplicates.items():
        found.add("error", "duplicate_column", target, names=names)
    for column in match.missing:
        found.add("error", "missing_column", column)
    for name in match.unknown:
        found.add("warning", "unknown_column", name)
    if match.duplicates:
        return CheckedTable(report(len(frame)), None)
    if len(frame) == 0:
        found.add("error", "no_rows")
        return CheckedTable(report(0), None)

    n = len(frame)
    codes: dict[str, np.ndarray] = {}
    status: dict[str, np.ndarray] = {}
    answered_any = np.zeros(n, dtype=bool)
    for column in layout.code_columns:
        if column not in positions:
            continue
        where, texts = factorized_text(frame.iloc[:, positions[column]])
        unique_codes, unique_status = layout.responses[column].classify(texts)
        codes[column], status[column] = unique_codes[where], unique_status[where]
        answered_any |= status[column] != MISSING
        actions["labels_read"] += int((status[column] == LABEL).sum())
        for k in np.flatnonzero(np.isin(unique_status, list(_BAD))):
            found.add("error", _BAD[int(unique_status[k])], column, np.flatnonzero(where == k), grouped=True,
                      value=texts[k])

    blank = np.zeros(n, dtype=bool)  # without the identifier column (an error already) no row is called blank
    if layout.id_column in positions:
        where, texts = factorized_text(frame.iloc[:, positions[layout.id_column]])
        ids = np.array(texts, dtype=object)[where]
        empty = np.array([text is None for text in texts])[where]
        blank = empty & ~answered_any
        found.add("error", "empty_id", layout.id_column, np.flatnonzero(empty & answered_any))
        named = pd.Series(ids[~empty], index=np.flatnonzero(~empty))
        duplicated = named.duplicated(keep="first")
        if duplicated.any():
            repeated = named[named.isin(set(named[duplicated]))]
            firsts = repeated[~repeated.duplicated()]
            first = dict(zip(firsts.to_numpy(), firsts.index.to_numpy().tolist()))
            found.add("error", "duplicate_id", layout.id_column, named.index[duplicated.to_numpy()], first=first)
        found.add("warning", "no_answers", layout.id_column, np.flatnonzero(~empty & ~answered_any))
    if blank.all():
        found.add("error", "no_rows", blank=True)
        return CheckedTable(report(0), None)
    found.add("warning", "blank_row", None, np.flatnonzero(blank))
    actions["blank_rows_ignored"] = int(blank.sum())

    for pair in layout.pairs:
        if pair.first in status and pair.second in status:
            first, second = status[pair.first] != MISSING, status[pair.second] != MISSING
            found.add("warning", "half_pair", pair.first, np.flatnonzero(first & ~second), pair=pair, other=pair.second)
            found.add("warning", "half_pair", pair.second, np.flatnonzero(second & ~first), pair=pair, other=pair.first)

    for routing in layout.routings:
        if routing.parent not in status:
            continue
        parent_known = np.isin(status[routing.parent], (CODE, LABEL))
        skipped = parent_known & ~np.isin(codes[routing.parent], routing.codes)
        for column in routing.child_columns:
            if column not in status:
                continue
            slips = skipped & np.isin(status[column], (CODE, LABEL))
            found.add("warning", "skip_slip", column, np.flatnonzero(slips), routing=routing)
            if routing.handling == "missing":
                status[column] = np.where(slips, MISSING, status[column]).astype(np.int8)
                actions["skip_slips_set_missing"] += int(slips.sum())
            else:
                actions["skip_slips_kept"] += int(slips.sum())

    result = report(int(n - blank.sum()))
    if result.n_errors:
        return CheckedTable(result, None)
    keep = ~blank
    typed: dict[str, object] = {layout.id_column: pd.array(ids[keep], dtype="string")}
    for column in layout.code_columns:
        valid = np.isin(status[column][keep], (CODE, LABEL))
        typed[column] = pd.arrays.IntegerArray(codes[column][keep], ~valid)
    return CheckedTable(result, pd.DataFrame(typed))


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def detect_kind(columns, codebook: Codebook | None = None) -> str:
    """``"workstar"`` when the columns carry the Work Star identifier and not the survey's.

    Names are compared ignoring case and surrounding blanks.

    Examples
    --------
    >>> detect_kind(["participant_id", "ws_stability_first"])
    'workstar'
    >>> detect_kind([" Respondent_ID", "age_band"])
    'survey'
    """
    codebook = codebook or load_codebook()
    names = {fold_name(c) for c in columns}
    if fold_name(codebook.workstar.id_column) in names and fold_name(codebook.id_column) not in names:
        return "workstar"
    return "survey"


def check_table(
    table: pd.DataFrame,
    codebook: Codebook | None = None,
    *,
    kind: str = "survey",
    source: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
    max_listed: int = MAX_LISTED_PROBLEMS,
) -> CheckedTable:
    """Validate a table and, when it has no error, return its typed frame too (one pass).

    Parameters
    ----------
    table : pandas.DataFrame
        Raw text cells (:func:`cwp_analysis.readers.read_table`, whose
        ``attrs["read"]`` gives the row numbering) or any frame of codes.
    codebook : Codebook, optional
    kind : {"survey", "workstar"}
    source : str, optional
        Name used in the lines (default ``"<data frame>"``).
    columns : path-like, dict or ColumnMapping, optional
        Column mapping (:func:`cwp_analysis.column_mapping.load_column_mapping`).
    strict : bool, default False
        Warnings count as errors.
    max_listed : int, default 50
        Errors, and warnings, listed in full; the rest are counted.

    Returns
    -------
    CheckedTable
        ``(report, frame)``; ``frame`` is None when there are errors (under
        ``strict``, warnings do not remove the frame: the caller decides,
        with :meth:`ValidationReport.raise_if_invalid`).

    Raises
    ------
    ColumnMappingError
        When ``columns`` is an unusable mapping.
    """
    codebook = codebook or load_codebook()
    layout = layout_for(kind, codebook)
    mapping = None if columns is None else load_column_mapping(columns, codebook, kind=kind)
    return _check(table, layout, source or "<data frame>", mapping=mapping, strict=strict, max_listed=max_listed)


def _validate_source(
    frame_or_path, kind: str, codebook: Codebook | None, source: str | None, max_listed: int,
    encoding: str | None, sheet: str | None, columns, strict: bool,
) -> ValidationReport:
    codebook = codebook or load_codebook()
    layout = layout_for(kind, codebook)
    shown = source or ("<data frame>" if isinstance(frame_or_path, pd.DataFrame) else str(frame_or_path))

    def failed(error: SurveyValidationError, what: str) -> ValidationReport:
        return ValidationReport(shown, 0, 0, error.problems, n_errors=len(error.problems), kind=kind,
                                codebook_version=layout.version, strict=strict, error_counts={what: len(error.problems)})

    try:
        mapping = None if columns is None else load_column_mapping(columns, codebook, kind=kind)
    except SurveyValidationError as error:
        return failed(error, "column_mapping")
    if isinstance(frame_or_path, pd.DataFrame):
        frame = frame_or_path
    else:
        try:
            frame = read_table(frame_or_path, id_columns=(layout.id_column,), prefer_sheets=(kind,),
                               encoding=encoding, sheet=sheet)
        except SurveyValidationError as error:
            return failed(error, "unreadable")
    return _check(frame, layout, shown, mapping=mapping, strict=strict, max_listed=max_listed).report


def validate_survey(
    frame_or_path: pd.DataFrame | str | PathLike,
    codebook: Codebook | None = None,
    *,
    source: str | None = None,
    max_listed: int = MAX_LISTED_PROBLEMS,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
) -> ValidationReport:
    """Check a survey file or frame against the codebook (the policy is in the module docstring).

    Parameters
    ----------
    frame_or_path : pandas.DataFrame or path-like
        A frame (raw text cells from :func:`cwp_analysis.readers.read_table`,
        or typed codes) or the path of a file :func:`~cwp_analysis.readers.read_table`
        reads (``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.sav``, ``.dta``).
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    source : str, optional
        Name used in the lines (default: the path, or ``"<data frame>"``).
    max_listed : int, default 50
        Errors, and warnings, listed in full; the rest are counted.
    encoding, sheet : str, optional
        Passed to :func:`~cwp_analysis.readers.read_table` for a path.
    columns : path-like, dict or ColumnMapping, optional
        Column mapping from export columns to codebook columns.
    strict : bool, default False
        Warnings count as errors (``report.ok``, ``report.problems``).

    Returns
    -------
    ValidationReport
        ``ok`` is True when there is no error.  A file that cannot be read,
        or an unusable column mapping, gives a report with that error and
        zero rows: this function does not raise for bad input.

    Notes
    -----
    Lines quote the offending cell so that the owner of the data can find
    it; they are meant for the data owner's terminal, not for publication.
    :meth:`ValidationReport.as_dict` holds counts only.

    Examples
    --------
    >>> from cwp_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> row = {c: "" for c in cb.columns()}
    >>> row.update(respondent_id="R1", swemwbs_relaxed_before="3", swemwbs_relaxed_after="6")
    >>> report = validate_survey(pd.DataFrame([row]), cb, source="survey.csv")
    >>> print(report.errors[0])  # doctest: +NORMALIZE_WHITESPACE
    survey.csv: column swemwbs_relaxed_after, row 2: value '6' not allowed;
    allowed: 1 (None of the time), 2 (Rarely), 3 (Some of the time), 4 (Often),
    5 (All of the time), or empty
    >>> row.update(swemwbs_relaxed_after=" often ", swemwbs_mind_before="2")
    >>> report = validate_survey(pd.DataFrame([row]), cb, source="survey.csv")
    >>> report.ok, report.warning_counts
    (True, {'half_pair': 1})
    >>> print(report.warnings[0])  # doctest: +NORMALIZE_WHITESPACE
    survey.csv: column swemwbs_mind_before, row 2: value '2' is half of a before/after pair:
    swemwbs_mind_after is empty; the pair is left out of the item's before/after comparison
    """
    return _validate_source(frame_or_path, "survey", codebook, source, max_listed, encoding, sheet, columns, strict)


def validate_workstar(
    frame_or_path: pd.DataFrame | str | PathLike,
    codebook: Codebook | None = None,
    *,
    source: str | None = None,
    max_listed: int = MAX_LISTED_PROBLEMS,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
) -> ValidationReport:
    """Check a Work Star file or frame against the codebook's Work Star section.

    Parameters and result as for :func:`validate_survey`.  The file holds
    ``participant_id`` and, per outcome area, ``ws_<area>_first`` and
    ``ws_<area>_last``: whole numbers within the scale (1 to 10); a reading
    without its partner is a warning.
    """
    return _validate_source(frame_or_path, "workstar", codebook, source, max_listed, encoding, sheet, columns, strict)
