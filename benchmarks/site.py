"""Site benchmarks: page weight and first contentful paint of the built book (issue 6).

Pages
    Every page of the table of contents (``_toc.yml``: the root and each
    chapter), as ``<entry>.html`` in the built site.

Page weight
    The bytes of the page's HTML plus every local file the HTML itself
    references -- images (``img src``, ``srcset``), style sheets and other
    ``link`` targets that a browser fetches (``stylesheet``, ``preload``,
    ``modulepreload``, ``icon``), and scripts (``script src``) -- each file
    counted once.  This is the weight the target of at most 1.5 MB applies
    to.  Two further figures are recorded: the *upper bound* adding every
    file the referenced style sheets reach through ``url(...)`` and
    ``@import`` (web fonts a page may never use), and the bytes the browser
    actually fetched while loading the page (from the Resource Timing
    entries' ``encodedBodySize``; the server sends files uncompressed).
    The *gzip weight* is the same set of files each compressed with gzip
    at level 6, what a server that compresses responses (as GitHub Pages
    does) would send.

First contentful paint
    The site is served by ``python -m http.server`` bound to 127.0.0.1 on a
    free port; headless Chromium (Debian's ``/usr/bin/chromium``, driven by
    Playwright's sync API, background networking off) opens each page in a
    fresh browser context (empty cache: a cold load) ``runs`` times, waits
    for the ``load`` event and reads
    ``performance.getEntriesByName('first-contentful-paint')``.  Any request
    to a host other than the local server is aborted and counted, so the
    measurement never leaves the loopback interface (and shows whether a
    page depends on remote assets).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: ``link rel`` values whose target the browser fetches while loading the page.
FETCHED_LINK_RELS = frozenset({"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon"})
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


# -- pages ---------------------------------------------------------------------------


def toc_pages(book_dir: Path) -> list[str]:
    """Site paths (``notebooks/03_engagement.html``) of the table-of-contents pages, in order."""
    toc = yaml.safe_load((Path(book_dir) / "_toc.yml").read_text(encoding="utf-8"))
    entries = [toc["root"]]
    for part in toc.get("parts", []) or []:
        entries += [c["file"] for c in part.get("chapters", []) or []]
    entries += [c["file"] for c in toc.get("chapters", []) or []]
    return [f"{entry}.html" for entry in entries]


class _References(HTMLParser):
    """Collect the URLs a page makes the browser fetch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            if attributes.get("src"):
                self.urls.append(attributes["src"])
            for candidate in (attributes.get("srcset") or "").split(","):
                if candidate.strip():
                    self.urls.append(candidate.split()[0])
        elif tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "link" and attributes.get("href"):
            rels = set((attributes.get("rel") or "").lower().split())
            if rels & FETCHED_LINK_RELS:
                self.urls.append(attributes["href"])


def referenced_urls(html: str) -> list[str]:
    """URLs of images, scripts and fetched ``link`` targets in an HTML page, in order of appearance.

    Examples
    --------
    >>> referenced_urls('<link rel="stylesheet" href="a.css"><link rel="next" href="b.html">'
    ...                 '<img src="x.png" alt="x"><script src="s.js?v=1"></script>')
    ['a.css', 'x.png', 's.js?v=1']
    """
    parser = _References()
    parser.feed(html)
    return parser.urls


