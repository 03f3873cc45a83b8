"""Frequency tables of survey answers, with Wilson intervals.

The building block of :mod:`cwp_analysis.describe`: counts and percentages
for every code of a codebook variable, stacked over a domain.  Aggregated
tables only, never respondent-level rows.  The helpers below are shared with
:mod:`cwp_analysis.service_use` and :mod:`cwp_analysis.likert_layouts`.

Conventions (see :mod:`cwp_analysis.describe`): percentages are of the
respondents who answered (``n``); blanks are ``n_missing``; respondents a
filtered question did not apply to are ``n_not_applicable``.  An item that
nobody answered raises ``ValueError`` by default; with ``on_empty="keep"``
its rows are kept with ``n = 0`` and missing (NaN) percentages and
intervals, so that a page can say that nobody answered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.codebook import Codebook, Scale, Variable, load_codebook
from cwp_analysis.proportions import wilson_interval
from cwp_analysis.stat_inputs import validate_choice

__all__ = [
    "ON_EMPTY",
    "TIMEPOINTS",
    "Proportion",
    "demographics_table",
    "frequency_table",
    "frequency_tables",
    "share_of_codes",
]

TIMEPOINTS = ("before", "after")

#: Values of ``on_empty``: raise ``ValueError`` for an item nobody answered,
#: or keep it with ``n = 0`` and NaN percentages.
ON_EMPTY = ("raise", "keep")

_FREQUENCY_COLUMNS = [
    "variable", "label", "timepoint", "code", "code_label", "count", "n",
    "n_missing", "n_not_applicable", "percent", "ci_low", "ci_high",
]


# --------------------------------------------------------------------------- shared helpers


def codebook_or_default(codebook: Codebook | None) -> Codebook:
    """``codebook``, or the project's codebook when None."""
    return load_codebook() if codebook is None else codebook


def check_confidence(confidence: float) -> float:
    """``confidence`` as a float strictly between 0 and 1; ValueError otherwise."""
    if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, (int, float, np.integer, np.floating)):
        raise ValueError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def check_data(data) -> pd.DataFrame:
    """``data`` if it is a DataFrame; ValueError otherwise."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    return data


def check_on_empty(on_empty: str) -> str:
    """``on_empty`` if it is one of :data:`ON_EMPTY`."""
    return validate_choice(on_empty, ON_EMPTY, "on_empty")


def wilson_percent(counts, n: int, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson bounds of ``counts`` out of ``n``, in percent; NaN when ``n`` is 0."""
    counts = np.asarray(counts)
    if n == 0:
        missing = np.full(counts.shape, np.nan)
        return missing, missing.copy()
    low, high = wilson_interval(counts, n, alpha=1 - confidence)
    return np.asarray(low, dtype=float) * 100, np.asarray(high, dtype=float) * 100


def percent_of(counts, n: int) -> np.ndarray:
    """``100 * counts / n``; NaN when ``n`` is 0 (nobody answered)."""
    counts = np.asarray(counts, dtype=float)
    return counts / n * 100 if n else np.full(counts.shape, np.nan)


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


def response_codes(data: pd.DataFrame, column: str, scale: Scale) -> pd.Series:
    """The column as nullable integers (``Int64``), checked against the scale's codes.

    Raises
    ------
    ValueError
        When the column is absent, or holds text, booleans, fractional or
        infinite numbers, or codes the scale does not define.
    """
    if column not in data.columns:
        raise ValueError(f"column {column!r} is not in the data")
    raw = data[column]
    allowed = ", ".join(map(str, scale.allowed_codes))
    if pd.api.types.is_bool_dtype(raw.dtype):
        raise ValueError(f"column {column!r} holds booleans, not response codes (allowed: {allowed})")
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_complex_dtype(raw.dtype):
        numeric = pd.Series(raw.to_numpy(dtype=float, na_value=np.nan), index=raw.index)
    else:
        numeric = pd.to_numeric(raw.astype(object), errors="coerce")
        if not pd.api.types.is_numeric_dtype(numeric.dtype) or pd.api.types.is_bool_dtype(numeric.dtype):
            numeric = pd.Series(np.nan, index=raw.index)
        numeric = numeric.astype(float)
        bad = numeric.isna() & raw.notna()
        if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
            bad &= raw.astype(str).str.strip() != ""
        if bad.any():
            raise ValueError(
                f"column {column!r}: {int(bad.sum())} value(s) are not numeric response codes (allowed: {allowed})"
            )
    values = numeric.to_numpy(dtype=float)
    present = ~np.isnan(values)
    observed = values[present]
    fractional = ~np.isfinite(observed) | (observed != np.round(observed))
    if fractional.any():
        raise ValueError(f"column {column!r}: {int(fractional.sum())} value(s) are not whole-number codes")
    unknown = np.setdiff1d(np.unique(observed), np.asarray(scale.allowed_codes, dtype=float))
    if unknown.size:
        raise ValueError(
            f"column {column!r}: code(s) {', '.join(str(int(c)) for c in unknown)} are not codes of scale "
            f"{scale.id!r} (allowed: {allowed})"
        )
    codes = np.zeros(values.shape, dtype=np.int64)
    codes[present] = observed.astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(codes, ~present), index=raw.index, name=raw.name)


