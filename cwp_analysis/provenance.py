"""Where a data file came from: its name, content hash and kind, beside the file.

``cwp build --data FILE`` reads the researcher's export once (any supported
format, encoding, sheet or column mapping), validates it, and writes the
codes the notebooks read to a plain UTF-8 CSV in its cache.  The notebooks
then see only that converted copy, so the name and hash printed on the site
must be the original's: they travel in a *provenance sidecar*, a small JSON
file next to the converted copy (``<file>.provenance.json``).

A notebook run by hand on an export (Papermill or JupyterLab) has no
sidecar; :func:`read_provenance` then describes the file itself.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> copy = folder / "survey.csv"
>>> _ = copy.write_text("respondent_id\\nA\\n", encoding="utf-8")
>>> read_provenance(copy).name
'survey.csv'
>>> _ = write_provenance(copy, Provenance("export.sav", "ab" * 32, "survey", False))
>>> read_provenance(copy).label
'export.sav (sha256 ababababab)'
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cwp_analysis.readers import file_sha256

__all__ = ["Provenance", "SIDECAR_SUFFIX", "is_synthetic_name", "read_provenance", "sidecar_path",
           "write_provenance"]

#: Suffix added to a data file's name to find its provenance sidecar.
SIDECAR_SUFFIX = ".provenance.json"
_HASH_SHOWN = 10


@dataclass(frozen=True)
class Provenance:
    """The original of a data file.

    Attributes
    ----------
    name : str
        File name of the original (no folder: a path may name a person).
    sha256 : str
        SHA-256 of the original's bytes, in hex.
    kind : {"survey", "workstar"}
    synthetic : bool
        True for the project's synthetic files (their names carry ``SYNTHETIC``).
    """

    name: str
    sha256: str
    kind: str = "survey"
    synthetic: bool = False

    @property
    def label(self) -> str:
        """``"<name> (sha256 <first 10 hex digits>)"``, for captions and banners."""
        return f"{self.name} (sha256 {self.sha256[:_HASH_SHOWN]})"


def is_synthetic_name(name: str | os.PathLike) -> bool:
    """True when a file name marks one of the project's synthetic files.

    >>> is_synthetic_name("data/synthetic/survey_SYNTHETIC.csv"), is_synthetic_name("survey.sav")
    (True, False)
    """
    return "SYNTHETIC" in Path(name).name


def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the provenance of ``path`` is kept."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def write_provenance(path: str | os.PathLike, provenance: Provenance) -> Path:
    """Write the sidecar of ``path``; returns the sidecar's path."""
    target = sidecar_path(path)
    target.write_text(json.dumps(asdict(provenance), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def read_provenance(path: str | os.PathLike, kind: str = "survey") -> Provenance:
    """The provenance of a data file: its sidecar if there is one, else the file itself.

    Parameters
    ----------
    path : path-like
        A data file the notebooks read.
    kind : {"survey", "workstar"}
        Used when there is no sidecar.

    Returns
    -------
    Provenance
        With ``sha256`` empty when the file does not exist.

    Raises
    ------
    ValueError
        When a sidecar exists but is not a provenance record.
    """
    path = Path(path)
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        try:
            raw = json.loads(sidecar.read_text(encoding="utf-8"))
            return Provenance(name=str(raw["name"]), sha256=str(raw["sha256"]), kind=str(raw["kind"]),
                              synthetic=bool(raw["synthetic"]))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{sidecar}: not a provenance record ({error})") from None
    digest = file_sha256(path) if path.is_file() else ""
    return Provenance(name=path.name, sha256=digest, kind=kind, synthetic=is_synthetic_name(path))
