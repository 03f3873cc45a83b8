"""What the build executes and what becomes of it: tasks, outcomes, failures.

:class:`NotebookTask` describes one notebook to execute,
:class:`ExecutionOutcome` what happened to it, and :class:`NotebookFailed`
the one-line error a failing notebook raises; :func:`describe_failure`
finds the failing cell of an executed copy.  Executing is
:mod:`cwp_analysis.pipeline.execute`.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cwp_analysis.errors import CwpError
from cwp_analysis.pipeline.cache import CacheEntry

__all__ = [
    "ERROR_MARKER_TAG",
    "INJECTED_TAG",
    "OUTPUT_DIR_PARAMETER",
    "PARAMETERS_TAG",
    "ExecutionOutcome",
    "NotebookFailed",
    "NotebookTask",
    "declared_parameters",
    "describe_cell",
    "describe_failure",
    "load_json",
]

#: The tag Papermill gives the cell it injects.
INJECTED_TAG = "injected-parameters"
#: The tag marking a notebook's parameters cell.
PARAMETERS_TAG = "parameters"
#: Parameter through which the pipeline tells a notebook where to write files.
OUTPUT_DIR_PARAMETER = "output_dir"

#: The tag Papermill gives the cell that marks where execution failed.
ERROR_MARKER_TAG = "papermill-error-cell-tag"


class NotebookFailed(CwpError):
    """A notebook raised an error (or its kernel died) while the build executed it.

    Attributes
    ----------
    notebook : str
        The notebook, as shown to the user (path relative to the repository when inside it).
    cell_index : int or None
        0-based index of the failing cell in the *source* notebook (None
        when the kernel failed before any cell ran).
    cell_label : str
        The cell's first tag or first line ("" when unknown).
    error : str
        ``"<exception name>: <message>"``.
    failed_copy : pathlib.Path or None
        The executed copy kept for debugging.
    """

    exit_code = 1

    def __init__(
        self,
        notebook: str,
        cell_index: int | None,
        cell_label: str,
        error: str,
        failed_copy: Path | None,
        shown_copy: str | None = None,
    ):
        self.notebook = notebook
        self.cell_index = cell_index
        self.cell_label = cell_label
        self.error = error
        self.failed_copy = failed_copy
        self.others: list[str] = []
        self._shown_copy = shown_copy or (str(failed_copy) if failed_copy else None)
        super().__init__(self._message())

    def _message(self) -> str:
        where = "before its first cell" if self.cell_index is None else f"in cell {self.cell_index}"
        label = f" ({self.cell_label})" if self.cell_label else ""
        copy = (
            f"; executed copy kept at {self._shown_copy}"
            if self._shown_copy
            else "; no executed copy could be kept"
        )
        others = f"; also failed: {', '.join(self.others)}" if self.others else ""
        return f"notebook {self.notebook} failed {where}{label}: {self.error}{copy}{others}"

    def add_others(self, others: Sequence[str]) -> None:
        """Mention further notebooks that failed in the same build."""
        self.others.extend(others)
        self.args = (self._message(),)

    def __str__(self) -> str:
        return self._message()


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute.

    Attributes
    ----------
    name : str
        File stem (``03_engagement``).
    source : pathlib.Path
        The notebook file.
    shown : str
        How messages name it (path relative to the repository when inside it).
    key : str
        Its static cache key.
    parameters : dict
        Parameters to inject (``output_dir`` is added by :func:`run_notebook`
        when the notebook declares it).
    declares_output_dir : bool
        Whether the parameters cell assigns ``output_dir``.
    cwd : pathlib.Path
        Working directory of the kernel.
    env : dict
        Extra environment variables for the kernel.
    """

    name: str
    source: Path
    shown: str
    key: str
    parameters: dict
    declares_output_dir: bool
    cwd: Path
    env: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExecutionOutcome:
    """What became of one :class:`NotebookTask`.

    ``status`` is ``"executed"`` (then ``entry`` is set), ``"failed"``
    (then ``failure`` is set), ``"skipped"`` (not started because an
    earlier notebook failed) or ``"interrupted"``.
    """

    name: str
    status: str
    entry: CacheEntry | None = None
    failure: NotebookFailed | None = None
    seconds: float = 0.0
    warning: str = ""


