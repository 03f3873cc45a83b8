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
The chapter's tables are built in :mod:`cwp_analysis.reproduction_tables`
and :mod:`cwp_analysis.reproduction_chapter`; :mod:`cwp_analysis.reproduction`
gathers every public name.

Examples
--------
>>> table = evaluate_claims(claims=[published.claim("engagements_target_ratio")])
>>> table.loc[0, "recomputed_display"], table.loc[0, "status"]
('2.18 (655 / 300)', 'not reproduced')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from cwp_analysis import published
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.paths import data_file
from cwp_analysis.stats import wilcoxon_signed_rank

__all__ = [
    "STATUS_REPRODUCED",
    "STATUS_NOT_REPRODUCED",
    "STATUS_NOT_RECOMPUTABLE",
    "STATUS_WITHHELD",
    "RESULT_COLUMNS",
    "STATISTICS",
    "Recomputed",
    "published_display",
    "recompute_claim",
    "evaluate_claims",
    "share_attainability",
]

STATUS_REPRODUCED = "reproduced"
STATUS_NOT_REPRODUCED = "not reproduced"
STATUS_NOT_RECOMPUTABLE = "not recomputable (context)"
#: A claim whose recomputed value disclosure control withholds: whether it reproduces is not published
#: either, since beside the printed value and its base the mark would give the count away.
STATUS_WITHHELD = "withheld"

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
