"""Scoring of the standardised instruments: SWEMWBS and the Work Star.

The evaluation measured mental wellbeing with the Short Warwick-Edinburgh
Mental Wellbeing Scale (report Section 4.2.4, Figure 10) and employment
readiness with Triangle's Work Star (Section 4.2.9, Figure 14).  This module
turns respondent-level answers into per-person scores and summarises change
between the two measurement points.

Everything the scoring rests on is data, read from ``data/instruments/``
(with provenance in its README): the SWEMWBS raw-to-metric conversion table,
item ids, attribution, the individual meaningful-change threshold and the
population norms (``swemwbs.yaml``), and the Work Star outcome areas, scale
and Journey of Change (``workstar.yaml``).

Respondent-level outputs (:func:`swemwbs_raw_total`, :func:`swemwbs_scores`)
are for analysis only and must never be published; the summaries are the
publishable products and still go through :mod:`cwp_analysis.disclosure`.

SWEMWBS is licensed: reports using its results must carry
:attr:`SwemwbsSpec.attribution`.

This module gathers, under one name, functions that live in modules split
by responsibility: the data files and their validation in
:mod:`cwp_analysis.instrument_specs`, SWEMWBS scoring in
:mod:`cwp_analysis.swemwbs` and the Work Star summary in
:mod:`cwp_analysis.workstar`.

Examples
--------
>>> float(swemwbs_metric(21))
19.25
>>> swemwbs_metric([7, 8, 35]).tolist()
[7.0, 9.51, 35.0]
"""

from __future__ import annotations

from cwp_analysis.instrument_specs import (
    PopulationNorm,
    SwemwbsSpec,
    WorkStarInstrument,
    load_swemwbs_spec,
    load_workstar_instrument,
)
from cwp_analysis.swemwbs import (
    SwemwbsChangeSummary,
    swemwbs_change_summary,
    swemwbs_metric,
    swemwbs_raw_total,
    swemwbs_scores,
)
from cwp_analysis.workstar import workstar_summary

__all__ = [
    "PopulationNorm",
    "SwemwbsChangeSummary",
    "SwemwbsSpec",
    "WorkStarInstrument",
    "load_swemwbs_spec",
    "load_workstar_instrument",
    "swemwbs_change_summary",
    "swemwbs_metric",
    "swemwbs_raw_total",
    "swemwbs_scores",
    "workstar_summary",
]
