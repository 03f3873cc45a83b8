"""Which columns of a published table hold counts of people, read from the HTML.

The HTML of a published table does not say which columns
:func:`cwp_analysis.disclosure.disclose` treated as counts.  The disclosure
scanner (:mod:`cwp_analysis.disclosure_scan`) and the page attacker
(:mod:`cwp_analysis.page_attack`) both need to know, so the rules live here,
column by column, in this order:

1. *Declared.*  A table carrying the attribute :data:`COUNT_ATTRIBUTE`
   (``data-cwp-count-columns``, a JSON list of column headers) has exactly
   those count columns; ``[]`` declares none.
2. *Tables that count no people* (claims, design figures) have none when
   their caption says so (:data:`NOT_PEOPLE_PHRASES`).
3. *Headers* (:func:`header_kind`): a header naming a count
   (:data:`COUNT_WORDS`) makes a count column; one naming a statistic
   (:data:`STATISTIC_WORDS`) or a category (:data:`LABEL_WORDS`) never does.
4. *Values.*  Any other column is a count column when every non-empty cell
   is a non-negative whole number (``12`` or ``1,234``) or the suppression
   marker, and at least one is a number.  Numbers printed as floats
   (``12.0``) count only in a column that also holds the marker.

Examples
--------
>>> [header_kind(h) for h in ("Count", "Before %", "Partners used", "Agree")]
['count', 'statistic', 'label', None]
>>> whole_number("1,234"), whole_number("12.0"), whole_number("12.5")
(1234, 12, None)
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence

__all__ = [
    "COUNT_ATTRIBUTE",
    "COUNT_WORDS",
    "LABEL_WORDS",
    "NOT_PEOPLE_PHRASES",
    "STATISTIC_WORDS",
    "count_in_cell",
    "declared_count_columns",
    "header_kind",
    "infer_count_columns",
    "says_no_people",
    "whole_number",
]

#: HTML attribute declaring a table's count columns (a JSON list of headers).
COUNT_ATTRIBUTE = "data-cwp-count-columns"
#: Caption phrases (any case) declaring that a table counts no people.
NOT_PEOPLE_PHRASES = ("not of people", "not people", "no people")
#: Header words naming a count of people.
COUNT_WORDS = frozenset({
    "n", "count", "counts", "counted", "number", "base", "total", "women", "respondents", "people",
    "persons", "participants", "pairs", "answering", "frequency", "freq", "clients", "mothers",
})
#: Header words naming a statistic, or a figure quoted from the report (never a count to suppress).
STATISTIC_WORDS = frozenset({
    "%", "percent", "percentage", "pct", "share", "shares", "proportion", "rate", "ratio", "p", "pvalue",
    "median", "mean", "average", "mode", "sd", "se", "std", "iqr", "ci", "interval", "lower", "upper",
    "estimate", "statistic", "score", "rank", "effect", "difference", "diff", "change", "z", "w", "r", "d",
    "df", "power", "min", "max", "minimum", "maximum", "range", "published", "printed", "reported",
    "year", "cost", "sroi", "£",
})
#: Header words naming a category (a column of labels, even when they are numbers).
LABEL_WORDS = frozenset({
    "code", "codes", "band", "group", "category", "answer", "level", "item", "question", "statement",
    "label", "used", "period", "id", "scope", "section",
})

_HEADER_WORDS = re.compile(r"[a-z]+|[0-9]+|%|£")
_WHOLE = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")
_WHOLE_FLOAT = re.compile(r"[0-9]+\.0+")
_COUNT_WITH_SHARE = re.compile(r"([0-9]+)\s*\(.*\)")


def header_kind(header: str) -> str | None:
    """What a column header names: ``"count"``, ``"statistic"``, ``"label"`` or None.

    The header is split into lower-case words.  It names a count when its
    first word, or (failing a statistic word) any word, is one of
    :data:`COUNT_WORDS`; a statistic when a word is one of
    :data:`STATISTIC_WORDS`; a category when a word is one of
    :data:`LABEL_WORDS`.

    Parameters
    ----------
    header : str

    Returns
    -------
    str or None
        None when the header says nothing (the values decide).

    Examples
    --------
    >>> [header_kind(h) for h in ("Count", "Before n", "n (%)", "Before %", "p", "published",
    ...                           "Partners used", "Rarely")]
    ['count', 'count', 'count', 'statistic', 'statistic', 'statistic', 'label', None]
    """
    words = _HEADER_WORDS.findall(str(header).lower())
    if not words:
        return None
    if words[0] in COUNT_WORDS:
        return "count"
    if any(w in STATISTIC_WORDS for w in words):
        return "statistic"
    if any(w in COUNT_WORDS for w in words):
        return "count"
    if any(w in LABEL_WORDS for w in words):
        return "label"
    return None


def whole_number(text: str, floats: bool = True) -> int | None:
    """The count a cell shows: ``12``, ``1,234`` or (with ``floats``) ``12.0``; else None.

    Parameters
    ----------
    text : str
        The cell's text, stripped.
    floats : bool, default True
        Whether ``12.0`` is read as the whole number 12.

    Returns
    -------
    int or None
    """
    if _WHOLE.fullmatch(text):
        return int(text.replace(",", ""))
    if floats and _WHOLE_FLOAT.fullmatch(text):
        return int(float(text))
    return None


def count_in_cell(text: str, named: bool) -> int | None:
    """The count in a cell; in a count-named column ``"12 (40%)"`` reads as 12.

    Parameters
    ----------
    text : str
    named : bool
        Whether the column's header names a count.

    Returns
    -------
    int or None
    """
    value = whole_number(text)
    if value is None and named:
        match = _COUNT_WITH_SHARE.fullmatch(text)
        if match:
            value = int(match.group(1))
    return value


def declared_count_columns(attributes: dict) -> set[str] | None:
    """Headers declared as counts by :data:`COUNT_ATTRIBUTE`, or None when undeclared.

    Parameters
    ----------
    attributes : dict
        The ``<table>`` element's attributes.

    Returns
    -------
    set of str or None
    """
    if COUNT_ATTRIBUTE not in attributes:
        return None
    try:
        declared = json.loads(attributes[COUNT_ATTRIBUTE] or "[]")
    except ValueError:
        declared = [attributes[COUNT_ATTRIBUTE]]
    return {str(d) for d in (declared if isinstance(declared, list) else [declared])}


def says_no_people(caption: str | None) -> bool:
    """Whether a table caption declares that the table counts no people.

    Examples
    --------
    >>> says_no_people("Claims by scope (numbers of claims, not of people).")
    True
    """
    caption = (caption or "").casefold()
    return any(phrase in caption for phrase in NOT_PEOPLE_PHRASES)


def infer_count_columns(
    headers: Sequence[str],
    columns: Sequence[Sequence[str]],
    *,
    marker: str,
    declared: set[str] | None = None,
    skip: Collection[int] = frozenset(),
) -> dict[int, bool]:
    """Count columns of a table, by position, with whether their header names a count.

    Parameters
    ----------
    headers : sequence of str
        Column headers by position.
    columns : sequence of sequence of str
        The body cells' texts of each column, by position (row labels
        excluded).
    marker : str
        The suppression marker.
    declared : set of str, optional
        Declared count columns (:func:`declared_count_columns`); when given,
        exactly these are counts.
    skip : collection of int
        Positions that are never counts (row-label columns).

    Returns
    -------
    dict
        ``{position: header names a count}`` for every count column.

    Examples
    --------
    >>> infer_count_columns(["Answer", "Count", "%", "Agree"],
    ...                     [["Yes", "No"], ["5", "[c]"], ["7.4", "[c]"], ["3", "12"]], marker="[c]")
    {1: True, 3: False}
    """
    counts: dict[int, bool] = {}
    for position, header in enumerate(headers):
        if position in skip:
            continue
        if declared is not None:
            if header in declared:
                counts[position] = True
            continue
        kind = header_kind(header)
        if kind in ("statistic", "label"):
            continue
        if kind == "count":
            counts[position] = True
            continue
        values = list(columns[position]) if position < len(columns) else []
        present = [v for v in values if v and v != marker]
        floats = len(present) < len([v for v in values if v])  # a marker: disclose treated it as counts
        if present and all(whole_number(v, floats) is not None for v in present):
            counts[position] = False
    return counts
