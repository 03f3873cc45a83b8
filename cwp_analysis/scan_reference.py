"""What the disclosure scan looks for besides small counts: identifiers, survey rows, free text.

:func:`survey_reference` reads the survey (and Work Star) files a site was
built from and returns a :class:`Reference`:

* the respondent identifiers, as one regular expression matching whole
  tokens (the identifiers of the files, any identifiers given explicitly,
  and an optional pattern such as the synthetic ``SYN-001``);
* fingerprints of each respondent's answers: every window of
  :data:`ROW_RUN` consecutive present codes holding at least
  :data:`MIN_DISTINCT_CODES` different values;
* the free-text answers: text cells of at least
  :data:`FREE_TEXT_MIN_LENGTH` characters that occur once in their column;
* the project's own text (:func:`known_text`), which a long table cell may
  repeat without being free text.

Identifiers shorter than :data:`MIN_ID_LENGTH` characters or made only of
digits are not searched as text (they would match ordinary numbers; the
survey-row rule still finds their rows).

Examples
--------
>>> import pandas as pd
>>> survey = pd.DataFrame({"respondent_id": ["R-0042", "17"], "q1": ["1", "2"]})
>>> reference = survey_reference(survey, None)
>>> list(reference.find_identifiers("row R-0042 here")), list(reference.find_identifiers("R-00421"))
(['R-0042'], [])
>>> sorted(survey_identifiers(survey))
['17', 'R-0042']
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cwp_analysis.disclosure import IDENTIFIER_COLUMNS

__all__ = [
    "FREE_TEXT_MIN_LENGTH",
    "MIN_DISTINCT_CODES",
    "MIN_ID_LENGTH",
    "ROW_RUN",
    "Reference",
    "code_windows",
    "known_text",
    "normal_text",
    "survey_identifiers",
    "survey_reference",
]

#: Consecutive codes of one respondent that make a survey-row finding.
ROW_RUN = 10
#: A maximal run of word characters and hyphens: the token an identifier must fill exactly.
ID_TOKEN = re.compile(r"[\w-]+")
#: Different values a fingerprint window must hold.
MIN_DISTINCT_CODES = 3
#: Shortest text answer in a survey file treated as free text.
FREE_TEXT_MIN_LENGTH = 20
#: Shortest survey identifier searched for as text.
MIN_ID_LENGTH = 4
_TABLE_SUFFIXES = (".csv", ".tsv")


def normal_text(text: str) -> str:
    """White space collapsed and case folded, for comparing texts."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Reference:
    """What a scan looks for besides small counts.

    Attributes
    ----------
    id_regex : re.Pattern or None
        Matches a respondent identifier as a whole token; None for none.
        Identifiers made only of word characters and hyphens (nearly all)
        are looked up in :attr:`id_tokens` instead, so a survey of 100,000
        respondents costs a set lookup per token, not a 100,000-way regex.
    id_tokens : frozenset of str
        Those plain identifiers.
    fingerprints : Fingerprints
        Window of codes -> ``"row N of FILE"`` (:meth:`Fingerprints.get`).
    free_texts : dict
        Normalised answer -> ``"row N, column C of FILE"``.
    known_text : str
        The project's own text, normalised, one string per line.
    identifiers : int
        How many identifiers of survey files (or given explicitly) are searched.
    """

    id_regex: re.Pattern | None
    fingerprints: Fingerprints = field(default_factory=lambda: Fingerprints())
    free_texts: dict = field(default_factory=dict)
    known_text: str = ""
    identifiers: int = 0
    id_tokens: frozenset = frozenset()

    def find_identifiers(self, text: str) -> Iterator[str]:
        """The respondent identifiers in ``text``, each occurrence, in order of the two searches."""
        if self.id_tokens:
            for token in ID_TOKEN.findall(text):
                if token in self.id_tokens:
                    yield token
        if self.id_regex is not None:
            for match in self.id_regex.finditer(text):
                yield match.group(0)


def _sources(survey) -> list:
    import pandas as pd

    if survey is None:
        return []
    return [survey] if isinstance(survey, (str, os.PathLike, pd.DataFrame)) else list(survey)


