"""Recompute the report's published claims from data and say which hold.

Every quantitative statement of the report is a row of
``data/published/claims.csv`` (loaded by :mod:`cwp_analysis.published`).
Claims that data can test carry a ``statistic`` saying how to recompute
them; :func:`evaluate_claims` recomputes each one from the survey, the Work
Star readings or Table 1 and checks it with
:func:`cwp_analysis.published.claim_holds` (the report's rounding and
reading conventions).  Claims about context, literature, interviews or
finance have no data to recompute them from and are listed as such.

One small function per statistic (``_stat_<name>``) does the recomputing;
:data:`STATISTICS` maps statistic names to them.  The statistics' meanings
are those of the data package (``datapackage.json``, ``cwp:statistics``).

On the SYNTHETIC data shipped with the project every survey claim holds *by
construction* (the generator was calibrated to them): a "reproduced" row
there shows that the software recomputes the published numbers, not that the
report's findings are true.  Table 1 claims use the printed table and can
genuinely fail; for example the Section 5 claim that engagements were
"nearly three-fold" the target does not hold for 655/300.

Examples
--------
>>> table = evaluate_claims()
>>> row = table.set_index("id").loc["engagements_target_ratio"]
>>> row["recomputed_display"], row["status"]
('2.18 (655 / 300)', 'not reproduced')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from cwp_analysis import published
from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, DisclosedTable, disclose
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.paths import data_file
from cwp_analysis.stats import wilcoxon_signed_rank

__all__ = [
    "STATUS_REPRODUCED",
    "STATUS_NOT_REPRODUCED",
    "STATUS_NOT_RECOMPUTABLE",
    "RESULT_COLUMNS",
    "STATISTICS",
    "Recomputed",
    "published_display",
    "recompute_claim",
    "evaluate_claims",
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
    "survey_counts_table",
    "workstar_claims_table",
    "engagement_claims_table",
    "count_withheld",
    "failures_table",
    "failure_notes",
    "quoted_claims_tables",
    "evidence_statement",
    "shares_off_the_whole_sample",
]

STATUS_REPRODUCED = "reproduced"
STATUS_NOT_REPRODUCED = "not reproduced"
STATUS_NOT_RECOMPUTABLE = "not recomputable (context)"

#: Columns of the frame returned by :func:`evaluate_claims`, in order.
RESULT_COLUMNS = (
    "id",
    "source",
    "scope",
    "statistic",
    "quantity",
    "published",
    "recomputed",
    "recomputed_display",
    "holds",
    "status",
    "note",
)


@dataclass(frozen=True)
class Recomputed:
    """A statistic recomputed from data.

    Attributes
    ----------
    value : float
        In the claim's unit (percent, p-value, count, ...).
    display : str
        Human-readable value with what it rests on (e.g. ``"60.0% (39/65)"``).
    note : str
        Anything a reader should know (e.g. a printed total that disagrees
        with its cells).
    """

    value: float
    display: str
    note: str = ""


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------

_UNIT_SUFFIX = {"percent": "%", "percentage points": " pp", "GBP": "", "p": "", "count": "", "rank": "", "ratio": ""}


def _number(x: float) -> str:
    if float(x).is_integer():
        return f"{int(x):,}" if abs(x) >= 10000 else str(int(x))
    return f"{x:g}"


def _with_unit(x: float, unit: str) -> str:
    text = _number(x)
    if unit == "GBP":
        return "£" + text
    suffix = _UNIT_SUFFIX.get(unit)
    return text + (suffix if suffix is not None else f" {unit}")


def published_display(claim: published.Claim) -> str:
    """The published figure as a reader would quote it.

    Examples
    --------
    >>> published_display(published.claim("swemwbs_optimistic_p"))
    '< 0.0001'
    >>> published_display(published.claim("age_22_49_pct"))
    '60%'
    >>> published_display(published.claim("children_with_mother_pct"))
    '≈ 75% (read as 72.5 to under 77.5)'
    >>> published_display(published.claim("wrc_sroi_range"))
    '5 to 11 GBP per GBP invested'
    """
    unit = claim.unit
    value = _with_unit(claim.value, unit)
    if claim.value_high is not None:
        value = f"{_number(claim.value)} to {_with_unit(claim.value_high, unit)}"
    if claim.comparator == "approx":
        text = f"≈ {value}"
    elif claim.comparator == "=":
        text = value
        if claim.unit == "p" and claim.decimals is not None:
            text = f"p = {claim.value:.{claim.decimals}f}"
    else:
        text = f"{claim.comparator} {value}"
    if claim.interval is not None:
        low, high = claim.interval
        text += f" (read as {_number(low)} to under {_number(high)})"
    return text


def _pvalue_text(p: float) -> str:
    return f"p = {p:.2e}" if p < 0.001 else f"p = {p:.4f}"


def _pct(x: float) -> str:
    return f"{x:.1f}%"


# ---------------------------------------------------------------------------
# data access for the statistics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    survey: pd.DataFrame | None
    workstar: pd.DataFrame | None
    engagements: pd.DataFrame | None
    codebook: Codebook


def _require(frame: pd.DataFrame | None, what: str) -> pd.DataFrame:
    if frame is None:
        raise ValueError(f"no {what} data were given")
    return frame


def _column(data: _Data, variable: str, timepoint: str | None) -> pd.Series:
    survey = _require(data.survey, "survey")
    var = data.codebook.variable(variable)
    if var.paired:
        if timepoint not in ("before", "after"):
            raise ValueError(f"{variable} is a before/after item: timepoint must be 'before' or 'after'")
        name = var.before_column if timepoint == "before" else var.after_column
    else:
        name = var.id
    if name not in survey.columns:
        raise ValueError(f"survey data have no column {name!r}")
    return survey[name]


def _subgroup(data: _Data, claim: published.Claim) -> pd.Series:
    survey = _require(data.survey, "survey")
    if claim.condition_parts is None:
        return pd.Series(True, index=survey.index)
    variable, codes = claim.condition_parts
    return _column(data, variable, "single").isin(codes).fillna(False).astype(bool)


def _answers(data: _Data, claim: published.Claim, variable: str | None = None, timepoint: str | None = None):
    column = _column(data, variable or claim.variable, timepoint or claim.timepoint)
    column = column[_subgroup(data, claim)]
    return column.dropna().astype("int64")


def _share_of(answers: pd.Series, codes: tuple[int, ...]) -> tuple[int, int]:
    return int(answers.isin(codes).sum()), int(len(answers))


# ---------------------------------------------------------------------------
# one function per statistic
# ---------------------------------------------------------------------------


def _stat_share(claim, data):
    k, n = _share_of(_answers(data, claim), claim.codes)
    if n == 0:
        raise ValueError(f"nobody answered {claim.variable}")
    value = 100.0 * k / n
    return Recomputed(value, f"{_pct(value)} ({k}/{n})")


def _stat_count(claim, data):
    k, n = _share_of(_answers(data, claim), claim.codes)
    return Recomputed(float(k), f"{k} of {n} answering")


def _stat_n(claim, data):
    survey = _require(data.survey, "survey")
    if claim.variable == data.codebook.id_column:
        n = int(survey[claim.variable].notna().sum())
        return Recomputed(float(n), f"{n} respondents")
    n = len(_answers(data, claim))
    return Recomputed(float(n), f"{n} answering")


def _pairs(data, variable):
    var = data.codebook.variable(variable)
    survey = _require(data.survey, "survey")
    both = survey[[var.before_column, var.after_column]].dropna()
    return both[var.before_column].astype("int64"), both[var.after_column].astype("int64")


def _stat_pvalue_wilcoxon(claim, data):
    before, after = _pairs(data, claim.variable)
    res = wilcoxon_signed_rank(before.to_numpy(), after.to_numpy())
    return Recomputed(
        float(res.pvalue),
        f"{_pvalue_text(res.pvalue)} (V = {_number(res.statistic)}, {res.n} non-zero of {len(before)} pairs)",
    )


def _change(claim, data, variable):
    before = _answers(data, claim, variable, "before")
    after = _answers(data, claim, variable, "after")
    kb, nb = _share_of(before, claim.codes)
    ka, na = _share_of(after, claim.codes)
    if nb == 0 or na == 0:
        raise ValueError(f"nobody answered {variable}")
    return 100.0 * ka / na - 100.0 * kb / nb, (kb, nb, ka, na)


def _stat_share_change(claim, data):
    value, (kb, nb, ka, na) = _change(claim, data, claim.variable)
    return Recomputed(value, f"{value:+.1f} pp ({_pct(100 * kb / nb)} to {_pct(100 * ka / na)})")


def _stat_no_change(claim, data):
    kb, _ = _share_of(_answers(data, claim, claim.variable, "before"), claim.codes)
    ka, _ = _share_of(_answers(data, claim, claim.variable, "after"), claim.codes)
    return Recomputed(float(ka - kb), f"{ka - kb:+d} ({kb} before, {ka} after)")


def _rank_first(values: dict[str, float], variable: str) -> int:
    """1 when ``variable`` is strictly largest; else 1 + the number strictly larger (at least 2)."""
    own = values[variable]
    others = [v for k, v in values.items() if k != variable]
    if all(own > v for v in others):
        return 1
    return max(2, 1 + sum(v > own for v in others))


def _stat_rank_first(claim, data):
    counts = {}
    for variable in (claim.variable, *claim.compare_with):
        counts[variable] = _share_of(_answers(data, claim, variable, "single"), claim.codes)[0]
    rank = _rank_first(counts, claim.variable)
    runner_up = max(v for k, v in counts.items() if k != claim.variable)
    return Recomputed(float(rank), f"{rank} ({counts[claim.variable]} against at most {runner_up})")


def _stat_change_rank_first(claim, data):
    changes = {v: _change(claim, data, v)[0] for v in (claim.variable, *claim.compare_with)}
    rank = _rank_first(changes, claim.variable)
    runner_up = max(v for k, v in changes.items() if k != claim.variable)
    return Recomputed(float(rank), f"{rank} ({changes[claim.variable]:+.1f} pp against at most {runner_up:+.1f} pp)")


def _stat_count_multiple(claim, data):
    survey = _require(data.survey, "survey")
    flags = pd.DataFrame(
        {v: _column(data, v, "single").isin(claim.codes).fillna(False) for v in (claim.variable, *claim.compare_with)}
    )
    flags = flags[_subgroup(data, claim)]
    k = int((flags.sum(axis=1) >= 2).sum())
    return Recomputed(float(k), f"{k} of {len(survey)}")


def _stat_mean_change(claim, data):
    ws = _require(data.workstar, "Work Star")
    spec = data.codebook.workstar
    first, last = spec.first_column(claim.variable), spec.last_column(claim.variable)
    both = ws[[first, last]].dropna().astype("float64")
    if both.empty:
        raise ValueError(f"no participant has both Work Star readings for {claim.variable}")
    mf, ml = both[first].mean(), both[last].mean()
    return Recomputed(float(ml - mf), f"{ml - mf:+.2f} ({mf:.2f} to {ml:.2f}, n = {len(both)})")


def _partner_rows(data: _Data) -> pd.DataFrame:
    table = _require(data.engagements, "engagement")
    return table[table["partner"].astype(str) != "Total"]


def _engagement_total(data: _Data, column: str) -> int:
    rows = _partner_rows(data)
    if column not in rows.columns:
        raise ValueError(f"engagements table has no column {column!r}")
    return int(rows[column].sum())


def _stat_engagement_total(claim, data):
    total = _engagement_total(data, claim.variable)
    note = ""
    if claim.variable == "total_1":
        rows = _partner_rows(data)
        periods = [c for c in rows.columns if c != "partner" and not c.startswith("total")]
        cells = int(rows[periods].sum().sum())
        if cells != total:
            note = f"the period cells sum to {cells}, not {total}"
    display = str(total) + (f" ({note})" if note else "")
    return Recomputed(float(total), display, note)


def _stat_ratio(claim, data):
    if len(claim.compare_with) != 1:
        raise ValueError(f"claim {claim.id}: ratio needs exactly one compare_with claim")
    numerator = _engagement_total(data, claim.variable)
    denominator = published.claim(claim.compare_with[0]).value
    value = numerator / denominator
    return Recomputed(value, f"{value:.2f} ({numerator} / {_number(denominator)})")


#: Statistic name -> function ``(claim, data) -> Recomputed``.
STATISTICS: dict[str, Callable] = {
    "share": _stat_share,
    "count": _stat_count,
    "n": _stat_n,
    "pvalue_wilcoxon": _stat_pvalue_wilcoxon,
    "share_change": _stat_share_change,
    "no_change": _stat_no_change,
    "rank_first": _stat_rank_first,
    "change_rank_first": _stat_change_rank_first,
    "count_multiple": _stat_count_multiple,
    "mean_change": _stat_mean_change,
    "engagement_total": _stat_engagement_total,
    "ratio": _stat_ratio,
}


def recompute_claim(
    claim: published.Claim,
    survey: pd.DataFrame | None = None,
    workstar: pd.DataFrame | None = None,
    engagements: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
) -> Recomputed | None:
    """Recompute one claim's statistic, or None when it has none.

    Raises
    ------
    ValueError
        When the statistic is unknown or the data it needs are missing.
    """
    if claim.statistic is None:
        return None
    try:
        function = STATISTICS[claim.statistic]
    except KeyError:
        raise ValueError(f"claim {claim.id}: unknown statistic {claim.statistic!r}") from None
    data = _Data(survey, workstar, engagements, codebook or load_codebook())
    return function(claim, data)


def _as_claims(claims) -> list[published.Claim]:
    if claims is None:
        return [published.claim(i) for i in published.load_claims()["id"]]
    if isinstance(claims, pd.DataFrame):
        return [published.claim(str(i)) for i in claims["id"]]
    out = list(claims)
    if not all(isinstance(c, published.Claim) for c in out):
        raise ValueError("claims must be a DataFrame with an 'id' column or an iterable of published.Claim")
    return out


def _default_survey(codebook):
    from cwp_analysis.survey_io import read_survey
    from cwp_analysis.synth import SURVEY_FILENAME

    return read_survey(data_file("synthetic", SURVEY_FILENAME), codebook)


def _default_workstar(codebook):
    from cwp_analysis.survey_io import read_workstar
    from cwp_analysis.synth import WORKSTAR_FILENAME

    return read_workstar(data_file("synthetic", WORKSTAR_FILENAME), codebook)


def evaluate_claims(
    survey: pd.DataFrame | None = None,
    workstar: pd.DataFrame | None = None,
    engagements: pd.DataFrame | None = None,
    claims: pd.DataFrame | Iterable[published.Claim] | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Recompute every published claim and say whether it holds.

    Parameters
    ----------
    survey : DataFrame, optional
        Survey data in the codebook layout (typed codes).  Defaults to the
        committed SYNTHETIC survey, ``data/synthetic/survey_SYNTHETIC.csv``.
    workstar : DataFrame, optional
        Work Star readings.  Defaults to the committed SYNTHETIC file.
    engagements : DataFrame, optional
        Table 1 as printed; defaults to
        :func:`cwp_analysis.published.load_engagements`.
    claims : DataFrame or iterable of Claim, optional
        Which claims to evaluate (a frame's ``id`` column is used); all by
        default.
    codebook : Codebook, optional

    Returns
    -------
    DataFrame
        One row per claim with the columns of :data:`RESULT_COLUMNS`:
        ``published`` (as a reader would quote it), ``recomputed`` (float, NaN
        when not recomputable), ``recomputed_display``, ``holds`` (nullable
        boolean; ``<NA>`` when the claim cannot be recomputed from data),
        ``status`` (``"reproduced"``, ``"not reproduced"`` or
        ``"not recomputable (context)"``) and ``note``.

    Notes
    -----
    Claims without a statistic (scopes context, literature, interviews,
    finance, sample, and the survey claim about the printed number of
    SWEMWBS items) cannot be recomputed from any data the project holds.
    A claim whose statistic cannot be computed on the data given (e.g. an
    item nobody answered) is "not reproduced", with the reason as its note.
    """
    codebook = codebook or load_codebook()
    claim_list = _as_claims(claims)
    scopes = {c.scope for c in claim_list if c.statistic is not None}
    if survey is None and "survey" in scopes:
        survey = _default_survey(codebook)
    if workstar is None and "workstar" in scopes:
        workstar = _default_workstar(codebook)
    if engagements is None and "engagement" in scopes:
        engagements = published.load_engagements()
    rows = []
    for c in claim_list:
        row = {
            "id": c.id,
            "source": c.source,
            "scope": c.scope,
            "statistic": c.statistic or "",
            "quantity": c.quantity,
            "published": published_display(c),
            "recomputed": math.nan,
            "recomputed_display": "",
            "holds": pd.NA,
            "status": STATUS_NOT_RECOMPUTABLE,
            "note": "",
        }
        if c.statistic is None:
            row["note"] = f"scope {c.scope!r}: no data in the project to recompute it from"
        else:
            try:
                result = recompute_claim(c, survey, workstar, engagements, codebook)
            except ValueError as exc:
                row.update(holds=False, status=STATUS_NOT_REPRODUCED, recomputed_display="—", note=str(exc))
            else:
                holds = published.claim_holds(c, result.value)
                row.update(
                    recomputed=result.value,
                    recomputed_display=result.display,
                    holds=holds,
                    status=STATUS_REPRODUCED if holds else STATUS_NOT_REPRODUCED,
                    note=result.note,
                )
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    table["holds"] = table["holds"].astype("boolean")
    table["recomputed"] = table["recomputed"].astype("float64")
    return table


