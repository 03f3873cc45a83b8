"""Validation of survey and Work Star files against the codebook.

The rules are not written by hand: pandera schemas are built from the
codebook (:func:`survey_schemas`, :func:`workstar_schemas`; see
:class:`SchemaSet`), run in lazy mode so every violation is collected, and
pandera's failure cases are translated into one self-contained line per
problem naming the file, the column, the row, the offending value and what
is allowed, for example::

    survey.csv: column swemwbs_relaxed_after, row 14: value '6' not allowed;
    allowed: 1 (None of the time), 2 (Rarely), 3 (Some of the time),
    4 (Often), 5 (All of the time), or empty

(one line in practice).

Rules for a survey file
-----------------------
* Columns: exactly the codebook's columns, in any order; every one must be
  present, even when empty (``strict``), and none may appear twice.
* Cells hold integer codes written as whole numbers (``3``, not ``3.0`` or
  ``3,0``); an empty cell is a missing answer.  Blanks around a value are
  ignored.
* Codes are in the variable's response scale (``Check.isin``).
* ``respondent_id`` is non-empty and unique.
* Paired items: ``<id>_before`` and ``<id>_after`` are both answered or both
  empty in every row.
* Routing (``depends_on`` in the codebook): an item asked only of some
  respondents must be empty when the routing question was answered with
  another code.  ``children_live_with_mother`` depends on ``has_children``
  being 1 (Yes), so it must be empty for a respondent who answered 0 (No).
  When the routing answer itself is missing the item is not checked.
* No row is entirely empty (an empty row is reported once and not checked
  further), and there is at least one data row.

A Work Star file follows the same rules with ``participant_id`` as its
identifier and readings that are whole numbers from the codebook's scale
minimum to maximum (1 to 10), first and last reading both present or both
missing.

Row numbers are spreadsheet row numbers: the header is row 1 and the first
respondent is row 2 (frame index ``i`` is row ``i + 2``).

Examples
--------
>>> import pandas as pd
>>> report = validate_survey(pd.DataFrame({"respondent_id": ["R1"]}), source="tiny.csv")
>>> report.ok, report.n_problems
(False, 76)
>>> print(report.problems[0][:73])
tiny.csv: column 'age_band' is missing; every codebook column must be pre
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from os import PathLike
from typing import NamedTuple

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.survey_io import parse_codes, read_table, text_cells

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "ValidationReport",
    "SchemaSet",
    "rule_frame",
    "survey_schemas",
    "workstar_schemas",
    "detect_kind",
    "validate_survey",
    "validate_workstar",
]

#: Problems listed in a report before the rest are summarised in one line.
MAX_LISTED_PROBLEMS = 50

_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")
_DECIMAL_POINT = re.compile(r"[+-]?[0-9]*\.[0-9]+")
_ID_ALLOWED = "a non-empty identifier, unique in the file"


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating one file.

    Attributes
    ----------
    path : str
        The file (or the name given to a frame) that was checked.
    n_rows : int
        Data rows read (0 when the file could not be read).
    n_columns : int
        Columns read.
    problems : list of str
        One line per problem, at most ``MAX_LISTED_PROBLEMS`` of them; when
        there are more, a last line says how many were left out.
    n_problems : int
        Total number of problems found (listed or not).
    kind : {"survey", "workstar"}
    codebook_version : str
    """

    path: str
    n_rows: int
    n_columns: int
    problems: list[str] = field(default_factory=list)
    n_problems: int | None = None
    kind: str = "survey"
    codebook_version: str = ""

    def __post_init__(self):
        if self.n_problems is None:
            object.__setattr__(self, "n_problems", len(self.problems))

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return self.n_problems == 0

    def summary(self) -> str:
        """One line: the verdict with the counts.

        Examples
        --------
        >>> ValidationReport("s.csv", 68, 77, codebook_version="1.0.0").summary()
        's.csv: valid — 68 respondents, 77 columns, codebook 1.0.0'
        """
        unit = "participants" if self.kind == "workstar" else "respondents"
        if self.ok:
            return (
                f"{self.path}: valid — {self.n_rows} {unit}, {self.n_columns} columns, "
                f"codebook {self.codebook_version}"
            )
        noun = "problem" if self.n_problems == 1 else "problems"
        return (
            f"{self.path}: invalid — {self.n_problems} {noun} ({self.n_rows} rows, "
            f"{self.n_columns} columns, codebook {self.codebook_version})"
        )

    def raise_if_invalid(self) -> None:
        """Raise :class:`~cwp_analysis.errors.SurveyValidationError` listing the problems."""
        if not self.ok:
            raise SurveyValidationError(self.path, self.problems)


