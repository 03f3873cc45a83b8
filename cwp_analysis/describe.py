"""Descriptive summaries of the survey: frequencies, service use and Likert layouts.

Every function takes a survey in the project's wide layout (one row per
respondent; see :mod:`cwp_analysis.codebook`) and returns aggregated tables
only -- counts, percentages and intervals per response code -- never
respondent-level rows.  Labels come from the codebook, so every code of a
scale appears, including codes nobody chose.

Conventions
-----------
* Percentages are of the respondents who answered the item (``n``); the
  number who left it blank is reported as ``n_missing``, and respondents to
  whom a filtered question did not apply (``depends_on`` in the codebook) as
  ``n_not_applicable``.
* Intervals are Wilson score intervals [1]_ from
  :func:`statsmodels.stats.proportion.proportion_confint`, reported in
  percent like the estimates.
* Before/after items have a ``timepoint`` of ``"before"`` or ``"after"``;
  single-time items have ``timepoint`` None.

References
----------
.. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and
   statistical inference. Journal of the American Statistical Association,
   22(158), 209-212.
.. [2] Heiberger, R. M. and Robbins, N. B. (2014). Design of diverging stacked
   bar charts for Likert scales and other applications. Journal of
   Statistical Software, 57(5), 1-32.
.. [3] Just Economics (2020). Coventry Women's Project Partnership -- A social
   impact study. Sections 4.2.1-4.2.3, Figures 6-9.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.codebook import Codebook, Scale, Variable, load_codebook
from cwp_analysis.proportions import wilson_interval

__all__ = [
    "Proportion",
    "ServiceUseTables",
    "frequency_table",
    "frequency_tables",
    "share_of_codes",
    "demographics_table",
    "service_use_table",
    "services_per_woman",
    "likert_summary",
    "needs_summary",
]

TIMEPOINTS = ("before", "after")

_FREQUENCY_COLUMNS = [
    "variable", "label", "timepoint", "code", "code_label", "count", "n",
    "n_missing", "n_not_applicable", "percent", "ci_low", "ci_high",
]


# --------------------------------------------------------------------------- helpers


def _codebook(codebook: Codebook | None) -> Codebook:
    return load_codebook() if codebook is None else codebook


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float, np.floating)):
        raise ValueError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def _check_data(data) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    return data


def _wilson_percent(counts, n: int, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    low, high = wilson_interval(np.asarray(counts), n, alpha=1 - confidence)
    return np.asarray(low, dtype=float) * 100, np.asarray(high, dtype=float) * 100


def _timepoint_columns(variable: Variable, timepoint: str | None) -> list[tuple[str | None, str]]:
    """``(timepoint, column)`` pairs to summarise for one variable."""
    if timepoint is not None and timepoint not in TIMEPOINTS:
        raise ValueError(f"timepoint must be 'before', 'after' or None, got {timepoint!r}")
    if variable.paired:
        if timepoint is None:
            return [("before", variable.before_column), ("after", variable.after_column)]
        return [(timepoint, variable.before_column if timepoint == "before" else variable.after_column)]
    if timepoint is not None:
        raise ValueError(f"variable {variable.id!r} is asked once; timepoint={timepoint!r} applies only to before/after items")
    return [(None, variable.id)]


def _response_codes(data: pd.DataFrame, column: str, scale: Scale) -> pd.Series:
    """The column as nullable integers, checked against the scale's codes."""
    if column not in data.columns:
        raise ValueError(f"column {column!r} is not in the data")
    raw = data[column]
    numeric = pd.to_numeric(raw, errors="coerce")
    bad = numeric.isna() & raw.notna()
    if raw.dtype == object:
        bad &= raw.astype(str).str.strip() != ""
    if bad.any():
        raise ValueError(
            f"column {column!r}: {int(bad.sum())} value(s) are not numeric response codes "
            f"(allowed: {', '.join(map(str, scale.allowed_codes))})"
        )
    fractional = numeric.notna() & (numeric != np.round(numeric))
    if fractional.any():
        raise ValueError(f"column {column!r}: {int(fractional.sum())} value(s) are not whole-number codes")
    codes = numeric.round().astype("Int64")
    unknown = sorted(set(codes.dropna().astype(int)) - set(scale.allowed_codes))
    if unknown:
        raise ValueError(
            f"column {column!r}: code(s) {', '.join(map(str, unknown))} are not codes of scale "
            f"{scale.id!r} (allowed: {', '.join(map(str, scale.allowed_codes))})"
        )
    return codes


