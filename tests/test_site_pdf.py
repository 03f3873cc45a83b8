"""The whole-book PDF: built from the staged book with the single-page builder and printed by
Chromium (cwp_analysis.pipeline.pdf).  A4 pages numbered "n / N", every chapter's title and
text present, every raster figure embedded as an image, math included."""

from __future__ import annotations

import os
import re
import types
import unicodedata
from pathlib import Path

import pytest

from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.pipeline.pdf import (
    PDF_NAME,
    PdfBuildFailed,
    build_pdf,
    pdf_link_env,
    singlehtml_command,
)
from cwp_analysis.pipeline.site import stage_book
from cwp_analysis.pipeline.site_audit import chromium_path
from tests.test_book import toc_files

A4_POINTS = (595.92, 842.88)


def test_link_environment_and_command():
    assert pdf_link_env() == {"CWP_BOOK_PDF": PDF_NAME}
    command = singlehtml_command(Path("src"), Path("out"))
    assert command[command.index("--builder") + 1] == "singlehtml"
    assert {"--warningiserror", "--nitpick"} <= set(command)


def _stage_from_build(built_book, target: Path) -> Path:
    """Stage the book as cwp build does, from the executed notebooks in the session build's cache."""
    objects = built_book.cache / "objects"
    entries = []
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        candidates = sorted(objects.glob(f"{path.stem}-*/executed.ipynb"), key=lambda p: p.stat().st_mtime)
        assert candidates, f"no executed copy of {path.stem} in {objects}"
        entries.append(types.SimpleNamespace(name=path.stem, notebook=candidates[-1]))
    return stage_book(REPO_ROOT / "book", entries, target)


needs_chromium = pytest.mark.skipif(chromium_path() is None and os.environ.get("CI") != "true",
                                    reason="no Chromium on this machine (apt-get install chromium)")


@pytest.fixture(scope="module")
def book_pdf(built_book, tmp_path_factory):
    work = tmp_path_factory.mktemp("pdf")
    stage = _stage_from_build(built_book, work / "stage")
    out = build_pdf(stage, work / "site" / PDF_NAME, log_path=work / "singlehtml.log")
    assert out == work / "site" / PDF_NAME
    return out


@pytest.fixture(scope="module")
def pdf_text(book_pdf):
    from pypdf import PdfReader

    reader = PdfReader(book_pdf)
    return reader, [page.extract_text() for page in reader.pages]


def _chapter_titles(site: Path) -> list[str]:
    titles = []
    for entry in toc_files():
        html = (site / f"{entry}.html").read_text(encoding="utf-8")
        title = re.search(r"<h1>([^<]*(?:<(?!/?h1|a class=\"headerlink)[^>]*>[^<]*)*)<a class=\"headerlink\"",
                          html).group(1)
        titles.append(re.sub(r"<[^>]+>", "", title).replace("’", "'").strip())
    return titles


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_pdf_is_a4_with_numbered_pages(pdf_text):
    reader, texts = pdf_text
    pages = len(reader.pages)
    assert pages >= 3 * len(toc_files()), f"only {pages} pages for {len(toc_files())} chapters"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2
    for number in (1, pages // 2, pages):
        assert f"{number} / {pages}" in texts[number - 1], f"page {number} has no number"


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_pdf_holds_every_chapter_and_its_math(pdf_text, built_book):
    _, texts = pdf_text
    text = " ".join(unicodedata.normalize("NFKC", " ".join(texts)).replace("’", "'").split())  # ligatures: fi
    missing = [title for title in _chapter_titles(built_book.site) if " ".join(title.split()) not in text]
    assert not missing, f"chapters missing from the PDF: {missing}"
    assert "SYNTHETIC DATA" in text
    assert "√" in text  # the wellbeing chapter's r = |Z|/sqrt(n), rendered by KaTeX
    assert "Show code cell source" not in text and "Scroll the table sideways" not in text


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_pdf_embeds_every_figure(pdf_text, built_book):
    reader, _ = pdf_text
    images = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        for name, ref in (xobjects.get_object().items() if xobjects else []):
            if ref.get_object().get("/Subtype") == "/Image":
                images.add((id(page), name))
    figures = set()
    for entry in toc_files():
        html = (built_book.site / f"{entry}.html").read_text(encoding="utf-8")
        figures |= set(re.findall(r'<img[^>]*src="[^"]*/_images/([^"]+\.(?:png|jpe?g))"', html))
    assert figures, "the book has no raster figures to look for"
    assert len(images) >= len(figures), f"{len(images)} images in the PDF for {len(figures)} figures"


def test_pdf_build_reports_a_broken_stage(tmp_path):
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "_toc.yml").write_text("format: jb-book\nroot: intro\n", encoding="utf-8")
    (stage / "_config.yml").write_text("title: x\n", encoding="utf-8")
    with pytest.raises(PdfBuildFailed, match="single-page build for the PDF failed"):
        build_pdf(stage, tmp_path / "out.pdf", log_path=tmp_path / "log.txt", timeout=300)
    assert not (tmp_path / "out.pdf").exists()
    assert (tmp_path / "log.txt").is_file()