# --------------------------------------------------------------------------
# layouts: what the codebook asks of each kind of file
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    name: str
    first: str
    second: str
    noun: str  # "before/after answers" or "first/last readings"


@dataclass(frozen=True)
class _Routing:
    child: str
    child_columns: tuple[str, ...]
    parent: str
    codes: tuple[int, ...]
    allowed_parent: str


@dataclass(frozen=True)
class _Layout:
    kind: str
    id_column: str
    code_columns: tuple[str, ...]
    allowed_codes: dict  # column -> tuple of codes (survey) or (min, max) range (workstar)
    allowed_text: dict  # column -> what is allowed, in words
    pairs: tuple[_Pair, ...]
    routings: tuple[_Routing, ...]
    version: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.id_column, *self.code_columns)


def _describe_codes(codes: dict[int, str]) -> str:
    return ", ".join(f"{code} ({label})" for code, label in codes.items()) + ", or empty"


def _survey_layout(codebook: Codebook) -> _Layout:
    code_columns, allowed, text, pairs, routings = [], {}, {}, [], []
    for variable in codebook.variables.values():
        if variable.scale is None:
            continue
        for column in variable.columns:
            code_columns.append(column)
            allowed[column] = variable.scale.allowed_codes
            text[column] = _describe_codes(variable.scale.codes)
        if variable.paired:
            pairs.append(_Pair(variable.id, variable.before_column, variable.after_column, "before/after answers"))
        if variable.depends_on:
            parent = codebook.variable(variable.depends_on["variable"])
            codes = tuple(int(c) for c in variable.depends_on["codes"])
            described = " or ".join(
                f"{c} ({parent.scale.codes.get(c, '?')})" if parent.scale else str(c) for c in codes
            )
            routings.append(_Routing(variable.id, variable.columns, parent.columns[0], codes, described))
    return _Layout(
        kind="survey",
        id_column=codebook.id_column,
        code_columns=tuple(code_columns),
        allowed_codes=allowed,
        allowed_text=text,
        pairs=tuple(pairs),
        routings=tuple(routings),
        version=codebook.version,
    )


def _workstar_layout(codebook: Codebook) -> _Layout:
    spec = codebook.workstar
    columns = spec.columns[1:]
    words = f"whole numbers {spec.scale_min} to {spec.scale_max}, or empty"
    pairs = tuple(
        _Pair(area.id, spec.first_column(area.id), spec.last_column(area.id), "first/last readings")
        for area in spec.areas
    )
    return _Layout(
        kind="workstar",
        id_column=spec.id_column,
        code_columns=tuple(columns),
        allowed_codes={c: (spec.scale_min, spec.scale_max) for c in columns},
        allowed_text={c: words for c in columns},
        pairs=pairs,
        routings=(),
        version=codebook.version,
    )


# --------------------------------------------------------------------------
# pandera schemas built from a layout
# --------------------------------------------------------------------------


def _is_whole_number(series: pd.Series) -> pd.Series:
    """Element-wise: the cell is empty or a whole number."""
    _, whole, present = parse_codes(series.to_numpy())
    return pd.Series(whole | ~present, index=series.index)


class SchemaSet(NamedTuple):
    """The three pandera schemas a file passes, applied in turn.

    Attributes
    ----------
    cells : pandera.DataFrameSchema
        On the text cells (:func:`cwp_analysis.survey_io.text_cells`): the
        exact column set (strict, every column required), a non-empty unique
        identifier, and whole numbers in every code column.
    codes : pandera.DataFrameSchema
        On the cells that are whole numbers, as nullable ``Int64`` (other
        cells missing, so that a bad cell is reported once): each code in
        its response scale (``Check.isin``) or, for Work Star readings,
        within the scale (``Check.in_range``).
    rules : pandera.DataFrameSchema
        On one derived column per cross-column rule (:func:`rule_frame`):
        ``paired:<id>`` counts the answered sides of a before/after (or
        first/last) pair and must be 0 or 2; ``depends_on:<id>`` holds the
        routing answer of each respondent who answered a routed item, and
        must be one of the codes that route to it.
    """

    cells: pa.DataFrameSchema
    codes: pa.DataFrameSchema
    rules: pa.DataFrameSchema


