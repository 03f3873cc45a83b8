"""Cells of a survey table: text normalisation, codes and answer labels.

The readers (:mod:`cwp_analysis.readers`) return raw text cells; this module
turns cells into codes, one column at a time and vectorised: the distinct
values of a column are found once (:func:`pandas.factorize`) and only those
are interpreted, so the cost in Python grows with the number of distinct
answers, not with the number of respondents.

A cell may hold

* nothing (an empty or blank cell): a missing answer;
* a code written as a whole number (``3``, ``+3``; not ``3.0`` or ``3,5``);
* for survey items, the label of a code in the codebook (``Very likely``),
  matched ignoring letter case and surrounding blanks, with runs of blanks
  inside counted as one (:func:`label_key`).

Examples
--------
>>> spec = ResponseCodes.from_codes({0: "No", 1: "Yes"})
>>> codes, status = spec.classify(["1", " yes ", None, "2", "maybe", "1.0"])
>>> codes.tolist()
[1, 1, 0, 2, 0, 0]
>>> [STATUS_NAMES[s] for s in status]
['code', 'label', 'missing', 'not_allowed', 'unknown_label', 'wrong_type']
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "MISSING",
    "CODE",
    "LABEL",
    "NOT_ALLOWED",
    "WRONG_TYPE",
    "UNKNOWN_LABEL",
    "STATUS_NAMES",
    "ResponseCodes",
    "label_key",
    "cell_to_text",
    "cell_text",
    "column_text",
    "factorized_text",
    "text_cells",
    "parse_codes",
    "typed_frame",
]

#: Status of a cell after :meth:`ResponseCodes.classify`.
MISSING, CODE, LABEL, NOT_ALLOWED, WRONG_TYPE, UNKNOWN_LABEL = range(6)
#: Names of the statuses, by value.
STATUS_NAMES = ("missing", "code", "label", "not_allowed", "wrong_type", "unknown_label")

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
_CODE_LIMIT = 2**53  # larger "whole numbers" are clipped; they are never allowed codes anyway


def label_key(text: str) -> str:
    """The form in which answer labels are compared.

    Letter case is folded, surrounding blanks are removed and runs of blanks
    inside count as one.

    Examples
    --------
    >>> label_key("  Very   LIKELY ") == label_key("very likely")
    True
    """
    return " ".join(str(text).split()).casefold()


def cell_to_text(value) -> str:
    """Text of one cell as a spreadsheet shows it (``""`` for an empty cell).

    Whole-number floats print without a decimal part (Excel and SPSS store
    ``3`` as ``3.0``), booleans as ``TRUE``/``FALSE`` and dates in ISO form.

    Examples
    --------
    >>> [cell_to_text(v) for v in (None, 3.0, 2.5, True, "x")]
    ['', '3', '2.5', 'TRUE', 'x']
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def cell_text(value) -> str | None:
    """Stripped text of one cell, None when it is empty.

    Examples
    --------
    >>> cell_text(" 3 "), cell_text(2.0), cell_text(float("nan")), cell_text("  ")
    ('3', '2', None, None)
    """
    text = cell_to_text(value).strip()
    return text or None


_cell_as_text = cell_text


