"""Tests of the book's notebooks (``notebooks/*.ipynb``).

The notebooks are discovered, not listed, so a new chapter is covered as
soon as it exists.  Static checks (fast) read the committed files:

* outputs are stripped (no outputs, no execution counts);
* one cell tagged ``parameters`` assigns literal values to exactly the
  names every chapter takes (``REQUIRED_PARAMETERS``), so Papermill can run
  any chapter on another survey file unchanged;
* the first code cell after it calls ``cwp_analysis.notebook.setup`` with
  the notebook's own name and passes every parameter through.

Execution checks (marked ``slow``) run each notebook top to bottom with
Papermill on the synthetic data (kernel ``python3``) and check that no cell
errs, that the synthetic-data banner shows exactly on pages whose results
come from synthetic files, that it disappears when ``data_path`` points at
a copy of the data under a name without ``SYNTHETIC``, and that no output
(displayed or written to ``output_dir``) contains a respondent or
participant id.  Each notebook is executed once per test session even under
pytest-xdist: executed copies are shared between workers through a folder
guarded by a file lock (the pattern pytest-xdist documents for
session-scoped work).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock

from cwp_analysis.notebook import DEFAULT_SURVEY, DEFAULT_WORKSTAR, READS_ENV, is_synthetic_path
from cwp_analysis.paths import REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: The parameters every chapter declares (issue 5).
REQUIRED_PARAMETERS = frozenset({"data_path", "workstar_path", "output_dir", "alpha", "suppression_threshold", "seed"})
#: Synthetic respondent ids (``SYN-001``) and Work Star participant ids (``SYN-WS-001``).
RESPONDENT_ID = re.compile(r"SYN-(?:WS-)?\d{3}")
BANNER_CLASS = "cwp-synthetic-banner"
KERNEL = "python3"
#: Generous per-cell limit, so that a hung kernel fails the test instead of the CI job.
CELL_TIMEOUT_SECONDS = 600


# --------------------------------------------------------------------------
# reading notebooks
# --------------------------------------------------------------------------


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(notebook: nbformat.NotebookNode) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _parameters_cell_index(notebook: nbformat.NotebookNode, name: str) -> int:
    tagged = [i for i, cell in enumerate(notebook.cells)
              if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{name}: expected exactly one code cell tagged 'parameters', found {len(tagged)}"
    return tagged[0]


def _assigned_literals(source: str, name: str) -> dict[str, object]:
    """Names assigned by a parameters cell and their literal values."""
    values: dict[str, object] = {}
    for statement in ast.parse(source).body:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(
            statement.targets[0], ast.Name
        ), f"{name}: the parameters cell may only assign literals to plain names, found: {ast.unparse(statement)}"
        target = statement.targets[0].id
        try:
            values[target] = ast.literal_eval(statement.value)
        except ValueError:
            pytest.fail(f"{name}: parameter {target!r} is not a literal: {ast.unparse(statement.value)}")
    return values


def _setup_aliases(tree: ast.Module) -> tuple[set[str], set[str], set[str]]:
    """How a cell can refer to cwp_analysis.notebook.setup: (module aliases, function aliases, package aliases)."""
    modules, functions, packages = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "cwp_analysis":
            modules |= {a.asname or a.name for a in node.names if a.name == "notebook"}
        elif isinstance(node, ast.ImportFrom) and node.module == "cwp_analysis.notebook":
            functions |= {a.asname or a.name for a in node.names if a.name == "setup"}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "cwp_analysis.notebook" and a.asname:
                    modules.add(a.asname)
                elif a.name in ("cwp_analysis", "cwp_analysis.notebook"):
                    packages.add("cwp_analysis")
    return modules, functions, packages


def _is_setup(func: ast.expr, modules: set[str], functions: set[str], packages: set[str]) -> bool:
    if isinstance(func, ast.Name):
        return func.id in functions
    if not (isinstance(func, ast.Attribute) and func.attr == "setup"):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        return owner.id in modules
    return (isinstance(owner, ast.Attribute) and owner.attr == "notebook"
            and isinstance(owner.value, ast.Name) and owner.value.id in packages)


def _setup_call(notebook: nbformat.NotebookNode, name: str) -> ast.Call:
    """The ``cwp_analysis.notebook.setup(...)`` call of the first code cell after the parameters."""
    index = _parameters_cell_index(notebook, name)
    following = [cell for cell in notebook.cells[index + 1:] if cell.cell_type == "code"]
    assert following, f"{name}: no code cell after the parameters cell"
    tree = ast.parse(following[0].source)
    aliases = _setup_aliases(tree)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_setup(node.func, *aliases)]
    assert len(calls) == 1, (
        f"{name}: the first code cell after the parameters must call cwp_analysis.notebook.setup once "
        f"(found {len(calls)} calls)"
    )
    return calls[0]


def _flag(call: ast.Call, keyword: str, default: bool, name: str) -> bool:
    for kw in call.keywords:
        if kw.arg == keyword:
            assert isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool), (
                f"{name}: {keyword} must be given to setup as True or False"
            )
            return kw.value.value
    return default


def _page_uses(path: Path) -> tuple[bool, bool]:
    """``(uses_survey, uses_workstar)`` as the notebook passes them to setup (setup's defaults: True, False)."""
    call = _setup_call(_read(path), path.stem)
    return _flag(call, "uses_survey", True, path.stem), _flag(call, "uses_workstar", False, path.stem)


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(json.dumps(cell.get("outputs", []), ensure_ascii=False) for cell in notebook.cells)


def _error_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    found = []
    for i, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {i}: {output.get('ename')}: {output.get('evalue')}")
    return found


# --------------------------------------------------------------------------
# static checks
# --------------------------------------------------------------------------


def test_notebooks_are_discovered():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", p.stem) for p in NOTEBOOKS), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    notebook = _read(path)
    dirty = [i for i, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs or execution counts; strip them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_declares_exactly_the_required_names(path):
    notebook = _read(path)
    cell = notebook.cells[_parameters_cell_index(notebook, path.stem)]
    values = _assigned_literals(cell.source, path.stem)
    assert set(values) == REQUIRED_PARAMETERS, (
        f"{path.name}: parameters cell defines {sorted(values)}, expected {sorted(REQUIRED_PARAMETERS)}"
    )
    assert values["data_path"] == DEFAULT_SURVEY and values["workstar_path"] == DEFAULT_WORKSTAR
    assert 0 < values["alpha"] < 1
    assert isinstance(values["suppression_threshold"], int) and values["suppression_threshold"] >= 1
    assert isinstance(values["seed"], int)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_after_parameters_calls_setup(path):
    call = _setup_call(_read(path), path.stem)
    assert call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value == path.stem, (
        f"{path.name}: setup must be given the notebook's own name, {path.stem!r}, for captions"
    )
    passed = {kw.arg: kw.value for kw in call.keywords}
    not_passed = sorted(p for p in REQUIRED_PARAMETERS
                        if not (isinstance(passed.get(p), ast.Name) and passed[p].id == p))
    assert not not_passed, f"{path.name}: setup must receive the parameters unchanged ({', '.join(not_passed)} missing)"


def test_setup_call_parser_finds_the_known_spellings():
    """The static check recognises every way of importing setup, and nothing else."""
    def call_of(source):
        cell = nbformat.v4.new_code_cell(source)
        params = nbformat.v4.new_code_cell("x = 1")
        params.metadata["tags"] = ["parameters"]
        notebook = nbformat.v4.new_notebook(cells=[params, cell])
        return _setup_call(notebook, "example")

    for source in ("from cwp_analysis import notebook as nb\nctx = nb.setup('a')",
                   "from cwp_analysis.notebook import setup\nsetup('a')",
                   "from cwp_analysis.notebook import setup as start\nstart('a')",
                   "import cwp_analysis.notebook\ncwp_analysis.notebook.setup('a')",
                   "import cwp_analysis.notebook as nbk\nnbk.setup('a')"):
        assert call_of(source).args[0].value == "a"
    for source in ("import other as nb\nnb.setup('a')", "def setup(x): pass\nsetup('a')"):
        with pytest.raises(AssertionError):
            call_of(source)


# --------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------


def _execute(source: Path, target: Path, **parameters) -> nbformat.NotebookNode:
    import papermill

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, kernel_name=KERNEL,
            progress_bar=False, log_output=False, cwd=str(target.parent),
            execution_timeout=CELL_TIMEOUT_SECONDS,
        )
    except papermill.PapermillExecutionError as exc:
        pytest.fail(f"{source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}")
    return _read(target)


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory) -> Path:
    """A folder every pytest-xdist worker of this session sees (the session's own folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "cwp-notebook-runs"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def run_default(shared_runs, monkeypatch):
    """Execute a notebook with its default (synthetic) parameters, once per session; return (notebook, output_dir)."""
    monkeypatch.delenv(READS_ENV, raising=False)  # interactive mode: what JupyterLab and plain Papermill do

    def run(path: Path) -> tuple[nbformat.NotebookNode, Path]:
        work = shared_runs / path.stem
        executed = work / path.name
        outputs = work / "outputs"
        with FileLock(str(shared_runs / f"{path.stem}.lock")):
            if not executed.is_file():
                shutil.rmtree(work, ignore_errors=True)
                partial = work / f"partial-{path.name}"
                _execute(path, partial, output_dir=str(outputs))
                partial.rename(executed)
        return _read(executed), outputs

    return run


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_on_synthetic_data(path, run_default):
    notebook, outputs = run_default(path)
    assert not _error_outputs(notebook), f"{path.name}: error outputs: {_error_outputs(notebook)}"

    # the banner shows exactly when the page's results come from the (synthetic) default files
    uses_survey, uses_workstar = _page_uses(path)
    synthetic = (uses_survey and is_synthetic_path(DEFAULT_SURVEY)) or (uses_workstar and is_synthetic_path(DEFAULT_WORKSTAR))
    shown = BANNER_CLASS in _outputs_text(notebook)
    assert shown == synthetic, (
        f"{path.name}: synthetic banner {'shown' if shown else 'missing'} on a page that "
        f"{'shows' if synthetic else 'does not show'} synthetic survey or Work Star results"
    )

    # privacy: no respondent or participant id in anything displayed or written
    leaks = sorted(set(RESPONDENT_ID.findall(_outputs_text(notebook))))
    for written in sorted(outputs.rglob("*")):
        if written.is_file() and written.suffix in {".csv", ".json", ".txt", ".md", ".html", ".svg"}:
            leaks += [f"{written.name}: {m}" for m in sorted(set(RESPONDENT_ID.findall(written.read_text(errors="replace"))))]
    assert not leaks, f"{path.name}: respondent ids in the outputs: {leaks[:5]}"


def _survey_notebooks() -> list[Path]:
    return [p for p in NOTEBOOKS if _page_uses(p)[0]]


def test_privacy_pattern_matches_both_kinds_of_synthetic_id():
    survey = (REPO_ROOT / DEFAULT_SURVEY).read_text().splitlines()[1]
    workstar = (REPO_ROOT / DEFAULT_WORKSTAR).read_text().splitlines()[1]
    assert RESPONDENT_ID.match(survey) and RESPONDENT_ID.match(workstar)
    assert not RESPONDENT_ID.search("survey_SYNTHETIC.csv (sha256 0123456789)")


@pytest.mark.slow
def test_banner_disappears_on_data_without_synthetic_name(tmp_path, run_default, monkeypatch):
    survey_notebooks = _survey_notebooks()
    assert survey_notebooks, "no notebook shows survey results"
    path = survey_notebooks[0]

    default, _ = run_default(path)
    assert BANNER_CLASS in _outputs_text(default), f"{path.name}: no banner on the synthetic default run"

    # the same data under the names a real export would have
    data = tmp_path / "data"
    data.mkdir()
    survey = shutil.copyfile(REPO_ROOT / DEFAULT_SURVEY, data / "survey.csv")
    workstar = shutil.copyfile(REPO_ROOT / DEFAULT_WORKSTAR, data / "workstar.csv")
    assert not is_synthetic_path(survey) and not is_synthetic_path(workstar)
    monkeypatch.delenv(READS_ENV, raising=False)
    executed = _execute(path, tmp_path / "run" / path.name, data_path=str(survey), workstar_path=str(workstar),
                        output_dir=str(tmp_path / "outputs"))
    assert not _error_outputs(executed)
    text = _outputs_text(executed)
    assert BANNER_CLASS not in text, f"{path.name}: banner still shown for {survey}"
    assert "survey.csv (sha256" in text, f"{path.name}: captions do not name the survey file that was used"
