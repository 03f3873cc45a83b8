"""The page attacker (``cwp_analysis.page_attack``): each leak of issue 10 on a hand-written page.

Every leak the issue lists is written as a small page laid out as the book
lays it out (``publish_table`` HTML, ``{glue:figure}`` alt text, the
reproduction chapter's columns), and the attacker must recover the
withheld count from it; the same page with the leak closed must give
nothing.  The numeric readers (rounding intervals, Wilson intervals,
McNemar effect sizes) are checked against statsmodels, independently.
"""

from __future__ import annotations

import html
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cwp_analysis.attack_solver import Expr, LinearFacts, Range
from cwp_analysis.attack_values import (
    mcnemar_pairs,
    published_interval,
    share_text,
    wilson_counts,
)
from cwp_analysis.page_attack import AttackError, Recovery, attack_page, attack_site

C = "[c]"


# --------------------------------------------------------------------------
# pages as the book renders them
# --------------------------------------------------------------------------


def table(frame: pd.DataFrame, caption: str = "A table.", *, index: bool = False, css: str = "dataframe cwp-table") -> str:
    body = frame.to_html(index=index, classes=css, border=0, na_rep="", escape=True)
    return f'<p class="cwp-table-caption"><strong>{html.escape(caption)}</strong></p>{body}'


def figure(alt: str) -> str:
    return (f'<figure class="align-default"><img alt="{html.escape(alt)}" src="../_images/x.png" />'
            "<figcaption><p>A figure.</p></figcaption></figure>")


def page(*parts: str) -> str:
    return "<html><body><main>" + "".join(parts) + "</main></body></html>"


def found(recoveries) -> list[tuple]:
    return sorted((r.element, r.row, r.column, r.what, r.low, r.high) for r in recoveries)


AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
LIKERT_PREAMBLE = ("Diverging stacked bar chart of 2 item(s) on a 5-point scale from 'Strongly disagree' to "
                   "'Strongly agree'; the neutral answer is centred on zero, negative answers ('Strongly "
                   "disagree', 'Disagree') extend left and positive answers ('Agree', 'Strongly agree') right. ")


def likert_table(rows: list[list]) -> str:
    frame = pd.DataFrame(rows, columns=["Statement", *AGREE, "Base", "% negative", "% neutral", "% positive"])
    return table(frame, "Answers to the statements about support ([c] = withheld).")


# --------------------------------------------------------------------------
# 1. Likert figures: grouped shares in the alt text beside shown cells
# --------------------------------------------------------------------------

# 28 answers: 2, 3, 8, 8, 7.  "Agree" (8) and the neutral 8 are shown; the others are withheld.
UNDERSTOOD = ["I feel understood by staff", C, C, C, 8, C, 28, C, C, C]
PLANS = ["Staff help me plan changes", 0, 0, 8, 25, 33, 66, "0.0", "12.1", "87.9"]


def test_likert_alt_text_with_the_table_recovers_the_withheld_answer():
    alt = LIKERT_PREAMBLE + ("I feel understood by staff: 54% positive, 46% neutral or negative (n=28; grouped to "
                             "protect small counts); Staff help me plan changes: 88% positive, 12% neutral, "
                             "0% negative (n=66).")
    recoveries = attack_page(page(figure(alt), likert_table([UNDERSTOOD, PLANS])), name="05.html")
    strongly = [r for r in recoveries if r.column == "Strongly agree"]
    assert [(r.row, r.what, r.low, r.high) for r in strongly] == [("I feel understood by staff", "withheld cell", 7, 7)]
    (recovery,) = strongly
    assert recovery.methods == ("alt text",)
    assert recovery.table == 1 and recovery.page == "05.html"
    assert str(recovery) == ("05.html: table 1, row 'I feel understood by staff', column 'Strongly agree': "
                             "withheld cell is 7 (from alt text)")


