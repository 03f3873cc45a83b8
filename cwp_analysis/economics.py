"""The indicative economic case: unit costs, break-even savings and scenarios.

The report did not estimate a social return on investment (Section 1.2).
What it offers is the grant (GBP 520,995 over three years), the number of
women engaged, the social-value ratios other organisations' studies found
(Section 2.2) and four pathways by which the State may save (Sections 4.4
and 5).  Every input lives, with its source, in ``data/economics.yaml``.

This module computes

* unit costs: grant per new engagement (Table 1, Total 1), per targeted
  engagement (the target of 300), per beneficiary-period (Total 2) and per
  year (:func:`unit_costs`, :func:`unit_cost_table`);
* the break-even saving: the average saving to the State per engaged woman
  that would repay the grant (:func:`break_even_saving`);
* scenarios: the literature's ratios applied to this grant
  (:func:`social_value_scenarios`) -- labelled SCENARIO, never a finding,
  because ratios from other services and settings say nothing measured
  about this one;
* a sensitivity grid of total saving against saving per woman and number
  of women (:func:`sensitivity_table`, :func:`draw_sensitivity`).

Examples
--------
>>> costs = unit_costs(520995, new_engagements=655, target=300, beneficiary_periods=1184, years=3)
>>> round(costs.per_new_engagement, 2), costs.per_targeted_engagement, round(costs.per_beneficiary_period, 2)
(795.41, 1736.65, 440.03)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cwp_analysis.data_files import read_yaml_mapping
from cwp_analysis.errors import DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "Parameter",
    "SroiRatio",
    "SavingsPathway",
    "EconomicInputs",
    "UnitCosts",
    "parse_economic_inputs",
    "load_economic_inputs",
    "unit_costs",
    "unit_cost_table",
    "break_even_saving",
    "social_value_scenarios",
    "sensitivity_table",
    "draw_sensitivity",
    "inputs_problems",
]

#: Label carried by every scenario row and chart.
SCENARIO_LABEL = "SCENARIO (illustration, not a finding)"
_REQUIRED_PARAMETERS = (
    "grant_total_gbp",
    "grant_years",
    "engagement_target",
    "engagements_total_1",
    "beneficiary_periods_total_2",
)


@dataclass(frozen=True)
class Parameter:
    """One input with its unit and source."""

    id: str
    value: float
    unit: str
    label: str
    source: str
    claim: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SroiRatio:
    """A social-value ratio reported by another study (value per GBP 1)."""

    id: str
    label: str
    low: float
    high: float
    horizon_years: float | None
    source: str
    literature: tuple[str, ...] = ()
    claim: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SavingsPathway:
    """One of the four pathways to savings for the State."""

    id: str
    label: str
    source: str
    toc_outcome: str | None = None


@dataclass(frozen=True)
class EconomicInputs:
    """The contents of ``data/economics.yaml``."""

    parameters: dict[str, Parameter]
    sroi_ratios: tuple[SroiRatio, ...]
    savings_pathways: tuple[SavingsPathway, ...]
    sensitivity_women: tuple[int, ...]
    sensitivity_savings: tuple[float, ...]
    currency: str = "GBP"
    source_path: str = ""

    def value(self, parameter_id: str) -> float:
        """The value of one parameter; ``KeyError`` names an unknown id."""
        try:
            return self.parameters[parameter_id].value
        except KeyError:
            raise KeyError(f"unknown economic parameter {parameter_id!r}; known: {', '.join(self.parameters)}") from None


def _number(value, where: str, problems: list[str], *, positive: bool = True) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"{where}: expected a number, got {value!r}")
        return None
    if positive and value <= 0:
        problems.append(f"{where}: must be positive, got {value!r}")
        return None
    return float(value)


def parse_economic_inputs(
    raw: dict,
    *,
    claims: Mapping[str, tuple[float, float | None]] | None = None,
    bib_keys: Collection[str] | None = None,
    toc_outcomes: Collection[str] | None = None,
    source: str = "<economics>",
) -> EconomicInputs:
    """Validate the economics mapping and build :class:`EconomicInputs`.

    Parameters
    ----------
    raw : dict
        The YAML document.
    claims : mapping of str to (value, value_high), optional
        Published claims; when given, every ``claim`` reference must exist
        and agree with the input's value (a ratio's ``low`` and ``high``
        with the claim's ``value`` and ``value_high``).
    bib_keys : collection of str, optional
        Keys that ``literature`` may cite; unchecked when None.
    toc_outcomes : collection of str, optional
        Theory-of-change outcome ids that savings pathways may name.
    source : str
        Name used in error messages.

    Raises
    ------
    DataFileError
        One line per problem.
    """
    if not isinstance(raw, dict):
        raise DataFileError(f"{source}: expected a mapping at the top level")
    problems: list[str] = []

    def check_claim(where: str, claim, value: float | None, high: float | None = None) -> None:
        if claim is None or claims is None:
            return
        if claim not in claims:
            problems.append(f"{where}: unknown claim id {claim!r} (not in claims.csv)")
            return
        published, published_high = claims[claim]
        if value is not None and not math.isclose(value, published):
            problems.append(f"{where}: value {value:g} disagrees with claim {claim!r} ({published:g})")
        if high is not None and published_high is not None and not math.isclose(high, published_high):
            problems.append(f"{where}: upper value {high:g} disagrees with claim {claim!r} ({published_high:g})")

    parameters: dict[str, Parameter] = {}
    for pid, p in (raw.get("parameters") or {}).items():
        where = f"{source}: parameter {pid}"
        if not isinstance(p, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        value = _number(p.get("value"), where, problems)
        if not p.get("source"):
            problems.append(f"{where}: needs a 'source'")
        check_claim(where, p.get("claim"), value)
        if value is not None:
            parameters[pid] = Parameter(str(pid), value, str(p.get("unit", "")), str(p.get("label", pid)),
                                        str(p.get("source", "")), p.get("claim"), " ".join(str(p.get("note", "")).split()))
    for pid in _REQUIRED_PARAMETERS:
        if pid not in parameters and not any(line.startswith(f"{source}: parameter {pid}:") for line in problems):
            problems.append(f"{source}: missing parameter {pid!r}")

    ratios = []
    for i, r in enumerate(raw.get("sroi_ratios") or []):
        if not isinstance(r, dict) or not r.get("id"):
            problems.append(f"{source}: sroi_ratios[{i}]: needs an 'id'")
            continue
        where = f"{source}: ratio {r['id']}"
        low = _number(r.get("low"), f"{where}: low", problems)
        high = _number(r.get("high"), f"{where}: high", problems)
        if low is not None and high is not None and low > high:
            problems.append(f"{where}: low {low:g} exceeds high {high:g}")
        horizon = r.get("horizon_years")
        if horizon is not None:
            horizon = _number(horizon, f"{where}: horizon_years", problems)
        if not r.get("source"):
            problems.append(f"{where}: needs a 'source'")
        literature = tuple(map(str, r.get("literature") or ()))
        if bib_keys is not None:
            for key in literature:
                if key not in bib_keys:
                    problems.append(f"{where}: unknown bib key {key!r}")
        check_claim(where, r.get("claim"), low, high)
        if low is not None and high is not None:
            ratios.append(SroiRatio(str(r["id"]), str(r.get("label", r["id"])), low, high, horizon, str(r.get("source", "")),
                                    literature, r.get("claim"), " ".join(str(r.get("note", "")).split())))

    pathways = []
    for i, sp in enumerate(raw.get("savings_pathways") or []):
        if not isinstance(sp, dict) or not sp.get("id") or not sp.get("label"):
            problems.append(f"{source}: savings_pathways[{i}]: needs 'id' and 'label'")
            continue
        outcome = sp.get("toc_outcome")
        if outcome is not None and toc_outcomes is not None and outcome not in toc_outcomes:
            problems.append(f"{source}: savings pathway {sp['id']}: unknown theory-of-change outcome {outcome!r}")
        pathways.append(SavingsPathway(str(sp["id"]), str(sp["label"]), str(sp.get("source", "")), outcome))
    if len(pathways) != 4:
        problems.append(f"{source}: the report names four savings pathways, found {len(pathways)}")

    sens = raw.get("sensitivity") or {}
    women = tuple(sens.get("women") or ())
    savings = tuple(sens.get("saving_per_woman_gbp") or ())
    if not women or any(isinstance(w, bool) or not isinstance(w, int) or w <= 0 for w in women):
        problems.append(f"{source}: sensitivity.women must list positive whole numbers")
    if not savings or any(isinstance(s, bool) or not isinstance(s, (int, float)) or s < 0 for s in savings):
        problems.append(f"{source}: sensitivity.saving_per_woman_gbp must list non-negative amounts")
    if problems:
        raise DataFileError("invalid economic inputs:\n" + "\n".join(problems))
    return EconomicInputs(parameters, tuple(ratios), tuple(pathways), tuple(int(w) for w in women),
                          tuple(float(s) for s in savings), str(raw.get("currency", "GBP")), source)


def _published_claims(path: Path | None = None) -> dict[str, tuple[float, float | None]] | None:
    path = path or data_file("published", "claims.csv")
    if not path.is_file():
        return None
    table = pd.read_csv(path, usecols=["id", "value", "value_high"])
    return {
        str(row.id): (float(row.value), None if pd.isna(row.value_high) else float(row.value_high))
        for row in table.itertuples(index=False)
    }


def load_economic_inputs(
    path: str | Path | None = None,
    *,
    claims: Mapping[str, tuple[float, float | None]] | None = None,
    bib_keys: Collection[str] | None = None,
    toc_outcomes: Collection[str] | None = None,
) -> EconomicInputs:
    """Load and validate ``data/economics.yaml``.

    Parameters
    ----------
    path : path-like, optional
        Defaults to ``data/economics.yaml``.
    claims : mapping, optional
        Defaults to ``data/published/claims.csv`` when it exists.
    bib_keys : collection of str, optional
        Defaults to the keys of ``data/references.bib``.
    toc_outcomes : collection of str, optional
        Outcome ids the savings pathways may name; unchecked when None.

    Returns
    -------
    EconomicInputs
    """
    path = Path(path) if path is not None else data_file("economics.yaml")
    raw = read_yaml_mapping(path, "economic inputs")
    if bib_keys is None:
        from cwp_analysis.bibliography import reference_keys

        bib_keys = reference_keys()
    claims = claims if claims is not None else _published_claims()
    return parse_economic_inputs(raw, claims=claims, bib_keys=bib_keys, toc_outcomes=toc_outcomes, source=str(path))


@dataclass(frozen=True)
class UnitCosts:
    """Grant divided by each denominator (all in the grant's currency).

    Attributes
    ----------
    grant : float
    per_new_engagement : float
        Grant / new engagements (Table 1, Total 1).
    per_targeted_engagement : float
        Grant / target number of women.
    per_beneficiary_period : float
        Grant / beneficiary-periods (Table 1, Total 2).
    per_year : float
        Grant / years of funding.
    """

    grant: float
    per_new_engagement: float
    per_targeted_engagement: float
    per_beneficiary_period: float
    per_year: float


def _positive(value, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def unit_costs(grant: float, *, new_engagements: float, target: float, beneficiary_periods: float, years: float) -> UnitCosts:
    """Divide the grant by each denominator.

    Parameters
    ----------
    grant : float
        Total grant.
    new_engagements, target, beneficiary_periods, years : float
        Denominators; each must be positive.

    Returns
    -------
    UnitCosts

    Raises
    ------
    ValueError
        If any input is not a positive finite number.

    Notes
    -----
    Plain averages: the grant also paid for policy and evaluation work and
    for women who engaged before the count closed, so these are costs per
    unit of output, not marginal costs.
    """
    grant = _positive(grant, "grant")
    return UnitCosts(
        grant=grant,
        per_new_engagement=grant / _positive(new_engagements, "new_engagements"),
        per_targeted_engagement=grant / _positive(target, "target"),
        per_beneficiary_period=grant / _positive(beneficiary_periods, "beneficiary_periods"),
        per_year=grant / _positive(years, "years"),
    )


def unit_cost_table(inputs: EconomicInputs) -> pd.DataFrame:
    """The unit costs with their denominators and sources.

    Returns
    -------
    pandas.DataFrame
        Columns ``measure``, ``denominator``, ``denominator_source``,
        ``cost_gbp``.
    """
    costs = unit_costs(
        inputs.value("grant_total_gbp"),
        new_engagements=inputs.value("engagements_total_1"),
        target=inputs.value("engagement_target"),
        beneficiary_periods=inputs.value("beneficiary_periods_total_2"),
        years=inputs.value("grant_years"),
    )
    p = inputs.parameters
    rows = [
        ("Cost per new engagement", p["engagements_total_1"], costs.per_new_engagement),
        ("Cost per targeted engagement", p["engagement_target"], costs.per_targeted_engagement),
        ("Cost per beneficiary-period", p["beneficiary_periods_total_2"], costs.per_beneficiary_period),
        ("Cost per year of funding", p["grant_years"], costs.per_year),
    ]
    return pd.DataFrame(
        [{"measure": m, "denominator": par.value, "denominator_source": par.source, "cost_gbp": c} for m, par, c in rows]
    )


def break_even_saving(grant: float, women: float) -> float:
    """Average saving per woman at which savings to the State equal the grant.

    Parameters
    ----------
    grant : float
    women : float
        Number of women engaged.

    Returns
    -------
    float
        ``grant / women``.

    Examples
    --------
    >>> break_even_saving(520995, 300)
    1736.65
    """
    return _positive(grant, "grant") / _positive(women, "women")


def social_value_scenarios(grant: float, ratios: Sequence[SroiRatio], women: float) -> pd.DataFrame:
    """Apply other studies' social-value ratios to this grant (scenarios only).

    Parameters
    ----------
    grant : float
    ratios : sequence of SroiRatio
    women : float
        Women engaged, to express each scenario per woman.

    Returns
    -------
    pandas.DataFrame
        One row per ratio and bound (``low``, ``high``; one row when they
        are equal): ``scenario`` (the SCENARIO label), ``ratio_id``,
        ``bound``, ``ratio``, ``social_value_gbp`` (ratio x grant),
        ``net_value_gbp`` (minus the grant), ``per_woman_gbp``,
        ``horizon_years`` and ``source``.

    Notes
    -----
    A ratio measured for other organisations, services and years cannot
    be transferred to this partnership; the rows show what the grant would
    be "worth" if it performed like those services, which is an
    illustration of scale and never evidence.
    """
    grant = _positive(grant, "grant")
    women = _positive(women, "women")
    rows = []
    for r in ratios:
        bounds = [("low", r.low), ("high", r.high)] if r.low != r.high else [("point", r.low)]
        for bound, ratio in bounds:
            value = ratio * grant
            rows.append(
                {
                    "scenario": SCENARIO_LABEL,
                    "ratio_id": r.id,
                    "label": r.label,
                    "bound": bound,
                    "ratio": ratio,
                    "social_value_gbp": value,
                    "net_value_gbp": value - grant,
                    "per_woman_gbp": value / women,
                    "horizon_years": r.horizon_years,
                    "source": r.source,
                }
            )
    return pd.DataFrame(rows)


def sensitivity_table(grant: float, women: Sequence[int], savings_per_woman: Sequence[float]) -> pd.DataFrame:
    """Total saving to the State for each number of women and saving per woman.

    Parameters
    ----------
    grant : float
    women : sequence of int
    savings_per_woman : sequence of float

    Returns
    -------
    pandas.DataFrame
        Long format, one row per combination: ``women``,
        ``saving_per_woman_gbp``, ``total_saving_gbp``, ``net_saving_gbp``
        (total minus grant), ``saving_to_cost_ratio`` and ``breaks_even``
        (total saving at least the grant).

    Examples
    --------
    >>> t = sensitivity_table(520995, [300], [1000, 2000])
    >>> t["net_saving_gbp"].tolist(), t["breaks_even"].tolist()
    ([-220995.0, 79005.0], [False, True])
    """
    grant = _positive(grant, "grant")
    if not len(women) or not len(savings_per_woman):
        raise ValueError("women and savings_per_woman must not be empty")
    rows = []
    for n in women:
        n = _positive(n, "women")
        for s in savings_per_woman:
            s = float(s)
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"saving per woman must be a non-negative finite number, got {s!r}")
            total = n * s
            rows.append(
                {
                    "women": int(n),
                    "saving_per_woman_gbp": s,
                    "total_saving_gbp": total,
                    "net_saving_gbp": total - grant,
                    "saving_to_cost_ratio": total / grant,
                    "breaks_even": total >= grant,
                }
            )
    return pd.DataFrame(rows)


def draw_sensitivity(inputs: EconomicInputs, path: str | Path, *, dpi: int = 150) -> Path:
    """Chart total saving against saving per woman, beside the savings pathways.

    One line per number of women (``sensitivity.women``), the grant as a
    horizontal line, and the break-even saving of each line marked; the
    four savings pathways of the report are listed under the chart as the
    routes by which such savings could arise.  The chart is titled as a
    scenario.

    Parameters
    ----------
    inputs : EconomicInputs
    path : path-like
        PNG file to write.
    dpi : int

    Returns
    -------
    pathlib.Path
    """
    import textwrap

    import matplotlib

    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    grant = inputs.value("grant_total_gbp")
    table = sensitivity_table(grant, inputs.sensitivity_women, inputs.sensitivity_savings)
    colours = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00")
    markers = ("o", "s", "^", "D", "v")
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=(6.4, 7.0))
        ax = fig.add_axes((0.17, 0.36, 0.78, 0.52))
        for k, n in enumerate(inputs.sensitivity_women):
            sub = table[table["women"] == n]
            colour = colours[k % len(colours)]
            be = break_even_saving(grant, n)
            ax.plot(sub["saving_per_woman_gbp"], sub["total_saving_gbp"], color=colour, marker=markers[k % len(markers)],
                    markersize=4, lw=1.6, label=f"{n} women (break-even £{be:,.0f} each)")
            ax.axvline(be, color=colour, lw=0.8, ls=":")
            ax.plot([be], [grant], marker="o", markersize=7, markerfacecolor="white", markeredgecolor=colour, zorder=3)
        ax.axhline(grant, color="#000000", lw=1.0, ls="--", label=f"Grant £{grant:,.0f}")
        money = FuncFormatter(lambda v, _: f"£{v / 1000:,.0f}k" if abs(v) >= 1000 else f"£{v:,.0f}")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
        ax.yaxis.set_major_formatter(money)
        ax.set_xlabel("Average saving to the State per woman engaged")
        ax.set_ylabel("Total saving")
        ax.legend(frameon=False, fontsize=8.5, loc="upper left")
        fig.text(0.04, 0.965, "Break-even sensitivity", fontsize=12, fontweight="bold")
        fig.text(0.04, 0.935, SCENARIO_LABEL + ": no saving was measured", fontsize=9, color="#D55E00")
        lines = ["Pathways by which savings could arise (Executive Summary; Sections 4.4 and 5):"]
        lines += [f"{i}. {sp.label} ({sp.source.split(';')[1].strip() if ';' in sp.source else sp.source})"
                  for i, sp in enumerate(inputs.savings_pathways, 1)]
        text = "\n".join(textwrap.fill(line, 80, subsequent_indent="   ") for line in lines)
        fig.text(0.04, 0.25, text, fontsize=8.5, va="top")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


def inputs_problems(inputs: EconomicInputs, toc) -> list[str]:
    """Cross-check the economic inputs against the theory of change.

    Parameters
    ----------
    inputs : EconomicInputs
    toc : cwp_analysis.toc.TheoryOfChange

    Returns
    -------
    list of str
        One line per problem: a savings pathway naming an undefined outcome,
        or a theory-of-change input naming an undefined economic parameter.
    """
    problems = []
    for sp in inputs.savings_pathways:
        if sp.toc_outcome is not None and sp.toc_outcome not in toc.outcomes:
            problems.append(f"economics: savings pathway {sp.id}: unknown theory-of-change outcome {sp.toc_outcome!r}")
    for item in toc.inputs:
        for pid in item.get("economics_parameters") or ():
            if pid not in inputs.parameters:
                problems.append(f"theory of change: input {item.get('id')}: unknown economic parameter {pid!r}")
    return problems
