"""Read a built HTML page as tables, text, images and links (standard library only).

The disclosure scanner (:mod:`cwp_analysis.disclosure_scan`) and the page
attacker (:mod:`cwp_analysis.page_attack`) read pages the same way:
:func:`read_html_page` returns a :class:`PageReader` holding

* ``tables``: every ``<table>``, cell by cell (:class:`HtmlTable`), with the
  caption of the ``cwp-table-caption`` paragraph just before it;
* ``texts``: the text outside tables, as pieces with their source line
  (:meth:`PageReader.text_lines` joins them into lines);
* ``blocks``: the same text as blocks (paragraphs, list items, captions),
  white space collapsed, each marked when it lies in a ``<pre>`` (code);
* ``images``: the alt text of every ``<img>``;
* ``links``: the target of every ``<a href>``.

:func:`table_view` expands a table's ``colspan``/``rowspan`` into headers,
row labels (``<th>`` cells in the body) and body rows.

Examples
--------
>>> page = read_html_page('<p class="cwp-table-caption"><strong>Ages.</strong></p>'
...                       '<table><thead><tr><th>Band</th><th>n</th></tr></thead>'
...                       '<tbody><tr><th>18-25</th><td>12</td></tr></tbody></table>'
...                       '<img alt="A chart: 40% (n=12)"><p>See <a href="x.csv">data</a>.</p>')
>>> view = table_view(page.tables[0])
>>> page.tables[0].caption, view.headers, [(label, [c.text for c in cells]) for label, cells in view.body]
('Ages.', ['Band', 'n'], [('18-25', ['18-25', '12'])])
>>> [alt for _, alt in page.images], page.links, [text for _, text, _ in page.blocks]
(['A chart: 40% (n=12)'], ['x.csv'], ['Ages.', 'See data.'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Cell", "HtmlTable", "PageReader", "TableView", "read_html_page", "table_view"]


@dataclass
class Cell:
    """One ``<td>`` or ``<th>``: its text (white space collapsed), kind, spans and source line."""

    text: str
    header: bool  # <th>
    colspan: int
    rowspan: int
    line: int


@dataclass
class HtmlTable:
    """One ``<table>``: 1-based position in the page, classes, attributes, caption and rows."""

    number: int
    classes: frozenset
    attrs: dict
    caption: str | None
    line: int
    rows: list = field(default_factory=list)  # (section, [cells])


class PageReader(HTMLParser):
    """Collects a page's tables (cell by cell), its other text, images and links."""

    _BLOCKS = frozenset({
        "p", "div", "br", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "dt", "dd",
        "blockquote", "figcaption", "caption", "ul", "ol", "hr", "title", "script", "table", "header", "footer",
        "nav", "main", "aside", "figure", "details", "summary", "tr", "td", "th", "option", "label",
    })

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self.texts: list[tuple[int, str | None]] = []  # (line, text) outside tables; None ends a block
        self.images: list[tuple[int, str]] = []  # (line, alt text)
        self.links: list[str] = []
        self._pieces: list[tuple[int, str | None, bool]] = []  # for blocks: (line, text, in <pre>)
        self._stack: list[HtmlTable] = []
        self._section = "tbody"
        self._row: list[Cell] | None = None
        self._cell: list[str] | None = None
        self._cell_attrs: tuple[bool, int, int, int] | None = None
        self._style = 0
        self._pre = 0
        self._caption: list[str] | None = None
        self._pending_caption: str | None = None

    @staticmethod
    def _span(attrs: dict, name: str) -> int:
        try:
            return max(1, min(1000, int(attrs.get(name) or 1)))
        except ValueError:
            return 1

    def _end_block(self, line: int) -> None:
        self.texts.append((line, None))
        self._pieces.append((line, None, False))

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if tag == "style":
            self._style += 1
            return
        if tag == "img" and attrs.get("alt", "").strip():
            self.images.append((line, " ".join(attrs["alt"].split())))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in self._BLOCKS and not self._stack:
            self._end_block(line)
        if tag == "pre":
            self._pre += 1
        if tag == "p" and "cwp-table-caption" in attrs.get("class", "").split():
            self._caption = []
        elif tag == "table":
            table = HtmlTable(len(self.tables) + 1, frozenset(attrs.get("class", "").split()), attrs,
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
            self._end_block(self.getpos()[0])
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
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
        self._row.append(Cell(text, header, colspan, rowspan, line))
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
        line = self.getpos()[0]
        self.texts.append((line, data))
        self._pieces.append((line, data, self._pre > 0))

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

    @property
    def blocks(self) -> list[tuple[int, str, bool]]:
        """Blocks of text outside tables: ``(line, text, in_pre)``, white space collapsed."""
        out: list[tuple[int, str, bool]] = []
        current: list[str] = []
        start, pre = 1, False
        for line, piece, in_pre in [*self._pieces, (0, None, False)]:
            if piece is None:
                text = " ".join("".join(current).split())
                if text:
                    out.append((start, text, pre))
                current, pre = [], False
                continue
            if not current:
                start = line
            current.append(piece)
            pre = pre or in_pre
        return out


def read_html_page(text: str) -> PageReader:
    """Parse a page; see :class:`PageReader` for what it holds."""
    reader = PageReader()
    reader.feed(text)
    reader.close()
    return reader


def _grid(rows: list) -> list[tuple[str, list]]:
    """Expand colspan/rowspan: each row becomes a list of cells by column position (None for gaps)."""
    carry: dict[int, list] = {}
    out = []
    for section, cells in rows:
        placed: dict[int, Cell] = {c: held[1] for c, held in carry.items()}
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
class TableView:
    """A table as headers, label columns and body rows.

    Attributes
    ----------
    headers : list of str
        One per column position; header rows joined with ``" / "``.
    body : list of (str or None, list)
        Each body row's label (its ``<th>`` cells joined with ``" / "``) and
        its cells by position (None where nothing is placed).
    label_columns : set of int
        Positions whose body cells are all ``<th>`` (the frame's index).
    """

    headers: list
    body: list
    label_columns: set


def table_view(table: HtmlTable) -> TableView:
    """Headers, label columns and body rows of a table (spans expanded)."""
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
    return TableView(headers, rows, label_columns)
