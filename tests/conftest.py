"""Shared fixtures.

``built_book`` builds the real book once per test session (all xdist
workers share it through a file lock) into a temporary folder, with its own
cache, so tests never touch ``book/_build`` or ``.cwp-cache`` of the
working tree.  Tests that need a built site (strict build, browser,
disclosure scan, reproducibility) take it and are marked ``slow``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from cwp_analysis.paths import REPO_ROOT

# Headless figures in the test process itself; kernels started by the
# pipeline get the inline backend explicitly (see cwp_analysis.pipeline).
os.environ.setdefault("MPLBACKEND", "Agg")


@dataclass(frozen=True)
class BuiltBook:
    """Where a session build put its site, outputs and cache."""

    root: Path
    site: Path
    outputs: Path
    cache: Path
    summary: str


def build_book_into(root: Path, *, data_path: Path | None = None, jobs: int = 2) -> BuiltBook:
    """Build the repository's book into ``root`` (site, outputs and cache all below it)."""
    from cwp_analysis.pipeline import build

    result = build(
        repo_root=REPO_ROOT,
        out_dir=root / "site",
        cache_dir=root / "cache",
        outputs_dir=root / "outputs",
        data_path=data_path,
        jobs=jobs,
        progress=False,
    )
    return BuiltBook(root=root, site=root / "site", outputs=root / "outputs", cache=root / "cache",
                     summary=result.summary())


def _shared_build(tmp_path_factory, name: str, **options) -> BuiltBook:
    # With xdist every worker has its own basetemp and their parent is this
    # session's; without xdist that parent outlives the session, so use basetemp.
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    shared.mkdir(parents=True, exist_ok=True)
    marker = shared / "built.json"
    with FileLock(str(shared / ".lock")):
        if not marker.exists():
            book = build_book_into(shared, **options)
            marker.write_text(json.dumps({"summary": book.summary}), encoding="utf-8")
    summary = json.loads(marker.read_text(encoding="utf-8"))["summary"]
    return BuiltBook(root=shared, site=shared / "site", outputs=shared / "outputs",
                     cache=shared / "cache", summary=summary)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """The book built once from the repository on the synthetic data."""
    return _shared_build(tmp_path_factory, "cwp-built-book")