def not_applicable(data: pd.DataFrame, variable: Variable, codebook: Codebook, answers: pd.Series) -> pd.Series:
    """Blank answers from respondents whose filter answer rules the question out."""
    if not variable.depends_on:
        return pd.Series(False, index=data.index)
    parent = codebook.variable(variable.depends_on["variable"])
    if parent.paired:
        raise ValueError(f"variable {variable.id!r} depends on a before/after item; not supported")
    parent_codes = response_codes(data, parent.id, parent.scale)
    allowed = {int(c) for c in variable.depends_on.get("codes", ())}
    ruled_out = parent_codes.notna() & ~parent_codes.isin(allowed).fillna(False).astype(bool)
    return (ruled_out & answers.isna()).astype(bool)


def none_for_single(table: pd.DataFrame) -> pd.DataFrame:
    """Make ``timepoint`` an object column holding None for single-time items."""
    table["timepoint"] = pd.Series(
        [tp if isinstance(tp, str) else None for tp in table["timepoint"]], index=table.index, dtype=object
    )
    return table


def categorical(codebook: Codebook, variable_id: str) -> Variable:
    """The codebook variable ``variable_id``, which must have a response scale."""
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
    on_empty: str = "raise",
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
    on_empty : {"raise", "keep"}
        What to do when nobody answered the item (at a timepoint):
        ``"raise"`` (default) raises ``ValueError``; ``"keep"`` returns its
        rows with zero counts, ``n = 0`` and NaN ``percent``, ``ci_low`` and
        ``ci_high``.

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
        When a column is absent, holds non-numeric, fractional or unknown
        codes, or (unless ``on_empty="keep"``) nobody answered the item.

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
    data = check_data(data)
    confidence = check_confidence(confidence)
    check_on_empty(on_empty)
    cb = codebook_or_default(codebook)
    var = categorical(cb, variable)
    scale = var.scale
    frames = []
    for tp, column in _timepoint_columns(var, timepoint):
        answers = response_codes(data, column, scale)
        ruled_out = not_applicable(data, var, cb, answers)
        n = int(answers.notna().sum())
        if n == 0 and on_empty == "raise":
            where = f" ({tp})" if tp else ""
            raise ValueError(
                f"nobody answered {variable!r}{where}: percentages are undefined "
                "(pass on_empty='keep' to keep the item with n = 0)"
            )
        counts = answers.value_counts().reindex(list(scale.allowed_codes), fill_value=0).astype(int)
        low, high = wilson_percent(counts.to_numpy(), n, confidence)
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
                    "n_missing": int((answers.isna() & ~ruled_out).sum()),
                    "n_not_applicable": int(ruled_out.sum()),
                    "percent": percent_of(counts.to_numpy(), n),
                    "ci_low": low,
                    "ci_high": high,
                },
                columns=_FREQUENCY_COLUMNS,
            )
        )
    return none_for_single(pd.concat(frames, ignore_index=True))


def frequency_tables(
    data: pd.DataFrame,
    domain: str,
    codebook: Codebook | None = None,
    *,
    confidence: float = 0.95,
    timepoint: str | None = None,
    on_empty: str = "raise",
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
    on_empty : {"raise", "keep"}
        See :func:`frequency_table`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`frequency_table`, variables in codebook order.

    Raises
    ------
    ValueError
        For a domain without categorical variables, or as
        :func:`frequency_table` raises.
    """
    cb = codebook_or_default(codebook)
    variables = [v for v in cb.in_domain(domain) if v.scale is not None]
    if not variables:
        raise ValueError(f"codebook domain {domain!r} has no categorical variables")
    frames = [
        frequency_table(data, v.id, cb, confidence=confidence, timepoint=timepoint if v.paired else None,
                        on_empty=on_empty)
        for v in variables
    ]
    return none_for_single(pd.concat(frames, ignore_index=True))


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

    Raises
    ------
    ValueError
        For a before/after item without ``timepoint``, codes the scale does
        not define, bad data (as :func:`frequency_table`), or when nobody
        answered.

    Examples
    --------
    >>> survey = pd.DataFrame({"help_professional": [5, 4, 4, 2, 3]})
    >>> share = share_of_codes(survey, "help_professional")
    >>> share.count, share.n, share.percent
    (3, 5, 60.0)
    """
    data = check_data(data)
    confidence = check_confidence(confidence)
    cb = codebook_or_default(codebook)
    var = categorical(cb, variable)
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
    data: pd.DataFrame, codebook: Codebook | None = None, *, confidence: float = 0.95, on_empty: str = "raise"
) -> pd.DataFrame:
    """Frequencies of every demographic variable (Section 4.2.1).

    Parameters
    ----------
    data : pandas.DataFrame
    codebook : Codebook, optional
    confidence : float
    on_empty : {"raise", "keep"}
        See :func:`frequency_table`.  With ``"keep"`` a survey in which no
        woman has children still gets a table: the children question has
        ``n = 0`` and NaN percentages.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`frequency_table`.  Children living with their
        mother is filtered on having children, so its percentages are of
        mothers who answered (``n_not_applicable`` counts the others).

    Raises
    ------
    ValueError
        As :func:`frequency_table`.
    """
    return frequency_tables(data, "demographics", codebook, confidence=confidence, on_empty=on_empty)
