"""Theories of change as data: loading, validation, evidence status, coverage, diagrams.

The theories of change of Section 3.3 of the report (Figures 2-5) are stored
in ``data/theory_of_change.yaml``: activities, outcomes per stakeholder
(partner organisations, women, children, the State) and horizon (short,
medium, long term), the causal links between them, the indicators that
evidence each outcome and the literature behind each link.  This module

* loads and validates the file (:func:`load_theory_of_change`), reporting
  every unknown survey item, Work Star area, qualitative source or BibTeX
  key, every dangling link, backward-in-time link and cycle, one per line
  (horizons are read within a stakeholder's own theory of change: a link
  between two stakeholders may join any horizons, since the partners'
  medium term began in 2017, before most women engaged);
* computes each outcome's evidence status from the indicators and the
  paired-test p-values (:func:`evidence_status`), never storing it;
* tabulates the evidence coverage (:func:`coverage_matrix`,
  :func:`coverage_summary`) and the measurement plan for outcomes that
  lack quantitative evidence (:func:`measurement_plan`);
* draws one diagram per stakeholder (:func:`draw_theory_of_change`);
* ties the report's conclusions and recommendations to findings, outcomes
  and published claims (:func:`load_recommendations`,
  :func:`recommendations_table`).

Evidence status
---------------
``measured_significant``
    At least one quantitative indicator (survey item, Work Star area) has a
    before/after test with p below ``alpha``.
``measured_not_significant``
    Quantitative indicators exist but none shows a significant change: the
    test was not significant, or the indicator has no before/after test
    (items asked once, Table 1 counts, Work Star means without a test).
``qualitative_only``
    Only interviews, case-study boxes or report passages speak to it.
``not_measured``
    No indicator at all.

For per-stakeholder counts, ``measured_significant`` counts as *evidenced*,
the two middle statuses as *partly evidenced* and ``not_measured`` as
*unmeasured*.

Examples
--------
>>> toc = load_theory_of_change()
>>> status = evidence_status(toc)
>>> status.set_index("outcome").loc["women.mental_wellbeing", "status"]
'measured_significant'
>>> coverage_summary(status).loc["women", ["evidenced", "partly", "unmeasured"]].tolist()
[10, 9, 3]
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "MEASURED_SIGNIFICANT",
    "MEASURED_NOT_SIGNIFICANT",
    "QUALITATIVE_ONLY",
    "NOT_MEASURED",
    "STATUSES",
    "EVIDENCE_TYPES",
    "MeasurementPlan",
    "Outcome",
    "Activity",
    "Link",
    "EvidenceSource",
    "Need",
    "TheoryOfChange",
    "indicator_kind",
    "parse_theory_of_change",
    "load_theory_of_change",
    "published_pvalues",
    "evidence_status",
    "coverage_matrix",
    "coverage_summary",
    "measurement_plan",
    "describe_theory_of_change",
    "draw_theory_of_change",
    "Finding",
    "Statement",
    "Recommendations",
    "parse_recommendations",
    "load_recommendations",
    "recommendations_table",
]

MEASURED_SIGNIFICANT = "measured_significant"
MEASURED_NOT_SIGNIFICANT = "measured_not_significant"
QUALITATIVE_ONLY = "qualitative_only"
NOT_MEASURED = "not_measured"
#: Evidence statuses, strongest first.
STATUSES = (MEASURED_SIGNIFICANT, MEASURED_NOT_SIGNIFICANT, QUALITATIVE_ONLY, NOT_MEASURED)
#: Coverage class of each status (per-stakeholder counts).
COVERAGE_CLASS = {
    MEASURED_SIGNIFICANT: "evidenced",
    MEASURED_NOT_SIGNIFICANT: "partly",
    QUALITATIVE_ONLY: "partly",
    NOT_MEASURED: "unmeasured",
}
#: Kinds of indicator, the columns of the evidence-coverage matrix.
EVIDENCE_TYPES = ("survey", "work_star", "table1", "interviews", "case_study", "report_section")
QUANTITATIVE_TYPES = frozenset({"survey", "work_star", "table1"})
_QUALITATIVE_PREFIX = {"interviews": "interviews", "box": "case_study", "section": "report_section"}
_STAKEHOLDER_ROLES = frozenset({"funding", "implementation", "policy", "beneficiary", "evaluation"})
_OUTCOME_ID = re.compile(r"^([a-z]+)\.([a-z0-9_]+)$")
_PLAN_FIELDS = ("indicator", "from_whom", "when")


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasurementPlan:
    """What to collect for an outcome, from whom and when."""

    indicator: str
    from_whom: str
    when: str


@dataclass(frozen=True)
class Outcome:
    """One outcome of a theory of change.

    Attributes
    ----------
    id : str
        ``<stakeholder>.<name>``.
    stakeholder, horizon, label, source : str
    indicators : tuple of str
        Codebook item ids, ``"table1"``, ``"workstar:<area>"`` or ids of
        qualitative evidence sources.
    literature : tuple of str
        BibTeX keys.
    measurement_plan : MeasurementPlan or None
    """

    id: str
    stakeholder: str
    horizon: str
    label: str
    source: str
    indicators: tuple[str, ...] = ()
    literature: tuple[str, ...] = ()
    measurement_plan: MeasurementPlan | None = None

    @property
    def quantitative_indicators(self) -> tuple[str, ...]:
        return tuple(i for i in self.indicators if indicator_kind(i) in QUANTITATIVE_TYPES)

    @property
    def qualitative_indicators(self) -> tuple[str, ...]:
        return tuple(i for i in self.indicators if indicator_kind(i) not in QUANTITATIVE_TYPES)


@dataclass(frozen=True)
class Activity:
    """A project activity (Section 3.3)."""

    id: str
    label: str
    source: str
    description: str = ""


@dataclass(frozen=True)
class Link:
    """A causal link from an activity or outcome to an outcome."""

    source: str
    target: str
    basis: str
    literature: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceSource:
    """A qualitative evidence source (interviews, a case-study box, a passage)."""

    id: str
    kind: str
    label: str
    source: str


@dataclass(frozen=True)
class Need:
    """One of the five areas of need (Section 3.1)."""

    id: str
    label: str
    source: str
    items: tuple[str, ...]
    literature: tuple[str, ...] = ()


@dataclass(frozen=True)
class TheoryOfChange:
    """The validated theories of change of every stakeholder.

    Attributes
    ----------
    horizons : tuple of str
        In time order.
    stakeholders : dict of str to str
        Stakeholder id to label, in the file's order.
    needs : tuple of Need
    stakeholder_map : tuple of dict
        Figure 1 entries (id, label, roles, toc_stakeholder, source).
    inputs : tuple of dict
    activities : dict of str to Activity
    outcomes : dict of str to Outcome
    links : tuple of Link
    evidence_sources : dict of str to EvidenceSource
    source_path : str
    """

    horizons: tuple[str, ...]
    stakeholders: dict[str, str]
    needs: tuple[Need, ...]
    stakeholder_map: tuple[dict, ...]
    inputs: tuple[dict, ...]
    activities: dict[str, Activity]
    outcomes: dict[str, Outcome]
    links: tuple[Link, ...]
    evidence_sources: dict[str, EvidenceSource]
    source_path: str = ""

    def graph(self) -> nx.DiGraph:
        """The causal graph: activities and outcomes as nodes, links as edges.

        Node attributes: ``kind`` ("activity" or "outcome"), ``label``, and
        for outcomes ``stakeholder`` and ``horizon``.  Edge attributes:
        ``basis`` and ``literature``.  A fresh copy is returned each call.
        """
        g = nx.DiGraph()
        for a in self.activities.values():
            g.add_node(a.id, kind="activity", label=a.label)
        for o in self.outcomes.values():
            g.add_node(o.id, kind="outcome", label=o.label, stakeholder=o.stakeholder, horizon=o.horizon)
        for link in self.links:
            g.add_edge(link.source, link.target, basis=link.basis, literature=link.literature)
        return g

    def outcomes_of(self, stakeholder: str) -> list[Outcome]:
        """Outcomes of one stakeholder in horizon order, then file order."""
        if stakeholder not in self.stakeholders:
            raise KeyError(f"unknown stakeholder {stakeholder!r}; known: {', '.join(self.stakeholders)}")
        rank = {h: i for i, h in enumerate(self.horizons)}
        chosen = [o for o in self.outcomes.values() if o.stakeholder == stakeholder]
        return sorted(chosen, key=lambda o: rank[o.horizon])

    def literature_keys(self) -> frozenset[str]:
        """Every BibTeX key the theory of change cites (needs, outcomes, links)."""
        keys = {k for n in self.needs for k in n.literature}
        keys |= {k for o in self.outcomes.values() for k in o.literature}
        keys |= {k for link in self.links for k in link.literature}
        return frozenset(keys)


def indicator_kind(indicator: str) -> str:
    """Classify an indicator id into one of :data:`EVIDENCE_TYPES`.

    Examples
    --------
    >>> [indicator_kind(i) for i in ("swemwbs_useful", "table1", "workstar:stability", "box:4", "interviews:staff", "section:4.3.1")]
    ['survey', 'table1', 'work_star', 'case_study', 'interviews', 'report_section']
    """
    if indicator == "table1":
        return "table1"
    prefix, sep, _ = indicator.partition(":")
    if not sep:
        return "survey"
    if prefix == "workstar":
        return "work_star"
    if prefix in _QUALITATIVE_PREFIX:
        return _QUALITATIVE_PREFIX[prefix]
    raise ValueError(f"unknown kind of indicator {indicator!r} (expected a survey item, table1, workstar:<area>, interviews:, box: or section:)")


# ---------------------------------------------------------------------------
# loading and validation
# ---------------------------------------------------------------------------




def _as_list(value, where: str, problems: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list, got {type(value).__name__}")
        return []
    return value


def _check_keys(keys, bib_keys, where: str, problems: list[str]) -> tuple[str, ...]:
    keys = tuple(str(k) for k in (keys or ()))
    if bib_keys is not None:
        for k in keys:
            if k not in bib_keys:
                problems.append(f"{where}: unknown bib key {k!r}")
    return keys


def parse_theory_of_change(
    raw: dict,
    *,
    known_items: Collection[str] | None,
    workstar_areas: Collection[str] | None,
    bib_keys: Collection[str] | None,
    codebook_outcomes: Mapping[str, str | None] | None = None,
    source: str = "<theory of change>",
) -> TheoryOfChange:
    """Validate a theory-of-change mapping and build a :class:`TheoryOfChange`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    known_items : collection of str or None
        Survey item ids an indicator may name; unchecked when None.
    workstar_areas : collection of str or None
        Work Star area ids (``workstar:<area>``); unchecked when None.
    bib_keys : collection of str or None
        BibTeX keys literature may cite; unchecked when None.
    codebook_outcomes : mapping of str to str or None, optional
        The codebook's ``toc_outcome`` of each item (and of each
        ``workstar:<area>``).  When given, every indicator must sit under the
        outcome the codebook names, every outcome the codebook names must
        exist, and every item the codebook maps must be listed.
    source : str
        Name used in error messages.

    Returns
    -------
    TheoryOfChange

    Raises
    ------
    DataFileError
        Listing every problem found, one per line.
    """
    problems: list[str] = []
    src = source

    horizons = tuple(str(h) for h in _as_list(raw.get("horizons"), f"{src}: horizons", problems))
    if len(horizons) < 2 or len(set(horizons)) != len(horizons):
        problems.append(f"{src}: horizons must list at least two distinct horizons in time order")
    rank = {h: i for i, h in enumerate(horizons)}

    stakeholders: dict[str, str] = {}
    for i, s in enumerate(_as_list(raw.get("stakeholders"), f"{src}: stakeholders", problems)):
        if not isinstance(s, dict) or not s.get("id") or not s.get("label"):
            problems.append(f"{src}: stakeholders[{i}]: needs 'id' and 'label'")
            continue
        if s["id"] in stakeholders:
            problems.append(f"{src}: stakeholders[{i}]: duplicate stakeholder {s['id']!r}")
        stakeholders[str(s["id"])] = str(s["label"])

    needs = []
    for i, n in enumerate(_as_list(raw.get("needs"), f"{src}: needs", problems)):
        where = f"{src}: needs[{i}]"
        if not isinstance(n, dict) or not n.get("id") or not n.get("label") or not n.get("items"):
            problems.append(f"{where}: needs 'id', 'label' and 'items'")
            continue
        lit = _check_keys(n.get("literature"), bib_keys, f"{where} ({n['id']})", problems)
        needs.append(Need(str(n["id"]), str(n["label"]), str(n.get("source", "")), tuple(map(str, n["items"])), lit))

    smap = raw.get("stakeholder_map") or {}
    map_entries = []
    for i, e in enumerate(_as_list(smap.get("entries") if isinstance(smap, dict) else None, f"{src}: stakeholder_map.entries", problems)):
        where = f"{src}: stakeholder_map.entries[{i}]"
        if not isinstance(e, dict) or not e.get("id") or not e.get("label"):
            problems.append(f"{where}: needs 'id' and 'label'")
            continue
        bad_roles = set(e.get("roles") or ()) - _STAKEHOLDER_ROLES
        if bad_roles or not e.get("roles"):
            problems.append(f"{where} ({e['id']}): roles must be among {', '.join(sorted(_STAKEHOLDER_ROLES))}")
        if e.get("toc_stakeholder") is not None and e["toc_stakeholder"] not in stakeholders:
            problems.append(f"{where} ({e['id']}): unknown toc_stakeholder {e['toc_stakeholder']!r}")
        map_entries.append(dict(e))

    inputs = tuple(dict(x) for x in _as_list(raw.get("inputs"), f"{src}: inputs", problems) if isinstance(x, dict))

    evidence_sources: dict[str, EvidenceSource] = {}
    for i, e in enumerate(_as_list(raw.get("evidence_sources"), f"{src}: evidence_sources", problems)):
        where = f"{src}: evidence_sources[{i}]"
        if not isinstance(e, dict) or not e.get("id") or not e.get("kind") or not e.get("label"):
            problems.append(f"{where}: needs 'id', 'kind' and 'label'")
            continue
        eid = str(e["id"])
        prefix = eid.partition(":")[0]
        if _QUALITATIVE_PREFIX.get(prefix) != e["kind"]:
            problems.append(f"{where}: id {eid!r} does not match kind {e['kind']!r} (interviews:, box: or section:)")
        if eid in evidence_sources:
            problems.append(f"{where}: duplicate evidence source {eid!r}")
        evidence_sources[eid] = EvidenceSource(eid, str(e["kind"]), str(e["label"]), str(e.get("source", "")))

    activities: dict[str, Activity] = {}
    for i, a in enumerate(_as_list(raw.get("activities"), f"{src}: activities", problems)):
        if not isinstance(a, dict) or not a.get("id") or not a.get("label"):
            problems.append(f"{src}: activities[{i}]: needs 'id' and 'label'")
            continue
        if a["id"] in activities:
            problems.append(f"{src}: activities[{i}]: duplicate id {a['id']!r}")
        activities[str(a["id"])] = Activity(str(a["id"]), str(a["label"]), str(a.get("source", "")), str(a.get("description", "")).strip())

    outcomes: dict[str, Outcome] = {}
    for i, o in enumerate(_as_list(raw.get("outcomes"), f"{src}: outcomes", problems)):
        if not isinstance(o, dict) or not o.get("id"):
            problems.append(f"{src}: outcomes[{i}]: needs an 'id'")
            continue
        oid = str(o["id"])
        where = f"{src}: outcome {oid}"
        m = _OUTCOME_ID.match(oid)
        if not m:
            problems.append(f"{where}: id must look like '<stakeholder>.<name>' (lower case, digits, underscores)")
            continue
        if m.group(1) not in stakeholders:
            problems.append(f"{where}: unknown stakeholder {m.group(1)!r}; known: {', '.join(stakeholders)}")
        if oid in outcomes or oid in activities:
            problems.append(f"{where}: duplicate id")
        if o.get("horizon") not in rank:
            problems.append(f"{where}: horizon {o.get('horizon')!r} is not one of {', '.join(horizons)}")
        if not o.get("label"):
            problems.append(f"{where}: needs a 'label'")
        indicators = tuple(str(x) for x in _as_list(o.get("indicators"), f"{where}: indicators", problems))
        for ind in sorted({x for x in indicators if indicators.count(x) > 1}):
            problems.append(f"{where}: indicator {ind!r} listed twice")
        for ind in indicators:
            try:
                kind = indicator_kind(ind)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if kind == "survey" and known_items is not None and ind not in known_items:
                problems.append(f"{where}: unknown survey item {ind!r} (not in the codebook)")
            elif kind == "work_star" and workstar_areas is not None and ind.partition(":")[2] not in workstar_areas:
                problems.append(f"{where}: unknown Work Star area {ind!r}")
            elif kind not in QUANTITATIVE_TYPES and ind not in evidence_sources:
                problems.append(f"{where}: unknown qualitative evidence source {ind!r} (not in evidence_sources)")
        lit = _check_keys(o.get("literature"), bib_keys, where, problems)
        plan = None
        raw_plan = o.get("measurement_plan")
        if raw_plan is not None:
            if not isinstance(raw_plan, dict) or any(not str(raw_plan.get(f) or "").strip() for f in _PLAN_FIELDS):
                problems.append(f"{where}: measurement_plan needs non-empty {', '.join(_PLAN_FIELDS)}")
            else:
                plan = MeasurementPlan(*(str(raw_plan[f]).strip() for f in _PLAN_FIELDS))
        outcome = Outcome(oid, m.group(1), str(o.get("horizon")), str(o.get("label", "")), str(o.get("source", "")), indicators, lit, plan)
        if raw_plan is None and not outcome.quantitative_indicators:
            problems.append(f"{where}: has no quantitative indicator, so it needs a measurement_plan (indicator, from_whom, when)")
        outcomes.setdefault(oid, outcome)

    links = []
    seen_links: set[tuple[str, str]] = set()
    for i, link in enumerate(_as_list(raw.get("links"), f"{src}: links", problems)):
        if not isinstance(link, dict) or not link.get("from") or not link.get("to"):
            problems.append(f"{src}: links[{i}]: needs 'from' and 'to'")
            continue
        a, b = str(link["from"]), str(link["to"])
        where = f"{src}: link {a} -> {b}"
        dangling = False
        if a not in activities and a not in outcomes:
            problems.append(f"{where}: dangling link, {a!r} is not an activity or outcome")
            dangling = True
        if b not in outcomes:
            kind = "an activity" if b in activities else "not defined"
            problems.append(f"{where}: dangling link, target {b!r} is {kind} (links must end at an outcome)")
            dangling = True
        if (a, b) in seen_links:
            problems.append(f"{where}: duplicate link")
        seen_links.add((a, b))
        if a == b:
            problems.append(f"{where}: an outcome cannot lead to itself")
        if not dangling and a in outcomes and outcomes[a].stakeholder == outcomes[b].stakeholder:
            if rank.get(outcomes[a].horizon, -1) > rank.get(outcomes[b].horizon, len(rank)):
                problems.append(f"{where}: runs back in time ({outcomes[a].horizon} to {outcomes[b].horizon})")
        lit = _check_keys(link.get("literature"), bib_keys, where, problems)
        links.append(Link(a, b, str(link.get("source", "")), lit))

    g = nx.DiGraph()
    g.add_edges_from((link.source, link.target) for link in links if link.source != link.target)
    for cycle in sorted(nx.simple_cycles(g), key=lambda c: (len(c), sorted(c))):
        start = cycle.index(min(cycle))
        ordered = cycle[start:] + cycle[:start]
        problems.append(f"{src}: cycle in the causal links: {' -> '.join(ordered + [ordered[0]])}")

    if codebook_outcomes is not None:
        listed: dict[str, str] = {}
        for o in outcomes.values():
            for ind in o.quantitative_indicators:
                if indicator_kind(ind) in ("survey", "work_star"):
                    listed[ind] = o.id
        for item, expected in codebook_outcomes.items():
            if expected is None:
                if item in listed:
                    problems.append(f"{src}: outcome {listed[item]}: indicator {item!r} has no toc_outcome in the codebook")
                continue
            if expected not in outcomes:
                problems.append(f"{src}: the codebook maps {item!r} to outcome {expected!r}, which is not defined")
            elif item not in listed:
                problems.append(f"{src}: outcome {expected}: the codebook maps {item!r} to it, but it is not among its indicators")
            elif listed[item] != expected:
                problems.append(f"{src}: outcome {listed[item]}: indicator {item!r} belongs to {expected!r} in the codebook")

    if problems:
        raise DataFileError("invalid theory of change:\n" + "\n".join(problems))
    return TheoryOfChange(
        horizons=horizons,
        stakeholders=stakeholders,
        needs=tuple(needs),
        stakeholder_map=tuple(map_entries),
        inputs=inputs,
        activities=activities,
        outcomes=outcomes,
        links=tuple(links),
        evidence_sources=evidence_sources,
        source_path=src,
    )


def _codebook_vocabulary() -> tuple[frozenset[str], frozenset[str], dict[str, str | None]]:
    # Lazy import: the codebook is a lower layer, loaded only when needed.
    from cwp_analysis.codebook import load_codebook

    cb = load_codebook()
    items = frozenset(v.id for v in cb.variables.values() if v.kind != "identifier")
    areas = frozenset(a.id for a in cb.workstar.areas)
    mapping: dict[str, str | None] = {v.id: v.toc_outcome for v in cb.variables.values() if v.kind != "identifier"}
    mapping.update({f"workstar:{a}": cb.workstar.toc_outcome for a in areas})
    return items, areas, mapping


def load_theory_of_change(
    path: str | Path | None = None,
    *,
    known_items: Collection[str] | None = None,
    workstar_areas: Collection[str] | None = None,
    bib_keys: Collection[str] | None = None,
    codebook_outcomes: Mapping[str, str | None] | None = None,
) -> TheoryOfChange:
    """Load and validate ``data/theory_of_change.yaml``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/theory_of_change.yaml``.
    known_items : collection of str, optional
        Survey item ids.  Defaults to the codebook's (``data/codebook.yaml``);
        in that case ``workstar_areas`` and ``codebook_outcomes`` default to
        the codebook's too, so the two files are checked against each other.
    workstar_areas : collection of str, optional
        Work Star area ids; defaults to the codebook's when ``known_items``
        is not given, otherwise unchecked.
    bib_keys : collection of str, optional
        Defaults to the keys of ``data/references.bib``.
    codebook_outcomes : mapping, optional
        Item id to the codebook's ``toc_outcome``; see
        :func:`parse_theory_of_change`.

    Returns
    -------
    TheoryOfChange

    Raises
    ------
    DataFileError
        One line per problem.
    """
    path = Path(path) if path is not None else data_file("theory_of_change.yaml")
    raw = read_yaml_mapping(path, "theory of change")
    if known_items is None:
        items, areas, mapping = _codebook_vocabulary()
        known_items = items
        workstar_areas = areas if workstar_areas is None else workstar_areas
        codebook_outcomes = mapping if codebook_outcomes is None else codebook_outcomes
    if bib_keys is None:
        from cwp_analysis.bibliography import reference_keys

        bib_keys = reference_keys()
    return parse_theory_of_change(
        raw,
        known_items=frozenset(known_items),
        workstar_areas=None if workstar_areas is None else frozenset(workstar_areas),
        bib_keys=frozenset(bib_keys),
        codebook_outcomes=codebook_outcomes,
        source=str(path),
    )


# ---------------------------------------------------------------------------
# evidence status
# ---------------------------------------------------------------------------


def published_pvalues(path: str | Path | None = None) -> dict[str, float]:
    """Paired-test p-values the report publishes, by survey item.

    Reads the rows of ``data/published/claims.csv`` whose ``statistic`` is
    ``pvalue_wilcoxon``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/published/claims.csv``.

    Returns
    -------
    dict of str to float
        Item id to p-value.  A printed bound ``p < b`` is stored as the
        largest double below ``b`` (so it compares as strictly less than
        ``b``); ``p = v`` as ``v`` (the report rounds, e.g. ``p = 0.000``).

    Examples
    --------
    >>> p = published_pvalues()
    >>> p["foodbank_free"], p["swemwbs_mind"] < 0.0001
    (0.006, True)
    """
    path = Path(path) if path is not None else data_file("published", "claims.csv")
    if not path.is_file():
        raise DataFileError(f"published claims not found: {path}; pass the p-values explicitly")
    claims = pd.read_csv(path, dtype={"variable": str, "statistic": str, "comparator": str})
    missing = {"variable", "statistic", "comparator", "value"} - set(claims.columns)
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows = claims[claims["statistic"] == "pvalue_wilcoxon"]
    out: dict[str, float] = {}
    for _, row in rows.iterrows():
        value = float(row["value"])
        if row["comparator"] == "<":
            value = math.nextafter(value, 0.0)
        elif row["comparator"] not in ("=", "<="):
            raise DataFileError(f"{path}: claim {row.get('id')!r}: p-value comparator {row['comparator']!r} is not <, <= or =")
        out[str(row["variable"])] = value
    return out


def _pvalue_mapping(pvalues) -> dict[str, float]:
    if isinstance(pvalues, pd.DataFrame):
        missing = {"item", "pvalue"} - set(pvalues.columns)
        if missing:
            raise ValueError(f"results table needs columns 'item' and 'pvalue' (missing {', '.join(sorted(missing))})")
        frame = pvalues
        if "improved" in frame.columns:
            frame = frame[frame["improved"].astype(bool)]
        if frame["item"].duplicated().any():
            dup = frame.loc[frame["item"].duplicated(), "item"].iloc[0]
            raise ValueError(f"results table lists item {dup!r} more than once")
        pairs = zip(frame["item"], frame["pvalue"])
    elif isinstance(pvalues, Mapping):
        pairs = pvalues.items()
    else:
        raise TypeError("p-values must be a mapping item -> p or a DataFrame with columns item, pvalue")
    out = {}
    for item, p in pairs:
        try:
            p = float(p)
        except (TypeError, ValueError):
            raise ValueError(f"p-value of {item!r} is not a number: {p!r}") from None
        if math.isnan(p) or not 0.0 <= p <= 1.0:
            raise ValueError(f"p-value of {item!r} must lie in [0, 1], got {p!r}")
        out[str(item)] = p
    return out


def evidence_status(toc: TheoryOfChange, pvalues=None, *, alpha: float = 0.05) -> pd.DataFrame:
    """Compute every outcome's evidence status.

    Parameters
    ----------
    toc : TheoryOfChange
    pvalues : mapping or DataFrame, optional
        Paired-test p-values by indicator id (survey item, or
        ``workstar:<area>``): a mapping ``item -> p`` or a results table
        with columns ``item`` and ``pvalue`` (and optionally ``improved``,
        a boolean; rows where it is False do not count as improvement).
        Defaults to the report's published p-values
        (:func:`published_pvalues`).
    alpha : float
        Significance level; a change counts when ``p < alpha``.

    Returns
    -------
    pandas.DataFrame
        One row per outcome in file order: ``outcome``, ``stakeholder``,
        ``horizon``, ``label``, ``status``, ``coverage``
        (evidenced/partly/unmeasured), ``n_indicators``,
        ``n_quantitative``, ``n_tested``, ``n_significant``,
        ``significant`` (the significant indicators, comma separated) and
        ``qualitative`` (the qualitative sources, comma separated).

    Raises
    ------
    ValueError
        If ``alpha`` is not in (0, 1) or a p-value is not a number in [0, 1].

    Notes
    -----
    The rule is stated in the module docstring.  Indicators without a
    p-value (items asked once, Table 1 counts) count as measured but not
    as a significant change.
    """
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    p = _pvalue_mapping(published_pvalues() if pvalues is None else pvalues)
    rows = []
    for o in toc.outcomes.values():
        quant = o.quantitative_indicators
        tested = [i for i in quant if i in p]
        significant = [i for i in tested if p[i] < alpha]
        if significant:
            status = MEASURED_SIGNIFICANT
        elif quant:
            status = MEASURED_NOT_SIGNIFICANT
        elif o.indicators:
            status = QUALITATIVE_ONLY
        else:
            status = NOT_MEASURED
        rows.append(
            {
                "outcome": o.id,
                "stakeholder": o.stakeholder,
                "horizon": o.horizon,
                "label": o.label,
                "status": status,
                "coverage": COVERAGE_CLASS[status],
                "n_indicators": len(o.indicators),
                "n_quantitative": len(quant),
                "n_tested": len(tested),
                "n_significant": len(significant),
                "significant": ", ".join(significant),
                "qualitative": ", ".join(o.qualitative_indicators),
            }
        )
    return pd.DataFrame(rows)


def _status_mapping(statuses) -> dict[str, str]:
    if isinstance(statuses, pd.DataFrame):
        if not {"outcome", "status"} <= set(statuses.columns):
            raise ValueError("statuses table needs columns 'outcome' and 'status'")
        mapping = dict(zip(statuses["outcome"], statuses["status"]))
    elif isinstance(statuses, Mapping):
        mapping = dict(statuses)
    else:
        raise TypeError("statuses must be a mapping outcome -> status or the table from evidence_status()")
    for oid, status in mapping.items():
        if status not in STATUSES:
            raise ValueError(f"unknown evidence status {status!r} for {oid!r}; expected one of {', '.join(STATUSES)}")
    return mapping


def coverage_matrix(toc: TheoryOfChange) -> pd.DataFrame:
    """Number of indicators of each evidence type, for every outcome.

    Returns
    -------
    pandas.DataFrame
        Index: (stakeholder, outcome); columns: :data:`EVIDENCE_TYPES`.

    Examples
    --------
    >>> m = coverage_matrix(load_theory_of_change())
    >>> m.loc[("women", "women.employment_readiness")].to_dict()
    {'survey': 0, 'work_star': 7, 'table1': 0, 'interviews': 0, 'case_study': 0, 'report_section': 1}
    """
    rows, index = [], []
    for o in toc.outcomes.values():
        counts = dict.fromkeys(EVIDENCE_TYPES, 0)
        for ind in o.indicators:
            counts[indicator_kind(ind)] += 1
        rows.append(counts)
        index.append((o.stakeholder, o.id))
    return pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["stakeholder", "outcome"]), columns=list(EVIDENCE_TYPES))


def coverage_summary(statuses: pd.DataFrame) -> pd.DataFrame:
    """Count outcomes per stakeholder by evidence status and coverage class.

    Parameters
    ----------
    statuses : DataFrame
        The table from :func:`evidence_status`.

    Returns
    -------
    pandas.DataFrame
        Index: stakeholder (in first-appearance order); columns: the four
        statuses, then ``evidenced``, ``partly``, ``unmeasured`` and
        ``total``.
    """
    if not {"stakeholder", "status"} <= set(statuses.columns):
        raise ValueError("statuses table needs columns 'stakeholder' and 'status'")
    unknown = sorted(set(statuses["status"]) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown evidence status(es) {', '.join(map(repr, unknown))}; expected one of {', '.join(STATUSES)}")
    order = list(dict.fromkeys(statuses["stakeholder"]))
    table = pd.crosstab(statuses["stakeholder"], statuses["status"]).reindex(index=order, columns=list(STATUSES), fill_value=0)
    for cls in ("evidenced", "partly", "unmeasured"):
        table[cls] = sum(table[s] for s in STATUSES if COVERAGE_CLASS[s] == cls)
    table["total"] = table[list(STATUSES)].sum(axis=1)
    table.index.name = "stakeholder"
    table.columns.name = None
    return table.astype(int)


def measurement_plan(toc: TheoryOfChange, statuses) -> pd.DataFrame:
    """The measurement plan: what to collect for outcomes not yet evidenced.

    Parameters
    ----------
    toc : TheoryOfChange
    statuses : mapping or DataFrame
        Evidence status per outcome (:func:`evidence_status`).

    Returns
    -------
    pandas.DataFrame
        One row per outcome whose status is not ``measured_significant``
        and that carries a plan, ordered by stakeholder and horizon:
        ``stakeholder``, ``horizon``, ``outcome``, ``label``, ``status``,
        ``indicator``, ``from_whom``, ``when``.  Every ``not_measured`` and
        ``qualitative_only`` outcome has a plan (the loader enforces it).
    """
    status = _status_mapping(statuses)
    rows = []
    for stakeholder in toc.stakeholders:
        for o in toc.outcomes_of(stakeholder):
            if o.id not in status:
                raise ValueError(f"no evidence status given for outcome {o.id!r}")
            if status[o.id] == MEASURED_SIGNIFICANT or o.measurement_plan is None:
                continue
            plan = o.measurement_plan
            rows.append(
                {
                    "stakeholder": o.stakeholder,
                    "horizon": o.horizon,
                    "outcome": o.id,
                    "label": o.label,
                    "status": status[o.id],
                    "indicator": plan.indicator,
                    "from_whom": plan.from_whom,
                    "when": plan.when,
                }
            )
    return pd.DataFrame(rows, columns=["stakeholder", "horizon", "outcome", "label", "status", "indicator", "from_whom", "when"])


# ---------------------------------------------------------------------------
# diagrams
# ---------------------------------------------------------------------------

#: Okabe-Ito colours (colour-blind safe) and border styles per status; the
#: border style repeats the information for readers who cannot rely on colour.
_STATUS_STYLE = {
    MEASURED_SIGNIFICANT: {"face": "#009E73", "edge": "#000000", "ls": "solid", "lw": 1.6, "legend": "Measured: significant change"},
    MEASURED_NOT_SIGNIFICANT: {"face": "#E69F00", "edge": "#000000", "ls": "solid", "lw": 0.8, "legend": "Measured: no significant change shown"},
    QUALITATIVE_ONLY: {"face": "#56B4E9", "edge": "#000000", "ls": (0, (1, 1.5)), "lw": 1.0, "legend": "Qualitative evidence only"},
    NOT_MEASURED: {"face": "#FFFFFF", "edge": "#555555", "ls": (0, (4, 2)), "lw": 1.0, "legend": "Not measured"},
}
_ACTIVITY_STYLE = {"face": "#D9D9D9", "edge": "#000000", "ls": "solid", "lw": 0.8, "legend": "Activity"}
_HORIZON_TITLES = {"short": "Short term", "medium": "Medium term", "long": "Long term"}
_RC = {"font.family": "DejaVu Sans", "font.size": 10, "svg.hashsalt": "cwp-analysis", "path.simplify": True}


def _diagram_nodes(toc: TheoryOfChange, stakeholder: str):
    own = toc.outcomes_of(stakeholder)
    own_ids = {o.id for o in own}
    incoming = [link for link in toc.links if link.target in own_ids]
    drivers_act = [a for a in toc.activities.values() if any(link.source == a.id for link in incoming)]
    driver_ids = list(dict.fromkeys(link.source for link in incoming if link.source in toc.outcomes and link.source not in own_ids))
    drivers_out = [toc.outcomes[i] for i in driver_ids]
    edges = [(link.source, link.target) for link in incoming]
    return own, drivers_act, drivers_out, edges


def describe_theory_of_change(toc: TheoryOfChange, stakeholder: str, statuses) -> str:
    """A plain-text description of one stakeholder's diagram (for alt text).

    Examples
    --------
    >>> toc = load_theory_of_change()
    >>> describe_theory_of_change(toc, "children", evidence_status(toc)).splitlines()[0]
    'Theory of change for Children: 8 outcomes (2 short, 4 medium, 2 long term), 14 links drawn.'
    """
    status = _status_mapping(statuses)
    own, acts, drivers, edges = _diagram_nodes(toc, stakeholder)
    by_h = {h: sum(o.horizon == h for o in own) for h in toc.horizons}
    horizon_text = ", ".join(f"{n} {h}" for h, n in by_h.items())
    lines = [
        f"Theory of change for {toc.stakeholders[stakeholder]}: {len(own)} outcomes ({horizon_text} term), {len(edges)} links drawn."
    ]
    if acts or drivers:
        names = [a.label for a in acts] + [f"{toc.stakeholders[d.stakeholder]}: {d.label}" for d in drivers]
        lines.append("Driven by: " + "; ".join(names) + ".")
    for s in STATUSES:
        chosen = [o.label for o in own if status.get(o.id) == s]
        if chosen:
            lines.append(f"{_STATUS_STYLE[s]['legend']} ({len(chosen)}): " + "; ".join(chosen) + ".")
    return "\n".join(lines)


def draw_theory_of_change(
    toc: TheoryOfChange,
    stakeholder: str,
    statuses,
    path: str | Path,
    *,
    columns: int = 2,
    dpi: int = 150,
) -> Path:
    """Draw one stakeholder's theory of change as a static PNG.

    Activities (and outcomes of other stakeholders that feed this one) sit
    in the top band, then the short-, medium- and long-term outcomes, each
    band a grid of ``columns`` boxes, so the figure is tall and narrow and
    stays legible on a phone.  Boxes are coloured by evidence status with
    the Okabe-Ito palette, and the border style repeats the status.

    Parameters
    ----------
    toc : TheoryOfChange
    stakeholder : str
        ``"partners"``, ``"women"``, ``"children"`` or ``"state"``.
    statuses : mapping or DataFrame
        Evidence status per outcome (:func:`evidence_status`); every outcome
        drawn must have one.
    path : path-like
        PNG file to write (parent folders are created).
    columns : int
        Boxes per row within a band.
    dpi : int

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Pure matplotlib (no graphviz), drawn on a standalone Figure so the
    session's pyplot state and backend are untouched; edges are routed
    orthogonally through the gaps and gutters and never cross a box.  The
    font is DejaVu Sans (shipped with
    matplotlib) and the PNG ``Software`` tag is removed, so the same inputs
    give byte-identical files.

    References
    ----------
    .. [1] Okabe, M. and Ito, K. (2008). Color Universal Design (CUD).
    """
    import matplotlib

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
    from matplotlib.path import Path as MplPath

    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}")
    status = _status_mapping(statuses)
    own, acts, drivers, edges = _diagram_nodes(toc, stakeholder)
    for o in own + drivers:
        if o.id not in status:
            raise ValueError(f"no evidence status given for outcome {o.id!r}")

    order = {nid: i for i, nid in enumerate([a.id for a in acts] + [d.id for d in drivers] + [o.id for o in own])}
    edge_graph = nx.DiGraph(edges)

    def band_order(ids: list[str]) -> list[str]:
        # Links within a band run left to right or downwards: topological order.
        sub = nx.DiGraph()
        sub.add_nodes_from(ids)
        sub.add_edges_from((a, b) for a, b in edge_graph.edges if a in sub and b in sub)
        return list(nx.lexicographical_topological_sort(sub, key=order.__getitem__))

    labels = {a.id: (a.label, _ACTIVITY_STYLE) for a in acts}
    labels.update({d.id: (f"[{toc.stakeholders[d.stakeholder]}] {d.label}", _STATUS_STYLE[status[d.id]]) for d in drivers})
    labels.update({o.id: (o.label, _STATUS_STYLE[status[o.id]]) for o in own})
    bands = [("Activities and drivers", band_order([a.id for a in acts] + [d.id for d in drivers]))]
    for h in toc.horizons:
        bands.append((_HORIZON_TITLES.get(h, h), band_order([o.id for o in own if o.horizon == h])))

    layout = _grid_layout(bands, labels, columns)
    width, height = layout["width"], layout["height"]
    routes = _route_edges(edges, layout, columns)

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.axis("off")
        margin = _GEOMETRY["margin"]
        ax.text(margin, 0.32, f"Theory of change: {toc.stakeholders[stakeholder]}", fontsize=13, fontweight="bold", va="center")
        ax.text(margin, 0.58, "Box colour and border: evidence status (computed)", fontsize=9, color="#333333", va="center")
        for name, band_y in layout["bands"]:
            ax.add_line(Line2D([margin, width - margin], [band_y, band_y], color="#999999", lw=0.6, zorder=0))
            ax.text(
                margin, band_y + 0.17, name, fontsize=10.5, fontweight="bold", color="#222222", va="center", zorder=4,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
            )
        for nid, (x, by, w, h, text) in layout["boxes"].items():
            style = labels[nid][1]
            ax.add_patch(FancyBboxPatch(
                (x, by), w, h, boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=style["face"], edgecolor=style["edge"], linestyle=style["ls"], linewidth=style["lw"], zorder=2,
            ))
            ax.text(x + w / 2, by + h / 2, text, ha="center", va="center", fontsize=9.5, zorder=3, linespacing=1.2)
        for verts in routes:
            ax.add_patch(FancyArrowPatch(
                path=MplPath(verts), arrowstyle="-|>", mutation_scale=9, color="#4D4D4D",
                linewidth=0.7, shrinkA=0, shrinkB=0, zorder=1, joinstyle="miter",
            ))
        handles = [
            Patch(facecolor=s["face"], edgecolor=s["edge"], linestyle=s["ls"], linewidth=s["lw"], label=s["legend"])
            for s in (_ACTIVITY_STYLE, *(_STATUS_STYLE[k] for k in STATUSES))
        ]
        ax.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(margin / width, 0.08 / height),
            ncol=2, fontsize=8.5, frameon=False, handlelength=1.6, columnspacing=1.0,
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


#: Diagram geometry in inches.
_GEOMETRY = {
    "box_w": 2.75, "gutter": 0.6, "margin": 0.55, "line_h": 0.19, "pad": 0.16,
    "gap_y": 0.5, "band_head": 0.45, "title_h": 0.8, "legend_h": 1.0, "wrap_chars": 27,
}


def _grid_layout(bands, labels, columns: int) -> dict:
    """Place boxes band by band in a grid of ``columns``; return the geometry."""
    g = _GEOMETRY
    width = 2 * g["margin"] + columns * g["box_w"] + (columns - 1) * g["gutter"]
    boxes: dict[str, tuple[float, float, float, float, str]] = {}
    cell: dict[str, tuple[int, int]] = {}
    rows: list[tuple[float, float]] = []
    band_lines = []
    y = g["title_h"]
    for name, ids in bands:
        band_lines.append((name, y))
        y += g["band_head"]
        if not ids:
            y += g["gap_y"]
            continue
        for start in range(0, len(ids), columns):
            chunk = ids[start : start + columns]
            wrapped = [textwrap.fill(labels[nid][0], g["wrap_chars"]) for nid in chunk]
            row_h = max(t.count("\n") + 1 for t in wrapped) * g["line_h"] + 2 * g["pad"]
            for col, (nid, text) in enumerate(zip(chunk, wrapped)):
                x = g["margin"] + col * (g["box_w"] + g["gutter"])
                boxes[nid] = (x, y, g["box_w"], row_h, text)
                cell[nid] = (len(rows), col)
            rows.append((y, y + row_h))
            y += row_h + g["gap_y"]
    return {"width": width, "height": y + g["legend_h"], "boxes": boxes, "cell": cell, "rows": rows, "bands": band_lines}


def _spread(lo: float, hi: float, n: int) -> list[float]:
    return [lo + (hi - lo) * (k + 1) / (n + 1) for k in range(n)]


def _route_edges(edges, layout, columns: int) -> list[list[tuple[float, float]]]:
    """Orthogonal routes that never cross a box.

    Every edge leaves its source at the bottom and enters its target at the
    top.  Between adjacent rows it turns once in the gap between them;
    otherwise it runs down (or up) a vertical channel -- the side margins or
    the gutters between columns -- with its own lane in every gap and
    channel, so lines neither hide behind boxes nor sit on top of each other.
    """
    g = _GEOMETRY
    boxes, cell, rows = layout["boxes"], layout["cell"], layout["rows"]
    first_top = rows[0][0] if rows else 0.0

    def gap_below(r: int) -> tuple[float, float]:
        return (rows[r][1], rows[r + 1][0]) if r + 1 < len(rows) else (rows[r][1], rows[r][1] + g["gap_y"])

    def gap_above(r: int) -> tuple[float, float]:
        return (rows[r - 1][1], rows[r][0]) if r > 0 else (first_top - g["gap_y"], first_top)

    def channel_of(ca: int, cb: int) -> int:
        if ca != cb:
            return min(ca, cb) + 1
        return 0 if ca < columns / 2 else columns

    plans = []
    for a, b in sorted(edges, key=lambda e: (cell[e[0]], cell[e[1]])):
        (ra, ca), (rb, cb) = cell[a], cell[b]
        direct = rb == ra + 1
        plans.append((a, b, direct, None if direct else channel_of(ca, cb)))

    lane_requests: dict[int, list[int]] = {}
    channel_requests: dict[int, list[int]] = {}
    for i, (a, b, direct, ch) in enumerate(plans):
        ra, rb = cell[a][0], cell[b][0]
        lane_requests.setdefault(ra, []).append(i)  # the gap below row ra
        if not direct:
            lane_requests.setdefault(rb - 1, []).append(i)  # the gap above row rb
            channel_requests.setdefault(ch, []).append(i)
    lane_y: dict[tuple[int, int], float] = {}
    for gap_row, ids in lane_requests.items():
        lo, hi = gap_below(gap_row) if gap_row >= 0 else gap_above(0)
        for i, yv in zip(ids, _spread(lo, hi, len(ids))):
            lane_y[(gap_row, i)] = yv
    channel_x: dict[int, float] = {}
    for ch, ids in channel_requests.items():
        if ch == 0:
            lo, hi = 0.08, g["margin"] - 0.06
        elif ch == columns:
            lo = layout["width"] - g["margin"] + 0.06
            hi = layout["width"] - 0.08
        else:
            lo = g["margin"] + ch * g["box_w"] + (ch - 1) * g["gutter"] + 0.06
            hi = lo + g["gutter"] - 0.12
        for i, xv in zip(ids, _spread(lo, hi, len(ids))):
            channel_x[i] = xv

    outgoing: dict[str, list[int]] = {}
    incoming: dict[str, list[int]] = {}
    for i, (a, b, _, _) in enumerate(plans):
        outgoing.setdefault(a, []).append(i)
        incoming.setdefault(b, []).append(i)

    def port(nid: str, i: int, ids: list[int], other, exit_port: bool) -> float:
        # Exits use the right half of a box's bottom, entries the left half
        # of its top, so that the short vertical stubs of two edges meeting
        # in the same gap can never lie on top of each other.
        x, _, w, _, _ = boxes[nid]
        lo, hi = (x + w / 2 + 0.05, x + w - 0.1) if exit_port else (x + 0.1, x + w / 2 - 0.05)
        ranked = sorted(ids, key=lambda j: (cell[other(j)][1], cell[other(j)][0], j))
        return _spread(lo, hi, len(ranked))[ranked.index(i)]

    routes = []
    for i, (a, b, direct, _) in enumerate(plans):
        ra, rb = cell[a][0], cell[b][0]
        xa = port(a, i, outgoing[a], lambda j: plans[j][1], True)
        xb = port(b, i, incoming[b], lambda j: plans[j][0], False)
        ya = boxes[a][1] + boxes[a][3]
        yb = boxes[b][1]
        y_out = lane_y[(ra, i)]
        if direct:
            verts = [(xa, ya), (xa, y_out), (xb, y_out), (xb, yb)]
        else:
            xc = channel_x[i]
            y_in = lane_y[(rb - 1, i)]
            verts = [(xa, ya), (xa, y_out), (xc, y_out), (xc, y_in), (xb, y_in), (xb, yb)]
        routes.append(verts)
    return routes


# ---------------------------------------------------------------------------
# conclusions and recommendations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A finding of the report, tied to outcomes and published claims."""

    id: str
    statement: str
    source: str
    outcomes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """A conclusion or recommendation of Section 5.

    Attributes
    ----------
    id : str
    kind : {"conclusion", "recommendation"}
    number : int
        Its number in Section 5.
    summary, source : str
    findings, outcomes, claims : tuple of str
        Direct ties; :func:`recommendations_table` adds those of its findings.
    conclusions : tuple of str
        For recommendations, the conclusions they rest on.
    """

    id: str
    kind: str
    number: int
    summary: str
    source: str
    findings: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    conclusions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendations:
    """Findings, the four conclusions and the ten recommendations."""

    findings: dict[str, Finding]
    conclusions: tuple[Statement, ...]
    recommendations: tuple[Statement, ...]

    def statement_outcomes(self, statement: Statement) -> tuple[str, ...]:
        """Outcomes tied to a statement directly or through its findings."""
        ids = list(statement.outcomes)
        for f in statement.findings:
            ids.extend(self.findings[f].outcomes)
        return tuple(dict.fromkeys(ids))

    def statement_claims(self, statement: Statement) -> tuple[str, ...]:
        """Claims tied to a statement directly or through its findings."""
        ids = list(statement.claims)
        for f in statement.findings:
            ids.extend(self.findings[f].claims)
        return tuple(dict.fromkeys(ids))


