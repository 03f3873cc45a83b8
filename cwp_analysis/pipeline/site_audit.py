"""Measure a built site as a reader's browser receives it: page weight and Lighthouse scores.

:func:`serve_site` serves a built site on 127.0.0.1 the way a static host
does (text compressed with gzip when the browser asks for it).
:func:`page_weights` opens pages in Debian's Chromium through Playwright on
a first visit (empty cache) and adds up what the page fetched, raw and as
transferred.  :func:`lighthouse_scores` runs Lighthouse (the npm package
pinned in ``package-lock.json``) against the same server, for the
benchmarks: scores vary a little from run to run, so they are recorded,
not asserted in tests.

Examples
--------
Not run here (they need Chromium and a built site)::

    from cwp_analysis.pipeline.site_audit import page_weights, lighthouse_scores
    page_weights("book/_build/html", ["index.html", "notebooks/06_mental_wellbeing.html"])
    lighthouse_scores("book/_build/html", ["index.html"], form_factor="mobile")

References
----------
.. [1] Lighthouse scoring. https://developer.chrome.com/docs/lighthouse/performance/performance-scoring
.. [2] Playwright for Python, ``Request.sizes()``. https://playwright.dev/python/docs/api/class-request
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.npm import npm_package

__all__ = [
    "CHROMIUM_ARGS",
    "LIGHTHOUSE_VERSION",
    "PageWeight",
    "chromium_path",
    "compressible",
    "lighthouse_scores",
    "page_weights",
    "serve_site",
]

#: Lighthouse version the scores are recorded with (``package.json`` pins it).
LIGHTHOUSE_VERSION = "12.2.3"
#: Flags for headless Debian Chromium on a machine without network access.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")


class SiteAuditError(CwpError):
    """A site could not be measured (no Chromium, Lighthouse failed)."""


def chromium_path() -> str | None:
    """Debian's Chromium (``/usr/bin/chromium``) or another ``chromium`` on PATH, else None."""
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def compressible(content_type: str) -> bool:
    """Whether a static host would gzip a response of this type.

    Examples
    --------
    >>> compressible("text/html"), compressible("application/javascript"), compressible("font/woff2")
    (True, True, False)
    """
    return content_type.startswith(_COMPRESSIBLE)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it and the type compresses."""

    gzip_enabled = True
    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "application/javascript", ".mjs": "application/javascript",
                      ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff",
                      ".json": "application/json", ".ipynb": "application/json"}

    def log_message(self, *args):  # keep test and benchmark output clean
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urllib.parse.urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # redirect to the slash form
            path = path / "index.html"
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        content_type = self.guess_type(str(path))
        if not (self.gzip_enabled and accepts_gzip and path.is_file() and compressible(content_type)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve_site(site: str | os.PathLike, *, compress: bool = True) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (a free port) while the block runs.

    Parameters
    ----------
    site : path-like
        The HTML folder.
    compress : bool
        Gzip text responses for clients that accept it, as a static host does.

    Yields
    ------
    str
        The base URL, e.g. ``http://127.0.0.1:41234``.

    Examples
    --------
    >>> import pathlib, tempfile, urllib.request
    >>> site = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (site / "index.html").write_text("<p>" + "hello " * 200 + "</p>")
    >>> with serve_site(site) as url:
    ...     request = urllib.request.Request(url + "/index.html", headers={"Accept-Encoding": "gzip"})
    ...     with urllib.request.urlopen(request) as response:
    ...         response.headers["Content-Encoding"], len(response.read()) < 200
    ('gzip', True)
    """
    handler = type("SiteHandler", (_Handler,), {"gzip_enabled": compress})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(handler, directory=str(Path(site))))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class PageWeight:
    """What one page fetched on a first visit.

    Attributes
    ----------
    page : str
        Path of the page below the site root.
    raw_bytes : int
        Decoded size of every response (HTML, CSS, JS, fonts, images).
    transfer_bytes : int
        Size of the response bodies as sent (gzip-compressed where served so).
    requests : int
    by_type : dict
        Raw bytes per resource type (``document``, ``stylesheet``, ``script``, ``font``, ``image``...).
    """

    page: str
    raw_bytes: int
    transfer_bytes: int
    requests: int
    by_type: dict


def page_weights(
    site: str | os.PathLike,
    pages: Iterable[str],
    *,
    viewport: tuple[int, int] = (1280, 900),
    browser=None,
    base_url: str | None = None,
) -> list[PageWeight]:
    """Weigh pages on a first visit in headless Chromium.

    Each page is opened in a fresh browser context (empty cache), scrolled
    to the bottom so late images load, and every response is counted.

    Parameters
    ----------
    site : path-like
        The HTML folder (served with :func:`serve_site` unless ``base_url`` is given).
    pages : iterable of str
        Paths below the site root, e.g. ``"notebooks/06_mental_wellbeing.html"``.
    viewport : (int, int)
    browser : playwright Browser, optional
        An open Chromium; default: launch Debian's.
    base_url : str, optional
        A server already serving ``site`` (with gzip).

    Returns
    -------
    list of PageWeight

    Raises
    ------
    SiteAuditError
        When no Chromium is installed.
    """
    with contextlib.ExitStack() as stack:
        if base_url is None:
            base_url = stack.enter_context(serve_site(site))
        if browser is None:
            browser = stack.enter_context(_launched_chromium())
        return [_weigh(browser, base_url, page, viewport) for page in pages]


