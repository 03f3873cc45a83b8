"""Where the project's data files live.

The data files are versioned beside the package in the repository's
``data/`` folder.  Set the environment variable ``CWP_DATA_DIR`` to point
the library at another copy (the tests use this to work on fixtures).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (the folder holding ``pyproject.toml``).
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The synthetic survey every notebook reads unless given another (relative to the repository root).
SYNTHETIC_SURVEY = "data/synthetic/survey_SYNTHETIC.csv"
#: The synthetic Work Star file, likewise.
SYNTHETIC_WORKSTAR = "data/synthetic/workstar_SYNTHETIC.csv"


def data_dir() -> Path:
    """Return the project data folder (``$CWP_DATA_DIR`` or ``<repo>/data``)."""
    override = os.environ.get("CWP_DATA_DIR")
    return Path(override).resolve() if override else REPO_ROOT / "data"


def data_file(*parts: str) -> Path:
    """Return the path of a file below :func:`data_dir`.

    Examples
    --------
    >>> data_file("published", "claims.csv").name
    'claims.csv'
    """
    return data_dir().joinpath(*parts)


def private_dir() -> Path:
    """Return ``data/private``, the git-ignored folder for real survey data."""
    return data_dir() / "private"
