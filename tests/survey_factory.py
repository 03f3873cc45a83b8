"""Survey files the project did not generate: a small, independent generator for tests.

Everything here reads ``data/codebook.yaml`` with plain YAML and draws
answers uniformly (or as asked) with NumPy.  It deliberately shares no code
with ``cwp synth`` or with the library's readers, so a test that passes on
these files is evidence that the pipeline works on data it was not
calibrated to.

The main entry points:

:func:`make_survey`
    A survey as a frame of text cells (``str``, ``""`` for a missing
    answer), with knobs for size, item non-response, half-answered pairs,
    skip-logic slips, answer labels instead of codes, constant answers,
    "before equals after" and whole domains left empty.
:func:`write_survey`
    Writes such a frame in the formats evaluators export: CSV (UTF-8, UTF-8
    with BOM, cp1252, comma/semicolon/tab), ``.xlsx``, SPSS ``.sav`` (with
    value labels) and Stata ``.dta``.
:func:`make_workstar`
    A Work Star file of first and last readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_PATH = REPO_ROOT / "data" / "codebook.yaml"


@dataclass(frozen=True)
class Item:
    """One codebook variable as this generator sees it."""

    id: str
    domain: str
    codes: dict[int, str]
    paired: bool
    depends_on: dict | None

    @property
    def columns(self) -> tuple[str, ...]:
        return (f"{self.id}_before", f"{self.id}_after") if self.paired else (self.id,)


@lru_cache(maxsize=1)
def codebook_items() -> tuple[Item, ...]:
    """The codebook's answerable items, read straight from the YAML file."""
    raw = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    scales = raw["scales"]
    items = []
    for variable in raw["variables"]:
        if variable.get("type") == "identifier":
            continue
        scale = scales[variable["scale"]]
        codes = {int(code): str(label) for code, label in scale["codes"].items()}
        items.append(Item(variable["id"], variable["domain"], codes, bool(variable.get("paired")),
                          variable.get("depends_on")))
    return tuple(items)


def id_column() -> str:
    return yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))["id_column"]


def survey_columns() -> list[str]:
    """Every column of a complete survey file, identifier first."""
    return [id_column()] + [column for item in codebook_items() for column in item.columns]


def make_survey(
    n: int,
    seed: int = 0,
    *,
    missing: float = 0.0,
    half_pairs: float = 0.0,
    skip_slips: int = 0,
    labels: float = 0.0,
    constant: bool = False,
    before_equals_after: bool = False,
    empty_domains: tuple[str, ...] = (),
    id_prefix: str = "P",
    improvement: float = 0.0,
) -> pd.DataFrame:
    """A codebook-shaped survey of ``n`` respondents, as text cells.

    Parameters
    ----------
    n : int
        Respondents (rows).
    seed : int
        Seed of the NumPy generator.
    missing : float
        Probability that any answer is left empty (item non-response).
    half_pairs : float
        Probability that one half of a before/after pair is emptied.
    skip_slips : int
        Respondents who answer a routed item although the routing answer
        says it was skipped (``children_live_with_mother`` after "no
        children").
    labels : float
        Probability that a cell holds the codebook label (in varied case,
        with blanks around it) instead of the code.
    constant : bool
        Every respondent gives the same answer (the first code) everywhere.
    before_equals_after : bool
        Every "after" answer equals its "before" answer.
    empty_domains : tuple of str
        Domains whose every answer is missing.
    id_prefix : str
        Prefix of the respondent identifiers (``P0001`` ...).
    improvement : float
        Probability that an "after" answer moves one code up from "before".
    """
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {id_column(): [f"{id_prefix}{i + 1:04d}" for i in range(n)]}
    codes_of: dict[str, list[int]] = {}
    for item in codebook_items():
        codes = list(item.codes)
        if constant:
            before = np.full(n, codes[0])
        else:
            before = rng.choice(codes, size=n)
        if item.paired:
            after = before.copy()
            if not before_equals_after and not constant:
                moves = rng.random(n) < improvement
                position = np.searchsorted(np.array(sorted(codes)), before)
                up = np.minimum(position + 1, len(codes) - 1)
                after = np.where(moves, np.array(sorted(codes))[up], rng.choice(codes, size=n))
            codes_of[item.columns[0]] = list(before)
            codes_of[item.columns[1]] = list(after)
        else:
            codes_of[item.id] = list(before)
    items = {item.id: item for item in codebook_items()}
    for item in codebook_items():
        for column in item.columns:
            values = codes_of[column]
            cells = []
            for row, code in enumerate(values):
                if item.domain in empty_domains or (missing and rng.random() < missing):
                    cells.append("")
                elif labels and rng.random() < labels:
                    label = item.codes[int(code)]
                    cells.append(_vary_case(label, rng))
                else:
                    cells.append(str(int(code)))
            columns[column] = cells
        if item.paired and half_pairs:
            for row in range(n):
                if rng.random() < half_pairs:
                    columns[item.columns[int(rng.integers(2))]][row] = ""
    for item in codebook_items():
        routing = item.depends_on
        if not routing:
            continue
        parent = items[routing["variable"]]
        allowed = {int(c) for c in routing["codes"]}
        other = [c for c in parent.codes if c not in allowed]
        for row in range(n):
            parent_code = _code_of(columns[parent.id][row], parent)
            if parent_code is not None and parent_code not in allowed:
                columns[item.id][row] = ""
        for row in range(min(skip_slips, n)):
            columns[parent.id][row] = str(other[0])
            columns[item.id][row] = str(next(iter(item.codes)))
    return pd.DataFrame(columns)


