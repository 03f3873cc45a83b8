"""Delimited text files (``.csv``, ``.tsv``, ``.txt``): encoding, delimiter, records.

Encodings
    UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), UTF-16
    with a byte-order mark (Excel's "Unicode Text"), and Windows-1252
    (Excel's plain "CSV" on Windows; it covers Latin-1 text too).  Unless an
    encoding is given, it is detected: a byte-order mark decides; otherwise
    the file is read as UTF-8 if it is valid UTF-8, else as Windows-1252,
    else as Latin-1.
Delimiters
    Comma, semicolon or tab, detected from the header row (the one that
    splits it into the most names; a comma when none does).  Codes are
    whole numbers, so the decimal commas that come with semicolons cannot be
    mistaken for codes: ``2,5`` in a semicolon-separated file is a value of
    the wrong type, reported by the validator.

Parsing uses Python's :mod:`csv` module rather than pandas' C parser:
pandas pads short rows with empty cells and turns a surplus first field
into an index without a word, and both hide a damaged file.

Examples
--------
>>> detect_delimiter("respondent_id;age_band;ethnicity\\nR1;2;1\\n")
';'
>>> detect_delimiter("respondent_id\\nR1\\n")
','
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.reader_common import (
    ReadInfo,
    capped,
    drop_unnamed,
    fail,
    fields,
    header_problems,
    too_many_rows,
)

__all__ = ["DELIMITERS", "TEXT_EXTENSIONS", "detect_delimiter", "decode", "read_delimited"]

#: Delimiters recognised, in order of preference when the header does not decide.
DELIMITERS = (",", ";", "\t")
#: File name endings read as delimited text.
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")

_CHUNK = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls and encrypted workbooks
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _count_lines_streaming(path: Path, shown: str, max_rows: int) -> None:
    """Reject a file with more than ``max_rows`` data lines without reading it whole.

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
                raise too_many_rows(shown, max_rows, newlines, "lines")
    lines = newlines + (1 if last not in (b"\n", b"") else 0)
    if lines > limit:
        raise too_many_rows(shown, max_rows, lines, "lines")


def _decoding_error(data: bytes, shown: str, encoding: str, exc: UnicodeDecodeError, hint: str) -> SurveyValidationError:
    offset = exc.start
    line = data.count(b"\n", 0, offset) + 1
    bad = data[offset : offset + 1].hex().upper()
    return fail(
        shown,
        f"the file is not {encoding} text: byte 0x{bad} at byte offset {offset} (line {line}) "
        f"cannot be decoded; {hint}",
    )


