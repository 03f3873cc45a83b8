"""Benchmark results for the book: tables, target verdicts and figures.

``make bench`` (``python -m benchmarks``) measures the build pipeline, the
statistics and the published site, and writes ``benchmarks/results.json``.
This module reads that file and lays the measurements out for readers:
small tidy tables (every value already formatted with its unit), a verdict
for each target of issue 6 (met or missed, and by how much), and figures in
the house style.  It only presents; it measures nothing and imports neither
the pipeline nor the benchmarks.

Conventions
-----------
* Targets come from the results file (``targets``: measured value, target,
  comparison ``"<="`` or ``">="``, unit, and a note explaining the
  measurement); the verdict is recomputed here from those numbers by
  :func:`assess_target`, never copied from a stored flag.
* The *margin* of a verdict is relative to the target and positive when
  the target is met: ``(target - measured) / target`` for an upper bound
  ("at most"), ``(measured - target) / target`` for a lower bound ("at
  least").  A margin of 0.25 reads "met with 25% to spare", -0.1 "missed by
  10%".  For a target of zero (a count that must be zero) the margin is the
  negated measured value.
* Bytes are shown in SI units (1 MB = 10^6 bytes, 1 kB = 10^3 bytes), as
  the page-weight target is stated.
* The tables count no people (they hold timings, sizes and counts of
  notebooks); :func:`no_people_counted` wraps them for
  :func:`cwp_analysis.notebook.publish_table` after the respondent-level and
  free-text guards of :mod:`cwp_analysis.disclosure`.

Examples
--------
>>> assess_target(2.1, 1.7, ">=").describe()
'met with 24% to spare'
>>> assess_target(4.5, 3.0, "<=").describe()
'missed by 50%'
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, DisclosedTable, refuse_respondent_level
from cwp_analysis.paths import REPO_ROOT

__all__ = [
    "DEFAULT_RESULTS_PATH",
    "RESULTS_SCHEMA",
    "TargetAssessment",
    "assess_target",
    "build_figure",
    "build_table",
    "count_met",
    "format_bytes",
    "format_seconds",
    "load_results",
    "machine_table",
    "no_people_counted",
    "notebook_table",
    "outcome_table_frame",
    "run_caveats",
    "scaling_figure",
    "site_figure",
    "site_table",
    "target_notes",
    "targets_table",
    "times_phrase",
]

#: Where ``make bench`` writes the committed results.
DEFAULT_RESULTS_PATH = REPO_ROOT / "benchmarks" / "results.json"
#: Identifier of the results layout this module reads.
RESULTS_SCHEMA = "cwp-benchmarks/1"
_REQUIRED = ("schema", "machine", "settings", "build", "outcome_table", "site", "targets")
_TARGET_FIELDS = ("id", "label", "measured", "target", "comparison", "unit", "note")
_COMPARISONS = ("<=", ">=")


# -- reading -----------------------------------------------------------------------------


def load_results(path: str | os.PathLike = DEFAULT_RESULTS_PATH) -> dict:
    """Read and check a benchmark results file.

    Parameters
    ----------
    path : path-like
        A JSON file written by ``python -m benchmarks`` (default: the
        committed ``benchmarks/results.json``).

    Returns
    -------
    dict

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When it is not JSON, has another schema, misses a section, or a
        target misses a field or has an unknown comparison.
    """
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(results, dict):
        raise ValueError(f"{path} must hold a JSON object, not {type(results).__name__}")
    if results.get("schema") != RESULTS_SCHEMA:
        raise ValueError(f"{path} has schema {results.get('schema')!r}; expected {RESULTS_SCHEMA!r}")
    missing = [key for key in _REQUIRED if key not in results]
    if missing:
        raise ValueError(f"{path} lacks the section(s) {', '.join(missing)}")
    for index, target in enumerate(results["targets"]):
        absent = [key for key in _TARGET_FIELDS if key not in target]
        if absent:
            raise ValueError(f"{path}: target {index} lacks {', '.join(absent)}")
        if target["comparison"] not in _COMPARISONS:
            raise ValueError(f"{path}: target {target['id']!r} has comparison {target['comparison']!r}; "
                             f"expected one of {', '.join(_COMPARISONS)}")
    return results


# -- verdicts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetAssessment:
    """Whether a measurement meets its target, and by how much.

    Attributes
    ----------
    measured, target : float
    comparison : str
        ``"<="`` (the target is an upper bound) or ``">="`` (a lower bound).
    met : bool
    margin : float
        Relative to the target, positive when met (see the module notes).
    """

    measured: float
    target: float
    comparison: str
    met: bool
    margin: float

    def describe(self) -> str:
        """``"met with 24% to spare"``, ``"missed by 50%"``, ``"met exactly"`` or, for a zero target, counts."""
        if self.target == 0:
            return "met" if self.met else f"missed ({_number(self.measured)} instead of 0)"
        percent = abs(self.margin) * 100
        if self.met:
            return "met exactly" if percent < 0.5 else f"met with {percent:.0f}% to spare"
        return f"missed by {max(percent, 1):.0f}%"


def assess_target(measured: float, target: float, comparison: str) -> TargetAssessment:
    """Judge a measurement against a target.

    Parameters
    ----------
    measured, target : float
        Finite numbers.
    comparison : {"<=", ">="}
        ``"<="``: the measurement must be at most the target (a time, a
        size); ``">="``: at least the target (a speed-up).

    Returns
    -------
    TargetAssessment

    Raises
    ------
    ValueError
        For an unknown comparison or a value that is not a finite number.

    Examples
    --------
    >>> a = assess_target(0.8, 1.0, "<=")
    >>> a.met, round(a.margin, 2)
    (True, 0.2)
    >>> assess_target(1.5, 1.7, ">=").describe()
    'missed by 12%'
    >>> assess_target(0, 0, "<=").describe()
    'met'
    """
    if comparison not in _COMPARISONS:
        raise ValueError(f"comparison must be one of {', '.join(_COMPARISONS)}, got {comparison!r}")
    for name, value in (("measured", measured), ("target", target)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} value must be a finite number, got {value!r}")
    measured, target = float(measured), float(target)
    met = measured <= target if comparison == "<=" else measured >= target
    if target == 0:
        margin = -measured if comparison == "<=" else measured
    elif comparison == "<=":
        margin = (target - measured) / abs(target)
    else:
        margin = (measured - target) / abs(target)
    return TargetAssessment(measured, target, comparison, met, margin)


# -- formatting ----------------------------------------------------------------------------


def _number(value: float) -> str:
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"


def format_seconds(seconds: float) -> str:
    """A duration for tables: ``"0.28 s"``, ``"12.3 s"``, ``"142 s"``.

    Examples
    --------
    >>> format_seconds(0.2834), format_seconds(12.345), format_seconds(141.6)
    ('0.28 s', '12.3 s', '142 s')
    """
    seconds = float(seconds)
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 100:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


def format_bytes(n_bytes: float) -> str:
    """A size in SI units: ``"812 B"``, ``"45.7 kB"``, ``"2.27 MB"``, ``"1.05 GB"``.

    Examples
    --------
    >>> format_bytes(812), format_bytes(45_657), format_bytes(2_274_922), format_bytes(1_048_576_000)
    ('812 B', '45.7 kB', '2.27 MB', '1.05 GB')
    """
    n_bytes = float(n_bytes)
    if n_bytes < 1e3:
        return f"{n_bytes:.0f} B"
    if n_bytes < 1e6:
        return f"{n_bytes / 1e3:.1f} kB"
    if n_bytes < 1e9:
        return f"{n_bytes / 1e6:.2f} MB"
    return f"{n_bytes / 1e9:.2f} GB"


def times_phrase(count: int) -> str:
    """How many times something was done, in words: ``"once"``, ``"twice"``, ``"5 times"``.

    Examples
    --------
    >>> times_phrase(1), times_phrase(2), times_phrase(5)
    ('once', 'twice', '5 times')
    """
    count = int(count)
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _format_measure(value: float, unit: str) -> str:
    if unit == "s":
        return format_seconds(value)
    if unit == "bytes":
        return format_bytes(value)
    if unit == "x":
        return f"{float(value):.2f}x"
    if unit == "ms":
        return f"{float(value):.0f} ms"
    if unit == "MB":
        return f"{float(value):,.0f} MB"
    return f"{_number(value)} {unit}".strip()


def _runs(section: Mapping) -> str:
    runs = int(section["runs"])
    return f"median of {runs}" if runs > 1 else "one run"


# -- tables --------------------------------------------------------------------------------


def targets_table(results: Mapping) -> pd.DataFrame:
    """One row per target: what was measured, the target and the verdict.

    Returns
    -------
    pandas.DataFrame
        Columns ``benchmark``, ``measured``, ``target``, ``result`` (text).
    """
    rows = []
    for target in results["targets"]:
        verdict = assess_target(target["measured"], target["target"], target["comparison"])
        bound = "at most" if target["comparison"] == "<=" else "at least"
        rows.append({
            "benchmark": target["label"],
            "measured": _format_measure(target["measured"], target["unit"]),
            "target": f"{bound} {_format_measure(target['target'], target['unit'])}",
            "result": verdict.describe(),
        })
    return pd.DataFrame(rows, columns=["benchmark", "measured", "target", "result"])


def count_met(results: Mapping) -> tuple[int, int]:
    """``(targets met, targets)`` of a results file, judged by :func:`assess_target`."""
    verdicts = [assess_target(t["measured"], t["target"], t["comparison"]) for t in results["targets"]]
    return sum(v.met for v in verdicts), len(verdicts)


def target_notes(results: Mapping) -> list[str]:
    """``"<label>: <verdict>. <note>"`` for every target, in order."""
    notes = []
    for target in results["targets"]:
        verdict = assess_target(target["measured"], target["target"], target["comparison"])
        notes.append(f"**{target['label']}** ({verdict.describe()}). {target['note']}")
    return notes


def run_caveats(results: Mapping) -> list[str]:
    """What a reader should know about the conditions of the run, one line each.

    Always the machine's load average at the start and end (above the
    number of cores, other work competed for the processors); then a
    smoke-run flag, chapters replaced by stubs, and any warning the build
    benchmark recorded (for example an input that changed while it ran).
    """
    machine = results["machine"]
    cores = machine.get("cpu_count")
    lines = []
    if "load_average_start" in machine:
        end = machine.get("load_average_end", "not recorded")
        during = (f" (mean {machine['load_average_mean']}, highest {machine['load_average_max']} over the "
                  f"{machine['load_average_samples']} progress points of the run)"
                  if "load_average_mean" in machine else "")
        lines.append(f"The 1-minute load average was {machine['load_average_start']} at the start of the run and "
                     f"{end} at its end{during}, on {cores} cores; a value above the number of cores means "
                     f"other work competed with the benchmarks for the processors.")
    if results["settings"].get("quick"):
        lines.append("This was a quick smoke run (one run of each scenario, smaller sizes), not the full benchmark.")
    workspace = results["build"]["workspace"]
    if workspace.get("stubbed"):
        lines.append(f"Chapters replaced by stubs in this run: {', '.join(workspace['stubbed'])}.")
    lines += [f"Warning recorded during the run: {warning}." for warning in workspace.get("warnings", [])]
    return lines


_SCENARIOS = (
    ("naive_baseline", "naive: nbconvert each notebook in turn, then jupyter-book"),
    ("full_rebuild", "cwp build --force (clean cache)"),
    ("floor", "floor: kernel start + imports / cores + site render"),
    ("data_changed", "cwp build after one data file changed"),
    ("data_touched", "cwp build after one data file was touched"),
    ("no_change", "cwp build with nothing changed"),
)


def build_table(results: Mapping) -> pd.DataFrame:
    """The build scenarios side by side.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``median``, ``range`` (minimum to maximum),
        ``runs``, ``CPU time`` (median user + system time of the build's
        processes, blank where not recorded) and ``notebooks executed``
        ("13 of 13").
    """
    build = results["build"]
    total = len(build["workspace"]["notebooks"])
    rows = []
    for key, label in _SCENARIOS:
        section = build[key]
        if key == "floor":
            median, spread, runs = section["median_seconds"], "", (
                f"median of {section['kernel_imports_runs']} per notebook"
                if section["kernel_imports_runs"] > 1 else "one run per notebook")
            executed = ""
        else:
            median = section["median_seconds"]
            spread = f"{format_seconds(section['min_seconds'])} to {format_seconds(section['max_seconds'])}"
            runs = _runs(section)
            if key == "naive_baseline":
                executed = f"{total} of {total}"
            elif key == "full_rebuild":
                executed = f"{section['notebooks_executed']} of {total}"
            elif key == "data_changed":
                counts = sorted({len(run) for run in section["executed_per_run"]})
                executed = f"{'/'.join(str(c) for c in counts)} of {total}"
            else:
                executed = f"{len(section['executed'])} of {total}"
        cpu = format_seconds(section["cpu_median_seconds"]) if "cpu_median_seconds" in section else ""
        rows.append({"scenario": label, "median": format_seconds(median), "range": spread,
                     "runs": runs, "CPU time": cpu, "notebooks executed": executed})
    return pd.DataFrame(rows, columns=["scenario", "median", "range", "runs", "CPU time", "notebooks executed"])


def notebook_table(results: Mapping) -> pd.DataFrame:
    """Per notebook: naive execution, execution in the pipeline, and kernel start + imports.

    Returns
    -------
    pandas.DataFrame
        Columns ``notebook``, ``nbconvert (naive)``, ``cwp build``,
        ``kernel start + imports``; medians, formatted.  The pipeline's time
        is that of the last clean build, where two notebooks run at once.
    """
    build = results["build"]
    naive = build["naive_baseline"]["notebook_median_seconds"]
    pipeline = build["full_rebuild"]["notebook_seconds"]
    floor = build["floor"]["kernel_imports_median_seconds"]
    rows = [{
        "notebook": name,
        "nbconvert (naive)": format_seconds(naive[name]),
        "cwp build": format_seconds(pipeline[name]),
        "kernel start + imports": format_seconds(floor[name]),
    } for name in build["workspace"]["notebooks"]]
    return pd.DataFrame(rows, columns=["notebook", "nbconvert (naive)", "cwp build", "kernel start + imports"])


def outcome_table_frame(results: Mapping) -> pd.DataFrame:
    """``outcome_table`` timings and memory by number of respondents.

    Returns
    -------
    pandas.DataFrame
        Columns ``respondents``, ``items``, ``median time``, ``runs`` and
        ``peak memory`` (allocations traced by :mod:`tracemalloc` during
        one call; the benchmark records them in MiB, shown here in SI units).
    """
    rows = [{
        "respondents": f"{record['respondents']:,}",
        "items": f"{record['items']}",
        "median time": format_seconds(record["median_seconds"]),
        "runs": f"median of {record['repeats']}" if record["repeats"] > 1 else "one run",
        "peak memory": format_bytes(record["peak_memory_mb"] * 2**20),
    } for record in results["outcome_table"]["records"]]
    return pd.DataFrame(rows, columns=["respondents", "items", "median time", "runs", "peak memory"])


def site_table(results: Mapping) -> pd.DataFrame:
    """Per page: weight (and its gzip size), bytes the browser fetched, first contentful paint.

    Returns
    -------
    pandas.DataFrame
        Columns ``page``, ``HTML``, ``weight``, ``gzip weight``,
        ``fetched``, ``first contentful paint``.
    """
    rows = [{
        "page": page["page"],
        "HTML": format_bytes(page["html_bytes"]),
        "weight": format_bytes(page["weight_bytes"]),
        "gzip weight": format_bytes(page["gzip_weight_bytes"]),
        "fetched": format_bytes(page["fetched_bytes"]),
        "first contentful paint": f"{page['fcp_median_ms']:.0f} ms",
    } for page in results["site"]["pages"]]
    return pd.DataFrame(rows, columns=["page", "HTML", "weight", "gzip weight", "fetched", "first contentful paint"])


def machine_table(results: Mapping) -> pd.DataFrame:
    """The machine and software the benchmarks ran on, as ``item``/``value`` rows."""
    machine = results["machine"]
    labels = (
        ("date", "date (UTC)"), ("git_commit", "git commit"), ("cpu_count", "CPU cores"),
        ("cpu_model", "CPU"), ("memory_gb", "memory (GB)"), ("platform", "platform"),
        ("python", "Python"), ("jupyter_book", "Jupyter Book"), ("papermill", "Papermill"),
        ("chromium", "Chromium"), ("load_average_start", "load average at start (1 min)"),
        ("load_average_end", "load average at end (1 min)"),
        ("load_average_mean", "load average during the run, mean (1 min)"),
        ("load_average_max", "load average during the run, highest (1 min)"),
        ("duration_seconds", "duration of the run (s)"),
    )
    rows = [{"item": label, "value": str(machine[key])} for key, label in labels if key in machine]
    return pd.DataFrame(rows, columns=["item", "value"])


def no_people_counted(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> DisclosedTable:
    """Wrap a table that counts no people for publication, nothing suppressed.

    The respondent-level and free-text guards still run
    (:func:`cwp_analysis.disclosure.refuse_respondent_level`).

    Raises
    ------
    cwp_analysis.disclosure.DisclosureError
        When the frame looks respondent-level or holds free text.
    """
    refuse_respondent_level(frame)
    nothing = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    return DisclosedTable(table=frame.copy(), suppressed=nothing, primary=nothing, n_primary=0, n_secondary=0,
                          n_derived=0, threshold=int(threshold), marker=DEFAULT_MARKER)


# -- figures -------------------------------------------------------------------------------


def build_figure(results: Mapping, *, figsize: tuple[float, float] = (7.0, 3.6)):
    """Horizontal bars of the median build time of each scenario, with the run range.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One bar per scenario of :func:`build_table` (six bars), labelled with
        its median.
    alt_text : str
    """
    import matplotlib.pyplot as plt

    from cwp_analysis.figures.style import OKABE_ITO, house_style

    build = results["build"]
    labels, medians, lows, highs = [], [], [], []
    for key, label in _SCENARIOS:
        section = build[key]
        labels.append(label)
        medians.append(section["median_seconds"])
        lows.append(section.get("min_seconds", section["median_seconds"]))
        highs.append(section.get("max_seconds", section["median_seconds"]))
    colours = [OKABE_ITO[1], OKABE_ITO[0], OKABE_ITO[7], OKABE_ITO[2], OKABE_ITO[4], OKABE_ITO[3]]
    with house_style():
        fig, ax = plt.subplots(figsize=figsize)
        y = list(range(len(labels)))[::-1]
        errors = [[m - lo for m, lo in zip(medians, lows)], [hi - m for m, hi in zip(medians, highs)]]
        ax.barh(y, medians, color=colours, xerr=errors, capsize=3, error_kw={"elinewidth": 1})
        for yi, value, high in zip(y, medians, highs):
            ax.text(high + max(highs) * 0.01, yi, format_seconds(value), va="center", fontsize=9)
        ax.set_yticks(y, labels)
        ax.set_xlim(0, max(highs) * 1.18)
        ax.set_xlabel("wall time, seconds (bar: median; whisker: fastest to slowest run)")
        ax.set_title(f"Building the book on {results['machine'].get('cpu_count', '?')} cores")
        fig.tight_layout()
    pairs = "; ".join(f"{label}: {format_seconds(m)}" for label, m in zip(labels, medians))
    alt = f"Horizontal bar chart of median build times for six scenarios. {pairs}."
    return fig, alt


def scaling_figure(results: Mapping, *, figsize: tuple[float, float] = (7.0, 3.2)):
    """``outcome_table`` time and peak memory against respondents, on log-log axes.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels (time; peak memory), each with the measured points, and
        the time panel with the fitted power law.
    alt_text : str
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from cwp_analysis.figures.style import OKABE_ITO, house_style

    section = results["outcome_table"]
    records = sorted(section["records"], key=lambda r: r["respondents"])
    n = np.array([r["respondents"] for r in records], float)
    seconds = np.array([r["median_seconds"] for r in records], float)
    memory = np.array([r["peak_memory_mb"] * 2**20 / 1e6 for r in records], float)
    exponent = section.get("scaling_exponent")
    with house_style():
        fig, (left, right) = plt.subplots(1, 2, figsize=figsize)
        left.loglog(n, seconds, "o", color=OKABE_ITO[0], label="median time")
        if exponent is not None and len(n) > 1:
            slope, intercept = np.polyfit(np.log(n), np.log(seconds), 1)
            grid = np.geomspace(n.min(), n.max(), 50)
            left.loglog(grid, np.exp(intercept) * grid ** slope, "-", color=OKABE_ITO[1],
                        label=f"fit: time ~ n^{slope:.2f}")
        for axis in (left, right):
            axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            axis.yaxis.set_minor_formatter(NullFormatter())
        left.set_xlabel("respondents")
        left.set_ylabel("seconds")
        left.legend(frameon=False, fontsize=8)
        right.loglog(n, memory, "s", color=OKABE_ITO[2])
        right.set_xlabel("respondents")
        right.set_ylabel("peak memory of one call, MB")
        items = records[0]["items"] if records else 0
        fig.suptitle(f"outcome_table with {items} paired items", fontsize=11)
        fig.tight_layout()
    points = "; ".join(f"{int(k):,} respondents: {format_seconds(s)}, {format_bytes(m * 1e6)}"
                       for k, s, m in zip(n, seconds, memory))
    fitted = f" The fitted scaling exponent is {exponent:.2f}." if exponent is not None else ""
    alt = f"Two log-log panels of outcome_table run time and peak memory against respondents. {points}.{fitted}"
    return fig, alt


