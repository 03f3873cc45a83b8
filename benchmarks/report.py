"""Plain-text rendering of benchmark results for the terminal (``python -m benchmarks``).

The tables are those the book's appendix shows, built by
:mod:`cwp_analysis.benchmark_report` from the same results, so the terminal
and the book never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cwp_analysis import benchmark_report as br


def text_table(frame: pd.DataFrame) -> str:
    """A frame as left-aligned plain text without its index."""
    return frame.to_string(index=False, justify="left")


def format_report(results: Mapping) -> str:
    """Every table of the results, each under a heading, as one string."""
    machine = results["machine"]
    header = (f"cwp-analysis benchmarks, {machine['date']}, commit {machine['git_commit'][:10]}, "
              f"{machine['cpu_count']} cores, Python {machine['python']}"
              + (" (QUICK smoke run)" if results["settings"].get("quick") else ""))
    sections = [
        ("Targets (issue 6)", br.targets_table(results)),
        ("Builds", br.build_table(results)),
        ("Notebooks", br.notebook_table(results)),
        ("outcome_table", br.outcome_table_frame(results)),
        ("Site pages", br.site_table(results)),
    ]
    parts = [header, "=" * len(header)]
    for title, frame in sections:
        parts += ["", title, "-" * len(title), text_table(frame)]
    return "\n".join(parts)