@contextlib.contextmanager
def _launched_chromium():
    executable = chromium_path()
    if executable is None:
        raise SiteAuditError("no Chromium found: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def _weigh(browser, base_url: str, page_path: str, viewport: tuple[int, int]) -> PageWeight:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    responses = []
    try:
        page = context.new_page()
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(f"{base_url}/{page_path}", wait_until="load")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        raw = transfer = 0
        by_type: dict[str, int] = {}
        for request in responses:
            response = request.response()
            if response is None or request.url.startswith("data:"):
                continue
            body = len(response.body())
            raw += body
            transfer += max(request.sizes()["responseBodySize"], 0)
            by_type[request.resource_type] = by_type.get(request.resource_type, 0) + body
        return PageWeight(page_path, raw, transfer, len(responses), dict(sorted(by_type.items())))
    finally:
        context.close()


def lighthouse_scores(
    site: str | os.PathLike,
    pages: Iterable[str],
    *,
    form_factor: str = "mobile",
    runs: int = 1,
    timeout: float = 300.0,
):
    """Lighthouse category scores (0-100) for pages of a built site.

    The site is served gzip-compressed on 127.0.0.1 and audited by the
    pinned npm ``lighthouse`` with Debian's Chromium, one page at a time.

    Parameters
    ----------
    site : path-like
        The HTML folder.
    pages : iterable of str
        Paths below the site root.
    form_factor : {"mobile", "desktop"}
        Lighthouse's default mobile emulation (throttled) or its desktop preset.
    runs : int
        Audits per page; each score is the median over the runs (the
        performance score varies with the machine's load: Lighthouse
        simulates a slow phone from the CPU time it observes).
    timeout : float
        Seconds allowed per page.

    Returns
    -------
    pandas.DataFrame
        One row per page: ``page``, ``form_factor``, ``performance``,
        ``accessibility``, ``best_practices``, ``seo`` (medians), plus
        ``runs`` and ``lighthouse_version``.

    Raises
    ------
    SiteAuditError
        No Chromium, or Lighthouse failed on a page.
    NpmPackageMissing
        Lighthouse is not installed (``make setup``).
    """
    import pandas as pd

    if form_factor not in ("mobile", "desktop"):
        raise ValueError(f"form_factor must be 'mobile' or 'desktop', got {form_factor!r}")
    executable = chromium_path()
    if executable is None:
        raise SiteAuditError("no Chromium found: install Debian's chromium package")
    cli = npm_package("lighthouse", version=LIGHTHOUSE_VERSION) / "cli" / "index.js"
    if runs < 1:
        raise ValueError(f"runs must be at least 1, got {runs}")
    categories = ("performance", "accessibility", "best-practices", "seo")
    rows = []
    with serve_site(site) as base_url, tempfile.TemporaryDirectory(prefix="cwp-lighthouse-") as work:
        for page in pages:
            scores: dict[str, list[int]] = {key: [] for key in categories}
            version = ""
            for run in range(runs):
                result = _lighthouse_run(cli, executable, f"{base_url}/{page}", Path(work) / f"run{run}",
                                         form_factor=form_factor, timeout=timeout)
                version = result.get("lighthouseVersion", "")
                for key in categories:
                    scores[key].append(round(100 * (result["categories"][key]["score"] or 0)))
            rows.append({"page": page, "form_factor": form_factor,
                         **{key.replace("-", "_"): round(statistics.median(values)) for key, values in scores.items()},
                         "runs": runs, "lighthouse_version": version})
    return pd.DataFrame(rows)


def _lighthouse_run(cli: Path, chromium: str, url: str, work: Path, *, form_factor: str, timeout: float) -> dict:
    """One Lighthouse audit of ``url``; its JSON report."""
    work.mkdir(parents=True, exist_ok=True)
    report = work / "report.json"
    command = [
        "node", str(cli), url, "--output=json", f"--output-path={report}", "--quiet",
        "--only-categories=performance,accessibility,best-practices,seo",
        "--chrome-flags=" + " ".join(("--headless=new", *CHROMIUM_ARGS, f"--user-data-dir={work / 'profile'}")),
        "--no-enable-error-reporting",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env={**os.environ, "CHROME_PATH": chromium}, check=False)
    except subprocess.TimeoutExpired:
        raise SiteAuditError(f"lighthouse took longer than {timeout:.0f} s on {url}") from None
    if done.returncode != 0 or not report.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SiteAuditError(f"lighthouse failed on {url}: {tail[0]}")
    return json.loads(report.read_text(encoding="utf-8"))
