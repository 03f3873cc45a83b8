"""Statistical disclosure control for every table the project publishes.

The survey respondents are women supported after violence; a count of one
to seven women in a cell of a small table can identify someone, and so can
a count that an attacker works out from what the page does show.  Every
table a notebook or the book publishes therefore goes through
:func:`disclose`.

The policy
----------
1. **Guards.**  Respondent-level frames and free text are refused outright
   (:func:`refuse_respondent_level`): the guard judges what a table holds,
   people or statistics, not only its length
   (:mod:`cwp_analysis.sdc_guards`).
2. **Primary suppression.**  Counts from 1 to ``threshold`` (default 7) are
   withheld and shown as ``marker`` (default ``"[c]"`` [4]_).  Zero is not
   withheld: "nobody" identifies no one, and NHS Digital replaces values
   between 1 and 7 [1]_.  OpenSAFELY requires outputs based on counts of 7
   or fewer to be redacted and now recommends rounding every count after
   that [2]_; NHS Digital rounds other sub-national counts to the nearest
   5.  This project keeps true counts and instead proves, by the audit
   below, that no withheld count can be worked out.
3. **Complement rule.**  In a line whose total ``n`` is published, a count
   from ``n - threshold`` to ``n - 1`` is withheld too: beside ``n`` it
   publishes the small number of people outside it [3]_ [5]_.  The same
   holds for a count beside the base it is a share of (``complements``).
4. **Secondary suppression by optimisation.**  Further cells are withheld
   so that no withheld count can be worked out from the published cells,
   totals and the relations between them: the fewest cells, chosen by
   integer programming (:mod:`cwp_analysis.sdc_suppress`).
5. **Protection-interval audit.**  For every withheld count the interval
   an attacker can infer is computed by integer linear programming over
   everything published (:mod:`cwp_analysis.sdc_audit`).  It must not be
   a single value and must not lie inside ``1..threshold`` [5]_ [6]_ [7]_;
   nor may the withheld cells of one line together lie inside it.
   The audit is kept on the result (:attr:`DisclosedTable.audit`), and
   :func:`audit_page` repeats it for several tables of one page together
   with the shares and group totals the page also shows.
6. **Derived values** (percentages, intervals, means, effect sizes) are
   withheld wherever one of their source counts is.

:func:`check_disclosure` is the matching check of a table as published.

Conventions
-----------
* Blank cells (NaN/None) are left as they are; the attacker does not know
  them, and they are never withheld as complements.
* Totals are rows and columns labelled "Total", "All" or "Grand total"
  (any case) unless ``total_rows`` / ``total_columns`` say otherwise; they
  may be withheld themselves when that protects at least cost.
* Lines without a total cell add up to a known number (such as the
  respondents answering) when ``secondary`` says so.

References
----------
.. [1] NHS Digital (2018). Disclosure control methodology for Hospital
   Episode Statistics (HES) and Emergency Care Data Set (ECDS) (values
   between 1 and 7 shown as "*", other counts below national level rounded
   to the nearest 5).
.. [2] OpenSAFELY documentation. Applying statistical disclosure control
   (outputs based on counts <= 7 redacted); and OpenSAFELY, Updated
   disclosure control guidance (rounding of counts after small-number
   suppression).
.. [3] Government Statistical Service. Statistical disclosure control
   guidance: tables produced from surveys, and from administrative sources
   (threshold rule; secondary suppression so that suppressed cells cannot
   be derived from totals).
.. [4] Government Analysis Function. Symbols in tables: definitions and
   help ("[c]" for confidential).
.. [5] Hundepool A, Domingo-Ferrer J, Franconi L, Giessing S, Schulte
   Nordholt E, Spicer K, de Wolf P-P (2012). Statistical Disclosure
   Control. Chichester: Wiley, chapters 4 and 5.
.. [6] de Wolf P-P, Hundepool A, Giessing S, Salazar-Gonzalez J-J, Castro J
   (2014). tau-Argus user's manual, version 4.1. Statistics Netherlands.
.. [7] Meindl B. sdcTable: Methods for Statistical Disclosure Control in
   Tabular Data. R package.

Examples
--------
>>> t = pd.DataFrame({"n": [5, 30, 40]}, index=["a", "b", "c"])
>>> disclose(t).table["n"].tolist()
['[c]', '[c]', 40]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.errors import CwpError
from cwp_analysis.sdc_audit import (
    AuditProblem,
    AuditResult,
    Cell,
    LinearFact,
    audit_suppression,
    equal_fact,
    share_facts,
    sum_fact,
)
from cwp_analysis.sdc_check import published_findings
from cwp_analysis.sdc_frame import (
    TOTAL_LABELS,
    auto_count_columns,
    complement_positions,
    count_block,
    derived_withheld,
    normalise_derived,
    resolve_count_columns,
    secondary_mode,
    validate_threshold_marker,
)
from cwp_analysis.sdc_guards import (
    IDENTIFIER_COLUMNS,
    MAX_AGGREGATE_ROWS,
    MAX_LABEL_LENGTH,
    respondent_level_reason,
)
from cwp_analysis.sdc_lines import BlockModel, block_model
from cwp_analysis.sdc_model import page_facts
from cwp_analysis.sdc_suppress import default_costs, optimal_suppression

__all__ = [
    "DEFAULT_MARKER",
    "DEFAULT_THRESHOLD",
    "IDENTIFIER_COLUMNS",
    "MAX_AGGREGATE_ROWS",
    "MAX_LABEL_LENGTH",
    "TOTAL_LABELS",
    "AuditResult",
    "Cell",
    "DisclosedTable",
    "DisclosureError",
    "LinearFact",
    "audit_page",
    "check_disclosure",
    "disclose",
    "disclose_page",
    "equal_fact",
    "refuse_respondent_level",
    "share_facts",
    "sum_fact",
]

#: Largest count suppressed by default (counts 1..7), after NHS Digital and OpenSAFELY.
DEFAULT_THRESHOLD = 7
#: Marker for a withheld value; the UK official-statistics shorthand for "confidential".
DEFAULT_MARKER = "[c]"


class DisclosureError(CwpError):
    """A table is not fit to publish (small counts, recoverable counts, respondent-level rows or free text)."""


@dataclass(frozen=True, eq=False)
class DisclosedTable:
    """A table after disclosure control.

    Attributes
    ----------
    table : pandas.DataFrame
        The publishable table: count and derived columns are of object
        dtype, withheld cells hold ``marker``; every other value is
        unchanged.
    suppressed : pandas.DataFrame
        Boolean mask, same shape as ``table``: True where a value is
        withheld (primary, complement, secondary or derived).
    primary : pandas.DataFrame
        Boolean mask of the primary suppressions (small counts) and of
        cells that already held the marker on input.
    n_primary, n_secondary, n_derived : int
        Numbers of count cells withheld as small (or already marked), count
        cells withheld to protect others (by the complement rule, or as
        complementary cells chosen by the optimiser), and derived cells
        withheld.
    threshold : int
    marker : str
    unprotected : tuple of str
        Quantities no suppression pattern can protect (a small count whose
        line holds nothing else to withhold): empty in normal use, else a
        human decision is needed.
    audit : AuditResult or None
        The protection-interval audit of the result: the attacker's
        interval for every withheld count (``audit.intervals``).
    problem : AuditProblem or None
        The attacker's problem for this table (cells ``Cell(None, row,
        column)``, with the final withheld cells), to audit it together
        with what else a page shows (:func:`audit_page`).  It holds the
        true values of withheld cells: never publish it.
    method : str
        How the complementary cells were chosen: ``"milp"`` (fewest cells,
        proven), ``"heuristic"`` (large problems) or ``"none"``.
    n_complement : int
        Of the ``n_secondary`` cells, those withheld by the complement rule.
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame
    n_primary: int
    n_secondary: int
    n_derived: int
    threshold: int
    marker: str
    unprotected: tuple[str, ...] = ()
    audit: AuditResult | None = None
    problem: AuditProblem | None = None
    method: str = ""
    n_complement: int = 0


