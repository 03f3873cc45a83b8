"""An attacker reading a built page: can any withheld count be worked out from what is published?

Disclosure control (:mod:`cwp_analysis.disclosure`) withholds small counts
behind a marker (``[c]``).  This module is the adversary it must withstand,
written independently of it.  :func:`attack_page` reads one page of a built
Jupyter Book the way a determined reader would: every table (and every CSV
file the page links to), every figure's alt text, the prose, and the
reproduction chapter's marks.  It writes down what they imply as linear
facts about integer unknowns (:mod:`cwp_analysis.attack_tables`,
:mod:`cwp_analysis.attack_text`), then computes, by mixed-integer linear
programming (:mod:`cwp_analysis.attack_solver`), the smallest and largest
value each of these can take:

* every withheld count cell;
* the withheld cells of a line taken together (a row of answers and its
  base, a group of answers behind a share such as ``% positive``);
* the complement of a count within its base (the women *not* counted);
* quantities never printed that printed statistics pin: the discordant
  pairs ``b`` and ``c`` of a yes/no item behind its effect sizes, and
  counts implied by a share quoted with its base.

A :class:`Recovery` is reported when a withheld cell can take one value
only, or when any of these quantities must lie between 1 and the threshold
(a small group of women is revealed).  This is the protection-interval
audit of tau-Argus and sdcTable (Hundepool et al., 2012, chapter 4),
applied to the whole page as published.

Examples
--------
>>> page = ('<p class="cwp-table-caption"><strong>Answers.</strong></p>'
...         '<table class="cwp-table"><thead><tr><th>Statement</th><th>Disagree</th><th>Agree</th>'
...         '<th>Base</th><th>% positive</th></tr></thead>'
...         '<tbody><tr><td>Staff listen</td><td>[c]</td><td>[c]</td><td>40</td><td>87.5</td></tr>'
...         '</tbody></table>')
>>> for recovery in attack_page(page, name="p.html"):
...     print(recovery)
p.html: table 1, row 'Staff listen', column 'Disagree': withheld cell is 5 (from assumed totals, shares)
p.html: table 1, row 'Staff listen', column 'Agree': withheld cell is 35 (from shares)
p.html: table 1, row 'Staff listen', column '% positive': complement is 5 (from shares)

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley.
Meindl, B. (2023). *sdcTable* (R package): the attacker problem and ``protectTable``.
de Wolf, P.-P. et al. (2014). *tau-Argus user's manual*, version 4.1. Statistics Netherlands.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cwp_analysis.attack_solver import Range
from cwp_analysis.attack_tables import Grid, PageFacts, table_facts
from cwp_analysis.attack_text import alt_text_facts, group_definitions, prose_facts
from cwp_analysis.attack_values import norm
from cwp_analysis.count_columns import (
    declared_count_columns,
    header_kind,
    infer_count_columns,
    says_no_people,
)
from cwp_analysis.errors import CwpError
from cwp_analysis.html_tables import read_html_page, table_view

__all__ = ["AttackError", "AttackReport", "Recovery", "attack_page", "attack_site"]

_MARKER = "[c]"
_SKIPPED_PAGES = ("genindex.html", "search.html", "py-modindex.html")
_SKIPPED_DIRS = ("_static", "_sphinx_design_static", "_images", "_sources", ".doctrees")
_MAX_DOWNLOAD_BYTES = 5_000_000


class AttackError(CwpError):
    """The attack cannot run: the page or site cannot be read."""

    exit_code = 2


@dataclass(frozen=True)
class Recovery:
    """A count an attacker can work out from a published page.

    Attributes
    ----------
    page : str
        The page (relative to the site folder for :func:`attack_site`).
    element : str
        ``"table 3"``, ``"download tables/x.csv"``, ``"figure 2 alt text"`` or ``"text, line 120"``.
    table : int or None
        1-based position of the HTML table on the page.
    row, column : str or None
        The row label and column header (for text, the quoted words).
    what : str
        ``"withheld cell"``, ``"withheld cells together"``, ``"complement"``,
        ``"hidden count"``, ``"implied count"`` or ``"implied complement"``.
    low, high : int
        The values the count can take (``low == high`` when it is pinned).
    methods : tuple of str
        The kinds of facts the recovery needs (``margins``, ``shares``,
        ``alt text``, ``reproduction``, ``effect sizes``, ...).
    """

    page: str
    element: str
    table: int | None
    row: str | None
    column: str | None
    what: str
    low: int
    high: int
    methods: tuple = ()

    @property
    def interval(self) -> str:
        """``"5"`` or ``"3 to 6"``."""
        return str(self.low) if self.low == self.high else f"{self.low} to {self.high}"

    @property
    def cell(self) -> str:
        """Where on the page: ``"table 3, row 'Yes', column 'n'"``."""
        parts = [self.element]
        if self.row is not None:
            parts.append(f"row {self.row!r}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.page}: {self.cell}: {self.what} is {self.interval} (from {', '.join(self.methods)})"


@dataclass(frozen=True)
class AttackReport:
    """What an attack on a whole site recovered.

    Attributes
    ----------
    site : pathlib.Path
    threshold : int
    pages : tuple of str
        Pages attacked, relative to the site.
    recoveries : tuple of Recovery
    notes : tuple of str
        Facts the attacker dropped because they contradicted the others.
    withheld : int
        Withheld count cells the attacker read (tables and downloads).
    """

    site: Path
    threshold: int
    pages: tuple
    recoveries: tuple
    notes: tuple = ()
    withheld: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing was recovered."""
        return not self.recoveries

    def summary(self) -> str:
        """One line: how many counts were recovered on how many pages."""
        if self.clean:
            return f"{self.site}: no withheld count recovered on {len(self.pages)} pages (threshold {self.threshold})"
        pages = len({r.page for r in self.recoveries})
        return (f"{self.site}: {len(self.recoveries)} count(s) recovered on {pages} of {len(self.pages)} pages "
                f"(threshold {self.threshold}); first: {self.recoveries[0]}")

    def to_frame(self):
        """The recoveries as a tidy :class:`pandas.DataFrame`, one row each."""
        import pandas as pd

        columns = ["page", "element", "table", "row", "column", "what", "low", "high", "methods"]
        return pd.DataFrame([[getattr(r, c) if c != "methods" else ", ".join(r.methods) for c in columns]
                             for r in self.recoveries], columns=columns)


