"""The outcome of validating a file: errors, warnings, and what was done.

:class:`ValidationReport` is what :func:`cwp_analysis.validate.validate_survey`
returns; :class:`Findings` collects what the validator finds, counts it and
writes the first few findings of each severity as self-contained lines
(file, column, row, value, and what is allowed or what was done).

Examples
--------
>>> report = ValidationReport("s.csv", 140, 77, warnings=["s.csv: column x, row 3: ..."],
...                           warning_counts={"half_pair": 12}, codebook_version="1.0.0")
>>> report.ok, report.n_errors, report.n_warnings
(True, 0, 12)
>>> print(report.summary())
s.csv: valid with 12 warnings (12 half-answered pairs) — 140 respondents, 77 columns, codebook 1.0.0
>>> report.ok_under(strict=True)
False
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from cwp_analysis.errors import SurveyValidationError

__all__ = ["MAX_LISTED_PROBLEMS", "ERROR_KINDS", "WARNING_KINDS", "ACTIONS", "ValidationReport", "Findings"]

#: Findings of each severity listed in a report before the rest are counted in one line.
MAX_LISTED_PROBLEMS = 50

#: Kinds of error (the file is unusable), with their names in a summary.
ERROR_KINDS = {
    "unreadable": ("reading problem", "reading problems"),
    "column_mapping": ("column-mapping problem", "column-mapping problems"),
    "duplicate_column": ("duplicate column", "duplicate columns"),
    "missing_column": ("missing column", "missing columns"),
    "no_rows": ("file without data rows", "files without data rows"),
    "empty_id": ("empty identifier", "empty identifiers"),
    "duplicate_id": ("duplicate identifier", "duplicate identifiers"),
    "not_allowed": ("code not in the codebook", "codes not in the codebook"),
    "unknown_label": ("unknown label", "unknown labels"),
    "wrong_type": ("value of the wrong type", "values of the wrong type"),
}
#: Kinds of warning (the file is usable; each is listed), with their names in a summary.
WARNING_KINDS = {
    "half_pair": ("half-answered pair", "half-answered pairs"),
    "no_answers": ("respondent without answers", "respondents without answers"),
    "blank_row": ("blank row ignored", "blank rows ignored"),
    "skip_slip": ("answer to a question the skip logic skipped", "answers to questions the skip logic skipped"),
    "unknown_column": ("column not in the codebook ignored", "columns not in the codebook ignored"),
}


#: What reading a file may do to the data (:attr:`ValidationReport.actions`).
ACTIONS = ("skip_slips_set_missing", "skip_slips_kept", "labels_read", "blank_rows_ignored", "columns_ignored")


def _plural(count: int, words: tuple[str, str]) -> str:
    return f"{count} {words[0] if count == 1 else words[1]}"


def _breakdown(counts: Mapping[str, int], names: Mapping[str, tuple[str, str]]) -> str:
    parts = [_plural(n, names.get(kind, (kind, kind))) for kind, n in counts.items() if n]
    return f" ({', '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating one file.

    Attributes
    ----------
    path : str
        The file (or the name given to a frame) that was checked.
    n_rows : int
        Respondents (or Work Star participants) read: data rows except blank
        ones (0 when the file could not be read).
    n_columns : int
        Columns read.
    errors : list of str
        One line per error (the file is unusable), at most
        :data:`MAX_LISTED_PROBLEMS`; when there are more, a last line says
        how many were left out.
    warnings : list of str
        One line per warning (the file is usable), listed the same way.
    n_errors, n_warnings : int
        Totals, listed or not (computed from the lists when not given).
    kind : {"survey", "workstar"}
    codebook_version : str
    strict : bool
        Validated under ``strict``: warnings count as errors (:attr:`ok`,
        :attr:`problems`, :meth:`raise_if_invalid`).
    error_counts, warning_counts : dict of str to int
        Totals by kind (keys of :data:`ERROR_KINDS` and :data:`WARNING_KINDS`).
    actions : dict of str to int
        What reading the file did to the data, by name:
        ``skip_slips_set_missing``, ``skip_slips_kept``, ``labels_read``
        (cells holding a label read as its code), ``blank_rows_ignored``,
        ``columns_ignored``.
    read : dict
        How the file was read (format, encoding, delimiter, sheet), when it
        was read from a file.
    """

    path: str
    n_rows: int
    n_columns: int
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    n_errors: int | None = None
    n_warnings: int | None = None
    kind: str = "survey"
    codebook_version: str = ""
    strict: bool = False
    error_counts: dict = field(default_factory=dict)
    warning_counts: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    read: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.n_errors is None:
            object.__setattr__(self, "n_errors", sum(self.error_counts.values()) or len(self.errors))
        if self.n_warnings is None:
            object.__setattr__(self, "n_warnings", sum(self.warning_counts.values()) or len(self.warnings))

    # -- verdicts ---------------------------------------------------------

    def ok_under(self, strict: bool = False) -> bool:
        """True when there is no error (and, under ``strict``, no warning)."""
        return not self.n_errors and not (strict and self.n_warnings)

    @property
    def ok(self) -> bool:
        """True when no error was found (under :attr:`strict`, no warning either)."""
        return self.ok_under(self.strict)

    def problems_under(self, strict: bool = False) -> list[str]:
        """The lines that make the file invalid: errors, and warnings too under ``strict``."""
        return [*self.errors, *self.warnings] if strict else list(self.errors)

    @property
    def problems(self) -> list[str]:
        """Errors, or errors then warnings under :attr:`strict` (kept for existing callers)."""
        return self.problems_under(self.strict)

    @property
    def n_problems(self) -> int:
        """``n_errors``, plus ``n_warnings`` under :attr:`strict` (kept for existing callers)."""
        return int(self.n_errors or 0) + (int(self.n_warnings or 0) if self.strict else 0)

    # -- output -----------------------------------------------------------

    def summary(self) -> str:
        """One line: the verdict with the counts.

        Examples
        --------
        >>> ValidationReport("s.csv", 68, 77, codebook_version="1.0.0").summary()
        's.csv: valid — 68 respondents, 77 columns, codebook 1.0.0'
        >>> ValidationReport("s.csv", 3, 77, errors=["s.csv: ..."], codebook_version="1.0.0").summary()
        's.csv: invalid — 1 error and 0 warnings — 3 rows, 77 columns, codebook 1.0.0'
        """
        unit = "participants" if self.kind == "workstar" else "respondents"
        tail = f"{self.n_rows} {unit}, {self.n_columns} columns, codebook {self.codebook_version}"
        warned = f"{_plural(int(self.n_warnings or 0), ('warning', 'warnings'))}{_breakdown(self.warning_counts, WARNING_KINDS)}"
        if self.ok and self.n_warnings == 0:
            return f"{self.path}: valid — {tail}"
        if self.ok:
            return f"{self.path}: valid with {warned} — {tail}"
        errors = f"{_plural(int(self.n_errors or 0), ('error', 'errors'))}{_breakdown(self.error_counts, ERROR_KINDS)}"
        verdict = "invalid" if self.n_errors else "invalid (strict: warnings count as errors)"
        return (
            f"{self.path}: {verdict} — {errors} and {warned} — {self.n_rows} rows, {self.n_columns} columns, "
            f"codebook {self.codebook_version}"
        )

    def raise_if_invalid(self, strict: bool = False) -> None:
        """Raise :class:`~cwp_analysis.errors.SurveyValidationError` when the file is unusable.

        Parameters
        ----------
        strict : bool, default False
            Warnings count as errors too (so does :attr:`strict`).

        Raises
        ------
        SurveyValidationError
            Listing the errors (then the warnings, under strict).
        """
        strict = strict or self.strict
        if not self.ok_under(strict):
            raise SurveyValidationError(self.path, self.problems_under(strict))

    def as_dict(self) -> dict:
        """Counts only (no cell values or identifiers), fit for ``DataFrame.attrs`` and JSON.

        Every name of :data:`ACTIONS` is present as ``n_<name>`` (0 when
        nothing was done), and so are ``warnings_by_kind`` and
        ``errors_by_kind`` (kinds with a count only).
        """
        return {
            "source": self.path,
            "kind": self.kind,
            "codebook_version": self.codebook_version,
            "strict": self.strict,
            "ok": self.ok,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "n_errors": self.n_errors,
            "n_warnings": self.n_warnings,
            "errors_by_kind": dict(self.error_counts),
            "warnings_by_kind": dict(self.warning_counts),
            **{f"n_{name}": int(self.actions.get(name, 0)) for name in ACTIONS},
            **{f"n_{name}": int(count) for name, count in self.actions.items() if name not in ACTIONS},
            "read": dict(self.read),
            "summary": self.summary(),
        }