def refuse_respondent_level(table: pd.DataFrame, *, max_rows: int = MAX_AGGREGATE_ROWS,
                            max_text_length: int = MAX_LABEL_LENGTH, rows: str = "auto") -> None:
    """Refuse frames that look like respondent-level data or hold free text.

    Parameters
    ----------
    table : pandas.DataFrame
    max_rows : int, default 50
        A table longer than this must show that its rows are statistics.
    max_text_length : int, default 120
        Any text cell (or index label) longer than this is free text,
        which is never published.
    rows : {"auto", "statistics"}, default "auto"
        ``"auto"`` judges what the rows hold; ``"statistics"`` declares
        that every row is an aggregate (a count, share, claim or check), so
        that only the identifier-name and free-text rules apply.

    Raises
    ------
    DisclosureError
        If a column or index level is named like an identifier
        (:data:`IDENTIFIER_COLUMNS`, case-insensitive), a string is longer
        than ``max_text_length``, or (with ``rows="auto"``) values look
        like respondent ids or a long table shows no sign that its rows are
        statistics: see :mod:`cwp_analysis.sdc_guards` for the rules.
    ValueError
        For an unknown ``rows``.

    Notes
    -----
    Rows of statistics (a count, base or share column, or rows keyed by
    claim or codebook ids) are fine at any length.  The rules are
    heuristics against the likely accidents, not a proof of safety.

    Examples
    --------
    >>> claims = pd.DataFrame({"women counted": range(66)}, index=[f"claim_{i}" for i in range(66)])
    >>> refuse_respondent_level(claims)
    >>> refuse_respondent_level(pd.DataFrame({"q1": [1, 2] * 40, "q2": [3, 4] * 40}))
    Traceback (most recent call last):
    ...
    cwp_analysis.disclosure.DisclosureError: refusing a table with 80 rows (more than 50) that looks \
respondent-level: no count, base or share column, and its rows are not keyed by claim or item ids; publish an \
aggregate, or declare rows='statistics'
    """
    reason = respondent_level_reason(table, rows=rows, max_rows=max_rows, max_text_length=max_text_length)
    if reason is not None:
        raise DisclosureError(reason)