# --------------------------------------------------------------------------
# reading tables
# --------------------------------------------------------------------------


def _label_columns(headers: list, columns: list, counts: dict, given: set, marker: str) -> list[int]:
    labels = set(given)
    for position, header in enumerate(headers):
        if position in counts:
            break
        values = [v for v in columns[position] if v and v != marker]
        kind = header_kind(header)
        if kind == "statistic" and "%" not in header and norm(header) not in ("published", "printed"):
            break
        if kind == "statistic":
            break
        if kind == "label" or (values and not all(v.replace(".", "", 1).replace(",", "").isdigit() for v in values)):
            labels.add(position)
        else:
            break
    return sorted(labels)


def _withheld_answer_columns(headers: list, columns: list, counts: dict, th_columns: set, marker: str) -> None:
    """Columns withheld throughout, just before a line's total, are answer counts too.

    A column of markers only says nothing by its values; when it lies in
    the run of answer columns that ends at a ``Total``/``Base`` column it
    is one of them (a Likert row whose every small answer is withheld).
    """
    totals = [p for p in counts if norm(headers[p]) in ("total", "all", "base", "answering", "grand total")]
    for total in totals[:1]:
        for position in range(total - 1, -1, -1):
            values = [v for v in columns[position] if v]
            if position in th_columns or header_kind(headers[position]) in ("statistic", "label"):
                break
            if position in counts:
                continue
            if values and all(v == marker for v in values):
                counts[position] = False
            else:
                break