def test_likert_bar_withheld_in_the_alt_text_leaks_nothing():
    alt = LIKERT_PREAMBLE + ("I feel understood by staff: withheld because some answers were given by too few women; "
                             "Staff help me plan changes: 88% positive, 12% neutral, 0% negative (n=66).")
    assert attack_page(page(figure(alt), likert_table([UNDERSTOOD, PLANS]))) == []


def test_a_shown_share_of_a_side_pins_its_small_complement():
    # 19 + 46 of 68 would seek help: "95.6" positive leaves 3 women in the withheld cells of the row.
    frame = pd.DataFrame([["Would seek help from a professional", 0, C, C, 19, 46, 68, C, C, "95.6"]],
                         columns=["Statement", "Very unlikely", "Somewhat unlikely", "Not sure", "Somewhat likely",
                                  "Very likely", "Base", "% negative", "% neutral", "% positive"])
    recoveries = attack_page(page(table(frame)))
    assert ("withheld cells together", 3, 3) in [(r.what, r.low, r.high) for r in recoveries]
    assert ("complement", 3, 3) in [(r.what, r.low, r.high) for r in recoveries]
    closed = frame.assign(**{"Somewhat likely": C, "Very likely": C, "% positive": C})
    assert attack_page(page(table(closed))) == []


# --------------------------------------------------------------------------
# 2. The reproduction chapter: printed share, base and a check mark
# --------------------------------------------------------------------------


def claims_table(rows: list[list]) -> str:
    frame = pd.DataFrame(rows, columns=["claim", "source", "published", "recomputed", "check", "women counted",
                                        "other answers", "answering"])
    return table(frame, "Published shares beside the shares recomputed from the survey.")


YOUNG = ["Share of respondents aged 21 or younger.", "Section 4.2.1", "8%", C, "✔ reproduced", C, C, 65]
NOBODY = ["Share who would ask a professional for help.", "Section 4.2.3", "96%", C, "✔ reproduced", C, C, 68]


def test_a_reproduced_mark_beside_the_printed_share_and_base_pins_the_count():
    recoveries = attack_page(page(claims_table([YOUNG, NOBODY])), name="11.html")
    pinned = {(r.row.split(" / ")[0], r.column): r.interval for r in recoveries if r.what == "withheld cell"}
    assert pinned == {
        ("Share of respondents aged 21 or younger.", "women counted"): "5",
        ("Share of respondents aged 21 or younger.", "other answers"): "60",
        ("Share who would ask a professional for help.", "women counted"): "65",
        ("Share who would ask a professional for help.", "other answers"): "3",
    }
    assert all("reproduction" in r.methods for r in recoveries)


@pytest.mark.parametrize("change", [
    {"check": "[c]"},                       # the mark withheld with the count
    {"answering": C, "published": "8%"},    # or the base
])
def test_a_withheld_mark_or_base_leaks_nothing(change):
    row = dict(zip(["claim", "source", "published", "recomputed", "check", "women counted", "other answers",
                    "answering"], YOUNG))
    row.update(change)
    assert attack_page(page(claims_table([list(row.values())]))) == []


def test_a_not_reproduced_mark_says_nothing_and_a_shown_recomputed_share_is_used():
    missed = [*YOUNG[:4], "✘ not reproduced", C, C, 65]
    assert attack_page(page(claims_table([missed]))) == []
    # a recomputed share printed beside withheld counts is as good as the count
    shown = ["Share aged 21 or younger.", "Section 4.2.1", "8%", "7.7%", "✔ reproduced", C, C, 65]
    assert ("women counted", 5, 5) in [(r.column, r.low, r.high) for r in attack_page(page(claims_table([shown])))]


def test_a_reproduced_count_bound_in_the_counts_table():
    frame = pd.DataFrame([["Mothers whose children live with them.", "Section 4.2.1", "39", 39, "✔ reproduced", 14],
                          ["Women needing help who do not know where.", "Figure 8", "5", C, "✔ reproduced", C]],
                         columns=["claim", "source", "published", "recomputed", "check", "other answers"])
    (recovery,) = [r for r in attack_page(page(table(frame))) if r.column == "recomputed"]
    assert (recovery.low, recovery.high, recovery.methods) == (5, 5, ("reproduction",))