def _claim_ids(path: Path | None = None) -> frozenset[str]:
    path = path or data_file("published", "claims.csv")
    if not path.is_file():
        raise DataFileError(f"published claims not found: {path}; pass known_claims explicitly")
    claims = pd.read_csv(path, usecols=["id"], dtype=str)
    return frozenset(claims["id"])


def parse_recommendations(
    raw: dict,
    *,
    outcome_ids: Collection[str] | None,
    known_claims: Collection[str] | None,
    expected: Mapping[str, int] | None = None,
    source: str = "<recommendations>",
) -> Recommendations:
    """Validate the recommendations mapping and build :class:`Recommendations`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    outcome_ids : collection of str or None
        Theory-of-change outcome ids; unchecked when None.
    known_claims : collection of str or None
        Claim ids of ``claims.csv``; unchecked when None.
    expected : mapping, optional
        Required number of statements per kind, e.g.
        ``{"conclusion": 4, "recommendation": 10}``; numbers must then run
        1..n.  Unchecked when None.
    source : str
        Name used in error messages.

    Raises
    ------
    DataFileError
        One line per problem: unknown finding, outcome or claim ids,
        duplicate ids, statements tied to nothing, missing numbers.
    """
    problems: list[str] = []
    findings: dict[str, Finding] = {}
    for i, f in enumerate(_as_list(raw.get("findings"), f"{source}: findings", problems)):
        if not isinstance(f, dict) or not f.get("id") or not f.get("statement"):
            problems.append(f"{source}: findings[{i}]: needs 'id' and 'statement'")
            continue
        where = f"{source}: finding {f['id']}"
        if f["id"] in findings:
            problems.append(f"{where}: duplicate id")
        finding = Finding(str(f["id"]), str(f["statement"]).strip(), str(f.get("source", "")),
                          tuple(map(str, f.get("outcomes") or ())), tuple(map(str, f.get("claims") or ())))
        if not finding.source:
            problems.append(f"{where}: needs a 'source' (report section)")
        if not finding.outcomes and not finding.claims:
            problems.append(f"{where}: tied to no outcome and no claim")
        findings[finding.id] = finding

    def check_refs(where: str, outcomes, claims) -> None:
        for o in outcomes:
            if outcome_ids is not None and o not in outcome_ids:
                problems.append(f"{where}: unknown theory-of-change outcome {o!r}")
        for c in claims:
            if known_claims is not None and c not in known_claims:
                problems.append(f"{where}: unknown claim id {c!r} (not in claims.csv)")

    for f in findings.values():
        check_refs(f"{source}: finding {f.id}", f.outcomes, f.claims)

    parsed: dict[str, list[Statement]] = {"conclusion": [], "recommendation": []}
    all_ids = set(findings)
    for kind, key in (("conclusion", "conclusions"), ("recommendation", "recommendations")):
        for i, s in enumerate(_as_list(raw.get(key), f"{source}: {key}", problems)):
            if not isinstance(s, dict) or not s.get("id") or not s.get("summary") or not isinstance(s.get("number"), int):
                problems.append(f"{source}: {key}[{i}]: needs 'id', integer 'number' and 'summary'")
                continue
            where = f"{source}: {kind} {s['id']}"
            if s["id"] in all_ids:
                problems.append(f"{where}: duplicate id")
            all_ids.add(s["id"])
            st = Statement(
                str(s["id"]), kind, int(s["number"]), str(s["summary"]).strip(), str(s.get("source", "")),
                tuple(map(str, s.get("findings") or ())), tuple(map(str, s.get("outcomes") or ())),
                tuple(map(str, s.get("claims") or ())), tuple(map(str, s.get("conclusions") or ())),
            )
            for f in st.findings:
                if f not in findings:
                    problems.append(f"{where}: unknown finding {f!r}")
            if not st.findings:
                problems.append(f"{where}: tied to no finding")
            check_refs(where, st.outcomes, st.claims)
            if kind == "conclusion" and st.conclusions:
                problems.append(f"{where}: a conclusion cannot rest on conclusions")
            parsed[kind].append(st)
    conclusion_ids = {c.id for c in parsed["conclusion"]}
    for r in parsed["recommendation"]:
        for c in r.conclusions:
            if c not in conclusion_ids:
                problems.append(f"{source}: recommendation {r.id}: unknown conclusion {c!r}")
    if expected is not None:
        for kind, n in expected.items():
            numbers = sorted(s.number for s in parsed.get(kind, []))
            if numbers != list(range(1, n + 1)):
                problems.append(f"{source}: expected {kind}s numbered 1..{n}, found {numbers}")
    if problems:
        raise DataFileError("invalid recommendations:\n" + "\n".join(problems))
    result = Recommendations(findings, tuple(parsed["conclusion"]), tuple(parsed["recommendation"]))
    for st in result.conclusions + result.recommendations:
        if not result.statement_claims(st):
            problems.append(f"{source}: {st.kind} {st.id}: tied to no published claim")
    if problems:
        raise DataFileError("invalid recommendations:\n" + "\n".join(problems))
    return result


