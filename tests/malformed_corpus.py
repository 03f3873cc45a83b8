"""One corpus of survey files for the validation policy, shared by the test modules.

Every file is written into a test's ``tmp_path`` from a survey made by the
independent generator (:mod:`tests.survey_factory`), never from the
project's synthetic data.

:data:`ERRORS`
    Files that are unusable: ``cwp validate`` must exit 2 with a first
    stderr line naming the file and the problem (``expect[0]``), every
    ``expect`` string somewhere on stderr, no traceback, and the file's
    bytes unchanged.  ``tests/test_validate.py`` runs them through
    ``cwp validate``; ``tests/reliability/test_bad_input.py`` runs those
    without options through ``cwp validate`` and ``cwp build --data`` too.
:data:`WARNINGS`
    Files that are usable with warnings: exit 0, and each expected warning
    line (file, column, row, value) on stderr; exit 2 under ``--strict``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tests.survey_factory import codebook_items, make_survey, make_workstar

N = 16
SEED = 7
SWEMWBS_ALLOWED = (
    "allowed: 1 (None of the time), 2 (Rarely), 3 (Some of the time), 4 (Often), "
    "5 (All of the time), or empty"
)


def base_survey() -> pd.DataFrame:
    """A valid survey of 16 respondents (text cells, no warnings)."""
    return make_survey(N, seed=SEED)


def base_workstar() -> pd.DataFrame:
    return make_workstar(10, seed=SEED)


def csv_bytes(frame: pd.DataFrame, sep: str = ",", encoding: str = "utf-8") -> bytes:
    return frame.to_csv(index=False, sep=sep, lineterminator="\n").encode(encoding)


def write(tmp: Path, name: str, payload: bytes) -> Path:
    path = tmp / name
    path.write_bytes(payload)
    return path


def first_row(frame: pd.DataFrame, column: str, value: str) -> int:
    """Index of the first row where ``column`` holds ``value``."""
    return int(frame.index[frame[column] == value][0])


def edited(name: str = "survey.csv", **cells: tuple[int, str]) -> Callable[[Path], Path]:
    """The base survey with cells replaced: ``column=(row index, text)``."""

    def make(tmp: Path) -> Path:
        frame = base_survey()
        for column, (index, text) in cells.items():
            frame.loc[index, column] = text
        return write(tmp, name, csv_bytes(frame))

    return make


def xlsx(frame: pd.DataFrame, path: Path, sheet: str = "survey") -> Path:
    """The survey as a workbook with numeric code cells, as Excel holds them."""
    numeric = frame.copy()
    for column in numeric.columns[1:]:
        numeric[column] = pd.to_numeric(numeric[column].mask(numeric[column] == ""))
    numeric.to_excel(path, index=False, sheet_name=sheet)
    return path


def numeric_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes as floats (missing as NaN) beside a text identifier: what SPSS and Stata hold."""
    out = frame.copy()
    for column in out.columns[1:]:
        out[column] = pd.to_numeric(out[column].mask(out[column] == ""))
    return out


# --------------------------------------------------------------------------
# file builders
# --------------------------------------------------------------------------

_HAS_NO_CHILDREN = first_row(base_survey(), "has_children", "0")
_ANSWERED_MIND = 3  # every answer of the base survey is given
_LIKELIHOOD = next(item.id for item in codebook_items() if "Very likely" in item.codes.values())


def _missing_column(tmp):
    return write(tmp, "survey.csv", csv_bytes(base_survey().drop(columns="ethnicity")))


def _renamed_id_column(tmp):
    return write(tmp, "survey.csv", csv_bytes(base_survey().rename(columns={"respondent_id": "Respondent ID"})))


def _duplicate_ids(tmp):
    frame = base_survey()
    frame.loc[3, "respondent_id"] = frame.loc[0, "respondent_id"]
    return write(tmp, "survey.csv", csv_bytes(frame))


def _unknown_label(tmp):
    frame = base_survey()
    frame.loc[[2, 4], _LIKELIHOOD] = "Very likly"
    return write(tmp, "survey.csv", csv_bytes(frame))


def _semicolon_decimals(tmp):
    frame = base_survey()
    frame.loc[3, "service_duration"] = "2,5"
    return write(tmp, "survey.csv", csv_bytes(frame, sep=";"))


