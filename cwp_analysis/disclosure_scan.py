"""Audit a built site for anything that must never be published.

:func:`cwp_analysis.disclosure.disclose` protects each table as a notebook
publishes it; this module checks the result.  :func:`scan_site` reads every
page of a built Jupyter Book, every downloadable file and (optionally) the
folder of table files the notebooks wrote, attacks every page
(:func:`cwp_analysis.page_attack.attack_site`), and returns a
:class:`ScanReport`: one :class:`Finding` per breach of these rules.

``small-count``
    A project table (an HTML table with class ``cwp-table`` and not
    ``cwp-public-source``) shows a count of people from 1 to the threshold.
    Which columns hold counts: :mod:`cwp_analysis.count_columns`.
``respondent-id``
    A respondent identifier appears anywhere: an identifier of the survey
    files given (exact values, read from their identifier column), one
    given explicitly, or one matching ``id_pattern`` (default the
    synthetic ``SYN-001`` and ``SYN-WS-001``).
``survey-row``
    A row of survey data appears: :data:`ROW_RUN` consecutive response
    codes equal to consecutive answers of one respondent.
``free-text``
    A free-text answer appears: a text cell of a data table longer than
    :data:`~cwp_analysis.disclosure.MAX_LABEL_LENGTH` characters that is
    not the project's own text, or any free-text answer of the survey
    files given, wherever it appears.
``unreviewed-table``
    A pandas table (class ``dataframe``) shown without ``cwp-table``, i.e.
    displayed without going through
    :func:`cwp_analysis.notebook.publish_table` and its disclosure control.
``unscannable-file``
    A downloadable file the scanner cannot read (a binary format other
    than ``.xlsx``); it cannot be vouched for, so it is reported.
``recoverable-count``
    The page attack works out a withheld count (a single possible value),
    or a count that must lie between 1 and the threshold, from what the
    page publishes: margins, shares, alt text, reproduction marks, effect
    sizes, downloads.

How identifiers, survey rows and free text are recognised is described in
:mod:`cwp_analysis.scan_reference`.  Which survey a site was built from is
recorded in its build manifest (:mod:`cwp_analysis.build_manifest`);
``cwp scan`` reads it when no ``--survey`` is given.

**What is read.**  Every file of the site except theme assets and images
(folders :data:`SKIPPED_DIRS`) and Sphinx's binary inventory files; text
files as text, ``.ipynb`` files cell by cell (HTML outputs through the HTML
reader), CSV/TSV and ``.xlsx`` files as tables.  Files under
``_downloads/`` must be readable, or they are reported.  The ``outputs``
folder (``cwp build --outputs``) is read the same way.  Files whose name or
relative path matches a pattern in ``allow`` are skipped: by default the
published SYNTHETIC data set (:data:`DEFAULT_ALLOW`).

Findings name the file (relative to the site, or ``outputs/...``), the
table (1-based, in page order), row and column or the line, the value, and
the rule.  They are meant for the data owner's terminal: an identifier
finding quotes the identifier, a row finding names the survey row but not
its answers, a free-text finding quotes only the start of the text.

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

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cwp_analysis.build_manifest import (
    manifest_path,
    manifest_surveys,
    read_build_manifest,
)
from cwp_analysis.count_columns import (
    COUNT_ATTRIBUTE,
    COUNT_WORDS,
    LABEL_WORDS,
    NOT_PEOPLE_PHRASES,
    STATISTIC_WORDS,
    header_kind,
)
from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, MAX_LABEL_LENGTH
from cwp_analysis.errors import CwpError
from cwp_analysis.scan_reference import (
    FREE_TEXT_MIN_LENGTH,
    MIN_DISTINCT_CODES,
    MIN_ID_LENGTH,
    ROW_RUN,
    known_text,
    survey_reference,
)
from cwp_analysis.scan_rules import RULE_RECOVERABLE, RULES, Finding, Scanner, scan_file

__all__ = [
    "COUNT_ATTRIBUTE",
    "COUNT_WORDS",
    "DEFAULT_ALLOW",
    "DEFAULT_ID_PATTERN",
    "FREE_TEXT_MIN_LENGTH",
    "LABEL_WORDS",
    "MIN_DISTINCT_CODES",
    "MIN_ID_LENGTH",
    "NOT_PEOPLE_PHRASES",
    "ROW_RUN",
    "RULES",
    "SKIPPED_DIRS",
    "STATISTIC_WORDS",
    "Finding",
    "ScanError",
    "ScanReport",
    "UnsafeSiteError",
    "header_kind",
    "manifest_path",
    "manifest_surveys",
    "read_build_manifest",
    "recovery_finding",
    "scan_html",
    "scan_site",
]

#: Identifiers of the synthetic data sets (survey ``SYN-001``, Work Star ``SYN-WS-001``).
DEFAULT_ID_PATTERN = r"SYN-(?:WS-)?[0-9]{3}"
#: Files skipped by default: the published SYNTHETIC data set and its README.
DEFAULT_ALLOW = ("*SYNTHETIC*", "synthetic_README.md")
#: Folders of a site that are not read (theme assets, images, Sphinx's pickles).
SKIPPED_DIRS = ("_static", "_sphinx_design_static", "_images", ".doctrees")
_SKIPPED_FILES = frozenset({".buildinfo", "objects.inv"})
_DOWNLOADS = "_downloads"
_IMAGES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


class ScanError(CwpError):
    """The scan cannot run: the site folder is missing or holds no page."""

    exit_code = 2


class UnsafeSiteError(CwpError):
    """A site failed the disclosure scan; the message is the report's one-line reason."""

    exit_code = 1