def load_recommendations(
    path: str | Path | None = None,
    *,
    toc: TheoryOfChange | None = None,
    known_claims: Collection[str] | None = None,
) -> Recommendations:
    """Load and validate ``data/recommendations.yaml``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/recommendations.yaml``.
    toc : TheoryOfChange, optional
        Defaults to :func:`load_theory_of_change`.
    known_claims : collection of str, optional
        Defaults to the ids of ``data/published/claims.csv``.

    Returns
    -------
    Recommendations
        With the report's four conclusions and ten recommendations.
    """
    path = Path(path) if path is not None else data_file("recommendations.yaml")
    raw = read_yaml_mapping(path, "recommendations")
    toc = toc if toc is not None else load_theory_of_change()
    known_claims = known_claims if known_claims is not None else _claim_ids()
    return parse_recommendations(
        raw,
        outcome_ids=frozenset(toc.outcomes),
        known_claims=frozenset(known_claims),
        expected={"conclusion": 4, "recommendation": 10},
        source=str(path),
    )


def recommendations_table(recs: Recommendations, statuses=None) -> pd.DataFrame:
    """Each conclusion and recommendation beside the evidence that supports it.

    Parameters
    ----------
    recs : Recommendations
    statuses : mapping or DataFrame, optional
        Evidence status per outcome; adds the columns ``evidenced``,
        ``partly`` and ``unmeasured`` (counts of the tied outcomes).

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``kind``, ``number``, ``summary``, ``source``,
        ``findings``, ``outcomes``, ``claims`` (comma separated ids) and
        ``conclusions`` (for recommendations).
    """
    status = _status_mapping(statuses) if statuses is not None else None
    rows = []
    for st in recs.conclusions + recs.recommendations:
        outcomes = recs.statement_outcomes(st)
        row = {
            "id": st.id,
            "kind": st.kind,
            "number": st.number,
            "summary": st.summary,
            "source": st.source,
            "findings": ", ".join(st.findings),
            "outcomes": ", ".join(outcomes),
            "claims": ", ".join(recs.statement_claims(st)),
            "conclusions": ", ".join(st.conclusions),
        }
        if status is not None:
            for cls in ("evidenced", "partly", "unmeasured"):
                row[cls] = sum(COVERAGE_CLASS[status[o]] == cls for o in outcomes if o in status)
        rows.append(row)
    return pd.DataFrame(rows)
