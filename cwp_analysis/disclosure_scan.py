"""Audit a built site for anything that must never be published.

:func:`cwp_analysis.disclosure.disclose` protects each table as a notebook
publishes it; this module checks the result.  :func:`scan_site` reads every
page of a built Jupyter Book, every downloadable file and (optionally) the
folder of table files the notebooks wrote, and returns one
:class:`Finding` per breach of these rules:

``small-count``
    A project table (an HTML table with class ``cwp-table`` and not
    ``cwp-public-source``) shows a count of people from 1 to the threshold.
``respondent-id``
    A respondent identifier appears anywhere: one matching ``id_pattern``
    (default ``SYN-001``-style synthetic ids, including Work Star
    ``SYN-WS-001``) or one of the identifiers of the ``survey`` files given.
``survey-row``
    A row of survey data appears: :data:`ROW_RUN` consecutive response
    codes equal to consecutive answers of one respondent.
``free-text``
    A free-text answer appears: a text cell of a data table longer than
    :data:`~cwp_analysis.disclosure.MAX_LABEL_LENGTH` characters that is
    not the project's own text, or any free-text answer of the ``survey``
    files given, wherever it appears.
``unreviewed-table``
    A pandas table (class ``dataframe``) shown without ``cwp-table``, i.e.
    displayed without going through
    :func:`cwp_analysis.notebook.publish_table` and its disclosure control.
``unscannable-file``
    A downloadable file the scanner cannot read (a binary format other
    than ``.xlsx``); it cannot be vouched for, so it is reported.

Conventions
-----------
**Which columns hold counts.**  The HTML does not say which columns
:func:`~cwp_analysis.disclosure.disclose` treated as counts, so the scanner
decides column by column, in this order:

1. *Declared.*  A table carrying the attribute
   ``data-cwp-count-columns`` (a JSON list of column headers) has exactly
   those count columns; ``[]`` declares none.  This is exact and preferred.
2. *Tables that count no people* (claims, design figures) are skipped when
   their caption (the ``cwp-table-caption`` paragraph just before the table)
   says so: it contains "not of people", "not people" or "no people".
3. *Headers.*  The header is split into lower-case words.  It names a
   count when its first word, or (failing a statistic word) any word, is
   one of :data:`COUNT_WORDS` (``n``, ``count``, ``base``, ``women``,
   ``pairs``, ...: ``"Before n"``, ``"n_pairs"``, ``"Women using it"``); it
   names a statistic when a word is one of :data:`STATISTIC_WORDS` (``%``,
   ``p``, ``median``, ``mean``, ``ci``, ``rank``, ``change``, and
   ``published`` / ``printed`` for figures quoted from the report); it
   names a category when a word is one of :data:`LABEL_WORDS` (``code``,
   ``band``, ``answer``, ``used`` as in ``"Partners used"``, ...).
   Statistic and category columns are never counts.
4. *Values.*  Any other column is a count column when every non-empty
   cell is a non-negative whole number (``12`` or ``1,234``) or the
   suppression marker, and at least one is a number: the rule
   :func:`~cwp_analysis.disclosure.disclose` uses to find count columns
   (integer columns), seen through the HTML.  Numbers printed as floats
   (``12.0``) count only in a column that also holds the marker, which
   shows that disclosure control treated it as counts (a float column of
   whole numbers is otherwise taken for a statistic, such as medians).

Row labels (``<th>`` cells in the body, the frame's index) are never
counts.  In a count-named column a cell such as ``"12 (40%)"`` is read as
the count 12.  Zero is not a small count (as in
:func:`~cwp_analysis.disclosure.disclose`).

**Survey rows.**  Each respondent's answers, in the file's column order
without the identifier, are cut into runs of present codes (a missing
answer ends a run).  Every window of :data:`ROW_RUN` consecutive codes
holding at least :data:`MIN_DISTINCT_CODES` different values is a
fingerprint (windows of one or two repeated values, such as ten "No"
answers, would match ordinary tables by chance).  Text is cut into units
-- a table row, a CSV record, a line of text -- and each unit into tokens;
a token is a code when it is a whole number (``3`` or ``3.0``), and any
other token (``NaN``, an empty cell, a word) ends a run, as a missing
answer does.  A run of tokens containing a fingerprint is a finding.

**Identifiers** are matched as whole tokens (not inside a longer word or
number).  Identifiers from ``survey`` files shorter than
:data:`MIN_ID_LENGTH` characters or made only of digits are not searched:
they would match ordinary numbers (the survey-row rule still finds their
rows).

**Free text.**  A cell of a data table (a ``cwp-table`` or ``dataframe``
HTML table, or a CSV/``.xlsx`` file) longer than ``max_cell_length`` is free
text unless, with white space collapsed and case ignored, it occurs in the
project's own text: the string values of the data files under
``known_text`` (default: the project data folder without ``private/``).
So the measurement plan's long indicator descriptions, which come from
``data/theory_of_change.yaml``, pass, and a comment typed by a respondent
does not.  In a ``survey`` file, a text answer is a cell that is not a
whole-number code, has at least :data:`FREE_TEXT_MIN_LENGTH` characters and
occurs once in its column (a repeated value is a label, not someone's own
words); such answers are searched for in every file.

**What is read.**  Every file of the site except theme assets and images
(folders :data:`SKIPPED_DIRS`) and Sphinx's binary inventory files; text
files as text, ``.ipynb`` files cell by cell (HTML outputs through the HTML
reader), CSV/TSV and ``.xlsx`` files as tables.  Files under
``_downloads/`` must be readable, or they are reported.  The
``outputs`` folder (``cwp build --outputs``, the notebooks' CSV tables) is
read the same way.  Files whose name or relative path matches a pattern in
``allow`` are skipped: by default the published SYNTHETIC data set
(:data:`DEFAULT_ALLOW`: files with ``SYNTHETIC`` in their name, which hold
the synthetic respondents' rows and ids by design, and the synthetic data
set's README, which names the id range).

Findings name the file (relative to the site, or ``outputs/...``), the
table (1-based, in page order), row and column or the line, the value,
and the rule.  They are meant for the data owner's terminal: an
identifier finding quotes the identifier, a row finding names the survey
row but not its answers, a free-text finding quotes only the start of the
text.

Examples
--------
>>> page = ('<p class="cwp-table-caption"><strong>Use of services.</strong></p>'
...         '<table class="dataframe cwp-table"><thead><tr><th>Service</th><th>Count</th>'
...         '<th>%</th></tr></thead><tbody><tr><td>A</td><td>5</td><td>7.4</td></tr>'
...         '<tr><td>B</td><td>[c]</td><td>[c]</td></tr></tbody></table>')
>>> for finding in scan_html(page, name="services.html"):
...     print(finding)
services.html: table 1, row 1, column 'Count': small-count: '5' is a count from 1 to 7 shown without suppression
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, IDENTIFIER_COLUMNS, MAX_LABEL_LENGTH
from cwp_analysis.errors import CwpError

__all__ = [
    "COUNT_ATTRIBUTE",
    "COUNT_WORDS",
    "DEFAULT_ALLOW",
    "DEFAULT_ID_PATTERN",
    "FREE_TEXT_MIN_LENGTH",
    "Finding",
    "LABEL_WORDS",
    "MIN_DISTINCT_CODES",
    "MIN_ID_LENGTH",
    "NOT_PEOPLE_PHRASES",
    "ROW_RUN",
    "RULES",
    "STATISTIC_WORDS",
    "SKIPPED_DIRS",
    "ScanError",
    "header_kind",
    "scan_html",
    "scan_site",
]

RULE_SMALL_COUNT = "small-count"
RULE_RESPONDENT_ID = "respondent-id"
RULE_SURVEY_ROW = "survey-row"
RULE_FREE_TEXT = "free-text"
RULE_UNREVIEWED_TABLE = "unreviewed-table"
RULE_UNSCANNABLE = "unscannable-file"
#: Every rule a finding can name.
RULES = (RULE_SMALL_COUNT, RULE_RESPONDENT_ID, RULE_SURVEY_ROW, RULE_FREE_TEXT, RULE_UNREVIEWED_TABLE,
         RULE_UNSCANNABLE)

#: Identifiers of the synthetic data sets (survey ``SYN-001``, Work Star ``SYN-WS-001``).
DEFAULT_ID_PATTERN = r"SYN-(?:WS-)?[0-9]{3}"
#: Files skipped by default: the published SYNTHETIC data set and its README.
DEFAULT_ALLOW = ("*SYNTHETIC*", "synthetic_README.md")
#: Consecutive codes of one respondent that make a survey-row finding.
ROW_RUN = 10
#: Different values a fingerprint window must hold.
MIN_DISTINCT_CODES = 3
#: Shortest text answer in a survey file treated as free text.
FREE_TEXT_MIN_LENGTH = 20
#: Shortest survey identifier searched for as text.
MIN_ID_LENGTH = 4
#: HTML attribute declaring a table's count columns (a JSON list of headers).
COUNT_ATTRIBUTE = "data-cwp-count-columns"
#: Caption phrases (any case) declaring that a table counts no people.
NOT_PEOPLE_PHRASES = ("not of people", "not people", "no people")
#: Header words naming a count of people.
COUNT_WORDS = frozenset({
    "n", "count", "counts", "counted", "number", "base", "total", "women", "respondents", "people",
    "persons", "participants", "pairs", "answering", "frequency", "freq", "clients", "mothers",
})
#: Header words naming a statistic, or a figure quoted from the report (never a count to suppress).
STATISTIC_WORDS = frozenset({
    "%", "percent", "percentage", "pct", "share", "shares", "proportion", "rate", "ratio", "p", "pvalue",
    "median", "mean", "average", "mode", "sd", "se", "std", "iqr", "ci", "interval", "lower", "upper",
    "estimate", "statistic", "score", "rank", "effect", "difference", "diff", "change", "z", "w", "r", "d",
    "df", "power", "min", "max", "minimum", "maximum", "range", "published", "printed", "reported",
    "year", "cost", "sroi", "£",
})
#: Header words naming a category (a column of labels, even when they are numbers).
LABEL_WORDS = frozenset({
    "code", "codes", "band", "group", "category", "answer", "level", "item", "question", "statement",
    "label", "used", "period", "id", "scope", "section",
})
#: Folders of a site that are not read (theme assets, images, Sphinx's pickles).
SKIPPED_DIRS = ("_static", "_sphinx_design_static", "_images", ".doctrees")
_SKIPPED_FILES = frozenset({".buildinfo", "objects.inv"})
_DOWNLOADS = "_downloads"
_TABLE_SUFFIXES = (".csv", ".tsv")
_WHOLE = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")
_WHOLE_FLOAT = re.compile(r"[0-9]+\.0+")
_COUNT_WITH_SHARE = re.compile(r"([0-9]+)\s*\(.*\)")
_TOKEN_SPLIT = re.compile(r"[\s,;|\[\]{}()\"'<>=:]+")
_CODE_TOKEN = re.compile(r"[+-]?[0-9]+(?:\.0+)?")
_HEADER_WORDS = re.compile(r"[a-z]+|[0-9]+|%|£")


class ScanError(CwpError):
    """The scan cannot run: the site folder is missing or holds no page."""

    exit_code = 2


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


# --------------------------------------------------------------------------
# What must not appear: identifiers, row fingerprints, free-text answers
# --------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class _Reference:
    """What the scan looks for besides small counts."""

    id_regex: re.Pattern | None
    fingerprints: dict = field(default_factory=dict)  # window of codes -> "row N of FILE"
    free_texts: dict = field(default_factory=dict)  # normalised answer -> "row N, column C of FILE"
    known_text: str = ""  # the project's own text, normalised, one string per line


def _text_frames(survey) -> list[tuple[str, object]]:
    if survey is None:
        return []
    import pandas as pd

    from cwp_analysis.survey_io import read_table, text_cells

    sources = [survey] if isinstance(survey, (str, os.PathLike, pd.DataFrame)) else list(survey)
    frames = []
    for source in sources:
        if isinstance(source, pd.DataFrame):
            frames.append(("<data frame>", text_cells(source)))
        else:
            frames.append((Path(source).name, text_cells(read_table(source))))
    return frames


def _windows(codes: Sequence[int | None]) -> Iterator[tuple[int, ...]]:
    """Every :data:`ROW_RUN`-long window of present codes with enough different values."""
    run: list[int] = []
    for code in [*codes, None]:
        if code is None:
            for start in range(len(run) - ROW_RUN + 1):
                window = tuple(run[start:start + ROW_RUN])
                if len(set(window)) >= MIN_DISTINCT_CODES:
                    yield window
            run = []
        else:
            run.append(code)


def _survey_reference(survey, id_pattern: str | None, known_text: str) -> _Reference:
    ids: set[str] = set()
    fingerprints: dict[tuple[int, ...], str] = {}
    free_texts: dict[str, str] = {}
    frames = _text_frames(survey)
    if frames:
        from cwp_analysis.survey_io import parse_codes
    for name, text in frames:
        columns = [str(c) for c in text.columns]
        id_columns = [c for c in columns if c.strip().lower() in IDENTIFIER_COLUMNS]
        id_column = id_columns[0] if id_columns else None
        others = [c for c in columns if c != id_column]
        if id_column is not None:
            ids.update(v for v in text[id_column] if v and len(v) >= MIN_ID_LENGTH and not v.isdigit())
        if not others:
            continue
        cells = text[others].to_numpy(dtype=object)
        numbers, whole, present = parse_codes(cells)
        for i in range(cells.shape[0]):
            row = [int(numbers[i, j]) if whole[i, j] else None for j in range(cells.shape[1])]
            for window in _windows(row):
                fingerprints.setdefault(window, f"row {i + 2} of {name}")
        for j, column in enumerate(others):
            answers = [cells[i, j] for i in range(cells.shape[0]) if present[i, j] and not whole[i, j]]
            seen: dict[str, int] = {}
            for answer in answers:
                seen[_normal(answer)] = seen.get(_normal(answer), 0) + 1
            for i in range(cells.shape[0]):
                if present[i, j] and not whole[i, j] and len(cells[i, j]) >= FREE_TEXT_MIN_LENGTH:
                    key = _normal(cells[i, j])
                    if seen[key] == 1:
                        free_texts.setdefault(key, f"row {i + 2}, column {column!r} of {name}")
    patterns = [id_pattern] if id_pattern else []
    patterns += [re.escape(i) for i in sorted(ids, key=lambda s: (-len(s), s))]
    regex = re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])") if patterns else None
    return _Reference(regex, fingerprints, free_texts, known_text)


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _known_text(sources) -> str:
    """The project's own text: string values of data files, normalised, one per line."""
    import yaml

    from cwp_analysis.paths import data_dir

    if sources is None:
        root = data_dir()
        files = [p for p in sorted(root.rglob("*")) if p.is_file() and "private" not in p.relative_to(root).parts]
    else:
        files = []
        for source in [sources] if isinstance(sources, (str, os.PathLike)) else list(sources):
            source = Path(source)
            files += sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    pieces: list[str] = []
    for path in files:
        suffix = path.suffix.lower()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            if suffix in (".yaml", ".yml"):
                pieces += _strings(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
            elif suffix == ".json":
                pieces += _strings(json.loads(text))
            elif suffix in _TABLE_SUFFIXES:
                delimiter = "\t" if suffix == ".tsv" else ","
                pieces += [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
            else:
                pieces.append(text)
        except (ValueError, yaml.YAMLError, csv.Error):
            pieces.append(text)
    return "\n".join(_normal(p) for p in pieces if p.strip())


# --------------------------------------------------------------------------
# Count columns
# --------------------------------------------------------------------------


def header_kind(header: str) -> str | None:
    """What a column header names: ``"count"``, ``"statistic"``, ``"label"`` or None.

    Parameters
    ----------
    header : str

    Returns
    -------
    str or None
        None when the header says nothing (the values decide).

    Examples
    --------
    >>> [header_kind(h) for h in ("Count", "Before n", "n (%)", "Before %", "p", "published",
    ...                           "Partners used", "Rarely")]
    ['count', 'count', 'count', 'statistic', 'statistic', 'statistic', 'label', None]
    """
    words = _HEADER_WORDS.findall(str(header).lower())
    if not words:
        return None
    if words[0] in COUNT_WORDS:
        return "count"
    if any(w in STATISTIC_WORDS for w in words):
        return "statistic"
    if any(w in COUNT_WORDS for w in words):
        return "count"
    if any(w in LABEL_WORDS for w in words):
        return "label"
    return None


def _whole_number(text: str, floats: bool = True) -> int | None:
    """The count a cell shows: ``12``, ``1,234`` or (with ``floats``) ``12.0``; else None."""
    if _WHOLE.fullmatch(text):
        return int(text.replace(",", ""))
    if floats and _WHOLE_FLOAT.fullmatch(text):
        return int(float(text))
    return None


def _count_in_cell(text: str, named: bool) -> int | None:
    value = _whole_number(text)
    if value is None and named:
        match = _COUNT_WITH_SHARE.fullmatch(text)
        if match:
            value = int(match.group(1))
    return value


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


@dataclass
class _Cell:
    text: str
    header: bool  # <th>
    colspan: int
    rowspan: int
    line: int


@dataclass
class _Table:
    number: int
    classes: frozenset
    attrs: dict
    caption: str | None
    line: int
    rows: list = field(default_factory=list)  # (section, [cells])


class _PageReader(HTMLParser):
    """Collects a page's tables (cell by cell) and its other text (line by line)."""

    _BLOCKS = frozenset({
        "p", "div", "br", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "dt", "dd",
        "blockquote", "figcaption", "caption", "ul", "ol", "hr", "title", "script", "table", "header", "footer",
        "nav", "main", "aside", "figure", "details", "summary", "tr", "td", "th", "option", "label",
    })

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self.texts: list[tuple[int, str | None]] = []  # (line, text) outside tables; None ends a block
        self._stack: list[_Table] = []
        self._section = "tbody"
        self._row: list[_Cell] | None = None
        self._cell: list[str] | None = None
        self._cell_attrs: tuple[bool, int, int, int] | None = None
        self._style = 0
        self._caption: list[str] | None = None
        self._pending_caption: str | None = None

    @staticmethod
    def _span(attrs: dict, name: str) -> int:
        try:
            return max(1, min(1000, int(attrs.get(name) or 1)))
        except ValueError:
            return 1

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if tag == "style":
            self._style += 1
            return
        if tag in self._BLOCKS and not self._stack:
            self.texts.append((line, None))
        if tag == "p" and "cwp-table-caption" in attrs.get("class", "").split():
            self._caption = []
        elif tag == "table":
            table = _Table(len(self.tables) + 1, frozenset(attrs.get("class", "").split()), attrs,
                           self._pending_caption, line)
            self._pending_caption = None
            self.tables.append(table)
            self._stack.append(table)
            self._section = "tbody"
        elif not self._stack:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
            self._cell_attrs = (tag == "th", self._span(attrs, "colspan"), self._span(attrs, "rowspan"), line)
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "style":
            self._style = max(0, self._style - 1)
            return
        if tag in self._BLOCKS and not self._stack:
            self.texts.append((self.getpos()[0], None))
        if tag == "p" and self._caption is not None:
            self._pending_caption = " ".join("".join(self._caption).split())
            self._caption = None
        elif not self._stack:
            return
        elif tag in ("td", "th") and self._cell is not None:
            self._finish_cell()
        elif tag == "tr":
            if self._cell is not None:
                self._finish_cell()
            if self._row is not None:
                self._stack[-1].rows.append((self._section, self._row))
            self._row = None
        elif tag == "table":
            if self._cell is not None:
                self._finish_cell()
            if self._row:
                self._stack[-1].rows.append((self._section, self._row))
            self._row = None
            self._stack.pop()

    def _finish_cell(self):
        header, colspan, rowspan, line = self._cell_attrs
        text = " ".join("".join(self._cell).split())
        if self._row is None:
            self._row = []
        self._row.append(_Cell(text, header, colspan, rowspan, line))
        self._cell = None

    def handle_data(self, data):
        if self._style:
            return
        if self._cell is not None:
            self._cell.append(data)
            return
        if self._stack:
            return
        if self._caption is not None:
            self._caption.append(data)
        elif data.strip():
            self._pending_caption = None
        self.texts.append((self.getpos()[0], data))

    def text_lines(self) -> Iterator[tuple[int, str]]:
        """Lines of text outside tables, with the source line each starts on (approximately)."""
        current: list[str] = []
        start = 1
        for line, piece in [*self.texts, (0, None)]:
            parts = [None] if piece is None else piece.split("\n")
            for k, part in enumerate(parts):
                if part is None or k > 0:
                    joined = "".join(current)
                    if joined.strip():
                        yield start, joined
                    current = []
                if part:
                    if not current:
                        start = line + k
                    current.append(part)


def _grid(rows: list) -> list[tuple[str, list]]:
    """Expand colspan/rowspan: each row becomes a list of cells by column position (None for gaps)."""
    carry: dict[int, list] = {}
    out = []
    for section, cells in rows:
        placed: dict[int, _Cell] = {c: held[1] for c, held in carry.items()}
        new_carry: dict[int, list] = {}
        column = 0
        for cell in cells:
            while column in placed:
                column += 1
            for k in range(cell.colspan):
                placed[column + k] = cell
                if cell.rowspan > 1:
                    new_carry[column + k] = [cell.rowspan - 1, cell]
            column += cell.colspan
        carry = {c: [left - 1, cell] for c, (left, cell) in carry.items() if left > 1}
        carry.update(new_carry)
        width = max(placed) + 1 if placed else 0
        out.append((section, [placed.get(c) for c in range(width)]))
    return out


@dataclass(frozen=True)
class _TableView:
    """A table as headers, label columns and body rows."""

    headers: list
    body: list  # list of (row label or None, [cells by position])
    label_columns: set


def _view(table: _Table) -> _TableView:
    grid = _grid(table.rows)
    head = [cells for section, cells in grid if section == "thead"]
    body = [cells for section, cells in grid if section != "thead"]
    if not head:
        while body and body[0] and all(c is None or c.header for c in body[0]):
            head.append(body.pop(0))
    width = max((len(c) for c in head + body), default=0)
    headers = []
    for position in range(width):
        texts: list[str] = []
        for cells in head:
            cell = cells[position] if position < len(cells) else None
            if cell is not None and cell.text and (not texts or texts[-1] != cell.text):
                texts.append(cell.text)
        headers.append(" / ".join(texts))
    label_columns = set()
    for position in range(width):
        present = [cells[position] for cells in body if position < len(cells) and cells[position] is not None]
        if present and all(cell.header for cell in present):
            label_columns.add(position)
    rows = []
    for cells in body:
        labels = []
        for position in sorted(label_columns):
            cell = cells[position] if position < len(cells) else None
            if cell is not None and cell.text and cell.text not in labels:
                labels.append(cell.text)
        rows.append((" / ".join(labels) or None, cells))
    return _TableView(headers, rows, label_columns)


def _declared_counts(table: _Table) -> set[str] | None:
    if COUNT_ATTRIBUTE not in table.attrs:
        return None
    try:
        declared = json.loads(table.attrs[COUNT_ATTRIBUTE] or "[]")
    except ValueError:
        declared = [table.attrs[COUNT_ATTRIBUTE]]
    return {str(d) for d in (declared if isinstance(declared, list) else [declared])}


def _count_columns(view: _TableView, table: _Table, marker: str) -> dict[int, bool]:
    """Count columns by position -> whether their header names a count."""
    declared = _declared_counts(table)
    counts: dict[int, bool] = {}
    for position, header in enumerate(view.headers):
        if position in view.label_columns:
            continue
        if declared is not None:
            if header in declared:
                counts[position] = True
            continue
        kind = header_kind(header)
        if kind in ("statistic", "label"):
            continue
        if kind == "count":
            counts[position] = True
            continue
        values = [cells[position].text for _, cells in view.body
                  if position < len(cells) and cells[position] is not None and not cells[position].header]
        present = [v for v in values if v and v != marker]
        floats = len(present) < len([v for v in values if v])  # a marker: disclose treated it as counts
        if present and all(_whole_number(v, floats) is not None for v in present):
            counts[position] = False
    return counts


def _table_label(view: _TableView, position: int) -> str | None:
    return view.headers[position] if position < len(view.headers) and view.headers[position] else None


def _row_name(label: str | None, index: int) -> str:
    return repr(label) if label is not None else str(index)


def _is_data_table(table: _Table) -> bool:
    return bool({"cwp-table", "dataframe"} & table.classes)


def _not_people(table: _Table) -> bool:
    caption = (table.caption or "").casefold()
    return any(phrase in caption for phrase in NOT_PEOPLE_PHRASES)


class _Scan:
    """Accumulates the findings of one scan."""

    def __init__(self, reference: _Reference, threshold: int, marker: str, max_cell_length: int):
        self.reference = reference
        self.threshold = threshold
        self.marker = marker
        self.max_cell_length = max_cell_length
        self.findings: list[Finding] = []
        self._seen: set = set()

    def add(self, finding: Finding) -> None:
        key = (finding.file, finding.rule, finding.value, finding.table, finding.row, finding.column, finding.line)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(finding)

    # -- rules on units of text ---------------------------------------------
    def identifiers(self, name: str, text: str, **where) -> None:
        if self.reference.id_regex is None:
            return
        for match in self.reference.id_regex.finditer(text):
            self.add(Finding(name, RULE_RESPONDENT_ID, match.group(0), detail="is a respondent identifier",
                             **where))

    def codes(self, name: str, tokens: Sequence[int | None], **where) -> None:
        if not self.reference.fingerprints or len(tokens) < ROW_RUN:
            return
        for window in _windows(tokens):
            source = self.reference.fingerprints.get(window)
            if source is not None:
                self.add(Finding(name, RULE_SURVEY_ROW, f"{ROW_RUN} consecutive codes",
                                 detail=f"equal to answers of survey {source}", **where))
                return

    def long_cell(self, name: str, text: str, **where) -> None:
        if len(text) <= self.max_cell_length:
            return
        if self.reference.known_text and _normal(text) in self.reference.known_text:
            return
        shown = text[:30] + "..."
        self.add(Finding(name, RULE_FREE_TEXT, shown,
                         detail=f"is a text cell of {len(text)} characters (more than {self.max_cell_length}) "
                                "that is not the project's own text", **where))

    def free_text(self, name: str, text: str) -> None:
        if not self.reference.free_texts:
            return
        normal = _normal(text)
        for answer, source in self.reference.free_texts.items():
            if answer in normal:
                self.add(Finding(name, RULE_FREE_TEXT, answer[:20] + "...",
                                 detail=f"is the free-text answer in survey {source}"))

    # -- HTML -----------------------------------------------------------------
    def html(self, name: str, text: str, *, counts: bool = True) -> None:
        reader = _PageReader()
        reader.feed(text)
        reader.close()
        for line, piece in reader.text_lines():
            self.identifiers(name, piece, line=line)
            self.codes(name, _tokens(piece), line=line)
        for table in reader.tables:
            self.table(name, table, counts=counts)
        self.free_text(name, text)

    def table(self, name: str, table: _Table, *, counts: bool) -> None:
        view = _view(table)
        data_table = _is_data_table(table)
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
        if _not_people(table):
            return
        for position, named in _count_columns(view, table, self.marker).items():
            for index, (label, cells) in enumerate(view.body, start=1):
                cell = cells[position] if position < len(cells) else None
                if cell is None or cell.header:
                    continue
                value = _count_in_cell(cell.text, named)
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


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _code(text: str) -> int | None:
    text = text.strip()
    if _CODE_TOKEN.fullmatch(text):
        return int(float(text))
    return None


def _tokens(line: str) -> list[int | None]:
    return [_code(token) for token in _TOKEN_SPLIT.split(line) if token]


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error:
        return


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
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


def _read_text(path: Path) -> str | None:
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


def _scan_file(scan: _Scan, path: Path, name: str, *, must_read: bool) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            scan.rows(name, _xlsx_rows(path))
        except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported, not raised
            scan.add(Finding(name, RULE_UNSCANNABLE, path.name,
                             detail=f"cannot be read as a workbook ({type(error).__name__})"))
        return
    text = _read_text(path)
    if text is None:
        if must_read:
            scan.add(Finding(name, RULE_UNSCANNABLE, path.name,
                             detail="is a downloadable file the scanner cannot read (binary); "
                                    "publish data as CSV, JSON, YAML or .xlsx, or allow-list it"))
        return
    if suffix in (".html", ".htm"):
        scan.html(name, text)
    elif suffix in _TABLE_SUFFIXES:
        scan.rows(name, _csv_rows(text, "\t" if suffix == ".tsv" else ","))
    elif suffix == ".ipynb":
        scan.notebook(name, text)
    else:
        scan.plain(name, text)


def _allowed(relative: str, patterns: Sequence[str]) -> bool:
    base = relative.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(base, p) or fnmatch.fnmatchcase(relative, p) for p in patterns)


def _files(root: Path, skipped_dirs: Sequence[str]) -> Iterator[tuple[Path, str]]:
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skipped_dirs)
        for file_name in sorted(names):
            path = Path(current, file_name)
            yield path, path.relative_to(root).as_posix()


