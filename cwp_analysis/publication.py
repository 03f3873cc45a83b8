"""The publication table type, number formatting, and reading disclosed tables for prose.

:class:`PublicationTable` is what every table builder
(:mod:`cwp_analysis.tables`, :mod:`cwp_analysis.outcome_tables`) returns: a
reader-facing frame plus the declarations disclosure control needs (which
columns count people, which are derived from them, which lines add up).
:mod:`cwp_analysis.prose` reads a disclosed table for the prose, so that
nothing is quoted that the table withholds.

Conventions
-----------
* Count columns hold numbers of women; derived columns (percentages,
  intervals, means, effect sizes) are withheld wherever one of their
  source counts is suppressed (:mod:`cwp_analysis.derived_rule`).
* Small complements: a share "k of n" also publishes ``n - k``.  When
  ``n - k`` lies between 1 and the threshold, ``k`` is marked before
  disclosure (``PublicationTable.complements``).
* Group shares (``PublicationTable.group_shares``): the share of a group
  of answers is withheld with its cells, and published again only where
  :func:`cwp_analysis.derived_rule.releasable_group_totals` allows it.
* Shares quoted in prose are read from the published cells, never
  recomputed from the data.
* Percentages are in percent; derived numbers are text with a fixed number
  of decimals; p-values print as ``"< 0.0001"`` below that bound, else with
  four decimals.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cwp_analysis.derived_rule import releasable_group_totals
from cwp_analysis.disclosure import (
    DEFAULT_MARKER,
    DEFAULT_THRESHOLD,
    Cell,
    DisclosedTable,
    audit_page,
    disclose,
    share_facts,
)

__all__ = [
    "PublicationTable",
    "format_pvalue",
    "withhold_cells",
    "WITHHELD_TEXT",
    "P_FLOOR",
]

#: What :func:`cell_text` returns for a withheld cell (for prose).
WITHHELD_TEXT = "withheld (small count)"

#: Smallest p-value printed as a number; smaller ones print as "< 0.0001".
P_FLOOR = 1e-4

_SECONDARY_MODES = (False, True, "both", "rows", "columns")


# --------------------------------------------------------------------------- the table type


def _as_labels(value, what: str) -> tuple:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{what} must be a sequence of column names, got {value!r}")
    return tuple(value)


@dataclass(frozen=True, eq=False)
class PublicationTable:
    """A reader-facing table and how disclosure control must treat it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as it should read (rounded, renamed).
    count_columns : sequence of str
        Columns holding numbers of women.
    derived_columns : mapping of str to sequence of str
        ``{derived column: its source count columns}``.
    secondary : bool or {"both", "rows", "columns"}
        Secondary suppression mode (see :func:`cwp_analysis.disclosure.disclose`).
    complements : mapping of str to str
        ``{count column: column holding its base}``: the count is withheld
        when ``base - count`` lies in ``1..threshold`` (see the module notes).
    group_columns : sequence of str
        When given, rows sharing these columns' values are disclosed as
        separate tables (e.g. one question of a stacked frequency table).
    total_columns : sequence of str, optional
        Count columns that are totals of their row (passed to ``disclose``).
    group_shares : mapping of str to sequence of str, optional
        ``{derived share column: the count columns of its group}`` for
        tables whose rows split a base into groups of answers (Likert
        "% negative", "% neutral", "% positive").  The groups must
        partition the row's answer columns and ``share_base`` must be
        given.  Each share is withheld with its cells and the base
        (``derived_columns`` must list them), then published again in the
        rows where :func:`cwp_analysis.derived_rule.releasable_group_totals`
        allows it.
    share_base : str, optional
        The count column holding each row's base, for ``group_shares``.
    after_disclosure : sequence of callables, optional
        Further withholding rules of the table's own, applied in order
        after disclosure control: each is called as ``rule(disclosed,
        threshold)`` and returns the :class:`DisclosedTable` with more
        cells withheld (see :func:`withhold_cells`), e.g. the test
        statistics of :func:`cwp_analysis.outcome_tables.outcome_publication_table`.

    Notes
    -----
    A table with no rows discloses to an empty table with nothing withheld.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"Count": [60, 40], "Base": [66, 66]}),
    ...                      count_columns=["Count", "Base"], complements={"Count": "Base"})
    >>> t.disclose(7).table["Count"].tolist()
    ['[c]', 40]
    """

    frame: pd.DataFrame
    count_columns: tuple = ()
    derived_columns: Mapping = field(default_factory=dict)
    secondary: bool | str = False
    complements: Mapping = field(default_factory=dict)
    group_columns: tuple = ()
    total_columns: tuple | None = None
    group_shares: Mapping = field(default_factory=dict)
    share_base: str | None = None
    after_disclosure: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise ValueError(f"frame must be a pandas DataFrame, got {type(self.frame).__name__}")
        counts = _as_labels(self.count_columns, "count_columns")
        if not counts:
            raise ValueError("a publication table needs at least one count column")
        derived = {}
        for column, sources in dict(self.derived_columns).items():
            derived[column] = _as_labels(sources, f"sources of derived column {column!r}")
        groups = _as_labels(self.group_columns, "group_columns")
        totals = None if self.total_columns is None else _as_labels(self.total_columns, "total_columns")
        complements = dict(self.complements)
        known = set(self.frame.columns)
        named = [*counts, *derived, *(s for v in derived.values() for s in v), *groups,
                 *complements, *complements.values(), *(totals or ())]
        unknown = [c for c in named if c not in known]
        if unknown:
            raise ValueError(f"column(s) not in the table: {', '.join(map(str, dict.fromkeys(unknown)))}")
        strays = [s for v in derived.values() for s in v if s not in counts]
        strays += [c for c in complements if c not in counts]
        if strays:
            raise ValueError(f"column(s) {', '.join(map(str, dict.fromkeys(strays)))} must be count columns")
        if self.secondary not in _SECONDARY_MODES:
            raise ValueError(f"secondary must be one of {_SECONDARY_MODES}, got {self.secondary!r}")
        shares = {column: _as_labels(cells, f"cells of group share {column!r}")
                  for column, cells in dict(self.group_shares).items()}
        if shares:
            if self.share_base not in counts:
                raise ValueError("group_shares needs share_base, one of the count columns")
            for column, cells in shares.items():
                needed = {*cells, self.share_base}
                if column not in derived or not needed <= set(derived[column]):
                    raise ValueError(f"group share {column!r} must be a derived column of its cells and the base")
            grouped = [c for cells in shares.values() for c in cells]
            if len(grouped) != len(set(grouped)) or not set(grouped) <= set(counts):
                raise ValueError("group_shares must split count columns into disjoint groups")
        rules = tuple(self.after_disclosure)
        if not all(callable(rule) for rule in rules):
            raise ValueError("after_disclosure must hold callables rule(disclosed, threshold)")
        object.__setattr__(self, "after_disclosure", rules)
        object.__setattr__(self, "group_shares", shares)
        object.__setattr__(self, "count_columns", counts)
        object.__setattr__(self, "derived_columns", derived)
        object.__setattr__(self, "complements", complements)
        object.__setattr__(self, "group_columns", groups)
        object.__setattr__(self, "total_columns", totals)

    def _mark_complements(self, frame: pd.DataFrame, threshold: int, marker: str) -> pd.DataFrame:
        out = frame.copy()
        for column, base in self.complements.items():
            count = pd.to_numeric(out[column], errors="coerce")
            total = pd.to_numeric(out[base], errors="coerce")
            remainder = total - count
            small = (remainder >= 1) & (remainder <= threshold)
            if small.any():
                out[column] = out[column].astype(object)
                out.loc[small.to_numpy(), column] = marker
        return out

    def _disclose_one(self, frame: pd.DataFrame, threshold: int, marker: str) -> DisclosedTable:
        if frame.empty:
            mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
            return DisclosedTable(table=frame.copy(), suppressed=mask, primary=mask.copy(), n_primary=0,
                                  n_secondary=0, n_derived=0, threshold=threshold, marker=marker)
        result = disclose(
            frame,
            count_columns=list(self.count_columns),
            threshold=threshold,
            marker=marker,
            secondary=self.secondary,
            derived_columns={k: list(v) for k, v in self.derived_columns.items()},
            total_rows=[],
            total_columns=None if self.total_columns is None else list(self.total_columns),
        )
        return self._release_group_shares(result, threshold) if self.group_shares else result

    def _release_group_shares(self, result: DisclosedTable, threshold: int) -> DisclosedTable:
        """Publish again the group shares that :func:`releasable_group_totals` allows.

        The releases are then confirmed by the page audit
        (:func:`cwp_analysis.disclosure.audit_page` with the shares as
        facts): a row whose release the audit would fail keeps its shares
        withheld.
        """
        shares = list(self.group_shares)
        cells = [c for column in shares for c in self.group_shares[column]]
        positions, start = [], 0
        for column in shares:
            size = len(self.group_shares[column])
            positions.append(tuple(range(start, start + size)))
            start += size
        mask = result.suppressed
        releases = []
        for label in result.table.index:
            if not mask.loc[label, shares].any():
                continue
            raw = [self.frame.at[label, c] for c in cells]
            if any(_is_missing(v) for v in raw) or _is_missing(self.frame.at[label, self.share_base]):
                continue
            flags = releasable_group_totals(
                [int(v) for v in raw], [bool(mask.at[label, c]) for c in cells], positions,
                base_shown=not bool(mask.at[label, self.share_base]), threshold=threshold)
            releases += [(label, column) for column, flag in zip(shares, flags)
                         if flag and bool(mask.at[label, column]) and not _is_missing(self.frame.at[label, column])]
        audit = result.audit
        while releases and result.problem is not None:
            facts = []
            for label, column in releases:
                text = str(self.frame.at[label, column])
                decimals = len(text.split(".")[1]) if "." in text else 0
                facts += share_facts([Cell(None, label, c) for c in self.group_shares[column]],
                                     Cell(None, label, self.share_base), float(text), decimals)
            audit = audit_page(result, facts=facts, threshold=threshold)
            if audit.passed:
                break
            failing = set(audit.failures["row"])
            kept = [(label, column) for label, column in releases if label not in failing]
            if len(kept) == len(releases):
                releases = []
                audit = result.audit
                break
            releases = kept
        if not releases:
            return result
        table, mask = result.table.copy(), result.suppressed.copy()
        for label, column in releases:
            table.at[label, column] = self.frame.at[label, column]
            mask.at[label, column] = False
        return replace(result, table=table, suppressed=mask, n_derived=result.n_derived - len(releases),
                       audit=audit)

    def disclose(self, threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER) -> DisclosedTable:
        """Apply small-complement marking and disclosure control.

        Parameters
        ----------
        threshold : int
            Counts from 1 to ``threshold`` are suppressed (and counts whose
            complement lies in that range, for ``complements``).
        marker : str

        Returns
        -------
        DisclosedTable
            For grouped tables the groups' results are stacked in table
            order and their suppression counts added up.
        """
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
            raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
        frame = self._mark_complements(self.frame, int(threshold), marker)
        result = self._disclose_groups(frame, int(threshold), marker)
        for rule in self.after_disclosure:
            result = rule(result, int(threshold))
        return result

    def _disclose_groups(self, frame: pd.DataFrame, threshold: int, marker: str) -> DisclosedTable:
        if not self.group_columns or frame.empty:
            return self._disclose_one(frame, threshold, marker)
        keys = frame[list(self.group_columns)].astype(str).agg(" | ".join, axis=1)
        parts = [self._disclose_one(frame[keys == key], threshold, marker) for key in dict.fromkeys(keys)]
        order = frame.index
        return DisclosedTable(
            table=pd.concat([p.table for p in parts]).loc[order],
            suppressed=pd.concat([p.suppressed for p in parts]).loc[order],
            primary=pd.concat([p.primary for p in parts]).loc[order],
            n_primary=sum(p.n_primary for p in parts),
            n_secondary=sum(p.n_secondary for p in parts),
            n_derived=sum(p.n_derived for p in parts),
            threshold=int(threshold),
            marker=marker,
            unprotected=tuple(u for p in parts for u in p.unprotected),
        )


def withhold_cells(disclosed: DisclosedTable, cells: pd.DataFrame) -> DisclosedTable:
    """Withhold more cells of a disclosed table (derived values a table-specific rule withholds).

    Parameters
    ----------
    disclosed : DisclosedTable
    cells : pandas.DataFrame of bool
        True where a cell is to be withheld; its index and columns must be
        labels of the table (missing labels count as False).

    Returns
    -------
    DisclosedTable
        The cells hold the marker, the mask includes them, and
        ``n_derived`` counts the newly withheld cells.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [30, 40], "r": ["0.10", "0.20"]}), count_columns=["n"])
    >>> d = withhold_cells(t.disclose(7), pd.DataFrame({"r": [True, False]}))
    >>> d.table["r"].tolist(), d.n_derived
    (['[c]', '0.20'], 1)
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    wanted = cells.reindex(index=disclosed.table.index, columns=disclosed.table.columns, fill_value=False)
    wanted = wanted.fillna(False).astype(bool)
    new = wanted & ~disclosed.suppressed
    if not new.to_numpy().any():
        return disclosed
    table = disclosed.table.copy()
    for column in new.columns[new.any()]:
        table[column] = table[column].astype(object)
        table.loc[new[column].to_numpy(), column] = disclosed.marker
    return replace(disclosed, table=table, suppressed=disclosed.suppressed | new,
                   n_derived=disclosed.n_derived + int(new.to_numpy().sum()))


