"""The survey codebook: every variable of the instrument, its scale and provenance.

The codebook is data (``data/codebook.yaml``); this module loads it, checks it
against its JSON schema (``data/schemas/codebook.schema.json``) and against
itself (every scale referenced exists, ids are unique, ...), and exposes it as
small immutable objects that the validator, the synthesiser and the analysis
share.

Examples
--------
>>> cb = load_codebook()
>>> cb.variable("swemwbs_optimistic").columns
('swemwbs_optimistic_before', 'swemwbs_optimistic_after')
>>> [item.id for item in cb.paired_items("relationships")]
['rel_free_of_abuse', 'rel_family_contact']
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cwp_analysis.cells import label_key
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "SKIP_SLIP_DEFAULT",
    "Scale",
    "Variable",
    "WorkStarArea",
    "WorkStarSpec",
    "Codebook",
    "load_codebook",
    "parse_codebook",
]


#: What becomes of an answer given where the skip logic says the question was
#: skipped, when the codebook does not say (``depends_on.if_answered_when_skipped``).
SKIP_SLIP_DEFAULT = "missing"


@dataclass(frozen=True)
class Scale:
    """A response scale.

    Attributes
    ----------
    id : str
    type : {"ordinal", "nominal", "binary"}
    codes : dict of int to str
        Allowed response codes and their labels, in order.
    positive_codes, neutral_codes, negative_codes : tuple of int
        Codes counted as a positive / neutral / negative answer in Likert
        summaries (empty for nominal scales).
    reconstructed : bool
        True when the scale is inferred from the report's prose.
    note : str
    """

    id: str
    type: str
    codes: dict[int, str]
    positive_codes: tuple[int, ...] = ()
    neutral_codes: tuple[int, ...] = ()
    negative_codes: tuple[int, ...] = ()
    reconstructed: bool = False
    note: str = ""

    @property
    def allowed_codes(self) -> tuple[int, ...]:
        """Allowed codes in their listed order."""
        return tuple(self.codes)


@dataclass(frozen=True)
class Variable:
    """One survey variable (a single-time item or a before/after pair).

    Attributes
    ----------
    id, label, domain : str
    scale : Scale or None
        None for the identifier.
    paired : bool
        True for retrospective before/now items, stored as ``<id>_before``
        and ``<id>_after``.
    source : str
        Report section or figure.
    reconstructed : bool
        True when the wording is inferred from the report's prose.
    question : str
        The project's paraphrase of the question (empty for licensed items).
    toc_outcome : str or None
        Theory-of-change outcome the item evidences.
    reverse : bool
        True when a higher code is the less desirable answer.
    depends_on : dict or None
        ``{"variable": id, "codes": [...], "if_answered_when_skipped":
        "missing"}``: asked only of respondents whose answer to ``variable``
        is in ``codes`` (skip logic).  ``if_answered_when_skipped`` says what
        becomes of an answer given although the question was skipped:
        ``"missing"`` (the default: it is read as missing) or ``"keep"``.
        Either way the validator lists it as a warning.
    licensed : str or None
        Name of the licence holder's instrument (e.g. ``"swemwbs"``).
    """

    id: str
    label: str
    domain: str
    scale: Scale | None
    paired: bool = False
    source: str = ""
    reconstructed: bool = True
    question: str = ""
    toc_outcome: str | None = None
    reverse: bool = False
    depends_on: dict | None = None
    licensed: str | None = None
    required: bool = False
    before_suffix: str = "_before"
    after_suffix: str = "_after"

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names this variable occupies in a survey file."""
        if self.paired:
            return (self.id + self.before_suffix, self.id + self.after_suffix)
        return (self.id,)

    @property
    def before_column(self) -> str:
        if not self.paired:
            raise ValueError(f"variable {self.id!r} is not a before/after item")
        return self.id + self.before_suffix

    @property
    def after_column(self) -> str:
        if not self.paired:
            raise ValueError(f"variable {self.id!r} is not a before/after item")
        return self.id + self.after_suffix

    @property
    def kind(self) -> str:
        """``"ordinal"``, ``"binary"``, ``"nominal"`` or ``"identifier"``."""
        return self.scale.type if self.scale else "identifier"

    @property
    def positive_codes(self) -> tuple[int, ...]:
        """Codes counted as the positive answer (e.g. agree, often or all of the time)."""
        return self.scale.positive_codes if self.scale else ()

    @property
    def if_answered_when_skipped(self) -> str | None:
        """What becomes of an answer the skip logic says was not asked.

        ``"missing"`` or ``"keep"`` for an item with ``depends_on``; None
        for an item asked of everyone.
        """
        if not self.depends_on:
            return None
        return str(self.depends_on.get("if_answered_when_skipped", SKIP_SLIP_DEFAULT))


