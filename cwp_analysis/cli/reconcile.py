"""``cwp reconcile``: check that Table 1 of the report adds up.

Prints every fault :func:`cwp_analysis.engagement.reconcile` finds, one per
line on stdout, and a one-line summary on stderr.  Finding faults is the
purpose of the command, so it exits 0 whether or not there are any; only a
table that cannot be read is an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cwp_analysis import engagement
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


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise CwpError(f"no such file: {path}")
    try:
        return pd.read_csv(path, dtype={"partner": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CwpError(f"{path}: cannot read as CSV: {message}") from None


def run(args: argparse.Namespace) -> int:
    printed = _read_table(args.table) if args.table is not None else None
    faults = engagement.reconcile(printed)
    if args.all:
        checks = engagement.reconciliation_checks(printed)
        for row in checks.itertuples(index=False):
            if row.status == "fault":
                continue
            printed_text = "not printed" if pd.isna(row.printed) else f"printed {row.printed}"
            verb = "compared with" if row.kind == "definition" else "recomputed"
            print(f"{row.status}: {row.kind}: {row.cell}: {printed_text}, {verb} {row.recomputed}: {row.explanation}")
        total_checks = int((checks["status"] != "information").sum())
    else:
        total_checks = None
    for fault in faults:
        print(f"fault: {fault}")
    checked = f" in {total_checks} checks" if total_checks is not None else ""
    print(f"cwp reconcile: {len(faults)} fault(s) found in Table 1{checked}", file=sys.stderr)
    return 0