@dataclass(frozen=True, eq=False)
class _Prepared:
    name: Hashable
    table: pd.DataFrame
    counts: list
    derived: dict
    model: BlockModel


def _prepare(table, name, *, count_columns=None, threshold=DEFAULT_THRESHOLD, marker=DEFAULT_MARKER,
             secondary=True, derived_columns=None, total_rows=None, total_columns=None, complements=None,
             rows="auto") -> _Prepared:
    validate_threshold_marker(threshold, marker)
    mode = secondary_mode(secondary)
    if not isinstance(table, pd.DataFrame):
        raise DisclosureError("only pandas DataFrames can be published through disclosure control")
    if not table.index.is_unique or not table.columns.is_unique:
        raise ValueError("table index and column labels must be unique")
    refuse_respondent_level(table, rows=rows)
    derived = normalise_derived(derived_columns, table)
    counts = resolve_count_columns(table, count_columns, marker, derived)
    block = count_block(table, counts, marker, total_rows=total_rows, total_columns=total_columns, name=name)
    model = block_model(block, int(threshold), mode=mode, complements=complement_positions(complements, counts))
    return _Prepared(name, table, counts, derived, model)


def _assemble(prepared: _Prepared, withheld: frozenset, *, audit, unprotected, method, threshold,
              marker) -> DisclosedTable:
    table, counts, model = prepared.table, prepared.counts, prepared.model
    suppressed = np.array([[Cell(prepared.name, row, column) in withheld for column in counts] for row in table.index],
                          dtype=bool).reshape(len(table), len(counts))
    required = model.primary
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    primary_mask = mask.copy()
    for j, column in enumerate(counts):
        mask[column] = suppressed[:, j]
        primary_mask[column] = required[:, j]
    derived_masks, n_derived = derived_withheld(table, prepared.derived, counts, suppressed, marker)
    for column, hidden in derived_masks.items():
        mask[column] = hidden
    out = table.copy()
    for column in list(counts) + list(prepared.derived):
        out[column] = out[column].astype(object)
        out.loc[mask[column].to_numpy(), column] = marker
    mine = frozenset(c for c in withheld if c in model.problem.values)
    return DisclosedTable(
        table=out, suppressed=mask, primary=primary_mask,
        n_primary=int(required.sum()), n_secondary=int((suppressed & ~required).sum()), n_derived=n_derived,
        n_complement=int(model.complement.sum()),
        threshold=int(threshold), marker=marker, unprotected=tuple(unprotected), audit=audit,
        problem=model.problem.with_withheld(mine), method=method,
    )


