"""cwp_analysis.notebook: the calls every notebook makes."""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cwp_analysis import notebook as nb
from cwp_analysis.disclosure import DisclosureError
from cwp_analysis.paths import REPO_ROOT


@pytest.fixture
def ctx(tmp_path, monkeypatch):
    monkeypatch.delenv(nb.READS_ENV, raising=False)
    return nb.setup("99_test", output_dir=tmp_path / "out", suppression_threshold=7)


def test_relative_paths_resolve_against_repo_root():
    assert nb.resolve_path("data/codebook.yaml") == REPO_ROOT / "data" / "codebook.yaml"
    assert nb.resolve_path("/abs/file.csv").as_posix() == "/abs/file.csv"


def test_synthetic_detection_by_name():
    assert nb.is_synthetic_path(nb.DEFAULT_SURVEY)
    assert not nb.is_synthetic_path("data/private/survey.xlsx")


def test_file_label_names_file_and_hash(tmp_path):
    target = tmp_path / "survey.csv"
    target.write_bytes(b"respondent_id\nA\n")
    digest = hashlib.sha256(b"respondent_id\nA\n").hexdigest()[:10]
    assert nb.file_label(target) == f"survey.csv (sha256 {digest})"
    assert nb.file_label(tmp_path / "absent.csv") == "absent.csv (missing)"


def test_setup_context(ctx, tmp_path):
    assert ctx.survey_is_synthetic and ctx.data_path == REPO_ROOT / nb.DEFAULT_SURVEY
    assert ctx.data_label.startswith("survey_SYNTHETIC.csv (sha256 ")
    assert ctx.source_note() == f"Notebook 99_test; data: {ctx.data_label}."
    assert ctx.output_dir == tmp_path / "out"


@pytest.mark.parametrize("kwargs, message", [
    ({"alpha": 0}, "alpha"), ({"alpha": 1.5}, "alpha"), ({"suppression_threshold": 0}, "suppression_threshold"),
])
def test_setup_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nb.setup("99_test", **kwargs)


def test_banner_mentions_synthetic_and_what():
    html = nb.synthetic_banner_html(survey=True, workstar=True)
    assert "cwp-synthetic-banner" in html and "SYNTHETIC DATA" in html
    assert "The survey answers and Work Star readings behind this page are synthetic" in html


def test_publish_table_suppresses_small_counts_and_writes_csv(ctx):
    table = pd.DataFrame({"n": [5, 30, 40], "pct": [6.7, 40.0, 53.3]}, index=["a", "b", "c"])
    disclosed = nb.publish_table(ctx, "t1", table, caption="Test.", count_columns=["n"],
                                 derived_columns={"pct": "n"}, show=False)
    # 5 is primary-suppressed; 30 is the smallest other cell of the column, suppressed to protect it.
    assert disclosed.table["n"].tolist() == ["[c]", "[c]", 40]
    assert disclosed.table["pct"].tolist() == ["[c]", "[c]", 53.3]
    written = (ctx.output_dir / "tables" / "t1.csv").read_text()
    assert written == ",n,pct\na,[c],[c]\nb,[c],[c]\nc,40,53.3\n"


def test_publish_table_public_source_is_not_suppressed_but_still_guarded(ctx):
    table = pd.DataFrame({"partner": ["CELC"], "sep_19": [7]})
    disclosed = nb.publish_table(ctx, "t2", table, caption="Printed.", index=False, show=False,
                                 public_source="Table 1 of the report")
    assert disclosed.table["sep_19"].tolist() == [7] and disclosed.n_primary == 0
    with pytest.raises(DisclosureError):
        nb.publish_table(ctx, "t3", pd.DataFrame({"respondent_id": ["SYN-001"], "n": [1]}),
                         caption="x", show=False, public_source="Table 1 of the report")


def test_publish_figure_needs_alt_and_caption(ctx):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="alt"):
        nb.publish_figure(ctx, "f", fig, alt=" ", caption="c")
    path = nb.publish_figure(ctx, "f", fig, alt="An empty plot.", caption="Nothing.")
    assert path == ctx.output_dir / "figures" / "f.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_publish_value_formats():
    assert nb.publish_value("x", 1184, ",") == "1,184"
    assert nb.publish_value("y", 0.4567, ".1%") == "45.7%"
    assert nb.publish_value("z", "text") == "text"