def _not_applicable(data: pd.DataFrame, variable: Variable, codebook: Codebook, answers: pd.Series) -> pd.Series:
    """Blank answers from respondents whose filter answer rules the question out."""
    if not variable.depends_on:
        return pd.Series(False, index=data.index)
    parent = codebook.variable(variable.depends_on["variable"])
    if parent.paired:
        raise ValueError(f"variable {variable.id!r} depends on a before/after item; not supported")
    parent_codes = _response_codes(data, parent.id, parent.scale)
    allowed = {int(c) for c in variable.depends_on.get("codes", ())}
    ruled_out = parent_codes.notna() & ~parent_codes.isin(allowed).fillna(False).astype(bool)
    return (ruled_out & answers.isna()).astype(bool)


def _none_for_single(table: pd.DataFrame) -> pd.DataFrame:
    """Make ``timepoint`` an object column holding None for single-time items."""
    table["timepoint"] = pd.Series(
        [tp if isinstance(tp, str) else None for tp in table["timepoint"]], index=table.index, dtype=object
    )
    return table


def _categorical(codebook: Codebook, variable_id: str) -> Variable:
    variable = codebook.variable(variable_id)
    if variable.scale is None:
        raise ValueError(f"variable {variable_id!r} is an identifier, not a categorical variable")
    return variable


# --------------------------------------------------------------------------- frequencies


def frequency_table(
    data: pd.DataFrame,
    variable: str,
    codebook: Codebook | None = None,
    *,
    confidence: float = 0.95,
    timepoint: str | None = None,
) -> pd.DataFrame:
    """Counts and percentages, with Wilson intervals, for every code of one variable.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey in the wide layout.
    variable : str
        Codebook id of a categorical variable.
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    confidence : float
        Coverage of the intervals (default 0.95).
    timepoint : {"before", "after"}, optional
        For a before/after item, the reading to summarise; None gives both.
        Must be None for a single-time item.

    Returns
    -------
    pandas.DataFrame
        One row per code (per timepoint), in scale order, with columns
        ``variable``, ``label``, ``timepoint``, ``code``, ``code_label``,
        ``count``, ``n`` (respondents answering), ``n_missing``,
        ``n_not_applicable``, ``percent`` (of ``n``), ``ci_low`` and
        ``ci_high`` (Wilson interval, percent).

    Raises
    ------
    ValueError
        When a column is absent, holds non-numeric or unknown codes, or
        nobody answered the item.

    Notes
    -----
    The Wilson interval is used because it keeps sensible coverage for the
    small counts and extreme proportions of a 68-respondent survey, where
    the Wald interval fails [1]_.

    Examples
    --------
    >>> survey = pd.DataFrame({"respondent_id": ["a", "b", "c", "d"],
    ...                        "disability": [1, 0, 0, None]})
    >>> frequency_table(survey, "disability")[["code_label", "count", "n", "n_missing", "percent"]]
      code_label  count  n  n_missing    percent
    0         No      2  3          1  66.666667
    1        Yes      1  3          1  33.333333
    """
    data = _check_data(data)
    confidence = _check_confidence(confidence)
    cb = _codebook(codebook)
    var = _categorical(cb, variable)
    scale = var.scale
    frames = []
    for tp, column in _timepoint_columns(var, timepoint):
        answers = _response_codes(data, column, scale)
        not_applicable = _not_applicable(data, var, cb, answers)
        n = int(answers.notna().sum())
        if n == 0:
            where = f" ({tp})" if tp else ""
            raise ValueError(f"nobody answered {variable!r}{where}: percentages are undefined")
        counts = answers.value_counts().reindex(list(scale.allowed_codes), fill_value=0).astype(int)
        low, high = _wilson_percent(counts.to_numpy(), n, confidence)
        frames.append(
            pd.DataFrame(
                {
                    "variable": var.id,
                    "label": var.label,
                    "timepoint": tp,
                    "code": list(scale.allowed_codes),
                    "code_label": [scale.codes[c] for c in scale.allowed_codes],
                    "count": counts.to_numpy(),
                    "n": n,
                    "n_missing": int((answers.isna() & ~not_applicable).sum()),
                    "n_not_applicable": int(not_applicable.sum()),
                    "percent": counts.to_numpy() / n * 100,
                    "ci_low": low,
                    "ci_high": high,
                },
                columns=_FREQUENCY_COLUMNS,
            )
        )
    return _none_for_single(pd.concat(frames, ignore_index=True))


