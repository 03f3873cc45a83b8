"""The disclosure scanner (``cwp_analysis.disclosure_scan`` and ``cwp scan``).

Each rule is tested on handcrafted HTML and files, with cases that must be
found and look-alikes that must not (p-values, percentages, medians, row
labels, tables of claims, published figures).  The slow tests scan real
builds: the synthetic book (clean) and a book built on twelve respondents,
where many cells must be suppressed and the scan must still be clean.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cwp_analysis.cli import main
from cwp_analysis.disclosure_scan import (
    DEFAULT_ALLOW,
    RULES,
    Finding,
    ScanError,
    header_kind,
    scan_html,
    scan_site,
)
from cwp_analysis.paths import data_file

SURVEY = data_file("synthetic", "survey_SYNTHETIC.csv")
WORKSTAR = data_file("synthetic", "workstar_SYNTHETIC.csv")


# --------------------------------------------------------------------------
# helpers: tables as publish_table renders them
# --------------------------------------------------------------------------


def table_html(frame: pd.DataFrame, caption: str = "A table.", *, index: bool = False,
               css: str = "cwp-table", attrs: str = "") -> str:
    body = frame.to_html(index=index, classes=css, border=0, na_rep="", escape=True)
    if attrs:
        body = body.replace("<table ", f"<table {attrs} ", 1)
    return f'<p class="cwp-table-caption"><strong>{html.escape(caption)}</strong></p>{body}'


def page(*parts: str) -> str:
    return "<html><body><main>" + "".join(parts) + "</main></body></html>"


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


def small_counts(findings) -> list[tuple]:
    return [(f.table, f.row, f.column, f.value) for f in findings if f.rule == "small-count"]


# --------------------------------------------------------------------------
# small counts
# --------------------------------------------------------------------------


def test_small_count_in_a_count_column_is_found_with_its_place():
    frame = pd.DataFrame({"Answer": ["Yes", "No"], "Count": [5, 40], "Base": [45, 45], "%": ["11.1", "88.9"]})
    findings = scan_html(page(table_html(frame)), name="p.html")
    assert small_counts(findings) == [(1, "1", "Count", "5")]
    (finding,) = findings
    assert str(finding) == (
        "p.html: table 1, row 1, column 'Count': small-count: '5' is a count from 1 to 7 shown without suppression"
    )


def test_suppressed_zero_and_large_counts_are_clean():
    frame = pd.DataFrame({"Answer": ["a", "b", "c", "Total"], "Count": ["[c]", 0, 31, 40],
                          "Base": [40, 40, 40, 40], "%": ["[c]", "0.0", "77.5", "100.0"]})
    assert scan_html(page(table_html(frame))) == []


def test_statistic_columns_are_not_counts():
    frame = pd.DataFrame({
        "Item": ["Calm", "Useful"], "Pairs": [30, 41], "Median before": [3, 2], "p": ["0.0312", "< 0.0001"],
        "Before %": [5, 6], "Rank-biserial r": ["0.41", "0.12"], "Change": [1, 2], "published": ["4", "6"],
    })
    assert scan_html(page(table_html(frame))) == []


def test_row_labels_and_label_columns_are_not_counts():
    by_code = pd.DataFrame({"Count": [20, 30]}, index=pd.Index([1, 2], name="age band code"))
    partners = pd.DataFrame({"Partners used": ["1", "2", "3"], "Count": [48, "[c]", "[c]"], "Base": [68] * 3})
    found = scan_html(page(table_html(by_code, index=True), table_html(partners)))
    assert found == []


def test_unnamed_integer_columns_are_counts_as_disclose_sees_them():
    likert = pd.DataFrame({"Statement": ["I feel safe"], "Rarely": [3], "Often": [25], "Base": [28]})
    # floats count only beside a marker (a float column of whole numbers is taken for a statistic)
    floats = pd.DataFrame({"Area": ["x", "y"], "Women": ["[c]", "12.0"], "Seen": ["[c]", "3.0"],
                           "Reading": ["2.0", "4.0"]})
    signed = pd.DataFrame({"Area": ["x", "y"], "Shift": [-3, 5]})  # a difference, not a count
    found = scan_html(page(table_html(likert), table_html(floats), table_html(signed)))
    assert small_counts(found) == [(1, "1", "Rarely", "3"), (2, "2", "Seen", "3.0")]


def test_count_with_share_in_a_count_column():
    frame = pd.DataFrame({"Answer": ["Yes", "No"], "n (%)": ["5 (12.5%)", "35 (87.5%)"]})
    assert small_counts(scan_html(page(table_html(frame)))) == [(1, "1", "n (%)", "5 (12.5%)")]


def test_threshold_is_a_parameter():
    frame = pd.DataFrame({"Answer": ["Yes", "No"], "Count": [9, 40]})
    assert scan_html(page(table_html(frame))) == []
    assert small_counts(scan_html(page(table_html(frame)), threshold=10)) == [(1, "1", "Count", "9")]
    with pytest.raises(ValueError, match="threshold"):
        scan_html(page(), threshold=0)


def test_public_source_and_no_people_tables_are_exempt():
    printed = pd.DataFrame({"partner": ["A", "B"], "new_engagements": [3, 200]})
    claims = pd.DataFrame({"reproduced": [3, 1]}, index=pd.Index(["survey", "sample"], name="scope"))
    found = scan_html(page(
        table_html(printed, css="cwp-table cwp-public-source"),
        table_html(claims, caption="Claims by scope (numbers of claims, not of people).", index=True),
    ))
    assert found == []
    # the same claims table without the caption's declaration is checked
    assert small_counts(scan_html(page(table_html(claims, index=True)))) == [
        (1, "'survey'", "reproduced", "3"), (1, "'sample'", "reproduced", "1")]


def test_a_caption_declaration_does_not_leak_to_a_later_table():
    claims = pd.DataFrame({"Count": [3]})
    text = page(
        '<p class="cwp-table-caption"><strong>Numbers of claims, not of people.</strong></p>',
        "<p>Some prose in between.</p>",
        claims.to_html(index=False, classes="cwp-table"),
    )
    assert small_counts(scan_html(text)) == [(1, "1", "Count", "3")]


def test_declared_count_columns_override_the_heuristics():
    frame = pd.DataFrame({"Partners used": [2, 9], "published": [3, 12], "Women": [4, 50]})
    exact = table_html(frame, attrs='data-cwp-count-columns=\'["published"]\'')
    assert small_counts(scan_html(page(exact))) == [(1, "1", "published", "3")]
    none = table_html(frame, attrs="data-cwp-count-columns='[]'")
    assert scan_html(page(none)) == []


def test_multiindex_headers_and_spanned_row_labels():
    columns = pd.MultiIndex.from_tuples([("Before", "Count"), ("Before", "%"), ("After", "Count"), ("After", "%")])
    index = pd.MultiIndex.from_tuples([("Calm", "Yes"), ("Calm", "No"), ("Safe", "Yes")], names=["item", "answer"])
    frame = pd.DataFrame([[10, "25.0", 2, "5.0"], [30, "75.0", 38, "95.0"], [20, "50.0", 20, "50.0"]],
                         index=index, columns=columns)
    found = scan_html(page(table_html(frame, index=True)))
    assert small_counts(found) == [(1, "'Calm / Yes'", "After / Count", "2")]


@pytest.mark.parametrize("header, kind", [
    ("Count", "count"), ("n", "count"), ("N", "count"), ("n_pairs", "count"), ("before_positive_n", "count"),
    ("Women using it", "count"), ("Base", "count"), ("answering", "count"), ("n (%)", "count"),
    ("%", "statistic"), ("Before %", "statistic"), ("pvalue_holm", "statistic"), ("p-value", "statistic"),
    ("Median", "statistic"), ("CI", "statistic"), ("Mean score before", "statistic"), ("printed_total_1", "statistic"),
    ("effect size d_z", "statistic"), ("Partners used", "label"), ("age band", "label"), ("Answer", "label"),
    ("Rarely", None), ("recomputed", None), ("", None),
])
def test_header_kind(header, kind):
    assert header_kind(header) == kind


# --------------------------------------------------------------------------
# respondent identifiers
# --------------------------------------------------------------------------


def test_synthetic_ids_are_found_anywhere_as_whole_tokens():
    text = page("<p>Respondent SYN-014 said so.</p>", "<pre>participant SYN-WS-002\n</pre>",
                table_html(pd.DataFrame({"who": ["SYN-033"], "Count": [40]})))
    found = scan_html(text)
    assert sorted(f.value for f in found if f.rule == "respondent-id") == ["SYN-014", "SYN-033", "SYN-WS-002"]
    cell = next(f for f in found if f.value == "SYN-033")
    assert (cell.table, cell.column) == (1, "who")


def test_id_look_alikes_are_not_ids():
    text = page("<p>SYN-0145, XSYN-001, SYN-01, SYN_001 and a SYNTHETIC file; SYN-{number:03d}.</p>")
    assert scan_html(text) == []


def test_survey_ids_are_found_and_short_or_numeric_ones_are_not_searched():
    survey = pd.DataFrame({"respondent_id": ["R-0042", "R1", "1234"], "age_band": [1, 2, 3]})
    text = page("<p>Rows of R-0042, R1 and 1234 and R-00421.</p>")
    found = scan_html(text, survey=survey, id_pattern=None)
    assert [(f.rule, f.value) for f in found] == [("respondent-id", "R-0042")]


# --------------------------------------------------------------------------
# rows of survey data
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return pd.read_csv(SURVEY, dtype=str, keep_default_na=False)


def codes_of(frame: pd.DataFrame, row: int, first: int, length: int) -> list[str]:
    return list(frame.iloc[row, first:first + length])


def test_a_survey_row_printed_as_table_text_or_csv_is_found(synthetic, tmp_path):
    row = synthetic.iloc[[4]].drop(columns="respondent_id")  # index 4: spreadsheet row 6
    as_table = page(row.to_html(classes="cwp-table", index=True))
    as_text = page("<pre>" + row.to_string() + "</pre>")
    for text in (as_table, as_text):
        found = [f for f in scan_html(text, survey=SURVEY) if f.rule == "survey-row"]
        assert [f.detail for f in found] == ["equal to answers of survey row 6 of survey_SYNTHETIC.csv"]
    # the table is also full of small "counts": the codes themselves
    assert "small-count" in rules_of(scan_html(as_table, survey=SURVEY))
    # ten answers in a row are enough, anywhere in a line of other text
    ten = " ".join(codes_of(synthetic, 9, 26, 10))
    assert rules_of(scan_html(page(f"<p>values: {ten} (end)</p>"), survey=SURVEY)) == ["survey-row"]


def test_short_runs_reordered_rows_and_monotonous_runs_are_not_rows(synthetic):
    nine = " ".join(codes_of(synthetic, 9, 26, 9))
    reordered = " ".join(reversed(codes_of(synthetic, 9, 26, 10)))
    broken = " ".join(codes_of(synthetic, 9, 26, 5)) + " NaN " + " ".join(codes_of(synthetic, 9, 31, 5))
    survey = pd.DataFrame({"respondent_id": ["R-0001"], **{f"q{i}": [1 + i % 2] for i in range(20)}})
    monotonous = " ".join(str(1 + i % 2) for i in range(20))
    assert scan_html(page(f"<p>{nine}</p><p>{reordered}</p><p>{broken}</p>"), survey=SURVEY) == []
    assert scan_html(page(f"<p>{monotonous}</p>"), survey=survey, id_pattern=None) == []


# --------------------------------------------------------------------------
# free text and tables shown without disclosure control
# --------------------------------------------------------------------------

LONG_ANSWER = ("I was scared to go out and the worker came with me to the housing office every week "
               "until the flat was sorted, which made all the difference to me and my children")


def test_long_unknown_text_in_a_data_table_is_free_text(tmp_path):
    frame = pd.DataFrame({"Comment": [LONG_ANSWER], "Count": [40]})
    (finding,) = scan_html(page(table_html(frame)))
    assert (finding.rule, finding.table, finding.column) == ("free-text", 1, "Comment")
    assert finding.value == LONG_ANSWER[:30] + "..."
    assert f"{len(LONG_ANSWER)} characters (more than 120)" in finding.detail
    # the same text in the project's own data files is known, and passes
    known = tmp_path / "plan.yaml"
    words = LONG_ANSWER.split(" ")
    folded = " ".join(words[:15]) + "\n  " + " ".join(words[15:])  # a folded YAML scalar over two lines
    known.write_text(f"indicator: >-\n  {folded}\n", encoding="utf-8")
    assert scan_html(page(table_html(frame)), known_text=[known]) == []
    # prose is not a table cell, and a label of 120 characters is not free text
    assert scan_html(page(f"<p>{LONG_ANSWER}</p>", table_html(pd.DataFrame({"x": ["y" * 120]})))) == []


def test_free_text_answers_of_the_survey_are_found_anywhere():
    survey = pd.DataFrame({
        "respondent_id": ["R-0001", "R-0002", "R-0003"],
        "comment": [LONG_ANSWER, "Prefer not to say at all", "Prefer not to say at all"],
        "age_band": ["1", "2", "2"],
    })
    text = page(f"<p>One woman wrote: “{LONG_ANSWER.upper()}”.</p><p>Prefer not to say at all</p>")
    (finding,) = scan_html(text, survey=survey, id_pattern=None)
    assert finding.rule == "free-text"
    assert finding.detail == "is the free-text answer in survey row 2, column 'comment' of <data frame>"


def test_a_pandas_table_without_publish_table_is_unreviewed():
    raw = pd.DataFrame({"age_band": [1, 2]}).to_html(classes="dataframe")
    myst = '<table class="table"><thead><tr><th>Symbol</th></tr></thead><tbody><tr><td>3</td></tr></tbody></table>'
    found = scan_html(page(raw, myst))
    assert [(f.rule, f.table) for f in found] == [("unreviewed-table", 1)]


# --------------------------------------------------------------------------
# whole sites
# --------------------------------------------------------------------------


def make_site(root: Path, body: str = "<p>Nothing to see.</p>") -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "index.html").write_text(page(body), encoding="utf-8")
    (root / "notebooks" / "06.html").write_text(page("<p>Chapter.</p>"), encoding="utf-8")
    return root


def test_site_downloads_outputs_and_sources_are_scanned(tmp_path, synthetic):
    site = make_site(tmp_path / "site")
    downloads = site / "_downloads" / "0a1b2c"
    downloads.mkdir(parents=True)
    (downloads / "survey_SYNTHETIC.csv").write_bytes(SURVEY.read_bytes())  # allowed: the published data set
    (downloads / "extract.csv").write_text("id,x\nSYN-007,1\n", encoding="utf-8")
    synthetic.iloc[:3].to_excel(downloads / "export.xlsx", index=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hidden")
    (downloads / "package.zip").write_bytes(buffer.getvalue())
    (site / "_static").mkdir()
    (site / "_static" / "theme.js").write_text("var x = 'SYN-001';", encoding="utf-8")
    (site / "_sources" / "notebooks").mkdir(parents=True)
    notebook = ('{"cells": [{"cell_type": "code", "source": ["x"], "outputs": [{"output_type": "stream", '
                '"text": ["SYN-021\\n"]}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (site / "_sources" / "notebooks" / "06.ipynb").write_text(notebook, encoding="utf-8")
    outputs = tmp_path / "outputs"
    (outputs / "tables").mkdir(parents=True)
    (outputs / "tables" / "by_person.csv").write_text(
        f'x,comment\n1,"{LONG_ANSWER}"\n', encoding="utf-8")

    found = scan_site(site, outputs=outputs, known_text=())
    summary = sorted((f.file, f.rule, f.value) for f in found)
    assert ("_downloads/0a1b2c/extract.csv", "respondent-id", "SYN-007") in summary
    assert ("_downloads/0a1b2c/package.zip", "unscannable-file", "package.zip") in summary
    assert ("_sources/notebooks/06.ipynb", "respondent-id", "SYN-021") in summary
    assert ("outputs/tables/by_person.csv", "free-text", LONG_ANSWER[:30] + "...") in summary
    export_ids = sorted(v for file, rule, v in summary if file.endswith("export.xlsx") and rule == "respondent-id")
    assert export_ids == ["SYN-001", "SYN-002", "SYN-003"]
    assert not any(file.startswith("_static") or "SYNTHETIC" in file for file, _, _ in summary)

    # with the survey given, its rows are found in the workbook too
    with_rows = scan_site(site, outputs=outputs, survey=SURVEY, known_text=())
    rows = [f for f in with_rows if f.rule == "survey-row"]
    assert sorted((f.file, f.line) for f in rows) == [("_downloads/0a1b2c/export.xlsx", n) for n in (2, 3, 4)]
    # the allow-list is a parameter: without it the synthetic file is read (ids and rows)
    unallowed = scan_site(site, allow=(), survey=SURVEY, known_text=())
    assert any(f.file.endswith("survey_SYNTHETIC.csv") and f.rule == "survey-row" for f in unallowed)
    assert "*SYNTHETIC*" in DEFAULT_ALLOW


def test_a_clean_site_has_no_findings(tmp_path):
    site = make_site(tmp_path / "site", table_html(pd.DataFrame({"Answer": ["Yes", "No"], "Count": [30, 38]})))
    report = scan_site(site)
    assert list(report) == [] and report.ok and report.reason == ""
    assert report.summary() == f"{site}: clean (threshold 7; 0 survey identifiers searched; 2 pages attacked)"


def test_scan_refuses_what_is_not_a_site(tmp_path):
    with pytest.raises(ScanError, match="does not exist"):
        scan_site(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScanError, match="holds no HTML page"):
        scan_site(tmp_path / "empty")
    site = make_site(tmp_path / "site")
    with pytest.raises(ScanError, match="outputs folder"):
        scan_site(site, outputs=tmp_path / "no-outputs")


def test_finding_location_formats():
    assert Finding("a.csv", "respondent-id", "SYN-001", line=3, column="id").location == "line 3, column 'id'"
    assert Finding("a.html", "small-count", "4", table=2, row="'Yes'", column="n", line=9).location == (
        "table 2, row 'Yes', column 'n'")
    assert str(Finding("b.zip", "unscannable-file", "b.zip", detail="cannot be read")) == (
        "b.zip: unscannable-file: 'b.zip' cannot be read")
    assert set(RULES) == {"small-count", "respondent-id", "survey-row", "free-text", "unreviewed-table",
                          "unscannable-file", "recoverable-count"}


# --------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------


NO_MANIFEST = "cwp scan: no build manifest at {} and no --survey: respondent identifiers are checked against the id pattern only"


def test_cli_exit_status_and_one_line_per_finding(tmp_path, capsys):
    clean = make_site(tmp_path / "clean")
    assert main(["scan", str(clean)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{clean}: clean (threshold 7; 0 survey identifiers searched; 2 pages attacked)\n"
    assert err == NO_MANIFEST.format(tmp_path / "build-manifest.json") + "\n"

    leaky = make_site(tmp_path / "leaky", "<p>SYN-001 and SYN-002</p>"
                      + table_html(pd.DataFrame({"Answer": ["a", "b"], "Count": [5, 9]})))
    assert main(["scan", str(leaky), "--threshold", "10"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("index.html: line 1: respondent-id: 'SYN-001'")
    assert [re.search(r"small-count: '(\d)'", line).group(1) for line in lines[2:]] == ["5", "9"]
    assert err.splitlines()[-1] == ("cwp scan: 4 findings in 1 file (2 respondent-id, 2 small-count); first: "
                                    "index.html: line 1: respondent-id: 'SYN-001' is a respondent identifier")

    assert main(["scan", str(leaky), "--allow", "index.html"]) == 0
    capsys.readouterr()
    assert main(["scan", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


# --------------------------------------------------------------------------
# identifiers of real surveys, the build manifest, and the page attack
# --------------------------------------------------------------------------


def factory_survey(tmp_path: Path, n: int = 12) -> tuple[Path, pd.DataFrame]:
    from tests.survey_factory import make_survey, write_survey

    frame = make_survey(n, seed=4, id_prefix="CW-")
    return write_survey(frame, tmp_path / "survey.csv"), frame


def test_identifiers_come_from_the_survey_files_not_only_the_synthetic_pattern(tmp_path):
    path, frame = factory_survey(tmp_path)
    ident = frame["respondent_id"].iloc[3]
    assert not re.fullmatch(r"SYN-.*", ident)
    site = make_site(tmp_path / "site", f"<p>Follow-up with {ident} next week.</p>")
    assert list(scan_site(site, attack=False)) == []  # the SYN- pattern alone misses it
    report = scan_site(site, survey_paths=[path], attack=False)
    assert [(f.rule, f.value) for f in report] == [("respondent-id", ident)]
    assert report.identifiers == len(frame)
    # identifiers given by hand, and an identifier column with a name of its own
    assert [f.value for f in scan_site(site, id_values=[ident], id_pattern=None, attack=False)] == [ident]
    renamed = frame.rename(columns={"respondent_id": "case_ref"})
    renamed.to_csv(tmp_path / "renamed.csv", index=False)
    assert list(scan_site(site, survey_paths=[tmp_path / "renamed.csv"], attack=False)) == []
    assert len(scan_site(site, survey_paths=[tmp_path / "renamed.csv"], id_columns=["case_ref"], attack=False)) == 1


def test_a_recoverable_count_fails_the_scan_with_a_one_line_reason(tmp_path):
    from cwp_analysis.disclosure_scan import UnsafeSiteError

    leaky = pd.DataFrame({"Question": ["Age"] * 3, "Answer": ["young", "middle", "old"], "Count": ["[c]", 40, 20],
                          "Base": [65, 65, 65], "%": ["7.7", "61.5", "30.8"]})
    site = make_site(tmp_path / "site", table_html(leaky))
    report = scan_site(site)
    assert [(f.rule, f.table, f.row, f.column, f.value) for f in report] == [
        ("recoverable-count", 1, "'Age / young'", "Count", "5")]
    assert [r.interval for r in report.recoveries] == ["5"] and report.pages_attacked == 2
    assert str(report[0]) == ("index.html: table 1, row 'Age / young', column 'Count': recoverable-count: '5' "
                              "can be worked out (withheld cell) from assumed totals, shares")
    assert report.reason == f"1 finding in 1 file (1 recoverable-count); first: {report[0]}"
    with pytest.raises(UnsafeSiteError, match="not safe to publish .*1 recoverable-count"):
        report.raise_if_unsafe()
    assert list(scan_site(site, attack=False)) == []
    assert [f.rule for f in scan_html(page(table_html(leaky)), attack=True)] == ["recoverable-count"]


def test_cli_fails_on_a_recoverable_count_unless_told_not_to_attack(tmp_path, capsys):
    leaky = pd.DataFrame({"Question": ["Age"] * 2, "Answer": ["young", "older"], "Count": ["[c]", "[c]"],
                          "Base": [65, 65], "%": ["7.7", "[c]"]})
    site = make_site(tmp_path / "site", table_html(leaky))
    assert main(["scan", str(site)]) == 1
    out, err = capsys.readouterr()
    assert [line.split(": recoverable-count: ")[1] for line in out.splitlines()] == [
        "'5' can be worked out (withheld cell) from shares",
        "'60' can be worked out (withheld cell) from assumed totals, shares",   # the rest of the base
        "'5' can be worked out (complement) from assumed totals, shares"]        # and the women not 'older'
    assert err.splitlines()[-1].startswith("cwp scan: 3 findings in 1 file (3 recoverable-count); first: index.html")
    assert main(["scan", str(site), "--no-attack"]) == 0


def test_the_build_manifest_names_the_survey_to_check(tmp_path, capsys):
    from cwp_analysis.build_manifest import (
        ManifestError,
        make_build_manifest,
        manifest_path,
        read_build_manifest,
        write_build_manifest,
    )

    path, frame = factory_survey(tmp_path)
    ident = frame["respondent_id"].iloc[0]
    site = make_site(tmp_path / "site", f"<p>{ident}</p>")
    manifest = make_build_manifest(site=site, data_path=path, id_column="respondent_id", synthetic=False,
                                   threshold=7, workstar_path=WORKSTAR, workstar_id_column="respondent_id")
    written = write_build_manifest(manifest_path(site), manifest)
    assert written == tmp_path / "build-manifest.json"
    assert read_build_manifest(written) == manifest
    # without --survey, cwp scan reads the manifest beside the site
    assert main(["scan", str(site), "--no-attack"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"index.html: line 1: respondent-id: {ident!r} is a respondent identifier"]
    assert "no build manifest" not in err
    # a survey file changed since the build is refused
    path.write_text(path.read_text(encoding="utf-8") + ",".join(["CW-999"] + [""] * (frame.shape[1] - 1)) + "\n",
                    encoding="utf-8")
    assert main(["scan", str(site)]) == 2
    assert "has changed since the site was built" in capsys.readouterr().err
    # a manifest describing another site is not used for this one
    write_build_manifest(manifest_path(site), {**manifest, "site": str(tmp_path / "other")})
    assert main(["scan", str(site), "--no-attack"]) == 0
    assert "describes another site" in capsys.readouterr().err
    # malformed manifests: one line naming the key
    bad = tmp_path / "bad.json"
    for content, message in [("[]", "must hold a JSON object"), ("{", "not readable JSON"),
                             ('{"data_path": "x"}', "has no 'data_sha256'"),
                             (json.dumps({**manifest, "synthetic": "no"}), "'synthetic' must be bool"),
                             (json.dumps({**manifest, "data_sha256": "abc"}), "not a SHA-256")]:
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(ManifestError, match=message):
            read_build_manifest(bad)
    assert main(["scan", str(site), "--manifest", str(tmp_path / "none.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


# --------------------------------------------------------------------------
# real builds (slow)
# --------------------------------------------------------------------------


def survey_banner_pages(site: Path) -> list[str]:
    """Pages whose synthetic-data banner says the survey results are synthetic."""
    banner = re.compile(r'cwp-synthetic-banner[^<]*<strong>SYNTHETIC DATA\.</strong> The survey')
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if banner.search(p.read_text(encoding="utf-8")))


@pytest.mark.slow
def test_the_synthetic_book_is_clean(built_book):
    # the scan's own rules; the page attack on real builds is tests/test_attack_books.py
    findings = scan_site(built_book.site, survey=[SURVEY, WORKSTAR], outputs=built_book.outputs, attack=False)
    assert list(findings) == [], "\n".join(map(str, findings))
    # the rules do read the real site: the published synthetic file, when not allowed, is all rows and ids
    unallowed = scan_site(built_book.site, survey=[SURVEY, WORKSTAR], allow=(), attack=False)
    flagged = {f.rule for f in unallowed if "SYNTHETIC" in f.file}
    assert flagged == {"respondent-id", "survey-row"}
    # and a lower bar for "small" finds the counts the tables do show
    assert any(f.rule == "small-count" for f in scan_site(built_book.site, threshold=60, attack=False))
    assert "notebooks/06_mental_wellbeing.html" in survey_banner_pages(built_book.site)


SMALL_SAMPLE = 12


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    from tests.conftest import build_book_into

    root = tmp_path_factory.mktemp("small-book")
    survey = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    rows = survey.iloc[::5].head(SMALL_SAMPLE)  # respondents 1, 6, 11, ...: a spread of answers
    path = root / "survey_small.csv"
    rows.to_csv(path, index=False, lineterminator="\n")
    return path, build_book_into(root / "small", data_path=path)


def project_table_cells(site: Path) -> list[str]:
    """Cells of the project's own tables (cwp-table, not public-source) across the site."""
    cells = []
    for page_path in sorted(site.rglob("*.html")):
        text = page_path.read_text(encoding="utf-8")
        for match in re.finditer(r'<table[^>]*class="([^"]*)"[^>]*>(.*?)</table>', text, re.DOTALL):
            classes = match.group(1).split()
            if "cwp-table" in classes and "cwp-public-source" not in classes:
                cells += [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(2), re.DOTALL)]
    return cells


@pytest.mark.slow
def test_a_book_built_on_twelve_respondents_is_clean_and_suppressed(small_book):
    path, book = small_book
    findings = scan_site(book.site, survey=[path, WORKSTAR], outputs=book.outputs, attack=False)
    assert list(findings) == [], "\n".join(map(str, findings))
    cells = project_table_cells(book.site)
    marked = sum(cell == "[c]" for cell in cells)
    assert marked >= 50 and marked >= len(cells) // 10, (marked, len(cells))
    # no page says the survey results are synthetic any more
    assert survey_banner_pages(book.site) == []
    # the CSV tables carry the markers too
    csv_marks = sum(p.read_text(encoding="utf-8").count("[c]") for p in (book.outputs / "tables").glob("*.csv"))
    assert csv_marks >= marked // 2
