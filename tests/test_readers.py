"""Every format evaluators export reads back to the same codes.

Surveys come from the independent generator (``tests/survey_factory.py``),
written in each of its formats; :func:`cwp_analysis.survey_io.read_survey`
must return exactly the generator's codes (labels turned into codes), with
an answer given where the skip logic skipped the question read as missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cwp_analysis.column_mapping import load_column_mapping
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.paths import data_file
from cwp_analysis.readers import read_table
from cwp_analysis.survey_io import load_survey, load_workstar, read_survey
from tests.survey_factory import (
    FORMATS,
    as_codes,
    codebook_items,
    id_column,
    make_survey,
    make_workstar,
    write_survey,
)

SUFFIX = {"csv": ".csv", "csv-bom": ".csv", "cp1252": ".csv", "semicolon": ".csv", "tab": ".tsv",
          "xlsx": ".xlsx", "sav": ".sav", "dta": ".dta"}


def expected_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """The generator's codes, with answers to questions the skip logic skipped set to missing."""
    codes = as_codes(frame)
    codes[id_column()] = codes[id_column()].astype("string")
    items = {item.id: item for item in codebook_items()}
    for item in codebook_items():
        if item.depends_on:
            parent = codes[items[item.depends_on["variable"]].id]
            skipped = parent.notna() & ~parent.isin(item.depends_on["codes"])
            for column in item.columns:
                codes.loc[skipped.to_numpy(), column] = pd.NA
    return codes


def survey(n: int, seed: int = 0, **options) -> pd.DataFrame:
    return make_survey(n, seed, id_prefix="Zo\u00eb-", **options)


@pytest.mark.parametrize("n", [1, 2, 5, 12])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_to_the_generators_codes(fmt, n, tmp_path):
    frame = survey(n, seed=n, missing=0.15, half_pairs=0.1, skip_slips=1, labels=0.3)
    path = write_survey(frame, tmp_path / f"export{SUFFIX[fmt]}", fmt)
    before = path.read_bytes()

    loaded = load_survey(path)

    pd.testing.assert_frame_equal(loaded.frame, expected_codes(frame), check_column_type=False)
    assert loaded.report.ok
    assert loaded.report.warning_counts.get("skip_slip") == 1
    assert loaded.frame.attrs["validation"]["n_skip_slips_set_missing"] == 1
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("fmt", "read"),
    [
        ("csv", {"format": "csv", "encoding": "utf-8", "delimiter": ",", "sheet": None, "first_row": 2}),
        ("csv-bom", {"format": "csv", "encoding": "utf-8-sig", "delimiter": ",", "sheet": None, "first_row": 2}),
        ("cp1252", {"format": "csv", "encoding": "cp1252", "delimiter": ",", "sheet": None, "first_row": 2}),
        ("semicolon", {"format": "csv", "encoding": "utf-8", "delimiter": ";", "sheet": None, "first_row": 2}),
        ("tab", {"format": "csv", "encoding": "utf-8", "delimiter": "\t", "sheet": None, "first_row": 2}),
        ("xlsx", {"format": "xlsx", "encoding": None, "delimiter": None, "sheet": "export", "first_row": 2}),
        ("sav", {"format": "sav", "encoding": None, "delimiter": None, "sheet": None, "first_row": 1}),
        ("dta", {"format": "dta", "encoding": None, "delimiter": None, "sheet": None, "first_row": 1}),
    ],
)
def test_how_each_format_was_read_is_recorded(fmt, read, tmp_path):
    path = write_survey(survey(3), tmp_path / f"export{SUFFIX[fmt]}", fmt)
    assert read_table(path).attrs["read"] == read
    assert read_survey(path).attrs["read"] == read


def test_text_files_with_other_extensions_and_a_given_encoding(tmp_path):
    frame = survey(4, labels=0.5)
    expected = expected_codes(frame)
    for name, sep in (("export.txt", ";"), ("export.tsv", "\t"), ("export.csv", "\t")):
        path = tmp_path / name
        frame.to_csv(path, index=False, sep=sep, encoding="latin-1")
        pd.testing.assert_frame_equal(read_survey(path), expected)
        pd.testing.assert_frame_equal(read_survey(path, encoding="latin-1"), expected)
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    pd.testing.assert_frame_equal(read_survey(utf16), expected)


