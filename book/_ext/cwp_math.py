"""Sphinx extension: math rendered by KaTeX at build time, with nothing fetched by the reader's browser
from elsewhere.

``sphinxcontrib.katex`` with ``katex_prerender`` turns every ``$...$`` and
``$$...$$`` into HTML while the book is built, through a small Node.js
server running the KaTeX of the pinned npm package (``node_modules/katex``,
installed by ``make setup``).  This extension

* points ``sphinxcontrib.katex`` at that KaTeX, so the server and the
  stylesheet are the same version, and never at its CDN default;
* copies KaTeX's stylesheet (rewritten to reference only the WOFF2 fonts,
  which every current browser reads) and those fonts to ``_katex/`` in the
  site through ``html_extra_path`` (``_static`` is not used: Jupyter Book
  loads every stylesheet found there on every page);
* links the stylesheets only on pages that contain math (about 23 KB,
  and the few fonts a formula uses);
* makes the server's start-up robust: sphinxcontrib-katex connects as soon
  as the socket file exists, which can be before Node listens on it
  ("connection refused" on a busy machine).  Here the connection is retried
  until the server accepts it, the process exits (its error is reported) or
  a generous time-out passes.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError

#: The KaTeX version of ``package.json``; the stylesheet and the renderer must match.
KATEX_VERSION = "0.16.22"
#: Folder of the site holding KaTeX's stylesheet and fonts.
SITE_FOLDER = "_katex"
STARTUP_TIMEOUT = 60.0
RENDER_TIMEOUT = 30.0
_OTHER_FORMATS = re.compile(r',url\([^)]*\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def woff2_only(css: str) -> str:
    """KaTeX's stylesheet with its ``@font-face`` rules reduced to the WOFF2 files.

    Examples
    --------
    >>> woff2_only('src:url(fonts/A.woff2) format("woff2"),url(fonts/A.woff) format("woff"),'
    ...            'url(fonts/A.ttf) format("truetype")}')
    'src:url(fonts/A.woff2) format("woff2")}'
    """
    return _OTHER_FORMATS.sub("", css)


def _katex_dist() -> Path:
    from cwp_analysis.pipeline.npm import NpmPackageMissing, npm_package

    try:
        return npm_package("katex", version=KATEX_VERSION) / "dist"
    except NpmPackageMissing as error:
        raise ExtensionError(str(error)) from None


#: Folder, beside the book's configuration, that holds the vendored assets during a build.  A fixed,
#: relative name: an absolute temporary path in ``html_extra_path`` would change Sphinx's configuration
#: hash (``.buildinfo``) from one build to the next, and two clean builds must be byte-identical.
ASSETS_FOLDER = "_cwp_katex_assets"


def _vendor_assets(dist: Path, confdir: Path) -> Path:
    """A folder beside the configuration holding ``_katex/`` (stylesheet, WOFF2 fonts, licence)."""
    root = Path(confdir) / ASSETS_FOLDER
    shutil.rmtree(root, ignore_errors=True)
    target = root / SITE_FOLDER
    (target / "fonts").mkdir(parents=True)
    css = woff2_only((dist / "katex.min.css").read_text(encoding="utf-8"))
    (target / "katex.min.css").write_text(css, encoding="utf-8")
    for font in sorted((dist / "fonts").glob("*.woff2")):
        shutil.copyfile(font, target / "fonts" / font.name)
    licence = dist.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, target / "LICENSE.txt")
    return root


def _robust_start(cls, rundir: Path, timeout: float):
    """Start the KaTeX server on a Unix socket and connect once it listens.

    Replaces ``KaTeXServer.start_server_process``; same arguments and result
    (the process and the connected socket).
    """
    from sphinxcontrib.katex import KaTeXError

    socket_path = rundir / "katex.sock"
    process = subprocess.Popen(cls.build_command(socket=socket_path), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        if process.poll() is not None:
            error = process.stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise KaTeXError(f"the KaTeX server (node) exited with status {process.returncode}: "
                             f"{error[-1] if error else 'no message'}")
        if socket_path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(deadline - time.monotonic(), 0.1))
                sock.connect(str(socket_path))
                sock.settimeout(None)
                return process, sock
            except (ConnectionRefusedError, FileNotFoundError):
                sock.close()  # bound but not yet listening: try again
        if time.monotonic() > deadline:
            process.kill()
            raise KaTeXError(f"the KaTeX server did not accept connections within {timeout:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _config_inited(app, config):
    dist = _katex_dist()
    config.katex_prerender = True
    config.katex_js_path = str(dist / "katex.min.js")
    # A placeholder: the real stylesheet is linked per page from _katex/ (see _page_context).
    config.katex_css_path = "katex.min.css"
    config.html_math_renderer = "katex"
    assets = _vendor_assets(dist, Path(app.confdir))
    app._cwp_katex_assets = assets
    config.html_extra_path = [*config.html_extra_path, ASSETS_FOLDER]

    from sphinxcontrib import katex

    katex.STARTUP_TIMEOUT = STARTUP_TIMEOUT
    katex.RENDER_TIMEOUT = RENDER_TIMEOUT
    katex.KaTeXServer.start_server_process = classmethod(_robust_start)


def page_has_math(doctree) -> bool:
    """Whether a page's doctree holds inline or display math."""
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))


def _page_context(app, pagename, templatename, context, doctree):
    from sphinx.builders.html._assets import _CascadingStyleSheet

    css_files = [c for c in context.get("css_files", [])
                 if not str(getattr(c, "filename", c)).endswith(("katex.min.css", "katex-math.css"))]
    if page_has_math(doctree):
        css_files += [_CascadingStyleSheet(f"{SITE_FOLDER}/katex.min.css", priority=500, rel="stylesheet",
                                           type="text/css"),
                      _CascadingStyleSheet("_static/katex-math.css", priority=500, rel="stylesheet",
                                           type="text/css")]
    context["css_files"] = css_files


def _build_finished(app, exception):
    assets = getattr(app, "_cwp_katex_assets", None)
    if assets is not None:
        shutil.rmtree(assets, ignore_errors=True)


def setup(app):
    app.setup_extension("sphinxcontrib.katex")
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
