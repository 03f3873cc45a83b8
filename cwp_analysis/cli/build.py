"""``cwp build``: execute every notebook (reusing the cache) and build the book.

Progress goes to stderr; the last line, on stdout, summarises the build::

    built book/_build/html: 12 notebooks (3 executed, 9 cached) in 41.2 s

Exit status: 0 on success, 1 when a notebook fails or the book has a
warning (one line on stderr names the notebook and cell, or the warning),
2 when ``--data``/``--workstar`` names an unusable file (the errors are
listed, one per line, and neither the cache nor the site is touched;
validation warnings are listed and the build goes on unless ``--strict``),
130 when interrupted.  See :mod:`cwp_analysis.pipeline` for what is cached
and why a notebook runs again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cwp_analysis.cli._types import positive_int

COMMAND = "build"
HELP = "Execute the notebooks (cached, in parallel) and build the book in strict mode."


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs", "-j", type=positive_int, metavar="N", help="notebooks executed at once (default: number of cores)"
    )
    parser.add_argument("--force", action="store_true", help="execute every notebook and rebuild the site")
    parser.add_argument(
        "--data", type=Path, metavar="PATH",
        help="survey export to run every notebook on (.csv/.tsv/.txt, .xlsx, .sav, .dta); validated first, "
             "with the policy of `cwp validate`",
    )
    parser.add_argument(
        "--workstar", type=Path, metavar="PATH", help="Work Star file to run every notebook on; validated first"
    )
    parser.add_argument("--encoding", metavar="NAME", help="text encoding of a CSV export (default: detected)")
    parser.add_argument("--sheet", metavar="NAME", help="worksheet of an .xlsx export (default: the first)")
    parser.add_argument(
        "--columns", type=Path, metavar="FILE", help="YAML file mapping the export's column names to codebook ids"
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat validation warnings (half-answered pairs, ...) as errors"
    )
    parser.add_argument("--notebooks", type=Path, metavar="DIR", help="notebook folder (default: notebooks/)")
    parser.add_argument("--book", type=Path, metavar="DIR", help="book sources (default: book/)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="published site (default: <book>/_build/html)")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="execution cache (default: .cwp-cache/)")
    parser.add_argument(
        "--outputs", type=Path, metavar="DIR", help="where the notebooks' output files are gathered (default: build/outputs/)"
    )
    parser.add_argument(
        "--keep-going-notebooks",
        action="store_true",
        help="after a notebook fails, still execute the others (the build still fails)",
    )
    parser.add_argument("--no-book", action="store_true", help="execute the notebooks only; do not build the site")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="time limit per notebook cell")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _project_root(notebooks: Path | None) -> Path:
    """The repository root, or the parent of a notebook folder that lies outside it.

    Reads are recorded under this root, so a project laid out like the
    repository elsewhere (``notebooks/``, ``data/``, ``book/``) is tracked too.
    """
    from cwp_analysis.paths import REPO_ROOT

    if notebooks is None:
        return REPO_ROOT
    folder = notebooks.expanduser().resolve()
    return REPO_ROOT if folder.is_relative_to(REPO_ROOT.resolve()) else folder.parent


def run(args: argparse.Namespace) -> int:
    from cwp_analysis.pipeline import ReadOptions, build

    result = build(
        repo_root=_project_root(args.notebooks),
        notebooks_dir=args.notebooks,
        book_dir=args.book,
        out_dir=args.out,
        cache_dir=args.cache_dir,
        outputs_dir=args.outputs,
        data_path=args.data,
        workstar_path=args.workstar,
        read_options=ReadOptions(encoding=args.encoding, sheet=args.sheet, columns=args.columns, strict=args.strict),
        jobs=args.jobs,
        force=args.force,
        keep_going=args.keep_going_notebooks,
        build_book=not args.no_book,
        timeout=args.timeout,
        progress=not args.no_progress,
    )
    print(result.summary(), flush=True)
    return 0
