"""The rules of the disclosure scan, applied to one file at a time.

:class:`Scanner` holds what a scan looks for (a
:class:`~cwp_analysis.scan_reference.Reference`), the threshold and the
marker, and accumulates :class:`Finding` objects as :func:`scan_file` feeds
it pages, CSV/TSV and ``.xlsx`` tables, notebooks and plain text.  The rules
and their conventions are described in :mod:`cwp_analysis.disclosure_scan`,
which is the public entry point.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cwp_analysis.count_columns import (
    count_in_cell,
    declared_count_columns,
    infer_count_columns,
    says_no_people,
)
from cwp_analysis.html_tables import HtmlTable, TableView, read_html_page, table_view
from cwp_analysis.scan_reference import ROW_RUN, Reference, code_windows, normal_text

__all__ = [
    "RULES",
    "RULE_FREE_TEXT",
    "RULE_RECOVERABLE",
    "RULE_RESPONDENT_ID",
    "RULE_SMALL_COUNT",
    "RULE_SURVEY_ROW",
    "RULE_UNREVIEWED_TABLE",
    "RULE_UNSCANNABLE",
    "Finding",
    "Scanner",
    "scan_file",
]

RULE_SMALL_COUNT = "small-count"
RULE_RESPONDENT_ID = "respondent-id"
RULE_SURVEY_ROW = "survey-row"
RULE_FREE_TEXT = "free-text"
RULE_UNREVIEWED_TABLE = "unreviewed-table"
RULE_UNSCANNABLE = "unscannable-file"
RULE_RECOVERABLE = "recoverable-count"
#: Every rule a finding can name.
RULES = (RULE_SMALL_COUNT, RULE_RESPONDENT_ID, RULE_SURVEY_ROW, RULE_FREE_TEXT, RULE_UNREVIEWED_TABLE,
         RULE_UNSCANNABLE, RULE_RECOVERABLE)

_TABLE_SUFFIXES = (".csv", ".tsv")
_TOKEN_SPLIT = re.compile(r"[\s,;|\[\]{}()\"'<>=:]+")
_CODE_TOKEN = re.compile(r"[+-]?[0-9]+(?:\.0+)?")


@dataclass(frozen=True)
class Finding:
    """One breach of a disclosure rule.

    Attributes
    ----------
    file : str
        The file, relative to the site folder (``outputs/...`` for the
        outputs folder).
    rule : str
        One of :data:`RULES`.
    value : str
        The offending value (a count, an identifier, a description).
    table : int or None
        1-based position of the table in the page, for HTML tables.
    row : str or None
        The row: its label (index) or its 1-based position in the table body.
    column : str or None
        The column header.
    line : int or None
        Line of the file, where known.
    detail : str
        What is wrong, in words.
    """

    file: str
    rule: str
    value: str
    table: int | None = None
    row: str | None = None
    column: str | None = None
    line: int | None = None
    detail: str = ""

    @property
    def location(self) -> str:
        """Where in the file: ``"table 2, row 'Yes', column 'Count'"`` or ``"line 14"``."""
        parts = []
        if self.table is not None:
            parts.append(f"table {self.table}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None and self.table is None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        detail = f" {self.detail}" if self.detail else ""
        return f"{where}: {self.rule}: {self.value!r}{detail}"


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _code(text: str) -> int | None:
    text = text.strip()
    if _CODE_TOKEN.fullmatch(text):
        return int(float(text))
    return None


def _tokens(line: str) -> list[int | None]:
    return [_code(token) for token in _TOKEN_SPLIT.split(line) if token]


def _table_label(view: TableView, position: int) -> str | None:
    return view.headers[position] if position < len(view.headers) and view.headers[position] else None


def _row_name(label: str | None, index: int) -> str:
    return repr(label) if label is not None else str(index)


def _count_columns(view: TableView, table: HtmlTable, marker: str) -> dict[int, bool]:
    columns = [[cells[position].text for _, cells in view.body
                if position < len(cells) and cells[position] is not None and not cells[position].header]
               for position in range(len(view.headers))]
    return infer_count_columns(view.headers, columns, marker=marker, declared=declared_count_columns(table.attrs),
                               skip=view.label_columns)


class Scanner:
    """Accumulates the findings of one scan.

    Parameters
    ----------
    reference : Reference
        Identifiers, survey rows and free text to look for.
    threshold : int
        Largest count that must be suppressed.
    marker : str
        The suppression marker.
    max_cell_length : int
        Longer text cells of data tables are free text unless known.
    """

    def __init__(self, reference: Reference, threshold: int, marker: str, max_cell_length: int):
        self.reference = reference
        self.threshold = threshold
        self.marker = marker
        self.max_cell_length = max_cell_length
        self.findings: list[Finding] = []
        self._seen: set = set()

    def add(self, finding: Finding) -> None:
        """Record a finding once."""
        key = (finding.file, finding.rule, finding.value, finding.table, finding.row, finding.column, finding.line)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(finding)

    # -- rules on units of text ---------------------------------------------
    def identifiers(self, name: str, text: str, **where) -> None:
        for identifier in self.reference.find_identifiers(text):
            self.add(Finding(name, RULE_RESPONDENT_ID, identifier, detail="is a respondent identifier",
                             **where))

    def codes(self, name: str, tokens: Sequence[int | None], **where) -> None:
        if not self.reference.fingerprints or len(tokens) < ROW_RUN:
            return
        for window in code_windows(tokens):
            source = self.reference.fingerprints.get(window)
            if source is not None:
                self.add(Finding(name, RULE_SURVEY_ROW, f"{ROW_RUN} consecutive codes",
                                 detail=f"equal to answers of survey {source}", **where))
                return

    def long_cell(self, name: str, text: str, **where) -> None:
        if len(text) <= self.max_cell_length:
            return
        if self.reference.known_text and normal_text(text) in self.reference.known_text:
            return
        self.add(Finding(name, RULE_FREE_TEXT, text[:30] + "...",
                         detail=f"is a text cell of {len(text)} characters (more than {self.max_cell_length}) "
                                "that is not the project's own text", **where))

    def free_text(self, name: str, text: str) -> None:
        if not self.reference.free_texts:
            return
        normal = normal_text(text)
        for answer, source in self.reference.free_texts.items():
            if answer in normal:
                self.add(Finding(name, RULE_FREE_TEXT, answer[:20] + "...",
                                 detail=f"is the free-text answer in survey {source}"))

    # -- HTML -----------------------------------------------------------------
    def html(self, name: str, text: str, *, counts: bool = True) -> None:
        reader = read_html_page(text)
        for line, piece in reader.text_lines():
            self.identifiers(name, piece, line=line)
            self.codes(name, _tokens(piece), line=line)
        for table in reader.tables:
            self.table(name, table, counts=counts)
        self.free_text(name, text)

    def table(self, name: str, table: HtmlTable, *, counts: bool) -> None:
        view = table_view(table)
        data_table = bool({"cwp-table", "dataframe"} & table.classes)
        if counts and "dataframe" in table.classes and "cwp-table" not in table.classes:
            self.add(Finding(name, RULE_UNREVIEWED_TABLE, f"{len(view.body)} rows", table=table.number,
                             line=table.line, detail="is a pandas table shown without publish_table "
                             "(no disclosure control); publish it with cwp_analysis.notebook.publish_table"))
        for index, (label, cells) in enumerate(view.body, start=1):
            row = _row_name(label, index)
            seen = set()
            tokens = []
            for position, cell in enumerate(cells):
                if cell is None or id(cell) in seen:
                    continue
                seen.add(id(cell))
                where = {"table": table.number, "row": row, "column": _table_label(view, position),
                         "line": cell.line}
                self.identifiers(name, cell.text, **where)
                if data_table:
                    self.long_cell(name, cell.text, **where)
                tokens.append(_code(cell.text))
            self.codes(name, tokens, table=table.number, row=row, line=cells[0].line if cells and cells[0] else None)
        if not counts or "cwp-table" not in table.classes or "cwp-public-source" in table.classes:
            return
        if says_no_people(table.caption):
            return
        for position, named in _count_columns(view, table, self.marker).items():
            for index, (label, cells) in enumerate(view.body, start=1):
                cell = cells[position] if position < len(cells) else None
                if cell is None or cell.header:
                    continue
                value = count_in_cell(cell.text, named)
                if value is not None and 1 <= value <= self.threshold:
                    self.add(Finding(name, RULE_SMALL_COUNT, cell.text, table=table.number,
                                     row=_row_name(label, index), column=_table_label(view, position),
                                     line=cell.line,
                                     detail=f"is a count from 1 to {self.threshold} shown without suppression"))

    # -- other formats ------------------------------------------------------------
    def plain(self, name: str, text: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            self.identifiers(name, line, line=number)
            self.codes(name, _tokens(line), line=number)
        self.free_text(name, text)

    def rows(self, name: str, rows: Iterable[tuple[int, list[str]]]) -> None:
        header: list[str] | None = None
        blob = []
        for number, cells in rows:
            for position, text in enumerate(cells):
                column = header[position] if header is not None and position < len(header) else None
                self.identifiers(name, text, line=number, column=column)
                self.long_cell(name, text, line=number, column=column)
            self.codes(name, [_code(c) for c in cells], line=number)
            blob.append(" ".join(cells))
            if header is None:
                header = cells
        self.free_text(name, "\n".join(blob))

    def notebook(self, name: str, text: str) -> None:
        try:
            document = json.loads(text)
            cells = document["cells"]
        except (ValueError, KeyError, TypeError):
            self.plain(name, text)
            return
        for cell in cells if isinstance(cells, list) else []:
            if not isinstance(cell, dict):
                continue
            self.plain(name, _joined(cell.get("source", "")))
            for output in cell.get("outputs", []) or []:
                if not isinstance(output, dict):
                    continue
                if "text" in output:
                    self.plain(name, _joined(output["text"]))
                for mime, payload in (output.get("data") or {}).items():
                    if mime == "text/html":
                        self.html(name, _joined(payload), counts=False)
                    elif mime.startswith("text/"):
                        self.plain(name, _joined(payload))
                    elif mime.endswith("json"):
                        self.plain(name, json.dumps(payload))


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Records of a CSV/TSV text with their line numbers (stops quietly at a malformed record)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error:
        return


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of every sheet of a workbook, as text (whole floats without ``.0``)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = []
                for value in values:
                    if value is None:
                        cells.append("")
                    elif isinstance(value, float) and value.is_integer():
                        cells.append(str(int(value)))
                    else:
                        cells.append(str(value))
                yield number, cells
    finally:
        workbook.close()


def read_text(path: Path) -> str | None:
    """A file's text (UTF-8, else cp1252), or None for a binary or unreadable file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return None


def scan_file(scanner: Scanner, path: Path, name: str, *, must_read: bool) -> None:
    """Apply the rules to one file, by its suffix.

    Parameters
    ----------
    scanner : Scanner
    path : pathlib.Path
    name : str
        The name used in findings.
    must_read : bool
        Report a file that cannot be read (a download) instead of skipping it.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            scanner.rows(name, xlsx_rows(path))
        except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported, not raised
            scanner.add(Finding(name, RULE_UNSCANNABLE, path.name,
                                detail=f"cannot be read as a workbook ({type(error).__name__})"))
        return
    text = read_text(path)
    if text is None:
        if must_read:
            scanner.add(Finding(name, RULE_UNSCANNABLE, path.name,
                                detail="is a downloadable file the scanner cannot read (binary); "
                                       "publish data as CSV, JSON, YAML or .xlsx, or allow-list it"))
        return
    if suffix in (".html", ".htm"):
        scanner.html(name, text)
    elif suffix in _TABLE_SUFFIXES:
        scanner.rows(name, csv_rows(text, "\t" if suffix == ".tsv" else ","))
    elif suffix == ".ipynb":
        scanner.notebook(name, text)
    else:
        scanner.plain(name, text)