def disclose(table: pd.DataFrame, *, count_columns: Sequence | None = None,
             threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER,
             secondary: bool | str = True, derived_columns: Mapping | None = None,
             total_rows: Sequence | None = None, total_columns: Sequence | None = None,
             complements: Mapping | None = None, rows: str = "auto") -> DisclosedTable:
    """Apply primary, complement and secondary suppression to a table before publication.

    Parameters
    ----------
    table : pandas.DataFrame
        An aggregate table: labels in the index or in text columns, counts
        in count columns, optionally derived statistics and total
        rows/columns.  Index and column labels must be unique.
    count_columns : sequence, optional
        Columns holding counts of people.  Default: every column of integer
        dtype, or of object dtype holding only whole numbers and
        ``marker`` (so a disclosed table can be disclosed again), except
        derived columns.  Float columns are never taken as counts unless
        named here.
    threshold : int, default 7
        Counts from 1 to ``threshold`` are withheld.
    marker : str, default "[c]"
        Shown in place of a withheld value.
    secondary : bool or {"both", "rows", "columns"}, default True
        Which lines are additive, i.e. have a total that is published or
        known (such as the number of respondents).  True means ``"both"``:
        every row and every column of the count block.  Use ``"columns"``
        when the columns are separate distributions (for example counts
        before and after for one item, each adding to the number
        answering) and ``"rows"`` for the transpose.  False: no line adds
        up, so no complementary cells are needed.  Lines of a single cell
        are never additive.
    derived_columns : mapping, optional
        ``{derived column: source count column or list of them}``.  A
        derived value (percentage, mean, interval bound) is withheld in
        every row where one of its sources is.
    total_rows, total_columns : sequence, optional
        Labels of the total rows / total columns.  Default: labels equal
        to "Total", "All" or "Grand total" (case-insensitive; for a
        MultiIndex, any level).  Pass ``[]`` to declare that there are
        none.  A total must equal the sum of the other cells of its line.
    complements : mapping, optional
        ``{count column: base column}`` (both count columns): in every row
        the count is withheld when ``base - count`` lies in
        ``1..threshold`` and the base is published (a share "k of n" whose
        other categories are not shown).
    rows : {"auto", "statistics"}, default "auto"
        Passed to :func:`refuse_respondent_level`.

    Returns
    -------
    DisclosedTable
        With the audit of the result (``.audit``) and the attacker's
        problem (``.problem``).

    Raises
    ------
    DisclosureError
        For a respondent-level frame or free text
        (:func:`refuse_respondent_level`).
    ValueError
        For a count that is not a non-negative whole number, unknown
        columns, a bad threshold or marker, a table without count columns,
        or totals that do not add up.

    Notes
    -----
    The policy is the module's (primary, complement rule, secondary,
    audit, derived).  **Secondary suppression** is
    :func:`cwp_analysis.sdc_suppress.optimal_suppression`: the fewest
    further cells such that, for every withheld count (and the people
    outside a count withheld by the complement rule), the interval an
    attacker infers by integer linear programming from the published cells
    and the line totals is neither a single value nor inside
    1..``threshold`` (nor are a line's withheld cells together).  Ties go to the smallest counts, ordinary cells
    before totals, totals before zeros.  The pattern's audit
    (:func:`cwp_analysis.sdc_audit.audit_suppression`) is kept on the
    result.  Published numbers are never changed (totals are not
    recomputed).  Cells already holding ``marker`` count as withheld (and
    as primary), so disclosing a disclosed table returns the same table.

    Examples
    --------
    >>> t = pd.DataFrame({"A": [5, 12, 17], "B": [20, 15, 35]},
    ...                  index=["r1", "r2", "Total"])
    >>> d = disclose(t)
    >>> d.table.loc["r1"].tolist(), d.table.loc["r2"].tolist(), (d.n_primary, d.n_secondary)
    (['[c]', '[c]'], ['[c]', '[c]'], (1, 3))
    >>> d.audit.passed, d.audit.intervals[["quantity", "lower", "upper"]].values.tolist()[0]
    (True, ["row 'r1', column 'A'", 0.0, 17.0])
    """
    prepared = _prepare(table, None, count_columns=count_columns, threshold=threshold, marker=marker,
                        secondary=secondary, derived_columns=derived_columns, total_rows=total_rows,
                        total_columns=total_columns, complements=complements, rows=rows)
    return _protect({None: prepared}, [], int(threshold), marker)[None]


