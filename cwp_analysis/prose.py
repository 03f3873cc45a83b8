"""Reading disclosed tables for the prose: only what a table publishes is ever quoted.

A notebook's sentences quote numbers from its tables.  The functions here
read them from the :class:`~cwp_analysis.disclosure.DisclosedTable`, never
from the raw analysis frame, and say "withheld" where the table does: a
value recomputed elsewhere could reveal a count the table withholds (for
instance one of two cells suppressed together, or a p-value the table
withholds with a small count).  All are importable from
:mod:`cwp_analysis.tables` too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.publication import (
    WITHHELD_TEXT,
    PublicationTable,  # noqa: F401 - the examples use it
    _as_labels,
    _is_missing,
)

__all__ = [
    "UNDEFINED_TEXT",
    "shown_rows",
    "cell_text",
    "share_text",
    "largest_rise_text",
    "count_shown",
    "count_shown_text",
    "count_text",
    "published_numbers",
    "extreme_row_text",
]


def shown_rows(disclosed: DisclosedTable, columns: Sequence) -> pd.Series:
    """Rows of a disclosed table in which none of ``columns`` is withheld.

    Use it to draw a figure only from what the table may publish (e.g. the
    items of a before/after chart whose shares survived disclosure).

    Parameters
    ----------
    disclosed : DisclosedTable
    columns : sequence of column names

    Returns
    -------
    pandas.Series of bool
        Indexed like the disclosed table.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40], "%": [7.0, 93.0]}),
    ...                      count_columns=["n"], derived_columns={"%": ["n"]})
    >>> shown_rows(t.disclose(7), ["%"]).tolist()
    [False, True]
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    columns = _as_labels(columns, "columns")
    unknown = [c for c in columns if c not in disclosed.suppressed.columns]
    if unknown:
        raise ValueError(f"column(s) not in the table: {', '.join(map(str, unknown))}")
    return ~disclosed.suppressed[list(columns)].any(axis=1)


#: What the prose says for a statistic the data leave undefined (no answers, too few pairs).
UNDEFINED_TEXT = "not defined (too few answers)"