def _grid(element: str, table: int | None, caption: str, headers: list, rows: list, th_columns: set,
          declared, marker: str, index: int) -> Grid:
    width = max([len(headers), *[len(r) for r in rows]], default=0)
    headers = list(headers) + [""] * (width - len(headers))
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    columns = [[r[p] for r in rows] for p in range(width)]
    counts = infer_count_columns(headers, columns, marker=marker, declared=declared, skip=th_columns)
    if declared is None:
        _withheld_answer_columns(headers, columns, counts, th_columns, marker)
    label_columns = _label_columns(headers, columns, counts, th_columns, marker)
    # whether a header names a count ("Base", "n") or an answer ("Agree"), declared or not
    counts = {p: header_kind(headers[p]) == "count" for p in counts if p not in label_columns}
    labels = []
    for r in rows:
        texts = []
        for p in label_columns:
            if r[p] and r[p] not in texts:
                texts.append(r[p])
        labels.append(" / ".join(texts) or None)
    return Grid(element, table, caption, headers, rows, labels, label_columns, counts, index)


def _html_grids(reader, marker: str, start: int) -> list[Grid]:
    grids: list[Grid] = []
    for table in reader.tables:
        declared = declared_count_columns(table.attrs)
        if "cwp-public-source" in table.classes or says_no_people(table.caption) or declared == set():
            continue
        view = table_view(table)
        rows = [[cell.text if cell is not None else "" for cell in cells] for _, cells in view.body]
        grids.append(_grid(f"table {table.number}", table.number, table.caption or "", view.headers, rows,
                           set(view.label_columns), declared, marker, start + len(grids)))
    return grids


def _csv_grid(path: Path, element: str, marker: str, index: int) -> Grid | None:
    try:
        if path.stat().st_size > _MAX_DOWNLOAD_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if path.suffix == ".tsv" else ","))
    except csv.Error:
        return None
    if len(records) < 2:
        return None
    return _grid(element, None, "", records[0], records[1:], set(), None, marker, index)


def _download_paths(links: list[str], downloads, root: Path | None) -> list[tuple[str, Path]]:
    found = []
    for href in links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.lower().endswith((".csv", ".tsv")):
            continue
        if isinstance(downloads, Mapping):
            target = downloads.get(href) or downloads.get(parts.path)
            if target is not None:
                found.append((parts.path, Path(target)))
            continue
        if downloads is None:
            continue
        path = (Path(downloads) / unquote(parts.path)).resolve()
        if root is not None and not path.is_relative_to(root.resolve()):
            continue
        if path.is_file():
            found.append((parts.path, path))
    return sorted(set(found))


def _link_repeats(page: PageFacts) -> None:
    """The same table shown twice (on the page and as a download) shows the same counts."""
    for k, first in enumerate(page.grids):
        for second in page.grids[k + 1:]:
            if [norm(h) for h in first.headers] != [norm(h) for h in second.headers]:
                continue
            rows = {label: r for r, label in enumerate(second.labels) if label is not None}
            for r, label in enumerate(first.labels):
                if label not in rows:
                    continue
                for position in first.counts:
                    a, b = page.cell(first, r, position), page.cell(second, rows[label], position)
                    if a is not None and b is not None:
                        page.facts.add(a - b, 0, 0, kind="repeated table",
                                       note=f"{first.element} and {second.element}, row {label!r}")


# --------------------------------------------------------------------------
# the attack
# --------------------------------------------------------------------------


def _read(html_path_or_text) -> tuple[str, Path | None]:
    if isinstance(html_path_or_text, os.PathLike) or (
            isinstance(html_path_or_text, str) and "<" not in html_path_or_text):
        path = Path(html_path_or_text)
        try:
            return path.read_text(encoding="utf-8"), path
        except (OSError, UnicodeDecodeError) as error:
            raise AttackError(f"cannot read page {path}: {error}") from None
    return str(html_path_or_text), None


def _recovered(found: Range, strict: bool, threshold: int) -> bool:
    return (strict and found.single) or found.within(1, threshold)


def _methods(facts, query, threshold: int) -> tuple:
    if query.expr.is_known:
        return ("shown counts",)
    kinds = sorted(facts.kinds(query.expr))
    needed = []
    for kind in kinds:
        found = facts.bounds(query.expr, without={kind})
        if found is None or not _recovered(found, query.strict, threshold):
            needed.append(kind)
    return tuple(needed or kinds)


def _check_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
    return threshold


