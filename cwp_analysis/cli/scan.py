"""``cwp scan SITE_DIR``: audit a built site for disclosures before publishing it.

Reads every page and downloadable file of the site (and, with
``--outputs``, the notebooks' output tables) and applies the rules of
:mod:`cwp_analysis.disclosure_scan`: no unsuppressed count from 1 to the
threshold in a project table, no respondent identifier, no row of survey
data, no free text, no table shown without disclosure control, and no
withheld count an attacker can work out from the page
(:mod:`cwp_analysis.page_attack`; ``--no-attack`` skips it).

Whose identifiers and answers: the ``--survey`` files; without them, the
survey and Work Star files of the build that made the site, read from its
build manifest (``<site>/../build-manifest.json``, or ``--manifest``; see
:mod:`cwp_analysis.build_manifest`).  The exact identifier values of those
files are searched for, and so is ``--id-pattern`` (default the synthetic
``SYN-`` identifiers); ``--id`` adds identifiers by hand.

Exit status: 0 when the site is clean (one summary line on stdout); 1 when
there are findings (one line per finding on stdout, one line with the
reason on stderr); 2 when the site folder, a ``--survey`` file or the
manifest cannot be read, or a file the manifest names has changed since
the build.  The findings quote identifiers and the start of free text, so
read them where the data may be seen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cwp_analysis.cli._types import positive_int

COMMAND = "scan"
HELP = ("Check a built site and its downloads for small counts, respondent ids, survey rows, free text "
        "and withheld counts an attacker can recover.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site", type=Path, metavar="SITE_DIR", help="built HTML folder (e.g. book/_build/html)")
    parser.add_argument("--threshold", type=positive_int, metavar="N",
                        help="counts from 1 to N must be suppressed (default: the build's, else 7)")
    parser.add_argument("--survey", type=Path, action="append", default=[], metavar="PATH",
                        help="survey (or Work Star) file whose ids, rows and free text must not appear; repeatable "
                             "(default: the files named in the build manifest)")
    parser.add_argument("--manifest", type=Path, metavar="PATH",
                        help="build manifest naming the survey the site was built from "
                             "(default: SITE_DIR/../build-manifest.json)")
    parser.add_argument("--outputs", type=Path, metavar="DIR",
                        help="also scan the notebooks' output files (cwp build --outputs, e.g. build/outputs)")
    parser.add_argument("--allow", action="append", default=[], metavar="PATTERN",
                        help="file name pattern not scanned, added to the default (the SYNTHETIC data set); repeatable")
    parser.add_argument("--id-pattern", metavar="REGEX",
                        help=r"regular expression of further identifiers (default: SYN-(?:WS-)?[0-9]{3})")
    parser.add_argument("--id", dest="ids", action="append", default=[], metavar="VALUE",
                        help="an identifier that must not appear; repeatable")
    parser.add_argument("--no-attack", action="store_true",
                        help="do not attack the pages for recoverable withheld counts")


def _manifest(args: argparse.Namespace):
    """The build manifest to use, or None (with a note on stderr when there is none)."""
    from cwp_analysis.build_manifest import manifest_path, read_build_manifest

    if args.manifest is not None:
        return read_build_manifest(args.manifest)
    if args.survey:
        return None
    path = manifest_path(args.site)
    if not path.is_file():
        print(f"cwp scan: no build manifest at {path} and no --survey: respondent identifiers are checked "
              "against the id pattern only", file=sys.stderr)
        return None
    manifest = read_build_manifest(path)
    if manifest.get("site") and Path(manifest["site"]).resolve() != args.site.resolve():
        print(f"cwp scan: {path} describes another site ({manifest['site']}); not used", file=sys.stderr)
        return None
    return manifest


def run(args: argparse.Namespace) -> int:
    from cwp_analysis.build_manifest import manifest_surveys
    from cwp_analysis.disclosure_scan import (
        DEFAULT_ALLOW,
        DEFAULT_ID_PATTERN,
        scan_site,
    )

    manifest = _manifest(args)
    survey_paths, id_columns = manifest_surveys(manifest) if manifest else ([], ())
    threshold = args.threshold or (manifest or {}).get("threshold") or 7
    report = scan_site(
        args.site,
        threshold=threshold,
        survey=args.survey or None,
        survey_paths=survey_paths,
        id_columns=id_columns,
        id_values=args.ids,
        outputs=args.outputs,
        allow=(*DEFAULT_ALLOW, *args.allow),
        id_pattern=args.id_pattern or DEFAULT_ID_PATTERN,
        attack=not args.no_attack,
    )
    if report.ok:
        print(report.summary())
        return 0
    for finding in report:
        print(finding)
    print(f"cwp scan: {report.reason}", file=sys.stderr)
    return 1
