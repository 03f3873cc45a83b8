"""The built book: every page of the table of contents, strict build, no CDN
assets, citations resolved, synthetic banner where survey results appear."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from cwp_analysis.paths import REPO_ROOT

BOOK = REPO_ROOT / "book"
NOTEBOOKS = REPO_ROOT / "notebooks"


def toc_files() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    files += [chapter["file"] for chapter in toc.get("chapters", [])]
    return files


def _notebook_uses_survey(name: str) -> bool:
    """Whether a notebook asks setup() for the survey banner (uses_survey defaults to True)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return "uses_survey=False" not in source.replace(" ", "")


def test_every_toc_entry_has_a_source():
    for entry in toc_files():
        if entry.startswith("notebooks/"):
            assert (NOTEBOOKS / (Path(entry).name + ".ipynb")).is_file(), entry
        else:
            assert (BOOK / f"{entry}.md").is_file(), entry


def test_every_notebook_is_in_the_toc():
    listed = {Path(e).name for e in toc_files() if e.startswith("notebooks/")}
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == listed


def test_literature_used_by_the_theory_of_change_is_cited_in_the_book():
    from cwp_analysis import toc

    sources = "\n".join(p.read_text(encoding="utf-8") for p in NOTEBOOKS.glob("*.ipynb"))
    sources += "\n".join(p.read_text(encoding="utf-8") for p in BOOK.glob("*.md"))
    cited = set()
    for match in re.finditer(r"\{cite(?::[a-z]+)?\}`([^`]+)`", sources):
        cited.update(key.strip() for key in match.group(1).split(","))
    missing = sorted(set(toc.load_theory_of_change().literature_keys()) - cited)
    assert not missing, f"theory-of-change literature never cited in the book: {missing}"


def test_config_keeps_the_book_offline_and_light():
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["launch_buttons"]["thebe"] is False
    assert config["sphinx"]["config"]["html_context"]["default_mode"] == "light"


@pytest.mark.slow
def test_book_builds_every_page(built_book):
    assert "built" in built_book.summary
    for entry in toc_files():
        assert (built_book.site / f"{entry}.html").is_file(), entry
    assert (built_book.site / "index.html").is_file()


@pytest.mark.slow
def test_no_external_scripts_or_stylesheets(built_book):
    offenders = []
    for page in built_book.site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for match in re.finditer(r'<(?:script|img)[^>]+src="(https?:)?//|<link[^>]+href="(https?:)?//[^"]+\.(?:css|js)"', html):
            offenders.append(f"{page.relative_to(built_book.site)}: {match.group(0)[:80]}")
    assert not offenders, offenders


@pytest.mark.slow
def test_synthetic_banner_on_survey_pages_only(built_book):
    for entry in toc_files():
        if not entry.startswith("notebooks/"):
            continue
        html = (built_book.site / f"{entry}.html").read_text(encoding="utf-8")
        name = Path(entry).name
        has_banner = 'class="cwp-synthetic-banner"' in html
        if name == "08_employment_workstar":
            assert has_banner, name  # Work Star readings are synthetic too
        elif _notebook_uses_survey(name):
            assert has_banner, f"{name} shows survey results but no synthetic banner"
        else:
            assert not has_banner, f"{name} shows no survey results but carries the banner"


@pytest.mark.slow
def test_bibliography_page_lists_the_references(built_book):
    html = (built_book.site / "bibliography.html").read_text(encoding="utf-8")
    assert html.count('class="citation"') + html.count("<dt ") >= 50
    assert "Women's Resource Centre" in html or "Women’s Resource Centre" in html


@pytest.mark.slow
def test_figures_have_alt_text_and_sourced_captions(built_book):
    for page in (built_book.site / "notebooks").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        for img in re.findall(r"<img[^>]*>", html):
            assert re.search(r'alt="[^"]{10,}"', img), f"{page.name}: image without alt text: {img[:120]}"
        for figure in re.findall(r"<figure[^>]*>(.*?)</figure>", html, re.S):
            assert "<img" in figure, f"{page.name}: a figure rendered without its image"
        for caption in re.findall(r'<span class="caption-text">(.*?)</span>\s*<a class="headerlink"', html, re.S):
            assert "Notebook " in caption, f"{page.name}: caption does not name its notebook: {caption[:120]}"
