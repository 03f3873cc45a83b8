"""Every chapter executes on surveys the project did not make (issue 9, item 4).

Each scenario writes a survey with the independent generator of
``tests/survey_factory.py`` (never ``cwp synth``), runs ``cwp build --data``
without the site (every notebook executed, as the book build would), and
checks what a reader of those pages would see: no error, no synthetic
banner on survey pages, the real-data banner naming the file and its hash,
no respondent identifier anywhere, and the "everything withheld" sentence
where a tiny survey leaves nothing to show.

The whole book, site included, is built on small surveys by
``tests/test_attack_books.py`` (which also attacks the pages) and on a
``.sav`` export with a column mapping by ``test_real_data_mode_end_to_end``
below.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from filelock import FileLock

from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.pipeline import build
from cwp_analysis.readers import file_sha256
from tests.survey_factory import make_survey, write_survey

pytestmark = pytest.mark.slow

#: name -> (generator options, file format)
SCENARIOS = {
    "n1": (dict(n=1, seed=1), "csv"),
    "n2": (dict(n=2, seed=2), "csv"),
    "n5": (dict(n=5, seed=5, labels=0.5), "csv"),
    "n12_gaps": (dict(n=12, seed=12, missing=0.15, half_pairs=0.15, skip_slips=2, labels=0.3), "xlsx"),
    "identical_answers": (dict(n=30, seed=3, constant=True), "csv"),
    "before_equals_after": (dict(n=40, seed=4, before_equals_after=True), "semicolon"),
    "wellbeing_all_missing": (dict(n=40, seed=6, empty_domains=("mental_wellbeing",), improvement=0.3), "cp1252"),
    "n5000": (dict(n=5000, seed=7, missing=0.03, half_pairs=0.02, improvement=0.3), "csv"),
}
SURVEY_PAGES = ("00_overview", "02_theories_of_change", "04_who_took_part", "05_help_seeking_and_support",
                "06_mental_wellbeing", "07_basic_needs_health_relationships", "11_reproduction")
ID = re.compile(r"\bP\d{4}\b")
SYNTHETIC_SURVEY_BANNER = re.compile(r"SYNTHETIC DATA\.</strong> The survey answers")


def _shared_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _executed(tmp_path_factory, name: str) -> tuple[Path, Path, Path]:
    """Execute every notebook on scenario ``name`` once per session; return (survey file, cache, outputs)."""
    options, fmt = SCENARIOS[name]
    root = _shared_folder(tmp_path_factory) / f"cwp-any-survey-{name}"
    root.mkdir(parents=True, exist_ok=True)
    suffix = {"semicolon": "csv", "cp1252": "csv", "tab": "tsv"}.get(fmt, fmt)
    survey = root / f"export.{suffix}"
    with FileLock(str(root / ".lock")):
        if not (root / "done.json").is_file():
            write_survey(make_survey(**options), survey, fmt)
            result = build(repo_root=REPO_ROOT, data_path=survey, cache_dir=root / "cache",
                           outputs_dir=root / "outputs", build_book=False, jobs=2, progress=False,
                           log=lambda message: None)
            (root / "done.json").write_text(json.dumps({"executed": list(result.executed)}), encoding="utf-8")
    return survey, root / "cache", root / "outputs"


def _notebook_text(cache: Path, name: str) -> str:
    """Everything an executed notebook displays (outputs only), from the newest cache entry."""
    candidates = sorted(cache.glob(f"objects/{name}-*/executed.ipynb"), key=lambda p: p.stat().st_mtime)
    assert candidates, f"no executed copy of {name} in {cache}"
    notebook = json.loads(candidates[-1].read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"{name}: {output.get('ename')}: {output.get('evalue')}"
            for kind, value in output.get("data", {}).items():
                if "image/" in kind:
                    continue  # base64 pixels, not text a reader sees
                parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list)
                             else json.dumps(value))
            parts.append("".join(output.get("text", "")))
    return "\n".join(parts)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_chapter_executes(scenario, tmp_path_factory):
    survey, cache, outputs = _executed(tmp_path_factory, scenario)
    label = f"{survey.name} (sha256 {file_sha256(survey)[:10]})"
    for page in SURVEY_PAGES:
        text = _notebook_text(cache, page)
        assert not SYNTHETIC_SURVEY_BANNER.search(text), f"{page}: says the survey answers are synthetic"
        assert label in text, f"{page}: the page does not name {label}"
        assert not ID.search(text), f"{page}: a respondent identifier is displayed"
    for written in outputs.rglob("*.csv"):
        assert not ID.search(written.read_text(encoding="utf-8")), f"{written.name}: respondent ids written"


@pytest.mark.parametrize("scenario", ["n1", "n2", "n5"])
def test_tiny_surveys_say_that_everything_is_withheld(scenario, tmp_path_factory):
    _, cache, _ = _executed(tmp_path_factory, scenario)
    text = _notebook_text(cache, "05_help_seeking_and_support")
    assert "Every value here is withheld by disclosure control" in text


def test_real_data_mode_end_to_end(tmp_path_factory):
    """The README walkthrough: an SPSS export with its own headers, a mapping file, the whole book, the scan."""
    import yaml

    from cwp_analysis.cli import main as cli_main
    from tests.survey_factory import survey_columns

    root = _shared_folder(tmp_path_factory) / "cwp-real-data-mode"
    root.mkdir(parents=True, exist_ok=True)
    survey = make_survey(48, seed=48, missing=0.05, half_pairs=0.05, skip_slips=1, improvement=0.4)
    headers = {column: f"Q{i:02d}_{column.upper()[:20]}" for i, column in enumerate(survey_columns())}
    headers["respondent_id"] = "CaseID"
    export = write_survey(survey, root / "wave1_export.sav", "sav", headers=headers)
    mapping = root / "columns.yaml"
    mapping.write_text(yaml.safe_dump({"kind": "survey", "columns": {v: k for k, v in headers.items()}}),
                       encoding="utf-8")
    site = root / "site"
    status = cli_main(["build", "--data", str(export), "--columns", str(mapping), "--out", str(site),
                       "--cache-dir", str(root / "cache"), "--outputs", str(root / "outputs"), "--no-progress"])
    assert status == 0
    label = f"wave1_export.sav (sha256 {file_sha256(export)[:10]})"
    pages = {page.stem: page.read_text(encoding="utf-8") for page in (site / "notebooks").glob("*.html")}
    for page in SURVEY_PAGES:
        assert label in pages[page], f"{page}: the site does not name the export and its hash"
        assert not SYNTHETIC_SURVEY_BANNER.search(pages[page]), page
    replication = pages["11_reproduction"]
    assert "not reproduced" in replication.lower() and "reproduced" in replication.lower()
    for text in pages.values():
        assert not ID.search(text)
    # cwp scan with no --survey reads the build manifest and checks this export's identifiers
    assert cli_main(["scan", str(site)]) == 0
