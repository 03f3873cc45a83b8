"""Loading survey and Work Star files: read, validate and type, in one pass.

Three steps, each in its own module, joined here:

1. **read** (:mod:`cwp_analysis.readers`): :func:`read_table` turns a file
   (CSV/TSV/text in UTF-8, UTF-8 with BOM, UTF-16 or Windows-1252, delimited
   by commas, semicolons or tabs; ``.xlsx``; SPSS ``.sav``; Stata ``.dta``)
   into a frame of raw text cells, or raises a one-line
   :class:`~cwp_analysis.errors.SurveyValidationError`;
2. **validate** (:mod:`cwp_analysis.validate`): the cells are checked
   against the codebook under the validation policy (errors make the file
   unusable, warnings are listed and the file is used);
3. **type**: the same pass yields the analysis frame, an identifier
   (``string``) and every code column as nullable ``Int64``, with labels
   read as codes, blank rows dropped and skip-logic slips handled as the
   codebook says.

:func:`load_survey` and :func:`load_workstar` return the frame with its
report, the file name and the SHA-256 of its bytes (for the build);
:func:`read_survey` and :func:`read_workstar` return the frame alone (for
notebooks).  Every read validates.  The frame's ``attrs`` say what was done:
``attrs["validation"]`` holds the counts of
:meth:`~cwp_analysis.validation_report.ValidationReport.as_dict` (warnings
by kind, ``n_skip_slips_set_missing``, ``n_labels_read`` ...), never cell
values.

:func:`text_cells`, :func:`parse_codes` and :func:`typed_frame`
(:mod:`cwp_analysis.cells`) and :func:`read_table` are re-exported here for
existing callers.

Examples
--------
>>> import pathlib, tempfile
>>> from cwp_analysis.codebook import load_codebook
>>> columns = load_codebook().columns()
>>> row = dict.fromkeys(columns, "")
>>> row.update(respondent_id="R1", has_children="No", children_live_with_mother="Yes")
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder, "survey.csv")
...     _ = path.write_text(";".join(columns) + "\\n" + ";".join(row.values()) + "\\n", encoding="utf-8-sig")
...     loaded = load_survey(path)
>>> loaded.frame[["has_children", "children_live_with_mother"]].iloc[0].tolist()
[0, <NA>]
>>> loaded.report.warning_counts
{'skip_slip': 1}
>>> loaded.frame.attrs["validation"]["n_skip_slips_set_missing"]
1
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike

import pandas as pd

from cwp_analysis.cells import parse_codes, text_cells, typed_frame
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.column_mapping import ColumnMapping, load_column_mapping
from cwp_analysis.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    PREFERRED_SHEETS,
    SUPPORTED_EXTENSIONS,
    file_sha256,
    read_table,
)
from cwp_analysis.validate import check_table
from cwp_analysis.validation_report import ValidationReport

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SUPPORTED_EXTENSIONS",
    "PREFERRED_SHEETS",
    "LoadedSurvey",
    "load_survey",
    "load_workstar",
    "read_table",
    "read_survey",
    "read_workstar",
    "text_cells",
    "parse_codes",
    "typed_frame",
]


@dataclass(frozen=True)
class LoadedSurvey:
    """A file read, validated and typed.

    Attributes
    ----------
    frame : pandas.DataFrame
        Identifier (``string``) then every code column (nullable ``Int64``)
        in codebook order.  ``attrs``: ``source``, ``codebook_version``,
        ``kind``, ``sha256``, ``read`` (format, encoding, delimiter, sheet)
        and ``validation`` (counts only).
    report : ValidationReport
        With no error (else :func:`load_survey` raises); warnings listed.
    source : str
        The path as given.
    sha256 : str
        SHA-256 of the file's bytes (hex).
    """

    frame: pd.DataFrame
    report: ValidationReport
    source: str
    sha256: str

    @property
    def kind(self) -> str:
        """``"survey"`` or ``"workstar"``."""
        return self.report.kind


def _load(path, kind: str, codebook: Codebook | None, encoding, sheet, columns, strict, read_options) -> LoadedSurvey:
    codebook = codebook or load_codebook()
    id_column = codebook.workstar.id_column if kind == "workstar" else codebook.id_column
    mapping = None if columns is None else load_column_mapping(columns, codebook, kind=kind)
    id_columns = [id_column]
    mapped_id = mapping.source_of(id_column) if mapping is not None else None
    if mapped_id:
        id_columns.append(mapped_id)
    read_options.setdefault("id_columns", tuple(id_columns))
    read_options.setdefault("prefer_sheets", (kind,))
    raw = read_table(path, encoding=encoding, sheet=sheet, **read_options)
    digest = file_sha256(path)
    report, frame = check_table(raw, codebook, kind=kind, source=str(path), columns=mapping, strict=strict)
    report.raise_if_invalid(strict)
    assert frame is not None  # no errors: check_table typed the table
    frame.attrs.update(
        source=str(path), codebook_version=codebook.version, kind=kind, sha256=digest,
        read=dict(raw.attrs.get("read", {})), validation=report.as_dict(),
    )
    return LoadedSurvey(frame=frame, report=report, source=str(path), sha256=digest)


def load_survey(
    path: str | PathLike,
    *,
    codebook: Codebook | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
    **read_options,
) -> LoadedSurvey:
    """Read, validate and type a survey file once: what the build pipeline calls.

    Parameters
    ----------
    path : path-like
        A survey file in the wide layout of the codebook (one row per
        respondent, ``respondent_id``, single-time items by id, paired items
        as ``<id>_before`` / ``<id>_after``), in any format
        :func:`read_table` reads.
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.
    encoding : str, optional
        Text encoding (detected when not given).
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (default: a sheet named ``survey``,
        else the first).
    columns : path-like, dict or ColumnMapping, optional
        Column-mapping file (export column -> codebook column).
    strict : bool, default False
        Warnings count as errors.
    **read_options
        Passed to :func:`read_table` (``max_bytes``, ``max_rows``,
        ``prefer_sheets``, ``id_columns``).

    Returns
    -------
    LoadedSurvey

    Raises
    ------
    SurveyValidationError
        When the file cannot be read, has errors (or, under ``strict``,
        warnings), or the column mapping is unusable
        (:class:`~cwp_analysis.errors.ColumnMappingError`); ``problems``
        lists one line per problem.
    """
    return _load(path, "survey", codebook, encoding, sheet, columns, strict, read_options)


def load_workstar(
    path: str | PathLike,
    *,
    codebook: Codebook | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
    **read_options,
) -> LoadedSurvey:
    """Read, validate and type a Work Star file once (see :func:`load_survey`).

    The file holds ``participant_id`` and, per outcome area,
    ``ws_<area>_first`` and ``ws_<area>_last`` readings; by default the
    sheet named ``workstar`` of a workbook is read if there is one.
    """
    return _load(path, "workstar", codebook, encoding, sheet, columns, strict, read_options)


def read_survey(
    path: str | PathLike,
    codebook: Codebook | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
    **read_options,
) -> pd.DataFrame:
    """Read, validate and type a survey file: the way notebooks load survey data.

    Parameters and errors as for :func:`load_survey`.

    Returns
    -------
    pandas.DataFrame
        Columns in codebook order: ``respondent_id`` (``string``) and every
        code column as nullable ``Int64``.  ``attrs`` records the source
        path, the codebook version, the file's SHA-256, how it was read and
        the validation counts (``attrs["validation"]``).
    """
    return load_survey(path, codebook=codebook, encoding=encoding, sheet=sheet, columns=columns, strict=strict,
                       **read_options).frame


def read_workstar(
    path: str | PathLike,
    codebook: Codebook | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    columns: str | PathLike | dict | ColumnMapping | None = None,
    strict: bool = False,
    **read_options,
) -> pd.DataFrame:
    """Read, validate and type a Work Star file (see :func:`load_workstar`).

    Returns
    -------
    pandas.DataFrame
        ``participant_id`` (``string``) then the readings as nullable
        ``Int64``, in codebook order.
    """
    return load_workstar(path, codebook=codebook, encoding=encoding, sheet=sheet, columns=columns, strict=strict,
                         **read_options).frame