def _attack(text: str, name: str, threshold: int, downloads, root: Path | None, marker: str,
            notes: list | None = None) -> tuple[list[Recovery], int]:
    reader = read_html_page(text)
    page = PageFacts(marker=marker)
    alts = [(f"figure {k} alt text", alt) for k, (_, alt) in enumerate(reader.images, start=1)]
    page.groups = group_definitions([alt for _, alt in alts])
    page.grids = _html_grids(reader, marker, 0)
    for element, path in _download_paths(reader.links, downloads, root):
        grid = _csv_grid(path, f"download {element}", marker, len(page.grids))
        if grid is not None:
            page.grids.append(grid)
    for grid in page.grids:
        table_facts(page, grid)
    _link_repeats(page)
    alt_text_facts(page, alts)
    prose_facts(page, reader.blocks)
    recoveries: dict = {}
    for query in page.queries:
        found = page.facts.bounds(query.expr)
        if found is None:
            if notes is not None:
                notes.append(f"{name}: {query.element}: the facts about {query.row!r} contradict each other")
            continue
        if not _recovered(found, query.strict, threshold):
            continue
        key = (query.element, query.row, query.column, query.what, query.expr)
        if key not in recoveries:
            high = found.low if found.high is None else found.high  # a recovery always has an upper bound
            recoveries[key] = Recovery(name, query.element, query.table, query.row, query.column, query.what,
                                       found.low, high, _methods(page.facts, query, threshold))
    if notes is not None:
        notes.extend(f"{name}: dropped {d}" for d in page.facts.dropped)
    return list(recoveries.values()), sum(q.what == "withheld cell" for q in page.queries)


def attack_page(html_path_or_text, *, threshold: int = 7, downloads=None, name: str | None = None,
                marker: str = _MARKER) -> list[Recovery]:
    """Try to recover withheld counts from one built page.

    Parameters
    ----------
    html_path_or_text : path-like or str
        The page file, or its HTML (a string holding ``<``).
    threshold : int, default 7
        Counts from 1 to ``threshold`` are the ones disclosure control protects.
    downloads : path-like or mapping, optional
        Where the CSV/TSV files the page links to are: a folder against
        which relative links are resolved, or ``{href: path}``.  Default:
        the page's folder when a path is given, none for HTML text;
        ``{}`` for none.
    name : str, optional
        The page's name in the recoveries (default: the file name, or ``"page.html"``).
    marker : str, default "[c]"
        The suppression marker.

    Returns
    -------
    list of Recovery
        Empty when nothing can be recovered.

    Raises
    ------
    AttackError
        When the page file cannot be read.
    ValueError
        For a threshold that is not a whole number of at least 1.
    """
    _check_threshold(threshold)
    text, path = _read(html_path_or_text)
    if downloads is None and path is not None:
        downloads = path.parent
    label = name or (path.name if path is not None else "page.html")
    return _attack(text, label, threshold, downloads, None, marker)[0]


def attack_site(site_dir: str | os.PathLike, *, threshold: int = 7, marker: str = _MARKER) -> AttackReport:
    """Attack every page of a built site (with the CSV files each page links to).

    Parameters
    ----------
    site_dir : path-like
        The built HTML folder (``book/_build/html`` or ``cwp build --out``).
    threshold : int, default 7
    marker : str, default "[c]"

    Returns
    -------
    AttackReport

    Raises
    ------
    AttackError
        When ``site_dir`` is not a folder holding at least one HTML page.
    """
    _check_threshold(threshold)
    site = Path(site_dir)
    if not site.is_dir():
        raise AttackError(f"site folder {site} does not exist")
    pages = sorted(p for p in site.rglob("*.html")
                   if p.name not in _SKIPPED_PAGES and not set(p.relative_to(site).parts) & set(_SKIPPED_DIRS))
    if not pages:
        raise AttackError(f"site folder {site} holds no HTML page; is it a built book?")
    recoveries: list[Recovery] = []
    notes: list[str] = []
    names = []
    withheld = 0
    for path in pages:
        name = path.relative_to(site).as_posix()
        names.append(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AttackError(f"cannot read page {path}: {error}") from None
        found, read = _attack(text, name, threshold, path.parent, site, marker, notes)
        recoveries += found
        withheld += read
    return AttackReport(site, threshold, tuple(names), tuple(recoveries), tuple(notes), withheld)