# ---------------------------------------------------------------------------
# the reproduction chapter's tables
# ---------------------------------------------------------------------------

#: Result status -> the mark the reproduction tables show for it.
CHECK_MARKS = {
    STATUS_REPRODUCED: "✔ reproduced",
    STATUS_NOT_REPRODUCED: "✘ not reproduced",
    STATUS_NOT_RECOMPUTABLE: "– not recomputable",
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
    """

    claims: int
    reproduced: int
    not_reproduced: int
    not_recomputable: int

    @property
    def recomputable(self) -> int:
        """Claims that data can test (reproduced or not)."""
        return self.claims - self.not_recomputable


def tally_claims(results: pd.DataFrame) -> ClaimTally:
    """Count the claims of :func:`evaluate_claims` results by status.

    Examples
    --------
    >>> tally_claims(pd.DataFrame({"status": [STATUS_REPRODUCED, STATUS_REPRODUCED, STATUS_NOT_RECOMPUTABLE]}))
    ClaimTally(claims=3, reproduced=2, not_reproduced=0, not_recomputable=1)
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

    def disclose(self, threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER) -> DisclosedTable:
        """Apply :func:`cwp_analysis.disclosure.disclose` line by line.

        Each line is disclosed with secondary suppression within the row
        (``secondary="rows"``) and its derived column; a later pass keeps the
        markers of an earlier one.

        Returns
        -------
        DisclosedTable
            The masks are the union of the passes' masks and the numbers of
            suppressed cells their sums (derived cells counted once).
        """
        table = self.frame
        passes = []
        for line in self.lines:
            options = {"count_columns": list(line.columns), "threshold": threshold, "marker": marker,
                       "secondary": "rows"}
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
        return DisclosedTable(
            table=table, suppressed=suppressed, primary=primary,
            n_primary=sum(p.n_primary for p in passes), n_secondary=sum(p.n_secondary for p in passes),
            n_derived=n_derived, threshold=int(threshold), marker=marker,
            unprotected=tuple(u for p in passes for u in p.unprotected),
        )


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
    """
    columns = [t.table["recomputed"].astype(object) for t in shown]
    recomputed = pd.concat(columns) if columns else pd.Series(dtype=object)
    failing = marked[marked["status"] == STATUS_NOT_REPRODUCED]
    absent = [str(i) for i in failing.index if i not in recomputed.index]
    if absent:
        raise ValueError(f"claim(s) not in any table given: {', '.join(absent)}")
    return failing[["claim", "scope", "published"]].assign(recomputed=recomputed.reindex(failing.index),
                                                           check=failing["check"])


def failure_notes(marked: pd.DataFrame) -> list[str]:
    """One Markdown line per claim that does not reproduce: what it says, where, and why it fails.

    Each line is ``**<paraphrase>** (<source>) <note> <reading>``, the note
    being the recomputation's (e.g. why it could not be computed) and the
    reading the claims table's interpretation of the printed wording.
    """
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


def share_attainability(n_respondents: int, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Whether each whole-sample share the report prints can be a whole number of women.

    A share printed for the whole sample (statistic ``share`` without a
    subgroup condition) that no ``k`` of ``n_respondents`` women can give,
    under the claim's reading (:func:`cwp_analysis.published.claim_holds`),
    must rest on fewer answers: evidence of item non-response.

    Parameters
    ----------
    n_respondents : int
        The number of survey returns (at least 1).
    claims : pandas.DataFrame, optional
        Claims table with an ``id`` column; all claims by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``value`` (the printed share, percent) and
        ``attainable`` (bool), one row per whole-sample share claim.

    Examples
    --------
    >>> table = share_attainability(68)
    >>> bool(table.set_index("id").loc["disability_pct", "attainable"])
    True
    """
    if isinstance(n_respondents, bool) or int(n_respondents) != n_respondents or n_respondents < 1:
        raise ValueError(f"n_respondents must be a whole number of at least 1, got {n_respondents!r}")
    n = int(n_respondents)
    rows = []
    for c in _as_claims(claims):
        if c.statistic == "share" and c.condition is None:
            attainable = any(published.claim_holds(c, 100 * k / n) for k in range(n + 1))
            rows.append({"id": c.id, "value": c.value, "attainable": attainable})
    return pd.DataFrame(rows, columns=["id", "value", "attainable"])