def _schemas(layout: _Layout) -> SchemaSet:
    whole_number = pa.Check(_is_whole_number, name="whole_number")
    cells = {
        layout.id_column: pa.Column(
            object, nullable=False, unique=True, report_duplicates="exclude_first", required=True
        )
    }
    for column in layout.code_columns:
        cells[column] = pa.Column(object, checks=whole_number, nullable=True, required=True)
    codes = {}
    for column in layout.code_columns:
        allowed = layout.allowed_codes[column]
        if layout.kind == "workstar":
            check = pa.Check.in_range(allowed[0], allowed[1])
        else:
            check = pa.Check.isin(list(allowed))
        codes[column] = pa.Column("Int64", checks=check, nullable=True, required=False)
    rules = {
        f"paired:{pair.name}": pa.Column("int64", checks=pa.Check.isin([0, 2]), required=False)
        for pair in layout.pairs
    }
    for routing in layout.routings:
        rules[f"depends_on:{routing.child}"] = pa.Column(
            "Int64", checks=pa.Check.isin(list(routing.codes)), nullable=True, required=False
        )
    return SchemaSet(
        cells=pa.DataFrameSchema(cells, strict=True, name=f"{layout.kind} cells"),
        codes=pa.DataFrameSchema(codes, name=f"{layout.kind} codes"),
        rules=pa.DataFrameSchema(rules, name=f"{layout.kind} rules"),
    )