# --------------------------------------------------------------------------
# 3. Outcome tables: effect sizes of a yes/no item
# --------------------------------------------------------------------------


def outcome_table(effects: tuple[str, str, str]) -> str:
    # 40 pairs; 3 answer yes before (withheld) and 20 after: b = 0 went from yes to no, c = 17 from no to yes.
    p, rb, r = effects
    frame = pd.DataFrame([["I have a bank account", 40, C, C, C, 20, "50.0", "35.2 to 64.8", "McNemar (exact)",
                           p, p, p, rb, r]],
                         columns=["Item", "Pairs", "Before n", "Before %", "Before CI", "After n", "After %",
                                  "After CI", "Test", "p", "p (Holm)", "p (BH)", "Rank-biserial r", "r = |Z|/sqrt(n)"])
    return table(frame, "Finances before and now: pairs, women agreeing (n, %, 95% Wilson interval) and tests.")


def test_effect_sizes_of_a_yes_no_item_recover_its_withheld_count():
    recoveries = attack_page(page(outcome_table(("< 0.0001", "1.0", "0.61"))))
    (before,) = [r for r in recoveries if r.column == "Before n"]
    assert before.what == "withheld cell" and before.low <= 3 <= before.high <= 7
    assert before.methods == ("effect sizes",)


def test_effect_sizes_withheld_with_the_count_leak_nothing():
    assert attack_page(page(outcome_table((C, C, C)))) == []


def test_effect_sizes_pin_the_women_who_changed_answer():
    # 40 pairs, 20 yes before and 23 after: b = 1, c = 4 (5 changed), r_rb = 0.6, r = (3 - 1)/sqrt(5)/sqrt(40)
    frame = pd.DataFrame([["I have a bank account", 40, 20, 23, "McNemar (exact)", "0.375", "0.6", "0.14"]],
                         columns=["Item", "Pairs", "Before n", "After n", "Test", "p", "Rank-biserial r",
                                  "r = |Z|/sqrt(n)"])
    hidden = {r.column: r.interval for r in attack_page(page(table(frame))) if r.what == "hidden count"}
    assert hidden == {"women from yes to no (b)": "1", "women from no to yes (c)": "4"}


# --------------------------------------------------------------------------
# 4. Two-way tables: secondary suppression that is not enough
# --------------------------------------------------------------------------

TWO_WAY = [[2, 9, 5, 16], [9, 0, 0, 9], [12, 8, 2, 22], [23, 17, 7, 47]]


def two_way(withheld: set) -> str:
    rows = [[C if (i, j) in withheld else TWO_WAY[i][j] for j in range(4)] for i in range(4)]
    frame = pd.DataFrame(rows, index=pd.Index(["A", "B", "C", "Total"], name="Group"),
                         columns=["Partner A", "Partner B", "Partner C", "Total"])
    return table(frame, "Women by group and partner.", index=True)


def test_two_cells_per_line_is_not_enough_the_margins_give_the_count_away():
    # what today's rule withholds: two cells in every row and column with a withheld cell
    today = {(0, 0), (0, 2), (0, 3), (1, 0), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2)}
    recoveries = attack_page(page(two_way(today)))
    assert [(r.row, r.column, r.interval, r.methods) for r in recoveries] == [
        ("A", "Partner C", "5", ("margins",))]


def test_declared_count_columns_are_read_as_the_same_table():
    today = {(0, 0), (0, 2), (0, 3), (1, 0), (1, 3), (2, 1), (2, 2), (3, 1), (3, 2)}
    declared = two_way(today).replace(
        "<table ", "<table data-cwp-count-columns='[\"Partner A\", \"Partner B\", \"Partner C\", \"Total\"]' ", 1)
    assert [(r.row, r.column, r.interval) for r in attack_page(page(declared))] == [("A", "Partner C", "5")]


