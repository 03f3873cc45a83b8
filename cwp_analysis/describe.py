"""Descriptive summaries of the survey: frequencies, service use and Likert layouts.

Every function takes a survey in the project's wide layout (one row per
respondent; see :mod:`cwp_analysis.codebook`) and returns aggregated tables
only -- counts, percentages and intervals per response code -- never
respondent-level rows.  Labels come from the codebook, so every code of a
scale appears, including codes nobody chose.

Conventions
-----------
* Percentages are of the respondents who answered the item (``n``); the
  number who left it blank is reported as ``n_missing``, and respondents to
  whom a filtered question did not apply (``depends_on`` in the codebook) as
  ``n_not_applicable``.
* Intervals are Wilson score intervals [1]_ from
  :func:`statsmodels.stats.proportion.proportion_confint`, reported in
  percent like the estimates.
* Before/after items have a ``timepoint`` of ``"before"`` or ``"after"``;
  single-time items have ``timepoint`` None.
* An item nobody answered raises ``ValueError`` by default.  Every function
  the chapters call takes ``on_empty="keep"`` to keep such an item instead,
  with zero counts, ``n = 0`` and NaN percentages and intervals, so that a
  page can say that nobody answered (for example the children question in
  a survey where no woman has children).

This module gathers functions that live in modules split by
responsibility: :mod:`cwp_analysis.frequencies` (frequency tables, shares,
demographics), :mod:`cwp_analysis.service_use` and
:mod:`cwp_analysis.likert_layouts`.

References
----------
.. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and
   statistical inference. Journal of the American Statistical Association,
   22(158), 209-212.
.. [2] Heiberger, R. M. and Robbins, N. B. (2014). Design of diverging stacked
   bar charts for Likert scales and other applications. Journal of
   Statistical Software, 57(5), 1-32.
.. [3] Just Economics (2020). Coventry Women's Project Partnership -- A social
   impact study. Sections 4.2.1-4.2.3, Figures 6-9.
"""

from __future__ import annotations

from cwp_analysis.frequencies import (
    Proportion,
    demographics_table,
    frequency_table,
    frequency_tables,
    share_of_codes,
)
from cwp_analysis.likert_layouts import likert_summary, needs_summary
from cwp_analysis.service_use import (
    ServiceUseTables,
    service_use_table,
    services_per_woman,
)

__all__ = [
    "Proportion",
    "ServiceUseTables",
    "demographics_table",
    "frequency_table",
    "frequency_tables",
    "likert_summary",
    "needs_summary",
    "service_use_table",
    "services_per_woman",
    "share_of_codes",
]
