"""What the codebook asks of a file: its columns, codes, pairs and skip logic.

A :class:`Layout` is the codebook seen from one kind of file (a survey or a
Work Star file); the validator (:mod:`cwp_analysis.validate`) and the
pandera schemas (:mod:`cwp_analysis.validation_schemas`) are both built
from it, so that they state the same rules.

Examples
--------
>>> layout = survey_layout()
>>> layout.columns[:3]
('respondent_id', 'age_band', 'ethnicity')
>>> routing = layout.routings[0]
>>> routing.child, routing.parent, routing.codes, routing.handling
('children_live_with_mother', 'has_children', (1,), 'missing')
"""

from __future__ import annotations

from dataclasses import dataclass

from cwp_analysis.cells import ResponseCodes
from cwp_analysis.codebook import SKIP_SLIP_DEFAULT, Codebook, load_codebook

__all__ = ["KINDS", "Pair", "Routing", "Layout", "survey_layout", "workstar_layout", "layout_for"]

#: The kinds of file the codebook describes.
KINDS = ("survey", "workstar")


@dataclass(frozen=True)
class Pair:
    """Two columns answered together: before/after answers or first/last readings."""

    name: str
    first: str
    second: str
    noun: str  # "before/after pair" or "first/last pair of readings"


@dataclass(frozen=True)
class Routing:
    """Skip logic: ``child_columns`` are asked only when ``parent`` holds one of ``codes``.

    Attributes
    ----------
    handling : {"missing", "keep"}
        What becomes of an answer given although the question was skipped
        (the codebook's ``if_answered_when_skipped``).
    allowed_parent : str
        ``codes`` in words, e.g. ``"1 (Yes)"``.
    """

    child: str
    child_columns: tuple[str, ...]
    parent: str
    codes: tuple[int, ...]
    allowed_parent: str
    handling: str = SKIP_SLIP_DEFAULT


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of file and the rules their cells follow.

    Attributes
    ----------
    kind : {"survey", "workstar"}
    id_column : str
    code_columns : tuple of str
        Every other column, in codebook order.
    responses : dict of str to ResponseCodes
        What each code column may hold.
    pairs : tuple of Pair
    routings : tuple of Routing
    version : str
        Codebook version.
    """

    kind: str
    id_column: str
    code_columns: tuple[str, ...]
    responses: dict
    pairs: tuple[Pair, ...]
    routings: tuple[Routing, ...]
    version: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.id_column, *self.code_columns)

    @property
    def unit(self) -> str:
        """What a row is: ``"respondent"`` or ``"participant"``."""
        return "participant" if self.kind == "workstar" else "respondent"

    def allowed_text(self, column: str) -> str:
        """What a code column may hold, in words."""
        return self.responses[column].describe()


def survey_layout(codebook: Codebook | None = None) -> Layout:
    """The layout of a survey file (see :class:`Layout`)."""
    codebook = codebook or load_codebook()
    code_columns, responses, pairs, routings = [], {}, [], []
    for variable in codebook.variables.values():
        if variable.scale is None:
            continue
        for column in variable.columns:
            code_columns.append(column)
            responses[column] = ResponseCodes.from_codes(variable.scale.codes)
        if variable.paired:
            pairs.append(Pair(variable.id, variable.before_column, variable.after_column, "before/after pair"))
        if variable.depends_on:
            parent = codebook.variable(variable.depends_on["variable"])
            codes = tuple(int(c) for c in variable.depends_on["codes"])
            described = " or ".join(f"{c} ({parent.scale.codes.get(c, '?')})" if parent.scale else str(c) for c in codes)
            routings.append(
                Routing(variable.id, variable.columns, parent.columns[0], codes, described,
                        variable.if_answered_when_skipped or SKIP_SLIP_DEFAULT)
            )
    return Layout(
        kind="survey",
        id_column=codebook.id_column,
        code_columns=tuple(code_columns),
        responses=responses,
        pairs=tuple(pairs),
        routings=tuple(routings),
        version=codebook.version,
    )


def workstar_layout(codebook: Codebook | None = None) -> Layout:
    """The layout of a Work Star file: readings from the scale minimum to maximum, in first/last pairs."""
    codebook = codebook or load_codebook()
    spec = codebook.workstar
    columns = spec.columns[1:]
    pairs = tuple(
        Pair(area.id, spec.first_column(area.id), spec.last_column(area.id), "first/last pair of readings")
        for area in spec.areas
    )
    return Layout(
        kind="workstar",
        id_column=spec.id_column,
        code_columns=tuple(columns),
        responses={c: ResponseCodes.from_range(spec.scale_min, spec.scale_max) for c in columns},
        pairs=pairs,
        routings=(),
        version=codebook.version,
    )


def layout_for(kind: str, codebook: Codebook | None = None) -> Layout:
    """:func:`survey_layout` or :func:`workstar_layout` by name."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of file {kind!r}; known: {', '.join(KINDS)}")
    return workstar_layout(codebook) if kind == "workstar" else survey_layout(codebook)
