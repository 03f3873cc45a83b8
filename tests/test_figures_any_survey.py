"""Every table and figure of the survey chapters on surveys the project did not make (issue 9, item 4).

Surveys from the independent generator (tests/survey_factory.py): 1, 2, 5 and
12 respondents, every answer identical, every "before" equal to its "after",
domains nobody answered, and 5,000 respondents.  Summaries come from the
library's own describe/stats/instruments functions, as the notebooks call them.
Each table is disclosed and each figure drawn from the disclosed table; nothing
may raise, no alt text may pass 250 characters, and where everything is
withheld the figure and its alt text say so in one sentence.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from cwp_analysis import describe, instruments, stats, tables
from cwp_analysis.codebook import load_codebook
from cwp_analysis.derived_rule import all_withheld, withheld_sentence
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.figures.likert import before_after_figure, diverging_likert_figure
from cwp_analysis.figures.service_use import partner_use_figure
from cwp_analysis.figures.style import ALT_TEXT_LIMIT
from cwp_analysis.figures.workstar import workstar_change_figure
from cwp_analysis.survey_io import read_workstar
from tests.survey_factory import as_codes, make_survey, make_workstar

THRESHOLD = 7
SENTENCE = withheld_sentence(THRESHOLD)
PAIRED_DOMAINS = ("mental_wellbeing", "basic_needs", "physical_health", "relationships")

CASES = {
    "n1": dict(n=1),
    "n2": dict(n=2),
    "n5": dict(n=5),
    "n12": dict(n=12),
    "identical": dict(n=40, constant=True),
    "before_equals_after": dict(n=40, before_equals_after=True),
    "empty_domains": dict(n=40, empty_domains=("mental_wellbeing", "help_seeking", "needs", "service_use")),
    "n5000": dict(n=5000, missing=0.05, improvement=0.3),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def survey(request):
    return request.param, as_codes(make_survey(seed=3, **CASES[request.param]))


def _check_figure(result, disclosed: DisclosedTable | None = None, columns=None):
    """Alt text length, and the one sentence exactly when the table publishes nothing the figure draws."""
    fig, alt = result
    assert fig.axes, "a figure must have an axis"
    assert 10 <= len(alt) <= ALT_TEXT_LIMIT, alt
    texts = [t.get_text() for t in fig.axes[0].texts]
    withheld = disclosed is not None and bool(disclosed.suppressed[columns or disclosed.table.columns].any().any())
    if withheld and all_withheld(disclosed, columns):
        assert texts == [SENTENCE] and alt.startswith(SENTENCE)
    if texts == [SENTENCE]:
        assert alt.startswith(SENTENCE)
    return fig, alt


def test_who_took_part(survey):
    name, data = survey
    demographics = describe.demographics_table(data, on_empty="keep")
    shown = tables.frequency_publication_table(demographics).disclose(THRESHOLD)
    assert len(shown.table) == len(demographics)
    use = describe.service_use_table(data, on_empty="keep")
    partners = tables.partner_use_publication_table(use.partners).disclose(THRESHOLD)
    _check_figure(partner_use_figure(partners), partners, ["%"])
    tables.services_per_woman_publication_table(use.services_per_woman).disclose(THRESHOLD)
    tables.frequency_publication_table(use.duration).disclose(THRESHOLD)
    if name in ("n1", "n2", "n5"):
        # Fewer women than the threshold: nothing but zeros can be published, and the page says so.
        assert partners.table["%"].isin(["[c]", None]).all()


@pytest.mark.parametrize("domain", ["help_seeking", "reflections"])
def test_likert_pages(survey, domain):
    name, data = survey
    summary = describe.likert_summary(data, domain, codebook=load_codebook(), on_empty="keep")
    disclosed = tables.likert_publication_table(summary).disclose(THRESHOLD)
    shares = [c for c in disclosed.table.columns if str(c).startswith("% ")]
    answers = list(summary["code_label"].drop_duplicates())
    values = disclosed.table[answers].apply(lambda col: col.map(lambda v: v != 0))
    nothing = all_withheld(disclosed, shares) and not (values & ~disclosed.suppressed[answers]).to_numpy().any()
    fig, alt = _check_figure(diverging_likert_figure(summary, disclosed=disclosed))
    if nothing and (disclosed.table["Base"] != 0).any():
        assert [t.get_text() for t in fig.axes[0].texts] == [SENTENCE]
    if name in ("n1", "n2", "n5"):
        assert [t.get_text() for t in fig.axes[0].texts] == [SENTENCE]
    if name == "empty_domains" and domain == "help_seeking":
        assert alt.startswith("No woman answered these questions.")
    needs = describe.needs_summary(data, codebook=load_codebook(), on_empty="keep")
    tables.needs_publication_table(needs).disclose(THRESHOLD)


@pytest.mark.parametrize("domain", PAIRED_DOMAINS)
def test_before_after_pages(survey, domain):
    name, data = survey
    items = load_codebook().paired_items(domain)
    outcomes = stats.outcome_table(data, items, on_degenerate="note").set_index("item", drop=False)
    disclosed = tables.outcome_publication_table(outcomes).disclose(THRESHOLD)
    fig, alt = _check_figure(before_after_figure(disclosed))
    if name in ("n1", "n2", "n5"):
        assert [t.get_text() for t in fig.axes[0].texts] == [SENTENCE]
    if name == "identical":
        # Everyone gave the first answer both times: 0% before and after is published, nothing is tested.
        assert set(disclosed.table["Before %"]) == {"0.0"} and set(disclosed.table["Test"]) == {"not tested"}
    if name == "empty_domains" and domain == "mental_wellbeing":
        assert alt.startswith("No item has answers both before and after")
    if name == "before_equals_after":
        assert set(disclosed.table["Test"]) == {"not tested"}
    if name == "n5000":
        assert disclosed.n_primary == 0 and "p" in disclosed.table


def test_wellbeing_scores(survey):
    name, data = survey
    scores = instruments.swemwbs_scores(data)
    change = instruments.swemwbs_change_summary(scores, on_degenerate="nan")
    shown = tables.swemwbs_change_publication_table(change).disclose(THRESHOLD).table
    if name in ("n1", "n2", "n5", "empty_domains"):
        # A mean of 7 or fewer women is withheld with the number of women.
        assert shown.loc["mean_change", "Estimate"] in ("[c]", None)


@pytest.mark.parametrize("n", [1, 5, 12, 60])
def test_workstar_page(n, tmp_path):
    path = tmp_path / "workstar.csv"
    make_workstar(n, seed=n).to_csv(path, index=False)
    summary = instruments.workstar_summary(read_workstar(path), on_degenerate="nan")
    disclosed = tables.workstar_publication_table(summary).disclose(THRESHOLD)
    fig, alt = _check_figure(workstar_change_figure(disclosed), disclosed, ["Mean first", "Mean last"])
    if n <= THRESHOLD:
        assert alt.startswith(SENTENCE)
    else:
        assert f"n={n}" in alt or "Values are in the table." in alt


def test_withheld_note_for_pages(survey):
    name, data = survey
    use = describe.service_use_table(data, on_empty="keep")
    disclosed = tables.partner_use_publication_table(use.partners).disclose(THRESHOLD)
    note = tables.withheld_note(disclosed)
    assert note in ("", SENTENCE)
    if name == "n5000":
        assert note == ""
