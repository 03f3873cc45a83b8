"""Page weight on a first visit, measured in Debian's Chromium against the site served with gzip.

Targets of issue 12: every page at most 1 MB raw including its figures, and at
most 350 KB as transferred.  The figures are being redrawn as SVG; until then
the budgets below hold the book's shell (HTML, CSS, JavaScript, fonts) to
them, with room left for the figures: at most 700 KB raw and 350 KB
transferred without images.  Before this work every page fetched 2.4 MB raw
(0.86 MB gzipped) before its figures.
"""

from __future__ import annotations

import os

import pytest

from cwp_analysis.pipeline.site_audit import PageWeight, chromium_path, page_weights
from tests.test_book import toc_files

pytestmark = [pytest.mark.slow, pytest.mark.browser]
if chromium_path() is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but no Chromium found: .ci/run must install Debian's chromium package")
    pytestmark.append(pytest.mark.skip(reason="no Chromium on this machine (apt-get install chromium)"))

#: Raw bytes a page may fetch apart from its images (HTML, CSS, JavaScript, fonts).
SHELL_RAW_BUDGET = 700_000
#: Bytes a page may transfer apart from its images (text compressed with gzip).
SHELL_TRANSFER_BUDGET = 350_000


def _shell(weight: PageWeight) -> tuple[int, int]:
    images = weight.by_type.get("image", 0)
    # images are not compressed by the server: their transferred size is their raw size
    return weight.raw_bytes - images, weight.transfer_bytes - images


@pytest.fixture(scope="module")
def weights(built_book) -> list[PageWeight]:
    pages = [f"{entry}.html" for entry in toc_files()] + ["search.html"]
    return page_weights(built_book.site, pages)


def test_every_page_is_weighed(weights):
    assert len(weights) == len(toc_files()) + 1
    for weight in weights:
        assert weight.by_type.get("document", 0) > 5_000, weight.page
        assert weight.by_type.get("stylesheet", 0) > 50_000, weight.page
        assert weight.transfer_bytes < weight.raw_bytes, f"{weight.page} was not served compressed"


def test_shell_of_every_page_is_within_budget(weights):
    over = []
    for weight in weights:
        raw, transferred = _shell(weight)
        if raw > SHELL_RAW_BUDGET or transferred > SHELL_TRANSFER_BUDGET:
            over.append(f"{weight.page}: {raw / 1e3:.0f} KB raw, {transferred / 1e3:.0f} KB transferred "
                        f"without images ({weight.by_type})")
    assert not over, "\n".join(over)


def test_no_page_loads_the_heavy_theme_assets(weights):
    for weight in weights:
        assert weight.by_type.get("script", 0) < 300_000, (weight.page, weight.by_type)
        assert weight.by_type.get("font", 0) < 100_000, (weight.page, weight.by_type)
