"""Sphinx extension: tables a reader can read on a phone.

Every ``<table>`` of a page's content (the notebooks' HTML tables and the
Markdown ones) is given what ``_static/cwp.css`` needs to lay it out:

* the table is wrapped in ``<div class="cwp-table-scroll">``, a box that
  scrolls sideways when the table is wider than the text column, so the
  page itself never does; ``cwp-reader.js`` marks a box that overflows
  (a visible cue, a keyboard stop and a label for screen readers);
* each column whose body cells are all numbers (counts, percentages,
  p-values such as ``< 0.0001``, intervals such as ``15.5 to 35.8``, the
  withheld-cell marker ``[c]``, blanks and dashes) gets ``cwp-num`` on its
  cells, so numbers align right in tabular figures while text wraps;
* the table is marked ``cwp-rowheads`` when its first column names the rows,
  which ``cwp.css`` keeps in view (sticky) while the box scrolls.

Only the table markup is parsed and rewritten (with Beautiful Soup, which
the PyData theme already depends on); the rest of the page is untouched.
"""

from __future__ import annotations

import re

_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL | re.IGNORECASE)
# A cell is "numeric" when, after removing these words, only number characters remain.
_NUMERIC_WORDS = re.compile(r"\b(?:to|and|n/a|na|nan|none|p|r|n|k|m|bn)\b|\[[a-z]\]", re.IGNORECASE)
_NUMERIC_CHARS = re.compile(r"^[\s\d.,%£$€+\-–—−<>≤≥=±()\[\]/×:;*]*$")
_HAS_DIGIT = re.compile(r"\d")


def is_numeric_text(text: str) -> bool:
    """Whether a cell's text reads as a number (or a blank, dash or withheld marker).

    Examples
    --------
    >>> [is_numeric_text(t) for t in ("66", "24.2", "< 0.0001", "15.5 to 35.8", "[c]", "–", "£1,234", "-0.5 (0.1)")]
    [True, True, True, True, True, True, True, True]
    >>> [is_numeric_text(t) for t in ("Optimistic", "Wilcoxon (asymptotic)", "2019-20 report", "yes")]
    [False, False, False, False]
    """
    rest = _NUMERIC_WORDS.sub(" ", text.strip())
    return bool(_NUMERIC_CHARS.match(rest)) and not re.search(r"[A-Za-z]", rest)


def _grid(rows):
    """(cell, first column, last column) for every cell of ``rows``, following rowspan and colspan."""
    taken: dict[tuple[int, int], bool] = {}
    for r, row in enumerate(rows):
        column = 0
        for cell in row.find_all(["td", "th"], recursive=False):
            while taken.get((r, column)):
                column += 1
            span = max(int(cell.get("colspan", 1) or 1), 1)
            down = max(int(cell.get("rowspan", 1) or 1), 1)
            for dr in range(down):
                for dc in range(span):
                    taken[(r + dr, column + dc)] = True
            yield r, cell, column, column + span - 1
            column += span


def _add_class(tag, name: str) -> None:
    classes = tag.get("class") or []
    if name not in classes:
        tag["class"] = [*classes, name]


def mark_table(table_html: str) -> str:
    """One table's markup with numeric columns marked and the table wrapped in a scroll box.

    Examples
    --------
    >>> html = ("<table><thead><tr><th>Item</th><th>n</th></tr></thead>"
    ...         "<tbody><tr><th>Calm</th><td>12</td></tr><tr><th>Happy</th><td>[c]</td></tr></tbody></table>")
    >>> print(mark_table(html))
    <div class="cwp-table-scroll"><table class="cwp-rowheads"><thead><tr><th>Item</th><th class="cwp-num">n</th></tr></thead><tbody><tr><th>Calm</th><td class="cwp-num">12</td></tr><tr><th>Happy</th><td class="cwp-num">[c]</td></tr></tbody></table></div>
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(table_html, "html.parser")
    table = soup.find("table")
    if table is None:
        return table_html
    body_rows = [row for row in table.find_all("tr") if row.find_parent("thead") is None]
    head_rows = [row for row in table.find_all("tr") if row.find_parent("thead") is not None]
    if body_rows and not head_rows and all(c.name == "th" for c in body_rows[0].find_all(["td", "th"], recursive=False)):
        head_rows, body_rows = body_rows[:1], body_rows[1:]  # header row without <thead> (docutils, some pandas)
    body_cells = list(_grid(body_rows))
    columns: dict[int, list[str]] = {}
    for _, cell, first, last in body_cells:
        if first == last:
            columns.setdefault(first, []).append(cell.get_text(" ", strip=True))
    numeric = {column for column, texts in columns.items() if column > 0
               and all(is_numeric_text(t) for t in texts) and any(_HAS_DIGIT.search(t) for t in texts)}
    for _, cell, first, last in [*body_cells, *_grid(head_rows)]:
        if first == last and first in numeric:
            _add_class(cell, "cwp-num")
    if columns.get(0) and not all(is_numeric_text(t) for t in columns[0]):
        _add_class(table, "cwp-rowheads")
    return f'<div class="cwp-table-scroll">{table}</div>'


def mark_tables(body: str) -> str:
    """Every table of a page body passed through :func:`mark_table` (the rest unchanged).

    Examples
    --------
    >>> mark_tables("<p>a</p><table><tr><td>2019</td></tr></table><p>b</p>")
    '<p>a</p><div class="cwp-table-scroll"><table><tr><td>2019</td></tr></table></div><p>b</p>'
    """
    return _TABLE.sub(lambda match: mark_table(match.group(0)), body)


def _page_context(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and "<table" in body:
        context["body"] = mark_tables(body)


def setup(app):
    app.connect("html-page-context", _page_context, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
