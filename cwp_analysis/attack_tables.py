"""The attacker's reading of published tables: unknowns for withheld cells and the facts that bind them.

:class:`PageFacts` holds everything an attacker has gathered from one page:
the tables (:class:`Grid`, from the HTML or from a CSV download), one
integer unknown per withheld count cell (the marker ``[c]`` in a count
column), the linear facts (:class:`~cwp_analysis.attack_solver.LinearFacts`)
and the :class:`Query` objects to ask of them.  :func:`table_facts` reads a
grid's structure and adds what it implies:

``margins``
    A row of answer counts adds up to its ``Total``/``Base``/``answering``
    column; a ``Total``/``All`` row is the sum of the rows above it;
    "women counted" and "other answers" add up to "answering".
``assumed totals``
    The rows of a long table (``Question | Answer | Count | Base``) add up
    to their base within each question, and those of a one-question table
    to its constant base; a row of answers adds up to its ``Base``: likely
    but not certain (answers may be multiple), so these facts are kept only
    where nothing shown contradicts them and the caption does not say a
    woman could be counted in several rows (:data:`SEVERAL_PHRASES`).
``shares``
    A share printed to ``d`` decimals of a count (or of a group of answer
    columns, ``% positive``) over its base, within the rounding interval.
``intervals``
    A printed Wilson interval of a withheld count over a known base
    (every count whose interval rounds to the printed one).
``effect sizes``
    For a yes/no item tested with McNemar's test, the rank-biserial
    correlation ``(c - b)/(c + b)``, ``r = |Z|/sqrt(pairs)`` and the exact
    p-value pin the discordant pairs ``b`` and ``c``, and
    ``after = before - b + c``.
``reproduction``
    In the reproduction chapter, a recomputed value shown beside the
    counts, and a printed figure marked reproduced (✔), bound the
    recomputed share, change or count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from cwp_analysis.attack_solver import Expr, LinearFacts
from cwp_analysis.attack_values import (
    PERCENT_WORDS,
    interval_text,
    likert_groups,
    mcnemar_pairs,
    norm,
    published_interval,
    rounded_number,
    share_text,
    wilson_counts,
)
from cwp_analysis.count_columns import header_kind, whole_number

__all__ = ["Grid", "PageFacts", "Query", "table_facts"]

#: Column headers (normalised) of a line's total.
TOTAL_COLUMNS = ("total", "all", "grand total", "base", "answering", "n answering", "number answering")
#: Row labels (normalised) of a column total.
TOTAL_ROWS = ("total", "all", "grand total")
#: Column headers (normalised) of a share's base.
BASE_COLUMNS = ("base", "answering", "pairs", "n", "total", "women answering", "n answering")
_COUNT_IN_TEXT = re.compile(r"([0-9]+)\s*\(.*\)")


@dataclass
class Grid:
    """A table as the attacker reads it.

    Attributes
    ----------
    element : str
        ``"table 3"`` or ``"download tables/x.csv"``.
    table : int or None
        1-based position of the HTML table on the page.
    caption : str
    headers : list of str
    cells : list of list of str
        Body cells' texts by position.
    labels : list of str or None
        Each row's label (its label columns joined with ``" / "``).
    label_columns : list of int
    counts : dict
        Count columns: position -> whether the header names a count.
    """

    element: str
    table: int | None
    caption: str
    headers: list
    cells: list
    labels: list
    label_columns: list
    counts: dict
    index: int = 0

    def column(self, *names: str, named: bool | None = None) -> int | None:
        """Position of the first count column whose normalised header is one of ``names``."""
        for position, header in enumerate(self.headers):
            if norm(header) in names and position in self.counts and (named is None or self.counts[position] == named):
                return position
        return None

    def header_position(self, predicate) -> list[int]:
        return [p for p, h in enumerate(self.headers) if predicate(norm(h))]

    def text(self, row: int, position: int) -> str:
        cells = self.cells[row]
        return cells[position] if position < len(cells) else ""


@dataclass
class Query:
    """An expression whose range is asked for, and what it stands for."""

    expr: Expr
    what: str  # "withheld cell", "withheld cells together", "complement", "hidden count", "implied count"
    element: str
    table: int | None
    row: str | None
    column: str | None
    strict: bool  # a single possible value is a recovery even outside 1..threshold


@dataclass
class PageFacts:
    """What an attacker knows about one page."""

    marker: str = "[c]"
    facts: LinearFacts = field(default_factory=LinearFacts)
    grids: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    groups: list = field(default_factory=list)  # Likert group definitions read from alt text
    _cells: dict = field(default_factory=dict)

    def cell(self, grid: Grid, row: int, position: int) -> Expr | None:
        """The count in a cell: a number, an unknown for a withheld cell, or None."""
        if position is None or position not in grid.counts or row >= len(grid.cells):
            return None
        key = (grid.index, row, position)
        if key in self._cells:
            return self._cells[key]
        text = grid.text(row, position).strip()
        expr = None
        if text == self.marker:
            label = f"{grid.element}, row {grid.labels[row]!r}, column {grid.headers[position]!r}"
            expr = Expr.of(self.facts.unknown(label))
            self.queries.append(Query(expr, "withheld cell", grid.element, grid.table, grid.labels[row],
                                      grid.headers[position], strict=True))
        else:
            value = whole_number(text)
            if value is None and grid.counts[position]:
                match = _COUNT_IN_TEXT.fullmatch(text)
                value = int(match.group(1)) if match else None
            if value is not None:
                expr = Expr.constant(value)
        self._cells[key] = expr
        return expr

    def hidden(self, label: str, *, low: int = 0, high: int | None = None) -> Expr:
        """A quantity never printed (an unknown that is not a cell)."""
        return Expr.of(self.facts.unknown(label, low=low, high=high))

    def ask(self, expr: Expr, what: str, grid: Grid | None, row: int | None, column: str | None, *,
            strict: bool = False, element: str | None = None, label: str | None = None) -> None:
        """Ask for the range of ``expr`` (``label`` names the row when ``row`` does not)."""
        if label is None and grid is not None and row is not None:
            label = grid.labels[row]
        self.queries.append(Query(expr, what, element or (grid.element if grid else "text"),
                                  grid.table if grid else None, label, column, strict))

    def share(self, count: Expr, base: Expr, low: float, high: float, kind: str, note: str) -> bool:
        """``low% <= count / base <= high%`` as two linear facts."""
        ok = self.facts.add(count * 100.0 - base * max(low, 0.0), 0, None, kind=kind, note=note)
        return self.facts.add(count * 100.0 - base * min(high, 100.0), None, 0, kind=kind, note=note) and ok


# --------------------------------------------------------------------------
# lines: rows and columns that add up
# --------------------------------------------------------------------------


def _sum(parts) -> Expr | None:
    return None if any(p is None for p in parts) else Expr.total(parts)


def _line(page: PageFacts, grid: Grid, parts: list, names: list, total: Expr | None, kind: str, row: int | None,
          note: str, *, label: str | None = None) -> None:
    """``sum(parts) = total``, and ask for the withheld parts together when there are several."""
    whole = _sum(parts)
    if whole is None or total is None:
        return
    if page.facts.add(whole - total, 0, 0, kind=kind, note=note):
        withheld = [(p, n) for p, n in zip(parts, names) if not p.is_known]
        if len(withheld) >= 2:
            page.ask(Expr.total(p for p, _ in withheld), "withheld cells together", grid, row,
                     " + ".join(n for _, n in withheld), label=label)


def _row_lines(page: PageFacts, grid: Grid) -> None:
    totals = [p for p in grid.counts if norm(grid.headers[p]) in TOTAL_COLUMNS]
    if not totals:
        return
    total = totals[0]
    first = max((p for p in grid.label_columns if p < total), default=-1) + 1
    parts = list(range(first, total))
    if len(parts) < 2 or any(p not in grid.counts or grid.counts[p] for p in parts):
        return  # the columns before the total are not all answer counts: no line to assume
    kind = "margins" if norm(grid.headers[total]) in TOTAL_ROWS else "assumed totals"
    for row in range(len(grid.cells)):
        _line(page, grid, [page.cell(grid, row, p) for p in parts], [grid.headers[p] for p in parts],
              page.cell(grid, row, total), kind, row,
              f"{grid.element}: row {grid.labels[row]!r} adds up to its {grid.headers[total]}")


def _other_lines(page: PageFacts, grid: Grid) -> None:
    """Reproduction tables: "counted" + "other ..." = "answering" (or an unprinted number answering)."""
    answering = grid.column("answering")
    for other in grid.header_position(lambda h: h.startswith("other ")):
        suffix = norm(grid.headers[other])[len("other "):]
        if suffix in ("before", "after"):
            counted = grid.header_position(lambda h, s=suffix: "counted" in h and h.endswith(s))
            base = None
        else:
            counted = grid.header_position(lambda h: "counted" in h) or grid.header_position(lambda h: h == "recomputed")
            base = answering
        if not counted or counted[0] not in grid.counts or other not in grid.counts or base is None:
            continue
        for row in range(len(grid.cells)):
            _line(page, grid, [page.cell(grid, row, counted[0]), page.cell(grid, row, other)],
                  [grid.headers[counted[0]], grid.headers[other]], page.cell(grid, row, base), "margins", row,
                  f"{grid.element}: row {grid.labels[row]!r}, counted and other answers make the number answering")


def _column_lines(page: PageFacts, grid: Grid) -> None:
    start = 0
    for row, label in enumerate(grid.labels):
        last = norm((label or "").split(" / ")[-1])
        if last not in TOTAL_ROWS:
            continue
        for position in grid.counts:
            _line(page, grid, [page.cell(grid, r, position) for r in range(start, row)],
                  [f"{grid.headers[position]} of {grid.labels[r]}" for r in range(start, row)],
                  page.cell(grid, row, position), "margins", row,
                  f"{grid.element}: column {grid.headers[position]!r} adds up to its total row")
        start = row + 1


#: Caption phrases saying that a table's answers are not exclusive (a woman may be counted in several rows).
SEVERAL_PHRASES = ("several", "more than one", "multiple", "not exclusive", "any number of")


def _group_lines(page: PageFacts, grid: Grid) -> None:
    """Long tables: the rows of one question add up to its base (assumed: answers could be multiple)."""
    if any(phrase in grid.caption.lower() for phrase in SEVERAL_PHRASES):
        return
    base = grid.column("base", "answering", named=True)
    mains = [p for p in grid.counts if p != base and norm(grid.headers[p]) not in TOTAL_COLUMNS]
    if base is None or len(mains) != 1 or any(norm(grid.headers[p]) in TOTAL_COLUMNS for p in grid.counts
                                                if p not in (base, mains[0])):
        return
    main = mains[0]
    key_column = grid.label_columns[0] if len(grid.label_columns) >= 2 else None
    groups: list[list[int]] = []
    for row in range(len(grid.cells)):
        key = grid.text(row, key_column) if key_column is not None else ""
        if norm((grid.labels[row] or "").split(" / ")[-1]) in TOTAL_ROWS:
            continue
        if groups and (key_column is None or grid.text(groups[-1][0], key_column) == key):
            groups[-1].append(row)
        else:
            groups.append([row])
    lines = []
    for rows in groups:
        bases = {grid.text(r, base) for r in rows}
        if len(rows) < 2 or len(bases) != 1:
            continue
        cells = [page.cell(grid, r, main) for r in rows]
        total = page.cell(grid, rows[0], base)
        parts = [p for p in cells if p is not None]
        if len(parts) < len(cells) or total is None:
            continue
        if all(p.is_known for p in parts) and total.is_known and abs(Expr.total(parts).offset - total.offset) > 1e-9:
            return  # a complete question that does not add up: the answers are not exclusive
        lines.append((rows, parts, total))
    for rows, parts, total in lines:
        group = grid.text(rows[0], key_column) if key_column is not None else None
        names = [(grid.labels[r] or "").split(" / ")[-1] for r in rows]
        _line(page, grid, parts, names, total, "assumed totals", rows[0],
              f"{grid.element}: the answers of {group or 'the table'!r} add up to its base",
              label=group or grid.caption[:60] or grid.element)


# --------------------------------------------------------------------------
# shares and intervals
# --------------------------------------------------------------------------


def _base_column(grid: Grid, prefix: str) -> int | None:
    if prefix:
        for name in ("base", "n answering", "answering"):
            found = grid.column(f"{prefix} {name}")
            if found is not None:
                return found
    return grid.column(*BASE_COLUMNS, named=True)


def _count_for(grid: Grid, share_position: int, prefix: str, base: int | None, groups: dict) -> list[int] | None:
    """Count columns summed by a share column."""
    if prefix in groups:
        return groups[prefix]
    if prefix:
        for position in grid.counts:
            header = norm(grid.headers[position])
            if position != base and header.startswith(prefix + " ") and header_kind(grid.headers[position]) == "count":
                return [position]
        return None
    left = [p for p in grid.counts if p < share_position and p != base and norm(grid.headers[p]) not in TOTAL_COLUMNS]
    return [max(left)] if left else None


def _share_columns(page: PageFacts, grid: Grid) -> None:
    groups = likert_groups(grid, page.groups)
    confidence = 95.0
    found = re.search(r"([0-9]{2}(?:\.[0-9]+)?)% (?:wilson|confidence)", grid.caption.lower())
    if found:
        confidence = float(found.group(1))
    for position, header in enumerate(grid.headers):
        words = norm(header).split()
        if position in grid.counts or not words or position in grid.label_columns:
            continue
        is_interval = "ci" in words or "interval" in words
        if not is_interval and not any(w in PERCENT_WORDS for w in words):
            continue
        prefix = " ".join(w for w in words if w not in PERCENT_WORDS and w not in ("ci", "interval"))
        base = _base_column(grid, prefix if prefix not in groups else "")
        columns = _count_for(grid, position, prefix, base, groups)
        if base is None or not columns:
            continue
        pairs = []
        for row in range(len(grid.cells)):
            count = _sum([page.cell(grid, row, p) for p in columns])
            total = page.cell(grid, row, base)
            if count is not None and total is not None:
                pairs.append((row, count, total))
        note = f"{grid.element}: {header!r} of {grid.headers[base]!r}"
        if is_interval:
            _intervals(page, grid, position, pairs, confidence, note)
        elif _shares(page, grid, position, pairs, note):
            for row, count, total in pairs:
                if len(columns) > 1:
                    page.ask(count, "withheld cells together", grid, row, header)
                page.ask(total - count, "complement", grid, row, header)


def _shares(page: PageFacts, grid: Grid, position: int, pairs: list, note: str) -> bool:
    """Share facts of one column; False (and no fact) when a fully shown row shows it is not count / base."""
    facts = []
    for row, count, total in pairs:
        shown = share_text(grid.text(row, position))
        if shown is None:
            continue
        low, high = shown
        if count.is_known and total.is_known:
            if total.offset > 0 and not low - 1e-6 <= 100 * count.offset / total.offset <= high + 1e-6:
                return False
            continue
        facts.append((row, count, total, low, high))
    for row, count, total, low, high in facts:
        page.share(count, total, low, high, "shares", f"{note}, row {grid.labels[row]!r}")
    return True


def _intervals(page: PageFacts, grid: Grid, position: int, pairs: list, confidence: float, note: str) -> None:
    """A Wilson interval printed beside a withheld count over a known base gives the counts it fits."""
    for row, count, total in pairs:
        bounds = interval_text(grid.text(row, position))
        if bounds is None or not total.is_known or count.is_known or len(count.terms) != 1:
            continue
        possible = wilson_counts(int(total.offset), bounds, confidence)
        if possible:
            page.facts.add(count, min(possible), max(possible), kind="intervals", note=f"{note}, row {grid.labels[row]!r}")


# --------------------------------------------------------------------------
# effect sizes of yes/no items
# --------------------------------------------------------------------------


def _mcnemar(page: PageFacts, grid: Grid) -> None:
    test = grid.header_position(lambda h: h == "test")
    biserial = grid.header_position(lambda h: "biserial" in h)
    r_column = grid.header_position(lambda h: h == "r" or (h.startswith("r ") and "sqrt" in h))
    p_column = grid.header_position(lambda h: h == "p")
    pairs = grid.column("pairs")
    before = [p for p in grid.counts if norm(grid.headers[p]) in ("before n", "before count")]
    after = [p for p in grid.counts if norm(grid.headers[p]) in ("after n", "after count")]
    if not (test and biserial and r_column and pairs is not None and before and after):
        return
    for row in range(len(grid.cells)):
        method = grid.text(row, test[0]).lower()
        n_pairs = page.cell(grid, row, pairs)
        if "mcnemar" not in method or n_pairs is None or not n_pairs.is_known:
            continue
        rb, r = rounded_number(grid.text(row, biserial[0])), rounded_number(grid.text(row, r_column[0]))
        if rb is None or r is None:
            continue
        p_text = grid.text(row, p_column[0]) if p_column and "exact" in method else ""
        possible = mcnemar_pairs(int(n_pairs.offset), rb, r, p_text)
        note = f"{grid.element}: row {grid.labels[row]!r}, effect sizes of a yes/no item"
        if not possible:
            page.facts.dropped.append(f"effect sizes: {note} fit no pair of counts")
            continue
        b_values, c_values = [b for b, _ in possible], [c for _, c in possible]
        b = page.hidden(f"{note}: women from yes to no", low=min(b_values), high=max(b_values))
        c = page.hidden(f"{note}: women from no to yes", low=min(c_values), high=max(c_values))
        n = int(n_pairs.offset)
        first, last = page.cell(grid, row, before[0]), page.cell(grid, row, after[0])
        facts = page.facts
        facts.add(b + c, min(x + y for x, y in possible), max(x + y for x, y in possible), kind="effect sizes", note=note)
        facts.add(c - b, min(y - x for x, y in possible), max(y - x for x, y in possible), kind="effect sizes", note=note)
        if first is not None:
            facts.add(first - b, 0, None, kind="effect sizes", note=note)
            facts.add(first + c, None, n, kind="effect sizes", note=note)
        if first is not None and last is not None:
            facts.add(last - first - c + b, 0, 0, kind="effect sizes", note=note)
        page.ask(b, "hidden count", grid, row, "women from yes to no (b)")
        page.ask(c, "hidden count", grid, row, "women from no to yes (c)")


# --------------------------------------------------------------------------
# the reproduction chapter
# --------------------------------------------------------------------------


def _reproduction(page: PageFacts, grid: Grid) -> None:
    published = grid.header_position(lambda h: h == "published")
    recomputed = grid.header_position(lambda h: h == "recomputed")
    check = grid.header_position(lambda h: h == "check")
    if not (published and recomputed and check):
        return
    counted = grid.column("women counted")
    answering = grid.column("answering")
    sides = {when: (grid.column(f"counted {when}"), grid.column(f"other {when}")) for when in ("before", "after")}
    for row in range(len(grid.cells)):
        shown = grid.text(row, recomputed[0])
        intervals = []
        if shown.strip() and shown.strip() != page.marker:
            intervals.append(published_interval(shown))
        if "✔" in grid.text(row, check[0]):
            intervals.append(published_interval(grid.text(row, published[0])))
        note = f"{grid.element}: row {grid.labels[row]!r}, recomputed value and its check mark"
        for found in intervals:
            if found is None:
                continue
            low, high, unit = found
            if counted is not None and answering is not None:
                count, base = page.cell(grid, row, counted), page.cell(grid, row, answering)
                if count is not None and base is not None and unit == "%":
                    page.share(count, base, low, high, "reproduction", note)
            elif all(c is not None for pair in sides.values() for c in pair):
                _change(page, grid, row, sides, low, high, unit, note)
            elif recomputed[0] in grid.counts and unit == "":
                value = page.cell(grid, row, recomputed[0])
                if value is not None:
                    page.facts.add(value, max(low, 0) if low > -math.inf else None,
                                   high if high < math.inf else None, kind="reproduction", note=note)


def _change(page: PageFacts, grid: Grid, row: int, sides: dict, low: float, high: float, unit: str,
            note: str) -> None:
    cells = [page.cell(grid, row, p) for w in ("before", "after") for p in sides[w]]
    if any(c is None for c in cells):
        return
    cb, ob, ca, oa = (c for c in cells if c is not None)
    if unit != "pp":
        page.facts.add(ca - cb, low if low > -math.inf else None, high if high < math.inf else None,
                       kind="reproduction", note=note)
        return
    if ca.is_known and oa.is_known and ca.offset + oa.offset > 0:
        after = 100.0 * ca.offset / (ca.offset + oa.offset)
        page.share(cb, cb + ob, after - high, after - low, "reproduction", note)
    elif cb.is_known and ob.is_known and cb.offset + ob.offset > 0:
        before = 100.0 * cb.offset / (cb.offset + ob.offset)
        page.share(ca, ca + oa, before + low, before + high, "reproduction", note)


def table_facts(page: PageFacts, grid: Grid) -> None:
    """Add everything the structure of ``grid`` implies to ``page``."""
    _row_lines(page, grid)
    _other_lines(page, grid)
    _column_lines(page, grid)
    _group_lines(page, grid)
    _share_columns(page, grid)
    _mcnemar(page, grid)
    _reproduction(page, grid)
    for row in range(len(grid.cells)):
        for position in grid.counts:
            page.cell(grid, row, position)  # every withheld cell is asked about, bound or not
