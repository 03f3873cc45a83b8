"""Pieces shared by the file readers: one-line errors, header checks, limits.

Used by :mod:`cwp_analysis.readers_text` (delimited text) and
:mod:`cwp_analysis.readers_binary` (workbooks, SPSS and Stata files); the
entry point is :func:`cwp_analysis.readers.read_table`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cwp_analysis.errors import SurveyValidationError

__all__ = [
    "MAX_LISTED",
    "ReadInfo",
    "fail",
    "column_name",
    "capped",
    "fields",
    "too_many_rows",
    "header_problems",
    "drop_unnamed",
]

#: Problems listed in one reading error before the rest are summarised.
MAX_LISTED = 50


@dataclass(frozen=True)
class ReadInfo:
    """How a file was read (kept in the frame's ``attrs["read"]``).

    Attributes
    ----------
    format : {"csv", "xlsx", "sav", "dta"}
        ``"csv"`` covers every delimited text file (``.csv``, ``.tsv``, ``.txt``).
    encoding : str or None
        Text encoding used (detected or given); None for workbooks.
    delimiter : str or None
        Field delimiter of a text file.
    sheet : str or None
        Worksheet read from a workbook.
    first_row : int
        Number of the first respondent in the file's own numbering: 2 for
        text files and workbooks (the header is row 1), 1 for SPSS and
        Stata files (case 1).
    """

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    first_row: int = 2

    def as_dict(self) -> dict:
        return asdict(self)


def fail(path, message: str) -> SurveyValidationError:
    """A one-problem :class:`SurveyValidationError` about ``path``."""
    return SurveyValidationError(str(path), [f"{path}: {message}"])


def column_name(position: int) -> str:
    """Spreadsheet name of the 1-based column ``position``.

    Examples
    --------
    >>> column_name(28)
    'column 28 (AB)'
    """
    letters = ""
    n = position
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"column {position} ({letters})"


def capped(problems: list[str]) -> list[str]:
    """At most :data:`MAX_LISTED` problems and a line counting the rest."""
    if len(problems) <= MAX_LISTED:
        return problems
    return problems[:MAX_LISTED] + [f"... and {len(problems) - MAX_LISTED} more problems"]


def fields(count: int) -> str:
    return f"{count} field" if count == 1 else f"{count} fields"


def too_many_rows(shown: str, max_rows: int, seen: int, unit: str) -> SurveyValidationError:
    return fail(
        shown,
        f"the file has more than {max_rows:,} data rows (stopped counting at {seen:,} {unit}); "
        "a survey file is far smaller - is this the right file?",
    )


def header_problems(header: list[str], shown: str, where: str = "") -> list[str]:
    """Headers that appear twice (pandas would silently rename the copy)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            problems.append(
                f"{shown}: {where}duplicate header {name!r} in {column_name(seen[name])} and "
                f"{column_name(position)}; every column name must appear once "
                f"(pandas would silently rename the copy to '{name}.1')"
            )
        else:
            seen[name] = position
    return problems


def drop_unnamed(header: list[str], rows: list[list[str]], shown: str) -> tuple[list[str], list[list[str]]]:
    """Drop empty-headed columns that hold no values; complain about the others."""
    unnamed = [i for i, name in enumerate(header) if not name]
    if not unnamed:
        return header, rows
    problems = []
    for i in unnamed:
        filled = next((r for r, row in enumerate(rows) if i < len(row) and row[i].strip()), None)
        if filled is not None:
            problems.append(
                f"{shown}: {column_name(i + 1)} has no header but holds values "
                f"(first in row {filled + 2}); give the column its codebook name or delete it"
            )
    if problems:
        raise SurveyValidationError(shown, capped(problems))
    keep = [i for i in range(len(header)) if header[i]]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]