def _header_only(tmp):
    return write(tmp, "survey.csv", csv_bytes(base_survey()).split(b"\n", 1)[0] + b"\n")


def _utf16_without_bom(tmp):
    return write(tmp, "survey.csv", csv_bytes(base_survey()).decode().encode("utf-16-le"))


def _cp1252(tmp):
    frame = base_survey()
    frame.loc[1, "respondent_id"] = "Ren\u00e9e"
    return write(tmp, "survey.csv", csv_bytes(frame, encoding="cp1252"))


def _duplicate_headers(tmp):
    lines = csv_bytes(base_survey()).decode().rstrip("\n").split("\n")
    lines = [lines[0] + ",age_band"] + [line + ",2" for line in lines[1:]]
    return write(tmp, "survey.csv", ("\n".join(lines) + "\n").encode())


def _case_duplicate_columns(tmp):
    frame = base_survey()
    frame.insert(2, "AGE_BAND", frame["age_band"])
    return write(tmp, "survey.csv", csv_bytes(frame))


def _ragged(tmp):
    lines = csv_bytes(base_survey()).decode().split("\n")
    lines[3] = lines[3].rsplit(",", 10)[0]  # respondent 3 lost her last ten answers
    return write(tmp, "survey.csv", "\n".join(lines).encode())


def _unclosed_quote(tmp):
    lines = csv_bytes(base_survey()).decode().split("\n")
    lines[2] = lines[2].replace(",", ',"', 1)
    return write(tmp, "survey.csv", "\n".join(lines).encode())


def _pipes(tmp):
    return write(tmp, "survey.csv", csv_bytes(base_survey(), sep="|"))


def _excel_wrong_sheet(tmp):
    path = tmp / "survey.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"About": ["Survey returns, spring 2020"]}).to_excel(writer, sheet_name="Notes", index=False)
        base_survey().to_excel(writer, sheet_name="Responses", index=False)
    return path


def _excel_edit(column: str, index: int, value) -> Callable[[Path], Path]:
    def make(tmp):
        frame = numeric_codes(base_survey()).astype(object)
        frame.loc[index, column] = value
        frame.to_excel(tmp / "survey.xlsx", index=False, sheet_name="Sheet1")
        return tmp / "survey.xlsx"

    return make


def _excel_duplicate_headers(tmp):
    frame = numeric_codes(base_survey())
    frame.columns = [*frame.columns[:-1], "age_band"]
    frame.to_excel(tmp / "survey.xlsx", index=False, sheet_name="survey")
    return tmp / "survey.xlsx"


