"""The reproduction chapter as a whole: controlled marks, tallies, failures and the grouped summary.

:func:`reproduction_chapter` builds every table of the chapter from the
marked claims and the data, disclosure-controlled, and derives everything
else a reader sees -- the tally of claims by result, the summary by scope
and domain, the list of claims that do not reproduce, the full detail
table -- from the marks *as published*: a claim whose mark is withheld
(:func:`withhold_statuses`) counts as "withheld" everywhere, so no total
or list can reveal it.  It works with any number of claims and any share
of them failing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cwp_analysis import published
from cwp_analysis.claims_recompute import (
    STATUS_NOT_RECOMPUTABLE,
    STATUS_NOT_REPRODUCED,
    STATUS_REPRODUCED,
    STATUS_WITHHELD,
)
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, DisclosedTable
from cwp_analysis.reproduction_tables import (
    CHECK_MARKS,
    QUOTED_GROUPS,
    ClaimTally,
    claims_by_scope,
    count_withheld,
    engagement_claims_table,
    survey_changes_table,
    survey_counts_table,
    survey_shares_table,
    survey_tests_claim_table,
    tally_claims,
    workstar_claims_table,
)

__all__ = [
    "withhold_statuses",
    "claims_by_domain",
    "claims_detail_table",
    "failures_table",
    "failure_notes",
    "quoted_claims_tables",
    "evidence_statement",
    "ReproductionChapter",
    "reproduction_chapter",
]


def withhold_statuses(marked: pd.DataFrame, shown: Iterable[DisclosedTable]) -> pd.DataFrame:
    """The claims' results as a reader may see them: withheld where a published table withholds the mark.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`cwp_analysis.reproduction_tables.marked_claims`,
        indexed by claim id.
    shown : iterable of DisclosedTable
        The published reproduction tables (indexed by claim id).  A claim
        whose ``check`` or ``recomputed`` cell is withheld in one of them
        gets status ``"withheld"``.

    Returns
    -------
    pandas.DataFrame
        A copy in which those claims have status
        :data:`~cwp_analysis.claims_recompute.STATUS_WITHHELD`, the
        matching mark, no recomputed value, display, verdict or note.
        Tallies, summaries and failure lists built on it reveal nothing
        the tables withhold.

    Examples
    --------
    >>> from cwp_analysis.disclosure import disclose
    >>> marked = pd.DataFrame({"status": ["reproduced"], "check": ["✔ reproduced"], "recomputed": [7.4],
    ...                        "recomputed_display": ["7.4% (5/68)"], "holds": [True], "note": [""]},
    ...                       index=["x"])
    >>> table = disclose(pd.DataFrame({"n": [5], "recomputed": ["7.4%"]}, index=["x"]),
    ...                  count_columns=["n"], derived_columns={"recomputed": ["n"]}, secondary=False)
    >>> withhold_statuses(marked, [table]).loc["x", ["status", "check"]].tolist()
    ['withheld', '[c] withheld (small count)']
    """
    hidden = set()
    for table in shown:
        if not isinstance(table, DisclosedTable):
            raise ValueError(f"shown must hold DisclosedTables, got {type(table).__name__}")
        columns = [c for c in ("check", "recomputed") if c in table.suppressed.columns]
        if columns:
            hidden |= set(table.suppressed.index[table.suppressed[columns].any(axis=1)])
    out = marked.copy()
    rows = [i for i in out.index if i in hidden and out.at[i, "status"] != STATUS_NOT_RECOMPUTABLE]
    if rows:
        out.loc[rows, "status"] = STATUS_WITHHELD
        out.loc[rows, "check"] = CHECK_MARKS[STATUS_WITHHELD]
        for column, value in (("recomputed", float("nan")), ("recomputed_display", ""), ("note", "")):
            if column in out.columns:
                out.loc[rows, column] = value
        if "holds" in out.columns:
            out["holds"] = out["holds"].astype("boolean")
            out.loc[rows, "holds"] = pd.NA
    return out


def _domain(claim_id: str, scope: str, codebook: Codebook) -> str:
    if scope == "workstar":
        return "Work Star"
    if scope == "engagement":
        return "engagement (Table 1)"
    if scope != "survey":
        return scope
    variable = published.claim(claim_id).variable
    try:
        domain = codebook.variable(variable).domain if variable else "survey"
    except (KeyError, ValueError):
        return "survey"
    return "survey" if domain == "identifier" else domain


def claims_by_domain(marked: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Numbers of claims by domain (rows) and mark (columns), with totals: the compact summary.

    Parameters
    ----------
    marked : pandas.DataFrame
        Claims with their published marks (:func:`withhold_statuses`).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Index ``domain``: the codebook domain of a survey claim's item,
        ``"Work Star"``, ``"engagement (Table 1)"``, or the scope of a
        claim with no data (context, literature, ...), plus ``Total``; one
        column per mark present, in the order of
        :data:`~cwp_analysis.reproduction_tables.CHECK_MARKS`, and
        ``Total``.  Numbers of claims, not of people (publish with
        ``people_counts=False``).
    """
    codebook = codebook or load_codebook()
    domains = pd.Series([_domain(str(i), s, codebook) for i, s in zip(marked.index, marked["scope"])],
                        index=marked.index, name="domain")
    table = pd.crosstab(domains, marked["check"], margins=True, margins_name="Total")
    table = table[[m for m in CHECK_MARKS.values() if m in table.columns] + ["Total"]]
    table.index.name, table.columns.name = "domain", None
    return table


