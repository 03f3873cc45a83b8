"""The whole book as one PDF: a single-page HTML build printed by Chromium.

:func:`build_pdf` builds a staged book (see
:func:`cwp_analysis.pipeline.site.stage_book`) with Jupyter Book's
``singlehtml`` builder in strict mode, the same extensions and styles as
the site, and prints that page with Debian's Chromium through Playwright:
A4, page numbers in the footer ("3 / 120"), figures and the pre-rendered
math included, each chapter starting on a new page (the book's print
styles in ``book/_static/cwp.css`` hide the navigation, code toggles and
scroll cues).  Nothing is fetched from outside: the page is served on
127.0.0.1 while it prints.

``cwp build`` publishes the file as ``PDF_NAME`` at the site root and sets
:data:`PDF_ENV` (see :func:`pdf_link_env`) for the HTML build, so the
landing page links it.

Examples
--------
Not run here (it needs Chromium and a staged book)::

    from cwp_analysis.pipeline.pdf import PDF_NAME, build_pdf
    build_pdf(stage, site / PDF_NAME, output_dir=work / "out", log_path=cache / "pdf.log")

References
----------
.. [1] Sphinx ``singlehtml`` builder. https://www.sphinx-doc.org/en/master/usage/builders/index.html
.. [2] Playwright ``Page.pdf``. https://playwright.dev/python/docs/api/class-page#page-pdf
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.site import jupyter_book_command
from cwp_analysis.pipeline.site_audit import CHROMIUM_ARGS, chromium_path, serve_site

__all__ = ["PDF_ENV", "PDF_NAME", "PdfBuildFailed", "build_pdf", "pdf_link_env", "singlehtml_command"]

#: File name of the whole-book PDF at the site root.
PDF_NAME = "cwp-analysis.pdf"
#: Environment variable telling the book's ``cwp_reader`` extension to link the PDF.
PDF_ENV = "CWP_BOOK_PDF"
#: Footer printed on every page: "page / pages".
FOOTER = ('<div style="width:100%;font-size:8px;color:#444;text-align:center;font-family:sans-serif">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
#: The single page, copied to the root of the single-page build, that Chromium prints.
PRINT_PAGE = "cwp-print.html"
MARGINS = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}


class PdfBuildFailed(CwpError):
    """The single-page build or the printing of the book's PDF failed."""

    exit_code = 1


def pdf_link_env(name: str = PDF_NAME) -> dict[str, str]:
    """Environment for the HTML build so the landing page links the PDF.

    Examples
    --------
    >>> pdf_link_env()
    {'CWP_BOOK_PDF': 'cwp-analysis.pdf'}
    """
    return {PDF_ENV: name}


def singlehtml_command(stage: Path, output: Path) -> list[str]:
    """The strict-mode Jupyter Book command building ``stage`` as one HTML page.

    Examples
    --------
    >>> command = singlehtml_command(Path("stage"), Path("out"))
    >>> command[command.index("--builder") + 1], "--warningiserror" in command
    ('singlehtml', True)
    """
    command = jupyter_book_command(stage, output)
    command[command.index("--builder") + 1] = "singlehtml"
    return command


def _root_document(stage: Path) -> str:
    """The book's first page (``root`` of ``_toc.yml``), e.g. ``notebooks/00_overview``."""
    import yaml

    toc = yaml.safe_load((stage / "_toc.yml").read_text(encoding="utf-8")) or {}
    root = toc.get("root")
    if not root:
        raise PdfBuildFailed(f"{stage / '_toc.yml'} names no root document")
    return str(root).removesuffix(".ipynb").removesuffix(".md")


def _singlehtml(stage: Path, output: Path, log_path: Path, timeout: float) -> Path:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop(PDF_ENV, None)
    try:
        done = subprocess.run(singlehtml_command(stage, output), cwd=stage, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                              errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PdfBuildFailed(f"the single-page build for the PDF took longer than {timeout:.0f} s") from None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(done.stdout, encoding="utf-8")
    folder = output / "_build" / "singlehtml"
    page = folder / f"{_root_document(stage)}.html"
    problems = [line.strip() for line in done.stdout.splitlines() if "WARNING" in line or "ERROR" in line]
    if done.returncode != 0 or problems or not page.is_file():
        head = problems[0] if problems else f"jupyter-book exited with status {done.returncode}"
        raise PdfBuildFailed(f"the single-page build for the PDF failed: {head}; full log: {log_path}")
    # Sphinx writes the single page where the root document lives (notebooks/...), but every
    # address in it is relative to the site root: print a copy placed at the root.
    printable = folder / PRINT_PAGE
    printable.write_bytes(page.read_bytes())
    return printable


def _print(printable: Path, out_pdf: Path, timeout: float) -> None:
    executable = chromium_path()
    if executable is None:
        raise PdfBuildFailed("no Chromium to print the PDF with: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with serve_site(printable.parent) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            page.set_default_timeout(timeout * 1000)
            page.emulate_media(media="print")
            page.goto(f"{base_url}/{printable.name}", wait_until="networkidle")
            page.evaluate("document.fonts.ready")
            unloaded = page.eval_on_selector_all(
                "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src)")
            if unloaded:
                raise PdfBuildFailed(f"{len(unloaded)} images did not load for the PDF, e.g. {unloaded[0]}")
            page.pdf(path=str(out_pdf), format="A4", print_background=True, display_header_footer=True,
                     header_template="<span></span>", footer_template=FOOTER, margin=MARGINS,
                     outline=True, tagged=True)
        finally:
            browser.close()


def build_pdf(
    stage: str | os.PathLike,
    out_pdf: str | os.PathLike,
    *,
    output_dir: str | os.PathLike | None = None,
    log_path: str | os.PathLike | None = None,
    timeout: float = 900.0,
) -> Path:
    """Print a staged book as one A4 PDF with page numbers.

    Parameters
    ----------
    stage : path-like
        A staged book (sources, ``_config.yml`` and executed notebooks), as
        :func:`~cwp_analysis.pipeline.site.stage_book` writes it.
    out_pdf : path-like
        The PDF to write; replaced only once the new one is complete.
    output_dir : path-like, optional
        Jupyter Book's ``--path-output``.  Passing the folder of the HTML
        build of the same stage reuses its parsed documents (faster); by
        default a temporary folder.
    log_path : path-like, optional
        Where the single-page build's log goes (default: beside ``out_pdf``
        as ``<name>.log`` in the temporary folder, removed afterwards).
    timeout : float
        Seconds allowed for the build and, separately, for printing.

    Returns
    -------
    pathlib.Path
        ``out_pdf``.

    Raises
    ------
    PdfBuildFailed
        A warning or error in the single-page build (strict mode), an image
        that did not load, or no Chromium.
    """
    stage, out_pdf = Path(stage), Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cwp-pdf-") as scratch:
        output = Path(output_dir) if output_dir is not None else Path(scratch) / "out"
        log = Path(log_path) if log_path is not None else Path(scratch) / "singlehtml.log"
        printable = _singlehtml(stage, output, log, timeout)
        partial = out_pdf.with_name(f".{out_pdf.name}.partial")
        try:
            _print(printable, partial, timeout)
            os.replace(partial, out_pdf)
        finally:
            partial.unlink(missing_ok=True)
    return out_pdf
