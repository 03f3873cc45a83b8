"""Figures for the theory of change, the referral network and the economic case.

The analysis modules draw three kinds of diagram straight to PNG files:
:func:`cwp_analysis.toc.draw_theory_of_change`,
:func:`cwp_analysis.referrals.draw_referral_network` and
:func:`cwp_analysis.economics.draw_sensitivity`.  The notebooks publish
figures as matplotlib figures with alt text
(:func:`cwp_analysis.notebook.publish_figure`), so each function here returns
``(figure, alt_text)`` like the other figure modules:

* the analysis module draws its PNG into a temporary folder;
* :func:`figure_from_png` loads that PNG into a figure of exactly its pixel
  size, so saving it again at the house resolution copies the pixels one to
  one (no resampling, no change of layout);
* the alt text is written from the same data the diagram shows, in at most
  :data:`~cwp_analysis.figures.style.ALT_TEXT_LIMIT` characters; the
  ``describe_*`` functions give the full description for the page.

:func:`stakeholder_map_figure` draws the reconstructed stakeholder map of
Figure 1 (Section 3.2) directly: who plays which role; and
:func:`evidence_coverage_figure` counts each stakeholder's outcomes by
evidence status, in the colours of the theory-of-change diagrams.

References
----------
.. [1] Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make
   figures and presentations that are friendly to colorblind people.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import networkx as nx

from cwp_analysis import economics, referrals, toc
from cwp_analysis.figures.style import OKABE_ITO, RC_PARAMS, compose_alt, house_style

__all__ = [
    "STAKEHOLDER_ROLES",
    "figure_from_png",
    "theory_of_change_figure",
    "referral_network_figure",
    "sensitivity_figure",
    "stakeholder_map_figure",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "evidence_coverage_figure",
    "describe_referral_network",
    "describe_sensitivity",
    "describe_stakeholder_map",
    "describe_evidence_coverage",
]

#: Resolution at which the wrapped diagrams are drawn and saved (the house ``savefig.dpi``).
_DPI = int(RC_PARAMS["savefig.dpi"])

#: Roles of the stakeholder map, in display order (Section 3.2: funding,
#: implementation or policy, or end beneficiary; plus the evaluation).
STAKEHOLDER_ROLES = ("funding", "implementation", "policy", "beneficiary", "evaluation")


def figure_from_png(path: str | Path, *, dpi: int = _DPI):
    """Load a PNG into a matplotlib figure that reproduces it pixel for pixel.

    Parameters
    ----------
    path : path-like
        A PNG file.
    dpi : int
        Resolution the figure will be saved at; the figure measures
        ``width / dpi`` by ``height / dpi`` inches so that one image pixel
        becomes one saved pixel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes filling the figure, without ticks or frame, holding the
        image (``interpolation="none"``).

    Raises
    ------
    ValueError
        If the file does not exist or ``dpi`` is not positive.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no PNG file at {path}")
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    image = mpimg.imread(path, format="png")
    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(image, interpolation="none", aspect="equal")
    ax.set_axis_off()
    return fig


def _via_png(draw, *args, **kwargs):
    """Call a ``draw_*(..., path, ...)`` function into a temporary PNG and load it."""
    with tempfile.TemporaryDirectory(prefix="cwp-figure-") as folder:
        path = draw(*args, Path(folder) / "figure.png", dpi=_DPI, **kwargs)
        return figure_from_png(path, dpi=_DPI)


def theory_of_change_figure(theory: toc.TheoryOfChange, stakeholder: str, statuses, *, columns: int = 2):
    """One stakeholder's theory of change, boxes coloured by evidence status.

    Parameters
    ----------
    theory : cwp_analysis.toc.TheoryOfChange
    stakeholder : str
        ``"partners"``, ``"women"``, ``"children"`` or ``"state"``.
    statuses : mapping or DataFrame
        Evidence status per outcome (:func:`cwp_analysis.toc.evidence_status`).
    columns : int
        Boxes per row within a horizon band.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The diagram of :func:`cwp_analysis.toc.draw_theory_of_change`.
    alt_text : str
        The first sentences of :func:`cwp_analysis.toc.describe_theory_of_change`
        that fit in :data:`~cwp_analysis.figures.style.ALT_TEXT_LIMIT`
        characters; publish the whole description beside the figure.
    """
    lines = toc.describe_theory_of_change(theory, stakeholder, statuses).splitlines()
    alt = compose_alt(*lines, "The full description is in the text.")
    fig = _via_png(toc.draw_theory_of_change, theory, stakeholder, statuses, columns=columns)
    return fig, alt