def _protect(prepared: Mapping, facts: Sequence, threshold: int, marker: str) -> dict:
    problems = [p.model.problem for p in prepared.values()]
    joint = problems[0].joined(*problems[1:], facts=facts)
    totals = frozenset().union(*(p.model.totals for p in prepared.values()))
    candidates = [c for c in joint.values if c not in joint.withheld and c not in joint.missing]
    result = optimal_suppression(joint, threshold, cost=default_costs(joint, candidates, totals))
    return {name: _assemble(p, result.withheld, audit=result.audit, unprotected=result.unprotected,
                            method=result.method, threshold=threshold, marker=marker)
            for name, p in prepared.items()}


def disclose_page(tables: Mapping[Hashable, pd.DataFrame], *, options: Mapping | None = None,
                  links: Sequence = (), facts: Sequence = (), threshold: int = DEFAULT_THRESHOLD,
                  marker: str = DEFAULT_MARKER) -> dict:
    """Disclose several tables of one page together, so that what one shows cannot undo another.

    Parameters
    ----------
    tables : mapping of name to pandas.DataFrame
    options : mapping of name to mapping, optional
        Keyword arguments of :func:`disclose` for each table
        (``count_columns``, ``secondary``, ``total_rows``, ...).
    links : sequence of pairs of (table, row, column)
        Cells that hold the same count (for instance one base printed in
        two tables): if one is published, the other is known.
    facts : sequence of LinearFact
        Other numbers the page publishes about these counts, with cells
        named ``Cell(table, row, column)`` (:func:`share_facts`,
        :func:`sum_fact`); they must be published whatever is withheld.
    threshold : int, default 7
    marker : str, default "[c]"

    Returns
    -------
    dict of name to DisclosedTable
        Complementary cells are chosen for the page as a whole; every
        table carries the page's audit.

    Examples
    --------
    The same base in two tables: withholding it in one is no use if the
    other shows it.

    >>> a = pd.DataFrame({"n": [3, 40, 43]}, index=["yes", "no", "Total"])
    >>> b = pd.DataFrame({"n": [20, 23, 43]}, index=["young", "old", "Total"])
    >>> page = disclose_page({"a": a, "b": b}, links=[(("a", "Total", "n"), ("b", "Total", "n"))])
    >>> page["a"].table["n"].tolist(), page["b"].table["n"].tolist(), page["a"].audit.passed
    (['[c]', '[c]', 43], [20, 23, 43], True)
    """
    validate_threshold_marker(threshold, marker)
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("tables must be a non-empty mapping of names to DataFrames")
    options = dict(options or {})
    unknown = [k for k in options if k not in tables]
    if unknown:
        raise ValueError(f"options given for unknown table(s) {unknown}")
    prepared = {}
    for name, frame in tables.items():
        opts = dict(options.get(name, {}))
        for clash in ("threshold", "marker"):
            if clash in opts:
                raise ValueError(f"table {name!r}: give {clash} to disclose_page, not in options")
        prepared[name] = _prepare(frame, name, threshold=threshold, marker=marker, **opts)
    return _protect(prepared, page_facts(links, facts), int(threshold), marker)


