"""Sphinx extension: keep the book's pages free of launch-button scripts.

Jupyter Book 1.x always loads ``sphinx_thebe``, which adds an inline script
declaring ``const THEBE_JS_URL`` (pointing at a CDN) and ``sphinx-thebe.js``
to every page, even with launch buttons off.  The inline script is added
twice, so every page throws "Identifier 'THEBE_JS_URL' has already been
declared" in the browser.  This book has no live-code buttons, so the
extension removes those scripts and the thebe stylesheet from each page.
"""

from __future__ import annotations


def _is_thebe_script(script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "thebe" in filename.lower() or "THEBE_JS_URL" in body or "thebe_selector" in body


def _strip_thebe(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe_script(s)]
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"]
                                if "thebe" not in str(getattr(c, "filename", c) or "").lower()]


def setup(app):
    # Run after sphinx_thebe and the theme have filled the page context.
    app.connect("html-page-context", _strip_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
