"""The book's reader-facing shell, read from the built HTML and from its Sphinx extensions
(book/_ext): math pre-rendered by KaTeX and served offline, what each page loads, table
markup, accessibility fixes, page descriptions and the PDF link."""

from __future__ import annotations

import doctest
import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cwp_analysis.paths import REPO_ROOT
from tests.test_book import toc_files

EXT = REPO_ROOT / "book" / "_ext"
MODULES = ("cwp_offline", "cwp_math", "cwp_tables", "cwp_reader", "cwp_icons")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_cwp_ext_{name}", EXT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages(site: Path) -> dict[str, str]:
    """The site's pages (not the redirect stub index.html, nor theme templates copied to _static)."""
    pages = {}
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        if path.parts[len(site.parts)] in ("_static", "_sources") or 'http-equiv="Refresh"' in html[:200]:
            continue
        pages[path.relative_to(site).as_posix()] = html
    return pages


# -- the extensions themselves ---------------------------------------------------


@pytest.mark.parametrize("name", MODULES)
def test_extension_examples_hold(name):
    result = doctest.testmod(_load(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_config_loads_every_shell_extension_and_dollar_math():
    import yaml

    config = yaml.safe_load((REPO_ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    assert set(MODULES) <= set(config["sphinx"]["local_extensions"])
    assert {"dollarmath", "amsmath"} <= set(config["parse"]["myst_enable_extensions"])


@pytest.mark.parametrize(("text", "numeric"), [
    ("1,234", True), ("12.5%", True), ("< 0.0001", True), ("0.12 (0.05 to 0.20)", True), ("[c]", True),
    ("£520,995", True), ("−3", True), ("", True), ("Kairos", False), ("Wilcoxon signed-rank", False),
    ("Section 4.2", False), ("n = 68 women", False),
])
def test_numeric_cell_detection(text, numeric):
    assert _load("cwp_tables").is_numeric_text(text) is numeric


def test_numeric_columns_follow_rowspan_and_colspan():
    tables = _load("cwp_tables")
    html = ("<table><thead><tr><th></th><th colspan='2'>Before</th></tr><tr><th>Item</th><th>n</th><th>%</th></tr>"
            "</thead><tbody><tr><th rowspan='2'>Group A</th><td>12</td><td>18.2</td></tr>"
            "<tr><td>[c]</td><td>[c]</td></tr><tr><th>Group B</th><td>7 to 9</td><td>text</td></tr></tbody></table>")
    marked = tables.mark_table(html)
    assert marked.startswith('<div class="cwp-table-scroll"><table class="cwp-rowheads">')
    cells = re.findall(r"<t([dh])( class=\"cwp-num\")?[^>]*>([^<]*)<", marked)
    numeric = {text for _, cls, text in cells if cls}
    # the n column (12, [c], 7 to 9) is numeric; the % column holds "text", so it is not
    assert numeric == {"n", "12", "[c]", "7 to 9"}


def test_katex_server_start_waits_until_the_socket_listens(tmp_path):
    """The socket file exists before the server listens: connecting early is retried, not fatal."""
    math_ext = _load("cwp_math")
    late_listener = textwrap.dedent("""
        import socket, sys, time
        path = sys.argv[sys.argv.index("--socket") + 1]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)          # the file exists from here on ...
        time.sleep(0.5)
        server.listen(1)           # ... but connections succeed only from here
        conn, _ = server.accept()
        conn.sendall(b"ready")
        time.sleep(5)
    """)
    script = tmp_path / "late.py"
    script.write_text(late_listener, encoding="utf-8")

    class Fake:
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, str(script), "--socket", str(socket)]

    process, sock = math_ext._robust_start(Fake, tmp_path, 20.0)
    try:
        assert sock.recv(5) == b"ready"
    finally:
        sock.close()
        process.kill()
        process.wait()


def test_katex_server_that_dies_is_reported(tmp_path):
    math_ext = _load("cwp_math")
    from sphinxcontrib.katex import KaTeXError

    class Dies:
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, "-c", "import sys; sys.exit('Cannot find module katex')"]

    with pytest.raises(KaTeXError, match="exited with status 1: Cannot find module katex"):
        math_ext._robust_start(Dies, tmp_path, 20.0)


def test_katex_renders_with_the_pinned_package(monkeypatch):
    math_ext = _load("cwp_math")
    from sphinxcontrib import katex

    from cwp_analysis.pipeline.npm import npm_package

    monkeypatch.setattr(katex.KaTeXServer, "katex_path",
                        str(npm_package("katex", version=math_ext.KATEX_VERSION) / "dist" / "katex.min.js"))
    monkeypatch.setattr(katex.KaTeXServer, "katex_server", None)
    monkeypatch.setattr(katex.KaTeXServer, "start_server_process", classmethod(math_ext._robust_start))
    html = katex.render_latex(r"r = |Z|/\sqrt{n}")  # the server is stopped at exit (sphinxcontrib's atexit)
    assert 'class="katex"' in html and "sqrt" in html and "<math" in html


def test_katex_css_keeps_only_woff2_fonts():
    math_ext = _load("cwp_math")
    from cwp_analysis.pipeline.npm import npm_package

    css = math_ext.woff2_only((npm_package("katex") / "dist" / "katex.min.css").read_text(encoding="utf-8"))
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert len(fonts) == 20 and all(f.endswith(".woff2") for f in fonts)


def test_npm_packages_are_the_pinned_ones():
    import json

    from cwp_analysis.pipeline.npm import npm_package

    wanted = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in wanted.items():
        assert npm_package(name, version=version).is_dir()


def test_missing_npm_package_is_one_clear_line(monkeypatch, tmp_path):
    from cwp_analysis.pipeline.npm import NpmPackageMissing, npm_package

    monkeypatch.setenv("CWP_NODE_MODULES", str(tmp_path))
    with pytest.raises(NpmPackageMissing, match=r"npm package katex is not installed .*make setup"):
        npm_package("katex")


def test_icon_font_subset_keeps_the_requested_glyphs(tmp_path):
    icons = _load("cwp_icons")
    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    source = next(Path(pydata_sphinx_theme.__file__).parent.rglob("fa-solid-900.ttf"))
    wanted = {0xF002, 0xF0C9, 0xF185}  # magnifying glass, bars, sun
    icons.subset_font(source, tmp_path / "subset.woff", wanted)
    subset = TTFont(tmp_path / "subset.woff")
    assert set(subset.getBestCmap()) == wanted
    assert (tmp_path / "subset.woff").stat().st_size < 10_000 < source.stat().st_size


# -- the built site ----------------------------------------------------------------


@pytest.mark.slow
def test_math_is_rendered_at_build_time(built_book):
    pages = _pages(built_book.site)
    for name in ("notebooks/06_mental_wellbeing.html", "notebooks/07_basic_needs_health_relationships.html"):
        html = pages[name]
        assert html.count('class="katex"') >= 2, name
        prose = re.sub(r"<(script|pre|code)\b.*?</\1>", "", html, flags=re.DOTALL)
        assert not re.search(r"\$[^$<>\n]{1,40}\$", prose), f"raw TeX left on {name}"
        assert "_katex/katex.min.css" in html
    without_math = [n for n, h in pages.items() if 'class="katex"' not in h]
    assert without_math and not any("katex.min.css" in pages[n] for n in without_math)
    assert all(p.suffix == ".woff2" for p in (built_book.site / "_katex" / "fonts").iterdir())


@pytest.mark.slow
def test_pages_load_no_unused_heavy_assets(built_book):
    site = built_book.site
    pages = _pages(site)
    assert not (site / "_static" / "scripts" / "fontawesome.js").exists()
    for name, html in pages.items():
        assert not re.search(r'(?:src|href)="[^"]*fontawesome\.js', html), name
        assert "styles/theme.css" not in html, name
        assert "sphinx-design" not in html and "design-tabs.js" not in html, name
        search = re.findall(r'<script[^>]*src="[^"]*(searchtools|language_data|searchindex)\.js', html)
        if name == "search.html":
            assert set(search) == {"searchtools", "language_data", "searchindex"}
        else:
            assert not search, name
        blocking = re.findall(r"<script (?![^>]*\b(?:defer|async)\b)[^>]*src=\"([^\"]+)\"", html)
        if name != "search.html":
            assert [Path(s.split("?")[0]).name for s in blocking] == ["documentation_options.js"], name
    theme_css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    assert "fa-solid-900-subset.woff" in theme_css and ".fa-magnifying-glass:before" in theme_css
    assert ".fa-steam-symbol:before" not in theme_css  # an icon no page shows


@pytest.mark.slow
def test_every_table_sits_in_a_scroll_box_with_numeric_columns_marked(built_book):
    pages = _pages(built_book.site)
    tables = 0
    for entry in toc_files():
        html = pages[f"{entry}.html"]
        tables += html.count("<table")
        assert html.count("<table") == html.count('<div class="cwp-table-scroll"><table'), entry
    assert tables >= 40
    wellbeing = pages["notebooks/06_mental_wellbeing.html"]
    assert re.search(r'<td class="cwp-num">\d+</td>', wellbeing)


@pytest.mark.slow
def test_accessibility_fixes_reach_every_page(built_book):
    for name, html in _pages(built_book.site).items():
        assert 'aria-label="Toggle hidden content"' not in html, name
        assert 'role="doc-biblioentry"' not in html, name
        assert not re.search(r'<button[^>]*search-button-field[^>]*aria-label="Search"', html), name
        assert "cwp-reader.js" in html, name
    bibliography = _pages(built_book.site)["bibliography.html"]
    assert bibliography.count('role="listitem"') >= 50


@pytest.mark.slow
def test_every_page_has_a_description(built_book):
    for name, html in _pages(built_book.site).items():
        match = re.search(r'<meta name="description" content="([^"]+)"', html)
        assert match, name
        assert 20 <= len(match.group(1)) <= 160, (name, match.group(1))


def test_landing_page_links_the_pdf_when_the_build_makes_one(tmp_path, monkeypatch):
    """The cwp_reader extension adds the link only when CWP_BOOK_PDF is set (by cwp build)."""
    reader = _load("cwp_reader")

    class Config:
        html_title, project, root_doc = "Book", "Book", "notebooks/00_overview"

    class App:
        config, builder = Config(), type("B", (), {"name": "html"})()

    def context():
        return {"body": "<section><h1>Title</h1><p>Intro</p></section>", "metatags": "",
                "pathto": lambda target, resource=0: f"../{target}"}

    without = context()
    monkeypatch.delenv(reader.PDF_ENV, raising=False)
    reader._page_context(App(), "notebooks/00_overview", "page.html", without, None)
    assert "cwp-pdf-link" not in without["body"]
    monkeypatch.setenv(reader.PDF_ENV, "cwp-analysis.pdf")
    landing, chapter = context(), context()
    reader._page_context(App(), "notebooks/00_overview", "page.html", landing, None)
    reader._page_context(App(), "notebooks/01_context", "page.html", chapter, None)
    assert '<h1>Title</h1><p class="cwp-pdf-link"><a href="../cwp-analysis.pdf" download>' in landing["body"]
    assert "cwp-pdf-link" not in chapter["body"]


def test_make_setup_installs_npm_packages_without_install_scripts():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "npm ci --ignore-scripts" in makefile
    assert re.search(r"^\$\(STAMP\):.*\|\s*\$\(NPM_STAMP\)", makefile, re.MULTILINE)
    dry_run = subprocess.run(["make", "-n", "-W", "package-lock.json", "node_modules/.cwp-installed"],
                             cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert "npm ci" in dry_run.stdout