def test_xlsx_first_sheet_preferred_sheet_and_named_sheet(tmp_path):
    data, other = survey(5, seed=1), survey(3, seed=2)
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as writer:
        data.to_excel(writer, sheet_name="Responses", index=False)
        other.to_excel(writer, sheet_name="Pilot", index=False)
    pd.testing.assert_frame_equal(read_survey(path), expected_codes(data))  # the first sheet
    pd.testing.assert_frame_equal(read_survey(path, sheet="Pilot"), expected_codes(other))
    pd.testing.assert_frame_equal(read_survey(path, sheet=" pilot "), expected_codes(other))
    with pytest.raises(SurveyValidationError, match="no sheet named 'Answers'; its sheets are"):
        read_survey(path, sheet="Answers")
    with pd.ExcelWriter(path) as writer:
        other.to_excel(writer, sheet_name="Pilot", index=False)
        data.to_excel(writer, sheet_name="Survey", index=False)
    pd.testing.assert_frame_equal(read_survey(path), expected_codes(data))  # a sheet named survey is preferred


def test_sav_with_user_missing_values_and_numeric_ids(tmp_path):
    import pyreadstat

    frame = survey(6, seed=3)
    codes = as_codes(frame).drop(columns=id_column()).astype("float64")
    codes.insert(0, id_column(), np.arange(1001, 1007, dtype="float64"))  # numeric ids, as SPSS often holds them
    codes.loc[2, "age_band"] = 99.0  # declared missing in the file
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(codes, str(path), missing_ranges={"age_band": [99]})
    typed = read_survey(path)
    assert typed[id_column()].tolist() == [str(i) for i in range(1001, 1007)]
    assert pd.isna(typed.loc[2, "age_band"])
    assert typed.loc[3, "age_band"] == codes.loc[3, "age_band"]


def test_headers_match_ignoring_case_and_blanks(tmp_path):
    frame = survey(5, seed=4)
    shouted = frame.rename(columns=lambda c: f"  {c.upper()} ")
    path = tmp_path / "export.csv"
    shouted.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_survey(path), expected_codes(frame))


def test_a_mapping_file_renames_export_columns(tmp_path):
    frame = survey(7, seed=5, labels=0.4)
    renamed = {column: f"Q{i}. {column.replace('_', ' ')}" for i, column in enumerate(frame.columns)}
    path = tmp_path / "export.csv"
    frame.rename(columns=renamed).to_csv(path, index=False)
    mapping = tmp_path / "columns.yaml"
    mapping.write_text(yaml.safe_dump({"kind": "survey", "columns": {v: k for k, v in renamed.items()}}),
                       encoding="utf-8")
    with pytest.raises(SurveyValidationError, match="column 'respondent_id' is missing"):
        read_survey(path)
    pd.testing.assert_frame_equal(read_survey(path, columns=mapping), expected_codes(frame))


def test_the_documented_example_mapping_loads_and_reads_an_export(tmp_path):
    example = data_file("examples", "columns.example.yaml")
    mapping = load_column_mapping(example)
    assert mapping.kind == "survey" and mapping.target("Respondent ID") == "respondent_id"
    frame = survey(4, seed=6)
    export = frame.rename(columns={target: mapping.names[folded] for folded, target in mapping.columns.items()})
    path = write_survey(export, tmp_path / "export.csv", "csv")
    pd.testing.assert_frame_equal(read_survey(path, columns=example), expected_codes(frame))


def test_workstar_files_in_other_formats(tmp_path):
    frame = make_workstar(9, seed=2)
    path = tmp_path / "workstar.csv"
    frame.to_csv(path, index=False, sep=";", encoding="utf-8-sig")
    loaded = load_workstar(path)
    expected = frame.copy()
    expected["participant_id"] = expected["participant_id"].astype("string")
    for column in expected.columns[1:]:
        expected[column] = pd.to_numeric(expected[column]).astype("Int64")
    pd.testing.assert_frame_equal(loaded.frame, expected)
    assert loaded.report.summary().endswith("valid — 9 participants, 15 columns, codebook 1.0.0")


@pytest.mark.slow
def test_one_hundred_thousand_respondents(tmp_path):
    frame = make_survey(100_000, seed=11, missing=0.05)
    path = write_survey(frame, tmp_path / "big.csv", "csv")
    loaded = load_survey(path)
    assert loaded.frame.shape == (100_000, 77)
    assert loaded.report.ok and loaded.report.n_rows == 100_000
    for column in ("age_band", "swemwbs_mind_before", "rel_family_contact_after"):
        expected = pd.to_numeric(frame[column].mask(frame[column] == "")).astype("Int64")
        pd.testing.assert_series_equal(loaded.frame[column], expected, check_names=False)
    half = loaded.report.warning_counts["half_pair"]
    answered = [(frame[f"{i.id}_before"] != "") ^ (frame[f"{i.id}_after"] != "") for i in codebook_items() if i.paired]
    assert half == int(sum(a.sum() for a in answered)) > 0
    assert len(loaded.report.warnings) == 51  # 50 listed and one line counting the rest
    assert loaded.sha256 == __import__("hashlib").sha256(Path(path).read_bytes()).hexdigest()