@dataclass(frozen=True)
class WorkStarArea:
    id: str
    label: str


@dataclass(frozen=True)
class WorkStarSpec:
    """Layout of the Work Star file (first and last reading per outcome area)."""

    id_column: str
    areas: tuple[WorkStarArea, ...]
    column_prefix: str = "ws_"
    first_suffix: str = "_first"
    last_suffix: str = "_last"
    scale_min: int = 1
    scale_max: int = 10
    source: str = ""
    toc_outcome: str | None = None

    def first_column(self, area: str) -> str:
        return f"{self.column_prefix}{area}{self.first_suffix}"

    def last_column(self, area: str) -> str:
        return f"{self.column_prefix}{area}{self.last_suffix}"

    @property
    def columns(self) -> tuple[str, ...]:
        cols = [self.id_column]
        for area in self.areas:
            cols += [self.first_column(area.id), self.last_column(area.id)]
        return tuple(cols)


@dataclass(frozen=True)
class Codebook:
    """The parsed, validated codebook."""

    version: str
    id_column: str
    scales: dict[str, Scale]
    domains: dict[str, str]
    variables: dict[str, Variable]
    workstar: WorkStarSpec
    source_path: str = ""
    _order: tuple[str, ...] = field(default=(), repr=False)

    def variable(self, variable_id: str) -> Variable:
        """Return one variable; ``KeyError`` names the unknown id."""
        try:
            return self.variables[variable_id]
        except KeyError:
            raise KeyError(f"unknown codebook variable {variable_id!r}") from None

    def in_domain(self, domain: str) -> list[Variable]:
        """Variables of one domain, in codebook order."""
        if domain not in self.domains:
            raise KeyError(f"unknown codebook domain {domain!r}; known: {', '.join(self.domains)}")
        return [v for v in self.variables.values() if v.domain == domain]

    def paired_items(self, domain: str | None = None) -> list[Variable]:
        """Before/after items, optionally of one domain, in codebook order."""
        items = self.variables.values() if domain is None else self.in_domain(domain)
        return [v for v in items if v.paired]

    def columns(self) -> list[str]:
        """Every column of a complete survey file, in codebook order."""
        return [c for v in self.variables.values() for c in v.columns]

    @property
    def item_ids(self) -> frozenset[str]:
        """All variable ids (for cross-references from other data files)."""
        return frozenset(self.variables)


def _schema() -> dict:
    return json.loads(data_file("schemas", "codebook.schema.json").read_text(encoding="utf-8"))


def _tuple(values) -> tuple[int, ...]:
    return tuple(int(v) for v in (values or ()))


