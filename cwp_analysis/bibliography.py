"""The report's bibliography as BibTeX, and an audit of its citations.

``data/references.bib`` holds one entry per work: the report's printed
bibliography (keyword ``report``) deduplicated, plus the works the project
itself cites (keyword ``project``: the report, instruments, statistical
methods).  ``data/bibliography_gaps.yaml`` lists every author-date citation
printed in the report's text with the key it resolves to, or ``null`` when
the work is missing from the printed list.

This module parses both with :mod:`pybtex` and :mod:`yaml` and *computes*
the gaps: works cited but not listed, works listed but never cited, and
citations whose spelling, author list or year disagree with the entry.

Examples
--------
>>> sorted(c.cited_as for c in missing_works(load_citation_audit()))
['Bond, 2010', 'Corston, 2007', 'Rumgay, 2008']
>>> duplicate_works(load_references())
[]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pybtex.database import BibliographyData, Entry, parse_string
from pybtex.exceptions import PybtexError

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "Citation",
    "CitationAudit",
    "CitationProblem",
    "load_references",
    "reference_keys",
    "references_table",
    "duplicate_works",
    "parse_citation",
    "load_citation_audit",
    "parse_citation_audit",
    "missing_works",
    "uncited_entries",
    "citation_problems",
    "bibliography_problems",
    "bibliography_warnings",
]

#: Keyword marking the entries of the report's printed bibliography.
REPORT_KEYWORD = "report"
#: Keyword marking the project's own references.
PROJECT_KEYWORD = "project"


# ---------------------------------------------------------------------------
# references.bib
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _parse_bib_cached(path: str, mtime_ns: int) -> BibliographyData:
    text = Path(path).read_text(encoding="utf-8")
    try:
        return parse_string(text, "bibtex")
    except PybtexError as exc:
        raise DataFileError(f"{path}: not a valid BibTeX file: {exc}") from None


def load_references(path: str | Path | None = None) -> BibliographyData:
    """Parse the project bibliography.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/references.bib``.

    Returns
    -------
    pybtex.database.BibliographyData

    Raises
    ------
    DataFileError
        When the file is missing or is not valid BibTeX (pybtex rejects,
        among other things, two entries with the same key).
    """
    path = Path(path) if path is not None else data_file("references.bib")
    if not path.is_file():
        raise DataFileError(f"bibliography not found: {path}")
    return _parse_bib_cached(str(path.resolve()), path.stat().st_mtime_ns)


def reference_keys(path: str | Path | None = None) -> frozenset[str]:
    """Return the set of BibTeX keys in the project bibliography.

    Examples
    --------
    >>> "wrc2011" in reference_keys()
    True
    """
    return frozenset(load_references(path).entries)


def _keywords(entry: Entry) -> frozenset[str]:
    raw = entry.fields.get("keywords", "")
    return frozenset(k.strip() for k in str(raw).split(",") if k.strip())


def _strip_braces(text: str) -> str:
    return str(text).replace("{", "").replace("}", "")


def _surname(person) -> str:
    return _strip_braces(" ".join(person.prelast_names + person.last_names))


def _entry_authors(entry: Entry) -> list[str]:
    return [_surname(p) for p in entry.persons.get("author", [])]


def references_table(bib: BibliographyData | None = None, keyword: str | None = None) -> pd.DataFrame:
    """One row per entry: key, type, authors, year, title, keywords, note.

    Parameters
    ----------
    bib : BibliographyData, optional
        Defaults to :func:`load_references`.
    keyword : str, optional
        Keep only entries carrying this keyword (``"report"`` or ``"project"``).

    Returns
    -------
    pandas.DataFrame
    """
    bib = bib if bib is not None else load_references()
    rows = []
    for key, entry in bib.entries.items():
        kws = _keywords(entry)
        if keyword is not None and keyword not in kws:
            continue
        rows.append(
            {
                "key": key,
                "type": entry.type,
                "authors": "; ".join(_entry_authors(entry)),
                "year": _strip_braces(entry.fields.get("year", "")),
                "title": _strip_braces(entry.fields.get("title", "")),
                "keywords": ", ".join(sorted(kws)),
                "note": _strip_braces(entry.fields.get("note", "")),
            }
        )
    return pd.DataFrame(rows, columns=["key", "type", "authors", "year", "title", "keywords", "note"])


def _norm(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name or title."""
    decomposed = unicodedata.normalize("NFKD", _strip_braces(text))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", ascii_only.casefold())


