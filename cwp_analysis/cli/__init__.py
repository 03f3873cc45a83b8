"""The ``cwp`` command-line interface.

Each subcommand lives in its own module in this package and defines

* ``COMMAND`` -- the subcommand name,
* ``HELP`` -- a one-line description,
* ``configure(parser)`` -- adds its arguments to an :mod:`argparse` parser,
* ``run(args) -> int`` -- does the work and returns the exit status.

Modules are discovered automatically, so adding a command never means
editing this file.  A module is named after its command (``cwp validate``
lives in ``validate.py``): when the command is known from the arguments only
that module is imported, so a command does not pay for the imports of all
the others.  Errors a user can cause (:class:`~cwp_analysis.errors.CwpError`)
are printed as one line on stderr, with a non-zero exit status; set
``CWP_DEBUG=1`` to see the traceback of an unexpected error.

Output is safe by default: a command that prints counts of people prints
them disclosure-controlled, unless it is given ``--raw``
(:func:`add_raw_option`), which prints :data:`RAW_WARNING` on stderr.
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


#: The line a command prints on stderr when ``--raw`` switches disclosure control off.
RAW_WARNING = "not disclosure-controlled: do not publish"


def add_raw_option(parser: argparse.ArgumentParser, what: str = "counts") -> None:
    """Add ``--raw`` (and ``--threshold``) to a command that prints counts of people.

    Without ``--raw`` the command prints disclosure-controlled results with
    counts of ``--threshold`` or fewer withheld; with it, the raw results
    and the warning :data:`RAW_WARNING` on stderr (:func:`warn_if_raw`).
    """
    from cwp_analysis.cli._types import positive_int
    from cwp_analysis.disclosure import DEFAULT_THRESHOLD

    parser.add_argument("--raw", action="store_true",
                        help=f"print the raw {what}, without disclosure control (prints a warning: not for "
                             "publication)")
    parser.add_argument("--threshold", type=positive_int, default=DEFAULT_THRESHOLD, metavar="N",
                        help=f"withhold counts from 1 to N and what would reveal them (default {DEFAULT_THRESHOLD})")


def warn_if_raw(args: argparse.Namespace, command: str) -> bool:
    """Print :data:`RAW_WARNING` on stderr when ``args.raw``; return ``args.raw``."""
    raw = bool(getattr(args, "raw", False))
    if raw:
        print(f"cwp {command}: {RAW_WARNING}", file=sys.stderr)
    return raw


def command_names() -> list[str]:
    """Names of the available subcommands (one module per command)."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def _command_modules(only: str | None = None):
    for name in command_names():
        if only is not None and name != only:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        if getattr(module, "COMMAND", None) != name or not hasattr(module, "run"):
            raise RuntimeError(f"{module.__name__} must define COMMAND = {name!r} and run(args)")
        yield module


def _requested_command(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in command_names() else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand, or only with ``only``."""
    parser = argparse.ArgumentParser(
        prog="cwp",
        description="Reproducible analysis of the Coventry Women's Project Partnership evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"cwp-analysis {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules(only):
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.configure(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the process exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_requested_command(argv))
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