# --------------------------------------------------------------------------
# collecting findings
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    severity: str
    kind: str
    column: str | None
    rows: np.ndarray | None  # frame indices; None for a finding about the whole file
    grouped: bool  # one finding for all rows (a value) rather than one per row
    detail: dict

    @property
    def count(self) -> int:
        if self.rows is None:
            return 1
        return min(1, len(self.rows)) if self.grouped else len(self.rows)


class Findings:
    """What the validator found, as batches, counted by kind and listed in order.

    Parameters
    ----------
    source : str
        File name for the lines.
    formatter : callable
        ``formatter(kind, column, index, rows, detail) -> str`` writes one
        line; ``index`` is the frame index of a per-row finding, ``rows``
        the frame indices of a grouped one.
    positions : dict of str to int
        Column -> position in the file, to order findings within a row.
    max_listed : int
    """

    def __init__(self, source: str, formatter: Callable, positions: Mapping[str, int],
                 max_listed: int = MAX_LISTED_PROBLEMS):
        self.source = source
        self.formatter = formatter
        self.positions = dict(positions)
        self.max_listed = max_listed
        self.batches: list[_Batch] = []

    def add(self, severity: str, kind: str, column: str | None = None, rows=None, *, grouped: bool = False,
            **detail) -> None:
        """Record findings: one per row of ``rows`` (none when it is empty), one in all when
        ``grouped``, or one about the whole file when ``rows`` is None."""
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64).ravel()
            if len(rows) == 0:
                return
        self.batches.append(_Batch(severity, kind, column, rows, grouped, detail))

    def count(self, severity: str) -> int:
        return sum(b.count for b in self.batches if b.severity == severity)

    def counts(self, severity: str) -> dict[str, int]:
        kinds = ERROR_KINDS if severity == "error" else WARNING_KINDS
        out = {kind: 0 for kind in kinds}
        for batch in self.batches:
            if batch.severity == severity:
                out[batch.kind] = out.get(batch.kind, 0) + batch.count
        return {kind: n for kind, n in out.items() if n}

    def lines(self, severity: str) -> list[str]:
        """The first ``max_listed`` findings as lines: the file's own first, then by row and column."""
        batches = [b for b in self.batches if b.severity == severity]
        if not batches:
            return []
        keys = []  # (file-level?, row, column position, batch, entry)
        for number, batch in enumerate(batches):
            position = self.positions.get(batch.column, len(self.positions)) if batch.column else -1
            if batch.rows is None:
                keys.append(np.array([[0, -1, position, number, -1]]))
            elif batch.grouped:
                keys.append(np.array([[1, int(batch.rows.min()), position, number, -1]]))
            else:
                n = len(batch.rows)
                keys.append(np.column_stack([
                    np.ones(n, dtype=np.int64), batch.rows, np.full(n, position), np.full(n, number),
                    np.arange(n),
                ]))
        table = np.concatenate(keys)
        order = np.lexsort((table[:, 3], table[:, 2], table[:, 1], table[:, 0]))
        listed = []
        for _, _, _, number, entry in table[order[: self.max_listed]]:
            batch = batches[number]
            index = None if entry < 0 else int(batch.rows[entry])
            listed.append(self.formatter(batch.kind, batch.column, index, batch.rows, batch.detail))
        total = sum(b.count for b in batches)
        if total > len(listed):
            listed.append(f"... and {total - len(listed)} more {severity}s")
        return listed