def duplicate_works(bib: BibliographyData) -> list[tuple[str, ...]]:
    """Groups of entry keys that describe the same work.

    Two entries are taken to be one work when they share the first author's
    surname, the year and the title (compared case-, accent- and
    punctuation-insensitively), or when they share a DOI or a URL.

    Parameters
    ----------
    bib : BibliographyData

    Returns
    -------
    list of tuple of str
        Each tuple lists the keys of one duplicated work, sorted; empty when
        every work has a single entry.
    """
    groups: dict[tuple, set[str]] = {}
    for key, entry in bib.entries.items():
        authors = _entry_authors(entry)
        first = _norm(authors[0]) if authors else ""
        signature = ("work", first, _norm(entry.fields.get("year", "")), _norm(entry.fields.get("title", "")))
        if signature[3]:
            groups.setdefault(signature, set()).add(key)
        for field in ("doi", "url"):
            value = entry.fields.get(field)
            if value:
                groups.setdefault((field, str(value).strip().rstrip("/").lower()), set()).add(key)
    dupes = {tuple(sorted(keys)) for keys in groups.values() if len(keys) > 1}
    return sorted(dupes)


# ---------------------------------------------------------------------------
# in-text citations
# ---------------------------------------------------------------------------

_YEAR = re.compile(r"[,\s]*\(?((?:1[89]|20)\d{2}[a-z]?|n\.d\.)\)?\s*$")
_ET_AL = re.compile(r",?\s*\bet\s+al\b\.?,?")


def parse_citation(text: str) -> tuple[tuple[str, ...], bool, str | None]:
    """Split a printed author-date citation into names, et-al flag and year.

    Parameters
    ----------
    text : str
        A citation as printed, e.g. ``"Lloyd, Stead and Kendrick 2001"``.

    Returns
    -------
    names : tuple of str
    et_al : bool
    year : str or None
        Four digits (optionally with a letter), ``"n.d."``, or None when the
        citation prints no year.

    Examples
    --------
    >>> parse_citation("Lloyd, Stead and Kendrick 2001")
    (('Lloyd', 'Stead', 'Kendrick'), False, '2001')
    >>> parse_citation("Harpaz-Rotem, et al. 2008")
    (('Harpaz-Rotem',), True, '2008')
    >>> parse_citation("WSN, n.d.")
    (('WSN',), False, 'n.d.')
    >>> parse_citation("Comacchio and Ruggeri")
    (('Comacchio', 'Ruggeri'), False, None)
    """
    text = str(text).strip()
    match = _YEAR.search(text)
    year = match.group(1) if match else None
    rest = text[: match.start()] if match else text
    et_al = bool(_ET_AL.search(rest))
    rest = _ET_AL.sub("", rest)
    names = tuple(n.strip() for n in re.split(r",|&|\band\b", rest) if n.strip())
    return names, et_al, year


@dataclass(frozen=True)
class Citation:
    """One author-date citation printed in the report's text.

    Attributes
    ----------
    cited_as : str
        The citation as printed.
    section : str
        Report section where it is printed.
    key : str or None
        BibTeX key of the work, or None when the work is not in the report's
        bibliography.
    note : str
    """

    cited_as: str
    section: str
    key: str | None
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return parse_citation(self.cited_as)[0]

    @property
    def et_al(self) -> bool:
        return parse_citation(self.cited_as)[1]

    @property
    def year(self) -> str | None:
        return parse_citation(self.cited_as)[2]


@dataclass(frozen=True)
class CitationAudit:
    """The contents of ``data/bibliography_gaps.yaml``.

    Attributes
    ----------
    citations : tuple of Citation
    printed_list_issues : tuple of dict
        ``kind`` (duplicate, url_line, incomplete_entry), ``key``, ``printed``.
    unattributed_statements : tuple of dict
        ``section`` and ``statement``.
    footnote_urls : tuple of dict
        ``section``, ``footnote``, ``url``, ``about``.
    """

    citations: tuple[Citation, ...]
    printed_list_issues: tuple[dict, ...] = ()
    unattributed_statements: tuple[dict, ...] = ()
    footnote_urls: tuple[dict, ...] = ()

    def cited_keys(self) -> frozenset[str]:
        """Keys of every work the text cites."""
        return frozenset(c.key for c in self.citations if c.key)


_ISSUE_KINDS = ("duplicate", "url_line", "incomplete_entry")