def _corrupted_xlsx(tmp):
    whole = xlsx(base_survey(), tmp / "whole.xlsx").read_bytes()
    (tmp / "whole.xlsx").unlink()
    return write(tmp, "survey.xlsx", whole[: len(whole) // 2])


def _zip_not_workbook(tmp):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("survey.csv", csv_bytes(base_survey()))
    return write(tmp, "survey.xlsx", buffer.getvalue())


def _xlsx_named_csv(tmp):
    payload = xlsx(base_survey(), tmp / "s.xlsx").read_bytes()
    (tmp / "s.xlsx").unlink()
    return write(tmp, "survey.csv", payload)


def _sav_wrong_code(tmp):
    import pyreadstat

    frame = numeric_codes(base_survey())
    frame.loc[2, "age_band"] = 7
    pyreadstat.write_sav(frame, str(tmp / "survey.sav"))
    return tmp / "survey.sav"


def _damaged(name: str) -> Callable[[Path], Path]:
    return lambda tmp: write(tmp, name, b"$FL2@(#) not really SPSS" + bytes(200))


def _million_rows(tmp):
    """10**6 respondents (two columns, so that the row limit, not the size limit, is met first)."""
    path = tmp / "survey.csv"
    with path.open("wb") as handle:
        handle.write(b"respondent_id,age_band\n")
        for start in range(0, 1_000_000, 100_000):
            handle.write(b"".join(b"R%07d,2\n" % i for i in range(start, start + 100_000)))
    return path


def _over_100_mb(tmp):
    path = tmp / "survey.csv"
    with path.open("wb") as handle:  # sparse: costs no disk space
        handle.truncate(100_000_001)
    return path


def _directory(tmp):
    folder = tmp / "survey_exports"
    folder.mkdir()
    (folder / "survey.csv").write_bytes(csv_bytes(base_survey()))
    return folder


def _many_wrong_codes(tmp):
    """64 distinct wrong codes in four columns: 64 errors, one per column and value."""
    frame = base_survey()
    for k, column in enumerate(["reflect_skills", "reflect_range", "reflect_plans", "reflect_positive"]):
        frame[column] = [str(100 + 16 * k + i) for i in range(N)]
    return write(tmp, "survey.csv", csv_bytes(frame))


def _mapping(text: str) -> Callable[[Path], Path]:
    def make(tmp):
        (tmp / "columns.yaml").write_text(text, encoding="utf-8")
        return write(tmp, "survey.csv", csv_bytes(base_survey()))

    return make


def _workstar(**cells) -> Callable[[Path], Path]:
    def make(tmp):
        frame = base_workstar()
        for column, (index, value) in cells.items():
            frame.loc[index, column] = value
        return write(tmp, "workstar.csv", csv_bytes(frame))

    return make


# --------------------------------------------------------------------------
# the corpora
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A file and what ``cwp validate`` must say about it.

    ``expect[0]`` must be in the first line of stderr; every string of
    ``expect`` somewhere on stderr.  ``args`` are extra ``cwp validate``
    options; ``{tmp}`` in them is replaced by the test's folder.
    """

    id: str
    make: Callable[[Path], Path]
    expect: tuple[str, ...]
    args: tuple[str, ...] = field(default=())
    kind: str = "survey"  # what the file is given as: a survey, or a Work Star file

    def argv(self, tmp: Path) -> list[str]:
        """The extra ``cwp validate`` options."""
        return [arg.replace("{tmp}", str(tmp)) for arg in self.args]

    def build_argv(self, path: Path, tmp: Path) -> list[str]:
        """The ``cwp build`` options that give it this file (``--data`` or ``--workstar``) and options."""
        options = [arg for arg in self.argv(tmp) if arg != "--workstar"]
        return ["--workstar" if self.kind == "workstar" else "--data", str(path), *options]


ERRORS = [
    Case("missing-column", _missing_column, ("column 'ethnicity' is missing",)),
    Case("renamed-id-column", _renamed_id_column,
         ("column 'respondent_id' is missing", "column 'Respondent ID' is not in the codebook; ignored")),
    Case("wrong-code", edited(swemwbs_relaxed_after=(12, "6")),
         (f"survey.csv: column swemwbs_relaxed_after, row 14: value '6' not allowed; {SWEMWBS_ALLOWED}",)),
    Case("negative-code", edited(disability=(0, "-1")),
         ("column disability, row 2: value '-1' not allowed; allowed: 0 (No), 1 (Yes), or empty",)),
    Case("text-in-numeric-column", edited(age_band=(1, "twenty-five")),
         ("column age_band, row 3: value 'twenty-five' is neither a code nor a label of this question",
          "'Prefer not to say'")),
    Case("unknown-label-once-per-value", _unknown_label,
         ((f"column {_LIKELIHOOD}, rows 4, 6: value 'Very likly' is neither a code nor a label of this question; "
           "allowed labels: 'Very unlikely', 'Somewhat unlikely', 'Not sure', 'Somewhat likely', 'Very likely' "
           "(any letter case), or their codes 1, 2, 3, 4, 5, or empty"),)),
    Case("decimal-point", edited(service_duration=(6, "2.5")),
         ("column service_duration, row 8: value '2.5' is not a whole-number code (a decimal number",)),
    Case("decimal-comma", edited(swemwbs_useful_before=(4, "3,5")),
         ("column swemwbs_useful_before, row 6: value '3,5' is not a whole-number code (a decimal comma",)),
    Case("semicolon-decimals", _semicolon_decimals,
         ("column service_duration, row 5: value '2,5' is not a whole-number code (a decimal comma",)),
    Case("duplicate-ids", _duplicate_ids,
         ("column respondent_id, row 5: value 'P0001' duplicates the id in row 2",)),
    Case("empty-id", edited(respondent_id=(2, "")), ("column respondent_id, row 4: the identifier is empty",)),
    Case("blank-id", edited(respondent_id=(2, "   ")), ("column respondent_id, row 4: the identifier is empty",)),
    Case("empty-file", lambda tmp: write(tmp, "survey.csv", b""), ("the file is empty (0 bytes)",)),
    Case("blank-lines-only", lambda tmp: write(tmp, "survey.csv", b"\n\n \n"), ("only blank lines",)),
    Case("header-only", _header_only, ("has a header row but no data rows",)),
    Case("utf-16-without-bom", _utf16_without_bom, ("contains NUL bytes",)),
    Case("wrong-encoding-given", _cp1252, ("the file is not utf-8 text: byte 0xE9", "(line 3)"),
         ("--encoding", "utf-8")),
    Case("unknown-encoding", _cp1252, ("unknown text encoding 'klingon'",), ("--encoding", "klingon")),
    Case("duplicate-headers", _duplicate_headers,
         ("duplicate header 'age_band' in column 2 (B) and column 78",)),
    Case("case-duplicate-columns", _case_duplicate_columns,
         ("columns 'age_band' and 'AGE_BAND' are both read as codebook column 'age_band'",)),
    Case("ragged-row", _ragged, ("row 4 (line 4) has 67 fields but the header has 77",)),
    Case("unclosed-quote", _unclosed_quote, ("not valid CSV (comma-separated): the row starting on line 3",)),
    Case("pipe-delimiter", _pipes, ("separated by vertical bars ('|'), which are not read",)),
    Case("excel-data-on-wrong-sheet", _excel_wrong_sheet, ("data on the wrong sheet", "'Notes'", "'Responses'")),
    Case("excel-unknown-sheet", lambda tmp: xlsx(base_survey(), tmp / "survey.xlsx"),
         ("the workbook has no sheet named 'Answers'; its sheets are ['survey']",), ("--sheet", "Answers")),
    Case("sheet-of-a-csv-file", edited(), ("a sheet was named ('survey') but the file is not an .xlsx workbook",),
         ("--sheet", "survey")),
    Case("excel-wrong-code", _excel_edit("age_band", 3, 7), ("column age_band, row 5: value '7' not allowed",)),
    Case("excel-decimal", _excel_edit("reflect_plans", 0, 2.5),
         ("column reflect_plans, row 2: value '2.5' is not a whole-number code",)),
    Case("excel-duplicate-headers", _excel_duplicate_headers, ("duplicate header 'age_band'",)),
    Case("excel-header-only", lambda tmp: xlsx(base_survey().iloc[:0], tmp / "survey.xlsx"),
         ("sheet 'survey' has a header row but no data rows",)),
    Case("corrupted-xlsx", _corrupted_xlsx, ("not a valid .xlsx workbook (not a zip archive)",)),
    Case("zip-not-workbook", _zip_not_workbook, ("zip archive but not a readable .xlsx workbook",)),
    Case("xlsx-named-csv", _xlsx_named_csv, ("zip archive (probably an Excel workbook) with a .csv name",)),
    Case("sav-wrong-code", _sav_wrong_code, ("column age_band, case 3: value '7' not allowed",)),
    Case("damaged-sav", _damaged("survey.sav"), ("not a readable SPSS .sav file",)),
    Case("damaged-dta", _damaged("survey.dta"), ("not a readable Stata .dta file",)),
    Case("million-rows", _million_rows, ("more than 100,000 data rows",)),
    Case("over-100-MB", _over_100_mb, ("100,000,001 bytes, larger than the limit of 100,000,000 bytes",)),
    Case("old-excel-format", lambda tmp: write(tmp, "survey.xls", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(64)),
         ("unsupported file type ('.xls')", "save it as .xlsx")),
    Case("directory", _directory, ("is a directory",)),
    Case("missing-file", lambda tmp: tmp / "survey_final.csv", ("no such file",)),
    Case("many-wrong-codes", _many_wrong_codes,
         ("column reflect_skills, row 2: value '100' not allowed", "... and 14 more errors")),
    Case("mapping-unknown-target", _mapping("columns:\n  Age: age_bnad\n"),
         ("maps to 'age_bnad', which is not a column of a survey file in the codebook; did you mean 'age_band'?",),
         ("--columns", "{tmp}/columns.yaml")),
    Case("mapping-duplicate-target", _mapping("columns:\n  Age: age_band\n  Age group: age_band\n"),
         ("'Age' and 'Age group' both map to 'age_band'",), ("--columns", "{tmp}/columns.yaml")),
    Case("mapping-not-yaml", _mapping("columns: [unclosed\n"), ("not valid UTF-8 YAML",),
         ("--columns", "{tmp}/columns.yaml")),
    Case("workstar-out-of-range", _workstar(ws_stability_last=(1, "11")),
         ("column ws_stability_last, row 3: value '11' not allowed; allowed: whole numbers 1 to 10, or empty",),
         kind="workstar"),
    Case("workstar-zero", _workstar(ws_aspiration_first=(0, "0")),
         ("column ws_aspiration_first, row 2: value '0' not allowed",), kind="workstar"),
    Case("workstar-duplicate-participant", _workstar(participant_id=(4, "W0001")),
         ("column participant_id, row 6: value 'W0001' duplicates the id in row 2",), kind="workstar"),
    Case("survey-checked-as-workstar", lambda tmp: write(tmp, "survey.csv", csv_bytes(base_survey())),
         ("column 'participant_id' is missing", "column 'respondent_id' is not in the codebook; ignored"),
         ("--workstar",), kind="workstar"),
]


def _half_pair(tmp):
    frame = base_survey()
    frame.loc[_ANSWERED_MIND, "swemwbs_mind_before"] = ""
    return write(tmp, "survey.csv", csv_bytes(frame))


def _no_answers(tmp):
    frame = base_survey()
    frame.loc[5, frame.columns[1:]] = ""
    return write(tmp, "survey.csv", csv_bytes(frame))


def _blank_row(tmp):
    frame = base_survey()
    frame.loc[5, :] = ""
    return write(tmp, "survey.csv", csv_bytes(frame))


def _blank_line(tmp):
    lines = csv_bytes(base_survey()).decode().split("\n")
    lines.insert(4, "")  # between respondents 3 and 4: row 5
    return write(tmp, "survey.csv", "\n".join(lines).encode())


def _skip_slip(tmp):
    frame = base_survey()
    frame.loc[_HAS_NO_CHILDREN, "children_live_with_mother"] = "1"
    return write(tmp, "survey.csv", csv_bytes(frame))


def _extra_column(tmp):
    frame = base_survey()
    frame["comments"] = "The support helped me more than I can say"
    return write(tmp, "survey.csv", csv_bytes(frame))


_MIND_AFTER = base_survey().loc[_ANSWERED_MIND, "swemwbs_mind_after"]

WARNINGS = [
    Case("half-answered-pair", _half_pair,
         ((f"survey.csv: column swemwbs_mind_after, row {_ANSWERED_MIND + 2}: value '{_MIND_AFTER}' is half of a "
           "before/after pair: swemwbs_mind_before is empty; the pair is left out of the item's before/after "
           "comparison"),)),
    Case("respondent-without-answers", _no_answers,
         ("survey.csv: column respondent_id, row 7: value 'P0006': every answer is empty; the respondent is kept",)),
    Case("blank-row", _blank_row, ("survey.csv: row 7: the row is blank (no identifier, no answers); ignored",)),
    Case("blank-line-inside", _blank_line, ("survey.csv: row 5: the row is blank (no identifier, no answers); ignored",)),
    Case("skip-logic-slip", _skip_slip,
         ((f"survey.csv: column children_live_with_mother, row {_HAS_NO_CHILDREN + 2}: value '1' answers a "
           "question the skip logic skipped: has_children is '0' and the question is asked only when it is 1 (Yes); "
           "read as missing (codebook: if_answered_when_skipped: missing)"),)),
    Case("column-not-in-codebook", _extra_column,
         ("survey.csv: column 'comments' is not in the codebook; ignored (its values are not read)",)),
    Case("workstar-half-pair", _workstar(ws_job_search_last=(5, "")),
         ("workstar.csv: column ws_job_search_first, row 7: value",
          "is half of a first/last pair of readings: ws_job_search_last is empty"), kind="workstar"),
]
