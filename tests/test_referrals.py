"""Tests of cwp_analysis.referrals against the hand-worked Box 3 network."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from cwp_analysis import referrals
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "toc"
# The two claims the file refers to, with the report's values (typed from
# the report so the test does not depend on claims.csv).
CLAIMS = {"referral_pathway_examples_n": 5, "celc_top_referrer_rank": 1}


@pytest.fixture(scope="module")
def box3():
    return referrals.load_referral_pathways(known_claims=CLAIMS)


@pytest.fixture(scope="module")
def network(box3):
    return referrals.referral_network(box3)


def test_box3_pathways(box3):
    assert [p.steps for p in box3.pathways] == [
        ("fwt", "celc"),
        ("kairos", "crasac", "celc", "fwt"),
        ("chwa", "fwt"),
        ("crasac", "fwt", "celc"),
        ("crasac", "chwa", "celc"),
    ]
    assert list(box3.partners) == ["fwt", "crasac", "chwa", "kairos", "celc"]


def test_edge_weights_by_hand(network):
    # Hops of the five pathways: 1 + 3 + 1 + 2 + 2 = 9, over 8 distinct hops;
    # only FWT -> CELC appears twice (pathways 1 and 4).
    weights = {(a, b): d["weight"] for a, b, d in network.edges(data=True)}
    assert weights == {
        ("fwt", "celc"): 2, ("kairos", "crasac"): 1, ("crasac", "celc"): 1, ("celc", "fwt"): 1,
        ("chwa", "fwt"): 1, ("crasac", "fwt"): 1, ("crasac", "chwa"): 1, ("chwa", "celc"): 1,
    }
    assert network["fwt"]["celc"]["pathways"] == (1, 4)


def test_degrees_by_hand(network):
    table = referrals.degree_table(network)
    assert table["in_degree"].to_dict() == {"fwt": 3, "crasac": 1, "chwa": 1, "kairos": 0, "celc": 3}
    assert table["out_degree"].to_dict() == {"fwt": 1, "crasac": 3, "chwa": 2, "kairos": 1, "celc": 1}
    assert table["weighted_in"].to_dict() == {"fwt": 3, "crasac": 1, "chwa": 1, "kairos": 0, "celc": 4}
    assert table["weighted_out"].to_dict() == {"fwt": 2, "crasac": 3, "chwa": 2, "kairos": 1, "celc": 1}
    assert table["pathways"].to_dict() == {"fwt": 4, "crasac": 3, "chwa": 2, "kairos": 1, "celc": 4}
    assert table["weighted_in"].sum() == table["weighted_out"].sum() == 9


def test_qualitative_note_sits_beside_the_network(box3, network):
    [note] = box3.notes
    assert note.kind == "qualitative" and note.source == "Section 4.2.6"
    assert note.edge == ("chwa", "celc") and network.has_edge(*note.edge)
    assert "Coventry Haven" in note.statement and note.claim == "celc_top_referrer_rank"
    # The examples do not make Coventry Haven the largest referrer to the CELC.
    into_celc = {a: d["weight"] for a, _, d in network.in_edges("celc", data=True)}
    assert max(into_celc, key=into_celc.get) == "fwt"


def test_a_repeated_hop_counts_once_per_pathway():
    fixture = referrals.load_referral_pathways(FIXTURES / "pathways_small.yaml", known_claims={"examples_n": 3})
    g = referrals.referral_network(fixture)
    assert g["a"]["b"]["weight"] == 1 and g["a"]["b"]["pathways"] == (1,)
    table = referrals.degree_table(g)
    assert table[["in_degree", "out_degree", "pathways"]].to_dict("list") == {
        "in_degree": [1, 1, 2], "out_degree": [2, 2, 0], "pathways": [2, 2, 2]}


def _raw() -> dict:
    return yaml.safe_load((REPO_ROOT / "data" / "referral_pathways.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["pathways"][0].update(steps=["fwt", "crasac"]),
         "pathway 1: steps ['fwt', 'crasac'] do not match the printed pathway 'FWT → CELC'"),
        (lambda r: r["pathways"][0].update(steps=["fwt", "police"], printed=""),
         "pathway 1: unknown partner 'police'; known: fwt, crasac, chwa, kairos, celc"),
        (lambda r: r["pathways"][0].update(steps=["fwt", "fwt"], printed=""),
         "pathway 1: 'fwt' refers to itself"),
        (lambda r: r["pathways"][0].update(steps=["fwt"], printed=""),
         "pathway 1: a pathway needs at least two partners"),
        (lambda r: r["pathways"].append(copy.deepcopy(r["pathways"][0])),
         "6 pathways, but claim 'referral_pathway_examples_n' publishes 5"),
        (lambda r: r["qualitative_notes"][0].update(edge=["chwa", "nhs"]),
         "note chwa_top_referrer_to_celc: edge ['chwa', 'nhs'] must name two known partners"),
        (lambda r: r["qualitative_notes"][0].update(claim="made_up"),
         "unknown claim id 'made_up' (not in claims.csv)"),
    ],
)
def test_loader_errors(mutate, expected):
    raw = _raw()
    mutate(raw)
    with pytest.raises(DataFileError) as info:
        referrals.parse_referral_pathways(raw, known_claims=CLAIMS, source="rp")
    lines = str(info.value).splitlines()[1:]
    assert any(line.endswith(expected) for line in lines), lines


def test_partners_match_the_stakeholder_map(box3):
    from cwp_analysis.toc import load_theory_of_change

    assert referrals.partner_problems(box3, load_theory_of_change()) == []


def test_drawing_is_deterministic(box3, network, tmp_path):
    a = referrals.draw_referral_network(network, tmp_path / "a.png", notes=box3.notes, dpi=60)
    b = referrals.draw_referral_network(network, tmp_path / "b.png", notes=box3.notes, dpi=60)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
