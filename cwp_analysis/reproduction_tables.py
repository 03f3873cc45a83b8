"""The reproduction chapter's tables: each published claim beside its recomputed value and counts.

:func:`marked_claims` adds the reader-facing paraphrase and mark to
:func:`cwp_analysis.claims_recompute.evaluate_claims` results; the
``survey_*_table`` functions set published shares, changes, tests and
counts beside the recomputed values and the counts of women they rest on,
as :class:`ClaimTable` objects that disclosure control protects row by
row.  A recomputed value withheld by disclosure control withholds the
row's mark too (:class:`ClaimTable`): beside the printed share and its
base, "reproduced" would give the withheld count away
(:mod:`cwp_analysis.derived_rule`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd

from cwp_analysis import published
from cwp_analysis.claims_recompute import (
    RESULT_COLUMNS,
    STATUS_NOT_RECOMPUTABLE,
    STATUS_NOT_REPRODUCED,
    STATUS_REPRODUCED,
    STATUS_WITHHELD,
    recompute_claim,
)
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.disclosure import (
    DEFAULT_MARKER,
    DEFAULT_THRESHOLD,
    DisclosedTable,
    disclose,
)
from cwp_analysis.publication import withhold_cells

__all__ = [
    "CHECK_MARKS",
    "TABLE_OF_STATISTIC",
    "QUOTED_GROUPS",
    "ClaimTally",
    "CountLine",
    "ClaimTable",
    "marked_claims",
    "tally_claims",
    "claims_by_scope",
    "supporting_count",
    "survey_shares_table",
    "survey_changes_table",
    "survey_tests_table",
    "survey_tests_claim_table",
    "survey_counts_table",
    "workstar_claims_table",
    "engagement_claims_table",
    "count_withheld",
]

# ---------------------------------------------------------------------------
# the reproduction chapter's tables
# ---------------------------------------------------------------------------

#: Result status -> the mark the reproduction tables show for it.
CHECK_MARKS = {
    STATUS_REPRODUCED: "✔ reproduced",
    STATUS_NOT_REPRODUCED: "✘ not reproduced",
    STATUS_NOT_RECOMPUTABLE: "– not recomputable",
    STATUS_WITHHELD: "[c] withheld (small count)",
}

#: Survey statistic -> the reproduction table that shows its claims: ``"shares"``
#: (shares of those answering), ``"changes"`` (before/after changes),
#: ``"counts"`` (numbers of women) or ``"tests"`` (p-values and rankings,
#: which count no people).
TABLE_OF_STATISTIC = {
    "share": "shares",
    "share_change": "changes",
    "no_change": "changes",
    "count": "counts",
    "n": "counts",
    "count_multiple": "counts",
    "pvalue_wilcoxon": "tests",
    "rank_first": "tests",
    "change_rank_first": "tests",
}

#: Tables of the claims quoted, not recomputed: name -> (title, claim scopes).
QUOTED_GROUPS = {
    "quoted_context_and_design": ("Context, finance and the study's design",
                                  ("context", "finance", "sample", "engagement", "survey")),
    "quoted_literature": ("Literature reviewed in Section 2", ("literature",)),
    "quoted_interviews": ("Interviews and case-study boxes", ("interviews",)),
}

_BASE_COLUMNS = ["claim", "source", "published"]


def marked_claims(results: pd.DataFrame) -> pd.DataFrame:
    """Add the reader-facing columns to :func:`evaluate_claims` results.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`evaluate_claims`.

    Returns
    -------
    pandas.DataFrame
        The same rows, indexed by claim id (the ``id`` column is kept), with
        ``claim`` (the claims table's paraphrase) and ``check`` (the mark of
        :data:`CHECK_MARKS`) added.

    Raises
    ------
    ValueError
        When a column of :data:`RESULT_COLUMNS` is missing or a status is
        unknown.

    Examples
    --------
    >>> from cwp_analysis.claims_recompute import evaluate_claims
    >>> marked = marked_claims(evaluate_claims(claims=[published.claim("engagements_target_ratio")]))
    >>> marked.loc["engagements_target_ratio", "check"]
    '✘ not reproduced'
    """
    missing = [c for c in RESULT_COLUMNS if c not in results.columns]
    if missing:
        raise ValueError(f"claim results lack column(s) {', '.join(missing)}")
    unknown = sorted(set(results["status"]) - set(CHECK_MARKS))
    if unknown:
        raise ValueError(f"unknown claim status(es) {unknown}")
    paraphrases = [published.claim(str(i)).paraphrase for i in results["id"]]
    return results.assign(claim=paraphrases, check=results["status"].map(CHECK_MARKS)).set_index("id", drop=False)


@dataclass(frozen=True)
class ClaimTally:
    """How many claims fall under each status.

    Attributes
    ----------
    claims, reproduced, not_reproduced, not_recomputable : int
    withheld : int
        Recomputable claims whose result disclosure control withholds
        (:data:`~cwp_analysis.claims_recompute.STATUS_WITHHELD`).
    """

    claims: int
    reproduced: int
    not_reproduced: int
    not_recomputable: int
    withheld: int = 0

    @property
    def recomputable(self) -> int:
        """Claims that data can test (reproduced, not reproduced, or withheld)."""
        return self.claims - self.not_recomputable


def tally_claims(results: pd.DataFrame) -> ClaimTally:
    """Count the claims of :func:`evaluate_claims` results by status.

    Examples
    --------
    >>> tally_claims(pd.DataFrame({"status": [STATUS_REPRODUCED, STATUS_REPRODUCED, STATUS_NOT_RECOMPUTABLE]}))
    ClaimTally(claims=3, reproduced=2, not_reproduced=0, not_recomputable=1, withheld=0)

    Count the statuses a reader sees (:func:`cwp_analysis.reproduction_chapter.withhold_statuses`),
    so that the tally says nothing about claims whose mark is withheld.
    """
    counts = results["status"].value_counts()
    unknown = sorted(set(counts.index) - set(CHECK_MARKS))
    if unknown:
        raise ValueError(f"unknown claim status(es) {unknown}")
    return ClaimTally(
        claims=len(results),
        reproduced=int(counts.get(STATUS_REPRODUCED, 0)),
        not_reproduced=int(counts.get(STATUS_NOT_REPRODUCED, 0)),
        not_recomputable=int(counts.get(STATUS_NOT_RECOMPUTABLE, 0)),
        withheld=int(counts.get(STATUS_WITHHELD, 0)),
    )


def claims_by_scope(marked: pd.DataFrame) -> pd.DataFrame:
    """Numbers of claims by scope (rows) and mark (columns), with totals.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`marked_claims`.

    Returns
    -------
    pandas.DataFrame
        Index ``scope`` plus a ``Total`` row; one column per mark present,
        in the order of :data:`CHECK_MARKS`, and a ``Total`` column.
        Numbers of claims, not of people.
    """
    table = pd.crosstab(marked["scope"], marked["check"], margins=True, margins_name="Total")
    table = table[[m for m in CHECK_MARKS.values() if m in table.columns] + ["Total"]]
    table.index.name, table.columns.name = "scope", None
    return table


def supporting_count(
    claim: published.Claim,
    survey: pd.DataFrame,
    statistic: str,
    timepoint: str | None = None,
    codebook: Codebook | None = None,
):
    """A count of women behind a survey claim.

    The claim's own item, codes and subgroup are recomputed as another
    statistic: ``"count"`` (the women giving one of the claim's answers) or
    ``"n"`` (the women answering the item).

    Parameters
    ----------
    claim : published.Claim
    survey : pandas.DataFrame
    statistic : {"count", "n"}
    timepoint : {"before", "after", "single"}, optional
        Overrides the claim's own time point (for before/after claims).
    codebook : Codebook, optional

    Returns
    -------
    int or pandas.NA
        ``pd.NA`` when the claim's item cannot be counted this way (for
        instance a comparison of two time points without ``timepoint``).

    Examples
    --------
    >>> survey = pd.DataFrame({"respondent_id": ["a", "b", "c"], "disability": [1, 2, None]})
    >>> claim = published.claim("disability_pct")
    >>> supporting_count(claim, survey, "count"), supporting_count(claim, survey, "n")
    (1, 2)
    """
    if statistic not in ("count", "n"):
        raise ValueError(f"a supporting count is 'count' or 'n', not {statistic!r}")
    variant = replace(claim, statistic=statistic, timepoint=timepoint or claim.timepoint)
    try:
        return int(recompute_claim(variant, survey, codebook=codebook).value)
    except ValueError:
        return pd.NA


def _texts(values: Iterable, templates) -> list:
    """Format each value with its template (one template, or one per value); None where missing."""
    values = list(values)
    if isinstance(templates, str):
        templates = [templates] * len(values)
    return [None if pd.isna(v) else t.format(v) for v, t in zip(values, templates)]


def _count_cells(counts: pd.Series) -> pd.Series:
    """Whole-number counts as table cells; NaN where there is none."""
    return pd.Series([math.nan if pd.isna(v) else int(v) for v in counts], index=counts.index, dtype=object)


def _survey_rows(marked: pd.DataFrame, table: str) -> pd.DataFrame:
    rows = marked[(marked["scope"] == "survey") & (marked["statistic"] != "")]
    unhandled = sorted(set(rows["statistic"]) - set(TABLE_OF_STATISTIC))
    if unhandled:
        raise ValueError(f"no reproduction table for survey statistic(s) {unhandled}")
    return rows[rows["statistic"].map(TABLE_OF_STATISTIC) == table]


def _supporting(rows: pd.DataFrame, survey, statistic, timepoint=None, codebook=None) -> pd.Series:
    values = [supporting_count(published.claim(str(i)), survey, statistic, timepoint, codebook) for i in rows.index]
    return pd.Series(values, index=rows.index, dtype="Int64")


@dataclass(frozen=True)
class CountLine:
    """Count columns of a claim table that add up, row by row, to a number of women.

    Attributes
    ----------
    columns : tuple of str
        The counts (for instance the women counted and the women who gave
        another answer); their sum is shown or known, so a lone withheld
        cell could be recovered and disclosure control withholds a second.
    total : str, optional
        The column among ``columns`` that is the row's total, if shown.
    """

    columns: tuple[str, ...]
    total: str | None = None


@dataclass(frozen=True, eq=False)
class ClaimTable:
    """A reproduction table that shows counts of women, and how to protect them.

    Attributes
    ----------
    frame : pandas.DataFrame
        The table as it reads, indexed by claim id.
    lines : tuple of CountLine
        Independent additive lines within each row, disclosed one after the
        other (rows are separate claims, so nothing adds up across rows).
    derived : str or None
        The column computed from the counts (withheld when a count of any
        line is), or None.
    """

    frame: pd.DataFrame
    lines: tuple[CountLine, ...]
    derived: str | None = "recomputed"
    mark: str | None = "check"

    def disclose(self, threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER) -> DisclosedTable:
        """Apply :func:`cwp_analysis.disclosure.disclose` line by line, then withhold the marks.

        Each line is disclosed with secondary suppression within the row
        (``secondary="rows"``) and its derived column; a later pass keeps the
        markers of an earlier one.  The rows are claims, not people
        (``rows="statistics"``), so a table of any length is accepted.
        Finally the ``mark`` column (the ✔/✘ check) is withheld in every
        row where a count or the derived value is: a "reproduced" mark
        beside the printed value and a published base would pin the
        withheld count ("8% of 65, reproduced" is 5 women).

        Returns
        -------
        DisclosedTable
            The masks are the union of the passes' masks and the numbers of
            suppressed cells their sums (derived cells and marks counted
            once).  A table without rows is returned with nothing withheld.
        """
        table = self.frame
        if table.empty:
            mask = pd.DataFrame(False, index=table.index, columns=table.columns)
            return DisclosedTable(table=table.copy(), suppressed=mask, primary=mask.copy(), n_primary=0,
                                  n_secondary=0, n_derived=0, threshold=int(threshold), marker=marker)
        passes = []
        for line in self.lines:
            options = {"count_columns": list(line.columns), "threshold": threshold, "marker": marker,
                       "secondary": "rows", "rows": "statistics"}
            if self.derived is not None:
                options["derived_columns"] = {self.derived: list(line.columns)}
            if line.total is not None:
                options["total_columns"] = [line.total]
            result = disclose(table, **options)
            passes.append(result)
            table = result.table
        suppressed = passes[0].suppressed.copy()
        primary = passes[0].primary.copy()
        for result in passes[1:]:
            suppressed |= result.suppressed
            primary |= result.primary
        n_derived = int(suppressed[self.derived].sum()) if self.derived is not None else 0
        combined = DisclosedTable(
            table=table, suppressed=suppressed, primary=primary,
            n_primary=sum(p.n_primary for p in passes), n_secondary=sum(p.n_secondary for p in passes),
            n_derived=n_derived, threshold=int(threshold), marker=marker,
            unprotected=tuple(u for p in passes for u in p.unprotected),
        )
        if self.mark is None or self.mark not in table.columns:
            return combined
        sources = [c for line in self.lines for c in line.columns] + ([self.derived] if self.derived else [])
        hidden = suppressed[sources].any(axis=1)
        return withhold_cells(combined, pd.DataFrame({self.mark: hidden}, index=table.index))


def survey_shares_table(marked: pd.DataFrame, survey: pd.DataFrame, codebook: Codebook | None = None) -> ClaimTable:
    """Published shares beside the recomputed shares and the counts they rest on.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`marked_claims`.
    survey : pandas.DataFrame
    codebook : Codebook, optional

    Returns
    -------
    ClaimTable
        Columns ``claim``, ``source``, ``published``, ``recomputed`` (one
        decimal, percent), ``check``, ``women counted``, ``other answers``
        and ``answering``; the three counts form one line whose total is
        ``answering``, and ``recomputed`` is derived from them.
    """
    rows = _survey_rows(marked, "shares")
    counted = _supporting(rows, survey, "count", codebook=codebook)
    answering = _supporting(rows, survey, "n", codebook=codebook)
    frame = rows[_BASE_COLUMNS].assign(
        recomputed=_texts(rows["recomputed"], "{:.1f}%"),
        check=rows["check"],
        **{"women counted": _count_cells(counted), "other answers": _count_cells(answering - counted),
           "answering": _count_cells(answering)},
    )
    return ClaimTable(frame, (CountLine(("women counted", "other answers", "answering"), total="answering"),))


def survey_changes_table(marked: pd.DataFrame, survey: pd.DataFrame, codebook: Codebook | None = None) -> ClaimTable:
    """Published before/after changes beside the recomputed ones and their counts.

    The change is in percentage points for a share (``share_change``) and
    in women for ``no_change`` claims.

    Returns
    -------
    ClaimTable
        Columns ``claim``, ``source``, ``published``, ``recomputed``,
        ``check``, then ``counted before``, ``other before``,
        ``counted after``, ``other after``: the women giving the claim's
        answer and the women giving another, at each time point.  Each
        time point's pair is a line (it adds up to the number answering).
    """
    rows = _survey_rows(marked, "changes")
    templates = ["{:+.1f} pp" if s == "share_change" else "{:+.0f}" for s in rows["statistic"]]
    frame = rows[_BASE_COLUMNS].assign(recomputed=_texts(rows["recomputed"], templates), check=rows["check"])
    for when in ("before", "after"):
        counted = _supporting(rows, survey, "count", when, codebook)
        answering = _supporting(rows, survey, "n", when, codebook)
        frame[f"counted {when}"] = _count_cells(counted)
        frame[f"other {when}"] = _count_cells(answering - counted)
    return ClaimTable(frame, (CountLine(("counted before", "other before")),
                              CountLine(("counted after", "other after"))))


def _test_text(value: float, statistic: str) -> str | None:
    if pd.isna(value):
        return None
    if statistic == "pvalue_wilcoxon":
        return f"p = {value:.4f}" if value >= 0.001 else f"p = {value:.1e}"
    return f"rank {value:.0f}"


def survey_tests_table(marked: pd.DataFrame) -> pd.DataFrame:
    """Published p-values and rankings beside the recomputed ones.

    A p-value or a rank counts no people, so the table has no count
    columns (publish it with ``people_counts=False``).

    Returns
    -------
    pandas.DataFrame
        Columns ``claim``, ``source``, ``published``, ``recomputed``
        (``"p = 0.0123"``, ``"p = 4.6e-05"`` below 0.001, or ``"rank 1"``)
        and ``check``.
    """
    rows = _survey_rows(marked, "tests")
    recomputed = [_test_text(v, s) for v, s in zip(rows["recomputed"], rows["statistic"])]
    return rows[_BASE_COLUMNS].assign(recomputed=recomputed, check=rows["check"])


def _changing_pairs(claim_id: str, survey: pd.DataFrame, codebook: Codebook) -> tuple:
    claim = published.claim(claim_id)
    var = codebook.variable(claim.variable)
    if not var.paired or var.before_column not in survey.columns or var.after_column not in survey.columns:
        return pd.NA, pd.NA
    both = survey[[var.before_column, var.after_column]].dropna()
    changed = int((both[var.before_column] != both[var.after_column]).sum())
    return changed, len(both) - changed


def survey_tests_claim_table(marked: pd.DataFrame, survey: pd.DataFrame,
                             codebook: Codebook | None = None) -> ClaimTable:
    """Published p-values and rankings beside the recomputed ones, with the pairs a test rests on.

    Parameters
    ----------
    marked : pandas.DataFrame
        Output of :func:`marked_claims`.
    survey : pandas.DataFrame
    codebook : Codebook, optional

    Returns
    -------
    ClaimTable
        The columns of :func:`survey_tests_table` and, for a signed-rank
        test, ``pairs changing`` and ``pairs unchanged`` (women who
        answered both times and did, or did not, change answer; a line
        adding up to the pairs).  The p-value and its mark are withheld with
        them: a test resting on 1 to ``threshold`` women changing, or
        beside so few unchanged, could give them away.  Rankings have no
        counts and are shown as they are.
    """
    codebook = codebook or load_codebook()
    frame = survey_tests_table(marked)
    changing, unchanged = [], []
    for claim_id in frame.index:
        statistic = marked.at[claim_id, "statistic"]
        pair = _changing_pairs(str(claim_id), survey, codebook) if statistic == "pvalue_wilcoxon" else (pd.NA,) * 2
        changing.append(pair[0])
        unchanged.append(pair[1])
    frame["pairs changing"] = _count_cells(pd.Series(changing, index=frame.index, dtype="Int64"))
    frame["pairs unchanged"] = _count_cells(pd.Series(unchanged, index=frame.index, dtype="Int64"))
    return ClaimTable(frame, (CountLine(("pairs changing", "pairs unchanged")),))


def survey_counts_table(marked: pd.DataFrame, survey: pd.DataFrame, codebook: Codebook | None = None) -> ClaimTable:
    """Published counts of women beside the recomputed counts.

    Returns
    -------
    ClaimTable
        Columns ``claim``, ``source``, ``published``, ``recomputed`` (the
        count itself), ``check`` and ``other answers``: the women answering
        the item otherwise (for ``count``), or the respondents not counted
        (for ``count_multiple``, whose base is every respondent); empty for
        ``n`` claims, which have no complement.  The two counts form a
        line; nothing is derived from them.
    """
    rows = _survey_rows(marked, "counts")
    recounted = pd.Series([pd.NA if pd.isna(v) else int(v) for v in rows["recomputed"]], index=rows.index,
                          dtype="Int64")
    bases = []
    for claim_id, statistic in zip(rows.index, rows["statistic"]):
        if statistic == "count":
            bases.append(supporting_count(published.claim(str(claim_id)), survey, "n", codebook=codebook))
        elif statistic == "count_multiple":
            bases.append(len(survey))
        else:
            bases.append(pd.NA)
    bases = pd.Series(bases, index=rows.index, dtype="Int64")
    frame = rows[_BASE_COLUMNS].assign(recomputed=_count_cells(recounted), check=rows["check"],
                                       **{"other answers": _count_cells(bases - recounted)})
    return ClaimTable(frame, (CountLine(("recomputed", "other answers")),), derived=None)


def workstar_claims_table(marked: pd.DataFrame, workstar: pd.DataFrame,
                          codebook: Codebook | None = None) -> ClaimTable:
    """Published Work Star changes beside the recomputed mean changes.

    Returns
    -------
    ClaimTable
        Columns ``claim``, ``source``, ``published``, ``recomputed``
        (``"+1.23 points"``), ``check`` and ``women with both`` (the women
        with a first and a last reading in the claim's area); the change is
        withheld with the count.
    """
    spec = (codebook or load_codebook()).workstar
    rows = marked[marked["scope"] == "workstar"]
    women_with_both = []
    for claim_id in rows.index:
        area = published.claim(str(claim_id)).variable
        women_with_both.append(int(workstar[[spec.first_column(area), spec.last_column(area)]].dropna().shape[0]))
    frame = rows[_BASE_COLUMNS].assign(recomputed=_texts(rows["recomputed"], "{:+.2f} points"),
                                       check=rows["check"], **{"women with both": women_with_both})
    return ClaimTable(frame, (CountLine(("women with both",)),))


def engagement_claims_table(marked: pd.DataFrame) -> pd.DataFrame:
    """Published engagement figures beside the figures recomputed from Table 1.

    Table 1 is public (the report printed it), so the table is shown as
    it stands.  ``recomputed`` is the recomputed value with what it rests
    on, and any disagreement between a printed total and its cells.
    """
    rows = marked[(marked["scope"] == "engagement") & (marked["statistic"] != "")]
    return rows[_BASE_COLUMNS].assign(recomputed=rows["recomputed_display"], check=rows["check"])


def count_withheld(tables: Iterable[DisclosedTable]) -> int:
    """The number of cells withheld across published tables.

    Examples
    --------
    >>> t = disclose(pd.DataFrame({"n": [3, 40, 50]}), count_columns=["n"], secondary=False)
    >>> count_withheld([t, t])
    2
    """
    return int(sum(int(t.suppressed.to_numpy().sum()) for t in tables))