def _check_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    return threshold


def scan_html(
    text: str,
    *,
    name: str = "page.html",
    threshold: int = DEFAULT_THRESHOLD,
    survey=None,
    id_pattern: str | None = DEFAULT_ID_PATTERN,
    known_text=(),
    marker: str = DEFAULT_MARKER,
    max_cell_length: int = MAX_LABEL_LENGTH,
) -> list[Finding]:
    """Scan one HTML page (see the module docstring for the rules).

    Parameters
    ----------
    text : str
        The page.
    name : str
        File name used in the findings.
    threshold, survey, id_pattern, known_text, marker, max_cell_length
        As for :func:`scan_site`, except that ``known_text`` defaults to
        nothing (no project text).

    Returns
    -------
    list of Finding
    """
    scan = _Scan(_survey_reference(survey, id_pattern, _known_text(known_text)), _check_threshold(threshold),
                 marker, max_cell_length)
    scan.html(name, text)
    return scan.findings


def scan_site(
    site_dir: str | os.PathLike,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    survey=None,
    outputs: str | os.PathLike | None = None,
    allow: Sequence[str] = DEFAULT_ALLOW,
    id_pattern: str | None = DEFAULT_ID_PATTERN,
    known_text=None,
    marker: str = DEFAULT_MARKER,
    max_cell_length: int = MAX_LABEL_LENGTH,
) -> list[Finding]:
    """Scan a built site, its downloads and the notebooks' output tables for disclosures.

    Parameters
    ----------
    site_dir : path-like
        The built HTML folder (``book/_build/html`` or ``cwp build --out``).
    threshold : int, default 7
        Counts from 1 to ``threshold`` must be suppressed (the notebooks'
        ``suppression_threshold``).
    survey : path-like, pandas.DataFrame, or a sequence of them, optional
        Microdata whose identifiers, rows and free-text answers must not
        appear: the survey file the site was built from (and the Work Star
        file).  Read with :func:`cwp_analysis.survey_io.read_table`.
    outputs : path-like, optional
        The folder of files the notebooks wrote (``cwp build --outputs``,
        default ``build/outputs``), scanned like the downloads and shown as
        ``outputs/...``.
    allow : sequence of str, default :data:`DEFAULT_ALLOW`
        Shell patterns (:mod:`fnmatch`, case-sensitive) of files not scanned,
        matched against the file name and its relative path.
    id_pattern : str or None, default :data:`DEFAULT_ID_PATTERN`
        Regular expression of identifiers that must not appear; None for
        none beyond the ``survey`` identifiers.
    known_text : path-like or sequence of path-like, optional
        Files or folders of the project's own text, for the free-text rule;
        default the project data folder without ``private/``; ``()`` for none.
    marker : str, default "[c]"
        The suppression marker.
    max_cell_length : int, default 120
        Longer text cells of data tables are free text unless known.

    Returns
    -------
    list of Finding
        In file order; empty when the site is clean.

    Raises
    ------
    ScanError
        When ``site_dir`` is not a folder holding at least one HTML page,
        or ``outputs`` is not a folder.
    SurveyValidationError
        When a ``survey`` file cannot be read.
    ValueError
        For a threshold that is not a whole number of at least 1.
    """
    _check_threshold(threshold)
    site = Path(site_dir)
    if not site.is_dir():
        raise ScanError(f"site folder {site} does not exist")
    if not any(site.rglob("*.html")):
        raise ScanError(f"site folder {site} holds no HTML page; is it a built book?")
    if outputs is not None and not Path(outputs).is_dir():
        raise ScanError(f"outputs folder {outputs} does not exist")
    scan = _Scan(_survey_reference(survey, id_pattern, _known_text(known_text)), threshold, marker,
                 max_cell_length)
    for path, relative in _files(site, SKIPPED_DIRS):
        if path.name in _SKIPPED_FILES or _allowed(relative, allow):
            continue
        _scan_file(scan, path, relative, must_read=relative.startswith(f"{_DOWNLOADS}/"))
    if outputs is not None:
        for path, relative in _files(Path(outputs), ()):
            if _allowed(relative, allow) or path.suffix.lower() in (".png", ".svg", ".pdf", ".jpg", ".jpeg"):
                continue
            _scan_file(scan, path, f"outputs/{relative}", must_read=True)
    return scan.findings
