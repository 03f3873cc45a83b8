"""``python -m benchmarks`` (``make bench``): every benchmark of issue 6 in one run.

Measures, side by side on this machine, the build pipeline against a naive
build and against its floor, the no-change and data-change rebuilds
(:mod:`benchmarks.build`), :func:`cwp_analysis.stats.outcome_table` from
10^3 to 10^6 respondents (:mod:`benchmarks.outcome_table`), and the built
site's page weight and first contentful paint (:mod:`benchmarks.site`).
Writes the results as JSON (default ``benchmarks/results.json``; the book's
appendix reads it) and prints them as tables.

Options: ``--quick`` for a smoke run (one run of each scenario, smaller
sizes; written to ``benchmarks/.runs/results-quick.json`` unless ``--out``
is given), ``--out PATH``, ``--jobs N`` (default: the number of cores),
``--keep`` (keep the temporary workspace and print where it is),
``--notebooks A,B`` (benchmark only these notebooks, the other chapters
replaced by stubs: a smoke test while a chapter is broken), ``--only scale``
(run only the scale benchmark of issue 9, :mod:`benchmarks.scale`, and merge
its section and target into the existing results file, keeping the others).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from benchmarks import build as build_bench
from benchmarks import report
from benchmarks import scale as scale_bench
from benchmarks import site as site_bench
from cwp_analysis.benchmark_report import RESULTS_SCHEMA, assess_target, format_bytes, format_seconds

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"
QUICK_OUT = Path(__file__).resolve().parent / ".runs" / "results-quick.json"

#: The targets of issue 6 ("Benchmarks"): comparison, value, unit, label.
#: Bytes are SI (1.5 MB = 1.5e6 bytes, 2 GB = 2e9 bytes).
TARGETS = {
    "speedup": (">=", 1.7, "x", "clean full rebuild: speed-up over the naive build"),
    "floor_ratio": ("<=", 1.5, "x", "clean full rebuild: time relative to the floor"),
    "no_change": ("<=", 3.0, "s", "no-change rebuild"),
    "data_change": ("<=", 0, "notebooks", "data file changed: notebooks wrongly re-run or skipped"),
    "outcome_table_time": ("<=", 10.0, "s", "outcome_table, {n} respondents x {items} items: time"),
    "outcome_table_memory": ("<=", 2e9, "bytes", "outcome_table, {n} respondents x {items} items: peak memory"),
    "page_weight": ("<=", 1.5e6, "bytes", "heaviest page's weight"),
    "first_contentful_paint": ("<=", 1000.0, "ms", "slowest page's first contentful paint"),
    "scale_ratio": ("<=", 2.0, "x",
                    "validate and build on 100,000 respondents: time relative to the 68-respondent build"),
}
#: Where each target comes from (issue 6 unless listed).
TARGET_SOURCES = {"scale_ratio": "issue 9 (Real survey files)"}


_STARTED = time.perf_counter()
#: 1-minute load averages sampled at every progress message (how busy the machine was).
_LOAD_SAMPLES: list[float] = []


def _say(message: str) -> None:
    _LOAD_SAMPLES.append(os.getloadavg()[0])
    print(f"[bench {time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


# -- machine -------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def machine_info() -> dict:
    """Where and when the benchmarks ran."""
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1)
    except (ValueError, OSError, AttributeError):
        memory_gb = None
    status = _git("status", "--porcelain")
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_uncommitted_files": len(status.splitlines()) if status else 0,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "jupyter_book": _version("jupyter-book"),
        "papermill": _version("papermill"),
        "nbconvert": _version("nbconvert"),
        "numpy": _version("numpy"),
        "pandas": _version("pandas"),
        "playwright": _version("playwright"),
        "load_average_start": round(os.getloadavg()[0], 2),
    }


# -- outcome_table -------------------------------------------------------------------

_OUTCOME_CHILD = """
import json, resource, sys
from benchmarks.outcome_table import run
records = run(tuple(json.loads(sys.argv[1])))
print(json.dumps({"records": records, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def outcome_table_benchmark(sizes: tuple[int, ...]) -> dict:
    """:func:`benchmarks.outcome_table.run` in a child process; adds the child's peak resident memory."""
    process = subprocess.run(
        [sys.executable, "-c", _OUTCOME_CHILD, json.dumps(list(sizes))],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if process.returncode != 0:
        raise build_bench.BenchmarkError(f"the outcome_table benchmark failed:\n{process.stderr[-3000:]}")
    child = json.loads(process.stdout.strip().splitlines()[-1])
    records = child["records"]
    return {
        "records": records,
        "scaling_exponent": records[0]["scaling_exponent"],
        "largest_sizes_exponent": records[0]["largest_sizes_exponent"],
        "process_peak_rss_bytes": int(child["maxrss_kib"]) * 1024,
        "memory_note": "peak_memory_mb: tracemalloc peak during one call, in MiB; "
                       "process_peak_rss_bytes: ru_maxrss of the child process that ran every size",
    }


# -- targets ---------------------------------------------------------------------------


def _target(key: str, measured: float, note: str, **label_fields) -> dict:
    comparison, value, unit, label = TARGETS[key]
    verdict = assess_target(measured, value, comparison)
    return {
        "id": key,
        "label": label.format(**label_fields),
        "measured": measured,
        "target": value,
        "comparison": comparison,
        "unit": unit,
        "met": verdict.met,
        "margin": round(verdict.margin, 4),
        "note": note,
        "source": TARGET_SOURCES.get(key, "issue 6 (Benchmarks)"),
    }


def evaluate_targets(results: dict) -> list[dict]:
    """Each target of issue 6 with its measurement and a note saying what explains the number."""
    build, outcome, site = results["build"], results["outcome_table"], results["site"]
    cores = build["floor"]["cores"]
    full, naive, floor = build["full_rebuild"], build["naive_baseline"], build["floor"]
    targets = []

    speedup = naive["median_seconds"] / full["median_seconds"]
    execute, render = naive["execute_median_seconds"], naive["render_median_seconds"]
    spread = execute / cores + render
    note = (f"cwp build --force took {format_seconds(full['median_seconds'])} against "
            f"{format_seconds(naive['median_seconds'])} for the naive build, whose notebooks took "
            f"{format_seconds(execute)} one after another and whose site render took {format_seconds(render)}. "
            f"Spreading those same executions over {cores} cores, with the render still one process, would take "
            f"{format_seconds(spread)}, a speed-up of {naive['median_seconds'] / spread:.2f}x; the pipeline also "
            f"avoids starting one nbconvert process (interpreter and imports) per notebook.")
    if speedup < TARGETS["speedup"][1]:
        note += (f" The serial site render alone is {render / naive['median_seconds']:.0%} of the naive build, "
                 f"which bounds what running notebooks in parallel can gain.")
    targets.append(_target("speedup", round(speedup, 3), note))

    ratio = full["median_seconds"] / floor["median_seconds"]
    computation = sum(full["notebook_seconds"].values()) - floor["kernel_imports_total_seconds"]
    note = (f"Floor: {format_seconds(floor['kernel_imports_total_seconds'])} of kernel start and imports over "
            f"{len(full['notebook_seconds'])} notebooks / {cores} cores + "
            f"{format_seconds(floor['render']['median_seconds'])} site render = "
            f"{format_seconds(floor['median_seconds'])}.")
    if computation > 0:
        note += (f" Beyond the floor, a clean build spends the notebooks' own computation (their execution times "
                 f"in the build exceed their kernel start and imports by {format_seconds(computation)} in all, "
                 f"measured with {cores} notebooks sharing the cores) and the pipeline's hashing, staging and "
                 f"publishing.")
    else:
        note += (" The notebooks' own computation is small next to their kernel start and imports; the rest is "
                 "the pipeline's hashing, staging and publishing.")
    if ratio > TARGETS["floor_ratio"][1]:
        excess = full["median_seconds"] - floor["median_seconds"]
        note += f" The clean build exceeds the floor by {format_seconds(excess)}."
    targets.append(_target("floor_ratio", round(ratio, 3), note))

    no_change = build["no_change"]
    if no_change["executed"]:
        note = (f"Notebooks were executed in what should have been a no-change rebuild "
                f"({', '.join(no_change['executed'])}): an input changed while the benchmark ran (see the run's "
                f"warnings), so this measurement is not a no-change rebuild.")
    else:
        note = (f"Nothing was executed and the site was "
                f"{'rebuilt' if no_change['site_rebuilt'] else 'left as it was'}; the time is the cwp process "
                f"start-up plus hashing the package, the notebooks and the files they read, and comparing with "
                f"the cache ({_runs_text(no_change)}).")
    targets.append(_target("no_change", no_change["median_seconds"], note))

    changed, touched = build["data_changed"], build["data_touched"]
    readers = set(changed["readers"])
    wrong = max(len(set(run) ^ readers) for run in changed["executed_per_run"])
    note = (f"Appending a comment to {changed['file']} (read by {', '.join(changed['readers'])}) re-ran "
            f"{_names(changed['executed_per_run'][-1])} in {format_seconds(changed['median_seconds'])} "
            f"({_runs_text(changed)}). Touching it without changing its content re-ran "
            f"{_names(touched['executed'])} ({format_seconds(touched['median_seconds'])}): the cache compares "
            f"contents, not modification times.")
    targets.append(_target("data_change", wrong, note))

    records = sorted(outcome["records"], key=lambda r: r["respondents"])
    largest = records[-1]
    fields = {"n": f"{largest['respondents']:,}", "items": largest["items"]}
    exponent, tail = outcome["scaling_exponent"], outcome["largest_sizes_exponent"]
    note = (f"Median of {largest['repeats']} calls at {largest['respondents']:,} respondents. Time grows as "
            f"n^{exponent:.2f} over {records[0]['respondents']:,} to {largest['respondents']:,} respondents "
            f"and as n^{tail:.2f} between the two largest sizes")
    if tail < 0.8:
        note += ": at these sizes the fixed cost of each call (one test per item) outweighs the work per respondent."
    elif tail <= 1.2:
        note += ", close to linear, as a vectorised computation should be once fixed costs no longer dominate."
    else:
        note += ", faster than linear."
    targets.append(_target("outcome_table_time", round(largest["median_seconds"], 4), note, **fields))
    rss = outcome["process_peak_rss_bytes"]
    note = (f"Peak resident memory of the process that ran every size, including the interpreter, pandas and "
            f"the {largest['input_memory_mb'] * 2**20 / 1e6:,.0f} MB input frame: {format_bytes(rss)}. "
            f"Memory allocated during one call at the largest size (tracemalloc): "
            f"{format_bytes(largest['peak_memory_mb'] * 2**20)}.")
    targets.append(_target("outcome_table_memory", rss, note, **fields))

    heaviest = max(site["pages"], key=lambda p: p["weight_bytes"])
    lightest = min(site["pages"], key=lambda p: p["weight_bytes"])
    shared = ", ".join(f"{f['file']} ({format_bytes(f['bytes'])})" for f in heaviest["largest_files"])
    note = (f"Heaviest page {heaviest['page']}: {format_bytes(heaviest['weight_bytes'])} (HTML "
            f"{format_bytes(heaviest['html_bytes'])}, {heaviest['images']} images of "
            f"{format_bytes(heaviest['image_bytes'])}); lightest {format_bytes(lightest['weight_bytes'])}. "
            f"Largest files: {shared}. Compressed with gzip, as a compressing server such as GitHub Pages "
            f"sends it, the heaviest page weighs {format_bytes(heaviest['gzip_weight_bytes'])}.")
    if heaviest["weight_bytes"] > TARGETS["page_weight"][1]:
        biggest = ", ".join(f"{f['file']} ({format_bytes(f['bytes'])})" for f in site["largest_shared_files"])
        note += (f" Every page references the same {site['shared_files']} theme scripts, style sheets and icons, "
                 f"{format_bytes(site['shared_bytes'])} in all, the largest {biggest}")
        if site["shared_bytes"] > TARGETS["page_weight"][1]:
            note += ": these alone exceed the target, whatever a page holds."
        else:
            note += f": {site['shared_bytes'] / heaviest['weight_bytes']:.0%} of the heaviest page."
        note += " A browser fetches them once and reuses them from its cache on every further page."
    targets.append(_target("page_weight", heaviest["weight_bytes"], note))

    slowest = max(site["pages"], key=lambda p: p["fcp_median_ms"])
    medians = sorted(p["fcp_median_ms"] for p in site["pages"])
    blocked = sorted({url for p in site["pages"] for url in p["blocked_requests"]})
    note = (f"Slowest page {slowest['page']}: {slowest['fcp_median_ms']:.0f} ms (median of {site['runs']} cold "
            f"loads in a fresh browser context); the median page paints at {medians[len(medians) // 2]:.0f} ms. "
            f"Headless Chromium {site['chromium']} against python -m http.server on 127.0.0.1; "
            f"{len(blocked)} requests to other hosts were blocked.")
    if slowest["fcp_median_ms"] > TARGETS["first_contentful_paint"][1]:
        load = results["machine"]
        note += (f" Before its first paint the browser must fetch and parse the page's render-blocking style "
                 f"sheets ({format_bytes(slowest['stylesheet_bytes'])}) on a cold cache; the machine's 1-minute "
                 f"load average was {load['load_average_start']} at the start of the run and "
                 f"{load['load_average_end']} at its end, on {load['cpu_count']} cores.")
    targets.append(_target("first_contentful_paint", slowest["fcp_median_ms"], note))
    if "scale" in results:
        targets.append(scale_target(results["scale"]))
    return targets


def scale_target(scale: dict) -> dict:
    """The target of issue 9 (validate and build on 100,000 respondents within 2x the 68-respondent build)."""
    small, large = scale["small"], scale["large"]
    note = (f"cwp validate + cwp build --force --data (fresh cache, site and outputs, --jobs {scale['jobs']}) "
            f"took {format_seconds(large['median_seconds'])} on {large['respondents']:,} respondents "
            f"({format_bytes(large['file_bytes'])} CSV; validate {format_seconds(large['validate_median_seconds'])}, "
            f"build {format_seconds(large['build_median_seconds'])}) against "
            f"{format_seconds(small['median_seconds'])} on {small['respondents']} respondents (validate "
            f"{format_seconds(small['validate_median_seconds'])}, build {format_seconds(small['build_median_seconds'])}"
            f"), {_runs_text(small)} of each, alternating; CPU time {format_seconds(large['cpu_median_seconds'])} "
            f"against {format_seconds(small['cpu_median_seconds'])}. The large survey was made by the independent "
            f"generator: {scale['generator']}.")
    if large.get("timed_out"):
        note = (f"The {large['respondents']:,}-respondent run was stopped after "
                f"{format_seconds(large['median_seconds'])}, {scale['give_up']:g} times the "
                f"{small['respondents']}-respondent run ({format_seconds(small['median_seconds'])}), so the ratio "
                f"shown is a lower bound: the target is missed. " + note.replace("took", "ran for", 1))
    load = scale.get("machine", {})
    if load:
        note += (f" Measured separately from the other benchmarks (python -m benchmarks --only scale, "
                 f"{load['date']}); the 1-minute load average was {load['load_average_start']} at its start and "
                 f"{load['load_average_end']} at its end on {load['cpu_count']} cores, other agents' work sharing "
                 f"the machine, which stretches both builds' wall times.")
    label = TARGETS["scale_ratio"][3].replace("100,000", f"{large['respondents']:,}")
    target = _target("scale_ratio", scale["ratio"], note)
    target["label"] = label
    return target


def run_scale_only(out: Path, *, quick: bool, jobs: int, keep: bool) -> dict:
    """Run :mod:`benchmarks.scale` alone and merge its section and target into the results file ``out``.

    The other sections and targets of ``out`` are kept as they are; the
    scale section records its own date, commit and load averages.

    Raises
    ------
    FileNotFoundError
        When ``out`` does not exist (run the full benchmark first); a quick
        run starts from the committed results instead.
    """
    source = out if out.is_file() or not quick else DEFAULT_OUT
    results = json.loads(source.read_text(encoding="utf-8"))
    respondents = 20_000 if quick else 100_000
    repeats = 1 if quick else 2
    machine = machine_info()
    scratch = Path(tempfile.mkdtemp(prefix="cwp-bench-scale-"))
    try:
        scale = scale_bench.run(scratch, respondents=respondents, repeats=repeats, jobs=jobs, progress=_say)
    finally:
        if keep:
            _say(f"workspace kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    scale["machine"] = {key: machine[key] for key in ("date", "git_commit", "git_uncommitted_files", "cpu_count",
                                                      "load_average_start")}
    scale["machine"]["load_average_end"] = round(os.getloadavg()[0], 2)
    scale["machine"]["load_average_max"] = round(max(_LOAD_SAMPLES), 2)
    scale["machine"]["duration_seconds"] = round(time.perf_counter() - _STARTED, 1)
    scale["quick"] = quick
    results["scale"] = scale
    results["settings"]["scale_respondents"] = respondents
    results["settings"]["scale_repeats"] = repeats
    results["targets"] = [t for t in results["targets"] if t["id"] != "scale_ratio"] + [scale_target(scale)]
    return results


def _runs_text(section: dict) -> str:
    return f"median of {section['runs']} runs" if section["runs"] > 1 else "one run"


def _names(names) -> str:
    names = list(names)
    return ", ".join(names) if names else "nothing"


# -- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: one run of each scenario, smaller sizes")
    parser.add_argument("--out", type=Path, help=f"results JSON (default {DEFAULT_OUT.relative_to(REPO_ROOT)})")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks executed at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    parser.add_argument("--notebooks", metavar="NAMES",
                        help="comma-separated notebook names to benchmark (a smoke test); the other chapters get stubs")
    parser.add_argument("--only", choices=["scale"],
                        help="run only this benchmark and merge it into the existing results file")
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    if args.only == "scale":
        results = run_scale_only(out, quick=args.quick, jobs=args.jobs, keep=args.keep)
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(report.format_report(results))
        print(f"\nwrote {out}")
        return 0
    settings = {
        "quick": args.quick,
        "notebooks": args.notebooks or "all",
        "jobs": args.jobs,
        "repeats": 1 if args.quick else 3,
        "no_change_repeats": 2 if args.quick else 5,
        "fcp_runs": 1 if args.quick else 5,
        "outcome_table_sizes": [10**3, 10**4, 10**5] if args.quick else [10**3, 10**4, 10**5, 10**6],
        "scale_respondents": 20_000 if args.quick else 100_000,
        "scale_repeats": 1 if args.quick else 2,
    }
    machine = machine_info()
    _say(f"{machine['cpu_count']} cores, Python {machine['python']}, load average {machine['load_average_start']}; "
         f"writing {out}")

    _say(f"outcome_table at {', '.join(f'{n:,}' for n in settings['outcome_table_sizes'])} respondents x 30 items ...")
    outcome = outcome_table_benchmark(tuple(settings["outcome_table_sizes"]))
    _say("outcome_table: " + "; ".join(f"{r['respondents']:,}: {format_seconds(r['median_seconds'])}"
                                       for r in outcome["records"]))

    scratch = Path(tempfile.mkdtemp(prefix="cwp-bench-"))
    try:
        build = build_bench.run(scratch, build_bench.BuildBenchmark(
            jobs=args.jobs, repeats=settings["repeats"], no_change_repeats=settings["no_change_repeats"],
            keep=args.keep, progress=_say,
            only=tuple(args.notebooks.split(",")) if args.notebooks else None,
        ))
        _say(f"site: page weight and first contentful paint ({settings['fcp_runs']} cold loads per page) ...")
        site = site_bench.run(Path(build["workspace"]["site"]), scratch / "workspace" / "book",
                              runs=settings["fcp_runs"], progress=_say)
        scale = scale_bench.run(scratch / "scale", respondents=settings["scale_respondents"],
                                repeats=settings["scale_repeats"], jobs=args.jobs, progress=_say)
    finally:
        if args.keep:
            _say(f"workspace kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    build["workspace"]["site"] = "<temporary workspace>/site"
    machine["load_average_end"] = round(os.getloadavg()[0], 2)
    machine["load_average_mean"] = round(sum(_LOAD_SAMPLES) / len(_LOAD_SAMPLES), 2)
    machine["load_average_max"] = round(max(_LOAD_SAMPLES), 2)
    machine["load_average_samples"] = len(_LOAD_SAMPLES)
    machine["duration_seconds"] = round(time.perf_counter() - _STARTED, 1)
    machine["chromium"] = site["chromium"]
    results = {
        "schema": RESULTS_SCHEMA,
        "machine": machine,
        "settings": settings,
        "build": build,
        "outcome_table": outcome,
        "site": site,
        "scale": scale,
    }
    results["targets"] = evaluate_targets(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(report.format_report(results))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