def cell_text(disclosed: DisclosedTable, row, column, fmt: str | None = None, *,
              suffix: str = "", withheld: str = WITHHELD_TEXT, empty: str | None = UNDEFINED_TEXT) -> str:
    """One published cell as text for the prose, or ``withheld`` if it was suppressed.

    Parameters
    ----------
    disclosed : DisclosedTable
    row : index label
    column : column label
    fmt : str, optional
        :func:`format` spec for a shown number (e.g. ``".0f"``).
    suffix : str
        Appended to a shown value (e.g. ``"%"``), not to ``withheld``.
    empty : str or None, default :data:`UNDEFINED_TEXT`
        Returned for an empty cell (a statistic the data leave undefined,
        such as a share of no answers); None makes an empty cell an error.
    withheld : str
        Returned for a withheld cell.

    Returns
    -------
    str

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40], "%": [7.0, 93.0]}, index=["a", "b"]),
    ...                      count_columns=["n"], derived_columns={"%": ["n"]})
    >>> d = t.disclose(7)
    >>> cell_text(d, "b", "%", ".0f", suffix="%"), cell_text(d, "a", "%", ".0f", suffix="%")
    ('93%', 'withheld (small count)')
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    if row not in disclosed.table.index:
        raise ValueError(f"row {row!r} is not in the table")
    if column not in disclosed.table.columns:
        raise ValueError(f"column {column!r} is not in the table")
    if bool(disclosed.suppressed.at[row, column]):
        return withheld
    value = disclosed.table.at[row, column]
    if _is_missing(value) or value == "":
        if empty is not None:
            return empty
        raise ValueError(f"cell ({row!r}, {column!r}) is empty")
    if not fmt:
        return f"{value}{suffix}"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"cell ({row!r}, {column!r}) holds text {value!r}; it cannot take format {fmt!r}") from None
    return f"{format(value, fmt)}{suffix}"


def share_text(disclosed: DisclosedTable, rows: Sequence, *, count_column="Count", base_column="Base",
               fmt: str = ".1f", suffix: str = "", withheld: str = WITHHELD_TEXT) -> str:
    """The share of the base made up by some rows of a disclosed table, as text for the prose.

    Sums ``count_column`` over ``rows`` (e.g. the answers "more than six
    months" and "more than a year") and divides by their common base.  The
    share is built only from published cells: if any of the counts is
    withheld, so is the share, and a share quoted in the prose can never
    undo the table's suppression.

    Parameters
    ----------
    disclosed : DisclosedTable
    rows : sequence of index labels
        Rows of one question (they must share one base).
    count_column, base_column : column labels
    fmt : str
        :func:`format` spec of the percentage.
    suffix : str
        Appended to a shown percentage (e.g. ``"%"``), not to ``withheld``.
    withheld : str
        Returned when a needed cell is withheld.

    Returns
    -------
    str
        The percentage followed by ``suffix``, or ``withheld``.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"Count": [3, 25, 40], "Base": [68] * 3}, index=["a", "b", "c"]),
    ...                      count_columns=["Count", "Base"], secondary="columns")
    >>> d = t.disclose(7)
    >>> share_text(d, ["c"], suffix="%"), share_text(d, ["a", "b"], suffix="%")
    ('58.8%', 'withheld (small count)')
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    rows = list(rows)
    if not rows:
        raise ValueError("rows is empty")
    for column in (count_column, base_column):
        if column not in disclosed.table.columns:
            raise ValueError(f"column {column!r} is not in the table")
    missing = [r for r in rows if r not in disclosed.table.index]
    if missing:
        raise ValueError(f"row(s) not in the table: {missing}")
    mask = disclosed.suppressed.loc[rows, [count_column, base_column]]
    if bool(mask.to_numpy().any()):
        return withheld
    bases = {int(b) for b in disclosed.table.loc[rows, base_column]}
    if len(bases) != 1:
        raise ValueError(f"the rows have different bases {sorted(bases)}: they are not one question")
    base = bases.pop()
    if base == 0:
        raise ValueError("the base is zero: the share is undefined")
    total = sum(int(c) for c in disclosed.table.loc[rows, count_column])
    return f"{format(total / base * 100, fmt)}{suffix}"


def largest_rise_text(outcomes: pd.DataFrame, shown: pd.Series) -> str:
    """Describe the item whose positive share rose most, among items whose shares are published.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :func:`cwp_analysis.stats.outcome_table` output indexed by item, with
        ``label``, ``before_positive_pct`` and ``after_positive_pct``.
    shown : pandas.Series of bool
        Items whose before and after shares survived disclosure control
        (:func:`shown_rows`); withheld shares are never used.

    Returns
    -------
    str
        ``'"<label>" (<n> percentage points)'``, or a sentence saying that
        every share is withheld.

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["A", "B"], "before_positive_pct": [20.0, 30.0],
    ...                       "after_positive_pct": [50.0, 45.0]}, index=["a", "b"])
    >>> largest_rise_text(frame, pd.Series([True, True], index=["a", "b"]))
    '"A" (30 percentage points)'
    >>> largest_rise_text(frame, pd.Series([False, False], index=["a", "b"]))
    'no item (every share is withheld by disclosure control)'
    """
    rise = (outcomes["after_positive_pct"] - outcomes["before_positive_pct"])[shown.reindex(outcomes.index, fill_value=False)]
    rise = rise.dropna()
    if rise.empty:
        return "no item (every share is withheld by disclosure control)"
    best = rise.idxmax()
    return f'"{outcomes.loc[best, "label"]}" ({rise.loc[best]:.0f} percentage points)'


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def count_shown(disclosed: DisclosedTable, column, predicate: Callable[[float], bool]) -> tuple[int, int]:
    """How many rows publish a value in ``column`` that satisfies ``predicate``, and how many withhold it.

    For sentences such as "5 of 7 items changed significantly (1 withheld)":
    counting from the raw frame would reveal something about the withheld
    rows (a withheld p-value below 0.05, say).

    Parameters
    ----------
    disclosed : DisclosedTable
    column : column label
        Values are read as numbers; text such as ``"< 0.0001"`` is read as
        the number after ``<`` (0.0001).
    predicate : callable
        Called with each published number.

    Returns
    -------
    (count, withheld) : tuple of int
        Rows whose published value satisfies ``predicate``, and rows where
        the value is withheld.  Empty cells count in neither.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40, 50], "p": ["0.01", "0.20", "< 0.0001"]}),
    ...                      count_columns=["n"], derived_columns={"p": ["n"]})
    >>> count_shown(t.disclose(7), "p", lambda p: p < 0.05)
    (1, 1)
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    if column not in disclosed.table.columns:
        raise ValueError(f"column {column!r} is not in the table")
    count = withheld = 0
    for value, hidden in zip(disclosed.table[column], disclosed.suppressed[column]):
        if hidden:
            withheld += 1
            continue
        if _is_missing(value) or value == "":
            continue
        text = str(value).strip()
        number = _number(text[1:].strip() if text.startswith("<") else text)
        if number is None:
            raise ValueError(f"column {column!r} holds {value!r}, which is not a number")
        count += bool(predicate(number))
    return count, withheld


def published_numbers(disclosed: DisclosedTable, column) -> pd.Series:
    """The numbers a column publishes, NaN where the value is withheld or empty.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40, 50]}), count_columns=["n"])
    >>> published_numbers(t.disclose(7), "n").tolist()
    [nan, 40.0, 50.0]
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    if column not in disclosed.table.columns:
        raise ValueError(f"column {column!r} is not in the table")
    values = [None if hidden or _is_missing(value) else _number(value)
              for value, hidden in zip(disclosed.table[column], disclosed.suppressed[column])]
    return pd.Series([float("nan") if v is None else float(v) for v in values], index=disclosed.table.index,
                     dtype="float64")