def _text_frames(survey) -> list[tuple[str, Any]]:
    import pandas as pd

    from cwp_analysis.survey_io import read_table, text_cells

    frames = []
    for source in _sources(survey):
        if isinstance(source, pd.DataFrame):
            frames.append(("<data frame>", text_cells(source)))
        else:
            frames.append((Path(source).name, text_cells(read_table(source))))
    return frames


def _id_column(columns: Sequence[str], id_columns: Sequence[str]) -> str | None:
    wanted = {c.strip().lower() for c in id_columns} | set(IDENTIFIER_COLUMNS)
    found = [c for c in columns if c.strip().lower() in wanted]
    return found[0] if found else None


def survey_identifiers(survey, *, id_columns: Sequence[str] = ()) -> set[str]:
    """Every respondent identifier of survey files (exact values, as text).

    Parameters
    ----------
    survey : path-like, pandas.DataFrame, or a sequence of them
        Read with :func:`cwp_analysis.survey_io.read_table`.
    id_columns : sequence of str
        Identifier column names besides
        :data:`cwp_analysis.disclosure.IDENTIFIER_COLUMNS` (for instance a
        build manifest's ``id_column``).

    Returns
    -------
    set of str
    """
    ids: set[str] = set()
    for _, text in _text_frames(survey):
        column = _id_column([str(c) for c in text.columns], id_columns)
        if column is not None:
            ids.update(str(v) for v in text[column] if v)
    return ids


def code_windows(codes: Sequence[int | None]) -> Iterator[tuple[int, ...]]:
    """Every :data:`ROW_RUN`-long window of present codes with enough different values."""
    run: list[int] = []
    for code in [*codes, None]:
        if code is None:
            for start in range(len(run) - ROW_RUN + 1):
                window = tuple(run[start:start + ROW_RUN])
                if len(set(window)) >= MIN_DISTINCT_CODES:
                    yield window
            run = []
        else:
            run.append(code)


