"""Browser tests: Debian's Chromium, driven by Playwright, against the built site served on
127.0.0.1 with gzip (as a static host serves it).

* Every page of the table of contents opens without console errors or failed
  requests, every image loads, every internal link resolves.
* Navigation (next link, sidebar), search, the dark-mode switch and both
  sidebar toggles (desktop: the sidebar hides; phone: the drawer opens) work.
* axe-core (the npm package pinned in package-lock.json, injected by
  Playwright) finds no serious or critical violation on any page, in the light
  and the dark theme, at desktop and phone widths.
* No page scrolls sideways on a 390 px phone; wide tables scroll inside their
  box, which then shows a cue, takes keyboard focus, has a name, and keeps its
  row labels in view.
* Screenshots of the landing page, a figure page, a table page and the
  theory-of-change page at desktop and phone widths are saved to
  ``build/screenshots`` (git-ignored).

The tests may skip only where no Chromium exists; under CI (CI=true) they must
run, and .ci/run installs the chromium package.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cwp_analysis.paths import REPO_ROOT
from cwp_analysis.pipeline.site_audit import CHROMIUM_ARGS, chromium_path, serve_site
from tests.test_book import toc_files

CHROMIUM = chromium_path()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = REPO_ROOT / "build" / "screenshots"
#: Pages shown in the screenshots: the landing page, a figure page, a table page, the theory of change.
SHOWN = {
    "landing": toc_files()[0],
    "figure": "notebooks/06_mental_wellbeing",
    "table": "notebooks/11_reproduction",
    "theory_of_change": "notebooks/02_theories_of_change",
}

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but no Chromium found: .ci/run must install Debian's chromium package")
    pytestmark.append(pytest.mark.skip(reason="no Chromium on this machine (apt-get install chromium)"))


def _all_pages() -> list[str]:
    return [f"{entry}.html" for entry in toc_files()] + ["search.html", "genindex.html"]


@pytest.fixture(scope="module")
def site_url(built_book):
    with serve_site(built_book.site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield chromium
        finally:
            chromium.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _context(browser, viewport, mode: str = "light"):
    context = browser.new_context(viewport=viewport)
    # The theme reads the reader's choice from localStorage before it paints.
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    return context


def test_every_page_renders_cleanly(site_url, browser, built_book):
    problems = []
    internal_links: set[str] = set()
    context = browser.new_context(viewport=DESKTOP)
    for entry in toc_files():
        url = f"{site_url}/{entry}.html"
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg, errors=errors: errors.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc, errors=errors: errors.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req, errors=errors: errors.append(f"request failed: {req.url}"))
        page.on("response", lambda resp, errors=errors: errors.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400 else None)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src)")
        errors += [f"image did not load: {src}" for src in broken]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parsed = urllib.parse.urlsplit(href)
            if href.startswith(site_url):
                internal_links.add(urllib.parse.urlunsplit(parsed._replace(fragment="")))
        problems += [f"{entry}: {e}" for e in errors]
        page.close()
    context.close()
    for link in sorted(internal_links):
        status = _status(link)
        if status != 200:
            problems.append(f"internal link {link} answers {status}")
    assert not problems, "\n".join(problems)
    assert len(internal_links) > len(toc_files())


def test_navigation_search_and_dark_mode(site_url, browser):
    context = _context(browser, DESKTOP)
    page = context.new_page()
    first, second = toc_files()[:2]
    page.goto(f"{site_url}/{first}.html", wait_until="load")
    assert page.locator(".cwp-synthetic-banner").first.is_visible()
    # navigation: the "next" link at the foot of the page, then the sidebar
    page.locator("a.right-next").click()
    page.wait_for_url(f"**/{second}.html")
    page.locator("nav.bd-links a", has_text="Mental wellbeing").first.click()
    page.wait_for_url("**/notebooks/06_mental_wellbeing.html")
    # search: the search button opens the dialog; Enter shows results on search.html
    page.locator(".search-button-field").first.click()
    field = page.locator("#pst-search-dialog input[name='q']")
    field.wait_for(state="visible")
    field.fill("wellbeing")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=wellbeing*")
    page.locator("#search-results ul.search li").first.wait_for(state="visible", timeout=20_000)
    assert page.locator("#search-results ul.search li").count() >= 3
    # dark mode: the switch cycles the theme; the page turns dark
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        page.locator(".theme-switch-button").first.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_background
    context.close()


def test_sidebar_toggles_work_on_desktop_and_phone(site_url, browser):
    url = f"{site_url}/notebooks/06_mental_wellbeing.html"
    context = _context(browser, DESKTOP)
    page = context.new_page()
    page.goto(url, wait_until="load")
    sidebar = page.locator("#pst-primary-sidebar")
    toggle = page.locator(".primary-toggle:visible")
    assert toggle.count() == 1 and sidebar.is_visible()
    toggle.click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')")
    # the sidebar slides out of the window
    page.wait_for_function("document.getElementById('pst-primary-sidebar').getBoundingClientRect().right <= 0")
    toggle.click()
    page.wait_for_function("!document.getElementById('pst-primary-sidebar').classList.contains('pst-sidebar-hidden')")
    page.wait_for_function("document.getElementById('pst-primary-sidebar').getBoundingClientRect().left >= 0")
    assert sidebar.bounding_box()["width"] > 150
    context.close()

    context = _context(browser, PHONE)
    page = context.new_page()
    page.goto(url, wait_until="load")
    assert not page.locator("#pst-primary-sidebar").is_visible()
    page.locator(".primary-toggle:visible").first.click()
    drawer = page.locator("dialog#pst-primary-sidebar-modal")
    drawer.wait_for(state="visible")
    assert drawer.locator("nav.bd-links a", has_text="Mental wellbeing").count() >= 1
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")
    context.close()


def _axe(page) -> list[str]:
    from cwp_analysis.pipeline.npm import npm_package

    page.add_script_tag(path=str(npm_package("axe-core") / "axe.min.js"))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)""")
    return violations


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation(site_url, browser, mode):
    problems = []
    for viewport in (DESKTOP, PHONE):
        context = _context(browser, viewport, mode)
        page = context.new_page()
        for name in _all_pages():
            page.goto(f"{site_url}/{name}", wait_until="networkidle")
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            problems += [f"{name} at {viewport['width']} px: {v}" for v in _axe(page)]
        context.close()
    assert not problems, "\n".join(problems)


