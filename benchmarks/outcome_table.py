"""Benchmark of :func:`cwp_analysis.stats.outcome_table` (issue 3 and 6).

Synthetic respondents answer ``n_items`` paired ordinal items on a 1-5 scale
before and after; about 3% of answers are missing on each side.  For each
sample size the benchmark records the median wall time of a few calls
(:func:`time.perf_counter`), the peak memory allocated during one further
call (:mod:`tracemalloc`, which sees numpy's buffers) and, over all sizes,
the exponent ``b`` of the fitted scaling law ``time ~ a * n**b`` (least
squares on log time against log n).  The target of issue 3 is at most 10 s
and 2 GB for 10^6 respondents x 30 items on 2 cores.

Run ``python -m benchmarks.outcome_table [--sizes ...] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from cwp_analysis.stats import PairedItem, outcome_table

DEFAULT_SIZES = (10**3, 10**4, 10**5, 10**6)
DEFAULT_OUT = Path(__file__).resolve().parent / "results_outcome_table.json"
MISSING_SHARE = 0.03


def synthetic_paired_survey(n_respondents: int, n_items: int, seed: int) -> tuple[pd.DataFrame, list[PairedItem]]:
    """Synthetic 1-5 before/after answers with an improvement and missing cells.

    Parameters
    ----------
    n_respondents, n_items : int
        Rows and paired items.
    seed : int
        Seed of the :class:`numpy.random.Generator`.

    Returns
    -------
    (pandas.DataFrame, list of PairedItem)
        Columns ``q01_before``, ``q01_after``, ...; float codes with NaN for
        a missing answer; and the matching item definitions (positive codes
        4 and 5).
    """
    if n_respondents < 2 or n_items < 1:
        raise ValueError("need at least 2 respondents and 1 item")
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    items = []
    for j in range(n_items):
        item_id = f"q{j + 1:02d}"
        before = rng.integers(1, 6, size=n_respondents).astype(np.float64)
        step = rng.choice([-1, 0, 1, 2], size=n_respondents, p=[0.15, 0.35, 0.35, 0.15])
        after = np.clip(before + step, 1, 5)
        before[rng.random(n_respondents) < MISSING_SHARE] = np.nan
        after[rng.random(n_respondents) < MISSING_SHARE] = np.nan
        columns[f"{item_id}_before"] = before
        columns[f"{item_id}_after"] = after
        items.append(PairedItem(item_id, f"Synthetic item {j + 1}", "ordinal", (4, 5)))
    return pd.DataFrame(columns), items


def _repeats_for(n: int) -> int:
    if n <= 10**4:
        return 7
    if n <= 10**5:
        return 5
    return 2


def scaling_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(seconds) on log(size) by least squares."""
    if len(sizes) < 2:
        raise ValueError("need at least two sizes to fit a scaling exponent")
    slope, _ = np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(seconds, float)), 1)
    return float(slope)


def run(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    n_items: int = 30,
    seed: int = 20200501,
    repeats: int | None = None,
) -> list[dict]:
    """Time and measure :func:`outcome_table` at each size.

    Parameters
    ----------
    sizes : tuple of int
        Numbers of respondents.
    n_items : int
        Paired items per respondent.
    seed : int
        Seed for the synthetic data (each size uses ``seed + size``).
    repeats : int, optional
        Timed calls per size; by default 7 up to 10^4, 5 up to 10^5, 2 above.

    Returns
    -------
    list of dict
        One record per size: ``respondents``, ``items``, ``repeats``,
        ``median_seconds``, ``min_seconds``, ``peak_memory_mb``,
        ``scaling_exponent`` (the same fitted value on every record, or
        None with a single size), ``largest_sizes_exponent`` (the slope
        between the two largest sizes, where fixed per-call costs no longer
        dominate), plus machine details.
    """
    records = []
    for n in sizes:
        data, items = synthetic_paired_survey(int(n), n_items, seed + int(n))
        reps = repeats if repeats is not None else _repeats_for(int(n))
        outcome_table(data, items)  # warm-up: imports, caches
        times = []
        for _ in range(reps):
            start = time.perf_counter()
            outcome_table(data, items)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        try:
            outcome_table(data, items)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        records.append(
            {
                "benchmark": "outcome_table",
                "respondents": int(n),
                "items": n_items,
                "repeats": reps,
                "median_seconds": statistics.median(times),
                "min_seconds": min(times),
                "peak_memory_mb": peak / 2**20,
                "input_memory_mb": data.memory_usage(deep=True).sum() / 2**20,
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "numpy": np.__version__,
                "pandas": pd.__version__,
            }
        )
        del data
    exponent = (
        scaling_exponent([r["respondents"] for r in records], [r["median_seconds"] for r in records])
        if len(records) > 1
        else None
    )
    by_size = sorted(records, key=lambda r: r["respondents"])
    largest = (
        scaling_exponent(
            [r["respondents"] for r in by_size[-2:]], [r["median_seconds"] for r in by_size[-2:]]
        )
        if len(records) > 1
        else None
    )
    for record in records:
        record["scaling_exponent"] = exponent
        record["largest_sizes_exponent"] = largest
    return records


def format_table(records: list[dict]) -> str:
    """Plain-text table of :func:`run` records."""
    lines = [f"{'respondents':>12} {'items':>5} {'runs':>4} {'median s':>10} {'peak MB':>9}"]
    for r in records:
        lines.append(
            f"{r['respondents']:>12,} {r['items']:>5} {r['repeats']:>4} "
            f"{r['median_seconds']:>10.4f} {r['peak_memory_mb']:>9.1f}"
        )
    exponent = records[0]["scaling_exponent"] if records else None
    if exponent is not None and math.isfinite(exponent):
        largest = records[0]["largest_sizes_exponent"]
        lines.append(
            f"fitted scaling over all sizes: time ~ n^{exponent:.2f}; "
            f"between the two largest sizes: n^{largest:.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.outcome_table", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="numbers of respondents")
    parser.add_argument("--items", type=int, default=30, help="paired items (default 30)")
    parser.add_argument("--seed", type=int, default=20200501, help="seed of the synthetic data")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    args = parser.parse_args(argv)
    records = run(tuple(args.sizes), n_items=args.items, seed=args.seed)
    print(format_table(records))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
