"""Tests of cwp_analysis.bibliography: the deduplicated report bibliography,
the project's references, and the computed citation gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pybtex.plugin import find_plugin

from cwp_analysis import bibliography as bibmod
from cwp_analysis.errors import DataFileError

FIXTURES = Path(__file__).parent / "fixtures" / "toc"

# Works printed in the report's bibliography (pp. 46-49), counted by hand:
# 62 printed items, less four repeated entries (Hood 2014, Lally 2013,
# Magaard 2017, O'Leary 2018) and four URLs printed on lines of their own
# (Prison Reform Trust twice, Lankelly Chase, Women's Budget Group).
REPORT_WORKS = 54

PROJECT_KEYS = {
    "justeconomics2020", "triangle_workstar", "stewartbrown2009", "tennant2007", "wilcoxon1945", "pratt1959",
    "kerby2014", "wilson1927", "holm1979", "benjamini1995", "mcnemar1947", "heiberger2014",
}


@pytest.fixture(scope="module")
def bib():
    return bibmod.load_references()


@pytest.fixture(scope="module")
def audit():
    return bibmod.load_citation_audit()


def test_report_entries_are_deduplicated(bib):
    table = bibmod.references_table(bib, "report")
    assert len(table) == REPORT_WORKS
    assert bibmod.duplicate_works(bib) == []
    for surname, year in (("Hood", "2014"), ("Lally", "2013"), ("Magaard", "2017"), ("O'Leary", "2018")):
        same = table[table["authors"].str.startswith(surname) & (table["year"] == year)]
        assert len(same) == 1, (surname, year)


def test_every_entry_has_one_section_keyword(bib):
    assert bibmod.bibliography_problems() == []
    project = set(bibmod.references_table(bib, "project")["key"])
    assert PROJECT_KEYS <= project
    assert not project & set(bibmod.references_table(bib, "report")["key"])


def test_every_entry_formats_with_a_standard_style(bib):
    # The book renders references with pybtex styles; a missing required
    # field would make the build fail.
    style = find_plugin("pybtex.style.formatting", "unsrt")()
    backend = find_plugin("pybtex.backends", "text")()
    rendered = {e.key: e.text.render(backend) for e in style.format_entries(bib.entries.values())}
    assert set(rendered) == set(bib.entries)
    assert "Thomas Coram Research Institute" in rendered["oliver2010"]
    assert "Barnardo's" in rendered["percysmith2005"]


def test_typo_fixes_are_recorded_in_notes(bib):
    notes = bibmod.references_table(bib).set_index("key")["note"]
    assert "Gullivar" in notes["gulliver2010"]
    assert "Coran" in notes["oliver2010"]
    assert "Barnado's" in notes["percysmith2005"]
    assert "printed twice" in notes["hood2014"].lower()
    assert "Pellisier" in notes["langan2001"]


def test_duplicates_are_detected_in_a_fixture():
    fixture = bibmod.load_references(FIXTURES / "references_small.bib")
    assert bibmod.duplicate_works(fixture) == [("smith2001", "smith2001b"), ("web2019", "web2019copy")]


def test_bibliography_problems_on_fixture(tmp_path):
    problems = bibmod.bibliography_problems(FIXTURES / "references_small.bib", FIXTURES / "citations_small.yaml")
    assert problems == [
        "references.bib: entries smith2001, smith2001b describe the same work",
        "references.bib: entries web2019, web2019copy describe the same work",
        "references.bib: entry 'web2019copy' needs exactly one of keywords 'report' or 'project'",
    ]
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{a, title={x}}\n@article{a, title={y}}\n", encoding="utf-8")
    [line] = bibmod.bibliography_problems(bad, FIXTURES / "citations_small.yaml")
    assert line.startswith(f"{bad.resolve()}: not a valid BibTeX file")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Women's Budget Group and Runnymede Trust 2017", (("Women's Budget Group", "Runnymede Trust"), False, "2017")),
        ("McNeish et al, 2016", (("McNeish",), True, "2016")),
        ("Wong & Sumsion 2013", (("Wong", "Sumsion"), False, "2013")),
        ("Cooper et al, 2016", (("Cooper",), True, "2016")),
        ("Rumgay, 2008", (("Rumgay",), False, "2008")),
    ],
)
def test_parse_citation(text, expected):
    assert bibmod.parse_citation(text) == expected


def test_missing_works_are_reported_not_invented(bib, audit):
    missing = bibmod.missing_works(audit)
    assert {(c.cited_as, c.section) for c in missing} == {
        ("Corston, 2007", "2.1"), ("Rumgay, 2008", "2.2"), ("Bond, 2010", "2.2")}
    keys = set(bib.entries)
    assert not any(k.startswith(("rumgay", "bond", "corston")) for k in keys)
    warnings = bibmod.bibliography_warnings()
    assert "cited but not in the report's bibliography: 'Rumgay, 2008' (Section 2.2)" in warnings
    assert "cited but not in the report's bibliography: 'Corston, 2007' (Section 2.1)" in warnings


def test_citation_problems_of_the_report(bib, audit):
    found = {(p.cited_as, p.problem) for p in bibmod.citation_problems(audit, bib)}
    assert found == {
        ("Comacchio and Ruggeri", "year_missing"),
        ("Gullivar et al. 2010", "name"),
        ("Langan and Pellisier, 2001", "name"),
        ("SAMSHA, 2002", "name"),
        ("Tower and Walby, 2012", "name"),
        ("Turnbull and Turnbull, 2000", "name"),
        ("Turnbull and Turnbull, 2000", "author_count"),
    }


def test_citation_problems_of_fixture():
    fixture = bibmod.load_references(FIXTURES / "references_small.bib")
    audit = bibmod.load_citation_audit(FIXTURES / "citations_small.yaml", bib_keys=frozenset(fixture.entries))
    found = [(p.cited_as, p.problem, p.detail) for p in bibmod.citation_problems(audit, fixture)]
    assert found == [
        ("Smyth, 2001", "name", "cited as 'Smyth'; the bibliography has 'Smith'"),
        ("Smyth, 2001", "author_count", "names 1 author; the bibliography lists 2"),
        ("Some Agency, 2018", "year_mismatch", "cited as 2018; the bibliography gives 2019"),
    ]
    assert [c.cited_as for c in bibmod.missing_works(audit)] == ["Nobody, 1999"]
    assert bibmod.uncited_entries(audit, fixture) == ["smith2001b"]


def test_uncited_report_entries(bib, audit):
    assert bibmod.uncited_entries(audit, bib) == ["eige_mainstreaming", "oxfam2013", "patterson2019"]


def test_every_report_entry_is_cited_or_reported(bib, audit):
    cited = audit.cited_keys()
    report = set(bibmod.references_table(bib, "report")["key"])
    assert report - cited == set(bibmod.uncited_entries(audit, bib))


def test_audit_loader_errors(tmp_path):
    raw = yaml.safe_load((FIXTURES / "citations_small.yaml").read_text(encoding="utf-8"))
    raw["in_text_citations"].append({"cited_as": "Ghost, 2000", "section": "2.1", "key": "ghost2000"})
    raw["in_text_citations"].append({"cited_as": "Keyless, 2000", "section": "2.1"})
    raw["printed_list_issues"].append({"kind": "typo", "key": "smith2001"})
    with pytest.raises(DataFileError) as info:
        bibmod.parse_citation_audit(raw, bib_keys={"smith2001", "web2019"}, source="gaps")
    assert str(info.value).splitlines()[1:] == [
        "gaps: in_text_citations[4] ('Ghost, 2000'): unknown bib key 'ghost2000'",
        "gaps: in_text_citations[5] ('Keyless, 2000'): needs 'key' (a BibTeX key, or null for a missing work)",
        "gaps: printed_list_issues[1]: 'kind' must be one of duplicate, url_line, incomplete_entry",
    ]
    with pytest.raises(DataFileError, match="citation audit not found"):
        bibmod.load_citation_audit(tmp_path / "none.yaml", bib_keys=set())


def test_missing_bib_file(tmp_path):
    with pytest.raises(DataFileError, match="bibliography not found"):
        bibmod.load_references(tmp_path / "none.bib")


def test_theory_of_change_cites_only_known_works(bib):
    from cwp_analysis.toc import load_theory_of_change

    assert load_theory_of_change().literature_keys() <= set(bib.entries)
