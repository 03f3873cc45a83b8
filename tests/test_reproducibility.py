"""Byte-for-byte reproducibility of the book and of the synthetic data.

* Two clean builds of the book, each in its own temporary folder with its
  own cache (the session's ``built_book`` and a second one made here), give
  byte-identical files: every table (CSV), JSON output and figure (PNG)
  under the outputs folder, every image of the site, and every page.
* ``cwp synth`` writes the same bytes on every run, whatever the hash seed,
  locale, time zone or working folder, and those bytes are the committed
  ``data/synthetic`` files.

Files are compared by SHA-256; a difference names the files that differ.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cwp_analysis.paths import data_file
from tests.conftest import _shared_build

pytestmark = pytest.mark.slow


def digests(folder: Path, *, skip_dirs: tuple[str, ...] = ()) -> dict[str, str]:
    """SHA-256 of every file below ``folder``, by relative path."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not set(relative.parts[:-1]) & set(skip_dirs):
            found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def differences(first: dict[str, str], second: dict[str, str]) -> list[str]:
    """Files present in only one of the trees, or with different bytes."""
    return sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


@pytest.fixture(scope="module")
def second_book(tmp_path_factory):
    """A second clean build with its own site, outputs and cache (once per session, shared by xdist workers)."""
    return _shared_build(tmp_path_factory, "cwp-second-build")


def test_tables_json_and_figures_are_byte_identical(built_book, second_book):
    first, second = digests(built_book.outputs), digests(second_book.outputs)
    kinds = {Path(name).suffix for name in first}
    assert {".csv", ".png"} <= kinds, kinds
    assert len([n for n in first if n.startswith("tables/")]) >= 20
    assert differences(first, second) == []


def test_site_images_are_byte_identical(built_book, second_book):
    first, second = digests(built_book.site / "_images"), digests(second_book.site / "_images")
    # the figures are glued PNGs; none here means the kernels did not render figures as images
    # (for instance MPLBACKEND=Agg inherited from the environment replaces the inline backend)
    assert len(first) >= 10, f"{len(first)} images in the site"
    assert differences(first, second) == []


def test_every_page_and_file_of_the_site_is_byte_identical(built_book, second_book):
    first, second = digests(built_book.site), digests(second_book.site)
    assert len([n for n in first if n.endswith(".html")]) >= 15
    assert differences(first, second) == []


# --------------------------------------------------------------------------
# cwp synth
# --------------------------------------------------------------------------

ENVIRONMENTS = {
    "hashseed-0-utc": {"PYTHONHASHSEED": "0", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    "hashseed-random-chatham": {"PYTHONHASHSEED": "random", "TZ": "Pacific/Chatham", "LC_ALL": "C"},
    "hashseed-4242-newfoundland": {"PYTHONHASHSEED": "4242", "TZ": "America/St_Johns", "LC_ALL": "POSIX",
                                   "LANG": "C"},
}


def test_cwp_synth_is_identical_across_runs_hash_seeds_locales_and_time_zones(tmp_path):
    runs = {}
    for name, settings in ENVIRONMENTS.items():
        out = tmp_path / name
        env = {key: value for key, value in os.environ.items() if key not in ("LC_ALL", "LANG", "LC_CTYPE", "TZ")}
        env.update(settings)
        cwd = tmp_path / f"cwd-{name}"
        cwd.mkdir()
        runs[name] = (out, subprocess.Popen([sys.executable, "-m", "cwp_analysis", "synth", "--out", str(out)],
                                            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True))
    outputs = {}
    for name, (out, process) in runs.items():
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        outputs[name] = digests(out)
    committed = {name: hashlib.sha256(data_file("synthetic", name).read_bytes()).hexdigest()
                 for name in ("survey_SYNTHETIC.csv", "workstar_SYNTHETIC.csv")}
    for name, files in outputs.items():
        assert files == committed, name
