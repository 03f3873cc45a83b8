"""environment.yml (conda users) must list the same packages and version
ranges as pyproject.toml (the source of the pinned lock)."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement

from cwp_analysis.paths import REPO_ROOT

# conda-forge names that differ from the PyPI distribution name.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    parsed = [Requirement(r) for r in reqs]
    return {_norm(r.name): str(r.specifier) for r in parsed}


def _conda_requirements() -> tuple[dict[str, str], str]:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    python = ""
    for dep in env["dependencies"]:
        if not isinstance(dep, str) or dep == "pip":
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep)
        assert match, f"unparseable conda dependency {dep!r}"
        name, spec = match.group(1), match.group(2).replace(" ", "")
        if name == "python":
            python = spec
            continue
        out[_norm(CONDA_TO_PYPI.get(name, name))] = str(Requirement(f"x{spec}").specifier)
    return out, python


def test_same_packages_in_both_files():
    pyproject = _pyproject_requirements()
    conda, _ = _conda_requirements()
    assert sorted(conda) == sorted(pyproject)


@pytest.mark.parametrize("name", sorted(_pyproject_requirements()))
def test_same_version_range(name):
    conda, _ = _conda_requirements()
    assert conda.get(name) == _pyproject_requirements()[name]


def test_same_python():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    _, python = _conda_requirements()
    assert Requirement(f"x{python}").specifier == Requirement(f"x{project['requires-python']}").specifier


def test_jupyter_book_is_the_offline_1x_line():
    spec = Requirement("x" + _pyproject_requirements()["jupyter-book"]).specifier
    assert "1.0.4" in spec and "1.2.0" in spec and "2.0.0" not in spec


def test_lock_pins_every_direct_dependency():
    lock = (REPO_ROOT / "requirements.lock").read_text()
    pinned = {_norm(m.group(1)): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", lock, re.M)}
    for name, spec in _pyproject_requirements().items():
        assert name in pinned, f"{name} missing from requirements.lock"
        assert Requirement(f"x{spec}").specifier.contains(pinned[name], prereleases=True), (name, pinned[name])