def parse_codebook(raw: dict, source: str = "<codebook>") -> Codebook:
    """Validate a codebook mapping (as read from YAML) and build a :class:`Codebook`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    source : str
        Name used in error messages.

    Returns
    -------
    Codebook

    Raises
    ------
    DataFileError
        Listing every schema violation and every broken cross-reference,
        one per line.
    """
    import jsonschema  # imported here: it takes a second or two, and only loading a codebook needs it

    validator = jsonschema.Draft202012Validator(_schema())
    problems = [
        f"{source}: {'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise DataFileError("invalid codebook:\n" + "\n".join(problems))

    scales = {}
    for sid, s in raw["scales"].items():
        codes = {int(k): str(v) for k, v in s["codes"].items()}
        scale = Scale(
            id=sid,
            type=s["type"],
            codes=codes,
            positive_codes=_tuple(s.get("positive_codes")),
            neutral_codes=_tuple(s.get("neutral_codes")),
            negative_codes=_tuple(s.get("negative_codes")),
            reconstructed=bool(s.get("reconstructed", False)),
            note=str(s.get("note", "")).strip(),
        )
        problems += _label_problems(source, sid, codes)
        for group in ("positive_codes", "neutral_codes", "negative_codes"):
            unknown = set(getattr(scale, group)) - set(codes)
            if unknown:
                problems.append(f"{source}: scale {sid!r}: {group} {sorted(unknown)} are not codes of the scale")
        scales[sid] = scale

    domains = dict(raw["domains"])
    suffixes = raw.get("paired_suffixes", {"before": "_before", "after": "_after"})
    variables: dict[str, Variable] = {}
    seen_columns: set[str] = set()
    for i, v in enumerate(raw["variables"]):
        where = f"{source}: variables[{i}] ({v.get('id')!r})"
        if v["id"] in variables:
            problems.append(f"{where}: duplicate variable id")
            continue
        if v["domain"] not in domains:
            problems.append(f"{where}: unknown domain {v['domain']!r}")
        scale = None
        if v.get("type") != "identifier":
            if "scale" not in v:
                problems.append(f"{where}: a non-identifier variable needs a scale")
            elif v["scale"] not in scales:
                problems.append(f"{where}: unknown scale {v['scale']!r}")
            else:
                scale = scales[v["scale"]]
        var = Variable(
            id=v["id"],
            label=v["label"],
            domain=v["domain"],
            scale=scale,
            paired=bool(v.get("paired", False)),
            source=v.get("source", ""),
            reconstructed=bool(v.get("reconstructed", True)),
            question=v.get("question", ""),
            toc_outcome=v.get("toc_outcome"),
            reverse=bool(v.get("reverse", False)),
            depends_on=_depends_on(v.get("depends_on")),
            licensed=v.get("licensed"),
            required=bool(v.get("required", False)),
            before_suffix=suffixes["before"],
            after_suffix=suffixes["after"],
        )
        if var.licensed and var.question:
            problems.append(f"{where}: licensed items must not store their wording (question)")
        clash = seen_columns.intersection(var.columns)
        if clash:
            problems.append(f"{where}: column(s) {sorted(clash)} already used by another variable")
        seen_columns.update(var.columns)
        variables[var.id] = var

    for var in variables.values():
        if var.depends_on:
            target = var.depends_on.get("variable")
            if target not in variables:
                problems.append(f"{source}: variable {var.id!r}: depends_on unknown variable {target!r}")
            elif variables[target].scale is None or variables[target].paired:
                problems.append(
                    f"{source}: variable {var.id!r}: depends_on {target!r}, which is not a single-time "
                    "item with a response scale"
                )
            else:
                routing_scale = variables[target].scale
                stray = sorted(set(var.depends_on["codes"]) - set(routing_scale.codes if routing_scale else ()))
                if stray:
                    problems.append(
                        f"{source}: variable {var.id!r}: depends_on codes {stray} are not codes of {target!r}"
                    )
    id_column = raw["id_column"]
    if id_column not in variables or variables[id_column].kind != "identifier":
        problems.append(f"{source}: id_column {id_column!r} is not an identifier variable")

    ws = raw["workstar"]
    workstar = WorkStarSpec(
        id_column=ws["id_column"],
        areas=tuple(WorkStarArea(a["id"], a["label"]) for a in ws["areas"]),
        column_prefix=ws.get("column_prefix", "ws_"),
        first_suffix=ws["reading_suffixes"]["first"],
        last_suffix=ws["reading_suffixes"]["last"],
        scale_min=int(ws["scale"]["min"]),
        scale_max=int(ws["scale"]["max"]),
        source=ws.get("source", ""),
        toc_outcome=ws.get("toc_outcome"),
    )
    if len({a.id for a in workstar.areas}) != len(workstar.areas):
        problems.append(f"{source}: workstar: duplicate area ids")
    if problems:
        raise DataFileError("invalid codebook:\n" + "\n".join(problems))
    return Codebook(
        version=str(raw["codebook_version"]),
        id_column=id_column,
        scales=scales,
        domains=domains,
        variables=variables,
        workstar=workstar,
        source_path=source,
        _order=tuple(variables),
    )


def _depends_on(raw: dict | None) -> dict | None:
    """``depends_on`` with its default handling of skip-logic slips filled in."""
    if not raw:
        return None
    return {**raw, "if_answered_when_skipped": raw.get("if_answered_when_skipped", SKIP_SLIP_DEFAULT)}


def _label_problems(source: str, scale_id: str, codes: dict[int, str]) -> list[str]:
    """Labels must identify their code: distinct once case and blanks are ignored, and not numbers."""
    problems = []
    seen: dict[str, int] = {}
    for code, label in codes.items():
        key = label_key(label)
        if key in seen:
            problems.append(
                f"{source}: scale {scale_id!r}: labels of codes {seen[key]} and {code} are the same "
                f"when case and blanks are ignored ({label!r}); a cell holding it could not be read"
            )
        seen[key] = code
        if key.lstrip("+-").isdigit():
            problems.append(f"{source}: scale {scale_id!r}: the label of code {code} is a number ({label!r})")
    return problems


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Codebook:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level")
    return parse_codebook(raw, source=path)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate the survey codebook.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/codebook.yaml``.

    Returns
    -------
    Codebook

    Raises
    ------
    DataFileError
        When the file is missing, is not YAML, or breaks the schema.
    """
    path = Path(path) if path is not None else data_file("codebook.yaml")
    if not path.is_file():
        raise DataFileError(f"codebook not found: {path}")
    return _load_cached(str(path.resolve()), path.stat().st_mtime_ns)