_STATUS_ORDER = {STATUS_NOT_REPRODUCED: 0, STATUS_WITHHELD: 1, STATUS_REPRODUCED: 2}


def claims_detail_table(marked: pd.DataFrame, shown: Iterable[DisclosedTable],
                        codebook: Codebook | None = None) -> pd.DataFrame:
    """Every recomputable claim on one line: what it says, the published and recomputed values, the mark.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`cwp_analysis.reproduction_tables.marked_claims`.
    shown : iterable of DisclosedTable
        The published reproduction tables; their ``recomputed`` cells (as
        published) are copied, and their withheld marks withhold the claim
        here (:func:`withhold_statuses`).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Indexed by claim id, columns ``claim``, ``domain``, ``source``,
        ``published``, ``recomputed`` and ``check``; claims that do not
        reproduce first, then withheld ones, then reproduced ones, each by
        domain.  Any number of rows; it counts no people (publish with
        ``people_counts=False``).
    """
    codebook = codebook or load_codebook()
    shown = list(shown)
    marked = withhold_statuses(marked, shown)
    rows = marked[marked["status"] != STATUS_NOT_RECOMPUTABLE]
    columns = [t.table["recomputed"].astype(object) for t in shown if "recomputed" in t.table.columns]
    recomputed = pd.concat(columns) if columns else pd.Series(dtype=object)
    recomputed = recomputed[~recomputed.index.duplicated()]
    frame = pd.DataFrame({
        "claim": rows["claim"],
        "domain": [_domain(str(i), s, codebook) for i, s in zip(rows.index, rows["scope"])],
        "source": rows["source"],
        "published": rows["published"],
        "recomputed": recomputed.reindex(rows.index),
        "check": rows["check"],
    }, index=rows.index)
    order = sorted(range(len(frame)), key=lambda k: (_STATUS_ORDER.get(rows["status"].iloc[k], 3),
                                                     frame["domain"].iloc[k]))
    return frame.iloc[order]


def failures_table(marked: pd.DataFrame, shown: Iterable[DisclosedTable]) -> pd.DataFrame:
    """The recomputable claims that do not reproduce, with the values as published.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`marked_claims`.
    shown : iterable of DisclosedTable
        The published reproduction tables (indexed by claim id, with a
        ``recomputed`` column); a withheld value stays withheld here.

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, ``scope``, ``published``, ``recomputed`` and
        ``check``, one row per claim marked "not reproduced".

    Raises
    ------
    ValueError
        When a failing claim is in none of the tables given.

    Notes
    -----
    A claim whose mark the tables withhold is not listed, even if it does
    not reproduce (:func:`withhold_statuses` is applied first): the list
    would otherwise publish the mark the table withholds.
    """
    shown = list(shown)
    marked = withhold_statuses(marked, shown)
    columns = [t.table["recomputed"].astype(object) for t in shown]
    recomputed = pd.concat(columns) if columns else pd.Series(dtype=object)
    failing = marked[marked["status"] == STATUS_NOT_REPRODUCED]
    absent = [str(i) for i in failing.index if i not in recomputed.index]
    if absent:
        raise ValueError(f"claim(s) not in any table given: {', '.join(absent)}")
    return failing[["claim", "scope", "published"]].assign(recomputed=recomputed.reindex(failing.index),
                                                           check=failing["check"])


