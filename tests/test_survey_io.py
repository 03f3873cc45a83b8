"""Reading survey files: ``cwp_analysis.survey_io`` (and the readers it joins).

Fixtures are built from the codebook here; the corpus of unusable files run
through ``cwp validate`` is ``tests/malformed_corpus.py``, and every format
is round-tripped in ``tests/test_readers.py``.

Changed with the validation policy of issue 9: text in Windows-1252 and a
byte-order mark are read (they were refused), a pipe-separated file is still
refused with a message naming the supported delimiters, and the typed
frame's ``attrs`` carry the file's hash, how it was read and the validation
counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from cwp_analysis.codebook import load_codebook
from cwp_analysis.errors import SurveyValidationError
from cwp_analysis.survey_io import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    parse_codes,
    read_survey,
    read_table,
    read_workstar,
    text_cells,
    typed_frame,
)

CODEBOOK = load_codebook()


def survey_frame(n: int = 9) -> pd.DataFrame:
    """A valid typed survey: codes cycle through each scale, routing respected,
    every fifth before/after pair left empty on both sides."""
    scored = [v for v in CODEBOOK.variables.values() if v.scale is not None]
    rows = []
    for i in range(n):
        row = {CODEBOOK.id_column: f"R{i + 1:03d}"}
        for j, variable in enumerate(scored):
            codes = variable.scale.allowed_codes
            skipped = variable.paired and (i + j) % 5 == 0
            for k, column in enumerate(variable.columns):
                row[column] = None if skipped else codes[(i + j + k) % len(codes)]
        for variable in scored:
            rule = variable.depends_on
            if rule and row[rule["variable"]] not in rule["codes"]:
                row.update(dict.fromkeys(variable.columns))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=CODEBOOK.columns())
    frame[CODEBOOK.id_column] = frame[CODEBOOK.id_column].astype("string")
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def workstar_frame(n: int = 6) -> pd.DataFrame:
    spec = CODEBOOK.workstar
    rows = []
    for i in range(n):
        row = {spec.id_column: f"P{i + 1:02d}"}
        for k, area in enumerate(spec.areas):
            first = (i * 3 + k) % spec.scale_max + 1
            row[spec.first_column(area.id)] = first
            row[spec.last_column(area.id)] = min(spec.scale_max, first + 2)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(spec.columns))
    frame[spec.id_column] = frame[spec.id_column].astype("string")
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def problems_of(path, **options) -> list[str]:
    with pytest.raises(SurveyValidationError) as caught:
        read_table(path, **options)
    assert caught.value.exit_code == 2
    return caught.value.problems


# --------------------------------------------------------------------------
# read_table: CSV
# --------------------------------------------------------------------------


def test_defaults_are_100_mb_and_100_000_rows():
    assert (DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS) == (100_000_000, 100_000)


def test_csv_cells_are_returned_as_raw_text(tmp_path):
    path = write(tmp_path / "s.csv", " respondent_id ,age_band,ethnicity\nR1, 3 ,\nR2,2.5,NA\n")
    table = read_table(path)
    assert list(table.columns) == ["respondent_id", "age_band", "ethnicity"]
    assert table.to_dict("list") == {
        "respondent_id": ["R1", "R2"],
        "age_band": [" 3 ", "2.5"],
        "ethnicity": ["", "NA"],  # "NA" stays text: no silent missing values
    }
    assert all(dtype == object for dtype in table.dtypes)
    assert isinstance(table.index, pd.RangeIndex) and table.index[0] == 0


def test_crlf_line_endings_and_upper_case_extension(tmp_path):
    lf = read_table(write(tmp_path / "a.csv", "respondent_id,age_band\nR1,2\nR2,\n"))
    crlf = read_table(write(tmp_path / "b.CSV", "respondent_id,age_band\r\nR1,2\r\nR2,\r\n"))
    pd.testing.assert_frame_equal(lf, crlf)


def test_quoted_cells_keep_commas_and_line_breaks(tmp_path):
    path = write(tmp_path / "s.csv", 'respondent_id,note\n"R,1","two\nlines"\nR2,x\n')
    assert read_table(path).to_dict("list") == {"respondent_id": ["R,1", "R2"], "note": ["two\nlines", "x"]}


def test_trailing_blank_lines_and_empty_trailing_column_are_dropped(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band,\nR1,2,\nR2,3,\n\n\n")
    assert read_table(path).to_dict("list") == {"respondent_id": ["R1", "R2"], "age_band": ["2", "3"]}


def test_a_blank_line_inside_the_file_is_kept_as_an_empty_row(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band\nR1,2\n\nR3,3\n")
    assert read_table(path).to_dict("list") == {"respondent_id": ["R1", "", "R3"], "age_band": ["2", "", "3"]}


def test_values_without_a_header_are_an_error(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band,\nR1,2,\nR2,3,x\n")
    assert problems_of(path) == [
        f"{path}: column 3 (C) has no header but holds values (first in row 3); "
        "give the column its codebook name or delete it"
    ]


def test_rows_with_the_wrong_number_of_fields_are_listed(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band\nR1\nR2,2\nR3,3,4\n")
    problems = problems_of(path)
    assert [p.split(": ")[1] for p in problems] == [
        "row 2 (line 2) has 1 field but the header has 2; every row needs one field per column "
        "(an unquoted comma inside a value, or a truncated line?)",
        "row 4 (line 4) has 3 fields but the header has 2; every row needs one field per column "
        "(an unquoted comma inside a value, or a truncated line?)",
    ]


def test_non_utf8_text_is_read_as_cp1252_and_a_given_encoding_locates_bad_bytes(tmp_path):
    data = "respondent_id,age_band\nR1,2\nZo\u00eb,3\n".encode("cp1252")
    path = write(tmp_path / "s.csv", data)
    table = read_table(path)
    assert table["respondent_id"].tolist() == ["R1", "Zo\u00eb"]
    assert table.attrs["read"]["encoding"] == "cp1252"
    offset = data.index(b"\xeb")
    (problem,) = problems_of(path, encoding="utf-8")
    assert f"the file is not utf-8 text: byte 0xEB at byte offset {offset} (line 3) cannot be decoded" in problem
    assert offset == 30


def test_bom_is_read(tmp_path):
    path = write(tmp_path / "s.csv", b"\xef\xbb\xbfrespondent_id,age_band\nR1,2\n")
    table = read_table(path)
    assert table.to_dict("list") == {"respondent_id": ["R1"], "age_band": ["2"]}
    assert table.attrs["read"] == {"format": "csv", "encoding": "utf-8-sig", "delimiter": ",", "sheet": None,
                                   "first_row": 2}


def test_pipe_delimiter_is_named(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id|age_band\nR1|2\n")
    (problem,) = problems_of(path)
    assert "separated by vertical bars ('|'), which are not read" in problem
    assert "comma, semicolon or tab" in problem


def test_single_column_file_without_other_delimiters_is_read(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id\nR1\n")
    assert read_table(path).to_dict("list") == {"respondent_id": ["R1"]}


def test_row_limit(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band\n" + "R,1\n" * 5)
    assert len(read_table(path, max_rows=5)) == 5
    (problem,) = problems_of(path, max_rows=4)
    assert "more than 4 data rows" in problem


def test_a_million_rows_are_rejected_by_a_streaming_count(tmp_path):
    path = tmp_path / "s.csv"
    with path.open("wb") as handle:
        handle.write(b"respondent_id,age_band\n")
        handle.write(b"R1,2\n" * 1_000_000)
    (problem,) = problems_of(path)
    assert "more than 100,000 data rows" in problem
    counted = int(problem.split("stopped counting at ")[1].split(" ")[0].replace(",", ""))
    # the scan stopped once past the limit instead of reading all 1,000,001 lines
    assert DEFAULT_MAX_ROWS + 1 < counted < 1_000_001


def test_byte_limit(tmp_path):
    path = write(tmp_path / "s.csv", "respondent_id,age_band\nR1,2\n")
    assert len(read_table(path, max_bytes=path.stat().st_size)) == 1
    (problem,) = problems_of(path, max_bytes=10)
    assert f"the file is {path.stat().st_size} bytes, larger than the limit of 10 bytes" in problem


# --------------------------------------------------------------------------
# read_table: Excel
# --------------------------------------------------------------------------


def test_excel_cells_read_as_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["respondent_id", "a", "b", "c", "d"])
    sheet.append(["R1", 3, 3.0, 2.5, True])
    sheet.append(["R2", None, dt.date(2020, 3, 1), "x", 0])
    path = tmp_path / "s.xlsx"
    workbook.save(path)
    assert read_table(path).to_dict("list") == {
        "respondent_id": ["R1", "R2"],
        "a": ["3", ""],
        "b": ["3", "2020-03-01T00:00:00"],
        "c": ["2.5", "x"],
        "d": ["TRUE", "0"],
    }


def _two_sheet_workbook(path: Path, first: str, second: str) -> Path:
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"respondent_id": ["X1"], "age_band": [9]}).to_excel(writer, sheet_name=first, index=False)
        pd.DataFrame({"respondent_id": ["R1"], "age_band": [2]}).to_excel(writer, sheet_name=second, index=False)
    return path


def test_sheet_named_survey_is_preferred_to_the_first(tmp_path):
    path = _two_sheet_workbook(tmp_path / "s.xlsx", "Old", "Survey")
    assert read_table(path)["respondent_id"].tolist() == ["R1"]
    assert read_table(path, sheet="Old")["respondent_id"].tolist() == ["X1"]
    (problem,) = problems_of(path, sheet="Responses")
    assert problem == f"{path}: the workbook has no sheet named 'Responses'; its sheets are ['Old', 'Survey']"


def test_first_sheet_is_read_when_none_is_named_survey(tmp_path):
    path = _two_sheet_workbook(tmp_path / "s.xlsx", "Sheet1", "Sheet2")
    assert read_table(path)["respondent_id"].tolist() == ["X1"]


def test_wrong_sheet_names_the_sheet_holding_the_data(tmp_path):
    path = tmp_path / "s.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Read me": ["notes"]}).to_excel(writer, sheet_name="Notes", index=False)
        workstar_frame().to_excel(writer, sheet_name="Stars", index=False)
    (problem,) = problems_of(path)
    assert problem.startswith(
        f"{path}: data on the wrong sheet: the sheet read, 'Notes', has no respondent_id or "
        "participant_id column, but sheet 'Stars' does"
    )


def test_excel_row_limit(tmp_path):
    path = tmp_path / "s.xlsx"
    workstar_frame().to_excel(path, index=False)
    assert len(read_table(path, max_rows=6)) == 6
    (problem,) = problems_of(path, max_rows=5)
    assert "more than 5 data rows" in problem


def test_password_protected_or_old_workbook(tmp_path):
    path = write(tmp_path / "s.xlsx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    (problem,) = problems_of(path)
    assert "old Excel 97-2003 (.xls) file or a password-protected workbook" in problem


# --------------------------------------------------------------------------
# read_survey / read_workstar: typed frames
# --------------------------------------------------------------------------


def test_read_survey_returns_typed_columns_in_codebook_order(tmp_path):
    expected = survey_frame()
    path = tmp_path / "s.csv"
    expected[list(reversed(expected.columns))].to_csv(path, index=False)
    before = sha256(path)
    frame = read_survey(path)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["respondent_id"].dtype == "string"
    assert all(frame[c].dtype == "Int64" for c in frame.columns[1:])
    assert frame["swemwbs_optimistic_before"].isna().sum() == expected["swemwbs_optimistic_before"].isna().sum() > 0
    assert {k: frame.attrs[k] for k in ("source", "codebook_version", "kind", "sha256")} == {
        "source": str(path), "codebook_version": CODEBOOK.version, "kind": "survey", "sha256": before}
    assert frame.attrs["validation"]["n_errors"] == 0 and frame.attrs["validation"]["n_warnings"] == 0
    assert sha256(path) == before


def test_read_survey_from_excel_matches_csv(tmp_path):
    expected = survey_frame()
    path = tmp_path / "s.xlsx"
    expected.to_excel(path, index=False)
    before = sha256(path)
    pd.testing.assert_frame_equal(read_survey(path), expected)
    assert sha256(path) == before


def test_read_survey_raises_with_every_problem(tmp_path):
    frame = survey_frame().astype(object)
    frame.loc[0, "age_band"] = 5
    frame.loc[1, "ethnicity"] = "Irish"
    path = tmp_path / "s.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SurveyValidationError) as caught:
        read_survey(path)
    assert [p.split(": ")[1] for p in caught.value.problems] == ["column age_band, row 2", "column ethnicity, row 3"]


def test_read_workstar(tmp_path):
    expected = workstar_frame()
    path = tmp_path / "w.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"notes": ["x"]}).to_excel(writer, sheet_name="Notes", index=False)
        expected.to_excel(writer, sheet_name="WorkStar", index=False)
    frame = read_workstar(path)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.attrs["kind"] == "workstar"


def test_read_workstar_rejects_a_reading_out_of_range(tmp_path):
    frame = workstar_frame()
    frame.loc[2, "ws_basic_skills_last"] = 12
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SurveyValidationError) as caught:
        read_workstar(path)
    assert caught.value.problems == [
        f"{path}: column ws_basic_skills_last, row 4: value '12' not allowed; allowed: whole numbers 1 to 10, or empty"
    ]


# --------------------------------------------------------------------------
# text_cells and typed_frame
# --------------------------------------------------------------------------


def test_text_cells_normalises_any_frame():
    frame = pd.DataFrame(
        {
            "id": pd.array(["R1", None, " R3 "], dtype="string"),
            "a": pd.array([1, None, 3], dtype="Int64"),
            "b": [1.0, np.nan, 2.5],
            "c": ["", "  ", "x"],
        }
    )
    assert text_cells(frame).to_dict("list") == {
        "id": ["R1", None, "R3"],
        "a": ["1", None, "3"],
        "b": ["1", None, "2.5"],
        "c": [None, None, "x"],
    }


def test_typed_frame_converts_codes_and_ids():
    text = pd.DataFrame({"id": ["R1", "R2"], "x": ["+3", None], "y": ["-1", "0"]}, dtype=object)
    frame = typed_frame(text, "id", ["y", "x"])
    assert list(frame.columns) == ["id", "y", "x"]
    assert frame["id"].dtype == "string" and frame["x"].dtype == "Int64"
    assert frame["x"].tolist()[0] == 3 and frame["x"].isna().tolist() == [False, True]
    assert frame["y"].tolist() == [-1, 0]


def test_typed_frame_refuses_unvalidated_text():
    text = pd.DataFrame({"id": ["R1"], "x": ["2.5"]}, dtype=object)
    with pytest.raises(ValueError, match="column 'x': value '2.5' is not a whole-number code"):
        typed_frame(text, "id", ["x"])


def test_parse_codes_accepts_signs_and_rejects_decimals_and_non_ascii_digits():
    numbers, whole, present = parse_codes(np.array([["+3", "-0"], ["3.0", "\u0663"]], dtype=object))
    assert numbers.tolist() == [[3, 0], [0, 0]]
    assert whole.tolist() == [[True, True], [False, False]]
    assert present.all()


def test_reading_and_validating_do_not_import_pandera(tmp_path):
    """pandera takes about a second to import; only building the schemas needs it."""
    import subprocess
    import sys

    path = tmp_path / "s.csv"
    survey_frame().to_csv(path, index=False)
    code = (
        "import sys; from cwp_analysis import survey_io, validate; "
        f"survey_io.read_survey({str(path)!r}); validate.validate_survey({str(path)!r}); "
        "print('pandera' in sys.modules); validate.survey_schemas(); print('pandera' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