def factorized_text(series: pd.Series | np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """Distinct cells of a column as stripped text, and where each cell points.

    Parameters
    ----------
    series : pandas.Series or numpy.ndarray
        One column of any dtype.

    Returns
    -------
    positions : numpy.ndarray of intp
        For each cell, the index of its text in ``texts``.
    texts : list of str or None
        Distinct cell texts (``None`` for an empty cell); the last entry is
        always ``None`` and is where missing values point.

    Notes
    -----
    Columns holding a mixture of types are converted cell by cell: hashing
    would merge ``True`` with ``1`` and ``1`` with ``1.0``.
    """
    values = np.asarray(series.to_numpy(dtype=object) if isinstance(series, pd.Series) else series, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("mixed", "mixed-integer"):
        texts = [_cell_as_text(v) for v in values]
        positions, uniques = pd.factorize(np.array(texts, dtype=object), use_na_sentinel=True)
        unique_texts = list(uniques)
    else:
        positions, uniques = pd.factorize(values, use_na_sentinel=True)
        unique_texts = [_cell_as_text(u) for u in uniques]
    positions = np.where(positions < 0, len(unique_texts), positions)
    return positions, [*unique_texts, None]


def column_text(series: pd.Series) -> np.ndarray:
    """Stripped text of one column, ``None`` for empty cells (see :func:`text_cells`)."""
    positions, texts = factorized_text(series)
    return np.array(texts, dtype=object)[positions]


def text_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise a frame's cells to stripped text, with ``None`` for empty.

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw cells from :func:`cwp_analysis.readers.read_table`, or any frame
        of codes (for example a typed frame with ``Int64`` columns).

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
    columns = {position: column_text(frame.iloc[:, position]) for position in range(frame.shape[1])}
    out = pd.DataFrame(columns, index=frame.index)
    out.columns = frame.columns
    return out


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
    unique_numbers = np.array([_whole(u) if m else 0 for u, m in zip(uniques, matches)] + [0], dtype=np.int64)
    return (
        unique_numbers[codes].reshape(array.shape),
        unique_whole[codes].reshape(array.shape),
        (codes >= 0).reshape(array.shape),
    )


def _whole(text) -> int:
    return max(-_CODE_LIMIT, min(_CODE_LIMIT, int(text)))


def typed_frame(text: pd.DataFrame, id_column: str, code_columns: Iterable[str]) -> pd.DataFrame:
    """Convert validated text cells of whole-number codes to analysis types.

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
        When a code cell is not a whole number (the frame was not validated,
        or holds answer labels: :func:`cwp_analysis.survey_io.load_survey`
        reads those).
    """
    out: dict[str, object] = {id_column: text[id_column].astype("string")}
    for column in code_columns:
        numbers, whole, present = parse_codes(text[column].to_numpy())
        if (present & ~whole).any():
            value = text[column].to_numpy()[present & ~whole][0]
            raise ValueError(f"column {column!r}: value {value!r} is not a whole-number code; validate the data first")
        out[column] = pd.arrays.IntegerArray(numbers, ~present)
    return pd.DataFrame(out, index=text.index).reset_index(drop=True)


@dataclass(frozen=True)
class ResponseCodes:
    """What the cells of one column may hold.

    Attributes
    ----------
    codes : dict of int to str
        Allowed codes and their labels (survey items).  Empty when the column
        takes a range of whole numbers instead (Work Star readings).
    low, high : int or None
        The allowed range, when ``codes`` is empty.
    """

    codes: Mapping[int, str] = field(default_factory=dict)
    low: int | None = None
    high: int | None = None

    @classmethod
    def from_codes(cls, codes: Mapping[int, str]) -> ResponseCodes:
        """Codes with labels (a codebook scale)."""
        return cls(codes=dict(codes))

    @classmethod
    def from_range(cls, low: int, high: int) -> ResponseCodes:
        """Whole numbers from ``low`` to ``high`` (no labels)."""
        return cls(low=int(low), high=int(high))

    @property
    def has_labels(self) -> bool:
        return bool(self.codes)

    @property
    def label_codes(self) -> dict[str, int]:
        """:func:`label_key` of each label -> its code."""
        return {label_key(label): code for code, label in self.codes.items()}

    def allows(self, code: int) -> bool:
        if self.codes:
            return code in self.codes
        return self.low is not None and self.high is not None and self.low <= code <= self.high

    def classify(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """Code and status of each text cell.

        Parameters
        ----------
        texts : sequence of str or None
            Stripped cell texts (for a whole column, pass its distinct
            values: :func:`factorized_text`).

        Returns
        -------
        codes : numpy.ndarray of int64
            The code (0 where there is none).
        status : numpy.ndarray of int8
            :data:`MISSING`, :data:`CODE`, :data:`LABEL` (a label read as
            its code), :data:`NOT_ALLOWED` (a whole number that is not a
            code), :data:`WRONG_TYPE` (a number that is not whole) or
            :data:`UNKNOWN_LABEL` (text that is neither a number nor a label;
            :data:`WRONG_TYPE` for columns without labels).
        """
        labels = self.label_codes
        codes = np.zeros(len(texts), dtype=np.int64)
        status = np.zeros(len(texts), dtype=np.int8)
        for i, text in enumerate(texts):
            if text is None or not str(text).strip():
                continue
            text = str(text).strip()
            if _WHOLE_NUMBER.fullmatch(text):
                codes[i] = _whole(text)
                status[i] = CODE if self.allows(int(codes[i])) else NOT_ALLOWED
            elif label_key(text) in labels:
                codes[i], status[i] = labels[label_key(text)], LABEL
            elif _NUMBER.fullmatch(text) or not labels:
                status[i] = WRONG_TYPE
            else:
                status[i] = UNKNOWN_LABEL
        return codes, status

    def describe(self) -> str:
        """What is allowed, in words (the end of an error message).

        Examples
        --------
        >>> ResponseCodes.from_codes({0: "No", 1: "Yes"}).describe()
        '0 (No), 1 (Yes), or empty'
        >>> ResponseCodes.from_range(1, 10).describe()
        'whole numbers 1 to 10, or empty'
        """
        if self.codes:
            return ", ".join(f"{code} ({label})" for code, label in self.codes.items()) + ", or empty"
        return f"whole numbers {self.low} to {self.high}, or empty"
