"""Table 1 of the report exactly as printed: read, checked and split into body and totals.

The layer under :mod:`cwp_analysis.engagement` and
:mod:`cwp_analysis.engagement_checks`: it validates the printed layout
(``data/published/engagements.csv`` or a frame in the same layout) and
never corrects a cell.  Re-exported by :mod:`cwp_analysis.engagement`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cwp_analysis import published
from cwp_analysis.errors import DataFileError

__all__ = ["TOTAL_ROW", "PrintedTable", "integer_cell", "printed_table"]

#: Label of the row that holds the printed grand totals.
TOTAL_ROW = "Total"
_PERIOD_COLUMN = re.compile(r"^(?P<month>[a-z]{3})_(?P<year>\d{2})$")
_TOTAL_COLUMNS = ("total_1", "total_2")


# --------------------------------------------------------------------------- data


def _read_printed_engagements() -> pd.DataFrame:
    """Table 1 as printed, validated by the published-facts data package."""
    return published.load_engagements()


@dataclass(frozen=True)
class PrintedTable:
    """Table 1 as printed, split into its body and its grand-total row.

    Attributes
    ----------
    body : pandas.DataFrame
        One row per partner (index ``partner``); one integer column per
        reporting period, then ``total_1`` and ``total_2``.
    periods : tuple of str
        Period column names in printed order (e.g. ``"sep_18"``).
    grand_total_1, grand_total_2 : int
        The printed grand totals of the Total 1 and Total 2 columns.
    """

    body: pd.DataFrame
    periods: tuple[str, ...]
    grand_total_1: int
    grand_total_2: int

    @property
    def partners(self) -> tuple[str, ...]:
        """Partner names in printed order."""
        return tuple(self.body.index)

    def period_label(self, period: str) -> str:
        """Printed heading of a period column (``"sep_18"`` -> ``"Sep-18"``)."""
        m = _PERIOD_COLUMN.match(period)
        return f"{m['month'].title()}-{m['year']}"

    def period_end(self, period: str) -> pd.Timestamp:
        """Last day of the month in which a reporting period ends."""
        m = _PERIOD_COLUMN.match(period)
        month = pd.Period(f"{m['month'].title()} 20{m['year']}", freq="M")
        return month.end_time.normalize()


def integer_cell(value, where: str) -> int:
    """A printed cell as a non-negative whole number; DataFileError otherwise."""
    if pd.isna(value):
        raise DataFileError(f"Table 1: {where} is empty")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataFileError(f"Table 1: {where} is not a number: {value!r}") from None
    if not number.is_integer() or number < 0:
        raise DataFileError(f"Table 1: {where} must be a non-negative whole number, got {value!r}")
    return int(number)


def printed_table(printed: pd.DataFrame | None = None) -> PrintedTable:
    """Check Table 1 in its printed layout and split off the grand-total row.

    Parameters
    ----------
    printed : pandas.DataFrame, optional
        A table in the layout of ``data/published/engagements.csv``: column
        ``partner``, one column per reporting period named ``mon_yy``
        (``sep_18``), ``total_1`` and ``total_2``; partner rows and one row
        labelled ``Total`` holding only the printed grand totals.  Defaults
        to the published Table 1.

    Returns
    -------
    PrintedTable

    Raises
    ------
    DataFileError
        When a column or the total row is missing, a partner appears twice,
        or a cell is empty, negative or not a whole number.
    """
    frame = _read_printed_engagements() if printed is None else printed
    if not isinstance(frame, pd.DataFrame):
        raise DataFileError(f"Table 1 must be a pandas DataFrame, got {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    missing = [c for c in ("partner", *_TOTAL_COLUMNS) if c not in columns]
    if missing:
        raise DataFileError(f"Table 1: missing column(s) {', '.join(missing)}")
    periods = tuple(c for c in columns if _PERIOD_COLUMN.match(c))
    unknown = [c for c in columns if c not in ("partner", *_TOTAL_COLUMNS, *periods)]
    if unknown:
        raise DataFileError(f"Table 1: unexpected column(s) {', '.join(unknown)}; period columns are named like 'sep_18'")
    if not periods:
        raise DataFileError("Table 1: no reporting-period columns (named like 'sep_18')")
    for period in periods:
        m = _PERIOD_COLUMN.match(period)
        try:
            pd.Period(f"{m['month'].title()} 20{m['year']}", freq="M")
        except ValueError:
            raise DataFileError(f"Table 1: column {period!r} does not name a month") from None

    labels = frame["partner"].astype("string").str.strip()
    is_total = labels == TOTAL_ROW
    if int(is_total.sum()) != 1:
        raise DataFileError(f"Table 1: expected exactly one {TOTAL_ROW!r} row, found {int(is_total.sum())}")
    body_rows = frame.loc[~is_total.to_numpy()]
    names = labels[~is_total].tolist()
    if any(pd.isna(n) or n == "" for n in names):
        raise DataFileError("Table 1: a partner row has no partner name")
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataFileError(f"Table 1: partner(s) listed twice: {', '.join(duplicated)}")
    if not names:
        raise DataFileError("Table 1: no partner rows")

    values = {
        column: [integer_cell(v, f"{name} / {column}") for name, v in zip(names, body_rows[column])]
        for column in (*periods, *_TOTAL_COLUMNS)
    }
    body = pd.DataFrame(values, index=pd.Index(names, name="partner"), dtype="int64")
    total_row = frame.loc[is_total.to_numpy()].iloc[0]
    for period in periods:
        if not pd.isna(total_row[period]):
            raise DataFileError(
                f"Table 1: the {TOTAL_ROW!r} row has a value under {period!r}; "
                "the report prints no period totals"
            )
    return PrintedTable(
        body=body,
        periods=periods,
        grand_total_1=integer_cell(total_row["total_1"], f"{TOTAL_ROW} / total_1"),
        grand_total_2=integer_cell(total_row["total_2"], f"{TOTAL_ROW} / total_2"),
    )
