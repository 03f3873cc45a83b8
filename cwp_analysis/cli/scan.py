"""``cwp scan SITE_DIR``: audit a built site for disclosures before publishing it.

Reads every page and downloadable file of the site (and, with
``--outputs``, the notebooks' output tables) and applies the rules of
:mod:`cwp_analysis.disclosure_scan`: no unsuppressed count from 1 to the
threshold in a project table, no respondent identifier, no row of survey
data, no free text, no table shown without disclosure control.

Exit status: 0 when the site is clean (one summary line on stdout); 1 when
there are findings (one line per finding on stdout, a count on stderr); 2
when the site folder or a ``--survey`` file cannot be read.  The findings
quote identifiers and the start of free text, so read them where the data
may be seen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cwp_analysis.cli._types import positive_int

COMMAND = "scan"
HELP = "Check a built site and its downloads for small counts, respondent ids, survey rows and free text."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site", type=Path, metavar="SITE_DIR", help="built HTML folder (e.g. book/_build/html)")
    parser.add_argument("--threshold", type=positive_int, default=7, metavar="N",
                        help="counts from 1 to N must be suppressed (default 7)")
    parser.add_argument("--survey", type=Path, action="append", default=[], metavar="PATH",
                        help="survey (or Work Star) file whose ids, rows and free text must not appear; repeatable")
    parser.add_argument("--outputs", type=Path, metavar="DIR",
                        help="also scan the notebooks' output files (cwp build --outputs, e.g. build/outputs)")
    parser.add_argument("--allow", action="append", default=[], metavar="PATTERN",
                        help="file name pattern not scanned, added to the default (the SYNTHETIC data set); repeatable")
    parser.add_argument("--id-pattern", metavar="REGEX",
                        help=r"regular expression of identifiers (default: SYN-(?:WS-)?[0-9]{3})")


def run(args: argparse.Namespace) -> int:
    from cwp_analysis.disclosure_scan import DEFAULT_ALLOW, DEFAULT_ID_PATTERN, scan_site

    findings = scan_site(
        args.site,
        threshold=args.threshold,
        survey=args.survey or None,
        outputs=args.outputs,
        allow=(*DEFAULT_ALLOW, *args.allow),
        id_pattern=args.id_pattern or DEFAULT_ID_PATTERN,
    )
    if not findings:
        print(f"{args.site}: clean (threshold {args.threshold})")
        return 0
    for finding in findings:
        print(finding)
    files = len({f.file for f in findings})
    noun = "finding" if len(findings) == 1 else "findings"
    print(f"cwp scan: {len(findings)} {noun} in {files} file{'s' if files != 1 else ''}", file=sys.stderr)
    return 1
