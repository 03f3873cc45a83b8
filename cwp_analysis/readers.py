"""Reading a survey or Work Star file into a frame of raw text cells.

:func:`read_table` is the one entry point: it checks the file (exists, is
a file, has a known extension, is not empty, is under the size limit),
dispatches on the extension, and turns everything that makes a file
unreadable into a one-line :class:`~cwp_analysis.errors.SurveyValidationError`.
It never modifies the file.  Validation against the codebook is the next
step (:mod:`cwp_analysis.validate`); typed, analysis-ready frames come from
:mod:`cwp_analysis.survey_io`.

Formats
-------
``.csv``, ``.tsv``, ``.txt``
    Delimited text: UTF-8 (with or without a byte-order mark), UTF-16 with
    a byte-order mark, or Windows-1252/Latin-1, detected or given with
    ``encoding=``; comma, semicolon or tab, detected from the header
    (:mod:`cwp_analysis.readers_text`).
``.xlsx``
    The sheet named with ``sheet=``, else a sheet named ``survey`` or
    ``workstar``, else the first sheet (:mod:`cwp_analysis.readers_binary`).
``.sav``, ``.zsav`` (SPSS), ``.dta`` (Stata)
    Read with pyreadstat: codes, not value labels.

Conventions
-----------
* Row numbers in messages are the file's own: for text files and
  workbooks the header is row 1 and the first respondent row 2 (for text
  files without line breaks inside quoted cells, row *n* is line *n*); for
  SPSS and Stata files the first respondent is case 1.
* Blank lines at the end of a text file and empty rows at the bottom of a
  sheet are ignored; empty rows elsewhere are kept (the validator reports
  them).  A column with an empty header is dropped when it holds no values
  (a trailing delimiter on every line) and is an error otherwise.

Examples
--------
>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder, "tiny.csv")
...     _ = path.write_bytes("respondent_id;age_band\\nR1;2\\nRenée;\\n".encode("cp1252"))
...     table = read_table(path)
>>> table.to_dict("list")
{'respondent_id': ['R1', 'Renée'], 'age_band': ['2', '']}
>>> table.attrs["read"]["encoding"], table.attrs["read"]["delimiter"]
('cp1252', ';')
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from cwp_analysis.codebook import load_codebook
from cwp_analysis.reader_common import fail
from cwp_analysis.readers_binary import (
    STATISTICAL_EXTENSIONS,
    read_statistical,
    read_xlsx,
)
from cwp_analysis.readers_text import TEXT_EXTENSIONS, read_delimited

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SUPPORTED_EXTENSIONS",
    "PREFERRED_SHEETS",
    "read_table",
    "file_sha256",
]

#: Largest file :func:`read_table` accepts, in bytes (100 MB).
DEFAULT_MAX_BYTES = 100_000_000
#: Most data rows :func:`read_table` accepts.
DEFAULT_MAX_ROWS = 100_000
#: File name endings :func:`read_table` reads.
SUPPORTED_EXTENSIONS = (*TEXT_EXTENSIONS, ".xlsx", *STATISTICAL_EXTENSIONS)
#: Sheet names (case-insensitive, in order of preference) read from a workbook
#: before falling back to its first sheet.
PREFERRED_SHEETS = ("survey", "workstar")

_EXTENSION_HINTS = {
    ".xls": "old Excel 97-2003 workbooks are not read; save it as .xlsx or as CSV",
    ".xlsm": "save the workbook as a plain .xlsx (without macros) or as CSV",
    ".ods": "save the spreadsheet as .xlsx or as CSV",
    ".por": "save it from SPSS as a .sav file",
    ".json": "survey data must be a table: save it as CSV or .xlsx",
}


def _check_file(path: Path, shown: str, max_bytes: int) -> str:
    if not path.exists():
        parent = path.parent
        hint = "" if parent.is_dir() else f" (the folder {parent} does not exist either)"
        raise fail(shown, f"no such file{hint}")
    if path.is_dir():
        raise fail(shown, "is a directory, not a survey file; give the path of a .csv, .xlsx or .sav file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        hint = _EXTENSION_HINTS.get(suffix, "save it as CSV or as .xlsx")
        kind = f"'{path.suffix}'" if path.suffix else "no extension"
        known = ", ".join(SUPPORTED_EXTENSIONS)
        raise fail(shown, f"unsupported file type ({kind}); the files read are {known}: {hint}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(shown, f"cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise fail(shown, "the file is empty (0 bytes); expected a header row and one row per respondent")
    if size > max_bytes:
        raise fail(
            shown,
            f"the file is {size:,} bytes, larger than the limit of {max_bytes:,} bytes; "
            "a survey file is far smaller - is this the right file?",
        )
    return suffix


def _check_options(shown: str, suffix: str, encoding: str | None, sheet: str | None) -> None:
    if sheet is not None and suffix != ".xlsx":
        raise fail(shown, f"a sheet was named ({sheet!r}) but the file is not an .xlsx workbook; leave out the sheet")
    if encoding is not None and suffix == ".xlsx":
        raise fail(shown, f"an encoding was given ({encoding!r}) but .xlsx workbooks carry their own; leave it out")


def read_table(
    path: str | PathLike,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    sheet: str | None = None,
    id_columns: Sequence[str] | None = None,
    prefer_sheets: Sequence[str] = PREFERRED_SHEETS,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a survey or Work Star file into a frame of raw text cells.

    The file is opened read-only and never modified.

    Parameters
    ----------
    path : path-like
        A delimited text file (``.csv``, ``.tsv``, ``.txt``), an Excel
        workbook (``.xlsx``), an SPSS (``.sav``, ``.zsav``) or a Stata
        (``.dta``) file with one header row (variable names).
    max_bytes : int, default 100 MB
        Files larger than this are rejected before they are read.
    max_rows : int, default 100 000
        Files with more data rows are rejected.  For text files the lines are
        counted in a streaming pass first, and for SPSS and Stata files the
        cases are read from the metadata, so a huge file is turned away
        without being loaded.
    sheet : str, optional
        Worksheet to read from a workbook (matched exactly, else ignoring
        case and surrounding blanks).  By default the first sheet whose name
        is in ``prefer_sheets`` (any letter case) is read, otherwise the
        first sheet.  An error for other formats.
    id_columns : sequence of str, optional
        Identifier columns of the expected layouts (default: the codebook's
        ``respondent_id`` and the Work Star ``participant_id``).  When the
        sheet read has none of them but another sheet has one, the data is
        on the wrong sheet and the error says which sheet holds it.
    prefer_sheets : sequence of str, default ``("survey", "workstar")``
        Sheet names read in preference to the first sheet.
    encoding : str, optional
        Text encoding of a text file (any Python codec name, e.g. ``"utf-8"``,
        ``"cp1252"``, ``"latin-1"``), or of the strings of an SPSS/Stata
        file.  Detected when not given.  An error for workbooks.

    Returns
    -------
    pandas.DataFrame
        One row per data row, ``object`` columns of ``str`` exactly as in
        the file (empty cells are ``""``), a ``RangeIndex`` from 0, and
        header names with surrounding blanks removed.  ``attrs["read"]``
        says how the file was read (:class:`~cwp_analysis.reader_common.ReadInfo`
        as a dict: format, encoding, delimiter, sheet, and ``first_row``, the
        number of the row at index 0).

    Raises
    ------
    SurveyValidationError
        With one line per problem (usually one) naming the file and what is
        wrong: missing file or directory, unsupported extension, empty file,
        header without data, undecodable text (with the byte offset and
        line), a binary file under a text name, an unsupported delimiter,
        duplicate headers, rows with the wrong number of fields, a file over
        ``max_bytes`` or ``max_rows``, a damaged workbook or SPSS/Stata
        file, data on the wrong sheet, an unknown sheet.

    Notes
    -----
    The frame keeps the cells as text (the equivalent of pandas'
    ``dtype=str, keep_default_na=False``) so that the validator can quote
    offending values exactly as they were typed.
    """
    shown = str(path)
    path = Path(path)
    suffix = _check_file(path, shown, max_bytes)
    _check_options(shown, suffix, encoding, sheet)
    try:
        if suffix in TEXT_EXTENSIONS:
            return read_delimited(path, shown, max_rows, encoding)
        if suffix in STATISTICAL_EXTENSIONS:
            return read_statistical(path, shown, max_rows, encoding)
        if id_columns is None:
            codebook = load_codebook()
            id_columns = (codebook.id_column, codebook.workstar.id_column)
        return read_xlsx(path, shown, max_rows, sheet, tuple(id_columns), tuple(prefer_sheets))
    except PermissionError as exc:
        raise fail(shown, f"cannot read the file: {exc.strerror or 'permission denied'}") from None
    except IsADirectoryError:
        raise fail(shown, "is a directory, not a survey file") from None


def file_sha256(path: str | PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (hex digest)."""
    import hashlib

    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