def _partner_label(graph: nx.DiGraph, node: str) -> str:
    return str(graph.nodes[node].get("label", node))


def _referral_sentences(pathways: referrals.ReferralPathways) -> list[str]:
    graph = referrals.referral_network(pathways)
    degrees = referrals.degree_table(graph)
    hops = sorted(graph.edges(data="weight"), key=lambda e: (-e[2], _partner_label(graph, e[0]), _partner_label(graph, e[1])))
    hop_text = "; ".join(
        f"{_partner_label(graph, a)} to {_partner_label(graph, b)} ({w} pathway{'s' if w != 1 else ''})" for a, b, w in hops
    )
    top_in = degrees["weighted_in"].max()
    receivers = ", ".join(degrees.loc[degrees["weighted_in"] == top_in, "label"])
    top_out = degrees["weighted_out"].max()
    senders = ", ".join(degrees.loc[degrees["weighted_out"] == top_out, "label"])
    sentences = [
        f"Directed network of the {graph.number_of_nodes()} delivery partners, one arrow for each of the "
        f"{graph.number_of_edges()} hops used by the {len(pathways.pathways)} example referral pathways.",
        f"{receivers} receive{'s' if ', ' not in receivers else ''} the most hops ({top_in}); "
        f"{senders} make{'s' if ', ' not in senders else ''} the most ({top_out}).",
        f"Arrow width and label give the number of example pathways using the hop: {hop_text}.",
    ]
    for note in pathways.notes:
        if note.edge:
            a, b = (_partner_label(graph, n) for n in note.edge)
            sentences.append(f"The {a} to {b} arrow is dashed and highlighted to mark a qualitative statement "
                             f"({note.source}).")
        sentences.append(f"Text under the network: {note.statement}")
    return sentences


def describe_referral_network(pathways: referrals.ReferralPathways) -> str:
    """The full text description of :func:`referral_network_figure` (every hop and note), for the page."""
    return " ".join(_referral_sentences(pathways))


def referral_network_figure(pathways: referrals.ReferralPathways):
    """The Box 3 example pathways as a directed network, with the qualitative notes.

    Parameters
    ----------
    pathways : cwp_analysis.referrals.ReferralPathways

    Returns
    -------
    figure : matplotlib.figure.Figure
        The diagram of :func:`cwp_analysis.referrals.draw_referral_network`.
    alt_text : str
        At most 250 characters: the network, the partners receiving and
        sending the most hops, and the hops while they fit
        (:func:`describe_referral_network` gives everything).
    """
    graph = referrals.referral_network(pathways)
    fig = _via_png(referrals.draw_referral_network, graph, notes=pathways.notes)
    return fig, compose_alt(*_referral_sentences(pathways))


def _gbp(value: float) -> str:
    return f"£{value:,.0f}"


def _sensitivity_sentences(inputs: economics.EconomicInputs) -> list[str]:
    grant = inputs.value("grant_total_gbp")
    savings = inputs.sensitivity_savings
    lines = "; ".join(
        f"{n} women at {_gbp(economics.break_even_saving(grant, n))} per woman"
        for n in inputs.sensitivity_women
    )
    pathways = "; ".join(p.label for p in inputs.savings_pathways)
    return [
        f"Line chart labelled as a scenario, not a finding: saving to the State against saving per woman, "
        f"one line per number of women; dashed line at the grant of {_gbp(grant)}.",
        f"Break-even: {lines}.",
        f"Savings per woman run from {_gbp(min(savings))} to {_gbp(max(savings))}.",
        f"Listed under the chart, the {len(inputs.savings_pathways)} pathways by which savings could arise: "
        f"{pathways}.",
    ]


def describe_sensitivity(inputs: economics.EconomicInputs) -> str:
    """The full text description of :func:`sensitivity_figure`, for the page."""
    return " ".join(_sensitivity_sentences(inputs))


def sensitivity_figure(inputs: economics.EconomicInputs):
    """Break-even sensitivity chart of the economic case (a scenario).

    Parameters
    ----------
    inputs : cwp_analysis.economics.EconomicInputs

    Returns
    -------
    figure : matplotlib.figure.Figure
        The chart of :func:`cwp_analysis.economics.draw_sensitivity`.
    alt_text : str
        At most 250 characters: the chart, the grant line and the
        break-even points while they fit (:func:`describe_sensitivity`
        gives everything).
    """
    fig = _via_png(economics.draw_sensitivity, inputs)
    return fig, compose_alt(*_sensitivity_sentences(inputs))


