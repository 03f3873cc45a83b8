"""``cwp synth``: write (or check) the SYNTHETIC survey and Work Star files.

``cwp synth --seed N --out DIR`` generates both files with
:func:`cwp_analysis.synth.write_synthetic` and prints one progress line per
file on stderr.  With ``--check`` nothing is written: the files already in
``DIR`` are compared byte for byte with what the seed generates, and any
difference is an error (exit 1).  The default ``DIR`` is the project's
``data/synthetic``, so ``cwp synth --check`` verifies the committed files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cwp_analysis import synth
from cwp_analysis.errors import CwpError
from cwp_analysis.paths import data_file

COMMAND = "synth"
HELP = "Write the SYNTHETIC survey and Work Star files calibrated to the report (or --check them)."


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {value}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=_seed,
        default=synth.DEFAULT_SEED,
        metavar="N",
        help=f"seed of the random generator (default {synth.DEFAULT_SEED}, the committed files)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder to write into, created if missing (default: the project's data/synthetic)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 unless the files in DIR are byte-identical to what the seed generates",
    )


def _first_difference(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.split(b"\n"), new.split(b"\n")
    for number, (a, b) in enumerate(zip(old_lines, new_lines), start=1):
        if a != b:
            return f"first difference on line {number}"
    return f"{len(old_lines) - 1} lines in the file, {len(new_lines) - 1} generated"


def _check(out: Path, seed: int) -> int:
    expected = synth.synthetic_file_bytes(seed)
    problems = []
    for name, payload in expected.items():
        path = out / name
        if not path.is_file():
            problems.append(f"{path} is missing")
            continue
        current = path.read_bytes()
        if current != payload:
            problems.append(f"{path} differs from what seed {seed} generates ({_first_difference(current, payload)})")
        else:
            print(f"ok: {path} matches seed {seed}", file=sys.stderr)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CwpError(f"{problems[0]}{more}; regenerate with: cwp synth --seed {seed} --out {out}")
    return 0


def run(args: argparse.Namespace) -> int:
    out = args.out if args.out is not None else data_file("synthetic")
    if out.exists() and not out.is_dir():
        raise CwpError(f"--out {out} is not a folder")
    if args.check:
        return _check(out, args.seed)

    def progress(path: Path, rows: int) -> None:
        print(f"wrote {path} ({rows} rows, SYNTHETIC, seed {args.seed})", file=sys.stderr)

    try:
        synth.write_synthetic(out, args.seed, progress=progress)
    except OSError as exc:
        raise CwpError(f"cannot write to {out}: {exc.strerror or exc}") from None
    return 0