def _rule_frame(text: pd.DataFrame, codes: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    out = {}
    for pair in layout.pairs:
        if pair.first in text and pair.second in text:
            answered = text[pair.first].notna().astype("int64") + text[pair.second].notna().astype("int64")
            out[f"paired:{pair.name}"] = answered
    for routing in layout.routings:
        children = [c for c in routing.child_columns if c in text]
        if routing.parent in codes and children:
            answered = text[children].notna().any(axis=1)
            out[f"depends_on:{routing.child}"] = codes[routing.parent].where(answered, pd.NA)
    return pd.DataFrame(out, index=text.index)


def rule_frame(text: pd.DataFrame, codebook: Codebook | None = None, *, kind: str = "survey") -> pd.DataFrame:
    """Derived columns that put the codebook's cross-column rules in column form.

    Parameters
    ----------
    text : pandas.DataFrame
        Text cells (:func:`cwp_analysis.survey_io.text_cells`).
    codebook : Codebook, optional
    kind : {"survey", "workstar"}

    Returns
    -------
    pandas.DataFrame
        One column per pair, ``paired:<id>``, counting its answered sides
        (0, 1 or 2), and one per routed item, ``depends_on:<id>``, holding
        the routing answer where the item is answered (missing elsewhere).
        :attr:`SchemaSet.rules` validates it.

    Notes
    -----
    Rules that span columns could be written as pandera DataFrame-level
    checks, but pandera then reshapes every failing row cell by cell, which
    takes tens of seconds for a large file with a systematic fault; a derived
    column is checked in a fraction of a second and its failure cases name
    the row directly.

    Examples
    --------
    >>> text = pd.DataFrame({"swemwbs_mind_before": ["3", None], "swemwbs_mind_after": [None, None]})
    >>> rule_frame(text)["paired:swemwbs_mind"].tolist()
    [1, 0]
    """
    codebook = codebook or load_codebook()
    layout = _workstar_layout(codebook) if kind == "workstar" else _survey_layout(codebook)
    present = [c for c in layout.code_columns if c in text]
    return _rule_frame(text, _codes(text, present), layout)


def survey_schemas(codebook: Codebook | None = None) -> SchemaSet:
    """The pandera schemas a survey file must pass, built from the codebook.

    Parameters
    ----------
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.

    Returns
    -------
    SchemaSet
        ``cells``, ``codes`` and ``rules`` schemas (see :class:`SchemaSet`).

    Notes
    -----
    Separate schemas so that a cell that is not a number is reported once,
    as text, rather than again as a disallowed code, and so that the
    cross-column rules are checked on derived columns.
    """
    return _schemas(_survey_layout(codebook or load_codebook()))


def workstar_schemas(codebook: Codebook | None = None) -> SchemaSet:
    """The pandera schemas of a Work Star file (see :func:`survey_schemas`).

    Readings are checked with ``Check.in_range`` between the codebook's
    scale minimum and maximum; first and last readings must be both present
    or both missing.
    """
    return _schemas(_workstar_layout(codebook or load_codebook()))


def detect_kind(columns, codebook: Codebook | None = None) -> str:
    """``"workstar"`` when the columns carry the Work Star identifier and not the survey's.

    Examples
    --------
    >>> detect_kind(["participant_id", "ws_stability_first"])
    'workstar'
    >>> detect_kind(["respondent_id", "age_band"])
    'survey'
    """
    codebook = codebook or load_codebook()
    names = {str(c).strip() for c in columns}
    if codebook.workstar.id_column in names and codebook.id_column not in names:
        return "workstar"
    return "survey"


# --------------------------------------------------------------------------
# translating failure cases into problem lines
# --------------------------------------------------------------------------


def _shown(value) -> str:
    text = "" if value is None else str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


def _row(index) -> int:
    return int(index) + 2


def _number_hint(value: str) -> str:
    if _DECIMAL_COMMA.fullmatch(value):
        return " (a decimal comma: codes are whole numbers)"
    if _DECIMAL_POINT.fullmatch(value):
        return " (a decimal number: codes are whole numbers)"
    return ""


_ROW_CHECKS = {
    "not_nullable": "empty_id",
    "field_uniqueness": "duplicate_id",
    "whole_number": "not_whole_number",
}


def _is_index(value) -> bool:
    return value is not None and not pd.isna(value)


class _Collector:
    """Gathers problems as sortable records and formats the first few."""

    def __init__(self, source: str, layout: _Layout, text: pd.DataFrame, max_listed: int):
        self.source = source
        self.layout = layout
        self.text = text
        self.max_listed = max_listed
        self.position = {str(c): i for i, c in enumerate(text.columns)}
        self.records: list[tuple] = []  # (section, row index, column position, kind, column, detail)

    def add(self, section: int, index: int, column: str | None, kind: str, detail=None) -> None:
        if kind == "missing_column":
            position = detail
        elif column is None:
            position = -1
        else:
            position = self.position.get(column, len(self.position))
        self.records.append((section, index, position, kind, column, detail))

    def _expected_position(self, column: str) -> int:
        """Missing columns are listed in codebook order."""
        columns = self.layout.columns
        return columns.index(column) if column in columns else len(columns)

    def from_failure_cases(self, cases: pd.DataFrame) -> None:
        """Turn pandera's failure cases into problem records."""
        for check, column, index, value in zip(
            cases["check"].astype(str), cases["column"], cases["index"], cases["failure_case"]
        ):
            column = None if column is None else str(column)
            if check == "column_in_dataframe":
                self.add(0, 0, str(value), "missing_column", self._expected_position(str(value)))
            elif check == "column_in_schema":
                self.add(0, 1, str(value), "unknown_column")
            elif not _is_index(index):
                self.add(2, 0, column, "other", (check, value, index))
            elif check in _ROW_CHECKS:
                self.add(1, int(index), column, _ROW_CHECKS[check])
            elif check.startswith(("isin(", "in_range(")) and column.startswith("paired:"):
                self._unpaired(int(index), column.split(":", 1)[1])
            elif check.startswith(("isin(", "in_range(")) and column.startswith("depends_on:"):
                self._routed_past(int(index), column.split(":", 1)[1])
            elif check.startswith(("isin(", "in_range(")):
                self.add(1, int(index), column, "not_allowed")
            else:
                self.add(2, 0, column, "other", (check, value, index))

    def _unpaired(self, index: int, name: str) -> None:
        pair = next(p for p in self.layout.pairs if p.name == name)
        empty = pair.second if self.text.at[index, pair.second] is None else pair.first
        self.add(1, index, empty, "unpaired", pair)

    def _routed_past(self, index: int, name: str) -> None:
        routing = next(r for r in self.layout.routings if r.child == name)
        for column in routing.child_columns:
            if column in self.text and self.text.at[index, column] is not None:
                self.add(1, index, column, "routing", routing)

    @property
    def count(self) -> int:
        return len(self.records)

    def lines(self) -> list[str]:
        ordered = sorted(self.records, key=lambda r: (r[0], r[1], r[2], r[3]))
        lines = [self._format(*record) for record in ordered[: self.max_listed]]
        if len(ordered) > self.max_listed:
            lines.append(f"... and {len(ordered) - self.max_listed} more problems")
        return lines

    def _value(self, index: int, column: str):
        return self.text.at[index, column]

    def _format(self, section, index, position, kind, column, detail) -> str:
        src, layout = self.source, self.layout
        if kind == "missing_column":
            hint = self._closest(column, [c for c in self.position if c not in layout.columns])
            return (
                f"{src}: column {column!r} is missing; every codebook column must be present "
                f"(it may be empty){hint} (codebook {layout.version})"
            )
        if kind == "unknown_column":
            hint = self._closest(column, [c for c in layout.columns if c not in self.position])
            return (
                f"{src}: column {column!r} is not in the codebook (unknown column); rename it "
                f"to a codebook column or remove it{hint} (codebook {layout.version})"
            )
        if kind == "empty_row":
            return f"{src}: row {_row(index)}: the row is empty (no identifier, no answers); delete it"
        where = f"{src}: column {column}, row {_row(index)}"
        if kind == "empty_id":
            return f"{where}: the identifier is empty; allowed: {_ID_ALLOWED}"
        if kind == "duplicate_id":
            value = self._value(index, column)
            first = _row(self.text.index[self.text[column].eq(value)][0])
            return f"{where}: value {_shown(value)} duplicates the id in row {first}; allowed: {_ID_ALLOWED}"
        if kind == "not_whole_number":
            value = self._value(index, column)
            return (
                f"{where}: value {_shown(value)} is not a whole-number code{_number_hint(str(value))}; "
                f"allowed: {layout.allowed_text[column]}"
            )
        if kind == "not_allowed":
            return f"{where}: value {_shown(self._value(index, column))} not allowed; allowed: {layout.allowed_text[column]}"
        if kind == "unpaired":
            pair = detail
            other = pair.first if column == pair.second else pair.second
            return (
                f"{where}: empty, but {other} is {_shown(self._value(index, other))}: unpaired "
                f"{pair.noun}; allowed: both {pair.first} and {pair.second} answered, or both empty"
            )
        if kind == "routing":
            routing = detail
            parent_value = self._value(index, routing.parent)
            return (
                f"{where}: value {_shown(self._value(index, column))} not allowed because "
                f"{routing.parent} is {_shown(parent_value)}; allowed: empty ({routing.child} is asked "
                f"only when {routing.parent} is {routing.allowed_parent})"
            )
        check, value, at = detail
        row = "" if at is None or pd.isna(at) else f", row {_row(at)}"
        return f"{src}: column {column}{row}: failed check {check} (value {_shown(value)})"

    @staticmethod
    def _closest(name: str, candidates: list[str]) -> str:
        match = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.75)
        return f"; did you mean {match[0]!r}?" if match else ""


