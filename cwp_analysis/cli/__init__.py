"""The ``cwp`` command-line interface.

Each subcommand lives in its own module in this package and defines

* ``COMMAND`` -- the subcommand name,
* ``HELP`` -- a one-line description,
* ``configure(parser)`` -- adds its arguments to an :mod:`argparse` parser,
* ``run(args) -> int`` -- does the work and returns the exit status.

Modules are discovered automatically, so adding a command never means
editing this file.  Errors a user can cause (:class:`~cwp_analysis.errors.CwpError`)
are printed as one line on stderr, with a non-zero exit status; set
``CWP_DEBUG=1`` to see the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from cwp_analysis import __version__
from cwp_analysis.errors import CwpError, SurveyValidationError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "COMMAND") and hasattr(module, "run"):
            yield module


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every discovered subcommand."""
    parser = argparse.ArgumentParser(
        prog="cwp",
        description="Reproducible analysis of the Coventry Women's Project Partnership evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"cwp-analysis {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.configure(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except SurveyValidationError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return exc.exit_code
    except CwpError as exc:
        print(f"cwp {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"cwp {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("CWP_DEBUG"):
            raise
        print(
            f"cwp {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(set CWP_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