def frequency_tables(
    data: pd.DataFrame,
    domain: str,
    codebook: Codebook | None = None,
    *,
    confidence: float = 0.95,
    timepoint: str | None = None,
) -> pd.DataFrame:
    """:func:`frequency_table` for every variable of one codebook domain, stacked.

    Parameters
    ----------
    data : pandas.DataFrame
    domain : str
        A codebook domain (e.g. ``"demographics"``).
    codebook : Codebook, optional
    confidence : float
    timepoint : {"before", "after"}, optional
        Passed on for before/after items; single-time items ignore it.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`frequency_table`, variables in codebook order.
    """
    cb = _codebook(codebook)
    variables = [v for v in cb.in_domain(domain) if v.scale is not None]
    if not variables:
        raise ValueError(f"codebook domain {domain!r} has no categorical variables")
    frames = [
        frequency_table(data, v.id, cb, confidence=confidence, timepoint=timepoint if v.paired else None)
        for v in variables
    ]
    return _none_for_single(pd.concat(frames, ignore_index=True))


@dataclass(frozen=True)
class Proportion:
    """Share of respondents giving one of a set of codes, with a Wilson interval.

    Attributes
    ----------
    variable : str
    timepoint : str or None
    codes : tuple of int
        The codes counted.
    count, n, n_missing : int
    proportion, ci_low, ci_high : float
        As fractions (0-1).
    confidence : float
    """

    variable: str
    timepoint: str | None
    codes: tuple[int, ...]
    count: int
    n: int
    n_missing: int
    proportion: float
    ci_low: float
    ci_high: float
    confidence: float

    @property
    def percent(self) -> float:
        return self.proportion * 100


def share_of_codes(
    data: pd.DataFrame,
    variable: str,
    codes: Iterable[int] | None = None,
    codebook: Codebook | None = None,
    *,
    timepoint: str | None = None,
    confidence: float = 0.95,
) -> Proportion:
    """Share of respondents whose answer is one of ``codes``.

    Parameters
    ----------
    data : pandas.DataFrame
    variable : str
    codes : iterable of int, optional
        Defaults to the scale's positive codes (e.g. "Somewhat likely" and
        "Very likely").
    codebook : Codebook, optional
    timepoint : {"before", "after"}, optional
        Required for before/after items.
    confidence : float

    Returns
    -------
    Proportion

    Examples
    --------
    >>> survey = pd.DataFrame({"help_professional": [5, 4, 4, 2, 3]})
    >>> share = share_of_codes(survey, "help_professional")
    >>> share.count, share.n, share.percent
    (3, 5, 60.0)
    """
    data = _check_data(data)
    confidence = _check_confidence(confidence)
    cb = _codebook(codebook)
    var = _categorical(cb, variable)
    if var.paired and timepoint is None:
        raise ValueError(f"variable {variable!r} is a before/after item: give timepoint='before' or 'after'")
    chosen = tuple(int(c) for c in (var.scale.positive_codes if codes is None else codes))
    if not chosen:
        raise ValueError(f"no codes given and scale {var.scale.id!r} defines no positive codes")
    unknown = sorted(set(chosen) - set(var.scale.allowed_codes))
    if unknown:
        raise ValueError(f"code(s) {unknown} are not codes of scale {var.scale.id!r}")
    table = frequency_table(data, variable, cb, confidence=confidence, timepoint=timepoint)
    count = int(table.loc[table["code"].isin(chosen), "count"].sum())
    n = int(table["n"].iloc[0])
    low, high = wilson_interval(count, n, alpha=1 - confidence)
    return Proportion(
        variable=variable,
        timepoint=timepoint,
        codes=chosen,
        count=count,
        n=n,
        n_missing=int(table["n_missing"].iloc[0]),
        proportion=count / n,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
    )


