"""``cwp reconcile``: check that Table 1 of the report adds up.

Prints every fault :func:`cwp_analysis.engagement.reconcile` finds, one per
line on stdout, and a one-line summary on stderr.  Finding faults is the
purpose of the command, so it exits 0 whether or not there are any; only a
table that cannot be read is an error.

Disclosure control: the report's own Table 1 (the default) is public, so its
numbers are printed as the report printed them, as the book does.  A table
given with ``--table`` may be anyone's engagement counts, so it is
controlled: a check whose numbers rest on a partner row holding a count of
1 to ``--threshold`` (or on every row, for totals) is printed without its
numbers.  ``--raw`` prints everything, with a warning on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cwp_analysis import engagement
from cwp_analysis.cli import add_raw_option, warn_if_raw
from cwp_analysis.derived_rule import is_small
from cwp_analysis.errors import CwpError

COMMAND = "reconcile"
HELP = "Recompute the sums of Table 1 (engagements) and print every fault, one per line."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table",
        metavar="PATH",
        type=Path,
        help="a CSV in the layout of data/published/engagements.csv (default: the published Table 1)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also print the checks that pass and the recomputed period totals (marked ok / information)",
    )
    add_raw_option(parser, "numbers of a --table")


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CwpError(f"no such file: {path}")
    try:
        return pd.read_csv(path, dtype={"partner": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CwpError(f"{path}: cannot read as CSV: {message}") from None


def small_rows(printed: pd.DataFrame, threshold: int) -> set[str]:
    """Partners (and ``"Total"``) whose row of Table 1 holds a count from 1 to ``threshold``.

    Examples
    --------
    >>> t = pd.DataFrame({"partner": ["A", "B", "Total"], "sep_18": [5, 20, None], "total_1": [5, 20, 25]})
    >>> sorted(small_rows(t, 7))
    ['A']
    """
    rows = set()
    for _, row in printed.iterrows():
        values = pd.to_numeric(row.drop(labels="partner"), errors="coerce").dropna()
        if any(is_small(v, threshold) for v in values):
            rows.add(str(row["partner"]))
    return rows


def withheld_check(cell: str, hidden: set[str]) -> bool:
    """Whether a check's numbers must be withheld: it rests on a row with a small count.

    A check of one partner (``"CELC / Total 1"``) rests on that partner's
    row; a total or a column sum (``"Total / ..."``) on every row.  Since
    every check that touches a row with a small count is withheld, no
    printed number can be combined with another to recover that count.
    """
    row = cell.split(" / ")[0].strip()
    return bool(hidden) and (row == "Total" or row in hidden)


def run(args: argparse.Namespace) -> int:
    printed = _read_table(args.table) if args.table is not None else None
    faults = engagement.reconcile(printed)  # validates the table first
    raw = warn_if_raw(args, COMMAND)
    hidden = set() if raw or printed is None else small_rows(printed, args.threshold)
    withheld = 0
    if args.all:
        checks = engagement.reconciliation_checks(printed)
        for row in checks.itertuples(index=False):
            if row.status == "fault":
                continue
            if withheld_check(row.cell, hidden):
                withheld += 1
                print(f"{row.status}: {row.kind}: {row.cell}: numbers withheld by disclosure control")
                continue
            printed_text = "not printed" if pd.isna(row.printed) else f"printed {row.printed}"
            verb = "compared with" if row.kind == "definition" else "recomputed"
            print(f"{row.status}: {row.kind}: {row.cell}: {printed_text}, {verb} {row.recomputed}: {row.explanation}")
        total_checks = int((checks["status"] != "information").sum())
    else:
        total_checks = None
    for fault in faults:
        if withheld_check(fault.cell, hidden):
            withheld += 1
            print(f"fault: {fault.kind}: {fault.cell}: numbers withheld by disclosure control")
        else:
            print(f"fault: {fault}")
    checked = f" in {total_checks} checks" if total_checks is not None else ""
    note = (f"; the numbers of {withheld} line(s) are withheld (counts of {args.threshold} or fewer)"
            if withheld else "")
    print(f"cwp reconcile: {len(faults)} fault(s) found in Table 1{checked}{note}", file=sys.stderr)
    return 0
