"""Reading survey and Work Star files (CSV or Excel) safely.

Three levels, from raw to analysis-ready:

:func:`read_table`
    Reads a ``.csv`` or ``.xlsx`` file into a frame of raw text cells, never
    modifying the file, and turns everything that makes a file unreadable
    (missing file, wrong delimiter, byte-order mark, non-UTF-8 text,
    duplicate headers, ragged rows, oversized files, damaged workbooks, data
    on the wrong sheet, ...) into a one-line
    :class:`~cwp_analysis.errors.SurveyValidationError`.
:func:`read_survey`, :func:`read_workstar`
    :func:`read_table`, then validation against the codebook
    (:mod:`cwp_analysis.validate`), then conversion to typed columns
    (nullable ``Int64`` codes, ``string`` identifiers).  These are the
    functions the analysis and the notebooks use to load data.

Conventions
-----------
* A file is CSV when its name ends in ``.csv`` and Excel when it ends in
  ``.xlsx`` (case-insensitive).  CSV files must be UTF-8 without a
  byte-order mark, comma-separated, with one header row.
* Row numbers in messages are spreadsheet row numbers: the header is row 1
  and the first respondent is row 2, so a row number points at the same row
  whether the file is opened in Excel or in a text editor (for CSV files
  without line breaks inside quoted cells, row *n* is line *n*).
* Blank lines at the end of a CSV file and empty rows at the bottom of a
  sheet are ignored; empty rows elsewhere are kept (the validator reports
  them).  A column with an empty header is dropped when it holds no values
  (a trailing comma on every line) and is an error otherwise.
* In an Excel sheet a number that is a whole number (Excel stores ``3`` as
  ``3.0``) reads as ``"3"``; other cells read as their text.

Examples
--------
>>> import pathlib, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder, "tiny.csv")
...     _ = path.write_text("respondent_id,age_band\\nR1,2\\nR2,\\n", encoding="utf-8")
...     table = read_table(path)
...     _ = path.write_text("respondent_id;age_band\\nR1;2\\n", encoding="utf-8")
...     try:
...         read_table(path)
...     except SurveyValidationError as error:
...         problem = error.problems[0]
>>> table.to_dict("list")
{'respondent_id': ['R1', 'R2'], 'age_band': ['2', '']}
>>> print(problem.split(": ")[1])
the file is separated by semicolons (';'), not by commas
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.errors import SurveyValidationError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SUPPORTED_EXTENSIONS",
    "PREFERRED_SHEETS",
    "read_table",
    "read_survey",
    "read_workstar",
    "text_cells",
    "parse_codes",
    "typed_frame",
]

#: Largest file :func:`read_table` accepts, in bytes (100 MB).
DEFAULT_MAX_BYTES = 100_000_000
#: Most data rows :func:`read_table` accepts (the real survey has 68).
DEFAULT_MAX_ROWS = 100_000
#: File name endings :func:`read_table` reads.
SUPPORTED_EXTENSIONS = (".csv", ".xlsx")
#: Sheet names (case-insensitive, in order of preference) read from a workbook
#: before falling back to its first sheet.
PREFERRED_SHEETS = ("survey", "workstar")

_CHUNK = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls and encrypted workbooks
_MAX_LISTED = 50

_EXTENSION_HINTS = {
    ".xls": "old Excel 97-2003 workbooks are not supported; save it as .xlsx or as 'CSV UTF-8'",
    ".xlsm": "save the workbook as a plain .xlsx (without macros) or as 'CSV UTF-8'",
    ".ods": "save the spreadsheet as .xlsx or as CSV (UTF-8, comma-separated)",
    ".tsv": "tab-separated files are not supported; save it as CSV (comma-separated, UTF-8)",
    ".txt": "save it as CSV (comma-separated, UTF-8) with a .csv name",
    ".json": "survey data must be a table: save it as CSV (UTF-8) or .xlsx",
}


def _fail(path, message: str) -> SurveyValidationError:
    return SurveyValidationError(str(path), [f"{path}: {message}"])


def _column_name(position: int) -> str:
    """Spreadsheet name of the 1-based column ``position`` ("column 3 (C)")."""
    letters = ""
    n = position
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"column {position} ({letters})"


# --------------------------------------------------------------------------
# file-level checks shared by both formats
# --------------------------------------------------------------------------


def _check_file(path: Path, shown: str, max_bytes: int) -> str:
    if not path.exists():
        parent = path.parent
        hint = "" if parent.is_dir() else f" (the folder {parent} does not exist either)"
        raise _fail(shown, f"no such file{hint}")
    if path.is_dir():
        raise _fail(shown, "is a directory, not a survey file; give the path of a .csv or .xlsx file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        hint = _EXTENSION_HINTS.get(suffix, "save it as CSV (UTF-8, comma-separated) or as .xlsx")
        kind = f"'{path.suffix}'" if path.suffix else "no extension"
        raise _fail(shown, f"unsupported file type ({kind}); only .csv and .xlsx files are read: {hint}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(shown, f"cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise _fail(shown, "the file is empty (0 bytes); expected a header row and one row per respondent")
    if size > max_bytes:
        raise _fail(
            shown,
            f"the file is {size:,} bytes, larger than the limit of {max_bytes:,} bytes; "
            "a survey file is far smaller - is this the right file?",
        )
    return suffix


def _too_many_rows(shown: str, max_rows: int, seen: int, unit: str) -> SurveyValidationError:
    return _fail(
        shown,
        f"the file has more than {max_rows:,} data rows (stopped counting at {seen:,} {unit}); "
        "a survey file is far smaller - is this the right file?",
    )


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def _count_lines_streaming(path: Path, shown: str, max_rows: int) -> None:
    """Reject a CSV with more than ``max_rows`` data lines without reading it whole.

    The file is scanned in 1 MiB chunks and the scan stops as soon as the
    line count passes the limit, so a file of 10**6 rows is rejected after
    reading only the first part of it.  Lines are an upper bound on records
    (a quoted cell may hold a line break), which is why the count is a
    guard, not the row count reported elsewhere.
    """
    limit = max_rows + 1  # the header line
    newlines = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if newlines > limit:
                raise _too_many_rows(shown, max_rows, newlines, "lines")
    lines = newlines + (1 if last not in (b"\n", b"") else 0)
    if lines > limit:
        raise _too_many_rows(shown, max_rows, lines, "lines")


def _decode_utf8(data: bytes, shown: str) -> str:
    if data.startswith(_UTF8_BOM):
        raise _fail(
            shown,
            "the file starts with a byte-order mark (BOM, bytes EF BB BF), as Excel's "
            "'CSV UTF-8' option writes; save it without one (a text editor: encoding 'UTF-8' "
            "rather than 'UTF-8 with BOM'; LibreOffice Calc: Save As 'Text CSV', character set "
            "'Unicode (UTF-8)'), or save the spreadsheet as .xlsx, which is read directly",
        )
    if data.startswith(_UTF16_BOMS):
        raise _fail(
            shown,
            "the file is UTF-16 text (it starts with a UTF-16 byte-order mark, as Excel's "
            "'Unicode Text' writes); save it as CSV in UTF-8 without a byte-order mark",
        )
    if data.startswith(_ZIP_MAGIC):
        raise _fail(
            shown,
            "the file is a zip archive (probably an Excel workbook) with a .csv name; "
            "rename it to .xlsx or export it as CSV",
        )
    if data.startswith(_OLE_MAGIC):
        raise _fail(
            shown,
            "the file is an old-style or password-protected Excel workbook with a .csv name; "
            "export it as CSV (UTF-8, comma-separated)",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise _fail(
            shown,
            f"the file contains NUL bytes (first at byte offset {nul}, line {line}), so it is "
            "binary or UTF-16 text, not a UTF-8 CSV; export it as CSV (UTF-8, comma-separated)",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        bad = data[offset : offset + 1].hex().upper()
        raise _fail(
            shown,
            f"the file is not UTF-8 text: byte 0x{bad} at byte offset {offset} (line {line}) "
            "is not valid UTF-8 (the file looks like Latin-1/Windows-1252 text, as Excel's "
            "plain 'CSV' option writes); re-save it as UTF-8 without a byte-order mark, or "
            "save the spreadsheet as .xlsx, which is read directly",
        ) from None


def _delimiter_problem(header_line: str) -> str | None:
    """Name the delimiter when the header is one field holding ';', tab or '|'."""
    candidates = {";": "semicolons (';')", "\t": "tabs", "|": "vertical bars ('|')"}
    counts = {d: header_line.count(d) for d in candidates}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        return None
    what = candidates[delimiter]
    message = (
        f"the file is separated by {what}, not by commas: its header reads as one column "
        f"{header_line[:60]!r}; re-save it as CSV with comma separators (LibreOffice Calc: "
        "Save As 'Text CSV', field delimiter ','), or save the spreadsheet as .xlsx, which is "
        "read directly"
    )
    if delimiter == ";":
        message += (
            "; semicolon-separated files usually come with decimal commas (3,5), so check "
            "that response codes are whole numbers"
        )
    return message


def _header_problems(header: list[str], shown: str, where: str = "") -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            problems.append(
                f"{shown}: {where}duplicate header {name!r} in {_column_name(seen[name])} and "
                f"{_column_name(position)}; every column name must appear once "
                f"(pandas would silently rename the copy to '{name}.1')"
            )
        else:
            seen[name] = position
    return problems


def _drop_unnamed(
    header: list[str], rows: list[list[str]], shown: str
) -> tuple[list[str], list[list[str]]]:
    """Drop empty-headed columns that hold no values; complain about the others."""
    unnamed = [i for i, name in enumerate(header) if not name]
    if not unnamed:
        return header, rows
    problems = []
    for i in unnamed:
        filled = next((r for r, row in enumerate(rows) if i < len(row) and row[i].strip()), None)
        if filled is not None:
            problems.append(
                f"{shown}: {_column_name(i + 1)} has no header but holds values "
                f"(first in row {filled + 2}); give the column its codebook name or delete it"
            )
    if problems:
        raise SurveyValidationError(shown, _capped(problems))
    keep = [i for i in range(len(header)) if header[i]]
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


def _fields(count: int) -> str:
    return f"{count} field" if count == 1 else f"{count} fields"


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= _MAX_LISTED:
        return problems
    return problems[:_MAX_LISTED] + [f"... and {len(problems) - _MAX_LISTED} more problems"]


def _read_csv(path: Path, shown: str, max_rows: int) -> pd.DataFrame:
    _count_lines_streaming(path, shown, max_rows)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(shown, f"cannot read the file: {exc.strerror or exc}") from None
    text = _decode_utf8(data, shown)
    if not text.strip():
        raise _fail(shown, "the file holds only blank lines; expected a header row and one row per respondent")

    # Python's csv module rather than pandas' C parser: pandas pads short rows
    # with empty cells and turns a surplus first field into an index without
    # a word, and both hide a damaged file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",", quotechar='"', strict=True)
    records: list[list[str]] = []
    ends: list[int] = []  # line on which each record ends
    last_end = 0
    try:
        header = next(reader)
        last_end = reader.line_num
        for record in reader:
            records.append(record)
            ends.append(last_end := reader.line_num)
            if len(records) > max_rows:
                raise _too_many_rows(shown, max_rows, len(records), "rows")
    except csv.Error as exc:
        start = last_end + 1
        raise _fail(
            shown,
            f"the file is not valid CSV: the row starting on line {start} cannot be read ({exc}); "
            "is there a quote character inside an unquoted cell, or a quoted cell that never closes?",
        ) from None

    header = [name.strip() for name in header]
    if not any(header):
        raise _fail(shown, "the first line is empty; the header row (column names) must be line 1")
    if len(header) == 1:
        problem = _delimiter_problem(text.split("\n", 1)[0])
        if problem:
            raise _fail(shown, problem)
    problems = _header_problems(header, shown)
    if problems:
        raise SurveyValidationError(shown, _capped(problems))

    while records and not records[-1]:  # blank lines at the end of the file
        records.pop()
    if not records:
        raise _fail(shown, "the file has a header row but no data rows")

    width = len(header)
    ragged = []
    for index, record in enumerate(records):
        if not record:  # a blank line inside the file: an empty row, reported by the validator
            records[index] = [""] * width
        elif len(record) != width:
            ragged.append(
                f"{shown}: row {index + 2} (line {ends[index]}) has {_fields(len(record))} but the "
                f"header has {width}; every row needs one field per column (an unquoted comma "
                "inside a value, or a truncated line?)"
            )
    if ragged:
        raise SurveyValidationError(shown, _capped(ragged))
    header, records = _drop_unnamed(header, records, shown)
    return pd.DataFrame(records, columns=header, dtype=object)


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _cell_to_text(value) -> str:
    """Text of one worksheet cell (``""`` for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _open_workbook(path: Path, shown: str):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(_OLE_MAGIC):
        raise _fail(
            shown,
            "the file is not a valid .xlsx workbook: it is an old Excel 97-2003 (.xls) file or "
            "a password-protected workbook; remove the password and save it as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        looks_like_text = magic.startswith(_UTF8_BOM) or all(32 <= b < 127 or b in b"\t\r\n" for b in magic)
        hint = " (it looks like text, perhaps CSV: then give it a .csv name)" if looks_like_text else ""
        raise _fail(
            shown,
            "the file is not a valid .xlsx workbook (not a zip archive): it is damaged or is "
            f"another format with an .xlsx name{hint}; re-save it from Excel as .xlsx",
        )
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise _fail(
            shown,
            f"the file is a zip archive but not a readable .xlsx workbook ({type(exc).__name__}: "
            f"{str(exc)[:120]}); re-save it from Excel as .xlsx",
        ) from None


def _sheet_header(sheet) -> list[str]:
    for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
        return [_cell_to_text(v).strip() for v in row]
    return []


def _choose_sheet(
    workbook, shown: str, sheet: str | None, id_columns: Sequence[str], prefer: Sequence[str]
):
    names = workbook.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise _fail(shown, f"the workbook has no sheet named {sheet!r}; its sheets are {names}")
        return sheet
    lowered = {name.strip().lower(): name for name in names}
    chosen = next((lowered[p.lower()] for p in prefer if p.lower() in lowered), names[0])
    header = _sheet_header(workbook[chosen])
    if id_columns and not set(id_columns) & set(header):
        fix = f"name that sheet {prefer[0]!r} or " if prefer else ""
        for other in names:
            if other != chosen and set(id_columns) & set(_sheet_header(workbook[other])):
                raise _fail(
                    shown,
                    f"data on the wrong sheet: the sheet read, {chosen!r}, has no "
                    f"{' or '.join(id_columns)} column, but sheet {other!r} does; "
                    f"{fix}move the data to the first sheet",
                )
    return chosen


def _read_xlsx(
    path: Path,
    shown: str,
    max_rows: int,
    sheet: str | None,
    id_columns: Sequence[str],
    prefer: Sequence[str],
) -> pd.DataFrame:
    workbook = _open_workbook(path, shown)
    try:
        try:
            name = _choose_sheet(workbook, shown, sheet, id_columns, prefer)
            rows: list[list[str]] = []
            header: list[str] | None = None
            for values in workbook[name].iter_rows(values_only=True):
                cells = [_cell_to_text(v) for v in values]
                if header is None:
                    header = [c.strip() for c in cells]
                    continue
                rows.append(cells)
                if len(rows) > max_rows:
                    # rows at the bottom may be formatted but empty; only filled ones count
                    while rows and not any(c.strip() for c in rows[-1]):
                        rows.pop()
                    if len(rows) > max_rows:
                        raise _too_many_rows(shown, max_rows, len(rows), "rows")
        except SurveyValidationError:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
            raise _fail(
                shown,
                f"the workbook is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:120]}); "
                "re-save it from Excel as .xlsx",
            ) from None
    finally:
        workbook.close()

    where = f"sheet {name!r}"
    if header is None or not any(header):
        raise _fail(shown, f"{where} is empty or its first row is empty; the header row must be row 1")
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise _fail(shown, f"{where} has a header row but no data rows")
    width = max(len(header), max(len(r) for r in rows))
    header = header + [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    problems = _header_problems(header, shown, f"{where}: ")
    if problems:
        raise SurveyValidationError(shown, _capped(problems))
    header, rows = _drop_unnamed(header, rows, shown)
    return pd.DataFrame(rows, columns=header, dtype=object)


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def read_table(
    path: str | PathLike,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    sheet: str | None = None,
    id_columns: Sequence[str] | None = None,
    prefer_sheets: Sequence[str] = PREFERRED_SHEETS,
) -> pd.DataFrame:
    """Read a CSV or Excel file into a frame of raw text cells.

    The file is opened read-only and never modified.

    Parameters
    ----------
    path : path-like
        A ``.csv`` (UTF-8, comma-separated, no byte-order mark) or ``.xlsx``
        file with one header row.
    max_bytes : int, default 100 MB
        Files larger than this are rejected before they are read.
    max_rows : int, default 100 000
        Files with more data rows are rejected.  For CSV files the lines are
        counted in a streaming pass first, so a huge file is turned away
        without being loaded.
    sheet : str, optional
        Worksheet to read from a workbook.  By default the first sheet whose
        name is in ``prefer_sheets`` (any letter case) is read, otherwise the
        first sheet.
    id_columns : sequence of str, optional
        Identifier columns of the expected layouts (default: the codebook's
        ``respondent_id`` and the Work Star ``participant_id``).  When the
        sheet read has none of them but another sheet has one, the data is
        on the wrong sheet and the error says which sheet holds it.
    prefer_sheets : sequence of str, default ``("survey", "workstar")``
        Sheet names read in preference to the first sheet.

    Returns
    -------
    pandas.DataFrame
        One row per data row, ``object`` columns of ``str`` exactly as in
        the file (empty cells are ``""``), a ``RangeIndex`` from 0 (the row
        at index ``i`` is spreadsheet row ``i + 2``), and header names with
        surrounding blanks removed.

    Raises
    ------
    SurveyValidationError
        With one line per problem (usually one) naming the file and what is
        wrong: missing file or directory, unsupported extension, empty file,
        header without data, byte-order mark, non-UTF-8 text (with the byte
        offset and line), wrong delimiter, duplicate headers, rows with the
        wrong number of fields, a file over ``max_bytes`` or ``max_rows``,
        a damaged workbook, data on the wrong sheet.

    Notes
    -----
    The frame keeps the cells as text (the equivalent of pandas'
    ``dtype=str, keep_default_na=False``) so that the validator can quote
    offending values exactly as they were typed.  CSV files are parsed with
    Python's :mod:`csv` module, which, unlike pandas' C parser, lets every row
    with too few or too many fields be reported instead of silently padded
    or promoted to an index.  Workbooks are streamed with openpyxl in
    read-only mode (cached formula results, not formulas, are read).
    """
    shown = str(path)
    path = Path(path)
    suffix = _check_file(path, shown, max_bytes)
    if id_columns is None:
        codebook = load_codebook()
        id_columns = (codebook.id_column, codebook.workstar.id_column)
    try:
        if suffix == ".csv":
            return _read_csv(path, shown, max_rows)
        return _read_xlsx(path, shown, max_rows, sheet, tuple(id_columns), tuple(prefer_sheets))
    except PermissionError as exc:
        raise _fail(shown, f"cannot read the file: {exc.strerror or 'permission denied'}") from None
    except IsADirectoryError:
        raise _fail(shown, "is a directory, not a survey file") from None


def _cell_as_text(value) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    text = _cell_to_text(value.item() if isinstance(value, np.generic) else value).strip()
    return text or None


def text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a frame's cells to stripped text, with ``None`` for empty.

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw cells from :func:`read_table`, or any frame of codes (for
        example a typed frame with ``Int64`` columns).

    Returns
    -------
    pandas.DataFrame
        Same shape and labels, ``object`` columns holding ``str`` or
        ``None``.  Surrounding blanks are removed, a blank cell becomes
        ``None``, whole-number floats print without a decimal part
        (``3.0`` -> ``"3"``) and missing values (``NaN``, ``pd.NA``) become
        ``None``.

    Examples
    --------
    >>> text_cells(pd.DataFrame({"a": [" 3 ", "", "x"], "b": [1.0, float("nan"), 2.5]})).to_dict("list")
    {'a': ['3', None, 'x'], 'b': ['1', None, '2.5']}
    """
    columns = {position: _column_text(frame.iloc[:, position]) for position in range(frame.shape[1])}
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = frame.columns
    return out


def _column_text(series: pd.Series) -> np.ndarray:
    """Text of one column; distinct values are converted once (``pandas.factorize``)."""
    values = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("mixed", "mixed-integer"):
        # hashing would merge True with 1 and 1 with 1.0: convert cell by cell
        return np.array([_cell_as_text(v) for v in values], dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.empty(len(uniques) + 1, dtype=object)
    lookup[: len(uniques)] = [_cell_as_text(u) for u in uniques]
    lookup[-1] = None
    return lookup[codes]


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_CODE_LIMIT = 2**53  # larger "whole numbers" are clipped; they are never allowed codes anyway


def parse_codes(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells as whole-number codes.

    Parameters
    ----------
    values : array-like of str or None
        Text cells (:func:`text_cells`), any shape.

    Returns
    -------
    numbers : numpy.ndarray of int64
        The value of each whole-number cell (0 elsewhere; magnitudes are
        clipped at 2**53).
    whole : numpy.ndarray of bool
        Whether the cell is a whole number (an optional sign and ASCII
        digits: ``"3"``, ``"+3"``, ``"-1"``, not ``"3.0"`` or ``"3,5"``).
    present : numpy.ndarray of bool
        Whether the cell is non-empty.

    Notes
    -----
    Distinct values are parsed once (:func:`pandas.factorize`), so the cost
    in Python grows with the number of distinct answers, not of cells.

    Examples
    --------
    >>> numbers, whole, present = parse_codes(["3", None, "2.5", "-1"])
    >>> numbers.tolist(), whole.tolist(), present.tolist()
    ([3, 0, 0, -1], [True, False, False, True], [True, False, True, True])
    """
    array = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(array.ravel())
    matches = [_WHOLE_NUMBER.fullmatch(str(u)) for u in uniques]
    unique_whole = np.array([m is not None for m in matches] + [False], dtype=bool)
    unique_numbers = np.array(
        [max(-_CODE_LIMIT, min(_CODE_LIMIT, int(u))) if m else 0 for u, m in zip(uniques, matches)] + [0],
        dtype=np.int64,
    )
    return (
        unique_numbers[codes].reshape(array.shape),
        unique_whole[codes].reshape(array.shape),
        (codes >= 0).reshape(array.shape),
    )


def typed_frame(text: pd.DataFrame, id_column: str, code_columns: Iterable[str]) -> pd.DataFrame:
    """Convert validated text cells to analysis types.

    Parameters
    ----------
    text : pandas.DataFrame
        Output of :func:`text_cells` for a file that passed validation.
    id_column : str
        Identifier column, returned with pandas' ``string`` dtype.
    code_columns : iterable of str
        Columns of integer codes, returned as nullable ``Int64`` (missing
        answers are ``<NA>``), in the order given.

    Returns
    -------
    pandas.DataFrame
        ``id_column`` then ``code_columns``, with a fresh ``RangeIndex``.

    Raises
    ------
    ValueError
        When a code cell is not a whole number (the frame was not validated).
    """
    out = {id_column: text[id_column].astype("string")}
    for column in code_columns:
        numbers, whole, present = parse_codes(text[column].to_numpy())
        if (present & ~whole).any():
            value = text[column].to_numpy()[present & ~whole][0]
            raise ValueError(f"column {column!r}: value {value!r} is not a whole-number code; validate the data first")
        out[column] = pd.arrays.IntegerArray(numbers, ~present)
    return pd.DataFrame(out, index=text.index).reset_index(drop=True)


def read_survey(path: str | PathLike, codebook: Codebook | None = None, **read_options) -> pd.DataFrame:
    """Read, validate and type a survey file: the way analysis loads survey data.

    Parameters
    ----------
    path : path-like
        A ``.csv`` or ``.xlsx`` survey file in the wide layout of the
        codebook (one row per respondent, ``respondent_id``, single-time
        items by id, paired items as ``<id>_before`` / ``<id>_after``).
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    **read_options
        Passed to :func:`read_table` (``max_bytes``, ``max_rows``, ``sheet``,
        ``prefer_sheets``); by default the sheet named ``survey`` is read if
        there is one.

    Returns
    -------
    pandas.DataFrame
        Columns in codebook order: ``respondent_id`` (``string``) and every
        code column as nullable ``Int64``.  ``attrs`` records the source
        path and the codebook version.

    Raises
    ------
    SurveyValidationError
        When the file cannot be read or breaks the codebook; ``problems``
        lists one line per problem (see :func:`cwp_analysis.validate.validate_survey`).
    """
    # imported here because the validator itself reads files through read_table
    from cwp_analysis.validate import validate_survey

    codebook = codebook or load_codebook()
    read_options.setdefault("id_columns", (codebook.id_column,))
    read_options.setdefault("prefer_sheets", ("survey",))
    raw = read_table(path, **read_options)
    validate_survey(raw, codebook, source=str(path)).raise_if_invalid()
    columns = [c for c in codebook.columns() if c != codebook.id_column]
    frame = typed_frame(text_cells(raw), codebook.id_column, columns)
    frame.attrs.update(source=str(path), codebook_version=codebook.version, kind="survey")
    return frame


def read_workstar(path: str | PathLike, codebook: Codebook | None = None, **read_options) -> pd.DataFrame:
    """Read, validate and type a Work Star file.

    Parameters
    ----------
    path : path-like
        A ``.csv`` or ``.xlsx`` file with ``participant_id`` and, per outcome
        area, ``ws_<area>_first`` and ``ws_<area>_last`` readings.
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    **read_options
        Passed to :func:`read_table`; by default the sheet named
        ``workstar`` is read if there is one.

    Returns
    -------
    pandas.DataFrame
        ``participant_id`` (``string``) then the readings as nullable
        ``Int64``, in codebook order.

    Raises
    ------
    SurveyValidationError
        When the file cannot be read or breaks the Work Star layout (see
        :func:`cwp_analysis.validate.validate_workstar`).
    """
    from cwp_analysis.validate import validate_workstar

    codebook = codebook or load_codebook()
    spec = codebook.workstar
    read_options.setdefault("id_columns", (spec.id_column,))
    read_options.setdefault("prefer_sheets", ("workstar",))
    raw = read_table(path, **read_options)
    validate_workstar(raw, codebook, source=str(path)).raise_if_invalid()
    frame = typed_frame(text_cells(raw), spec.id_column, spec.columns[1:])
    frame.attrs.update(source=str(path), codebook_version=codebook.version, kind="workstar")
    return frame
