"""Reading a researcher's survey export once, for every notebook of a build.

``cwp build --data FILE`` accepts whatever :func:`cwp_analysis.survey_io.read_survey`
reads (CSV in several encodings and delimiters, ``.xlsx``, SPSS ``.sav``,
Stata ``.dta``, a column mapping, answer labels instead of codes).  Rather
than have fourteen notebooks repeat that work, and repeat the options,
:func:`prepare_input` reads and validates the file once, with the same
policy as ``cwp validate`` (errors stop the build; warnings are listed and
the build goes on, unless ``strict``), and writes the typed codes to a plain
UTF-8 CSV in the build cache, readable only by its owner.  The notebooks
are given that copy.  Its provenance sidecar (:mod:`cwp_analysis.provenance`)
carries the original's name and SHA-256, which the pages print.

The copy lives in the git-ignored cache (``.cwp-cache/inputs/``) and is
named after the original's hash, so a changed export gives a new copy and
re-executes the notebooks, and an unchanged one is reused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cwp_analysis.pipeline.cache import atomic_write_text
from cwp_analysis.provenance import Provenance, is_synthetic_name, write_provenance

__all__ = ["PreparedInput", "ReadOptions", "prepare_input"]


@dataclass(frozen=True)
class ReadOptions:
    """How to read an export (the ``cwp validate`` / ``cwp build`` options).

    Attributes
    ----------
    encoding : str, optional
        Text encoding of a CSV file (detected when None).
    sheet : str, optional
        Worksheet of an ``.xlsx`` file (the preferred or first sheet when None).
    columns : path-like, optional
        YAML file mapping the export's column names to codebook ids.
    strict : bool
        Treat validation warnings as errors.
    """

    encoding: str | None = None
    sheet: str | None = None
    columns: str | os.PathLike | None = None
    strict: bool = False

    def as_kwargs(self) -> dict:
        """The options that differ from the defaults, as keyword arguments of the readers."""
        given = {"encoding": self.encoding, "sheet": self.sheet, "columns": self.columns}
        kwargs = {name: value for name, value in given.items() if value is not None}
        if self.strict:
            kwargs["strict"] = True
        return kwargs


@dataclass(frozen=True)
class PreparedInput:
    """A validated export and the copy the notebooks read.

    Attributes
    ----------
    source : pathlib.Path
        The file the researcher gave.
    path : pathlib.Path
        The UTF-8 CSV of codes the notebooks read.
    provenance : Provenance
        Name, hash and kind of the original.
    n_rows : int
        Respondents (or Work Star participants).
    warnings : tuple of str
        Validation warnings (one line each; empty under ``strict``, which
        turns them into errors).
    ids : tuple of str
        The file's identifiers, for the disclosure scan of the built site.
    """

    source: Path
    path: Path
    provenance: Provenance
    n_rows: int
    warnings: tuple[str, ...]
    ids: tuple[str, ...]


def _loader(kind: str) -> Callable:
    from cwp_analysis import survey_io  # loads the codebook stack: only when a file is given

    return {"survey": survey_io.load_survey, "workstar": survey_io.load_workstar}[kind]


def prepare_input(
    path: str | os.PathLike,
    *,
    kind: str,
    inputs_dir: str | os.PathLike,
    options: ReadOptions = ReadOptions(),
) -> PreparedInput:
    """Read and validate an export, and write the copy the notebooks read.

    Parameters
    ----------
    path : path-like
        The survey or Work Star export.
    kind : {"survey", "workstar"}
    inputs_dir : path-like
        Folder for the converted copy (created, private to the owner).
    options : ReadOptions

    Returns
    -------
    PreparedInput

    Raises
    ------
    SurveyValidationError
        When the file cannot be used (exit status 2); nothing is written.
    """
    source = Path(path).expanduser().resolve()
    loaded = _loader(kind)(source, **options.as_kwargs())
    frame, digest = loaded.frame, loaded.sha256
    folder = Path(inputs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in source.stem)[:60]
    target = folder / f"{kind}-{stem}-{digest[:16]}.csv"
    provenance = Provenance(name=source.name, sha256=digest, kind=kind, synthetic=is_synthetic_name(source))
    if not target.is_file():
        atomic_write_text(target, frame.to_csv(index=False, lineterminator="\n"))
    os.chmod(target, 0o600)
    write_provenance(target, provenance)
    id_column = frame.columns[0]
    return PreparedInput(
        source=source,
        path=target,
        provenance=provenance,
        n_rows=len(frame),
        warnings=tuple(loaded.report.warnings),
        ids=tuple(str(value) for value in frame[id_column].dropna()),
    )
