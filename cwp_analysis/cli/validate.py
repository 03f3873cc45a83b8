"""``cwp validate PATH``: check a survey or Work Star file against the codebook.

The validation policy (:mod:`cwp_analysis.validate`) in short: errors make a
file unusable (exit status 2, one line per error on stderr, then the
warnings, then the summary); warnings are listed on stderr, one line each with the file,
column, row and value, and the file is valid (exit status 0, the one-line
summary on stdout counts them).  ``--strict`` turns warnings into errors.
The file is only read, never modified.

A file whose header has the Work Star identifier (``participant_id``) and not
the survey's (``respondent_id``) is checked as a Work Star file; ``--workstar``
forces that, and so does a column mapping with ``kind: workstar``.
"""

from __future__ import annotations

import argparse
import sys

from cwp_analysis.codebook import load_codebook
from cwp_analysis.column_mapping import load_column_mapping
from cwp_analysis.readers import read_table
from cwp_analysis.validate import detect_kind, validate_survey, validate_workstar

COMMAND = "validate"
HELP = "check a survey (or Work Star) file against the codebook"

DESCRIPTION = """\
Check a survey (or Work Star) file against the codebook (data/codebook.yaml).

Files read: CSV or other delimited text (.csv, .tsv, .txt; UTF-8, UTF-8 with
BOM or Windows-1252/Latin-1, detected; comma, semicolon or tab, detected),
Excel .xlsx (a sheet named 'survey', else the first; or --sheet), SPSS .sav
and Stata .dta (codes, not value labels).  Column names are matched ignoring
case and surrounding blanks, or through a mapping file (--columns).  A cell
holds a code or its label from the codebook (any letter case)."""

EPILOG = """\
validation policy:
  ERRORS (exit status 2; the file is unusable and nothing is built from it):
    the file cannot be read; a codebook column is missing (every column is
    required, it may be empty); a respondent id is empty or duplicated; a code
    or label that is not in the codebook; a value of the wrong type (3.5, 2,5).
  WARNINGS (exit status 0; each listed on stderr with file, column, row and
  value, and counted in the summary):
    one half of a before/after pair answered and the other empty (the pair is
    left out of that item's comparison); a respondent with every answer empty
    (kept) or a wholly blank row (ignored); an answer where the skip logic says
    the question was skipped (handled as the codebook's depends_on says:
    if_answered_when_skipped: missing, the default, reads it as missing); a
    column that is not in the codebook (ignored).
  --strict turns every warning into an error.

examples:
  cwp validate data/private/survey.csv
  cwp validate data/private/export.sav --columns data/private/columns.yaml
  cwp validate data/private/survey.xlsx --sheet Responses --strict"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``cwp validate`` and its help text (the validation policy)."""
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("path", metavar="PATH", help="survey or Work Star file (.csv, .tsv, .txt, .xlsx, .sav, .dta)")
    parser.add_argument(
        "--workstar",
        action="store_true",
        help="check against the Work Star layout (default: detected from the id column)",
    )
    parser.add_argument("--encoding", metavar="NAME", help="text encoding of a CSV file, e.g. utf-8, cp1252 "
                        "(default: detected)")
    parser.add_argument("--sheet", metavar="NAME", help="worksheet of an .xlsx file (default: 'survey', else the first)")
    parser.add_argument("--columns", metavar="FILE", help="YAML mapping from export column names to codebook "
                        "columns (see data/examples/columns.example.yaml)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (exit status 2)")
    parser.add_argument("--quiet", action="store_true", help="print no summary when the file is valid "
                        "(warnings are still listed)")


def run(args: argparse.Namespace) -> int:
    """Validate ``args.path``; return 0 when it is valid (warnings allowed), 2 when not."""
    codebook = load_codebook()
    mapping = None
    if args.columns is not None:
        mapping = load_column_mapping(args.columns, codebook, kind="workstar" if args.workstar else None)
    kind = "workstar" if args.workstar or (mapping is not None and mapping.kind == "workstar") else None
    ids = [codebook.workstar.id_column] if kind == "workstar" else [codebook.id_column, codebook.workstar.id_column]
    if mapping is not None:
        ids += [name for name in map(mapping.source_of, ids) if name]
    prefer = ("workstar",) if kind == "workstar" else ("survey", "workstar")
    table = read_table(args.path, id_columns=tuple(ids), prefer_sheets=prefer, encoding=args.encoding, sheet=args.sheet)
    kind = kind or (mapping.kind if mapping is not None else detect_kind(table.columns, codebook))
    validate = validate_workstar if kind == "workstar" else validate_survey
    report = validate(table, codebook, source=args.path, columns=mapping, strict=args.strict)
    if not report.ok:
        for line in [*report.errors, *report.warnings, report.summary()]:
            print(line, file=sys.stderr)
        return 2
    for line in report.warnings:
        print(line, file=sys.stderr)
    if not args.quiet:
        print(report.summary())
    return 0
