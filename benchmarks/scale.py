"""Scale benchmark: validating and building on 100,000 respondents (issue 9, "Real survey files").

Target: ``cwp validate`` + ``cwp build --force --data FILE`` on a
100,000-respondent survey takes at most twice the time of the same two
commands on the 68-respondent survey.

What is measured (wall time with :func:`time.perf_counter` in the parent
process around each ``cwp`` child process, so interpreter start-up counts,
and the CPU time of the child and its kernels):

small
    The 68-respondent synthetic survey (``data/synthetic/survey_SYNTHETIC.csv``)
    copied to a name without "synthetic" (so the build treats it as a user's
    export, as it would a real file).
large
    ``respondents`` rows (default 100,000) drawn with replacement, with fresh
    ids, from a 5,000-respondent survey made by the independent generator
    ``tests/survey_factory.py`` (3% item non-response, 2% half-answered
    pairs, an improvement of 0.3), written as UTF-8 CSV.  Resampling keeps
    generation fast; the files the pipeline reads are full size.

For each file, one after the other in the same run: ``cwp validate FILE
--quiet``, then ``cwp build --force --data FILE`` in a workspace copy of the
project (:func:`benchmarks.build.make_workspace`) with fresh cache, site and
outputs folders.  ``repeats`` runs of each alternate small and large, so slow
drift of the machine affects both alike; the ratio is of the medians.

A large run still going after ``give_up`` times the small run's total
(default 5, well past the target of 2) is stopped: the section then records
``timed_out`` and the time it was stopped at, the ratio is a lower bound,
and no further runs are made.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import time
from pathlib import Path

from benchmarks.build import REPO_ROOT, BenchmarkError, Progress, _quiet, _tail, children_cpu_seconds, cwp_command
from benchmarks.build import Workspace, make_workspace

#: The survey the project's default build reads (68 respondents).
SMALL_SURVEY = REPO_ROOT / "data" / "synthetic" / "survey_SYNTHETIC.csv"
#: Respondents generated before resampling to the full size.
BASE_RESPONDENTS = 5_000


def make_large_survey(path: Path, respondents: int, *, seed: int = 9) -> Path:
    """Write a ``respondents``-row survey CSV made with ``tests/survey_factory.py``.

    Parameters
    ----------
    path : pathlib.Path
        CSV file to write.
    respondents : int
        Rows of the file.
    seed : int
        Seed of the generator and of the resampling.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    :data:`BASE_RESPONDENTS` respondents are generated, then ``respondents``
    rows are drawn from them with replacement and given fresh ids
    (``P000000``, ``P000001``, ...), as ``tests/test_properties_library.py``
    does.
    """
    from tests import survey_factory as sf

    base = sf.make_survey(min(BASE_RESPONDENTS, respondents), seed, missing=0.03, half_pairs=0.02,
                          improvement=0.3)
    big = base.sample(respondents, replace=True, random_state=seed).reset_index(drop=True)
    big[sf.id_column()] = [f"P{i:06d}" for i in range(respondents)]
    return sf.write_survey(big, path, "csv")


def _timed(command: list[str], *, cwd: Path, env: dict[str, str], what: str,
           timeout: float | None = None) -> tuple[float, float, bool]:
    """Run ``command``; its wall and CPU seconds and whether it was stopped at ``timeout``.

    Raises :class:`BenchmarkError` when it fails.
    """
    cpu = children_cpu_seconds()
    started = time.perf_counter()
    # A session of its own, so a stopped command's kernels and forked workers are stopped with it.
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return time.perf_counter() - started, children_cpu_seconds() - cpu, True
    seconds = time.perf_counter() - started
    cpu = children_cpu_seconds() - cpu
    if process.returncode != 0:
        raise BenchmarkError(f"{what} failed with status {process.returncode}:\n{_tail(stderr)}\n{_tail(stdout)}")
    return seconds, cpu, False


def validate_and_build(ws: Workspace, survey: Path, *, jobs: int, timeout: float | None = None) -> dict:
    """``cwp validate`` then ``cwp build --force --data`` on ``survey``, with fresh cache, site and outputs.

    Returns
    -------
    dict
        ``validate_seconds``, ``build_seconds``, ``total_seconds`` and
        ``cpu_seconds`` (both commands, kernels included) and ``timed_out``
        (the two commands together were stopped after ``timeout`` seconds).
    """
    ws.clean()
    env = ws.environment()
    validate, validate_cpu, late = _timed([*cwp_command(), "validate", str(survey), "--quiet"],
                                          cwd=ws.root, env=env, what=f"cwp validate {survey.name}", timeout=timeout)
    left = None if timeout is None else max(timeout - validate, 1.0)
    build, build_cpu, late_build = (0.0, 0.0, True) if late else _timed([
        *cwp_command(), "build", "--force", "--data", str(survey), "--jobs", str(jobs), "--no-progress",
        "--notebooks", str(ws.notebooks), "--book", str(ws.book), "--out", str(ws.site),
        "--cache-dir", str(ws.cache), "--outputs", str(ws.outputs),
    ], cwd=ws.root, env=env, what=f"cwp build --data {survey.name}", timeout=left)
    return {"validate_seconds": round(validate, 3), "build_seconds": round(build, 3),
            "total_seconds": round(validate + build, 3), "cpu_seconds": round(validate_cpu + build_cpu, 3),
            "timed_out": late or late_build}


def _summary(runs: list[dict], respondents: int, survey: Path) -> dict:
    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    return {
        "respondents": respondents,
        "file_bytes": survey.stat().st_size,
        "runs": len(runs),
        "runs_seconds": [r["total_seconds"] for r in runs],
        "median_seconds": median("total_seconds"),
        "validate_median_seconds": median("validate_seconds"),
        "build_median_seconds": median("build_seconds"),
        "cpu_median_seconds": median("cpu_seconds"),
        "timed_out": any(r["timed_out"] for r in runs),
    }


def run(scratch: Path, *, respondents: int = 100_000, repeats: int = 1, jobs: int = 2,
        give_up: float = 5.0, progress: Progress = _quiet) -> dict:
    """Time validate + build on the 68-respondent and on the large survey; the ``scale`` section of the results.

    Parameters
    ----------
    scratch : pathlib.Path
        An empty temporary folder (workspace and survey files).
    respondents : int
        Rows of the large survey.
    repeats : int
        Runs of each size (alternating small, large).
    jobs : int
        ``cwp build --jobs``.
    give_up : float
        Stop a large run after this many times the small run's total time.
    progress : callable
        Called with a progress message.

    Returns
    -------
    dict
        ``small`` and ``large`` (respondents, file size, runs, medians of
        the total, validate and build seconds, CPU seconds), ``ratio``
        (median total large / small; a lower bound when ``large["timed_out"]``)
        and ``command``.

    Raises
    ------
    BenchmarkError
        When a command fails.
    """
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    small = shutil.copyfile(SMALL_SURVEY, scratch / "survey_small.csv")
    small_n = sum(1 for _ in small.open(encoding="utf-8")) - 1
    progress(f"scale: generating a {respondents:,}-respondent survey with tests/survey_factory.py ...")
    started = time.perf_counter()
    large = make_large_survey(scratch / "survey_large.csv", respondents)
    generated = time.perf_counter() - started
    progress(f"scale: {large.stat().st_size / 1e6:.1f} MB written in {generated:.1f} s")
    ws = make_workspace(scratch / "workspace")
    small_runs, large_runs = [], []
    for i in range(repeats):
        for label, survey, n, runs in (("small", small, small_n, small_runs),
                                       ("large", large, respondents, large_runs)):
            timeout = give_up * small_runs[-1]["total_seconds"] if label == "large" else None
            progress(f"scale {i + 1}/{repeats}: cwp validate + cwp build --force --data ({n:,} respondents) ...")
            runs.append(validate_and_build(ws, survey, jobs=jobs, timeout=timeout))
            progress(f"scale {i + 1}/{repeats}: {n:,} respondents: validate {runs[-1]['validate_seconds']:.1f} s, "
                     f"build {runs[-1]['build_seconds']:.1f} s"
                     + (f" (stopped after {timeout:.0f} s, {give_up:g}x the small run)" if runs[-1]["timed_out"]
                        else ""))
        if large_runs[-1]["timed_out"]:
            break
    ws.clean()
    small_summary = _summary(small_runs, small_n, small)
    large_summary = _summary(large_runs, respondents, large)
    return {
        "command": f"cwp validate FILE --quiet; cwp build --force --data FILE --jobs {jobs} "
                   "(fresh cache, site and outputs folders)",
        "generator": f"tests/survey_factory.make_survey({min(BASE_RESPONDENTS, respondents)}, missing=0.03, "
                     f"half_pairs=0.02, improvement=0.3), resampled with replacement to {respondents:,} rows "
                     "with fresh ids",
        "generation_seconds": round(generated, 3),
        "jobs": jobs,
        "give_up": give_up,
        "small": small_summary,
        "large": large_summary,
        "ratio": round(large_summary["median_seconds"] / small_summary["median_seconds"], 3),
    }