def _codes(text: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Whole-number cells as nullable ``Int64``; every other cell missing."""
    numbers, whole, _ = parse_codes(text[columns].to_numpy(dtype=object))
    return pd.DataFrame(
        {
            column: pd.arrays.IntegerArray(numbers[:, i].copy(), ~whole[:, i])
            for i, column in enumerate(columns)
        },
        index=text.index,
    )


def _validate(frame: pd.DataFrame, layout: _Layout, source: str, max_listed: int) -> ValidationReport:
    frame = frame.reset_index(drop=True)
    names = [str(c).strip() for c in frame.columns]
    report = functools.partial(
        ValidationReport, source, len(frame), frame.shape[1], kind=layout.kind, codebook_version=layout.version
    )
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        problems = [f"{source}: duplicate column {name!r}; every column name must appear once" for name in duplicated]
        return report(problems)
    if len(frame) == 0:
        unit = "participant" if layout.kind == "workstar" else "respondent"
        return report([f"{source}: no data rows; expected one row per {unit}"])
    frame.columns = names
    text = text_cells(frame)
    collector = _Collector(source, layout, text, max_listed)

    empty = text.isna().all(axis=1)
    for index in text.index[empty]:
        collector.add(1, int(index), None, "empty_row")
    rows = text.loc[~empty]

    schemas = _schemas(layout)
    codes = _codes(rows, [c for c in layout.code_columns if c in rows])
    for schema, checked in (
        (schemas.cells, rows),
        (schemas.codes, codes),
        (schemas.rules, _rule_frame(rows, codes, layout)),
    ):
        try:
            schema.validate(checked, lazy=True)
        except SchemaErrors as errors:
            collector.from_failure_cases(errors.failure_cases)
    return report(collector.lines(), collector.count)


def _validate_source(frame_or_path, layout: _Layout, source: str | None, max_listed: int) -> ValidationReport:
    if isinstance(frame_or_path, pd.DataFrame):
        return _validate(frame_or_path, layout, source or "<data frame>", max_listed)
    source = source or str(frame_or_path)
    try:
        frame = read_table(frame_or_path, id_columns=(layout.id_column,), prefer_sheets=(layout.kind,))
    except SurveyValidationError as error:
        return ValidationReport(
            source, 0, 0, error.problems, kind=layout.kind, codebook_version=layout.version
        )
    return _validate(frame, layout, source, max_listed)


def validate_survey(
    frame_or_path: pd.DataFrame | str | PathLike,
    codebook: Codebook | None = None,
    *,
    source: str | None = None,
    max_listed: int = MAX_LISTED_PROBLEMS,
) -> ValidationReport:
    """Check a survey file or frame against the codebook.

    Parameters
    ----------
    frame_or_path : pandas.DataFrame or path-like
        A frame (raw text cells from :func:`cwp_analysis.survey_io.read_table`,
        or typed codes) or the path of a ``.csv`` / ``.xlsx`` file.
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    source : str, optional
        Name used in the messages (default: the path, or ``"<data frame>"``).
    max_listed : int, default 50
        Problems listed in full; the rest are counted in one last line.

    Returns
    -------
    ValidationReport
        ``ok`` is True when the file conforms.  A file that cannot be read
        at all gives a report with the reading problem and zero rows.

    Notes
    -----
    The rules are listed in the module docstring.  Problem lines quote the
    offending cell so that the owner of the data can find it; they are
    meant for the data owner's terminal, not for publication.

    Examples
    --------
    >>> from cwp_analysis.codebook import load_codebook
    >>> cb = load_codebook()
    >>> row = {c: "" for c in cb.columns()}
    >>> row.update(respondent_id="R1", swemwbs_relaxed_before="3", swemwbs_relaxed_after="6")
    >>> report = validate_survey(pd.DataFrame([row]), cb, source="survey.csv")
    >>> print(report.problems[0])  # doctest: +NORMALIZE_WHITESPACE
    survey.csv: column swemwbs_relaxed_after, row 2: value '6' not allowed;
    allowed: 1 (None of the time), 2 (Rarely), 3 (Some of the time), 4 (Often),
    5 (All of the time), or empty
    """
    layout = _survey_layout(codebook or load_codebook())
    return _validate_source(frame_or_path, layout, source, max_listed)


def validate_workstar(
    frame_or_path: pd.DataFrame | str | PathLike,
    codebook: Codebook | None = None,
    *,
    source: str | None = None,
    max_listed: int = MAX_LISTED_PROBLEMS,
) -> ValidationReport:
    """Check a Work Star file or frame against the codebook's Work Star section.

    Parameters and result as for :func:`validate_survey`.  The file holds
    ``participant_id`` and, per outcome area, ``ws_<area>_first`` and
    ``ws_<area>_last``: whole numbers within the scale (1 to 10), both
    present or both missing.
    """
    layout = _workstar_layout(codebook or load_codebook())
    return _validate_source(frame_or_path, layout, source, max_listed)