def parse_citation_audit(
    raw: dict, *, bib_keys: Collection[str] | None = None, source: str = "<bibliography gaps>"
) -> CitationAudit:
    """Validate the citation-audit mapping and build a :class:`CitationAudit`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    bib_keys : collection of str, optional
        Keys that citations may point to; unchecked when None.
    source : str
        Name used in error messages.

    Raises
    ------
    DataFileError
        Listing every problem, one per line.
    """
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise DataFileError(f"{source}: expected a mapping at the top level")
    citations = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(raw.get("in_text_citations") or []):
        where = f"{source}: in_text_citations[{i}]"
        if not isinstance(item, dict) or not item.get("cited_as") or not item.get("section"):
            problems.append(f"{where}: needs 'cited_as' and 'section'")
            continue
        if "key" not in item:
            problems.append(f"{where} ({item['cited_as']!r}): needs 'key' (a BibTeX key, or null for a missing work)")
            continue
        cite = Citation(str(item["cited_as"]), str(item["section"]), item["key"], str(item.get("note", "")))
        if (cite.cited_as, cite.section) in seen:
            problems.append(f"{where}: {cite.cited_as!r} in Section {cite.section} is listed twice")
        seen.add((cite.cited_as, cite.section))
        if not cite.names:
            problems.append(f"{where}: cannot read an author from {cite.cited_as!r}")
        if cite.key is not None and bib_keys is not None and cite.key not in bib_keys:
            problems.append(f"{where} ({cite.cited_as!r}): unknown bib key {cite.key!r}")
        citations.append(cite)
    if not citations and not problems:
        problems.append(f"{source}: no in_text_citations")
    issues = []
    for i, item in enumerate(raw.get("printed_list_issues") or []):
        where = f"{source}: printed_list_issues[{i}]"
        if not isinstance(item, dict) or item.get("kind") not in _ISSUE_KINDS:
            problems.append(f"{where}: 'kind' must be one of {', '.join(_ISSUE_KINDS)}")
            continue
        if bib_keys is not None and item.get("key") not in bib_keys:
            problems.append(f"{where}: unknown bib key {item.get('key')!r}")
        issues.append(dict(item))
    statements = []
    for i, item in enumerate(raw.get("unattributed_statements") or []):
        if not isinstance(item, dict) or not item.get("section") or not item.get("statement"):
            problems.append(f"{source}: unattributed_statements[{i}]: needs 'section' and 'statement'")
            continue
        statements.append(dict(item))
    footnotes = []
    for i, item in enumerate(raw.get("footnote_urls") or []):
        if not isinstance(item, dict) or not item.get("url") or not item.get("section"):
            problems.append(f"{source}: footnote_urls[{i}]: needs 'section' and 'url'")
            continue
        footnotes.append(dict(item))
    if problems:
        raise DataFileError("invalid citation audit:\n" + "\n".join(problems))
    return CitationAudit(tuple(citations), tuple(issues), tuple(statements), tuple(footnotes))


def load_citation_audit(
    path: str | Path | None = None, *, bib_keys: Collection[str] | None = None
) -> CitationAudit:
    """Load ``data/bibliography_gaps.yaml``, checking its keys against the bibliography.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/bibliography_gaps.yaml``.
    bib_keys : collection of str, optional
        Defaults to the keys of ``data/references.bib``.

    Returns
    -------
    CitationAudit
    """
    path = Path(path) if path is not None else data_file("bibliography_gaps.yaml")
    raw = read_yaml_mapping(path, "citation audit")
    keys = bib_keys if bib_keys is not None else reference_keys()
    return parse_citation_audit(raw, bib_keys=keys, source=str(path))


def missing_works(audit: CitationAudit) -> list[Citation]:
    """Citations of works that the report's bibliography does not list.

    Returns
    -------
    list of Citation
        One per distinct printed citation, in the order of the audit file.
    """
    return [c for c in audit.citations if c.key is None]


def uncited_entries(audit: CitationAudit, bib: BibliographyData, keyword: str = REPORT_KEYWORD) -> list[str]:
    """Keys of bibliography entries (with ``keyword``) that the text never cites.

    Examples
    --------
    >>> uncited_entries(load_citation_audit(), load_references())
    ['eige_mainstreaming', 'oxfam2013', 'patterson2019']
    """
    cited = audit.cited_keys()
    return sorted(k for k, e in bib.entries.items() if keyword in _keywords(e) and k not in cited)


@dataclass(frozen=True)
class CitationProblem:
    """A disagreement between a printed citation and its bibliography entry.

    Attributes
    ----------
    cited_as, section, key : str
    problem : {"name", "author_count", "year_missing", "year_mismatch"}
    detail : str
    """

    cited_as: str
    section: str
    key: str
    problem: str
    detail: str


