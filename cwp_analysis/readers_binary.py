"""Excel workbooks (``.xlsx``), SPSS (``.sav``) and Stata (``.dta``) files.

Workbooks
    Streamed with openpyxl in read-only mode (cached formula results, not
    formulas, are read).  The sheet read is the one named (``sheet=``), else
    the first whose name is one of the preferred names (``survey``,
    ``workstar``, any letter case), else the first sheet.  A number that is
    a whole number (Excel stores ``3`` as ``3.0``) reads as ``"3"``; other
    cells read as their text.
SPSS and Stata files
    Read with pyreadstat.  The codes are read, not their value labels; a
    numeric value that is a whole number reads as ``"3"``; values the file
    declares as missing (SPSS user-missing values, Stata's ``.a`` ...) read
    as missing.  Rows are numbered as cases: the first respondent is 1.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cwp_analysis.cells import cell_to_text, factorized_text
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.reader_common import (
    ReadInfo,
    capped,
    drop_unnamed,
    fail,
    header_problems,
    too_many_rows,
)

__all__ = ["STATISTICAL_EXTENSIONS", "read_xlsx", "read_statistical"]

#: File name endings read with pyreadstat, and the format they hold.
STATISTICAL_EXTENSIONS = {".sav": "SPSS .sav", ".zsav": "SPSS .zsav", ".dta": "Stata .dta"}

_UTF8_BOM = b"\xef\xbb\xbf"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _open_workbook(path: Path, shown: str):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(_OLE_MAGIC):
        raise fail(
            shown,
            "the file is not a valid .xlsx workbook: it is an old Excel 97-2003 (.xls) file or "
            "a password-protected workbook; remove the password and save it as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        looks_like_text = magic.startswith(_UTF8_BOM) or all(32 <= b < 127 or b in b"\t\r\n" for b in magic)
        hint = " (it looks like text, perhaps CSV: then give it a .csv name)" if looks_like_text else ""
        raise fail(
            shown,
            "the file is not a valid .xlsx workbook (not a zip archive): it is damaged or is "
            f"another format with an .xlsx name{hint}; re-save it from Excel as .xlsx",
        )
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise fail(
            shown,
            f"the file is a zip archive but not a readable .xlsx workbook ({type(exc).__name__}: "
            f"{str(exc)[:120]}); re-save it from Excel as .xlsx",
        ) from None


def _sheet_header(sheet) -> set[str]:
    for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
        return {cell_to_text(v).strip().casefold() for v in row}
    return set()


def _choose_sheet(workbook, shown: str, sheet: str | None, id_columns: Sequence[str], prefer: Sequence[str]) -> str:
    names = workbook.sheetnames
    if sheet is not None:
        if sheet in names:
            return sheet
        folded = {name.strip().casefold(): name for name in names}
        if sheet.strip().casefold() in folded:
            return folded[sheet.strip().casefold()]
        raise fail(shown, f"the workbook has no sheet named {sheet!r}; its sheets are {names}")
    lowered = {name.strip().casefold(): name for name in names}
    chosen = next((lowered[p.casefold()] for p in prefer if p.casefold() in lowered), names[0])
    wanted = {c.casefold() for c in id_columns}
    if wanted and not wanted & _sheet_header(workbook[chosen]):
        fix = f"name that sheet {prefer[0]!r}, give its name (--sheet), or " if prefer else "give its name (--sheet) or "
        for other in names:
            if other != chosen and wanted & _sheet_header(workbook[other]):
                raise fail(
                    shown,
                    f"data on the wrong sheet: the sheet read, {chosen!r}, has no "
                    f"{' or '.join(id_columns)} column, but sheet {other!r} does; "
                    f"{fix}move the data to the first sheet",
                )
    return chosen


def read_xlsx(
    path: Path,
    shown: str,
    max_rows: int,
    sheet: str | None,
    id_columns: Sequence[str],
    prefer: Sequence[str],
) -> pd.DataFrame:
    """Read one worksheet into a frame of raw text cells (see :func:`cwp_analysis.readers.read_table`)."""
    workbook = _open_workbook(path, shown)
    try:
        try:
            name = _choose_sheet(workbook, shown, sheet, id_columns, prefer)
            rows: list[list[str]] = []
            header: list[str] | None = None
            for values in workbook[name].iter_rows(values_only=True):
                cells = [cell_to_text(v) for v in values]
                if header is None:
                    header = [c.strip() for c in cells]
                    continue
                rows.append(cells)
                if len(rows) > max_rows:
                    # rows at the bottom may be formatted but empty; only filled ones count
                    while rows and not any(c.strip() for c in rows[-1]):
                        rows.pop()
                    if len(rows) > max_rows:
                        raise too_many_rows(shown, max_rows, len(rows), "rows")
        except SurveyValidationError:
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
            raise fail(
                shown,
                f"the workbook is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:120]}); "
                "re-save it from Excel as .xlsx",
            ) from None
    finally:
        workbook.close()

    where = f"sheet {name!r}"
    if header is None or not any(header):
        raise fail(shown, f"{where} is empty or its first row is empty; the header row must be row 1")
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise fail(shown, f"{where} has a header row but no data rows")
    width = max(len(header), max(len(r) for r in rows))
    header = header + [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in rows]
    problems = header_problems(header, shown, f"{where}: ")
    if problems:
        raise SurveyValidationError(shown, capped(problems))
    header, rows = drop_unnamed(header, rows, shown)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.attrs["read"] = ReadInfo("xlsx", sheet=name).as_dict()
    return frame


# --------------------------------------------------------------------------
# SPSS and Stata
# --------------------------------------------------------------------------


def _column_as_text(series: pd.Series) -> np.ndarray:
    positions, texts = factorized_text(series)
    return np.array(["" if t is None else t for t in texts], dtype=object)[positions]


def read_statistical(path: Path, shown: str, max_rows: int, encoding: str | None = None) -> pd.DataFrame:
    """Read an SPSS (``.sav``, ``.zsav``) or Stata (``.dta``) file into raw text cells.

    The codes are read, not their value labels; whole-number values read as
    ``"3"``, missing values as ``""``.  The number of cases is checked
    against ``max_rows`` from the file's metadata before the data are read.
    """
    import pyreadstat

    suffix = path.suffix.lower()
    what = STATISTICAL_EXTENSIONS[suffix]
    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    try:
        _, meta = reader(str(path), metadataonly=True, encoding=encoding)
        if meta.number_rows is not None and meta.number_rows > max_rows:
            raise too_many_rows(shown, max_rows, meta.number_rows, "cases")
        data, meta = reader(str(path), apply_value_formats=False, encoding=encoding)
    except SurveyValidationError:
        raise
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError, UnicodeError) as exc:
        hint = " (give the file's text encoding with --encoding)" if "encod" in str(exc).lower() else ""
        raise fail(
            shown,
            f"the file is not a readable {what} file ({str(exc)[:120] or type(exc).__name__}){hint}; "
            f"re-save it from the statistics package",
        ) from None
    if len(data) > max_rows:
        raise too_many_rows(shown, max_rows, len(data), "cases")
    header = [str(name).strip() for name in data.columns]
    if data.shape[1] == 0:
        raise fail(shown, f"the {what} file has no variables")
    if len(data) == 0:
        raise fail(shown, f"the {what} file has variables but no cases (no data rows)")
    problems = header_problems(header, shown)
    if problems:
        raise SurveyValidationError(shown, capped(problems))
    frame = pd.DataFrame(
        {position: _column_as_text(data.iloc[:, position]) for position in range(data.shape[1])}
    )
    frame.columns = header
    frame.attrs["read"] = ReadInfo(suffix.lstrip(".").replace("zsav", "sav"), encoding=encoding, first_row=1).as_dict()
    return frame
