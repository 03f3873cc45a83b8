"""Where the project's npm packages are (KaTeX, axe-core, Lighthouse).

``make setup`` installs them with ``npm ci`` from ``package-lock.json``
into ``<repo>/node_modules``; nothing is downloaded when the book is
built or tested.  Set ``CWP_NODE_MODULES`` to use another folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cwp_analysis.errors import CwpError
from cwp_analysis.paths import REPO_ROOT

__all__ = ["NODE_MODULES_ENV", "NpmPackageMissing", "node_modules_dir", "npm_package"]

#: Environment variable naming another ``node_modules`` folder.
NODE_MODULES_ENV = "CWP_NODE_MODULES"


class NpmPackageMissing(CwpError):
    """An npm package the book needs is not installed."""


def node_modules_dir() -> Path:
    """The ``node_modules`` folder: ``$CWP_NODE_MODULES`` or ``<repo>/node_modules``.

    Examples
    --------
    >>> node_modules_dir().name
    'node_modules'
    """
    override = os.environ.get(NODE_MODULES_ENV)
    return Path(override).resolve() if override else REPO_ROOT / "node_modules"


def npm_package(name: str, *, version: str | None = None) -> Path:
    """The installed folder of an npm package.

    Parameters
    ----------
    name : str
        Package name, e.g. ``"katex"``.
    version : str, optional
        When given, the installed version must be exactly this one.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    NpmPackageMissing
        When the package is absent (or another version is installed).

    Examples
    --------
    >>> npm_package("katex").joinpath("package.json").is_file()
    True
    """
    folder = node_modules_dir() / name
    manifest = folder / "package.json"
    if not manifest.is_file():
        raise NpmPackageMissing(
            f"npm package {name} is not installed in {folder.parent}: run `make setup` (it runs `npm ci`)"
        )
    if version is not None:
        found = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if found != version:
            raise NpmPackageMissing(f"npm package {name} is {found}, expected {version}: run `make setup`")
    return folder