class Fingerprints:
    """Every :data:`ROW_RUN`-long window of each respondent's codes, as 64-bit hashes sorted for lookup.

    Built with NumPy (a survey of 100,000 respondents in seconds, in tens of
    megabytes); :meth:`get` answers like a ``dict`` from window to source.
    Windows follow :func:`code_windows`: consecutive present codes with at
    least :data:`MIN_DISTINCT_CODES` different values.
    """

    _MULTIPLIERS = np.random.default_rng(20200501).integers(1, 2**63 - 1, size=ROW_RUN, dtype=np.uint64) | 1

    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._names: list[str] = []
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def _hash(cls, windows: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (windows.astype(np.uint64) * cls._MULTIPLIERS).sum(axis=-1, dtype=np.uint64)

    def add(self, name: str, numbers: np.ndarray, usable: np.ndarray) -> None:
        """Add the windows of a matrix of codes (rows are respondents); ``usable`` marks present whole codes."""
        if numbers.ndim != 2 or numbers.shape[1] < ROW_RUN or not numbers.size:
            return
        from numpy.lib.stride_tricks import sliding_window_view

        windows = sliding_window_view(numbers, ROW_RUN, axis=1)
        complete = sliding_window_view(usable, ROW_RUN, axis=1).all(axis=-1)
        ordered = np.sort(windows, axis=-1)
        distinct = 1 + (np.diff(ordered, axis=-1) != 0).sum(axis=-1)
        keep = complete & (distinct >= MIN_DISTINCT_CODES)
        rows = np.broadcast_to(np.arange(numbers.shape[0])[:, None], keep.shape)[keep]
        self._hashes.append(self._hash(windows[keep]))
        self._rows.append(rows.astype(np.int64))
        self._names.append(name)
        self._sorted = None

    def _index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._sorted is None:
            hashes = np.concatenate(self._hashes) if self._hashes else np.empty(0, np.uint64)
            rows = np.concatenate(self._rows) if self._rows else np.empty(0, np.int64)
            files = (np.concatenate([np.full(len(r), k) for k, r in enumerate(self._rows)])
                     if self._rows else np.empty(0, np.int64))
            order = np.argsort(hashes, kind="stable")
            self._sorted = (hashes[order], rows[order], files[order])
        return self._sorted

    def __len__(self) -> int:
        return int(sum(len(h) for h in self._hashes))

    def get(self, window: Sequence[int]) -> str | None:
        """``"row N of FILE"`` of the first respondent whose answers hold ``window``, or None."""
        if len(window) != ROW_RUN or not len(self):
            return None
        hashes, rows, files = self._index()
        key = self._hash(np.asarray(window, dtype=np.int64))
        at = int(np.searchsorted(hashes, key))
        if at >= len(hashes) or hashes[at] != key:
            return None
        return f"row {int(rows[at]) + 2} of {self._names[int(files[at])]}"


def survey_reference(
    survey,
    id_pattern: str | None,
    known: str = "",
    *,
    id_values: Iterable[str] = (),
    id_columns: Sequence[str] = (),
) -> Reference:
    """Build the :class:`Reference` of a scan.

    Parameters
    ----------
    survey : path-like, pandas.DataFrame, a sequence of them, or None
        Microdata whose identifiers, rows and free-text answers must not appear.
    id_pattern : str or None
        A regular expression of further identifiers (such as the synthetic ``SYN-001``).
    known : str
        The project's own text (:func:`known_text`).
    id_values : iterable of str
        Identifiers to search for besides those of ``survey``.
    id_columns : sequence of str
        Identifier column names besides the usual ones.

    Returns
    -------
    Reference
    """
    ids: set[str] = {str(v) for v in id_values}
    fingerprints = Fingerprints()
    free_texts: dict[str, str] = {}
    frames = _text_frames(survey)
    if frames:
        from cwp_analysis.survey_io import parse_codes
    for name, text in frames:
        columns = [str(c) for c in text.columns]
        id_column = _id_column(columns, id_columns)
        others = [c for c in columns if c != id_column]
        if id_column is not None:
            ids.update(str(v) for v in text[id_column] if v)
        if not others:
            continue
        cells = text[others].to_numpy(dtype=object)
        numbers, whole, present = parse_codes(cells)
        fingerprints.add(name, numbers, whole)
        for j, column in enumerate(others):
            seen: dict[str, int] = {}
            for i in range(cells.shape[0]):
                if present[i, j] and not whole[i, j]:
                    key = normal_text(cells[i, j])
                    seen[key] = seen.get(key, 0) + 1
            for i in range(cells.shape[0]):
                if present[i, j] and not whole[i, j] and len(cells[i, j]) >= FREE_TEXT_MIN_LENGTH:
                    key = normal_text(cells[i, j])
                    # an answer label of the codebook (cells may hold labels) is the project's own text
                    if seen[key] == 1 and not (known and key in known):
                        free_texts.setdefault(key, f"row {i + 2}, column {column!r} of {name}")
    searched = sorted((i for i in ids if len(i) >= MIN_ID_LENGTH and not i.isdigit()), key=lambda s: (-len(s), s))
    plain = frozenset(i for i in searched if ID_TOKEN.fullmatch(i))
    patterns = ([id_pattern] if id_pattern else []) + [re.escape(i) for i in searched if i not in plain]
    regex = re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])") if patterns else None
    return Reference(regex, fingerprints, free_texts, known, len(searched), plain)


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def known_text(sources) -> str:
    """The project's own text: string values of data files, normalised, one per line.

    Parameters
    ----------
    sources : path-like, sequence of path-like, or None
        Files or folders; None for the project data folder without ``private/``.

    Returns
    -------
    str
    """
    import yaml

    from cwp_analysis.paths import data_dir

    if sources is None:
        root = data_dir()
        files = [p for p in sorted(root.rglob("*")) if p.is_file() and "private" not in p.relative_to(root).parts]
    else:
        files = []
        for source in [sources] if isinstance(sources, (str, os.PathLike)) else list(sources):
            source = Path(source)
            files += sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    pieces: list[str] = []
    for path in files:
        suffix = path.suffix.lower()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            if suffix in (".yaml", ".yml"):
                pieces += _strings(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
            elif suffix == ".json":
                pieces += _strings(json.loads(text))
            elif suffix in _TABLE_SUFFIXES:
                delimiter = "\t" if suffix == ".tsv" else ","
                pieces += [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]
            else:
                pieces.append(text)
        except (ValueError, yaml.YAMLError, csv.Error):
            pieces.append(text)
    return "\n".join(normal_text(p) for p in pieces if p.strip())