def local_file(site: Path, page: Path, url: str) -> Path | None:
    """The site file a URL in ``page`` names, or None for remote, data and missing targets."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("data:"):
        return None
    if not parts.path:
        return None
    path = (site / parts.path.lstrip("/")) if parts.path.startswith("/") else (page.parent / unquote(parts.path))
    path = path.resolve()
    return path if path.is_file() and path.is_relative_to(site.resolve()) else None


def css_closure(site: Path, stylesheet: Path, seen: set[Path]) -> set[Path]:
    """Every local file a style sheet reaches through ``url(...)`` and ``@import``, recursively."""
    found: set[Path] = set()
    text = stylesheet.read_text(encoding="utf-8", errors="replace")
    for match in _CSS_URL.finditer(text):
        url = match.group(2) or match.group(4)
        target = local_file(site, stylesheet, url.strip())
        if target is None or target in seen:
            continue
        seen.add(target)
        found.add(target)
        if target.suffix == ".css":
            found |= css_closure(site, target, seen)
    return found


@functools.lru_cache(maxsize=None)
def gzip_size(path: Path) -> int:
    """Bytes of a file compressed with gzip at level 6 (deterministic: no name, time 0)."""
    return len(gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0))


def page_weight(site: Path, page: str) -> dict:
    """Weight of one page: its HTML, the files it references, and the style-sheet upper bound.

    Returns
    -------
    dict
        ``page``, ``html_bytes``, ``referenced_bytes`` (the referenced
        files), ``weight_bytes`` (HTML + referenced), ``gzip_weight_bytes``
        (the same files gzip-compressed), ``upper_bound_bytes``
        (adding what the style sheets reach), ``images`` (number and bytes),
        ``missing`` (local references with no file), ``remote`` (references
        to other hosts).
    """
    site = Path(site)
    path = site / page
    html = path.read_text(encoding="utf-8")
    files: dict[Path, int] = {}
    missing, remote = [], []
    image_bytes, images = 0, 0
    parser = _References()
    parser.feed(html)
    for url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") or parts.netloc:
            remote.append(url)
            continue
        target = local_file(site, path, url)
        if target is None:
            if not url.startswith("data:"):
                missing.append(url)
            continue
        if target not in files:
            files[target] = target.stat().st_size
            if target.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"):
                images += 1
                image_bytes += files[target]
    seen = set(files)
    extra: set[Path] = set()
    for target in list(files):
        if target.suffix == ".css":
            extra |= css_closure(site, target, seen)
    html_bytes = path.stat().st_size
    referenced = sum(files.values())
    return {
        "page": page,
        "html_bytes": html_bytes,
        "referenced_bytes": referenced,
        "weight_bytes": html_bytes + referenced,
        "gzip_weight_bytes": gzip_size(path.resolve()) + sum(gzip_size(p) for p in files),
        "upper_bound_bytes": html_bytes + referenced + sum(p.stat().st_size for p in extra),
        "files": len(files),
        "stylesheet_bytes": sum(size for p, size in files.items() if p.suffix == ".css"),
        "referenced_files": sorted(p.relative_to(site.resolve()).as_posix() for p in files),
        "largest_files": [
            {"file": p.relative_to(site.resolve()).as_posix(), "bytes": size}
            for p, size in sorted(files.items(), key=lambda item: -item[1])[:3]
        ],
        "images": images,
        "image_bytes": image_bytes,
        "missing": missing,
        "remote": remote,
    }


# -- serving and the browser ------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(site: Path, *, attempts: int = 100) -> Iterator[str]:
    """Serve ``site`` with ``python -m http.server`` on 127.0.0.1; yield the base URL.

    Waits (at most ``attempts`` x 0.1 s) until the server answers, and stops
    it afterwards.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(attempts):
            if process.poll() is not None:
                raise RuntimeError(f"http.server exited with status {process.returncode}")
            try:
                with urllib.request.urlopen(base, timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        else:
            raise RuntimeError(f"http.server did not answer on {base}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_TIMING_SCRIPT = """() => {
  const fcp = performance.getEntriesByName('first-contentful-paint');
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    fcp: fcp.length ? fcp[0].startTime : null,
    load: nav ? nav.loadEventEnd : null,
    domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
    bytes: (nav ? nav.encodedBodySize : 0) + resources.reduce((s, r) => s + (r.encodedBodySize || 0), 0),
    requests: 1 + resources.length,
  };
}"""


def browser_timings(base: str, pages: list[str], *, runs: int, timeout_ms: int = 15000,
                    progress: Progress = _quiet) -> list[dict]:
    """Load each page ``runs`` times cold in headless Chromium; return per-page timings.

    Returns
    -------
    list of dict
        One per page: ``page``, ``fcp_ms`` (list), ``fcp_median_ms``,
        ``load_median_ms``, ``fetched_bytes`` (median over runs),
        ``requests``, ``blocked_requests`` (non-local requests aborted),
        ``console_errors``.
    """
    from playwright.sync_api import sync_playwright

    host = urlsplit(base).netloc
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            version = browser.version
            for page_path in pages:
                fcps, loads, fetched, requests = [], [], [], []
                blocked: list[str] = []
                errors: list[str] = []
                for _ in range(runs):
                    context = browser.new_context(viewport={"width": 1280, "height": 800})

                    def route(request_route, blocked=blocked):
                        if urlsplit(request_route.request.url).netloc == host:
                            request_route.continue_()
                        else:
                            blocked.append(request_route.request.url)
                            request_route.abort()

                    context.route("**/*", route)
                    page = context.new_page()
                    page.on("console", lambda message, errors=errors: errors.append(message.text)
                            if message.type == "error" else None)
                    try:
                        page.goto(urljoin(base, page_path), wait_until="load", timeout=timeout_ms)
                        page.wait_for_function(
                            "performance.getEntriesByName('first-contentful-paint').length > 0",
                            timeout=timeout_ms,
                        )
                        timing = page.evaluate(_TIMING_SCRIPT)
                    finally:
                        context.close()
                    fcps.append(float(timing["fcp"]))
                    loads.append(float(timing["load"]))
                    fetched.append(int(timing["bytes"]))
                    requests.append(int(timing["requests"]))
                record = {
                    "page": page_path,
                    "fcp_ms": [round(v, 1) for v in fcps],
                    "fcp_median_ms": round(statistics.median(fcps), 1),
                    "load_median_ms": round(statistics.median(loads), 1),
                    "fetched_bytes": int(statistics.median(fetched)),
                    "requests": int(statistics.median(requests)),
                    "blocked_requests": sorted(set(blocked)),
                    "console_errors": sorted(set(errors)),
                }
                results.append(record)
                progress(f"site: {page_path}: first contentful paint {record['fcp_median_ms']:.0f} ms "
                         f"(median of {runs}), fetched {record['fetched_bytes'] / 1024:.0f} KiB")
        finally:
            browser.close()
    for record in results:
        record["chromium"] = version
    return results


def run(site: Path, book_dir: Path, *, runs: int = 5, progress: Progress = _quiet) -> dict:
    """Weigh and time every table-of-contents page of a built site.

    Returns
    -------
    dict
        ``pages`` (one record per page: weight and browser timings),
        ``chromium`` (version), ``runs``, the files every page references
        (``shared_files``, ``shared_bytes``, ``largest_shared_files``), and
        the largest page weight and median first contentful paint over pages.
    """
    site = Path(site)
    pages = [p for p in toc_pages(book_dir) if (site / p).is_file()]
    weights = {p: page_weight(site, p) for p in pages}
    with serve(site) as base:
        timings = browser_timings(base, pages, runs=runs, progress=progress)
    records = []
    for timing in timings:
        record = {**weights[timing["page"]], **{k: v for k, v in timing.items() if k != "chromium"}}
        records.append(record)
    shared = set.intersection(*(set(r["referenced_files"]) for r in records)) if records else set()
    shared_sizes = {name: (site / name).stat().st_size for name in shared}
    heaviest = max(records, key=lambda r: r["weight_bytes"])
    slowest = max(records, key=lambda r: r["fcp_median_ms"])
    return {
        "pages": records,
        "runs": runs,
        "chromium": timings[0]["chromium"] if timings else "",
        "server": "python -m http.server on 127.0.0.1 (no compression, no cache)",
        "shared_files": len(shared),
        "shared_bytes": sum(shared_sizes.values()),
        "largest_shared_files": [{"file": name, "bytes": size}
                                 for name, size in sorted(shared_sizes.items(), key=lambda item: -item[1])[:3]],
        "max_weight_bytes": heaviest["weight_bytes"],
        "max_weight_page": heaviest["page"],
        "max_fcp_ms": slowest["fcp_median_ms"],
        "max_fcp_page": slowest["page"],
    }
