"""``cwp outcomes``: paired before/after tests for every domain of the survey."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cwp_analysis.codebook import load_codebook
from cwp_analysis.notebook import DEFAULT_SURVEY, resolve_path
from cwp_analysis.stats import outcome_table
from cwp_analysis.survey_io import read_survey

COMMAND = "outcomes"
HELP = "Run the paired before/after test of every item, domain by domain, and print the table."

#: Columns printed in the human-readable layout.
_TEXT_COLUMNS = [
    "domain", "item", "n_pairs", "before_positive_pct", "after_positive_pct",
    "test", "statistic", "zstatistic", "pvalue", "pvalue_holm", "rank_biserial", "r_effect",
]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=DEFAULT_SURVEY,
                        help=f"survey file (CSV or .xlsx); default: {DEFAULT_SURVEY}")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON records")
    fmt.add_argument("--csv", action="store_true", help="print CSV")


def outcomes_by_domain(survey: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Outcome tables of every domain with paired items, stacked with a ``domain`` column.

    Holm and Benjamini-Hochberg adjustments are made within each domain
    (one family of tests per report figure).  Items whose answers never
    change are kept with an explanatory ``note`` instead of stopping the run.
    """
    codebook = load_codebook()
    frames = []
    for domain in codebook.domains:
        items = codebook.paired_items(domain) if domain != "identifier" else []
        if not items:
            continue
        table = outcome_table(survey, items, alpha=alpha, on_degenerate="note")
        table.insert(0, "domain", domain)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def run(args: argparse.Namespace) -> int:
    survey = read_survey(resolve_path(args.data))
    table = outcomes_by_domain(survey, alpha=args.alpha)
    # Respondent-level data never leaves this command: only per-item aggregates are printed.
    if args.json:
        sys.stdout.write(table.to_json(orient="records", indent=1, double_precision=10) + "\n")
    elif args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.width", 200, "display.max_rows", None,
                               "display.max_columns", None, "display.float_format", "{:.4g}".format):
            print(table[_TEXT_COLUMNS].to_string(index=False))
    return 0