@dataclass(frozen=True)
class ScanReport(Sequence):
    """The result of :func:`scan_site`: a sequence of findings, with what the attack recovered.

    Iterating, indexing and ``len`` give the findings (recoveries included,
    as ``recoverable-count`` findings), in file order.

    Attributes
    ----------
    site : pathlib.Path
    threshold : int
    findings : tuple of Finding
    recoveries : tuple of cwp_analysis.page_attack.Recovery
        What the page attack recovered (empty when ``attack=False``).
    identifiers : int
        Respondent identifiers searched for as text (from survey files or given).
    pages_attacked : int
    """

    site: Path
    threshold: int
    findings: tuple = ()
    recoveries: tuple = ()
    identifiers: int = 0
    pages_attacked: int = 0

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, index):
        return self.findings[index]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    @property
    def ok(self) -> bool:
        """True when there is no finding."""
        return not self.findings

    @property
    def reason(self) -> str:
        """Why the site fails, in one line (``""`` when it passes)."""
        if self.ok:
            return ""
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        files = len({f.file for f in self.findings})
        noun = "finding" if len(self.findings) == 1 else "findings"
        rules = ", ".join(f"{n} {rule}" for rule, n in counts.items())
        return (f"{len(self.findings)} {noun} in {files} file{'s' if files != 1 else ''} ({rules}); "
                f"first: {self.findings[0]}")

    def summary(self) -> str:
        """One line for a clean site, else :attr:`reason`."""
        if not self.ok:
            return self.reason
        return (f"{self.site}: clean (threshold {self.threshold}; {self.identifiers} survey identifiers searched; "
                f"{self.pages_attacked} pages attacked)")

    def raise_if_unsafe(self) -> None:
        """Raise :class:`UnsafeSiteError` with :attr:`reason` when there is any finding."""
        if not self.ok:
            raise UnsafeSiteError(f"not safe to publish {self.site}: {self.reason}")


def recovery_finding(recovery) -> Finding:
    """A :class:`Finding` (rule ``recoverable-count``) for a :class:`~cwp_analysis.page_attack.Recovery`."""
    where = "" if recovery.table is not None else f", {recovery.element}"
    return Finding(recovery.page, RULE_RECOVERABLE, recovery.interval, table=recovery.table,
                   row=repr(recovery.row) if recovery.row is not None else None, column=recovery.column,
                   detail=f"can be worked out ({recovery.what}{where}) from {', '.join(recovery.methods)}")


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