def stakeholder_map_figure(theory: toc.TheoryOfChange, *, figsize: tuple[float, float] | None = None):
    """The stakeholder map (Figure 1, reconstructed) as a grid of stakeholders by role.

    Parameters
    ----------
    theory : cwp_analysis.toc.TheoryOfChange
        Its ``stakeholder_map`` entries are drawn in file order.
    figsize : tuple of float, optional
        Default: 8.5 inches wide, 0.62 inch per stakeholder.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One row per stakeholder and one column per role of
        :data:`STAKEHOLDER_ROLES`; a filled marker where the stakeholder plays
        the role, in the role's Okabe-Ito colour.  Stakeholders with their own
        theory of change have it named under their label.
    alt_text : str

    Raises
    ------
    ValueError
        If the map is empty or names a role outside :data:`STAKEHOLDER_ROLES`.
    """
    entries = list(theory.stakeholder_map)
    if not entries:
        raise ValueError("the theory of change has no stakeholder map entries")
    for e in entries:
        unknown = set(e.get("roles") or ()) - set(STAKEHOLDER_ROLES)
        if unknown:
            raise ValueError(f"stakeholder {e['id']!r} has unknown role(s) {', '.join(sorted(unknown))}")
    colours = dict(zip(STAKEHOLDER_ROLES, OKABE_ITO))
    labels = []
    for e in entries:
        own = e.get("toc_stakeholder")
        label = textwrap.fill(str(e["label"]), 46)
        labels.append(label + (f"\n(theory of change: {theory.stakeholders[own]})" if own else ""))
    size = figsize or (8.5, 1.4 + 0.62 * len(entries))
    with house_style():
        fig, ax = plt.subplots(figsize=size)
        for row, e in enumerate(entries):
            for col, role in enumerate(STAKEHOLDER_ROLES):
                if role in e["roles"]:
                    ax.scatter(col, row, s=140, marker="o", color=colours[role], edgecolors="black", linewidths=0.6, zorder=3)
                else:
                    ax.scatter(col, row, s=18, marker="o", facecolors="none", edgecolors="#BBBBBB", linewidths=0.6, zorder=2)
        ax.set_xticks(range(len(STAKEHOLDER_ROLES)), [r.capitalize() for r in STAKEHOLDER_ROLES])
        ax.xaxis.set_ticks_position("top")
        ax.set_yticks(range(len(entries)), labels)
        ax.set_ylim(len(entries) - 0.5, -0.5)
        ax.set_xlim(-0.5, len(STAKEHOLDER_ROLES) - 0.5)
        ax.tick_params(length=0)
        for side in ("left", "bottom", "top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#EEEEEE", lw=0.8, zorder=1)
        ax.set_title("Stakeholders and their roles (Figure 1, reconstructed)", pad=28)
        fig.tight_layout()
    return fig, compose_alt(*_stakeholder_sentences(entries))


def _stakeholder_sentences(entries) -> list[str]:
    by_role = []
    for role in STAKEHOLDER_ROLES:
        names = [e["label"] for e in entries if role in e["roles"]]
        if names:
            by_role.append(f"{role}: {', '.join(names)}")
    with_toc = [e["label"] for e in entries if e.get("toc_stakeholder")]
    return [
        f"Grid of {len(entries)} stakeholders (rows) by {len(STAKEHOLDER_ROLES)} roles (columns), a filled dot "
        f"where a stakeholder plays a role.",
        f"{len(with_toc)} of the stakeholders {'belongs' if len(with_toc) == 1 else 'belong'} to a group with "
        f"its own theory of change.",
        "; ".join(by_role) + ".",
    ]


def describe_stakeholder_map(theory: toc.TheoryOfChange) -> str:
    """The full text description of :func:`stakeholder_map_figure` (every stakeholder by role), for the page."""
    return " ".join(_stakeholder_sentences(list(theory.stakeholder_map)))