def site_figure(results: Mapping, *, figsize: tuple[float, float] = (7.0, 4.6)):
    """Per page: weight (bars) and first contentful paint (bars), with the targets as lines.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two panels sharing the page axis.
    alt_text : str
    """
    import matplotlib.pyplot as plt

    from cwp_analysis.figures.style import OKABE_ITO, house_style

    pages = results["site"]["pages"]
    targets = {t["id"]: t for t in results["targets"]}
    names = [p["page"].rsplit("/", 1)[-1].removesuffix(".html") for p in pages]
    weights = [p["weight_bytes"] / 1e6 for p in pages]
    gzip_weights = [p["gzip_weight_bytes"] / 1e6 for p in pages]
    paints = [p["fcp_median_ms"] for p in pages]
    with house_style():
        fig, (top, bottom) = plt.subplots(2, 1, figsize=figsize, sharex=True)
        x = list(range(len(names)))
        top.bar([xi - 0.2 for xi in x], weights, width=0.4, color=OKABE_ITO[0], label="as served")
        top.bar([xi + 0.2 for xi in x], gzip_weights, width=0.4, color=OKABE_ITO[4], label="gzip-compressed")
        if "page_weight" in targets:
            top.axhline(targets["page_weight"]["target"] / 1e6, color=OKABE_ITO[5], linestyle="--", label="target")
        top.set_ylabel("page weight, MB")
        weight_target = targets["page_weight"]["target"] / 1e6 if "page_weight" in targets else 0
        top.set_ylim(0, max(weights + [weight_target]) * 1.4)
        top.legend(frameon=False, fontsize=8, ncols=3, loc="upper left")
        bottom.bar(x, paints, color=OKABE_ITO[2])
        if "first_contentful_paint" in targets:
            bottom.axhline(targets["first_contentful_paint"]["target"], color=OKABE_ITO[5], linestyle="--")
        bottom.set_ylabel("first contentful paint, ms")
        bottom.set_ylim(0, max(paints + [targets["first_contentful_paint"]["target"]
                                         if "first_contentful_paint" in targets else 0]) * 1.15)
        bottom.set_xticks(x, names, rotation=60, ha="right", fontsize=8)
        fig.tight_layout()
    alt = (
        f"Two bar charts over the book's {len(pages)} pages. Page weight ranges from "
        f"{format_bytes(min(weights) * 1e6)} to {format_bytes(max(weights) * 1e6)} as served "
        f"({format_bytes(min(gzip_weights) * 1e6)} to {format_bytes(max(gzip_weights) * 1e6)} compressed); "
        f"median first contentful paint ranges from {min(paints):.0f} ms to {max(paints):.0f} ms."
    )
    return fig, alt
