"""Judging what a table holds before it is published: people, or statistics.

A published table of this project holds statistics: counts and shares of
women, test results, claims checked against the report, codebook entries.
It must never hold one row per woman.  :func:`respondent_level_reason`
looks at what a table holds, not only at its length, and returns why it
looks respondent-level (None when it does not);
:func:`cwp_analysis.disclosure.refuse_respondent_level` raises on that
reason.

The rules, in order
-------------------
1. **Identifier names** (always): a column or index level named like an
   identifier (:data:`IDENTIFIER_COLUMNS`, case-insensitive).
2. **Free text** (always): a text cell or label longer than
   ``max_text_length`` (interview quotes, comments).
3. With ``rows="statistics"`` the caller declares that every row is an
   aggregate, and the remaining rules are skipped.
4. **Respondent ids** (``rows="auto"``): an index level, text column or the
   column labels hold three or more distinct values, all shaped like
   respondent ids with one common prefix (:data:`RESPONDENT_ID_PATTERN`:
   letters, then at least two digits, such as ``SYN-001``, ``R017``,
   ``CWP_12``; citation keys or period labels, whose prefixes differ, do
   not count).
5. **Long tables** (``rows="auto"``, more than ``max_rows`` rows) must show
   that their rows are statistics: a column named like a statistic (a count,
   base, share, mean... see :data:`STATISTIC_WORDS`), or rows keyed by claim
   or codebook ids (an index level or text column of unique
   ``snake_case`` ids, :data:`ROW_KEY_PATTERN`) whose cells are not all
   small codes.  A long table whose every cell is a small code (a whole
   number 0..10, or a short text from a dozen answers) and which has no
   statistic column looks like one person's answers per row and is refused.

Examples
--------
>>> import pandas as pd
>>> respondent_level_reason(pd.DataFrame({"score": [1, 2, 3] * 30})).split(" (")[0]
'refusing a table with 90 rows'
>>> claims = pd.DataFrame({"claim": [f"Claim number {i} of the report" for i in range(66)]},
...                       index=[f"claim_{i}" for i in range(66)])
>>> respondent_level_reason(claims) is None
True
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "IDENTIFIER_COLUMNS",
    "MAX_AGGREGATE_ROWS",
    "MAX_LABEL_LENGTH",
    "RESPONDENT_ID_PATTERN",
    "ROWS_CHOICES",
    "ROW_KEY_PATTERN",
    "STATISTIC_WORDS",
    "is_statistic_name",
    "looks_like_respondent_ids",
    "respondent_level_reason",
]

#: Column or index names that mark a frame as respondent-level.
IDENTIFIER_COLUMNS = frozenset({
    "respondent_id", "participant_id", "person_id", "patient_id", "client_id",
    "user_id", "nhs_number", "name", "full_name", "email", "postcode", "date_of_birth",
})
#: A table longer than this must show that its rows are statistics (the survey has 68 respondents).
MAX_AGGREGATE_ROWS = 50
#: A text cell longer than this is treated as free text (the longest item label is about 60 characters).
MAX_LABEL_LENGTH = 120
#: Values shaped like respondent ids: a prefix of letters (with - or _), then two or more digits.
RESPONDENT_ID_PATTERN = r"([A-Za-z][A-Za-z_-]{0,7})([0-9]{2,})"
#: Claim and codebook ids: snake_case words (``survey_n``, ``bank_account_before``).
ROW_KEY_PATTERN = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+"
#: Words in a column name that make it a statistic column ("n" counts only as the last word).
STATISTIC_WORDS = frozenset({
    "count", "counts", "counted", "base", "%", "percent", "percentage", "pct", "share", "shares",
    "proportion", "mean", "median", "frequency", "freq", "estimate", "women", "pairs", "answering",
})
#: Accepted values of the ``rows`` keyword.
ROWS_CHOICES = ("auto", "statistics")

_SMALL_CODE_MAX = 10
_ANSWER_VOCABULARY = 12
_ANSWER_TEXT_LENGTH = 30


def _words(name) -> list[str]:
    return re.findall(r"%|[a-z0-9]+", str(name).lower())


def is_statistic_name(name) -> bool:
    """True for a column named like a statistic.

    >>> [is_statistic_name(n) for n in ("Count", "Before n", "% positive", "n_children", "uses_fwt")]
    [True, True, True, False, False]
    """
    words = _words(name)
    return bool(words) and (words[-1] == "n" or any(w in STATISTIC_WORDS for w in words))


def _levels(table: pd.DataFrame):
    for k in range(table.index.nlevels):
        name = table.index.names[k]
        yield f"index level {name!r}" if name is not None else "the index", pd.Series(
            table.index.get_level_values(k), dtype=object)


def _text_columns(table: pd.DataFrame):
    for column in table.columns:
        series = table[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            yield f"column {column!r}", series


def _present(values) -> list:
    return [v for v in values if not (v is None or (isinstance(v, float) and np.isnan(v)))]


def _all_match(values, pattern: str) -> bool:
    present = _present(values)
    return len(set(present)) >= 2 and all(isinstance(v, str) and re.fullmatch(pattern, v.strip()) for v in present)


def looks_like_respondent_ids(values) -> bool:
    """True for three or more distinct values shaped like respondent ids with one common prefix.

    >>> [looks_like_respondent_ids(v) for v in (["SYN-001", "SYN-002", "SYN-010"], ["R17", "R18", "R20"])]
    [True, True]
    >>> [looks_like_respondent_ids(v) for v in (["sep_18", "mar_19", "sep_19"], ["duffy2011", "hood2014", "wrc2011"])]
    [False, False]
    """
    present = _present(values)
    if len(set(present)) < 3 or not all(isinstance(v, str) for v in present):
        return False
    matches = [re.fullmatch(RESPONDENT_ID_PATTERN, v.strip()) for v in present]
    return all(matches) and len({m.group(1).lower() for m in matches}) == 1


def _respondent_ids(table: pd.DataFrame) -> str | None:
    for where, series in [*_levels(table), *_text_columns(table)]:
        if looks_like_respondent_ids(series.tolist()):
            return where
    if looks_like_respondent_ids([str(c) for c in table.columns]):
        return "the column labels"
    return None


def _keyed_by_ids(table: pd.DataFrame) -> bool:
    for _where, series in [*_levels(table), *_text_columns(table)]:
        values = series.tolist()
        if series.is_unique and _all_match(values, ROW_KEY_PATTERN) and len(values) == len(table):
            return True
    return False


def _is_code_column(series: pd.Series) -> bool:
    present = series.dropna()
    if present.empty:
        return True
    if pd.api.types.is_bool_dtype(present):
        return True
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all():
        return bool(((numbers >= 0) & (numbers <= _SMALL_CODE_MAX) & (numbers == np.floor(numbers))).all())
    texts = present.astype(str)
    return bool(texts.nunique() <= _ANSWER_VOCABULARY and (texts.str.len() <= _ANSWER_TEXT_LENGTH).all())


def _looks_like_answers(table: pd.DataFrame) -> bool:
    return len(table.columns) > 0 and all(_is_code_column(table[c]) for c in table.columns)


def respondent_level_reason(table, *, rows: str = "auto", max_rows: int = MAX_AGGREGATE_ROWS,
                            max_text_length: int = MAX_LABEL_LENGTH) -> str | None:
    """Why a frame must not be published as it is, or None when it may be.

    Parameters
    ----------
    table : pandas.DataFrame
    rows : {"auto", "statistics"}, default "auto"
        ``"statistics"`` declares every row an aggregate: only the
        identifier-name and free-text rules apply.
    max_rows : int, default 50
        Tables longer than this must show that their rows are statistics.
    max_text_length : int, default 120

    Returns
    -------
    str or None
        A one-line reason starting "refusing".

    Raises
    ------
    ValueError
        For an unknown ``rows``.
    """
    if rows not in ROWS_CHOICES:
        raise ValueError(f"rows must be one of {ROWS_CHOICES}, not {rows!r}")
    if not isinstance(table, pd.DataFrame):
        return "only pandas DataFrames can be published through disclosure control"
    names = [str(c) for c in table.columns] + [str(n) for n in table.index.names if n is not None]
    identifiers = sorted({n for n in names if n.strip().lower() in IDENTIFIER_COLUMNS})
    if identifiers:
        return f"refusing a respondent-level table: it has identifier column(s) {', '.join(identifiers)}"
    text = [("index", pd.Series(table.index.to_flat_index().map(str), dtype=object)), *_text_columns(table)]
    for where, series in text:
        lengths = series.map(lambda v: len(v) if isinstance(v, str) else 0)
        if (lengths > max_text_length).any():
            return (f"refusing free text: {where} holds a string of {int(lengths.max())} characters "
                    f"(longer than {max_text_length})")
    if rows == "statistics":
        return None
    where = _respondent_ids(table)
    if where is not None:
        return (f"refusing a respondent-level table: {where} holds values shaped like respondent ids; "
                "publish an aggregate")
    if len(table) <= max_rows:
        return None
    if any(is_statistic_name(c) for c in table.columns):
        return None
    if _keyed_by_ids(table) and not _looks_like_answers(table):
        return None
    return (f"refusing a table with {len(table)} rows (more than {max_rows}) that looks respondent-level: "
            "no count, base or share column, and its rows are not keyed by claim or item ids; publish an "
            "aggregate, or declare rows='statistics'")
