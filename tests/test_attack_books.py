"""The page attack against whole books (issue 10, item 4): nothing withheld may be recovered.

Books are built from surveys the project did not make (``tests/survey_factory.py``),
small (8 to 40 women) and shaped unlike the synthetic file: every answer the
same, nothing changing between before and now, heavy missingness, answer
labels instead of codes, a whole domain left empty, and answers piled on one
end of each scale.  Each book, and the synthetic book, is attacked page by
page (:func:`cwp_analysis.page_attack.attack_site`) and scanned with its own
survey's identifiers (:func:`cwp_analysis.disclosure_scan.scan_site`, as
``cwp scan`` does from a build manifest).

Each book is built once per session and shared by the xdist workers through
a file lock (``tests.conftest._shared_build``); a build takes a minute or two.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from filelock import FileLock

from cwp_analysis.disclosure_scan import scan_site
from cwp_analysis.page_attack import attack_site
from tests.conftest import BuiltBook, _shared_build
from tests.survey_factory import codebook_items, id_column, make_survey, write_survey


def _skewed(n: int, seed: int) -> pd.DataFrame:
    """Most women give the top answer of every item (the rest answer at random)."""
    frame = make_survey(n, seed=seed, id_prefix="SK")
    rng = np.random.default_rng(seed)
    for item in codebook_items():
        top = str(max(item.codes))
        for column in item.columns:
            cells = frame[column].to_numpy(dtype=object)
            piled = (rng.random(n) < 0.85) & (cells != "")
            frame[column] = np.where(piled, top, cells)
    return frame


#: name -> (survey maker, respondents); every survey is generated here, none by ``cwp synth``.
SURVEYS = {
    "identical-12": (lambda: make_survey(12, seed=12, constant=True, id_prefix="ID"), 12),
    "unchanged-30": (lambda: make_survey(30, seed=30, before_equals_after=True, id_prefix="UC"), 30),
    "missing-40": (lambda: make_survey(40, seed=40, missing=0.35, half_pairs=0.2, skip_slips=2, id_prefix="MS"), 40),
    "labels-20": (lambda: make_survey(20, seed=20, labels=0.6, improvement=0.5, id_prefix="LB"), 20),
    "no-wellbeing-25": (lambda: make_survey(25, seed=25, empty_domains=("mental_wellbeing",), id_prefix="NW"), 25),
    "skewed-35": (lambda: _skewed(35, 35), 35),
    "tiny-8": (lambda: make_survey(8, seed=8, improvement=0.8, id_prefix="TN"), 8),
}


def _shared_dir(tmp_path_factory, name: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    shared.mkdir(parents=True, exist_ok=True)
    return shared


@pytest.fixture(scope="session")
def survey_book(tmp_path_factory):
    """``survey_book(name) -> (survey path, BuiltBook)``: the book of one of :data:`SURVEYS`, built once."""
    built: dict[str, tuple[Path, BuiltBook]] = {}

    def book(name: str) -> tuple[Path, BuiltBook]:
        if name not in built:
            folder = _shared_dir(tmp_path_factory, f"cwp-attack-survey-{name}")
            path = folder / "survey.csv"
            with FileLock(str(folder / ".survey.lock")):
                if not path.exists():
                    partial = write_survey(SURVEYS[name][0](), folder / "survey.partial.csv")
                    partial.replace(path)
            built[name] = path, _shared_build(tmp_path_factory, f"cwp-attack-book-{name}", data_path=path)
        return built[name]

    return book


def _listing(recoveries) -> str:
    return "\n".join(map(str, recoveries))


def test_the_surveys_differ_from_each_other_and_are_small():
    for name, (maker, n) in SURVEYS.items():
        frame = maker()
        assert 8 <= len(frame) == n <= 40, name
        assert frame[id_column()].is_unique
    identical = SURVEYS["identical-12"][0]().drop(columns=id_column())
    assert (identical.nunique() <= 1).all()
    missing = SURVEYS["missing-40"][0]()
    assert (missing == "").to_numpy().mean() > 0.3
    skewed = SURVEYS["skewed-35"][0]()
    assert (skewed.drop(columns=id_column()) == skewed.drop(columns=id_column()).mode().iloc[0]).to_numpy().mean() > 0.8


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SURVEYS))
def test_no_withheld_count_can_be_recovered_from_a_small_survey_book(survey_book, name):
    _, book = survey_book(name)
    report = attack_site(book.site)
    assert len(report.pages) >= 14
    # the attack did read withheld cells; with every answer identical, each count is 0 or the whole base,
    # so nothing is small and nothing is withheld
    assert report.withheld > 0 or name == "identical-12"
    assert report.recoveries == (), f"{len(report.recoveries)} recovered in the {name} book:\n" + _listing(
        report.recoveries)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SURVEYS))
def test_a_small_survey_book_shows_no_identifier_row_or_small_count(survey_book, name):
    path, book = survey_book(name)
    report = scan_site(book.site, survey_paths=[path], outputs=book.outputs, attack=False)
    assert report.identifiers == SURVEYS[name][1]
    assert list(report) == [], "\n".join(map(str, report))


@pytest.mark.slow
def test_no_withheld_count_can_be_recovered_from_the_synthetic_book(built_book):
    report = attack_site(built_book.site)
    assert len(report.pages) >= 14 and report.withheld > 0
    assert report.recoveries == (), f"{len(report.recoveries)} recovered:\n" + _listing(report.recoveries)