def citation_problems(audit: CitationAudit, bib: BibliographyData) -> list[CitationProblem]:
    """Compare every resolved citation with its entry.

    A cited name matches an author when both agree ignoring case, accents
    and punctuation; the first cited name may also match the entry's
    ``shortauthor`` (the initials a corporate author is cited by).  Without
    "et al.", a citation naming several authors must name all of them in
    order, and a single name must belong to a single (or corporate) author.

    Parameters
    ----------
    audit : CitationAudit
    bib : BibliographyData

    Returns
    -------
    list of CitationProblem

    Examples
    --------
    >>> sorted({p.cited_as for p in citation_problems(load_citation_audit(), load_references())})
    ['Comacchio and Ruggeri', 'Gullivar et al. 2010', 'Langan and Pellisier, 2001', 'SAMSHA, 2002', 'Tower and Walby, 2012', 'Turnbull and Turnbull, 2000']
    """
    out: list[CitationProblem] = []
    for cite in audit.citations:
        if cite.key is None or cite.key not in bib.entries:
            continue
        entry = bib.entries[cite.key]
        authors = _entry_authors(entry)
        normed = [_norm(a) for a in authors]
        short = _norm(entry.fields.get("shortauthor", ""))
        names, et_al, year = parse_citation(cite.cited_as)
        cited = [_norm(n) for n in names]

        def add(problem: str, detail: str) -> None:
            out.append(CitationProblem(cite.cited_as, cite.section, cite.key, problem, detail))

        if cited and cited[0] not in {normed[0] if normed else None, short or None}:
            shown = authors[0] if authors else "(no author)"
            add("name", f"cited as {names[0]!r}; the bibliography has {shown!r}")
        if not et_al and len(cited) > 1:
            for i in range(1, min(len(cited), len(normed))):
                if cited[i] != normed[i]:
                    add("name", f"cited as {names[i]!r}; the bibliography has {authors[i]!r}")
            if len(cited) != len(normed):
                add("author_count", f"names {len(cited)} authors; the bibliography lists {len(normed)}")
        elif not et_al and len(cited) == 1 and len(normed) > 1 and cited[0] != short:
            add("author_count", f"names 1 author; the bibliography lists {len(normed)}")
        entry_year = _strip_braces(entry.fields.get("year", "")) or None
        if year is None:
            add("year_missing", f"printed without a year; the bibliography gives {entry_year}")
        elif entry_year is not None and year != entry_year:
            add("year_mismatch", f"cited as {year}; the bibliography gives {entry_year}")
    return out


# ---------------------------------------------------------------------------
# checks for the CLI
# ---------------------------------------------------------------------------


def bibliography_problems(
    bib_path: str | Path | None = None, audit_path: str | Path | None = None
) -> list[str]:
    """Errors that make the bibliography files invalid, one line each.

    Covers: unreadable BibTeX, duplicate works, entries without the
    ``report`` or ``project`` keyword, and citation-audit entries that point
    at unknown keys.  An empty list means both files are valid.
    """
    try:
        bib = load_references(bib_path)
    except DataFileError as exc:
        return [str(exc)]
    problems = [
        f"references.bib: entries {', '.join(group)} describe the same work" for group in duplicate_works(bib)
    ]
    for key, entry in bib.entries.items():
        kws = _keywords(entry)
        if len(kws & {REPORT_KEYWORD, PROJECT_KEYWORD}) != 1:
            problems.append(f"references.bib: entry {key!r} needs exactly one of keywords 'report' or 'project'")
    try:
        load_citation_audit(audit_path, bib_keys=frozenset(bib.entries))
    except DataFileError as exc:
        problems.extend(str(exc).splitlines()[1:] or [str(exc)])
    return problems


def _join_sections(sections: Iterable[str]) -> str:
    return ", ".join(sorted(set(sections)))


def bibliography_warnings(
    bib_path: str | Path | None = None, audit_path: str | Path | None = None
) -> list[str]:
    """Gaps in the report's referencing, one line each (not errors).

    Works cited but not listed, citations that disagree with their entry,
    entries never cited, statements with no source, and URLs printed only in
    footnotes.
    """
    bib = load_references(bib_path)
    audit = load_citation_audit(audit_path, bib_keys=frozenset(bib.entries))
    lines = []
    by_work: dict[str, list[str]] = {}
    for cite in missing_works(audit):
        by_work.setdefault(cite.cited_as, []).append(cite.section)
    for cited_as, sections in by_work.items():
        lines.append(f"cited but not in the report's bibliography: {cited_as!r} (Section {_join_sections(sections)})")
    for p in citation_problems(audit, bib):
        lines.append(f"citation differs from its entry {p.key}: {p.cited_as!r} (Section {p.section}): {p.detail}")
    for key in uncited_entries(audit, bib):
        lines.append(f"listed in the report's bibliography but never cited in its text: {key}")
    for item in audit.unattributed_statements:
        lines.append(f"statement without a traceable source (Section {item['section']}): {item['statement']}")
    for item in audit.footnote_urls:
        lines.append(f"source given only as a footnote URL (Section {item['section']}): {item['url']}")
    return lines
