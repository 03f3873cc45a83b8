"""``cwp validate PATH``: check a survey or Work Star file against the codebook.

A valid file gives exit status 0 and a one-line summary on stdout.  An
invalid or unreadable file gives exit status 2 and one line per problem on
stderr (file, column, row, offending value, what is allowed).  The file is
only read, never modified.

A file whose header has the Work Star identifier (``participant_id``) and not
the survey's (``respondent_id``) is checked as a Work Star file; ``--workstar``
forces that.
"""

from __future__ import annotations

import argparse

from cwp_analysis.codebook import load_codebook
from cwp_analysis.survey_io import read_table
from cwp_analysis.validate import detect_kind, validate_survey, validate_workstar

COMMAND = "validate"
HELP = "check a survey (or Work Star) CSV/.xlsx file against the codebook"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``cwp validate``."""
    parser.add_argument("path", metavar="PATH", help="survey or Work Star file (.csv or .xlsx)")
    parser.add_argument(
        "--workstar",
        action="store_true",
        help="check against the Work Star layout (default: detected from the id column)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing when the file is valid")


def run(args: argparse.Namespace) -> int:
    """Validate ``args.path``; raise SurveyValidationError (exit 2) when it is invalid."""
    codebook = load_codebook()
    if args.workstar:
        table = read_table(args.path, id_columns=(codebook.workstar.id_column,), prefer_sheets=("workstar",))
    else:
        table = read_table(args.path, id_columns=(codebook.id_column, codebook.workstar.id_column))
    kind = "workstar" if args.workstar else detect_kind(table.columns, codebook)
    validate = validate_workstar if kind == "workstar" else validate_survey
    report = validate(table, codebook, source=args.path)
    report.raise_if_invalid()
    if not args.quiet:
        print(report.summary())
    return 0
