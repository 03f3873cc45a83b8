"""Referral pathways between the five delivery partners as a directed network.

Box 3 of the report (Section 4.3.1) gives five typical pathways that women
follow between partners.  ``data/referral_pathways.yaml`` stores them with
their provenance, together with the report's qualitative statement (Section
4.2.6) that Coventry Haven is the largest referrer to the CELC.  This module
loads the file, checks each pathway against its printed form, builds a
:class:`networkx.DiGraph` whose edge weight is the number of example
pathways using a hop, tabulates in- and out-degrees, and draws the network.

The pathways are illustrations chosen by the report, not referral counts: a
weight says how many examples use a hop, not how many women made it.

Examples
--------
>>> g = referral_network(load_referral_pathways())
>>> g["fwt"]["celc"]["weight"], g["fwt"]["celc"]["pathways"]
(2, (1, 4))
>>> degree_table(g)["weighted_in"].to_dict()
{'fwt': 3, 'crasac': 1, 'chwa': 1, 'kairos': 0, 'celc': 4}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "Partner",
    "Pathway",
    "QualitativeNote",
    "ReferralPathways",
    "parse_referral_pathways",
    "load_referral_pathways",
    "referral_network",
    "degree_table",
    "draw_referral_network",
    "partner_problems",
]


@dataclass(frozen=True)
class Partner:
    """A delivery partner: stable id, short label, full name, printed spellings."""

    id: str
    label: str
    name: str
    printed_as: tuple[str, ...] = ()
    table1_row: str = ""


@dataclass(frozen=True)
class Pathway:
    """One example pathway: the partners a woman moves through, in order."""

    id: int
    printed: str
    steps: tuple[str, ...]

    @property
    def hops(self) -> tuple[tuple[str, str], ...]:
        """Consecutive (from, to) pairs."""
        return tuple(zip(self.steps[:-1], self.steps[1:]))


@dataclass(frozen=True)
class QualitativeNote:
    """A statement about referral flows that the example pathways cannot show."""

    id: str
    kind: str
    source: str
    statement: str
    caveat: str = ""
    edge: tuple[str, str] | None = None
    claim: str | None = None


@dataclass(frozen=True)
class ReferralPathways:
    """The contents of ``data/referral_pathways.yaml``."""

    partners: dict[str, Partner]
    pathways: tuple[Pathway, ...]
    notes: tuple[QualitativeNote, ...]
    source: str = ""
    claim: str | None = None


def _printed_steps(printed: str, spelling: Mapping[str, str]) -> tuple[str | None, ...]:
    parts = [p.strip() for p in printed.replace("->", "→").split("→")]
    return tuple(spelling.get(p.casefold()) for p in parts)


def parse_referral_pathways(
    raw: dict,
    *,
    known_claims: Mapping[str, float] | None = None,
    source: str = "<referral pathways>",
) -> ReferralPathways:
    """Validate the referral-pathway mapping and build :class:`ReferralPathways`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    known_claims : mapping of str to float, optional
        Claim id to published value (``claims.csv``).  When given, claim ids
        must exist, and the top-level claim must equal the number of pathways.
    source : str
        Name used in error messages.

    Raises
    ------
    DataFileError
        One line per problem: unknown partners, pathways of fewer than two
        steps, a partner referring to itself, steps that disagree with the
        printed pathway, duplicate ids, unknown claims.
    """
    if not isinstance(raw, dict):
        raise DataFileError(f"{source}: expected a mapping at the top level")
    problems: list[str] = []
    partners: dict[str, Partner] = {}
    for i, p in enumerate(raw.get("partners") or []):
        if not isinstance(p, dict) or not p.get("id") or not p.get("label"):
            problems.append(f"{source}: partners[{i}]: needs 'id' and 'label'")
            continue
        if p["id"] in partners:
            problems.append(f"{source}: partners[{i}]: duplicate partner {p['id']!r}")
        partners[str(p["id"])] = Partner(
            str(p["id"]), str(p["label"]), str(p.get("name", p["label"])),
            tuple(map(str, p.get("printed_as") or ())), str(p.get("table1_row", "")),
        )
    spelling = {}
    for partner in partners.values():
        for name in (partner.id, partner.label, *partner.printed_as):
            spelling[name.casefold()] = partner.id

    pathways = []
    seen_ids: set = set()
    for i, pw in enumerate(raw.get("pathways") or []):
        if not isinstance(pw, dict) or "id" not in pw or not isinstance(pw.get("steps"), list):
            problems.append(f"{source}: pathways[{i}]: needs 'id' and a list of 'steps'")
            continue
        where = f"{source}: pathway {pw['id']}"
        if pw["id"] in seen_ids:
            problems.append(f"{where}: duplicate pathway id")
        seen_ids.add(pw["id"])
        steps = tuple(str(s) for s in pw["steps"])
        if len(steps) < 2:
            problems.append(f"{where}: a pathway needs at least two partners")
        for s in steps:
            if s not in partners:
                problems.append(f"{where}: unknown partner {s!r}; known: {', '.join(partners)}")
        for a, b in zip(steps[:-1], steps[1:]):
            if a == b:
                problems.append(f"{where}: {a!r} refers to itself")
        printed = str(pw.get("printed", ""))
        if printed:
            read = _printed_steps(printed, spelling)
            if read != steps:
                problems.append(f"{where}: steps {list(steps)} do not match the printed pathway {printed!r}")
        pathways.append(Pathway(pw["id"], printed, steps))
    if not pathways and not problems:
        problems.append(f"{source}: no pathways")

    notes = []
    for i, n in enumerate(raw.get("qualitative_notes") or []):
        if not isinstance(n, dict) or not n.get("id") or not n.get("statement") or not n.get("source"):
            problems.append(f"{source}: qualitative_notes[{i}]: needs 'id', 'source' and 'statement'")
            continue
        edge = tuple(map(str, n["edge"])) if n.get("edge") else None
        if edge is not None and (len(edge) != 2 or any(e not in partners for e in edge)):
            problems.append(f"{source}: note {n['id']}: edge {list(edge)} must name two known partners")
        notes.append(QualitativeNote(
            str(n["id"]), str(n.get("kind", "qualitative")), str(n["source"]), " ".join(str(n["statement"]).split()),
            " ".join(str(n.get("caveat", "")).split()), edge, n.get("claim"),
        ))

    claim = raw.get("claim")
    if known_claims is not None:
        for cid in [claim] + [n.claim for n in notes]:
            if cid is not None and cid not in known_claims:
                problems.append(f"{source}: unknown claim id {cid!r} (not in claims.csv)")
        if claim in known_claims and float(known_claims[claim]) != len(pathways):
            problems.append(f"{source}: {len(pathways)} pathways, but claim {claim!r} publishes {known_claims[claim]:g}")
    if problems:
        raise DataFileError("invalid referral pathways:\n" + "\n".join(problems))
    return ReferralPathways(partners, tuple(pathways), tuple(notes), str(raw.get("source", "")), claim)


def _claim_values(path: Path | None = None) -> dict[str, float] | None:
    path = path or data_file("published", "claims.csv")
    if not path.is_file():
        return None
    claims = pd.read_csv(path, usecols=["id", "value"])
    return dict(zip(claims["id"].astype(str), claims["value"]))


def load_referral_pathways(
    path: str | Path | None = None, *, known_claims: Mapping[str, float] | None = None
) -> ReferralPathways:
    """Load and validate ``data/referral_pathways.yaml``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/referral_pathways.yaml``.
    known_claims : mapping of str to float, optional
        Defaults to the claims of ``data/published/claims.csv`` when that
        file exists (otherwise claim references are not checked).

    Returns
    -------
    ReferralPathways
    """
    path = Path(path) if path is not None else data_file("referral_pathways.yaml")
    raw = read_yaml_mapping(path, "referral pathways")
    claims = known_claims if known_claims is not None else _claim_values()
    return parse_referral_pathways(raw, known_claims=claims, source=str(path))


def referral_network(pathways: ReferralPathways) -> nx.DiGraph:
    """Directed network of the example pathways.

    Parameters
    ----------
    pathways : ReferralPathways

    Returns
    -------
    networkx.DiGraph
        Every partner is a node (attributes ``label`` and ``name``), also
        when no example uses it.  An edge ``a -> b`` exists when some pathway
        moves a woman from ``a`` to ``b``; ``weight`` is the number of
        pathways that use the hop (a pathway counts once per hop) and
        ``pathways`` the ids of those pathways.
    """
    g = nx.DiGraph()
    for p in pathways.partners.values():
        g.add_node(p.id, label=p.label, name=p.name)
    for pw in pathways.pathways:
        for a, b in dict.fromkeys(pw.hops):
            if g.has_edge(a, b):
                g[a][b]["weight"] += 1
                g[a][b]["pathways"] += (pw.id,)
            else:
                g.add_edge(a, b, weight=1, pathways=(pw.id,))
    return g


def degree_table(graph: nx.DiGraph) -> pd.DataFrame:
    """In- and out-degree of every partner, unweighted and weighted.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`referral_network`.

    Returns
    -------
    pandas.DataFrame
        Index ``partner`` (node order); columns ``label``, ``in_degree``,
        ``out_degree`` (distinct partners referring in / referred to),
        ``weighted_in``, ``weighted_out`` (pathway hops in / out) and
        ``pathways`` (number of example pathways the partner appears in).

    Notes
    -----
    Degrees come from :meth:`networkx.DiGraph.in_degree` and
    :meth:`~networkx.DiGraph.out_degree`, with ``weight="weight"`` for the
    weighted columns.
    """
    rows = []
    for node in graph.nodes:
        incident = list(graph.in_edges(node, data="pathways")) + list(graph.out_edges(node, data="pathways"))
        rows.append(
            {
                "partner": node,
                "label": graph.nodes[node].get("label", node),
                "in_degree": graph.in_degree(node),
                "out_degree": graph.out_degree(node),
                "weighted_in": graph.in_degree(node, weight="weight"),
                "weighted_out": graph.out_degree(node, weight="weight"),
                "pathways": len({p for *_, ids in incident for p in ids}),
            }
        )
    return pd.DataFrame(rows).set_index("partner")


def draw_referral_network(
    graph: nx.DiGraph,
    path: str | Path,
    *,
    notes: tuple[QualitativeNote, ...] = (),
    dpi: int = 150,
) -> Path:
    """Draw the referral network as a static PNG.

    Partners sit on a circle in a fixed order; arrows are curved so that
    the two directions between a pair stay apart, their width grows with
    the weight, and each carries its weight as a label.  Qualitative notes
    are printed below the network, and the hop a note concerns is drawn
    dashed in a second colour.

    Parameters
    ----------
    graph : networkx.DiGraph
        From :func:`referral_network`.
    path : path-like
        PNG file to write.
    notes : tuple of QualitativeNote
        Usually ``load_referral_pathways().notes``.
    dpi : int

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Drawn with :func:`networkx.draw_networkx_nodes` and
    :func:`networkx.draw_networkx_edges` on a standalone matplotlib Figure
    (pyplot state and the session backend are left alone) with DejaVu Sans
    and no PNG ``Software`` tag, so repeated runs give identical bytes.
    """
    import textwrap

    import matplotlib

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    nodes = list(graph.nodes)
    pos = nx.circular_layout(nodes)
    pos = {n: (float(x), float(y)) for n, (x, y) in pos.items()}
    noted = {n.edge for n in notes if n.edge}
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 10}):
        fig = Figure(figsize=(6.4, 7.6))
        ax = fig.add_axes((0.02, 0.30, 0.96, 0.62))
        ax.set_axis_off()
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=2600, node_color="#56B4E9", edgecolors="#000000", linewidths=1.0)
        labels = {n: graph.nodes[n].get("label", n).replace(" ", "\n") for n in nodes}
        nx.draw_networkx_labels(graph, pos, labels=labels, ax=ax, font_size=9, font_family="DejaVu Sans")
        for a, b, data in graph.edges(data=True):
            dashed = (a, b) in noted
            nx.draw_networkx_edges(
                graph, pos, edgelist=[(a, b)], ax=ax, width=1.2 + 1.6 * (data["weight"] - 1),
                edge_color="#D55E00" if dashed else "#333333", style="dashed" if dashed else "solid",
                arrows=True, arrowstyle="-|>", arrowsize=16, node_size=2600, connectionstyle="arc3,rad=0.18",
            )
        edge_labels = {(a, b): str(d["weight"]) for a, b, d in graph.edges(data=True)}
        nx.draw_networkx_edge_labels(
            graph, pos, edge_labels=edge_labels, ax=ax, font_size=9, label_pos=0.5, connectionstyle="arc3,rad=0.18",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
        ax.set_xlim(-1.35, 1.35)
        ax.set_ylim(-1.35, 1.35)
        fig.text(0.04, 0.965, "Typical referral pathways (Box 3, Section 4.3.1)", fontsize=12, fontweight="bold")
        fig.text(0.04, 0.935, "Arrow label and width: number of the five example pathways using the hop", fontsize=8.5, color="#333333")
        lines = ["Examples, not referral counts."]
        for note in notes:
            lines.append(f"Qualitative evidence (Section {note.source.replace('Section ', '')}): {note.statement}")
        text = "\n".join(textwrap.fill(line, 88) for line in lines)
        fig.text(0.04, 0.245, text, fontsize=8.5, va="top")
        if noted:
            handle = Line2D([0], [0], color="#D55E00", linestyle="dashed", lw=1.5, label="Hop discussed in the qualitative evidence")
            fig.legend(handles=[handle], loc="upper left", bbox_to_anchor=(0.03, 0.29), frameon=False, fontsize=8.5)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


def partner_problems(pathways: ReferralPathways, toc) -> list[str]:
    """Cross-check the referral partners against the theory of change.

    Every partner must appear in the stakeholder map (Figure 1) as an entry
    whose ``toc_stakeholder`` is ``partners``, and vice versa.

    Parameters
    ----------
    pathways : ReferralPathways
    toc : cwp_analysis.toc.TheoryOfChange

    Returns
    -------
    list of str
        One line per problem.
    """
    mapped = {e["id"] for e in toc.stakeholder_map if e.get("toc_stakeholder") == "partners"}
    problems = [
        f"referral pathways: partner {pid!r} is not a partner organisation in the stakeholder map"
        for pid in pathways.partners
        if pid not in mapped
    ]
    problems += [
        f"stakeholder map: partner organisation {pid!r} is missing from the referral partners"
        for pid in sorted(mapped - set(pathways.partners))
    ]
    return problems
