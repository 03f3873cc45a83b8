"""Paired before/after outcome tests for the retrospective survey.

The 2018 survey asked each woman to rate key areas of her life as they were
*before* she engaged with the Partnership and as they are *now* (report,
Section 1.2).  The evaluators compared the two answers with a two-sided
Wilcoxon signed-rank test computed in Excel and quote the resulting p-values
in Sections 4.2.4-4.2.8 (mental wellbeing, basic needs, physical health,
relationships).  This module gives the same analysis with its conventions
written down.  It gathers, under one name, functions that live in modules
split by responsibility:

* :func:`wilcoxon_signed_rank` - the paired Wilcoxon signed-rank test with
  R's classic ``wilcox.test(paired = TRUE)`` defaults, built on
  :func:`scipy.stats.wilcoxon` (:mod:`cwp_analysis.paired_tests`);
* :func:`mcnemar_test` - McNemar's test for binary (yes/no) items, exact
  binomial by default, built on :func:`statsmodels.stats.contingency_tables.mcnemar`
  (:mod:`cwp_analysis.paired_tests`);
* :func:`wilson_interval` and :func:`proportion_positive` - the share
  answering with a positive code ("often" or "all of the time", "agree",
  "yes") with a Wilson interval (:mod:`cwp_analysis.proportions`);
* :func:`outcome_table` - every paired item of a domain in one vectorised
  pass, with Holm and Benjamini-Hochberg adjusted p-values and effect sizes
  (:mod:`cwp_analysis.paired_outcomes`);
* :func:`adjust_pvalues` - the multiplicity adjustments on their own
  (:mod:`cwp_analysis.multiplicity`);
* :func:`minimum_detectable_effect` and :func:`sample_size_table` - power of
  the paired design, for the prospective before/after measurement the
  report recommends (:mod:`cwp_analysis.power`).

Direction convention: every difference is ``after - before``, so a positive
statistic, z or effect size means higher codes *after* engaging.  With the
survey's codings a higher code is the better answer.

Missing answers: the functions that take two vectors raise ``ValueError`` on
a missing value unless ``nan_policy="omit"`` is given, in which case
incomplete pairs are dropped.  :func:`outcome_table` always drops incomplete
pairs item by item and reports how many pairs remained (``n_pairs``).

Importing this module is cheap: scipy and statsmodels are imported by the
functions that need them, the first time they run.

Examples
--------
>>> res = mcnemar_test([1, 1, 0, 0, 1, 0], [1, 0, 1, 1, 1, 1])
>>> res.n_discordant, res.pvalue
((1, 3), 0.625)
"""

from __future__ import annotations

from cwp_analysis.multiplicity import adjust_pvalues
from cwp_analysis.paired_outcomes import (
    ITEM_KINDS,
    OUTCOME_TABLE_COLUMNS,
    PairedItem,
    outcome_table,
)
from cwp_analysis.paired_tests import (
    McNemarResult,
    WilcoxonResult,
    mcnemar_test,
    wilcoxon_signed_rank,
)
from cwp_analysis.power import (
    WILCOXON_ARE_NORMAL,
    minimum_detectable_effect,
    sample_size_table,
)
from cwp_analysis.proportions import (
    ProportionResult,
    proportion_positive,
    wilson_interval,
)

__all__ = [
    "ITEM_KINDS",
    "OUTCOME_TABLE_COLUMNS",
    "WILCOXON_ARE_NORMAL",
    "McNemarResult",
    "PairedItem",
    "ProportionResult",
    "WilcoxonResult",
    "adjust_pvalues",
    "mcnemar_test",
    "minimum_detectable_effect",
    "outcome_table",
    "proportion_positive",
    "sample_size_table",
    "wilcoxon_signed_rank",
    "wilson_interval",
]