def test_no_page_scrolls_sideways_on_a_phone(site_url, browser):
    context = _context(browser, PHONE)
    page = context.new_page()
    wide = []
    for name in _all_pages():
        page.goto(f"{site_url}/{name}", wait_until="networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide.append(f"{name}: {overflow} px wider than the phone")
    assert not wide, "\n".join(wide)
    context.close()


def test_wide_tables_scroll_in_their_box_with_a_cue(site_url, browser):
    context = _context(browser, PHONE)
    page = context.new_page()
    page.goto(f"{site_url}/notebooks/06_mental_wellbeing.html", wait_until="networkidle")
    box = page.locator(".cwp-table-scroll.cwp-overflows").first
    box.scroll_into_view_if_needed()
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label").endswith("(scrolls sideways)")
    assert box.evaluate("e => e.previousElementSibling.classList.contains('cwp-scroll-hint')")
    first_cell = box.locator("tbody tr:first-child > :first-child")
    number_cell = box.locator("td.cwp-num").first
    assert number_cell.evaluate("e => getComputedStyle(e).textAlign") == "right"
    assert first_cell.evaluate("e => [getComputedStyle(e).textAlign, getComputedStyle(e).whiteSpace]") \
        == ["left", "normal"]
    # scrolled to its end, the box keeps the row labels in view and drops the edge cue
    left_before = first_cell.bounding_box()["x"]
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; e.dispatchEvent(new Event('scroll')); }")
    page.wait_for_function("document.querySelector('.cwp-table-scroll.cwp-overflows').classList.contains('cwp-at-end')")
    assert abs(first_cell.bounding_box()["x"] - left_before) < 1
    # a caption stays a title above the table, within the visible box
    caption = box.evaluate("""e => { const c = e.querySelector('table').createCaption();
        c.textContent = 'A caption long enough to wrap over more than one line on a phone screen, as captions do';
        e.scrollLeft = 0; const cs = getComputedStyle(c), r = c.getBoundingClientRect(), b = e.getBoundingClientRect();
        return [cs.captionSide, cs.textAlign, r.right <= b.right + 1]; }""")
    assert caption == ["top", "left", True]
    context.close()


def test_screenshots_at_desktop_and_phone_widths(site_url, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = _context(browser, viewport)
        page = context.new_page()
        for name, entry in SHOWN.items():
            page.goto(f"{site_url}/{entry}.html", wait_until="networkidle")
            if name in ("figure", "theory_of_change"):
                page.locator("figure img").first.scroll_into_view_if_needed()
            elif name == "table":
                page.locator(".cwp-table-scroll").first.scroll_into_view_if_needed()
            path = SHOTS / f"{name}-{label}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size > 10_000, path
        context.close()
