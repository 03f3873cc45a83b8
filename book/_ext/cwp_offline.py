"""Sphinx extension: keep the book's pages offline and light.

What Jupyter Book 1.x and its themes put on every page, and what this
extension does about it:

* ``sphinx_thebe`` (always loaded) adds an inline script declaring ``const
  THEBE_JS_URL`` (a CDN address) twice, so every page threw "Identifier
  'THEBE_JS_URL' has already been declared", and ``sphinx-thebe.js``.  This
  book has no live-code buttons: the scripts and stylesheet are removed.
* The PyData theme loads ``fontawesome.js`` (1.45 MB), the "SVG with JS"
  build of Font Awesome, although its stylesheet and webfont already draw
  every icon the theme uses.  Its ``<script>`` tag and files are removed.
* The theme loads Sphinx's search scripts (``searchtools.js``,
  ``language_data.js`` and the ``searchindex.js`` index) in ``<head>`` of
  every page, blocking rendering, for a search-as-you-type feature this
  book does not turn on: the search box submits to ``search.html``, which
  keeps them.  They are removed from every other page.
* ``sphinx_design`` adds its stylesheet and tab script to every page; they
  are kept only on pages that use its components (``sd-`` classes).
* The theme's ``theme.css`` only imports Sphinx's ``basic.css``, a
  second round trip before the page can paint: pages link ``basic.css``
  directly.
* Every script in ``<head>`` blocks rendering.  All of them become
  ``defer`` (they run in the same order once the page is parsed, and all
  wait for the DOM anyway), except ``documentation_options.js`` (0.3 KB),
  which inline scripts of the page extend as they are parsed.

The scripts that the theme writes straight into its templates are removed
from the rendered page by small filters: this extension wraps the HTML
builder's template rendering and emits the event ``cwp-html-page`` with
``(pagename, page)``, where ``page["html"]`` is the rendered page that a
listener may change (other ``cwp_`` extensions use it too).  Files no page
references any more are deleted from the site when the build finishes.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Event emitted with (pagename, page) after a page is rendered; ``page["html"]`` may be changed.
PAGE_EVENT = "cwp-html-page"
_FONTAWESOME_TAG = re.compile(r'[ \t]*<script[^>]*src="[^"]*_static/scripts/fontawesome\.js[^"]*"[^>]*></script>\n?')
_SEARCH_TAG = re.compile(
    r'[ \t]*<script[^>]*src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)'
    r'[^"]*"[^>]*></script>\n?'
)
_THEME_CSS_LINK = re.compile(r'<link href="([^"]*)_static/styles/theme\.css[^"]*" rel="stylesheet" ?/>')
_BLOCKING_SCRIPT = re.compile(r'<script (?![^>]*\b(?:defer|async|type="module")\b)([^>]*\bsrc="[^"]+"[^>]*)>')
#: Files removed from the site once no page references them (relative to the site root).
_UNUSED_FILES = (
    "_static/scripts/fontawesome.js",
    "_static/scripts/fontawesome.js.map",
    "_static/scripts/fontawesome.js.LICENSE.txt",
    "_static/sphinx-thebe.js",
    "_static/sphinx-thebe.css",
    "_static/design-tabs.js",
    "_static/sphinx-design.min.css",
    "_static/styles/theme.css",
)


def drop_fontawesome_script(html: str) -> str:
    """Remove the ``fontawesome.js`` script tag of the PyData theme.

    Examples
    --------
    >>> drop_fontawesome_script('<head>\\n  <script defer src="../_static/scripts/fontawesome.js?digest=1"></script>\\n'
    ...                         '<script src="x.js"></script></head>')
    '<head>\\n<script src="x.js"></script></head>'
    """
    return _FONTAWESOME_TAG.sub("", html)


def drop_search_scripts(html: str, pagename: str) -> str:
    """Remove Sphinx's search scripts from every page but ``search``.

    Examples
    --------
    >>> page = '<script src="../_static/searchtools.js"></script>\\n<script src="../searchindex.js"></script>\\n<p>'
    >>> drop_search_scripts(page, "notebooks/01_context")
    '<p>'
    >>> drop_search_scripts(page, "search") == page
    True
    """
    return html if pagename == "search" else _SEARCH_TAG.sub("", html)


def link_basic_css(html: str) -> str:
    """Link ``basic.css`` itself instead of the theme's ``theme.css`` that imports it.

    Examples
    --------
    >>> link_basic_css('<link href="../_static/styles/theme.css?digest=55c2" rel="stylesheet" />')
    '<link href="../_static/basic.css" rel="stylesheet" />'
    """
    return _THEME_CSS_LINK.sub(r'<link href="\1_static/basic.css" rel="stylesheet" />', html)


def defer_scripts(html: str) -> str:
    """Give every external script but ``documentation_options.js`` the ``defer`` attribute.

    Examples
    --------
    >>> defer_scripts('<script src="_static/doctools.js?v=1"></script><script defer src="b.js"></script>'
    ...               '<script src="_static/documentation_options.js?v=2"></script>')
    '<script defer src="_static/doctools.js?v=1"></script><script defer src="b.js"></script><script \
src="_static/documentation_options.js?v=2"></script>'
    """
    def add_defer(match: re.Match) -> str:
        if "documentation_options.js" in match.group(1):
            return match.group(0)
        return f"<script defer {match.group(1)}>"

    return _BLOCKING_SCRIPT.sub(add_defer, html)


def _filename(asset) -> str:
    return str(getattr(asset, "filename", asset) or "")


def _is_thebe_script(script) -> bool:
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "thebe" in _filename(script).lower() or "THEBE_JS_URL" in body or "thebe_selector" in body


def _is_design_asset(asset) -> bool:
    name = _filename(asset)
    return "design-tabs.js" in name or "sphinx-design" in name


def _page_context(app, pagename, templatename, context, doctree):
    uses_design = "sd-" in str(context.get("body", ""))
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe_script(s)
                                   and (uses_design or not _is_design_asset(s))]
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"] if "thebe" not in _filename(c).lower()
                                and (uses_design or not _is_design_asset(c))]


def _filter_page(app, pagename, page):
    html = drop_search_scripts(drop_fontawesome_script(page["html"]), pagename)
    page["html"] = defer_scripts(link_basic_css(html)) if pagename != "search" else link_basic_css(html)


def _wrap_rendering(app):
    """Make the HTML builder emit ``cwp-html-page`` for every page it renders."""
    templates = getattr(app.builder, "templates", None)
    if templates is None or getattr(templates, "_cwp_wrapped", False):
        return
    render = templates.render

    def render_and_filter(template, context):
        page = {"html": render(template, context)}
        if "pagename" in context and "</html>" in page["html"]:  # whole pages, not theme components
            app.emit(PAGE_EVENT, context["pagename"], page)
        return page["html"]

    templates.render = render_and_filter
    templates._cwp_wrapped = True


def _builder_inited(app):
    if app.builder.format == "html":
        _wrap_rendering(app)


def _build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.html")
             if p.parts[len(out.parts)] not in ("_static", "_sources")]  # pages, not theme templates
    for relative in _UNUSED_FILES:
        linked = re.compile(r'(?:src|href)="[^"]*' + re.escape(Path(relative).name))
        if (out / relative).is_file() and not any(linked.search(page) for page in pages):
            (out / relative).unlink()


def setup(app):
    app.add_event(PAGE_EVENT)
    app.connect("builder-inited", _builder_inited)
    # Run after sphinx_thebe, sphinx_design and the theme have filled the page context.
    app.connect("html-page-context", _page_context, priority=900)
    app.connect(PAGE_EVENT, _filter_page, priority=500)
    app.connect("build-finished", _build_finished, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
