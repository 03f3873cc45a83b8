"""The validation rules as pandera schemas, built from the codebook.

The validator (:mod:`cwp_analysis.validate`) is vectorised by hand for
speed; these schemas state the same rules declaratively, from the same
:class:`~cwp_analysis.survey_layout.Layout`, and the test suite checks on
random surveys that both find the same cells.  pandera is imported only
when a schema is built (it takes about a second to import), so reading and
validating a file never loads it.

Examples
--------
>>> text = pd.DataFrame({"swemwbs_mind_before": ["3", None], "swemwbs_mind_after": [None, None]})
>>> rule_frame(text)["paired:swemwbs_mind"].tolist()
[1, 0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from cwp_analysis.cells import CODE, LABEL, MISSING, factorized_text
from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.survey_layout import Layout, layout_for

if TYPE_CHECKING:  # pragma: no cover
    import pandera.pandas as pa

__all__ = ["SchemaSet", "coded_frame", "rule_frame", "survey_schemas", "workstar_schemas", "layout_schemas"]


class SchemaSet(NamedTuple):
    """The three pandera schemas of a file, applied in turn.

    Attributes
    ----------
    cells : pandera.DataFrameSchema
        On the text cells (:func:`cwp_analysis.cells.text_cells`): every
        codebook column present (columns not in the codebook are filtered
        out: ``strict="filter"``), a non-empty unique identifier, and in
        every code column a code, a label or nothing (``code_or_label``).
        Failures are errors.
    codes : pandera.DataFrameSchema
        On the codes (:func:`coded_frame`: labels read as their codes, other
        cells missing, so that a bad cell is reported once): each code in
        its response scale (``Check.isin``) or, for Work Star readings,
        within the scale (``Check.in_range``).  Failures are errors.
    rules : pandera.DataFrameSchema
        On one derived column per cross-column rule (:func:`rule_frame`):
        ``paired:<id>`` counts the answered sides of a before/after (or
        first/last) pair and should be 0 or 2; ``depends_on:<id>`` holds the
        routing answer of each respondent who answered a routed item, and
        should be one of the codes that route to it.  Failures are warnings.
    """

    cells: pa.DataFrameSchema
    codes: pa.DataFrameSchema
    rules: pa.DataFrameSchema


def _statuses(text: pd.DataFrame, layout: Layout, columns) -> tuple[dict, dict]:
    codes, status = {}, {}
    for column in columns:
        where, texts = factorized_text(text[column])
        unique_codes, unique_status = layout.responses[column].classify(texts)
        codes[column], status[column] = unique_codes[where], unique_status[where]
    return codes, status


def coded_frame(text: pd.DataFrame, codebook: Codebook | None = None, *, kind: str = "survey") -> pd.DataFrame:
    """Code columns as nullable ``Int64``: codes and labels read as codes, every other cell missing.

    Parameters
    ----------
    text : pandas.DataFrame
        Text cells with codebook column names.
    codebook : Codebook, optional
    kind : {"survey", "workstar"}

    Returns
    -------
    pandas.DataFrame
        The code columns of ``text`` that are in the codebook.
    """
    layout = layout_for(kind, codebook or load_codebook())
    columns = [c for c in layout.code_columns if c in text]
    codes, status = _statuses(text, layout, columns)
    return pd.DataFrame(
        {c: pd.arrays.IntegerArray(codes[c], status[c] == MISSING) for c in columns}, index=text.index
    )


def rule_frame(text: pd.DataFrame, codebook: Codebook | None = None, *, kind: str = "survey") -> pd.DataFrame:
    """Derived columns that put the codebook's cross-column rules in column form.

    Parameters
    ----------
    text : pandas.DataFrame
        Text cells (:func:`cwp_analysis.cells.text_cells`) with codebook
        column names.
    codebook : Codebook, optional
    kind : {"survey", "workstar"}

    Returns
    -------
    pandas.DataFrame
        One column per pair, ``paired:<id>``, counting its answered sides
        (0, 1 or 2), and one per routed item, ``depends_on:<id>``, holding
        the routing answer where the item is answered with a code or label
        (missing elsewhere).  :attr:`SchemaSet.rules` validates it.

    Notes
    -----
    Rules that span columns could be written as pandera DataFrame-level
    checks, but pandera then reshapes every failing row cell by cell; a
    derived column is checked quickly and its failure cases name the row.
    """
    layout = layout_for(kind, codebook or load_codebook())
    columns = [c for c in layout.code_columns if c in text]
    codes, status = _statuses(text, layout, columns)
    out = {}
    for pair in layout.pairs:
        if pair.first in status and pair.second in status:
            answered = (status[pair.first] != MISSING).astype("int64") + (status[pair.second] != MISSING)
            out[f"paired:{pair.name}"] = answered.astype("int64")
    for routing in layout.routings:
        children = [c for c in routing.child_columns if c in status]
        if routing.parent in status and children:
            answered = np.any([np.isin(status[c], (CODE, LABEL)) for c in children], axis=0)
            known = np.isin(status[routing.parent], (CODE, LABEL)) & answered
            out[f"depends_on:{routing.child}"] = pd.arrays.IntegerArray(codes[routing.parent], ~known)
    return pd.DataFrame(out, index=text.index)


def _code_or_label(layout: Layout, column: str):
    def check(series: pd.Series) -> pd.Series:
        where, texts = factorized_text(series)
        _, unique_status = layout.responses[column].classify(texts)
        return pd.Series(np.isin(unique_status[where], (MISSING, CODE, LABEL)), index=series.index)

    return check


def layout_schemas(layout: Layout) -> SchemaSet:
    """The :class:`SchemaSet` of a layout (imports pandera)."""
    import pandera.pandas as pa

    cells = {
        layout.id_column: pa.Column(object, nullable=False, unique=True, report_duplicates="exclude_first",
                                    required=True)
    }
    codes = {}
    for column in layout.code_columns:
        cells[column] = pa.Column(object, checks=pa.Check(_code_or_label(layout, column), name="code_or_label"),
                                  nullable=True, required=True)
        response = layout.responses[column]
        if response.has_labels:
            check = pa.Check.isin(list(response.codes))
        else:
            check = pa.Check.in_range(response.low, response.high)
        codes[column] = pa.Column("Int64", checks=check, nullable=True, required=False)
    rules = {
        f"paired:{pair.name}": pa.Column("int64", checks=pa.Check.isin([0, 2]), required=False)
        for pair in layout.pairs
    }
    for routing in layout.routings:
        rules[f"depends_on:{routing.child}"] = pa.Column(
            "Int64", checks=pa.Check.isin(list(routing.codes)), nullable=True, required=False
        )
    return SchemaSet(
        cells=pa.DataFrameSchema(cells, strict="filter", name=f"{layout.kind} cells"),
        codes=pa.DataFrameSchema(codes, name=f"{layout.kind} codes"),
        rules=pa.DataFrameSchema(rules, name=f"{layout.kind} rules"),
    )


def survey_schemas(codebook: Codebook | None = None) -> SchemaSet:
    """The pandera schemas of a survey file, built from the codebook.

    Parameters
    ----------
    codebook : Codebook, optional
        Defaults to :func:`cwp_analysis.codebook.load_codebook`.

    Returns
    -------
    SchemaSet
        ``cells`` and ``codes`` (errors) and ``rules`` (warnings); see
        :class:`SchemaSet`.
    """
    return layout_schemas(layout_for("survey", codebook or load_codebook()))


def workstar_schemas(codebook: Codebook | None = None) -> SchemaSet:
    """The pandera schemas of a Work Star file (see :func:`survey_schemas`).

    Readings are checked with ``Check.in_range`` between the codebook's
    scale minimum and maximum; first and last readings should be both
    present or both missing.
    """
    return layout_schemas(layout_for("workstar", codebook or load_codebook()))
