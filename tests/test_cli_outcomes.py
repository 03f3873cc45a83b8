"""`cwp outcomes`: one row per paired item, tests adjusted within each domain."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from cwp_analysis.cli import main
from cwp_analysis.cli.outcomes import outcomes_by_domain
from cwp_analysis.codebook import load_codebook
from cwp_analysis.stats import adjust_pvalues, outcome_table
from cwp_analysis.survey_io import read_survey
from cwp_analysis.notebook import DEFAULT_SURVEY, resolve_path


@pytest.fixture(scope="module")
def survey():
    return read_survey(resolve_path(DEFAULT_SURVEY))


def test_every_paired_item_once_in_codebook_order(survey):
    table = outcomes_by_domain(survey)
    expected = [v.id for v in load_codebook().paired_items()]
    assert table["item"].tolist() == expected
    assert set(table["domain"]) == {"mental_wellbeing", "basic_needs", "physical_health", "relationships"}


def test_holm_is_applied_within_each_domain(survey):
    table = outcomes_by_domain(survey)
    wellbeing = table[table["domain"] == "mental_wellbeing"]
    assert wellbeing["pvalue_holm"].tolist() == pytest.approx(
        list(adjust_pvalues(wellbeing["pvalue"].to_numpy(), method="holm")), rel=1e-12)


def test_matches_outcome_table_for_one_domain(survey):
    items = load_codebook().paired_items("physical_health")
    direct = outcome_table(survey, items)
    table = outcomes_by_domain(survey)
    via_cli = table[table["domain"] == "physical_health"].reset_index(drop=True)
    pd.testing.assert_series_equal(via_cli["pvalue"], direct["pvalue"], check_names=False)
    pd.testing.assert_series_equal(via_cli["statistic"], direct["statistic"], check_names=False)


def test_json_output_parses_and_has_no_respondent_rows(capsys):
    assert main(["outcomes", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == len(load_codebook().paired_items())
    assert all("respondent_id" not in record for record in records)
    foodbank = next(r for r in records if r["item"] == "foodbank_free")
    assert foodbank["test"] == "wilcoxon" and 0 < foodbank["pvalue"] < 1


def test_csv_output(capsys):
    assert main(["outcomes", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"domain", "item", "pvalue", "pvalue_holm", "pvalue_bh", "rank_biserial", "r_effect"} <= set(table.columns)


def test_invalid_data_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "survey.csv"
    bad.write_text("respondent_id\n", encoding="utf-8")
    assert main(["outcomes", "--data", str(bad)]) == 2
    assert capsys.readouterr().err.strip()
