"""Published shares as the attacker reads them: what count a percentage of a base pins down.

A share printed with ``d`` decimals, ``p``, of a base ``n`` tells that the
count behind it is a whole number ``k`` with ``100 k / n`` within half a unit
of the last digit of ``p`` (the rounding interval):
``n (p - 0.5/10^d) / 100 <= k <= n (p + 0.5/10^d) / 100``.  "8% of 65"
leaves only ``k = 5``; "96% of 68" leaves ``k = 65``, so 3 people are
outside the share.  :func:`share_findings` reports every shown share whose
count, or whose complement ``n - k``, is thereby confined to
``1..threshold``; :func:`table_share_facts` turns the shares of a table
into :class:`~cwp_analysis.sdc_audit.LinearFact` s for the LP audit when
the counts they add up are known.

Examples
--------
>>> t = pd.DataFrame({"Count": ["[c]", 60], "Base": [65, 65], "%": ["7.7", "92.3"]}, index=["yes", "no"])
>>> share_findings(t, resolve_shares(t, None, ["Count", "Base"]), 7, "[c]")
["column '%', row 'yes': 7.7% of 65 pins the count to 5..5 (inside 1..7)", \
"column '%', row 'no': 92.3% of 65 pins the rest of the base to 5..5 (inside 1..7)"]
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cwp_analysis.sdc_audit import Cell, LinearFact, share_count_range, share_facts

__all__ = [
    "BASE_WORDS",
    "SHARE_WORDS",
    "ShareColumn",
    "parse_share",
    "resolve_shares",
    "share_findings",
    "table_share_facts",
]

#: Words that make a column a share (percentage) column.
SHARE_WORDS = frozenset({"%", "percent", "percentage", "pct", "share", "proportion"})
#: Last words of a count column that make it a base, in order of preference.
BASE_WORDS = (frozenset({"base"}), frozenset({"pairs", "answering"}), frozenset({"n"}))

_SHARE_TEXT = re.compile(r"\s*([+-]?\d+)(?:\.(\d+))?\s*%?\s*")


@dataclass(frozen=True)
class ShareColumn:
    """A share column: the count columns it adds up (None when unknown) and its base.

    Attributes
    ----------
    column : hashable
    sources : tuple or None
        Count columns whose sum the share is a percentage of; None when not
        known (only the share-and-base check applies).
    base : hashable or float
        The base column, or a known number.
    """

    column: Hashable
    sources: tuple | None
    base: Hashable


def _words(name) -> list[str]:
    return re.findall(r"%|[a-z0-9]+", str(name).lower())


def resolve_shares(table: pd.DataFrame, shares, counts: Sequence) -> list[ShareColumn]:
    """The share columns to check.

    Parameters
    ----------
    table : pandas.DataFrame
    shares : mapping or None
        ``{share column: base}`` or ``{share column: (sources, base)}``,
        where ``base`` is a count column or a number and ``sources`` a count
        column or a list of them.  None: detect share columns by name
        (:data:`SHARE_WORDS`) and use the one count column named like a base
        (:data:`BASE_WORDS`), if there is exactly one.  ``{}``: none.
    counts : sequence
        The table's count columns.

    Returns
    -------
    list of ShareColumn
    """
    if shares is None:
        found = [c for c in table.columns if c not in counts and SHARE_WORDS & set(_words(c))
                 and "ci" not in _words(c)]
        for rank in BASE_WORDS:
            bases = [c for c in counts if _words(c) and _words(c)[-1] in rank]
            if bases:
                return [ShareColumn(c, None, bases[0]) for c in found] if len(bases) == 1 else []
        return []
    if not isinstance(shares, Mapping):
        raise ValueError("shares must map each share column to its base, or to (sources, base)")
    out = []
    for column, spec in shares.items():
        if column not in table.columns:
            raise ValueError(f"share column {column!r} is not in the table")
        sources, base = (spec if isinstance(spec, tuple) and len(spec) == 2 else (None, spec))
        if sources is not None:
            sources = (sources,) if isinstance(sources, Hashable) and not isinstance(sources, tuple) else tuple(sources)
            stray = [s for s in sources if s not in counts]
            if stray:
                raise ValueError(f"share column {column!r}: source(s) {stray} are not count columns")
        is_number = isinstance(base, int | float) and not isinstance(base, bool)
        if not is_number and base not in counts:
            raise ValueError(f"share column {column!r}: base {base!r} is not a count column or a number")
        out.append(ShareColumn(column, sources, base))
    return out


def parse_share(value) -> tuple[float, int] | None:
    """``(percent, decimals)`` of a shown share, or None for a withheld, blank or non-numeric cell.

    >>> parse_share("7.7"), parse_share("96%"), parse_share(12.5), parse_share("[c]"), parse_share("< 5")
    ((7.7, 1), (96.0, 0), (12.5, 1), None, None)
    """
    if value is None or isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return float(value), 0
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return None
        text = repr(float(value))
        if "e" in text:
            return None
        return float(value), min(10, len(text.split(".")[1]) if "." in text else 0)
    if isinstance(value, str):
        match = _SHARE_TEXT.fullmatch(value)
        if match is None:
            return None
        decimals = match.group(2) or ""
        return float(f"{match.group(1)}.{decimals}" if decimals else match.group(1)), min(10, len(decimals))
    return None


def _base_value(table: pd.DataFrame, row, base, marker: str):
    if not isinstance(base, bool) and isinstance(base, int | float) and base not in table.columns:
        return float(base)
    value = table.at[row, base]
    if isinstance(value, str) or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def share_findings(table: pd.DataFrame, specs: Sequence[ShareColumn], threshold: int, marker: str) -> list[str]:
    """Shown shares whose count, or the rest of whose base, is confined to 1..threshold."""
    out = []
    for spec in specs:
        for row in table.index:
            parsed = parse_share(table.at[row, spec.column])
            n = _base_value(table, row, spec.base, marker)
            if parsed is None or n is None or n <= 0:
                continue
            percent, decimals = parsed
            low, high = share_count_range(percent, n, decimals)
            if low > high:
                continue
            text = f"column {spec.column!r}, row {row!r}: {percent:g}% of {n:g}"
            if low >= 1 and high <= threshold:
                out.append(f"{text} pins the count to {low}..{high} (inside 1..{threshold})")
            elif n - high >= 1 and n - low <= threshold:
                out.append(f"{text} pins the rest of the base to {n - high:g}..{n - low:g} (inside 1..{threshold})")
    return out


def table_share_facts(table: pd.DataFrame, specs: Sequence[ShareColumn], marker: str,
                      name: Hashable = None) -> list[LinearFact]:
    """Facts for the LP audit from every shown share whose source counts are known."""
    facts = []
    for spec in specs:
        if spec.sources is None:
            continue
        for row in table.index:
            parsed = parse_share(table.at[row, spec.column])
            if parsed is None:
                continue
            cells = [Cell(name, row, s) for s in spec.sources]
            if spec.base in table.columns:
                base = Cell(name, row, spec.base)
            else:
                base = float(spec.base)
            facts.extend(share_facts(cells, base, parsed[0], parsed[1],
                                     f"column {spec.column!r}, row {row!r}: {parsed[0]:g}%"))
    return facts
