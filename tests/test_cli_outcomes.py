"""`cwp outcomes` and `cwp reconcile`: disclosure-controlled by default, raw with --raw and a warning."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from cwp_analysis.cli import main
from cwp_analysis.cli.outcomes import outcomes_by_domain, published_outcomes
from cwp_analysis.codebook import load_codebook
from cwp_analysis.stats import adjust_pvalues, outcome_table
from cwp_analysis.survey_io import read_survey
from cwp_analysis.notebook import DEFAULT_SURVEY, resolve_path
from cwp_analysis.tables import outcome_publication_table


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


def test_json_output_is_disclosure_controlled_by_default(capsys):
    assert main(["outcomes", "--json"]) == 0
    captured = capsys.readouterr()
    assert "not disclosure-controlled" not in captured.err
    records = json.loads(captured.out)
    assert len(records) == len(load_codebook().paired_items())
    assert all("respondent_id" not in record for record in records)
    bank = next(r for r in records if r["item"] == "bank_account")
    # 63 of 66 with a bank account after: the 3 without would follow, so the count and its share are withheld.
    assert bank["After n"] == "[c]" and bank["After %"] == "[c]"
    assert {"Pairs", "Before n", "p", "Rank-biserial r"} <= set(bank)
    assert "statistic" not in bank and "pvalue" not in bank


def test_raw_output_warns_on_stderr(capsys):
    assert main(["outcomes", "--json", "--raw"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == "cwp outcomes: not disclosure-controlled: do not publish"
    records = json.loads(captured.out)
    foodbank = next(r for r in records if r["item"] == "foodbank_free")
    assert foodbank["test"] == "wilcoxon" and 0 < foodbank["pvalue"] < 1
    bank = next(r for r in records if r["item"] == "bank_account")
    assert isinstance(bank["after_positive_n"], int)


def test_csv_output(capsys):
    assert main(["outcomes", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"domain", "item", "Pairs", "p", "p (Holm)", "Rank-biserial r"} <= set(table.columns)
    assert main(["outcomes", "--csv", "--raw"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"domain", "item", "pvalue", "pvalue_holm", "pvalue_bh", "rank_biserial", "r_effect"} <= set(table.columns)


def test_text_output_and_threshold(capsys):
    assert main(["outcomes", "--threshold", "2"]) == 0
    out = capsys.readouterr().out
    assert "bank_account" in out and "[c]" not in out.split("bank_account")[1].splitlines()[0]
    assert main(["outcomes"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "bank_account" in x)
    assert "[c]" in line


def test_published_outcomes_matches_the_book_table(survey):
    raw = outcomes_by_domain(survey)
    shown = published_outcomes(raw, threshold=7)
    items = load_codebook().paired_items("physical_health")
    book = outcome_publication_table(outcome_table(survey, items, on_degenerate="note").set_index("item", drop=False))
    book = book.disclose(7).table.reset_index(drop=True)
    ours = shown[shown["domain"] == "physical_health"].drop(columns=["domain", "item"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(ours[book.columns], book, check_dtype=False)


# --------------------------------------------------------------------------- cwp reconcile


def _table_with_small_cell(tmp_path):
    printed = pd.read_csv(resolve_path("data/published/engagements.csv"), dtype={"partner": str})
    printed.loc[printed["partner"] == "CELC", ["sep_19", "total_1"]] = [5, 48]
    path = tmp_path / "table1.csv"
    printed.to_csv(path, index=False)
    return path


def test_reconcile_withholds_the_numbers_of_rows_with_small_counts(tmp_path, capsys):
    path = _table_with_small_cell(tmp_path)
    assert main(["reconcile", "--table", str(path), "--all"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    celc = [line for line in lines if "CELC" in line]
    assert celc and all(line.endswith("numbers withheld by disclosure control") for line in celc)
    totals = [line for line in lines if ": Total /" in line]
    assert totals and all(line.endswith("numbers withheld by disclosure control") for line in totals)
    assert any(line.startswith("fault: row_sum: Kairos / Total 1: printed 149, recomputed 351") for line in lines)
    assert not any(" 48" in line or "853" in line or "855" in line for line in lines)
    assert "numbers of" in captured.err and "not disclosure-controlled" not in captured.err


def test_reconcile_raw_prints_everything_with_a_warning(tmp_path, capsys):
    path = _table_with_small_cell(tmp_path)
    assert main(["reconcile", "--table", str(path), "--raw"]) == 0
    captured = capsys.readouterr()
    assert "recomputed 855" in captured.out
    assert captured.err.splitlines()[0] == "cwp reconcile: not disclosure-controlled: do not publish"


def test_reconcile_of_the_public_table_is_printed_as_the_report_printed_it(capsys):
    assert main(["reconcile"]) == 0
    captured = capsys.readouterr()
    assert "printed 655, recomputed 857" in captured.out and "withheld" not in captured.out
    assert "not disclosure-controlled" not in captured.err


def test_invalid_data_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "survey.csv"
    bad.write_text("respondent_id\n", encoding="utf-8")
    assert main(["outcomes", "--data", str(bad)]) == 2
    assert capsys.readouterr().err.strip()