def count_text(count: int, threshold: int, *, withheld: str = WITHHELD_TEXT) -> str:
    """A count of people for the prose: the number, or ``withheld`` when it is from 1 to ``threshold``.

    >>> count_text(68, 7), count_text(5, 7), count_text(0, 7)
    ('68', 'withheld (small count)', '0')
    """
    return withheld if 1 <= int(count) <= int(threshold) else str(int(count))


def count_shown_text(disclosed: DisclosedTable, column, predicate: Callable[[float], bool]) -> str:
    """:func:`count_shown` as prose: ``"3"``, or ``"3 (1 more withheld)"`` when rows are withheld.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40, 50], "p": ["0.01", "0.20", "< 0.0001"]}),
    ...                      count_columns=["n"], derived_columns={"p": ["n"]})
    >>> count_shown_text(t.disclose(7), "p", lambda p: p < 0.05)
    '1 (1 more withheld)'
    """
    count, withheld = count_shown(disclosed, column, predicate)
    return f"{count} ({withheld} more withheld)" if withheld else str(count)


def extreme_row_text(disclosed: DisclosedTable, value_column, label_column, *, largest: bool = True,
                     none: str = "no row (every value is withheld by disclosure control)") -> str:
    """The label of the row with the largest (or smallest) published value, for the prose.

    Parameters
    ----------
    disclosed : DisclosedTable
    value_column, label_column : column labels
    largest : bool, default True
    none : str
        Returned when no row publishes a value.

    Returns
    -------
    str
        The label of the first row holding the extreme published value.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"Service": ["A", "B", "C"], "n": [30, 62, 20], "Base": [68] * 3}),
    ...                      count_columns=["n", "Base"], complements={"n": "Base"})
    >>> extreme_row_text(t.disclose(7), "n", "Service"), extreme_row_text(t.disclose(7), "n", "Service", largest=False)
    ('A', 'C')
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    for column in (value_column, label_column):
        if column not in disclosed.table.columns:
            raise ValueError(f"column {column!r} is not in the table")
    best = None
    for label, value, hidden in zip(disclosed.table[label_column], disclosed.table[value_column],
                                    disclosed.suppressed[value_column]):
        number = None if hidden or _is_missing(value) else _number(value)
        if number is None:
            continue
        if best is None or (number > best[0] if largest else number < best[0]):
            best = (number, label)
    return none if best is None else str(best[1])