def declared_parameters(notebook: Mapping) -> frozenset[str]:
    """Names assigned at top level in the cell tagged ``parameters``.

    Parameters
    ----------
    notebook : mapping
        Parsed notebook JSON.

    Returns
    -------
    frozenset of str
        Empty when there is no parameters cell or it is not valid Python.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
    ...                  "source": "data_path = 'a.csv'\\nalpha: float = 0.05\\n# seed = 1"}]}
    >>> sorted(declared_parameters(nb))
    ['alpha', 'data_path']
    """
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return frozenset()
            names = set()
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                for target in targets:
                    if isinstance(target, ast.Name):
                        names.add(target.id)
            return frozenset(names)
    return frozenset()


#: Tags that only say how a cell is displayed or run; they do not name it.
_DISPLAY_TAGS = frozenset(
    {
        PARAMETERS_TAG,
        INJECTED_TAG,
        "hide-input",
        "hide-output",
        "hide-cell",
        "remove-input",
        "remove-output",
        "remove-cell",
        "remove-stderr",
        "remove-stdout",
        "full-width",
        "margin",
        "output_scroll",
        "scroll-output",
        "scroll-input",
        "raises-exception",
        "skip-execution",
        "thebe-init",
    }
)


def describe_cell(cell: Mapping) -> str:
    """A short label for a cell: its first naming tag and its first non-blank line.

    Display tags such as ``hide-input`` or ``remove-cell`` are not names and
    are left out.

    Examples
    --------
    >>> describe_cell({"metadata": {"tags": ["hide-input", "table-1"]}, "source": "x = 1"})
    "tag 'table-1': 'x = 1'"
    >>> describe_cell({"metadata": {"tags": ["remove-input"]}, "source": "\\n  total = frame.sum()  \\nmore"})
    "'total = frame.sum()'"
    """
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t not in _DISPLAY_TAGS]
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    first_line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first_line) > 70:
        first_line = first_line[:67] + "..."
    parts = [f"tag {tags[0]!r}"] if tags else []
    if first_line:
        parts.append(repr(first_line))
    return ": ".join(parts)


# -- failures ---------------------------------------------------------------------


def _source_cell_index(executed_cells: list, executed_index: int, source_cells: list) -> int | None:
    """Map a cell index in the executed notebook back to the source notebook."""
    if not 0 <= executed_index < len(executed_cells):
        return None
    cell = executed_cells[executed_index]
    cell_id = cell.get("id")
    if cell_id:
        for index, source_cell in enumerate(source_cells):
            if source_cell.get("id") == cell_id:
                return index
    injected_before = sum(
        INJECTED_TAG in c.get("metadata", {}).get("tags", []) for c in executed_cells[:executed_index]
    )
    return executed_index - injected_before


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[0] + (" ..." if len(lines) > 1 else "")


def describe_failure(source: Path, executed: Path, error: BaseException, execution_error: type):
    """Source cell index, cell label and ``"<name>: <message>"`` of a failed execution."""
    source_cells = (load_json(source) or {}).get("cells", [])
    saved = load_json(executed) or {}
    saved_cells = [c for c in saved.get("cells", []) if ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]
    if isinstance(error, execution_error):
        failed: Any = error  # papermill's PapermillExecutionError, imported by the caller
        executed_index = failed.cell_index
        message = f"{failed.ename}: {_first_line(failed.evalue)}".rstrip(": ")
    else:
        # the kernel died or a cell timed out: cells run in order, so the failing
        # cell is the last one Papermill recorded a start time for
        started = [i for i, c in enumerate(saved_cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
        executed_index = started[-1] if started else None
        detail = _first_line(str(error))
        message = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    index = None if executed_index is None else _source_cell_index(saved_cells, executed_index, source_cells)
    label = describe_cell(source_cells[index]) if index is not None and index < len(source_cells) else ""
    return index, label, message


def load_json(path: Path) -> dict | None:
    """A JSON file's content, or None when it cannot be read or parsed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