# --------------------------------------------------------------------------- formatting


def format_pvalue(p) -> str:
    """A p-value as text: ``"< 0.0001"`` below 0.0001, else four decimals; ``""`` when missing.

    Examples
    --------
    >>> format_pvalue(0.00618), format_pvalue(3.2e-9), format_pvalue(float("nan"))
    ('0.0062', '< 0.0001', '')
    """
    if _is_missing(p):
        return ""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a p-value must lie between 0 and 1, got {p!r}")
    return "< 0.0001" if p < P_FLOOR else f"{p:.4f}"


def _round(series: pd.Series, decimals: int) -> pd.Series:
    return pd.to_numeric(series, errors="raise").astype(float).round(decimals)


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value))


def _fixed(values, decimals: int) -> list:
    """Numbers as text with a fixed number of decimals (None for missing).

    Derived columns become text anyway once a cell is withheld, so they are
    formatted here to keep the decimals of a column uniform.
    """
    return [None if _is_missing(v) else f"{float(v):.{decimals}f}" for v in values]


def _interval_text(low, high, decimals: int) -> list:
    return [
        None if _is_missing(a) or _is_missing(b) else f"{float(a):.{decimals}f} to {float(b):.{decimals}f}"
        for a, b in zip(low, high)
    ]


def _require(frame, columns, what: str) -> None:
    """Check a builder's input frame has the columns it reads (an empty frame is fine)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _check_decimals(decimals) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) or not 0 <= decimals <= 6:
        raise ValueError(f"decimals must be a whole number from 0 to 6, got {decimals!r}")
    return int(decimals)


def _timepoint_text(values) -> list[str]:
    return [v.capitalize() if isinstance(v, str) else "" for v in values]