def failure_notes(marked: pd.DataFrame, shown: Iterable[DisclosedTable] = ()) -> list[str]:
    """One Markdown line per claim that does not reproduce: what it says, where, and why it fails.

    Each line is ``**<paraphrase>** (<source>) <note> <reading>``, the note
    being the recomputation's (e.g. why it could not be computed) and the
    reading the claims table's interpretation of the printed wording.
    Claims whose mark the ``shown`` tables withhold are left out
    (:func:`withhold_statuses`).
    """
    marked = withhold_statuses(marked, shown)
    lines = []
    for claim_id in marked.index[marked["status"] == STATUS_NOT_REPRODUCED]:
        claim = published.claim(str(claim_id))
        reasons = " ".join(t for t in (marked.at[claim_id, "note"], claim.reading) if t)
        lines.append(f"**{claim.paraphrase}** ({claim.source}) {reasons}")
    return lines


def quoted_claims_tables(marked: pd.DataFrame) -> dict[str, tuple[str, pd.DataFrame]]:
    """The claims quoted from the report, not recomputable, grouped for display.

    Returns
    -------
    dict
        ``{name: (title, table)}`` in the order of :data:`QUOTED_GROUPS`;
        each table has columns ``claim``, ``source``, ``published`` and
        ``check``.

    Raises
    ------
    ValueError
        When a quoted claim's scope belongs to no group.
    """
    quoted = marked[marked["status"] == STATUS_NOT_RECOMPUTABLE]
    grouped = {scope for _, scopes in QUOTED_GROUPS.values() for scope in scopes}
    unlisted = sorted(set(quoted["scope"]) - grouped)
    if unlisted:
        raise ValueError(f"no table for quoted claims of scope(s) {unlisted}")
    return {name: (title, quoted[quoted["scope"].isin(scopes)][["claim", "source", "published", "check"]])
            for name, (title, scopes) in QUOTED_GROUPS.items()}


def evidence_statement(survey_is_synthetic: bool, workstar_is_synthetic: bool) -> str:
    """What a reproduced claim means for the data a build used, in two sentences of prose.

    A survey claim reproduced from the project's synthetic file agrees by
    construction (the generator was calibrated to the report), so it checks
    the software only; reproduced from any other file it is a replication.
    The same holds for the Work Star readings.

    Examples
    --------
    >>> evidence_statement(True, True).startswith("This build read the project's synthetic survey file")
    True
    """
    if survey_is_synthetic:
        survey = (
            "This build read the project's synthetic survey file, which was generated to agree with the "
            "report's published figures; a reproduced survey claim is therefore agreement by construction. "
            "It shows that the software recomputes each statistic the way the claims table says the report "
            "computed it, and it is no evidence that the findings are true.")
    else:
        survey = (
            "This build read a survey file that is not one of the project's synthetic files, so the survey "
            "rows are a genuine replication: a reproduced claim is a statistic recomputed from these data "
            "that agrees with the printed figure, and a claim that does not reproduce is a discrepancy to "
            "investigate (a different extract of the data, a different rule for missing answers, or an "
            "error in the report).")
    if workstar_is_synthetic:
        workstar = ("The Work Star readings are synthetic too, so their rows check the software "
                    "in the same way and confirm nothing about FWT's clients.")
    else:
        workstar = ("The Work Star file is not synthetic either, so its rows test the report's "
                    "Figure 14 against these readings.")
    return f"{survey} {workstar}"



