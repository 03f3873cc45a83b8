"""Sphinx extension: the reader-facing shell of the book (accessibility, sidebar, description, PDF link).

* **Code-cell toggles.** MyST-NB labels every "Show code cell source"
  toggle ``aria-label="Toggle hidden content"``: the accessible name then
  differs from the visible words (WCAG 2.5.3, axe
  ``label-content-name-mismatch``).  The label is removed, so the name is
  the visible text.
* **Search button.** The theme's search field is a button showing "Search
  Ctrl+K" but labelled just "Search" (the same axe rule); the label is
  removed, so its name is what it shows.
* **Bibliography.** Docutils writes the reference list as ``role="list"``
  holding entries with ``role="doc-biblioentry"``, a role ARIA 1.2 no longer
  accepts in a list (axe ``aria-required-children``).  Entries become
  ``role="listitem"``.
* **Sidebar toggle.** The theme binds its sidebar buttons with
  ``document.querySelector``, which finds the copy hidden in the page
  header, so the visible button in the article header did nothing.
  ``cwp-reader.js`` forwards its clicks to the bound one.  The same script
  marks table boxes that scroll sideways (see ``cwp_tables``).
* **Description.** Each page gets ``<meta name="description">`` from its
  first paragraph (search engines and link previews show it).
* **PDF.** When ``cwp build`` also prints the book as a PDF it sets
  ``CWP_BOOK_PDF`` to the file name (at the site root); the landing page then
  links it under its title.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from docutils import nodes

#: Environment variable naming the whole-book PDF at the site root (set by ``cwp build``).
PDF_ENV = "CWP_BOOK_PDF"
_TOGGLE_LABEL = re.compile(r'<summary aria-label="Toggle hidden content">')
_SEARCH_BUTTON = re.compile(r'(<button[^>]*\bsearch-button-field\b[^>]*?) aria-label="Search"')
_BIBLIOENTRY = re.compile(r'role="doc-biblioentry"')
_FIRST_H1_END = re.compile(r"</h1>")
DESCRIPTION_CHARS = 155


def fix_toggle_labels(page: str) -> str:
    """Let code-cell toggles be named by their visible text.

    Examples
    --------
    >>> fix_toggle_labels('<summary aria-label="Toggle hidden content">\\n<p>Show code cell source</p>')
    '<summary>\\n<p>Show code cell source</p>'
    """
    return _TOGGLE_LABEL.sub("<summary>", page)


def fix_search_button_label(page: str) -> str:
    """Let the search field button be named by the words it shows.

    Examples
    --------
    >>> fix_search_button_label('<button class="btn search-button-field" title="Search" aria-label="Search">')
    '<button class="btn search-button-field" title="Search">'
    """
    return _SEARCH_BUTTON.sub(r"\1", page)


def fix_citation_roles(page: str) -> str:
    """Bibliography entries as list items of their ``role="list"`` container.

    Examples
    --------
    >>> fix_citation_roles('<div role="list"><div class="citation" role="doc-biblioentry">A</div></div>')
    '<div role="list"><div class="citation" role="listitem">A</div></div>'
    """
    return _BIBLIOENTRY.sub('role="listitem"', page)


def describe(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """A one-line page description: whitespace collapsed, cut at a word before ``limit`` characters.

    Examples
    --------
    >>> describe("Five   Coventry organisations\\njoined up their services.")
    'Five Coventry organisations joined up their services.'
    >>> describe("word " * 50, limit=20)
    'word word word word…'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip(",;:")
    return f"{cut}…"


def page_description(doctree, fallback: str) -> str:
    """The first substantial paragraph of a page (at least 60 characters), else ``fallback``."""
    if doctree is not None:
        for paragraph in doctree.findall(nodes.paragraph):
            text = paragraph.astext()
            if len(text) >= 60:
                return describe(text)
    return describe(fallback)


def pdf_link_html(href: str) -> str:
    """The landing page's link to the whole-book PDF.

    Examples
    --------
    >>> pdf_link_html("cwp-analysis.pdf")
    '<p class="cwp-pdf-link"><a href="cwp-analysis.pdf" download>Download the whole book as a PDF (A4)</a></p>'
    """
    return (f'<p class="cwp-pdf-link"><a href="{html.escape(href)}" download>'
            "Download the whole book as a PDF (A4)</a></p>")


def insert_after_title(body: str, snippet: str) -> str:
    """``snippet`` placed after the first ``</h1>`` of a page body (at the top when there is none).

    Examples
    --------
    >>> insert_after_title("<section><h1>T</h1><p>x</p>", "<p>PDF</p>")
    '<section><h1>T</h1><p>PDF</p><p>x</p>'
    """
    match = _FIRST_H1_END.search(body)
    if match is None:
        return snippet + body
    return body[: match.end()] + snippet + body[match.end():]


def _page_context(app, pagename, templatename, context, doctree):
    description = page_description(doctree, app.config.html_title or app.config.project)
    context["metatags"] = (context.get("metatags", "")
                           + f'\n<meta name="description" content="{html.escape(description)}" />')
    pdf = os.environ.get(PDF_ENV, "").strip()
    if pdf and app.builder.name == "html" and pagename == app.config.root_doc and context.get("body"):
        context["body"] = insert_after_title(context["body"], pdf_link_html(context["pathto"](pdf, 1)))


def _filter_page(app, pagename, page):
    page["html"] = fix_citation_roles(fix_search_button_label(fix_toggle_labels(page["html"])))


def _config_inited(app, config):
    # relative to the configuration folder: an absolute path of the (temporary, staged) book would change
    # Sphinx's configuration hash from build to build, and two clean builds must be byte-identical
    static = Path(__file__).parent / "static"
    config.html_static_path = [*config.html_static_path, os.path.relpath(static, app.confdir)]


def setup(app):
    app.setup_extension("cwp_offline")  # provides the cwp-html-page event
    app.connect("config-inited", _config_inited)
    app.add_js_file("cwp-reader.js", defer="defer")
    app.connect("html-page-context", _page_context, priority=700)
    app.connect("cwp-html-page", _filter_page, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