def test_a_protected_two_way_table_leaks_nothing():
    safe = {(0, 0), (0, 1), (0, 2), (2, 0), (2, 2), (3, 1), (3, 2)}
    assert attack_page(page(two_way(safe))) == []


# --------------------------------------------------------------------------
# 5. Shares, downloads and prose
# --------------------------------------------------------------------------


def long_table(share: str, count="[c]") -> pd.DataFrame:
    return pd.DataFrame([["Age band", "21 or under", count, 65, share, C],
                         ["Age band", "22-49", 39, 65, "60.0", "47.9 to 71.0"],
                         ["Age band", "50 or over", C, 65, C, C],
                         ["Age band", "Prefer not to say", 18, 65, "27.7", "18.3 to 39.6"]],
                        columns=["Question", "Answer", "Count", "Base", "%", "CI"])


def test_a_share_shown_beside_a_withheld_count_and_its_base():
    recoveries = attack_page(page(table(long_table("7.7"))))
    assert ("21 or under", "withheld cell", 5, 5) in [(r.row.split(" / ")[-1], r.what, r.low, r.high)
                                                       for r in recoveries]
    # the rows of one question add up to the base: the withheld pair together is 8, and each is at most 8
    assert attack_page(page(table(long_table(C)))) == []


def test_a_wilson_interval_beside_a_withheld_count():
    frame = long_table(C).assign(CI=["3.3 to 16.8", "47.9 to 71.0", C, "18.3 to 39.6"])
    (recovery,) = [r for r in attack_page(page(table(frame))) if r.row.endswith("21 or under")]
    assert (recovery.interval, recovery.methods) == ("5", ("intervals",))


def test_the_answers_of_one_question_withheld_together_can_be_small():
    frame = pd.DataFrame([["Legal issues", "I do not need help", 62, 68],
                          ["Legal issues", "I need help and I am getting it", C, 68],
                          ["Legal issues", "I need help, not getting it yet", C, 68],
                          ["Legal issues", "I need help and do not know where", 0, 68]],
                         columns=["Area", "Answer", "Count", "Base"])
    together = [r for r in attack_page(page(table(frame))) if r.what == "withheld cells together"]
    assert [(r.row, r.interval, r.methods) for r in together] == [("Legal issues", "6", ("assumed totals",))]


def test_answers_that_are_not_exclusive_are_not_assumed_to_add_up():
    # the shown counts add up to more than the base: not exclusive, whatever the caption says
    frame = pd.DataFrame([["FWT", 40, 68], ["CRASAC", C, 68], ["Haven", 30, 68]],
                         columns=["Partner", "Women using it", "Base"])
    assert attack_page(page(table(frame))) == []
    # when nothing shown contradicts it, the caption decides
    few = frame.assign(**{"Women using it": [40, C, 25]})
    assert [(r.what, r.interval) for r in attack_page(page(table(few, "Women using each partner.")))] == [
        ("withheld cell", "3")]
    assert attack_page(page(table(few, "Women using each partner. Women could use several partners."))) == []


def test_a_csv_download_with_the_count_the_page_withholds(tmp_path):
    (tmp_path / "tables").mkdir()
    long_table("7.7", count=5).assign(**{"%": "7.7"}).to_csv(tmp_path / "tables" / "ages.csv", index=False)
    text = page(table(long_table(C)), '<p><a class="reference download" href="tables/ages.csv">CSV</a></p>')
    path = tmp_path / "ages.html"
    path.write_text(text, encoding="utf-8")
    recoveries = attack_page(path)
    assert [(r.row.split(" / ")[-1], r.interval, r.methods) for r in recoveries if r.element == "table 1"] == [
        ("21 or under", "5", ("repeated table",)),
        ("50 or over", "3", ("assumed totals", "repeated table"))]  # and the other withheld answer follows
    # the same download withholding the count leaks nothing, and downloads={} ignores links
    long_table(C).to_csv(tmp_path / "tables" / "ages.csv", index=False)
    assert attack_page(path) == []
    assert attack_page(text, downloads={}) == []