def demographics_table(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Frequencies of every demographic variable (Section 4.2.1).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`frequency_table`.  Children living with their
        mother is filtered on having children, so its percentages are of
        mothers who answered (``n_not_applicable`` counts the others).
    """
    return frequency_tables(data, "demographics", codebook, confidence=confidence)


# --------------------------------------------------------------------------- service use


def _partner_variables(codebook: Codebook) -> list[Variable]:
    """The tick-box items 'uses partner X' of the service-use domain."""
    partners = [v for v in codebook.in_domain("service_use") if v.kind == "binary" and not v.paired]
    if not partners:
        raise ValueError("the codebook's service_use domain has no yes/no partner items")
    return partners


def services_per_woman(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Distribution of the number of partners' services each woman uses.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float

    Returns
    -------
    pandas.DataFrame
        One row per number of services, 0 to the number of partners, with
        ``services``, ``count``, ``n`` (respondents who answered every
        partner item), ``n_incomplete`` (respondents who left at least one
        blank), ``percent``, ``ci_low`` and ``ci_high``.

    Notes
    -----
    Only respondents with an answer for every partner are counted: a blank
    is not read as "does not use", since that would undercount.
    """
    data = _check_data(data)
    confidence = _check_confidence(confidence)
    cb = _codebook(codebook)
    partners = _partner_variables(cb)
    used = pd.DataFrame({v.id: _response_codes(data, v.id, v.scale) for v in partners}, index=data.index)
    positive = {v.id: set(v.positive_codes) for v in partners}
    complete = used.notna().all(axis=1)
    n = int(complete.sum())
    if n == 0:
        raise ValueError("no respondent answered every partner item: services per woman is undefined")
    per_woman = sum(used.loc[complete, vid].isin(positive[vid]).astype(int) for vid in used.columns)
    levels = list(range(len(partners) + 1))
    counts = per_woman.value_counts().reindex(levels, fill_value=0).astype(int)
    low, high = _wilson_percent(counts.to_numpy(), n, confidence)
    return pd.DataFrame(
        {
            "services": levels,
            "count": counts.to_numpy(),
            "n": n,
            "n_incomplete": int((~complete).sum()),
            "percent": counts.to_numpy() / n * 100,
            "ci_low": low,
            "ci_high": high,
        }
    )


@dataclass(frozen=True)
class ServiceUseTables:
    """Use of the partners' services (Section 4.2.2, Figure 6).

    Attributes
    ----------
    partners : pandas.DataFrame
        Per partner item: ``variable``, ``label``, ``count`` (women using
        it), ``n``, ``n_missing``, ``percent``, ``ci_low``, ``ci_high``.
        Women may use several partners, so the percentages can sum to more
        than 100.
    services_per_woman : pandas.DataFrame
        See :func:`services_per_woman`.
    duration : pandas.DataFrame
        Frequencies of how long women have used the services
        (:func:`frequency_table` columns).
    """

    partners: pd.DataFrame
    services_per_woman: pd.DataFrame
    duration: pd.DataFrame


def service_use_table(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95
) -> ServiceUseTables:
    """Which partners women use, how many each, and for how long.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float

    Returns
    -------
    ServiceUseTables
    """
    cb = _codebook(codebook)
    partner_rows = []
    for var in _partner_variables(cb):
        table = frequency_table(data, var.id, cb, confidence=confidence)
        yes = table[table["code"].isin(var.positive_codes)]
        count = int(yes["count"].sum())
        n = int(table["n"].iloc[0])
        low, high = _wilson_percent([count], n, _check_confidence(confidence))
        partner_rows.append(
            {
                "variable": var.id,
                "label": var.label,
                "count": count,
                "n": n,
                "n_missing": int(table["n_missing"].iloc[0]),
                "percent": count / n * 100,
                "ci_low": float(low[0]),
                "ci_high": float(high[0]),
            }
        )
    other = [v for v in cb.in_domain("service_use") if v.scale is not None and v.kind != "binary"]
    if not other:
        raise ValueError("the codebook's service_use domain has no duration item")
    duration = _none_for_single(
        pd.concat([frequency_table(data, v.id, cb, confidence=confidence) for v in other], ignore_index=True)
    )
    return ServiceUseTables(
        partners=pd.DataFrame(partner_rows),
        services_per_woman=services_per_woman(data, cb, confidence=confidence),
        duration=duration,
    )


# --------------------------------------------------------------------------- Likert layouts


def _diverging_order(scale: Scale) -> None:
    """Check that a scale can be drawn as a diverging bar."""
    if scale.type != "ordinal":
        hint = " (use needs_summary for the needs items)" if scale.type == "nominal" else " (use frequency_table)"
        raise ValueError(f"scale {scale.id!r} is {scale.type}, not an ordinal Likert scale{hint}")
    if not scale.negative_codes or not scale.positive_codes:
        raise ValueError(f"scale {scale.id!r} does not say which codes are negative and positive")
    grouped = [*scale.negative_codes, *scale.neutral_codes, *scale.positive_codes]
    listed = list(scale.allowed_codes)
    if sorted(grouped) != sorted(listed) or len(set(grouped)) != len(grouped):
        raise ValueError(f"scale {scale.id!r}: every code must be exactly one of negative, neutral or positive")
    position = {c: i for i, c in enumerate(listed)}
    if [position[c] for c in grouped] != sorted(position[c] for c in grouped):
        raise ValueError(f"scale {scale.id!r}: codes must be listed negative first, then neutral, then positive")


def _resolve_variables(codebook: Codebook, variables) -> list[Variable]:
    if isinstance(variables, str):
        ids = [v.id for v in codebook.in_domain(variables)] if variables in codebook.domains else [variables]
    else:
        ids = list(variables)
    if not ids:
        raise ValueError("no variables given")
    return [codebook.variable(i) for i in ids]


def likert_summary(
    data: pd.DataFrame,
    variables: str | Iterable[str],
    timepoint: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Likert items summarised in the layout of a diverging stacked bar chart.

    Parameters
    ----------
    data : pandas.DataFrame
        Survey in the wide layout.
    variables : str or iterable of str
        Variable ids, or the name of a codebook domain.  All must share one
        ordinal scale whose codes are grouped into negative, neutral and
        positive (likelihood5, agree5, frequency5).
    timepoint : {"before", "after"}, optional
        For before/after items; None gives both readings.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per item (per timepoint) and code, in scale order, with
        ``item``, ``label``, ``timepoint``, ``code``, ``code_label``,
        ``category`` (``"negative"``, ``"neutral"``, ``"positive"``),
        ``count``, ``n``, ``n_missing``, ``percent``, ``start`` and ``end``
        (the segment of the bar, in percent), and per item ``negative_pct``,
        ``neutral_pct``, ``positive_pct``, ``net_positive_pct`` (positive
        minus negative), ``reverse`` and ``desirable_pct``.

    Notes
    -----
    Layout after Heiberger and Robbins [2]_: the neutral category is split
    evenly about zero (from ``-neutral/2`` to ``+neutral/2``); negative codes
    stack leftwards from its left edge, the code nearest neutral innermost;
    positive codes stack rightwards from its right edge.  So ``start`` of
    the outermost negative code is ``-(negative_pct + neutral_pct / 2)`` and
    ``end`` of the outermost positive code is
    ``positive_pct + neutral_pct / 2``.

    Reverse-worded items (codebook ``reverse: true``, e.g. "would not seek
    help from anyone", Figure 7) are laid out as asked, so that the legend
    holds for every bar: agreeing with that statement sits on the right
    although it is the undesirable answer.  ``desirable_pct`` gives the
    desirable share (``positive_pct`` for ordinary items, ``negative_pct``
    for reverse-worded ones) and the figure marks such items in their label.

    Examples
    --------
    >>> survey = pd.DataFrame({"reflect_range": [5, 5, 4, 3, 1]})
    >>> s = likert_summary(survey, ["reflect_range"])
    >>> print(s[["code", "percent", "start", "end"]].to_string(index=False))
     code  percent  start   end
        1     20.0  -30.0 -10.0
        2      0.0  -10.0 -10.0
        3     20.0  -10.0  10.0
        4     20.0   10.0  30.0
        5     40.0   30.0  70.0
    """
    data = _check_data(data)
    cb = _codebook(codebook)
    items = _resolve_variables(cb, variables)
    for v in items:
        if v.scale is None:
            raise ValueError(f"variable {v.id!r} is an identifier, not a Likert item")
        _diverging_order(v.scale)
    scales = {v.scale.id for v in items}
    if len(scales) != 1:
        raise ValueError(f"items on different scales cannot share one diverging chart: {', '.join(sorted(scales))}")
    scale = items[0].scale
    category = {
        **{c: "negative" for c in scale.negative_codes},
        **{c: "neutral" for c in scale.neutral_codes},
        **{c: "positive" for c in scale.positive_codes},
    }
    frames = []
    for var in items:
        freq = frequency_table(data, var.id, cb, timepoint=timepoint if var.paired else None)
        for tp, table in freq.groupby("timepoint", sort=False, dropna=False):
            table = table.reset_index(drop=True)
            pct = dict(zip(table["code"], table["percent"]))
            neg = sum(pct[c] for c in scale.negative_codes)
            neu = sum(pct[c] for c in scale.neutral_codes)
            pos = sum(pct[c] for c in scale.positive_codes)
            start, end = {}, {}
            edge = -neu / 2
            for c in scale.neutral_codes:
                start[c], end[c] = edge, edge + pct[c]
                edge = end[c]
            edge = -neu / 2
            for c in reversed(scale.negative_codes):
                start[c], end[c] = edge - pct[c], edge
                edge = start[c]
            edge = neu / 2
            for c in scale.positive_codes:
                start[c], end[c] = edge, edge + pct[c]
                edge = end[c]
            frames.append(
                pd.DataFrame(
                    {
                        "item": var.id,
                        "label": var.label,
                        "timepoint": table["timepoint"],
                        "code": table["code"],
                        "code_label": table["code_label"],
                        "category": [category[c] for c in table["code"]],
                        "count": table["count"],
                        "n": table["n"],
                        "n_missing": table["n_missing"],
                        "percent": table["percent"],
                        "start": [start[c] for c in table["code"]],
                        "end": [end[c] for c in table["code"]],
                        "negative_pct": neg,
                        "neutral_pct": neu,
                        "positive_pct": pos,
                        "net_positive_pct": pos - neg,
                        "reverse": var.reverse,
                        "desirable_pct": neg if var.reverse else pos,
                    }
                )
            )
    return _none_for_single(pd.concat(frames, ignore_index=True))


def needs_summary(
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Counts per need category for every area of life (Figure 8).

    The need items have nominal categories (no need; need and getting help;
    need, know where to get help, not yet getting it; need and do not know
    where to get help), so they are summarised per category rather than as
    a diverging bar.

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float

    Returns
    -------
    pandas.DataFrame
        One row per area and category, with ``area``, ``label``, ``code``,
        ``code_label``, ``count``, ``n``, ``n_missing``, ``percent``,
        ``ci_low`` and ``ci_high``.
    """
    table = frequency_tables(data, "needs", codebook, confidence=confidence)
    table = table.rename(columns={"variable": "area"})
    return table[["area", "label", "code", "code_label", "count", "n", "n_missing", "percent", "ci_low", "ci_high"]]
