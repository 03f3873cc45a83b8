"""Sphinx extension: the theme's icon font cut down to the icons the book shows.

The PyData theme's stylesheet carries a rule for each of Font Awesome's
~1,900 icons (86 KB of its 397 KB) and makes every page download the whole
solid icon font (156 KB WOFF2), for the dozen icons the book's pages use
(search, menu, sun and moon, arrows...).  When the build finishes this
extension

* keeps only the icon rules whose class (``fa-...``) appears in a page or a
  script of the site;
* subsets the solid font (from the theme's TrueType copy, with fontTools)
  to the characters those rules and the theme's other rules (admonition and
  link icons drawn through ``content:``) still use, written as WOFF, and
  points the stylesheet's ``@font-face`` at it.

Everything is derived from the built site, so an icon added to a page or
template keeps its glyph.  fontTools writes the file without a time stamp:
the same site gives the same bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

THEME_CSS = "_static/styles/pydata-sphinx-theme.css"
WEBFONTS = "_static/vendor/fontawesome/webfonts"
SOLID = "fa-solid-900"
SUBSET_NAME = "fa-solid-900-subset.woff"
_ICON_RULE = re.compile(r'((?:\.fa-[\w-]+:(?:before|after),?)+)\{content:"([^"]*)"\}')
_CLASS = re.compile(r"fa-[a-z0-9][a-z0-9-]*")
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")
_CONTENT_STRING = re.compile(r'content:\s*"([^"]*)"|--pst-icon-[\w-]+:\s*"([^"]*)"')


def css_string_chars(value: str) -> set[int]:
    """Code points of a CSS string value, escapes decoded.

    Examples
    --------
    >>> sorted(css_string_chars(r"\\f2b9")), sorted(css_string_chars("\\uf058")), sorted(css_string_chars(r"\\30 "))
    ([62137], [61528], [48])
    """
    points = {int(code, 16) for code in _ESCAPE.findall(value)}
    points |= {ord(ch) for ch in _ESCAPE.sub("", value)}
    return points


def prune_icon_rules(css: str, used: set[str]) -> str:
    """The stylesheet without the icon rules none of whose classes is used.

    Examples
    --------
    >>> css = '.a{x:1}.fa-sun:before{content:"\\\\f185"}.fa-moon:before,.fa-x:before{content:"\\\\f186"}'
    >>> prune_icon_rules(css, {"fa-moon"})
    '.a{x:1}.fa-moon:before,.fa-x:before{content:"\\\\f186"}'
    """
    def keep(match: re.Match) -> str:
        classes = {name.split(":")[0].lstrip(".") for name in match.group(1).rstrip(",").split(",")}
        return match.group(0) if classes & used else ""

    return _ICON_RULE.sub(keep, css)


def used_icon_classes(site: Path) -> set[str]:
    """Every ``fa-...`` class name written in the site's pages and scripts."""
    names: set[str] = set()
    for path in [*site.rglob("*.html"), *site.rglob("*.js")]:
        if "_sources" in path.parts:
            continue
        names |= set(_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def glyphs_in_use(css_texts) -> set[int]:
    """Code points that the stylesheets draw through ``content`` strings (and icon variables)."""
    points: set[int] = set()
    for css in css_texts:
        for match in _CONTENT_STRING.finditer(css):
            points |= css_string_chars(match.group(1) or match.group(2) or "")
    return points


def subset_font(source: Path, target: Path, codepoints: set[int]) -> None:
    """Write ``target`` (WOFF) holding only the glyphs of ``codepoints`` from ``source``."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def _point_font_face(css: str, relative_woff: str) -> str:
    """Rewrite the solid face's ``src`` to the subset file."""
    pattern = re.compile(r"src:url\([^)]*" + SOLID + r"\.woff2\)[^;}]*")
    return pattern.sub(f'src:url({relative_woff}) format("woff")', css)


def slim_icons(site: Path) -> None:
    """Prune the theme's icon rules and subset its solid icon font in a built site."""
    css_path = site / THEME_CSS
    fonts = site / WEBFONTS
    if not css_path.is_file() or not (fonts / f"{SOLID}.ttf").is_file():
        return
    css = prune_icon_rules(css_path.read_text(encoding="utf-8"), used_icon_classes(site))
    others = [p.read_text(encoding="utf-8", errors="replace") for p in site.joinpath("_static").rglob("*.css")
              if p != css_path]
    codepoints = glyphs_in_use([css, *others])
    subset_font(fonts / f"{SOLID}.ttf", fonts / SUBSET_NAME, codepoints)
    css = _point_font_face(css, f"../vendor/fontawesome/webfonts/{SUBSET_NAME}")
    css_path.write_text(css, encoding="utf-8")
    for suffix in (".woff2", ".ttf"):
        (fonts / f"{SOLID}{suffix}").unlink(missing_ok=True)


def _build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        slim_icons(Path(app.outdir))


def setup(app):
    # After cwp_offline removed fontawesome.js (whose class names would otherwise all count as used).
    app.connect("build-finished", _build_finished, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