def test_a_share_quoted_with_its_base_in_prose_implies_the_count():
    recoveries = attack_page(page("<p>Of the women who answered, 8% of 65 were aged 21 or under.</p>"))
    assert [(r.what, r.interval) for r in recoveries] == [("implied count", "5")]
    assert "8% of 65" in recoveries[0].column
    assert attack_page(page("<p>Of the women who answered, 8% were aged 21 or under.</p>",
                            "<pre>share = 8% of 65  # code is not prose</pre>")) == []


# --------------------------------------------------------------------------
# what the attacker leaves alone, and its parameters
# --------------------------------------------------------------------------


def test_public_source_and_no_people_tables_are_not_attacked():
    frame = long_table("7.7")
    printed = table(frame, css="dataframe cwp-table cwp-public-source")
    claims = table(frame, "Claims by scope (numbers of claims, not of people).")
    assert attack_page(page(printed, claims)) == []


def test_threshold_and_errors():
    # 5% of 170 is 8 or 9 women: within 1..10 but not within 1..7
    text = page("<p>Of the women asked, 5% of 170 had moved house.</p>")
    assert [(r.what, r.interval) for r in attack_page(text, threshold=10)] == [("implied count", "8 to 9")]
    assert attack_page(text) == []
    with pytest.raises(ValueError, match="threshold"):
        attack_page(text, threshold=0)
    with pytest.raises(AttackError, match="cannot read page"):
        attack_page("no/such/page.html")


def test_attack_site_reads_every_page_and_its_downloads(tmp_path):
    site = tmp_path / "site"
    (site / "notebooks").mkdir(parents=True)
    (site / "_downloads" / "ab12").mkdir(parents=True)
    long_table("7.7", count=5).to_csv(site / "_downloads" / "ab12" / "ages.csv", index=False)
    (site / "index.html").write_text(page("<p>Welcome.</p>"), encoding="utf-8")
    (site / "notebooks" / "04.html").write_text(
        page(table(long_table(C)), '<a href="../_downloads/ab12/ages.csv">CSV</a>'), encoding="utf-8")
    (site / "notebooks" / "11.html").write_text(page(claims_table([YOUNG])), encoding="utf-8")
    (site / "genindex.html").write_text(page(claims_table([YOUNG])), encoding="utf-8")  # Sphinx's, skipped
    report = attack_site(site)
    assert report.pages == ("index.html", "notebooks/04.html", "notebooks/11.html")
    assert sorted({r.page for r in report.recoveries}) == ["notebooks/04.html", "notebooks/11.html"]
    assert report.withheld == 5  # two counts in the table of 04, one in its download, two beside the reproduced mark
    assert not report.clean and report.summary().startswith(f"{site}: 5 count(s) recovered on 2 of 3 pages")
    frame = report.to_frame()
    assert list(frame.columns) == ["page", "element", "table", "row", "column", "what", "low", "high", "methods"]
    assert len(frame) == 5
    with pytest.raises(AttackError, match="does not exist"):
        attack_site(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AttackError, match="holds no HTML page"):
        attack_site(tmp_path / "empty")


def test_recovery_text():
    recovery = Recovery("p.html", "table 2", 2, "Yes", "n", "withheld cell", 3, 5, ("margins", "shares"))
    assert (recovery.interval, recovery.cell) == ("3 to 5", "table 2, row 'Yes', column 'n'")
    assert str(recovery) == "p.html: table 2, row 'Yes', column 'n': withheld cell is 3 to 5 (from margins, shares)"


# --------------------------------------------------------------------------
# the arithmetic
# --------------------------------------------------------------------------