def audit_page(tables: Mapping[Hashable, DisclosedTable] | DisclosedTable, *, links: Sequence = (),
               facts: Sequence = (), threshold: int | None = None) -> AuditResult:
    """Audit disclosed tables together with the other numbers their page shows.

    Parameters
    ----------
    tables : DisclosedTable, or mapping of name to DisclosedTable
        Tables from :func:`disclose` (cells of a lone table are
        ``Cell(None, row, column)``; in a mapping, ``Cell(name, row,
        column)``).
    links : sequence of pairs of (table, row, column)
        Cells holding the same count.
    facts : sequence of LinearFact
        Shares, group totals and other numbers the page shows (figure
        labels, alt text, prose), built with :func:`share_facts`,
        :func:`sum_fact` or :class:`LinearFact`.
    threshold : int, optional
        Default: the tables' threshold.

    Returns
    -------
    AuditResult

    Examples
    --------
    A grouped share in alt text ("agree or strongly agree: 54% of 28")
    beside a table that shows "agree" = 8 pins the withheld "strongly
    agree" to 7:

    >>> t = pd.DataFrame({"Strongly agree": [7], "Agree": [8], "Other": [13], "Base": [28]}, index=["item"])
    >>> d = disclose(t, secondary=False)
    >>> share = share_facts([Cell(None, "item", "Strongly agree"), Cell(None, "item", "Agree")],
    ...                     Cell(None, "item", "Base"), 54, 0)
    >>> audit_page(d, facts=share).messages()
    ["row 'item', column 'Strongly agree' can be recovered exactly (7) from what is published"]
    """
    if isinstance(tables, DisclosedTable):
        tables = {None: tables}
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("tables must be a DisclosedTable or a non-empty mapping of names to them")
    problems = []
    for name, disclosed in tables.items():
        if not isinstance(disclosed, DisclosedTable) or disclosed.problem is None:
            raise ValueError(f"table {name!r} is not a DisclosedTable from disclose()")
        problems.append(disclosed.problem if name is None else disclosed.problem.renamed(name))
    if threshold is None:
        threshold = next(iter(tables.values())).threshold
    joint = problems[0].joined(*problems[1:], facts=page_facts(links, facts))
    return audit_suppression(joint, threshold)


def check_disclosure(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, *,
                     count_columns: Sequence | None = None, marker: str = DEFAULT_MARKER,
                     secondary: bool | str = True, total_rows: Sequence | None = None,
                     total_columns: Sequence | None = None, shares: Mapping | None = None,
                     complements: Mapping | None = None, facts: Sequence = (),
                     rows: str = "auto") -> None:
    """Check a table as published; raise if it discloses.

    Parameters
    ----------
    table : pandas.DataFrame
        Typically ``disclose(...).table``.
    threshold : int, default 7
    count_columns, marker, secondary, total_rows, total_columns, complements, rows
        As for :func:`disclose`; count columns are detected the same way
        (integer columns, or object columns of whole numbers and markers).
    shares : mapping, optional
        ``{share column: base}`` or ``{share column: (sources, base)}``
        (base: a count column or a number; sources: the count columns the
        share adds up).  Default: columns named like shares ("%",
        "percent", "share", ...) with the one count column named like a
        base ("Base", "n", "Pairs"); ``{}`` for none.
    facts : sequence of LinearFact
        Other numbers the page shows about this table's counts (cells
        ``Cell(None, row, column)``).

    Raises
    ------
    DisclosureError
        For a respondent-level frame or free text, a shown count in
        1..``threshold``, a shown count leaving 1..``threshold`` people
        outside it beside a published total or base, a shown share pinning
        its count (or the rest of its base) inside 1..``threshold``, or a
        withheld count the audit over totals, shares and ``facts`` finds
        recoverable or confined to 1..``threshold`` (see
        :mod:`cwp_analysis.sdc_check`).
    ValueError
        For malformed counts or arguments, or published numbers that
        contradict the declared totals.

    Examples
    --------
    >>> check_disclosure(pd.DataFrame({"n": [3, 40]}))
    Traceback (most recent call last):
    ...
    cwp_analysis.disclosure.DisclosureError: unsuppressed small count(s) (1..7): row 0, column 'n' = 3
    >>> check_disclosure(pd.DataFrame({"n": ["[c]", 62], "%": ["4.6", "95.4"], "Base": [65, 65]},
    ...                               index=["no", "yes"]), secondary=False)
    Traceback (most recent call last):
    ...
    cwp_analysis.disclosure.DisclosureError: column '%', row 'no': 4.6% of 65 pins the count to 3..3 \
(inside 1..7) (and 1 more)
    """
    validate_threshold_marker(threshold, marker)
    mode = secondary_mode(secondary)
    refuse_respondent_level(table, rows=rows)
    if count_columns is None:
        counts = auto_count_columns(table, marker, set())
    else:
        counts = resolve_count_columns(table, count_columns, marker, {})
    if not counts:
        return
    findings = published_findings(table, int(threshold), counts=counts, marker=marker, mode=mode,
                                  total_rows=total_rows, total_columns=total_columns, shares=shares,
                                  complements=complement_positions(complements, counts), facts=facts)
    if findings:
        raise DisclosureError(findings[0] + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""))
