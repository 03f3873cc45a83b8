"""Publication tables of before/after outcomes: paired tests, SWEMWBS scores, Work Star readings.

The builders here lay out :func:`cwp_analysis.stats.outcome_table`,
:class:`cwp_analysis.instruments.SwemwbsChangeSummary` and
:func:`cwp_analysis.instruments.workstar_summary` for readers and declare
what disclosure control must protect, as the descriptive builders of
:mod:`cwp_analysis.tables` do.  They are re-exported there, so
``tables.outcome_publication_table`` keeps working.

Besides the counts and the shares derived from them, these tables print
statistics (p-values, effect sizes, means) that rest on the same people.
They follow :mod:`cwp_analysis.derived_rule`: a mean is withheld with the
number of women it summarises, and a test's statistics with any count of
its item or any small count the statistics would give away
(:func:`cwp_analysis.derived_rule.withhold_test_block`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cwp_analysis.derived_rule import withhold_test_block
from cwp_analysis.disclosure import DisclosedTable
from cwp_analysis.publication import (
    PublicationTable,
    _check_decimals,
    _fixed,
    _interval_text,
    _require,
    format_pvalue,
    withhold_cells,
)

__all__ = [
    "outcome_publication_table",
    "swemwbs_change_publication_table",
    "workstar_publication_table",
    "TEST_COLUMNS",
    "ADJUSTED_COLUMNS",
]

_OUTCOME_COLUMNS = (
    "label", "n_pairs",
    "before_positive_n", "before_positive_pct", "before_positive_ci_low", "before_positive_ci_high",
    "after_positive_n", "after_positive_pct", "after_positive_ci_low", "after_positive_ci_high",
    "test", "method", "pvalue", "pvalue_holm", "pvalue_bh", "rank_biserial", "r_effect", "note",
)

_TEST_NAMES = {"wilcoxon": "Wilcoxon", "mcnemar": "McNemar"}

#: Columns of an outcome publication table computed from the item's test (withheld together).
TEST_COLUMNS = ("p", "Rank-biserial r", "r = |Z|/sqrt(pairs)")
#: Multiplicity-adjusted p-values: withheld for the whole family when any p-value of it is.
ADJUSTED_COLUMNS = ("p (Holm)", "p (BH)")
_COUNTS = ("Pairs", "Before n", "After n")


def _test_name(test: str, method: str) -> str:
    if method == "not tested":
        return "not tested"
    return f"{_TEST_NAMES.get(test, test)} ({method})"


def _value(row: pd.Series, column: str):
    return row[column] if column in row.index else None


def _test_rule(outcomes: pd.DataFrame):
    """The after-disclosure rule of an outcome table: withhold test statistics that would disclose."""
    raw = outcomes.copy()

    def rule(disclosed: DisclosedTable, threshold: int) -> DisclosedTable:
        mask = disclosed.suppressed
        table = disclosed.table
        withhold = pd.DataFrame(False, index=table.index, columns=[*TEST_COLUMNS, *ADJUSTED_COLUMNS])
        tested = [label for label in table.index if table.at[label, "p"] not in ("", None)]
        any_withheld = False
        for label in tested:
            row = raw.loc[label]
            kind = _value(row, "kind")
            if kind is None:
                kind = "binary" if row["test"] == "mcnemar" else "ordinal"
            hidden = withhold_test_block(
                kind=str(kind), pairs=row["n_pairs"], before_n=row["before_positive_n"],
                after_n=row["after_positive_n"], n_used=_value(row, "n_used"),
                statistic=_value(row, "statistic"), rank_biserial=row["rank_biserial"],
                counts_withheld=bool(mask.loc[label, list(_COUNTS)].any()), threshold=threshold)
            if hidden:
                withhold.loc[label, list(TEST_COLUMNS)] = True
                any_withheld = True
        if any_withheld:
            withhold.loc[tested, list(ADJUSTED_COLUMNS)] = True
        return withhold_cells(disclosed, withhold)

    return rule


def outcome_publication_table(outcomes: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """A before/after outcome table (:func:`cwp_analysis.stats.outcome_table`) for publication.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Output of :func:`cwp_analysis.stats.outcome_table` (its ``kind``,
        ``n_used`` and ``statistic`` columns are read too when present; a
        frame without them has every test statistic withheld).
    decimals : int
        Decimals of percentages and interval bounds (effect sizes get two).

    Returns
    -------
    PublicationTable
        One row per item, in the order and with the index of ``outcomes``
        (so :func:`shown_rows` can pick the items a figure may show), with
        columns ``Item``, ``Pairs``, ``Before n`` / ``Before %`` /
        ``Before CI`` (women giving a positive answer, their share of the
        pairs and its interval), the same for ``After``, ``Test``, ``p``,
        ``p (Holm)``, ``p (BH)`` (text, see :func:`format_pvalue`),
        ``Rank-biserial r``, ``r = |Z|/sqrt(pairs)`` (text, two decimals), and
        ``Note`` (why an item was not tested) when some item was not.  An
        empty ``outcomes`` gives an empty table.

    Notes
    -----
    Count columns are ``Pairs``, ``Before n`` and ``After n``; shares and
    intervals are derived from the positive count and the pairs (an
    interval of 0 of ``n`` would otherwise give ``n`` away), the note from
    the pairs.  There is no secondary suppression: the rows are different
    questions.  The complement ``Pairs - n`` is protected: each positive
    count is withheld when it is small.

    The test statistics (``p``, the effect sizes) of an item are withheld
    when any of its counts is, and when they would give away a small count
    of their own (:func:`cwp_analysis.derived_rule.withhold_test_block`):
    for a yes/no item the rank-biserial ``(c - b)/(c + b)`` and ``r`` give
    ``b + c``, and with the margins the whole 2x2 table.  When any item's
    p-value is withheld, the adjusted p-values (Holm, BH) of every item are
    withheld too: each adjusted value depends on the order, and often the
    value, of the others.  McNemar's ``min(b, c)`` is never shown.

    Examples
    --------
    >>> from cwp_analysis.stats import PairedItem, outcome_table
    >>> df = pd.DataFrame({"calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2] * 2,
    ...                    "calm_after":  [3, 4, 3, 4, 3, 3, 5, 4, 2, 4] * 2})
    >>> outcomes = outcome_table(df, [PairedItem("calm", "Feeling calm", "ordinal", (4, 5))])
    >>> row = outcome_publication_table(outcomes).disclose(7).table.iloc[0]
    >>> row["Pairs"], row["Before n"], row["After n"], row["After %"], row["p"], row["Rank-biserial r"]
    (20, 0, 10, '50.0', '< 0.0001', '1.00')

    Two women whose answer fell would be given away by the effect sizes,
    so the test statistics are withheld:

    >>> df.loc[[0, 10], "calm_after"] = 1
    >>> row = outcome_publication_table(outcome_table(df, [PairedItem("calm", "Calm", "ordinal", (4, 5))])
    ...                                 ).disclose(7).table.iloc[0]
    >>> row["p"], row["Rank-biserial r"], row["After %"]
    ('[c]', '[c]', '50.0')
    """
    _require(outcomes, _OUTCOME_COLUMNS, "outcome table")
    decimals = _check_decimals(decimals)
    if not outcomes.index.is_unique:
        raise ValueError("outcome table: the index must be unique (one row per item)")
    frame = pd.DataFrame(index=outcomes.index)
    frame["Item"] = outcomes["label"].astype(str)
    frame["Pairs"] = outcomes["n_pairs"].astype(int)
    for when in ("before", "after"):
        title = when.capitalize()
        frame[f"{title} n"] = outcomes[f"{when}_positive_n"].astype(int)
        frame[f"{title} %"] = _fixed(outcomes[f"{when}_positive_pct"], decimals)
        frame[f"{title} CI"] = _interval_text(
            outcomes[f"{when}_positive_ci_low"], outcomes[f"{when}_positive_ci_high"], decimals
        )
    frame["Test"] = [_test_name(t, m) for t, m in zip(outcomes["test"], outcomes["method"])]
    frame["p"] = [format_pvalue(p) for p in outcomes["pvalue"]]
    frame["p (Holm)"] = [format_pvalue(p) for p in outcomes["pvalue_holm"]]
    frame["p (BH)"] = [format_pvalue(p) for p in outcomes["pvalue_bh"]]
    frame["Rank-biserial r"] = _fixed(outcomes["rank_biserial"], 2)
    frame["r = |Z|/sqrt(pairs)"] = _fixed(outcomes["r_effect"], 2)
    notes = outcomes["note"].fillna("").astype(str)
    derived = {
        "Before %": ["Before n", "Pairs"], "Before CI": ["Before n", "Pairs"],
        "After %": ["After n", "Pairs"], "After CI": ["After n", "Pairs"],
    }
    if (notes.str.strip() != "").any():
        frame["Note"] = notes
        derived["Note"] = ["Pairs"]
    return PublicationTable(
        frame,
        count_columns=list(_COUNTS),
        derived_columns=derived,
        secondary=False,
        complements={"Before n": "Pairs", "After n": "Pairs"},
        after_disclosure=(_test_rule(outcomes),),
    )


_SWEMWBS_FIELDS = (
    "n", "mean_before", "mean_after", "mean_change", "change_ci_low", "change_ci_high", "threshold",
    "n_improved", "share_improved", "improved_ci_low", "improved_ci_high", "n_worsened",
    "share_worsened", "worsened_ci_low", "worsened_ci_high", "norm_population", "norm_mean",
    "difference_from_norm_before", "difference_from_norm_after", "standardised_difference_before",
    "standardised_difference_after", "standardiser", "confidence",
)


def swemwbs_change_publication_table(summary, *, decimals: int = 2) -> PublicationTable:
    """SWEMWBS metric-score change (:class:`cwp_analysis.instruments.SwemwbsChangeSummary`) for publication.

    Parameters
    ----------
    summary : SwemwbsChangeSummary
    decimals : int
        Decimals of scores, changes, percentages and standardised differences.

    Returns
    -------
    PublicationTable
        One row per measure, indexed by a short key (``mean_before``,
        ``mean_after``, ``mean_change``, ``improved``, ``worsened``,
        ``norm``, ``norm_difference_before``/``_after``,
        ``norm_standardised_before``/``_after``; publish with
        ``index=False``), with columns ``Measure``, ``Unit``, ``Base``
        (women the figure rests on), ``Count`` (women improving or
        worsening), ``Estimate`` and ``CI`` (text): mean scores before and
        after, mean change, the shares improving and worsening by at least
        the threshold, the population norm and the differences from it
        (raw and standardised).  Estimates and intervals are withheld when
        their base or count is; a share is also withheld when the women
        outside it are few.
    """
    missing = [name for name in _SWEMWBS_FIELDS if not hasattr(summary, name)]
    if missing:
        raise ValueError(f"summary lacks attribute(s) {', '.join(missing)}; pass a SwemwbsChangeSummary")
    decimals = _check_decimals(decimals)
    s = summary
    nan = np.nan
    points = "metric points"
    rows = [
        ("Mean score before", points, s.n, None, s.mean_before, nan, nan),
        ("Mean score after", points, s.n, None, s.mean_after, nan, nan),
        ("Mean change (after minus before)", points, s.n, None, s.mean_change, s.change_ci_low, s.change_ci_high),
        (f"Improved by at least {s.threshold:g} points", "% of women", s.n, s.n_improved,
         s.share_improved * 100, s.improved_ci_low * 100, s.improved_ci_high * 100),
        (f"Worsened by at least {s.threshold:g} points", "% of women", s.n, s.n_worsened,
         s.share_worsened * 100, s.worsened_ci_low * 100, s.worsened_ci_high * 100),
        (f"Population norm ({s.norm_population})", points, None, None, s.norm_mean, nan, nan),
        ("Difference from the norm, before", points, s.n, None, s.difference_from_norm_before, nan, nan),
        ("Difference from the norm, after", points, s.n, None, s.difference_from_norm_after, nan, nan),
        ("Standardised difference from the norm, before", f"{s.standardiser} units", s.n, None,
         s.standardised_difference_before, nan, nan),
        ("Standardised difference from the norm, after", f"{s.standardiser} units", s.n, None,
         s.standardised_difference_after, nan, nan),
    ]
    keys = ["mean_before", "mean_after", "mean_change", "improved", "worsened", "norm",
            "norm_difference_before", "norm_difference_after",
            "norm_standardised_before", "norm_standardised_after"]
    frame = pd.DataFrame(
        {
            "Measure": [r[0] for r in rows],
            "Unit": [r[1] for r in rows],
            "Base": pd.Series([None if r[2] is None else int(r[2]) for r in rows], index=keys, dtype=object),
            "Count": pd.Series([None if r[3] is None else int(r[3]) for r in rows], index=keys, dtype=object),
            "Estimate": _fixed([r[4] for r in rows], decimals),
            "CI": _interval_text([r[5] for r in rows], [r[6] for r in rows], decimals),
        },
        index=pd.Index(keys, name="key"),
    )
    sources = ["Base", "Count"]
    return PublicationTable(
        frame,
        count_columns=["Base", "Count"],
        derived_columns={"Estimate": sources, "CI": sources},
        secondary=False,
        complements={"Count": "Base"},
    )


def workstar_publication_table(summary: pd.DataFrame, *, decimals: int = 2) -> PublicationTable:
    """Work Star distance travelled (:func:`cwp_analysis.instruments.workstar_summary`) for publication.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``label``, ``n``, ``mean_first``, ``mean_last``,
        ``mean_change``, ``change_ci_low``, ``change_ci_high``,
        ``wilcoxon_p`` and ``rank_biserial``.
    decimals : int

    Returns
    -------
    PublicationTable
        Columns ``Outcome area``, ``Women`` (with both readings), ``Mean
        first``, ``Mean last``, ``Mean change``, ``Change CI``, ``Wilcoxon
        p`` and ``Rank-biserial r``, every statistic as text and withheld
        where ``Women`` is; the index is that of ``summary``.
    """
    _require(summary, ["label", "n", "mean_first", "mean_last", "mean_change", "change_ci_low",
                       "change_ci_high", "wilcoxon_p", "rank_biserial"], "Work Star summary")
    decimals = _check_decimals(decimals)
    frame = pd.DataFrame(
        {
            "Outcome area": summary["label"].astype(str).to_numpy(),
            "Women": summary["n"].astype(int).to_numpy(),
            "Mean first": _fixed(summary["mean_first"], decimals),
            "Mean last": _fixed(summary["mean_last"], decimals),
            "Mean change": _fixed(summary["mean_change"], decimals),
            "Change CI": _interval_text(summary["change_ci_low"], summary["change_ci_high"], decimals),
            "Wilcoxon p": [format_pvalue(p) for p in summary["wilcoxon_p"]],
            "Rank-biserial r": _fixed(summary["rank_biserial"], 2),
        },
        index=summary.index,
    )
    derived = ["Mean first", "Mean last", "Mean change", "Change CI", "Wilcoxon p", "Rank-biserial r"]
    return PublicationTable(
        frame,
        count_columns=["Women"],
        derived_columns={column: ["Women"] for column in derived},
        secondary=False,
    )