def test_linear_facts_drop_contradictions_and_report_unbounded_ranges():
    facts = LinearFacts()
    x, y = Expr.of(facts.unknown("x")), Expr.of(facts.unknown("y"))
    assert facts.add(x + y, 10, 10, kind="margins")
    assert not facts.add(x - Expr.constant(11), 0, None, kind="shares", note="x >= 11")
    assert facts.dropped == ["shares: x >= 11"]
    assert facts.bounds(x) == Range(0, 10)
    z = Expr.of(facts.unknown("z"))
    assert facts.bounds(z) == Range(0, None) and not facts.bounds(z).within(1, 7)
    assert facts.bounds(x, without={"margins"}) == Range(0, None)
    assert not facts.add(Expr.constant(3), 4, 5, kind="shares") and facts.add(Expr.constant(3), 3, 3, kind="x")


@pytest.mark.parametrize("text, expected", [
    ("60%", (59.5, 60.5, "%")),
    ("60.0%", (59.95, 60.05, "%")),
    ("< 5%", (-math.inf, 5.0, "%")),
    ("> 0 pp", (0.0, math.inf, "pp")),
    ("+24.2 pp", (24.15, 24.25, "pp")),
    ("<= 2", (-math.inf, 2.0, "")),
    ("39", (38.5, 39.5, "")),
    ("≈ 75% (read as 72.5 to under 77.5)", (72.5, 77.5, "%")),
    ("5 to 11", (4.5, 11.5, "")),
    ("≈ 75%", None),
    ("p = 0.000", None),
    ("+1.23 points", None),
    ("£520,995", None),
    ("[c]", None),
])
def test_published_interval(text, expected):
    got = published_interval(text)
    if expected is None:
        assert got is None
    else:
        assert got[2] == expected[2]
        assert got[0] == pytest.approx(expected[0], abs=1e-6) and got[1] == pytest.approx(expected[1], abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 120), data=st.data())
def test_wilson_intervals_are_inverted(n, data):
    from statsmodels.stats.proportion import proportion_confint

    x = data.draw(st.integers(0, n))
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    bounds = (round(100 * low, 1), round(100 * high, 1), 0.05)
    assert x in wilson_counts(n, bounds)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 70), data=st.data())
def test_mcnemar_effect_sizes_are_inverted(n, data):
    from statsmodels.stats.contingency_tables import mcnemar

    b = data.draw(st.integers(0, n - 1))
    c = data.draw(st.integers(0 if b else 1, n - b))
    rb = (c - b) / (c + b)
    z = max(abs(c - b) - (1 if b != c else 0), 0) / math.sqrt(b + c)
    p = mcnemar([[0, b], [c, n - b - c]], exact=True).pvalue
    p_text = "< 0.0001" if p < 0.0001 else f"{p:.4f}"
    pairs = mcnemar_pairs(n, (round(rb, 2), 0.005), (round(z / math.sqrt(n), 2), 0.005), p_text)
    assert (b, c) in pairs
    assert all((y - x) * rb >= 0 for x, y in pairs)  # every candidate changes in the printed direction


def test_share_text():
    assert share_text("[c]") is None and share_text("") is None
    low, high = share_text("12.1%")
    assert (round(low, 6), round(high, 6)) == (12.05, 12.15)


def test_the_attacker_is_independent_of_the_disclosure_control_it_audits():
    import subprocess
    import sys

    code = ("import sys, cwp_analysis.page_attack; "
            "print(sorted(m for m in sys.modules if m.startswith('cwp_analysis.')))")
    import ast

    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(ast.literal_eval(output))
    assert "cwp_analysis.attack_solver" in loaded
    forbidden = {"cwp_analysis.disclosure", "cwp_analysis.tables", "cwp_analysis.publication", "cwp_analysis.notebook"}
    assert not loaded & forbidden and not any(m.startswith("cwp_analysis.sdc_") for m in loaded)
