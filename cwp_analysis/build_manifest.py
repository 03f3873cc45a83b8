"""The build manifest: which survey a built site was made from, for the disclosure scan.

``cwp build`` writes a small JSON file beside the site it publishes (never
inside it: it names private files).  ``cwp scan`` reads it to know whose
identifiers and answers must not appear in the site, without being told.

Where
-----
:func:`manifest_path`: ``<site>/../build-manifest.json``, i.e.
``book/_build/build-manifest.json`` for the default site
``book/_build/html``, and ``/tmp/x/build-manifest.json`` for
``cwp build --out /tmp/x/site``.

Format (:data:`MANIFEST_FORMAT`)
--------------------------------
A JSON object:

``format`` : str
    ``"cwp-build-manifest/1"``.
``site`` : str
    The site folder it describes (absolute).  A manifest whose ``site`` is
    another folder is not used for this one.
``data_path`` : str
    The survey file every notebook read (absolute, or relative to the
    manifest's folder).
``data_sha256`` : str
    SHA-256 of that file's bytes when the site was built; the scan refuses
    a file that has changed since (its identifiers may not be the ones
    published).
``workstar_path``, ``workstar_sha256`` : str or null
    The same for the Work Star file.
``id_column`` : str
    The survey's identifier column (``respondent_id``).
``workstar_id_column`` : str or null
    The Work Star file's identifier column.
``synthetic`` : bool
    Whether the survey is the project's synthetic data set.
``threshold`` : int
    The notebooks' ``suppression_threshold``.
``outputs`` : str or null
    The folder of the notebooks' output files (``cwp build --outputs``).

Examples
--------
>>> import json, pathlib, tempfile
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> survey = root / "survey.csv"
>>> _ = survey.write_text("respondent_id,q1\\nP0001,1\\n", encoding="utf-8")
>>> manifest = make_build_manifest(site=root / "site", data_path=survey, id_column="respondent_id",
...                                synthetic=False, threshold=7)
>>> path = write_build_manifest(manifest_path(root / "site"), manifest)
>>> paths, id_columns = manifest_surveys(read_build_manifest(path))
>>> path.name, [p.name for p in paths], id_columns
('build-manifest.json', ['survey.csv'], ('respondent_id',))
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from cwp_analysis.errors import CwpError

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "ManifestError",
    "file_sha256",
    "make_build_manifest",
    "manifest_path",
    "manifest_surveys",
    "read_build_manifest",
    "write_build_manifest",
]

#: File name of the manifest, beside the site folder.
MANIFEST_NAME = "build-manifest.json"
#: Value of the manifest's ``format`` key.
MANIFEST_FORMAT = "cwp-build-manifest/1"
_REQUIRED = {"data_path": str, "data_sha256": str, "id_column": str, "synthetic": bool}
_OPTIONAL = {"format": str, "site": str, "workstar_path": str, "workstar_sha256": str, "workstar_id_column": str,
             "threshold": int, "outputs": str}
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ManifestError(CwpError):
    """A build manifest is missing, malformed, or names a file that changed since the build."""

    exit_code = 2


def manifest_path(site_dir: str | os.PathLike) -> Path:
    """Where the manifest of a site lives: ``<site>/../build-manifest.json``."""
    return Path(site_dir).absolute().parent / MANIFEST_NAME


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_build_manifest(
    *,
    site: str | os.PathLike,
    data_path: str | os.PathLike,
    id_column: str,
    synthetic: bool,
    threshold: int,
    workstar_path: str | os.PathLike | None = None,
    workstar_id_column: str | None = None,
    outputs: str | os.PathLike | None = None,
) -> dict:
    """The manifest of a build, with the files' hashes computed now (see the module docstring)."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "site": str(Path(site).absolute()),
        "data_path": str(Path(data_path).absolute()),
        "data_sha256": file_sha256(data_path),
        "id_column": str(id_column),
        "synthetic": bool(synthetic),
        "threshold": int(threshold),
    }
    if workstar_path is not None:
        manifest["workstar_path"] = str(Path(workstar_path).absolute())
        manifest["workstar_sha256"] = file_sha256(workstar_path)
    if workstar_id_column is not None:
        manifest["workstar_id_column"] = str(workstar_id_column)
    if outputs is not None:
        manifest["outputs"] = str(Path(outputs).absolute())
    return manifest


def write_build_manifest(path: str | os.PathLike, manifest: dict) -> Path:
    """Write a manifest atomically (a temporary file renamed into place); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".manifest-", suffix=".json", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(temporary, path)
    return path


def read_build_manifest(path: str | os.PathLike) -> dict:
    """Read and check a build manifest.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    dict
        The manifest, with ``data_path`` and ``workstar_path`` made absolute
        (relative paths are relative to the manifest's folder).

    Raises
    ------
    ManifestError
        When the file is missing or not JSON, a required key is missing, or
        a value has the wrong type or form (one line naming the key).
    """
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"build manifest {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"build manifest {path} is not readable JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"build manifest {path} must hold a JSON object")
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in manifest or (key in _OPTIONAL and manifest[key] is None):
            if key in _REQUIRED:
                raise ManifestError(f"build manifest {path} has no {key!r}")
            continue
        value = manifest[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ManifestError(f"build manifest {path}: {key!r} must be {kind.__name__}, not {value!r}")
    if manifest.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
        raise ManifestError(f"build manifest {path}: unknown format {manifest['format']!r}")
    for key in ("data_sha256", "workstar_sha256"):
        if manifest.get(key) is not None and not _SHA256.fullmatch(manifest[key]):
            raise ManifestError(f"build manifest {path}: {key!r} is not a SHA-256 in hex")
    out = dict(manifest)
    for key in ("data_path", "workstar_path"):
        if out.get(key):
            out[key] = str((path.parent / out[key]).absolute()) if not Path(out[key]).is_absolute() else out[key]
    return out


def manifest_surveys(manifest: dict, *, verify: bool = True) -> tuple[list[Path], tuple[str, ...]]:
    """The survey (and Work Star) files of a manifest and their identifier columns.

    Parameters
    ----------
    manifest : dict
        From :func:`read_build_manifest`.
    verify : bool, default True
        Check that each file exists and still has the hash recorded at build time.

    Returns
    -------
    paths : list of pathlib.Path
    id_columns : tuple of str

    Raises
    ------
    ManifestError
        When a file is missing or has changed since the build.
    """
    paths, columns = [], [manifest["id_column"]]
    for key, digest in (("data_path", "data_sha256"), ("workstar_path", "workstar_sha256")):
        if not manifest.get(key):
            continue
        path = Path(manifest[key])
        if verify:
            if not path.is_file():
                raise ManifestError(f"the survey file the site was built from, {path}, does not exist")
            if manifest.get(digest) and file_sha256(path) != manifest[digest]:
                raise ManifestError(f"{path} has changed since the site was built (SHA-256 differs); "
                                    "rebuild, or scan with --survey")
        paths.append(path)
    if manifest.get("workstar_id_column"):
        columns.append(manifest["workstar_id_column"])
    return paths, tuple(columns)
