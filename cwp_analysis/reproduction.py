"""Recompute the report's published claims from data and say which hold: the reproduction chapter.

This module gathers the public names of three modules:

* :mod:`cwp_analysis.claims_recompute` recomputes each claim of
  ``data/published/claims.csv`` from the survey, the Work Star readings or
  Table 1 (:func:`evaluate_claims`);
* :mod:`cwp_analysis.reproduction_tables` sets the claims beside their
  recomputed values and the counts of women they rest on, as tables that
  disclosure control protects (:class:`ClaimTable`);
* :mod:`cwp_analysis.reproduction_chapter` builds the whole chapter,
  disclosure-controlled (:func:`reproduction_chapter`): a recomputed value
  that is withheld withholds its "reproduced" mark too, and every tally,
  summary and list is built on the marks as published.

On the SYNTHETIC data shipped with the project every survey claim holds *by
construction* (the generator was calibrated to them): a "reproduced" row
there shows that the software recomputes the published numbers, not that the
report's findings are true.  Table 1 claims use the printed table and can
genuinely fail; for example the Section 5 claim that engagements were
"nearly three-fold" the target does not hold for 655/300.

Examples
--------
>>> table = evaluate_claims()
>>> row = table.set_index("id").loc["engagements_target_ratio"]
>>> row["recomputed_display"], row["status"]
('2.18 (655 / 300)', 'not reproduced')
"""

from __future__ import annotations

from cwp_analysis.claims_recompute import (
    RESULT_COLUMNS,
    STATISTICS,
    STATUS_NOT_RECOMPUTABLE,
    STATUS_NOT_REPRODUCED,
    STATUS_REPRODUCED,
    STATUS_WITHHELD,
    Recomputed,
    evaluate_claims,
    published_display,
    recompute_claim,
    share_attainability,
)
from cwp_analysis.reproduction_chapter import (
    ReproductionChapter,
    claims_by_domain,
    claims_detail_table,
    evidence_statement,
    failure_notes,
    failures_table,
    quoted_claims_tables,
    reproduction_chapter,
    withhold_statuses,
)
from cwp_analysis.reproduction_tables import (
    CHECK_MARKS,
    QUOTED_GROUPS,
    TABLE_OF_STATISTIC,
    ClaimTable,
    ClaimTally,
    CountLine,
    claims_by_scope,
    count_withheld,
    engagement_claims_table,
    marked_claims,
    supporting_count,
    survey_changes_table,
    survey_counts_table,
    survey_shares_table,
    survey_tests_claim_table,
    survey_tests_table,
    tally_claims,
    workstar_claims_table,
)

__all__ = [
    "STATUS_REPRODUCED",
    "STATUS_NOT_REPRODUCED",
    "STATUS_NOT_RECOMPUTABLE",
    "STATUS_WITHHELD",
    "RESULT_COLUMNS",
    "STATISTICS",
    "Recomputed",
    "published_display",
    "recompute_claim",
    "evaluate_claims",
    "CHECK_MARKS",
    "TABLE_OF_STATISTIC",
    "QUOTED_GROUPS",
    "ClaimTally",
    "CountLine",
    "ClaimTable",
    "marked_claims",
    "tally_claims",
    "claims_by_scope",
    "claims_by_domain",
    "supporting_count",
    "survey_shares_table",
    "survey_changes_table",
    "survey_tests_table",
    "survey_tests_claim_table",
    "survey_counts_table",
    "workstar_claims_table",
    "engagement_claims_table",
    "count_withheld",
    "withhold_statuses",
    "claims_detail_table",
    "failures_table",
    "failure_notes",
    "quoted_claims_tables",
    "evidence_statement",
    "share_attainability",
    "ReproductionChapter",
    "reproduction_chapter",
]
