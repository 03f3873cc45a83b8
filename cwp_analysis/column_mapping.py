"""Matching the columns of an export to the codebook, with an optional mapping file.

A column of a file matches a codebook column when their names are equal
after surrounding blanks are removed and letter case is folded
(:func:`fold_name`): ``" Respondent_ID"`` is ``respondent_id``.  Exports whose
headers differ (``Q1. Age group``) are matched through a **mapping file**,
YAML, from export column to codebook column::

    kind: survey                  # or workstar; optional, default survey
    columns:
      "Respondent ID": respondent_id
      "Q1. Age group": age_band
      "Wellbeing - optimistic (before)": swemwbs_optimistic_before

Export names in the mapping are matched the same way (blanks around and
case ignored); columns the mapping does not name keep their own name.  The
mapping is checked when it is loaded: every target must be a codebook
column of that kind of file, no two export columns may map to the same
codebook column, and no export column may be listed twice.  A documented
example is ``data/examples/columns.example.yaml``.

Examples
--------
>>> mapping = load_column_mapping({"columns": {"Respondent ID": "respondent_id", "Q1 Age": "age_band"}})
>>> mapping.target("  q1 AGE ")
'age_band'
>>> expected = ["respondent_id", "age_band", "ethnicity"]
>>> match = match_columns(["Respondent ID", "AGE_BAND", "Notes"], expected)
>>> match.targets, match.missing, match.unknown
([None, 'age_band', None], ['respondent_id', 'ethnicity'], ['Respondent ID', 'Notes'])
>>> match_columns(["Respondent ID", "q1 age", "Notes"], expected, mapping).missing
['ethnicity']
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import yaml

from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.errors import ColumnMappingError
from cwp_analysis.survey_layout import KINDS, layout_for

__all__ = ["ColumnMapping", "ColumnMatch", "fold_name", "load_column_mapping", "match_columns"]

_KEYS = ("kind", "columns", "description")


def fold_name(name) -> str:
    """A column name as it is compared: surrounding blanks removed, case folded.

    Examples
    --------
    >>> fold_name("  Age_Band ")
    'age_band'
    """
    return str(name).strip().casefold()


@dataclass(frozen=True)
class ColumnMapping:
    """A checked mapping from export columns to codebook columns.

    Attributes
    ----------
    columns : dict of str to str
        :func:`fold_name` of each export column -> codebook column.
    names : dict of str to str
        :func:`fold_name` of each export column -> the name as written in
        the mapping (for messages).
    kind : {"survey", "workstar"}
    source : str
        The mapping file (or ``"<mapping>"``).
    """

    columns: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    kind: str = "survey"
    source: str = "<mapping>"

    def target(self, name) -> str | None:
        """The codebook column an export column maps to (None when it is not mapped)."""
        return self.columns.get(fold_name(name))

    def source_of(self, target: str) -> str | None:
        """The export column mapped to a codebook column, as written in the mapping."""
        for folded, mapped in self.columns.items():
            if mapped == target:
                return self.names[folded]
        return None


def _read_yaml(path: Path, shown: str) -> dict:
    if not path.is_file():
        raise ColumnMappingError(shown, [f"{shown}: no such column-mapping file"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ColumnMappingError(shown, [f"{shown}: the column-mapping file is not valid UTF-8 YAML ({detail})"]) from None
    if not isinstance(raw, dict):
        raise ColumnMappingError(shown, [f"{shown}: expected a mapping with a 'columns' entry at the top level"])
    return raw


def load_column_mapping(
    mapping: str | PathLike | Mapping | ColumnMapping,
    codebook: Codebook | None = None,
    *,
    kind: str | None = None,
) -> ColumnMapping:
    """Load and check a column mapping.

    Parameters
    ----------
    mapping : path-like, dict or ColumnMapping
        A YAML file (see the module docstring), the same structure as a
        dict (``{"columns": {...}, "kind": ...}``), or a plain dict of export
        column -> codebook column.  A :class:`ColumnMapping` is returned as
        it is (after the ``kind`` check).
    codebook : Codebook, optional
    kind : {"survey", "workstar"}, optional
        The kind of file the mapping must be for.  Default: the mapping's
        own ``kind``, else ``"survey"``.

    Returns
    -------
    ColumnMapping

    Raises
    ------
    ColumnMappingError
        (a :class:`~cwp_analysis.errors.SurveyValidationError`, exit status 2)
        listing every fault: missing or unreadable file, not YAML, unknown
        top-level entries, an empty ``columns``, names that are not text, a
        target that is not a codebook column, two export columns mapped to
        the same codebook column, an export column listed twice, a mapping
        for the other kind of file.
    """
    if isinstance(mapping, ColumnMapping):
        if kind is not None and mapping.kind != kind:
            raise ColumnMappingError(mapping.source, [
                f"{mapping.source}: the column mapping is for a {mapping.kind} file, not a {kind} file"])
        return mapping
    if isinstance(mapping, Mapping):
        shown = "<mapping>"
        raw = dict(mapping) if "columns" in mapping else {"columns": dict(mapping)}
    else:
        shown = str(mapping)
        raw = _read_yaml(Path(mapping), shown)
    problems = [f"{shown}: unknown entry {key!r} (known: {', '.join(_KEYS)})" for key in raw if key not in _KEYS]
    own_kind = raw.get("kind", kind or "survey")
    if own_kind not in KINDS:
        problems.append(f"{shown}: kind {own_kind!r} is not one of {', '.join(KINDS)}")
        own_kind = kind or "survey"
    elif kind is not None and own_kind != kind:
        problems.append(f"{shown}: the column mapping is for a {own_kind} file, not a {kind} file")
    columns = raw.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        problems.append(f"{shown}: 'columns' must map each export column to a codebook column (export name: codebook column)")
        raise ColumnMappingError(shown, problems)
    known = layout_for(own_kind, codebook or load_codebook()).columns
    folded: dict[str, str] = {}
    names: dict[str, str] = {}
    by_target: dict[str, str] = {}
    for source, target in columns.items():
        if not isinstance(source, str) or not isinstance(target, str):
            problems.append(
                f"{shown}: entry {source!r}: {target!r}: export and codebook column names must be text "
                "(put quotes around names such as yes, no, on, off or numbers)"
            )
            continue
        key = fold_name(source)
        if not key:
            problems.append(f"{shown}: an export column name is empty")
            continue
        if key in folded:
            problems.append(
                f"{shown}: export column {source!r} is listed twice (as {names[key]!r}); names are "
                "matched ignoring case and surrounding blanks"
            )
            continue
        target = target.strip()
        if target not in known:
            close = difflib.get_close_matches(target, known, n=1, cutoff=0.75)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{shown}: {source!r} maps to {target!r}, which is not a column of a {own_kind} file in the codebook{hint}")
            continue
        if target in by_target:
            problems.append(
                f"{shown}: {by_target[target]!r} and {source!r} both map to {target!r}; each codebook column "
                "takes one export column"
            )
            continue
        folded[key], names[key], by_target[target] = target, source, source
    if problems:
        raise ColumnMappingError(shown, problems)
    return ColumnMapping(columns=folded, names=names, kind=own_kind, source=shown)


@dataclass(frozen=True)
class ColumnMatch:
    """How the columns of a file match the codebook.

    Attributes
    ----------
    names : list of str
        The file's column names (surrounding blanks removed), in file order.
    targets : list of str or None
        The codebook column each file column is read as, None for a column
        not in the codebook.
    missing : list of str
        Codebook columns no file column matches, in codebook order.
    unknown : list of str
        File columns that match no codebook column, in file order.
    duplicates : dict of str to list of str
        Codebook columns matched by more than one file column, with those
        columns' names.
    """

    names: list
    targets: list
    missing: list
    unknown: list
    duplicates: dict

    def position(self, target: str) -> int:
        """Position in the file of the column read as ``target``."""
        return self.targets.index(target)


def match_columns(names: Sequence, expected: Sequence[str], mapping: ColumnMapping | None = None) -> ColumnMatch:
    """Match a file's column names to the codebook's columns.

    Parameters
    ----------
    names : sequence
        The file's column names.
    expected : sequence of str
        The codebook's columns for this kind of file.
    mapping : ColumnMapping, optional
        Export columns it names are read as their targets; the others by
        their own name, ignoring case and surrounding blanks.

    Returns
    -------
    ColumnMatch
    """
    by_fold = {fold_name(c): c for c in expected}
    shown = [str(n).strip() for n in names]
    targets: list[str | None] = []
    for name in shown:
        target = mapping.target(name) if mapping is not None else None
        targets.append(target if target is not None else by_fold.get(fold_name(name)))
    seen: dict[str, list[str]] = {}
    for name, target in zip(shown, targets):
        if target is not None:
            seen.setdefault(target, []).append(name)
    duplicates = {target: found for target, found in seen.items() if len(found) > 1}
    missing = [c for c in expected if c not in seen]
    unknown = [name for name, target in zip(shown, targets) if target is None]
    return ColumnMatch(names=shown, targets=targets, missing=missing, unknown=unknown, duplicates=duplicates)