def _surveys(survey, survey_paths: Iterable) -> list:
    import pandas as pd

    given = [] if survey is None else (
        [survey] if isinstance(survey, (str, os.PathLike, pd.DataFrame)) else list(survey))
    return given + [Path(p) for p in survey_paths]


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
    attack: bool = False,
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
    attack : bool, default False
        Also attack the page (:func:`cwp_analysis.page_attack.attack_page`,
        without downloads) and report recoveries as ``recoverable-count``.

    Returns
    -------
    list of Finding
    """
    scanner = Scanner(survey_reference(survey, id_pattern, _known(known_text)), _check_threshold(threshold),
                      marker, max_cell_length)
    scanner.html(name, text)
    if attack:
        from cwp_analysis.page_attack import attack_page

        for recovery in attack_page(text, threshold=threshold, downloads={}, name=name, marker=marker):
            scanner.add(recovery_finding(recovery))
    return scanner.findings


def _known(sources) -> str:
    return known_text(sources) if sources is None or sources else ""


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
    survey_paths: Iterable[str | os.PathLike] = (),
    id_values: Iterable[str] = (),
    id_columns: Sequence[str] = (),
    attack: bool = True,
) -> ScanReport:
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
        appear.  Read with :func:`cwp_analysis.survey_io.read_table`.
    outputs : path-like, optional
        The folder of files the notebooks wrote (``cwp build --outputs``),
        scanned like the downloads and shown as ``outputs/...``.
    allow : sequence of str, default :data:`DEFAULT_ALLOW`
        Shell patterns (:mod:`fnmatch`, case-sensitive) of files not scanned,
        matched against the file name and its relative path.
    id_pattern : str or None, default :data:`DEFAULT_ID_PATTERN`
        Regular expression of identifiers that must not appear besides the
        exact identifiers of the survey files; None for none.
    known_text : path-like or sequence of path-like, optional
        Files or folders of the project's own text, for the free-text rule;
        default the project data folder without ``private/``; ``()`` for none.
    marker : str, default "[c]"
        The suppression marker.
    max_cell_length : int, default 120
        Longer text cells of data tables are free text unless known.
    survey_paths : iterable of path-like
        More survey (or Work Star) files, as ``survey`` (for instance those of
        a build manifest, :func:`cwp_analysis.build_manifest.manifest_surveys`).
    id_values : iterable of str
        Identifiers that must not appear, given explicitly.
    id_columns : sequence of str
        Identifier column names of the survey files besides the usual ones.
    attack : bool, default True
        Attack every page (:func:`cwp_analysis.page_attack.attack_site`);
        each recovery is a ``recoverable-count`` finding.

    Returns
    -------
    ScanReport
        A sequence of findings in file order (empty when the site is clean).

    Raises
    ------
    ScanError
        When ``site_dir`` is not a folder holding at least one HTML page,
        or ``outputs`` is not a folder.
    SurveyValidationError
        When a survey file cannot be read.
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
    reference = survey_reference(_surveys(survey, survey_paths), id_pattern, _known(known_text),
                                 id_values=id_values, id_columns=id_columns)
    scanner = Scanner(reference, threshold, marker, max_cell_length)
    for path, relative in _files(site, SKIPPED_DIRS):
        if path.name in _SKIPPED_FILES or _allowed(relative, allow):
            continue
        scan_file(scanner, path, relative, must_read=relative.startswith(f"{_DOWNLOADS}/"))
    if outputs is not None:
        for path, relative in _files(Path(outputs), ()):
            if _allowed(relative, allow) or path.suffix.lower() in _IMAGES:
                continue
            scan_file(scanner, path, f"outputs/{relative}", must_read=True)
    recoveries: tuple = ()
    pages = 0
    if attack:
        from cwp_analysis.page_attack import attack_site

        report = attack_site(site, threshold=threshold, marker=marker)
        recoveries, pages = report.recoveries, len(report.pages)
        for recovery in recoveries:
            scanner.add(recovery_finding(recovery))
    return ScanReport(site, threshold, tuple(scanner.findings), recoveries, reference.identifiers, pages)
