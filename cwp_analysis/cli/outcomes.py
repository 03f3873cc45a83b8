"""``cwp outcomes``: paired before/after tests for every domain of the survey.

Prints the outcome tables as the book publishes them: disclosure-controlled
(:func:`cwp_analysis.tables.outcome_publication_table`), with counts of
``--threshold`` or fewer, the shares, intervals and test statistics that
would reveal them withheld as ``[c]``.  ``--raw`` prints every column of
:func:`cwp_analysis.stats.outcome_table` unprotected, with a warning on
stderr: it is for the data owner, not for publication.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cwp_analysis.cli import add_raw_option, warn_if_raw
from cwp_analysis.codebook import load_codebook
from cwp_analysis.notebook import DEFAULT_SURVEY, resolve_path
from cwp_analysis.stats import outcome_table
from cwp_analysis.survey_io import read_survey

COMMAND = "outcomes"
HELP = "Run the paired before/after test of every item, domain by domain, and print the table."

#: Columns printed in the human-readable layout with --raw.
_TEXT_COLUMNS = [
    "domain", "item", "n_pairs", "before_positive_pct", "after_positive_pct",
    "test", "statistic", "zstatistic", "pvalue", "pvalue_holm", "rank_biserial", "r_effect",
]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=DEFAULT_SURVEY,
                        help=f"survey file (CSV or .xlsx); default: {DEFAULT_SURVEY}")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    add_raw_option(parser, "test results")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON records")
    fmt.add_argument("--csv", action="store_true", help="print CSV")


def outcomes_by_domain(survey: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Outcome tables of every domain with paired items, stacked with a ``domain`` column.

    Holm and Benjamini-Hochberg adjustments are made within each domain
    (one family of tests per report figure).  Items whose answers never
    change are kept with an explanatory ``note`` instead of stopping the run.
    The result is raw (counts of any size): publish it only through
    :func:`published_outcomes`.
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


def published_outcomes(outcomes: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """The outcome tables of :func:`outcomes_by_domain` as the book publishes them.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Output of :func:`outcomes_by_domain`.
    threshold : int
        Counts from 1 to ``threshold`` are withheld.

    Returns
    -------
    pandas.DataFrame
        ``domain``, ``item`` and the columns of
        :func:`cwp_analysis.tables.outcome_publication_table`, disclosed
        domain by domain (each domain is one family of tests).
    """
    from cwp_analysis.tables import outcome_publication_table

    frames = []
    for domain, part in outcomes.groupby("domain", sort=False):
        disclosed = outcome_publication_table(part.set_index("item", drop=False)).disclose(threshold).table
        frames.append(disclosed.reset_index(drop=True).assign(domain=domain, item=part["item"].to_numpy()))
    table = pd.concat(frames, ignore_index=True)
    if "Note" in table.columns:
        table["Note"] = table["Note"].fillna("")
    return table[["domain", "item", *[c for c in table.columns if c not in ("domain", "item")]]]


def run(args: argparse.Namespace) -> int:
    survey = read_survey(resolve_path(args.data))
    table = outcomes_by_domain(survey, alpha=args.alpha)
    # Respondent-level data never leaves this command: only per-item aggregates are printed.
    if warn_if_raw(args, COMMAND):
        text_columns = _TEXT_COLUMNS
    else:
        table = published_outcomes(table, threshold=args.threshold)
        text_columns = list(table.columns)
    if args.json:
        sys.stdout.write(table.to_json(orient="records", indent=1, double_precision=10) + "\n")
    elif args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.width", 250, "display.max_rows", None, "display.max_colwidth", 40,
                               "display.max_columns", None, "display.float_format", "{:.4g}".format):
            print(table[text_columns].to_string(index=False))
    return 0
