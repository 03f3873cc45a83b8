"""Figure wrappers for the theory of change, referral network and economic case."""

from __future__ import annotations

import dataclasses

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cwp_analysis import economics, referrals, toc
from cwp_analysis.figures import toc as toc_figures
from cwp_analysis.figures.style import ALT_TEXT_LIMIT, save_figure


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def theory():
    return toc.load_theory_of_change()


def _filled_markers(ax) -> int:
    # Filled role markers are drawn with size 140; empty placeholders with 18.
    return sum(int(np.sum(c.get_sizes() == 140)) for c in ax.collections)


def test_figure_from_png_copies_pixels_one_to_one(tmp_path):
    rgb = np.zeros((4, 6, 3), dtype=np.uint8)
    rgb[0, :] = (213, 94, 0)
    rgb[:, 0] = (0, 114, 178)
    rgb[3, 5] = (240, 228, 66)
    source = tmp_path / "source.png"
    plt.imsave(source, rgb)
    fig = toc_figures.figure_from_png(source, dpi=150)
    assert tuple(np.round(fig.get_size_inches() * 150).astype(int)) == (6, 4)
    out = mpimg.imread(save_figure(fig, tmp_path / "copy.png")[0])
    # save_figure pads the tight bounding box by 0.1 inch (15 pixels at 150 dpi) on every side.
    inner = np.round(out[15:19, 15:21, :3] * 255).astype(np.uint8)
    assert out.shape[:2] == (4 + 30, 6 + 30)
    np.testing.assert_array_equal(inner, rgb)


def test_figure_from_png_rejects_missing_file(tmp_path):
    with pytest.raises(ValueError, match="no PNG file"):
        toc_figures.figure_from_png(tmp_path / "absent.png")


def test_theory_of_change_figure_matches_the_drawn_png(theory, tmp_path):
    statuses = toc.evidence_status(theory)
    fig, alt = toc_figures.theory_of_change_figure(theory, "children", statuses)
    drawn = mpimg.imread(toc.draw_theory_of_change(theory, "children", statuses, tmp_path / "children.png"))
    assert tuple(np.round(fig.get_size_inches() * 150).astype(int)) == (drawn.shape[1], drawn.shape[0])
    # Section 3.3 (Children): two short-, four medium- and two long-term outcomes.
    assert alt.startswith("Theory of change for Children: 8 outcomes (2 short, 4 medium, 2 long term)")
    assert "\n" not in alt and len(alt) <= ALT_TEXT_LIMIT


def test_referral_network_alt_text_follows_box_3():
    pathways = referrals.load_referral_pathways()
    fig, alt = toc_figures.referral_network_figure(pathways)
    assert fig.axes
    assert len(alt) <= ALT_TEXT_LIMIT
    assert "8 hops used by the 5 example referral pathways" in alt
    # CELC is entered by FWT (twice), CRASAC and Coventry Haven; CRASAC refers on to three partners.
    assert "CELC receives the most hops (4)" in alt
    assert "CRASAC makes the most (3)" in alt
    full = toc_figures.describe_referral_network(pathways)
    assert full.startswith(alt)
    # Box 3: FWT -> CELC appears in pathways 1 and 4; every other hop once.
    assert "FWT to CELC (2 pathways)" in full
    assert "Kairos to CRASAC (1 pathway)" in full
    assert "Coventry Haven to CELC arrow is dashed" in full


def test_sensitivity_alt_text_gives_break_even_points():
    inputs = economics.load_economic_inputs()
    fig, alt = toc_figures.sensitivity_figure(inputs)
    assert fig.axes
    assert len(alt) <= ALT_TEXT_LIMIT
    # 520,995 / 300 = 1,736.65 and 520,995 / 655 = 795.41 (grant of Section 3.3).
    assert "Break-even: 300 women at £1,737 per woman; 655 women at £795 per woman." in alt
    assert "grant of £520,995" in alt
    assert alt.startswith("Line chart labelled as a scenario, not a finding")
    assert "4 pathways" in toc_figures.describe_sensitivity(inputs)


def test_stakeholder_map_draws_one_marker_per_role(theory):
    fig, alt = toc_figures.stakeholder_map_figure(theory)
    ax = fig.axes[0]
    expected = sum(len(e["roles"]) for e in theory.stakeholder_map)
    assert _filled_markers(ax) == expected
    assert len(ax.get_yticks()) == len(theory.stakeholder_map)
    assert alt.startswith(f"Grid of {len(theory.stakeholder_map)} stakeholders")
    assert len(alt) <= ALT_TEXT_LIMIT
    assert "funding: Smallwood Trust;" in toc_figures.describe_stakeholder_map(theory)


def test_stakeholder_map_small_example(theory):
    entries = (
        {"id": "funder", "label": "Funder", "roles": ["funding"], "toc_stakeholder": None},
        {"id": "partner", "label": "Partner", "roles": ["implementation", "policy"], "toc_stakeholder": "partners"},
    )
    fig, alt = toc_figures.stakeholder_map_figure(dataclasses.replace(theory, stakeholder_map=entries))
    assert _filled_markers(fig.axes[0]) == 3
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Funder", "Partner\n(theory of change: Partner organisations)"]
    assert "1 of the stakeholders belongs to a group with its own theory of change" in alt


def test_stakeholder_map_rejects_unknown_role_and_empty_map(theory):
    bad = ({"id": "x", "label": "X", "roles": ["lobbying"], "toc_stakeholder": None},)
    with pytest.raises(ValueError, match="unknown role"):
        toc_figures.stakeholder_map_figure(dataclasses.replace(theory, stakeholder_map=bad))
    with pytest.raises(ValueError, match="no stakeholder map"):
        toc_figures.stakeholder_map_figure(dataclasses.replace(theory, stakeholder_map=()))


def test_status_colours_and_labels_match_the_diagrams():
    # The bar chart must use the diagrams' colours and legend wording.
    assert toc_figures.STATUS_COLOURS == {k: v["face"] for k, v in toc._STATUS_STYLE.items()}
    assert toc_figures.STATUS_LABELS == {k: v["legend"] for k, v in toc._STATUS_STYLE.items()}


def test_evidence_coverage_figure_counts_outcomes():
    statuses = pd.DataFrame(
        {
            "stakeholder": ["women", "women", "women", "state"],
            "status": [toc.MEASURED_SIGNIFICANT, toc.MEASURED_SIGNIFICANT, toc.NOT_MEASURED, toc.QUALITATIVE_ONLY],
        }
    )
    labels = {"women": "Women", "state": "The State"}
    fig, alt = toc_figures.evidence_coverage_figure(statuses, labels)
    assert len(alt) <= ALT_TEXT_LIMIT and alt in toc_figures.describe_evidence_coverage(statuses, labels)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches if p.get_width() > 0]
    assert sorted(widths) == [1, 1, 2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Women", "The State"]
    assert "Women: 3 outcomes (2 significant, 1 not measured)." in alt
    assert "The State: 1 outcome (1 qualitative only)." in alt


def test_evidence_coverage_figure_rejects_unknown_status():
    with pytest.raises(ValueError, match="unknown evidence status"):
        toc_figures.evidence_coverage_figure(pd.DataFrame({"stakeholder": ["women"], "status": ["proven"]}))


def test_stakeholder_roles_match_the_loader():
    # The display order must cover exactly the roles the theory-of-change loader accepts.
    assert set(toc_figures.STAKEHOLDER_ROLES) == set(toc._STAKEHOLDER_ROLES)
    assert len(toc_figures.STAKEHOLDER_ROLES) == len(set(toc_figures.STAKEHOLDER_ROLES))
