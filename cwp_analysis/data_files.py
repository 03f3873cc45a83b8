"""Reading the project's YAML data files, with one-line errors.

Every loader of a versioned data file (theory of change, referral pathways,
economic inputs, instruments, citation audit) reads it through
:func:`read_yaml_mapping`, so a missing file, invalid YAML or a document that
is not a mapping gives the same clear :class:`~cwp_analysis.errors.DataFileError`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from cwp_analysis.errors import DataFileError


def read_yaml_mapping(path: str | Path, what: str) -> dict:
    """Read a YAML data file whose top level is a mapping.

    Parameters
    ----------
    path : path-like
    what : str
        What the file holds, for the "not found" message (e.g. ``"economic inputs"``).

    Returns
    -------
    dict

    Raises
    ------
    DataFileError
        When the file is missing, is not valid YAML, or is not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{what} not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level")
    return raw