def decode(data: bytes, shown: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode the bytes of a text file.

    Parameters
    ----------
    data : bytes
    shown : str
        File name for messages.
    encoding : str, optional
        A Python codec name (``"utf-8"``, ``"cp1252"``, ``"latin-1"`` ...).
        Detected when not given (see the module docstring).

    Returns
    -------
    text : str
        The text, without a byte-order mark.
    encoding : str
        The encoding used.

    Raises
    ------
    SurveyValidationError
        Unknown codec, bytes that the given codec cannot decode (with their
        offset and line), a binary file (NUL bytes), or a workbook saved
        with a text-file name.

    Examples
    --------
    >>> decode("Zoë".encode("cp1252"), "s.csv")
    ('Zoë', 'cp1252')
    >>> decode(codecs.BOM_UTF8 + b"id", "s.csv")
    ('id', 'utf-8-sig')
    """
    name = f"a {Path(shown).suffix.lower() or 'text-file'} name"
    if data.startswith(_ZIP_MAGIC):
        raise fail(
            shown,
            f"the file is a zip archive (probably an Excel workbook) with {name}; "
            "rename it to .xlsx or export it as CSV",
        )
    if data.startswith(_OLE_MAGIC):
        raise fail(
            shown,
            f"the file is an old-style or password-protected Excel workbook with {name}; "
            "export it as CSV or save it as .xlsx",
        )
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise fail(shown, f"unknown text encoding {encoding!r}; try utf-8, cp1252 or latin-1") from None
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise _decoding_error(
                data, shown, encoding, exc, "give the file's encoding (--encoding), or leave it out to have it detected"
            ) from None
        return text.removeprefix("\ufeff"), encoding
    if data.startswith(_UTF8_BOM):
        return _decode_detected(data[len(_UTF8_BOM):], shown, "utf-8", "utf-8-sig")
    if data.startswith(_UTF16_BOMS):
        return _decode_detected(data, shown, "utf-16", "utf-16")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise fail(
            shown,
            f"the file contains NUL bytes (first at byte offset {nul}, line {line}), so it is "
            "binary, or UTF-16 text without a byte-order mark; export it as CSV (UTF-8)",
        )
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _decode_detected(data: bytes, shown: str, codec: str, name: str) -> tuple[str, str]:
    try:
        return data.decode(codec).removeprefix("\ufeff"), name
    except UnicodeDecodeError as exc:
        raise _decoding_error(
            data, shown, name, exc, "its byte-order mark says one encoding but the text is in another; re-save it"
        ) from None


def detect_delimiter(text: str) -> str:
    """The delimiter of a text table: the one that splits its header into the most names.

    Parameters
    ----------
    text : str
        The decoded file (only its first record is examined).

    Returns
    -------
    str
        One of :data:`DELIMITERS`; a comma when none splits the header.
    """
    best, best_count = DELIMITERS[0], 1
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text[: 1 << 16], newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > best_count:
            best, best_count = delimiter, len(header)
    return best


def _other_delimiter_problem(header_line: str) -> str | None:
    """Name a delimiter that is not supported when the header is one field holding it."""
    if "|" not in header_line:
        return None
    return (
        f"the file is separated by vertical bars ('|'), which are not read: its header reads as one "
        f"column {header_line[:60]!r}; re-save it with comma, semicolon or tab separators, or save "
        "the spreadsheet as .xlsx"
    )


def read_delimited(path: Path, shown: str, max_rows: int, encoding: str | None = None) -> pd.DataFrame:
    """Read a delimited text file into a frame of raw text cells.

    See :func:`cwp_analysis.readers.read_table`; the frame's
    ``attrs["read"]`` records the encoding and delimiter used.
    """
    _count_lines_streaming(path, shown, max_rows)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(shown, f"cannot read the file: {exc.strerror or exc}") from None
    text, used = decode(data, shown, encoding)
    if not text.strip():
        raise fail(shown, "the file holds only blank lines; expected a header row and one row per respondent")
    delimiter = detect_delimiter(text)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
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
                raise too_many_rows(shown, max_rows, len(records), "rows")
    except csv.Error as exc:
        start = last_end + 1
        raise fail(
            shown,
            f"the file is not valid CSV ({_DELIMITER_NAMES[delimiter]}-separated): the row starting on "
            f"line {start} cannot be read ({exc}); is there a quote character inside an unquoted "
            "cell, or a quoted cell that never closes?",
        ) from None

    header = [name.strip() for name in header]
    if not any(header):
        raise fail(shown, "the first line is empty; the header row (column names) must be line 1")
    if len(header) == 1:
        problem = _other_delimiter_problem(text.split("\n", 1)[0])
        if problem:
            raise fail(shown, problem)
    problems = header_problems(header, shown)
    if problems:
        raise SurveyValidationError(shown, capped(problems))

    while records and not records[-1]:  # blank lines at the end of the file
        records.pop()
    if not records:
        raise fail(shown, "the file has a header row but no data rows")

    width = len(header)
    ragged = []
    for index, record in enumerate(records):
        if not record:  # a blank line inside the file: an empty row, reported by the validator
            records[index] = [""] * width
        elif len(record) != width:
            ragged.append(
                f"{shown}: row {index + 2} (line {ends[index]}) has {fields(len(record))} but the "
                f"header has {width}; every row needs one field per column (an unquoted "
                f"{_DELIMITER_NAMES[delimiter]} inside a value, or a truncated line?)"
            )
    if ragged:
        raise SurveyValidationError(shown, capped(ragged))
    header, records = drop_unnamed(header, records, shown)
    cells = np.empty((len(records), len(header)), dtype=object)
    cells[:] = records  # one 2-D array: pandas builds a frame from it far faster than from lists
    frame = pd.DataFrame(cells, columns=header)
    frame.attrs["read"] = ReadInfo("csv", encoding=used, delimiter=delimiter).as_dict()
    return frame