#: Fill colour of each evidence status: the Okabe-Ito colours of the
#: theory-of-change diagrams (:func:`cwp_analysis.toc.draw_theory_of_change`).
STATUS_COLOURS = {
    toc.MEASURED_SIGNIFICANT: "#009E73",
    toc.MEASURED_NOT_SIGNIFICANT: "#E69F00",
    toc.QUALITATIVE_ONLY: "#56B4E9",
    toc.NOT_MEASURED: "#FFFFFF",
}
#: Legend text of each evidence status, as in the diagrams.
STATUS_LABELS = {
    toc.MEASURED_SIGNIFICANT: "Measured: significant change",
    toc.MEASURED_NOT_SIGNIFICANT: "Measured: no significant change shown",
    toc.QUALITATIVE_ONLY: "Qualitative evidence only",
    toc.NOT_MEASURED: "Not measured",
}
#: Short status words for alt text.
_STATUS_SHORT = {
    toc.MEASURED_SIGNIFICANT: "significant",
    toc.MEASURED_NOT_SIGNIFICANT: "not significant",
    toc.QUALITATIVE_ONLY: "qualitative only",
    toc.NOT_MEASURED: "not measured",
}
#: Hatching repeats the status for readers who cannot rely on colour.
_STATUS_HATCH = {
    toc.MEASURED_SIGNIFICANT: "",
    toc.MEASURED_NOT_SIGNIFICANT: "//",
    toc.QUALITATIVE_ONLY: "..",
    toc.NOT_MEASURED: "",
}


def evidence_coverage_figure(statuses, stakeholder_labels=None, *, figsize: tuple[float, float] = (7.5, 3.4)):
    """Outcomes of each stakeholder by evidence status, as stacked horizontal bars.

    Parameters
    ----------
    statuses : pandas.DataFrame
        The table of :func:`cwp_analysis.toc.evidence_status` (columns
        ``stakeholder`` and ``status``).
    stakeholder_labels : mapping of str to str, optional
        Display names (e.g. ``TheoryOfChange.stakeholders``); ids otherwise.
    figsize : tuple of float

    Returns
    -------
    figure : matplotlib.figure.Figure
        One bar per stakeholder (in first-appearance order, top to bottom),
        one segment per status in :data:`cwp_analysis.toc.STATUSES` order,
        each labelled with its number of outcomes.
    alt_text : str

    Raises
    ------
    ValueError
        If the columns are missing or a status is unknown (from
        :func:`cwp_analysis.toc.coverage_summary`).
    """
    summary = toc.coverage_summary(statuses)
    names = dict(stakeholder_labels or {})
    labels = [names.get(s, s) for s in summary.index]
    with house_style():
        fig, ax = plt.subplots(figsize=figsize)
        left = [0] * len(summary)
        rows = range(len(summary))
        for status in toc.STATUSES:
            widths = summary[status].tolist()
            bars = ax.barh(
                rows, widths, left=left, height=0.62, color=STATUS_COLOURS[status], hatch=_STATUS_HATCH[status],
                edgecolor="#555555" if status == toc.NOT_MEASURED else "black", linewidth=0.6,
                label=STATUS_LABELS[status],
            )
            for bar, width in zip(bars, widths):
                if width:
                    ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, str(width),
                            ha="center", va="center", fontsize=9,
                            bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
            left = [a + b for a, b in zip(left, widths)]
        ax.set_yticks(list(rows), labels)
        ax.set_ylim(len(summary) - 0.5, -0.5)
        ax.set_xlabel("Number of outcomes in the theory of change")
        ax.legend(frameon=False, fontsize=8.5, loc="upper left", bbox_to_anchor=(0.0, -0.28), ncol=2)
        ax.set_title("Evidence status of each stakeholder's outcomes")
        fig.tight_layout()
    return fig, compose_alt(*_coverage_sentences(summary, labels))


def _coverage_sentences(summary, labels) -> list[str]:
    sentences = [f"Stacked horizontal bar chart with one bar per stakeholder ({len(summary)}), split by evidence "
                 f"status."]
    for stakeholder, label in zip(summary.index, labels):
        counts = ", ".join(f"{summary.loc[stakeholder, s]} {_STATUS_SHORT[s]}" for s in toc.STATUSES
                           if summary.loc[stakeholder, s])
        total = int(summary.loc[stakeholder, "total"])
        sentences.append(f"{label}: {total} outcome{'s' if total != 1 else ''} ({counts}).")
    return sentences


def describe_evidence_coverage(statuses, stakeholder_labels=None) -> str:
    """The full text description of :func:`evidence_coverage_figure`, for the page."""
    summary = toc.coverage_summary(statuses)
    names = dict(stakeholder_labels or {})
    return " ".join(_coverage_sentences(summary, [names.get(s, s) for s in summary.index]))