def test_publish_table_without_people_counts_skips_suppression(ctx, monkeypatch):
    shown = []
    monkeypatch.setattr(nb, "_display", shown.append)
    table = pd.DataFrame({"scope": ["survey", "Total"], "claims": [3, 5]})
    disclosed = nb.publish_table(ctx, "claims", table, caption="Claims by scope.", index=False,
                                 people_counts=False)
    # 3 and 5 are numbers of claims, not of women: shown as they are
    assert disclosed.table["claims"].tolist() == [3, 5] and disclosed.n_primary == 0
    assert not disclosed.suppressed.to_numpy().any()
    assert (ctx.output_dir / "tables" / "claims.csv").read_text() == "scope,claims\nsurvey,3\nTotal,5\n"
    page = shown[0].data
    assert 'class="dataframe cwp-table cwp-no-people-counts"' in page
    assert 'data-cwp-count-columns="[]"' in page
    assert "Claims by scope. No people are counted in this table. Notebook 99_test" in page


def test_publish_table_without_people_counts_still_guards(ctx):
    with pytest.raises(DisclosureError, match="identifier"):
        nb.publish_table(ctx, "ids", pd.DataFrame({"respondent_id": ["SYN-001"], "p": [0.5]}), caption="x",
                         show=False, people_counts=False)
    long_text = pd.DataFrame({"indicator": ["x" * 200]})
    with pytest.raises(DisclosureError, match="free text"):
        nb.publish_table(ctx, "plan", long_text, caption="x", show=False, people_counts=False)
    # the project's own longer text passes with a raised limit, which is refused for tables that count people
    assert nb.publish_table(ctx, "plan", long_text, caption="x", show=False, people_counts=False,
                            max_text_length=240).table.equals(long_text)
    with pytest.raises(ValueError, match="max_text_length"):
        nb.publish_table(ctx, "plan", long_text, caption="x", show=False, max_text_length=240)


def test_publish_table_without_people_counts_refuses_disclosure_options(ctx):
    table = pd.DataFrame({"n": [3]})
    with pytest.raises(ValueError, match="people_counts=False"):
        nb.publish_table(ctx, "t", table, caption="x", show=False, people_counts=False, count_columns=["n"])
    with pytest.raises(ValueError, match="people_counts=False"):
        nb.publish_table(ctx, "t", table, caption="x", show=False, people_counts=False, public_source="Table 1")


def test_no_people_tables_are_exempt_in_the_disclosure_scan(ctx, monkeypatch):
    from cwp_analysis.disclosure_scan import scan_html

    shown = []
    monkeypatch.setattr(nb, "_display", shown.append)
    table = pd.DataFrame({"claim": ["a", "b"], "women": [3, 40]})
    nb.publish_table(ctx, "claims", table, caption="Claims.", index=False, people_counts=False)
    nb.publish_table(ctx, "women", table, caption="Women.", index=False, count_columns=["women"], secondary=False)
    assert list(scan_html(shown[0].data, name="claims.html")) == []
    assert list(scan_html(shown[1].data, name="women.html")) == []  # 3 was suppressed
    unsuppressed = shown[1].data.replace("[c]", "3")
    assert [f.rule for f in scan_html(unsuppressed, name="women.html")] == ["small-count"]


def test_publish_claim_values_glues_the_printed_figures():
    assert nb.publish_claim_values(["survey_n"], ".0f") == {"survey_n": "68"}
    assert nb.publish_claim_values({"women": "interviews_women_n", "staff": "interviews_staff_n"}, "g") == \
        {"women": "5", "staff": "4"}
    with pytest.raises(KeyError, match="no_such_claim"):
        nb.publish_claim_values(["no_such_claim"])


def test_a_table_whose_every_count_is_withheld_says_so(ctx):
    from cwp_analysis.disclosure import disclose

    small = disclose(pd.DataFrame({"Count": [2, 3, 1]}, index=["a", "b", "c"]))
    large = disclose(pd.DataFrame({"Count": [20, 30, 3]}, index=["a", "b", "c"]))
    assert nb.everything_withheld(small) is True
    assert nb.everything_withheld(large) is False
    assert nb.withheld_sentence(7).startswith("Every value here is withheld by disclosure control")