def _vary_case(label: str, rng: np.random.Generator) -> str:
    style = int(rng.integers(3))
    text = label.upper() if style == 0 else label.lower() if style == 1 else label
    return f" {text} " if rng.random() < 0.5 else text


def _code_of(cell: str, item: Item) -> int | None:
    text = cell.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    for code, label in item.codes.items():
        if label.casefold() == text.casefold():
            return code
    return None


def as_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """The same survey with every label turned back into its code (nullable integers)."""
    out = {id_column(): frame[id_column()].astype(str)}
    for item in codebook_items():
        for column in item.columns:
            out[column] = pd.array([_code_of(cell, item) for cell in frame[column]], dtype="Int64")
    return pd.DataFrame(out)


def make_workstar(n: int, seed: int = 0, *, id_prefix: str = "W") -> pd.DataFrame:
    """A Work Star file: first and last readings (1-10) for each area."""
    raw = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))["workstar"]
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {raw["id_column"]: [f"{id_prefix}{i + 1:04d}" for i in range(n)]}
    low, high = raw["scale"]["min"], raw["scale"]["max"]
    for area in raw["areas"]:
        first = rng.integers(low, high + 1, size=n)
        last = np.clip(first + rng.integers(-1, 4, size=n), low, high)
        columns[f"{raw['column_prefix']}{area['id']}_first"] = [str(v) for v in first]
        columns[f"{raw['column_prefix']}{area['id']}_last"] = [str(v) for v in last]
    return pd.DataFrame(columns)


#: Formats :func:`write_survey` writes, by name.
FORMATS = ("csv", "csv-bom", "cp1252", "semicolon", "tab", "xlsx", "sav", "dta")


def write_survey(frame: pd.DataFrame, path: str | Path, fmt: str = "csv", *,
                 headers: dict[str, str] | None = None) -> Path:
    """Write a text-cell survey in one of :data:`FORMATS`; returns the path.

    ``sav`` and ``dta`` store numeric codes with the codebook's labels as
    value labels (labels in the frame are converted to codes first).
    ``headers`` renames codebook columns to an export's own headers.
    """
    path = Path(path)
    headers = headers or {}
    if fmt not in ("sav", "dta"):
        frame = frame.rename(columns=headers)
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif fmt == "csv-bom":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif fmt == "cp1252":
        frame.to_csv(path, index=False, encoding="cp1252")
    elif fmt == "semicolon":
        frame.to_csv(path, index=False, sep=";", encoding="utf-8")
    elif fmt == "tab":
        frame.to_csv(path, index=False, sep="\t", encoding="utf-8")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, sheet_name="export")
    elif fmt in ("sav", "dta"):
        import pyreadstat

        codes = as_codes(frame)
        numeric = codes.drop(columns=[id_column()]).astype("float64")
        numeric.insert(0, id_column(), codes[id_column()])
        value_labels = {headers.get(column, column): {float(k): v for k, v in item.codes.items()}
                        for item in codebook_items() for column in item.columns}
        numeric = numeric.rename(columns=headers)
        if fmt == "sav":
            pyreadstat.write_sav(numeric, str(path), variable_value_labels=value_labels)
        else:
            # Stata value labels must be integers: keep the codes, labels attached.
            pyreadstat.write_dta(numeric, str(path), variable_value_labels={
                c: {int(k): v for k, v in labels.items()} for c, labels in value_labels.items()})
    else:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return path
