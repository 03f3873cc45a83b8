"""Partner-use bar chart (report Figure 6): what is drawn, what is left out, and the alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer

from cwp_analysis.figures.service_use import partner_use_figure
from cwp_analysis.figures.style import ALT_TEXT_LIMIT, OKABE_ITO, save_figure
from cwp_analysis.tables import partner_use_publication_table


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def partners() -> pd.DataFrame:
    # 30, 20 and 5 of 68 women; Wilson 95% intervals (statsmodels proportion_confint, method="wilson")
    return pd.DataFrame({
        "variable": ["uses_fwt", "uses_crasac", "uses_kairos"],
        "label": ["Uses FWT", "Uses CRASAC", "Uses Kairos"],
        "count": [30, 20, 5],
        "n": [68, 68, 68],
        "percent": [44.117647, 29.411765, 7.352941],
        "ci_low": [32.946234, 19.919011, 3.181484],
        "ci_high": [55.918135, 41.106280, 16.085188],
    })


def test_one_bar_per_partner_with_interval_whiskers(partners):
    fig, _ = partner_use_figure(partners)
    ax = fig.axes[0]
    bars = ax.patches
    assert np.allclose([b.get_width() for b in bars], [44.117647, 29.411765, 7.352941])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Uses FWT", "Uses CRASAC", "Uses Kairos"]
    assert ax.yaxis_inverted()  # first partner at the top
    assert ax.get_xlim() == (0.0, 100.0)
    assert np.allclose(bars[0].get_facecolor()[:3], plt.matplotlib.colors.to_rgb(OKABE_ITO[0]))
    errorbar = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    whiskers = errorbar.lines[2][0].get_segments()
    assert np.allclose([seg[:, 0] for seg in whiskers],
                       [[32.946234, 55.918135], [19.919011, 41.106280], [3.181484, 16.085188]])
    assert ax.get_xlabel() == "Women using the partner (% of those answering, 95% interval)"


def test_withheld_rows_are_left_out_of_bars_and_alt(partners):
    fig, alt = partner_use_figure(partners, shown=pd.Series([True, True, False]), confidence=0.9)
    assert len(fig.axes[0].patches) == 2
    assert alt == ("Horizontal bar chart of the share of survey respondents using each of 2 partner(s), with 90% "
                   "interval whiskers. 1 partner(s) not shown (withheld). Values are in the table. "
                   "Uses FWT: 44% (n=68). Uses CRASAC: 29% (n=68).")
    assert "Kairos" not in alt
    assert fig.axes[0].get_xlabel().endswith("(% of those answering, 90% interval)")


def test_draws_the_published_values_of_the_disclosed_table(partners):
    disclosed = partner_use_publication_table(partners).disclose(7)
    fig, alt = partner_use_figure(disclosed)
    assert np.allclose([b.get_width() for b in fig.axes[0].patches], [44.1, 29.4])   # the table's decimals
    assert "1 partner(s) withheld by disclosure control (counts of 7 or fewer)." in alt
    assert "Kairos" not in alt and len(alt) <= ALT_TEXT_LIMIT
    with pytest.raises(ValueError, match="shown applies"):
        partner_use_figure(disclosed, shown=[True, True, True])


def test_every_partner_withheld_gives_one_sentence(partners):
    few = partners.assign(count=[3, 2, 5], n=[9, 9, 9])
    fig, alt = partner_use_figure(partner_use_publication_table(few).disclose(7))
    assert [t.get_text() for t in fig.axes[0].texts] == [
        "All values withheld by disclosure control (counts of 7 or fewer)."]
    assert alt.startswith("All values withheld by disclosure control (counts of 7 or fewer).")
    fig, alt = partner_use_figure(partners, shown=[False, False, False])
    assert fig.axes[0].texts and "not drawn" in alt


def test_saved_figure_is_reproducible(partners, tmp_path):
    first = save_figure(partner_use_figure(partners)[0], tmp_path / "a.png")[0].read_bytes()
    second = save_figure(partner_use_figure(partners)[0], tmp_path / "b.png")[0].read_bytes()
    assert first == second


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="ci_low"), "lacks column"),
    (lambda f: f.assign(percent=[44.1, 129.4, 7.4]), "from 0 to 100"),
    (lambda f: f.assign(ci_high=[40.0, 41.1, 16.1]), "contain its share"),
])
def test_bad_tables_are_refused(partners, change, message):
    with pytest.raises(ValueError, match=message):
        partner_use_figure(change(partners))


def test_bad_flags_and_levels_are_refused(partners):
    with pytest.raises(ValueError, match="flag each of the 3"):
        partner_use_figure(partners, shown=[True, False])
    with pytest.raises(ValueError, match="confidence"):
        partner_use_figure(partners, confidence=95)
    with pytest.raises(ValueError, match="DataFrame"):
        partner_use_figure(partners.to_dict())