@dataclass(frozen=True, eq=False)
class ReproductionChapter:
    """Everything the reproduction chapter publishes, disclosure-controlled.

    Attributes
    ----------
    shares, changes, tests, counts, workstar : DisclosedTable
        The claim tables (:func:`~cwp_analysis.reproduction_tables.survey_shares_table`,
        ..., :func:`~cwp_analysis.reproduction_tables.survey_tests_claim_table`,
        :func:`~cwp_analysis.reproduction_tables.workstar_claims_table`),
        with the marks withheld where a count is.
    engagement : pandas.DataFrame
        The Table 1 claims (public: publish with ``public_source``).
    statuses : pandas.DataFrame
        The marked claims with the results a reader sees
        (:func:`withhold_statuses`); every summary below is built on it.
    tally : ClaimTally
    by_scope, by_domain : pandas.DataFrame
        Numbers of claims by scope / domain and mark (the compact summary).
    detail : pandas.DataFrame
        Every recomputable claim (:func:`claims_detail_table`).
    failures : pandas.DataFrame
        The claims that do not reproduce (:func:`failures_table`).
    failure_notes : list of str
    n_withheld : int
        Cells withheld across the claim tables.
    """

    shares: DisclosedTable
    changes: DisclosedTable
    tests: DisclosedTable
    counts: DisclosedTable
    workstar: DisclosedTable
    engagement: pd.DataFrame
    statuses: pd.DataFrame
    tally: ClaimTally
    by_scope: pd.DataFrame
    by_domain: pd.DataFrame
    detail: pd.DataFrame
    failures: pd.DataFrame
    failure_notes: list
    n_withheld: int

    @property
    def claim_tables(self) -> dict:
        """The disclosed claim tables by name (for publishing and counting)."""
        return {"shares": self.shares, "changes": self.changes, "tests": self.tests, "counts": self.counts,
                "workstar": self.workstar}


def _public(frame: pd.DataFrame, threshold: int, marker: str) -> DisclosedTable:
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    return DisclosedTable(table=frame.copy(), suppressed=mask, primary=mask.copy(), n_primary=0, n_secondary=0,
                          n_derived=0, threshold=threshold, marker=marker)


def reproduction_chapter(marked: pd.DataFrame, survey: pd.DataFrame | None, workstar: pd.DataFrame | None = None,
                         *, threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER,
                         codebook: Codebook | None = None) -> ReproductionChapter:
    """Build the reproduction chapter's tables and summaries, disclosure-controlled.

    Parameters
    ----------
    marked : pandas.DataFrame
        ``marked_claims(evaluate_claims(survey, workstar))``.
    survey : pandas.DataFrame or None
        The survey the claims were recomputed from (None: no survey tables).
    workstar : pandas.DataFrame, optional
        The Work Star readings (None: no Work Star table).
    threshold : int, default 7
    marker : str, default "[c]"
    codebook : Codebook, optional

    Returns
    -------
    ReproductionChapter

    Notes
    -----
    The tally, the summaries, the failure list and its notes are all built
    on the statuses as published, so a withheld mark stays withheld
    everywhere; a claim table may have any number of rows.
    """
    codebook = codebook or load_codebook()
    empty = marked.iloc[:0]
    source = marked if survey is not None else empty
    shares = survey_shares_table(source, survey, codebook).disclose(threshold, marker)
    changes = survey_changes_table(source, survey, codebook).disclose(threshold, marker)
    tests = survey_tests_claim_table(source, survey, codebook).disclose(threshold, marker)
    counts = survey_counts_table(source, survey, codebook).disclose(threshold, marker)
    ws = workstar_claims_table(marked if workstar is not None else empty, workstar, codebook)
    ws_disclosed = ws.disclose(threshold, marker)
    engagement = engagement_claims_table(marked)
    shown = [shares, changes, tests, counts, ws_disclosed, _public(engagement, threshold, marker)]
    statuses = withhold_statuses(marked, shown)
    return ReproductionChapter(
        shares=shares, changes=changes, tests=tests, counts=counts, workstar=ws_disclosed,
        engagement=engagement, statuses=statuses, tally=tally_claims(statuses),
        by_scope=claims_by_scope(statuses), by_domain=claims_by_domain(statuses, codebook),
        detail=claims_detail_table(statuses, shown, codebook), failures=failures_table(statuses, shown),
        failure_notes=failure_notes(statuses, shown),
        n_withheld=count_withheld([shares, changes, tests, counts, ws_disclosed]),
    )
