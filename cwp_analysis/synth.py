"""SYNTHETIC survey and Work Star data calibrated to the published figures.

The evaluation's survey microdata (n=68) and Work Star readings were never
published (report, Section 4.2).  So that every analysis, notebook and test
can run in public, this module generates stand-in files that reproduce every
published claim about the survey (``data/published/claims.csv``) within the
claim's stated precision.  Agreement with the report is therefore true *by
construction* and says nothing about real women; see
``data/synthetic/README.md``.

What is generated, and how
--------------------------
* Single-time items (demographics, help-seeking, needs, reflections): the
  number of women answering each item and the count of every response code
  are read from ``data/synthetic/calibration.yaml``; the seed only decides
  *who* gives which answer and who skips the item.  Published quotas are
  therefore exact for every seed.
* Service use (Figure 6): every woman has a main partner, some a second one.
* Before/after items (Figures 10-13): ordinal answers from a latent-factor
  model (a person-level factor per domain, correlated across domains, plus
  item noise, cut at thresholds), so answers are correlated within a person
  and across the items of a domain.  The improvement is tuned per item by a
  deterministic search (a grid search on the latent shift, then single-category
  moves) until the two-sided Wilcoxon signed-rank p-value lies in the item's
  published window and every published share holds.
* Work Star (Figure 14): whole-number readings 1-10, first and last, with a
  mean improvement in every area.

Denominators
------------
Several published percentages are impossible as k/68 under half-up rounding
(8%, 17%, 27%, 80%, 83%, 95%).  The consistent reading is item non-response:
each percentage is over the women who answered that item.
:func:`solve_denominator` finds, per item, the largest number answering for
which whole counts reproduce every published figure of the item;
:func:`derive_denominators` runs it over ``claims.csv`` and the tests check
the calibration file against it.

Determinism
-----------
Only :func:`numpy.random.default_rng` seeded with the caller's integer seed
is used (two independent child streams, survey and Work Star).  Nothing
depends on hash seeds, locale, the clock or set iteration order, and the CSV
writer formats every value itself, so :func:`write_synthetic` produces
byte-identical files for a given seed.

References
----------
Just Economics (2020), *Coventry Women's Project Partnership - A social
impact study*, Sections 4.2.1-4.2.9 and Figures 6-14 (the published
figures); ``data/published/README.md`` (reading conventions).

Examples
--------
>>> solve_denominator([ShareTarget((1,), "=", 8.0), ShareTarget((2,), "=", 60.0)], cap=68).answered
65
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats as _sps

from cwp_analysis.codebook import Codebook, load_codebook
from cwp_analysis.errors import CwpError, DataFileError
from cwp_analysis.paths import data_file

__all__ = [
    "DEFAULT_SEED",
    "SURVEY_FILENAME",
    "WORKSTAR_FILENAME",
    "CalibrationError",
    "ShareTarget",
    "DenominatorSolution",
    "Calibration",
    "feasible_counts",
    "solve_denominator",
    "targets_from_claims",
    "derive_denominators",
    "load_calibration",
    "paired_pvalue",
    "generate_survey",
    "generate_workstar",
    "format_csv",
    "synthetic_file_bytes",
    "write_synthetic",
]

#: Seed of the committed synthetic files (1 May 2020, the report's month).
DEFAULT_SEED = 20200501
#: File names of the synthetic data sets (both carry the word SYNTHETIC).
SURVEY_FILENAME = "survey_SYNTHETIC.csv"
WORKSTAR_FILENAME = "workstar_SYNTHETIC.csv"

# The generator aims inside the published p-value window, not at its edge:
# a bounded window [low, high) is narrowed by this fraction of its width on
# the log scale at each end, and an upper bound alone is divided by
# _P_UPPER_FACTOR.  A recomputed p-value then never sits on a boundary
# (e.g. foodbanks: 0.0055 <= p < 0.0065 becomes about 0.00569..0.00629).
_P_WINDOW_INSET = 0.2
_P_UPPER_FACTOR = 2.0
_MAX_ATTEMPTS = 30  # fresh item-noise draws per paired item
_MAX_POLISH_STEPS = 40  # single-category moves per attempt
_SHIFT_GRID = np.linspace(0.0, 8.0, 401)  # latent improvement shifts searched


class CalibrationError(CwpError):
    """The generator could not meet a calibration target for this seed."""


# ---------------------------------------------------------------------------
# Denominator solver
# ---------------------------------------------------------------------------


def _percent_rounds_to(k: int, n: int, percent: int) -> bool:
    """True when ``100 k / n`` rounds half up to ``percent``.

    Exact rational arithmetic, so 8/64 = 12.5% rounds to 13 as printed
    (the report's half-up convention; see :func:`cwp_analysis.published.round_half_up`).
    """
    exact = Fraction(100 * k, n)
    return math.floor(exact + Fraction(1, 2)) == percent


@dataclass(frozen=True)
class ShareTarget:
    """One published figure about the answers to an item.

    Attributes
    ----------
    codes : tuple of int
        Response codes counted.
    comparator : {"=", "<", ">", "<=", ">=", "approx"}
        How the published value binds.
    value : float
        Published value (a percent for ``unit="percent"``, else a count).
    unit : {"percent", "count"}
    low, high : float or None
        For ``"approx"``: ``low <= share < high`` (percent).
    timepoint : str
        ``"single"``, ``"before"`` or ``"after"``.
    claim_id : str
    """

    codes: tuple[int, ...]
    comparator: str
    value: float
    unit: str = "percent"
    low: float | None = None
    high: float | None = None
    timepoint: str = "single"
    claim_id: str = ""

    def __post_init__(self) -> None:
        if self.comparator not in ("=", "<", ">", "<=", ">=", "approx"):
            raise ValueError(f"unknown comparator {self.comparator!r} (claim {self.claim_id or '?'})")
        if self.unit not in ("percent", "count"):
            raise ValueError(f"unknown unit {self.unit!r} (claim {self.claim_id or '?'})")
        if self.comparator == "approx" and (self.low is None or self.high is None):
            raise ValueError(f"an 'approx' target needs low and high (claim {self.claim_id or '?'})")
        if not self.codes:
            raise ValueError(f"a share target needs codes (claim {self.claim_id or '?'})")

    @property
    def binds_denominator(self) -> bool:
        """True for rounded or approximate percentages, which constrain n."""
        return self.unit == "percent" and self.comparator in ("=", "approx")


def feasible_counts(target: ShareTarget, n: int) -> list[int]:
    """Whole counts ``k`` (0..n) for which ``k`` of ``n`` meets the target.

    Percent targets with ``"="`` are published as whole percents rounded half
    up; inequalities and ``"approx"`` ranges compare the unrounded share.

    Examples
    --------
    >>> feasible_counts(ShareTarget((1,), "=", 8.0), 68)
    []
    >>> feasible_counts(ShareTarget((1,), "=", 8.0), 65)
    [5]
    >>> feasible_counts(ShareTarget((3,), "<", 5.0), 65)
    [0, 1, 2, 3]
    """
    if n <= 0:
        return []
    ks = range(n + 1)
    if target.unit == "count":
        ops = {
            "=": lambda k: k == target.value,
            "<": lambda k: k < target.value,
            ">": lambda k: k > target.value,
            "<=": lambda k: k <= target.value,
            ">=": lambda k: k >= target.value,
        }
        if target.comparator not in ops:
            raise ValueError(f"comparator {target.comparator!r} is not defined for counts")
        return [k for k in ks if ops[target.comparator](k)]
    value = Fraction(str(target.value))
    if target.comparator == "=":
        if value.denominator != 1:
            raise ValueError(f"published percent {target.value} is not whole (claim {target.claim_id})")
        return [k for k in ks if _percent_rounds_to(k, n, int(value))]
    share = [Fraction(100 * k, n) for k in ks]
    if target.comparator == "approx":
        low, high = Fraction(str(target.low)), Fraction(str(target.high))
        return [k for k, s in zip(ks, share) if low <= s < high]
    ops = {
        "<": lambda s: s < value,
        ">": lambda s: s > value,
        "<=": lambda s: s <= value,
        ">=": lambda s: s >= value,
    }
    return [k for k, s in zip(ks, share) if ops[target.comparator](s)]


@dataclass(frozen=True)
class DenominatorSolution:
    """Result of :func:`solve_denominator`.

    Attributes
    ----------
    answered : int
        Largest feasible number of respondents answering.
    counts : dict
        For each target's claim id (or its index), the feasible counts at
        ``answered``.
    """

    answered: int
    counts: dict[str, tuple[int, ...]]


def _jointly_feasible(targets: Sequence[ShareTarget], n: int) -> dict[str, tuple[int, ...]] | None:
    per_target: dict[str, tuple[int, ...]] = {}
    by_codes: dict[tuple[str, tuple[int, ...]], set[int]] = {}
    for i, t in enumerate(targets):
        ks = feasible_counts(t, n)
        if not ks:
            return None
        per_target[t.claim_id or str(i)] = tuple(ks)
        key = (t.timepoint, tuple(sorted(t.codes)))
        by_codes[key] = by_codes.get(key, set(ks)) & set(ks)
        if not by_codes[key]:
            return None
    # Disjoint code sets of one time point share the n answers.
    for timepoint in sorted({tp for tp, _ in by_codes}):
        groups = [(codes, ks) for (tp, codes), ks in sorted(by_codes.items()) if tp == timepoint]
        disjoint = all(
            not set(a).intersection(b) for i, (a, _) in enumerate(groups) for b, _ in groups[i + 1 :]
        )
        if disjoint and sum(min(ks) for _, ks in groups) > n:
            return None
    return per_target


def solve_denominator(targets: Sequence[ShareTarget], cap: int) -> DenominatorSolution:
    """Largest number answering an item for which every published figure holds.

    Parameters
    ----------
    targets : sequence of ShareTarget
        Every published figure of one item (all time points of a paired
        item: both halves are answered or skipped together).
    cap : int
        Upper bound: the number of respondents, or for a follow-up question
        the number of respondents asked.

    Returns
    -------
    DenominatorSolution

    Raises
    ------
    ValueError
        When no denominator from ``cap`` down to 1 fits.

    Notes
    -----
    For each candidate n from ``cap`` downwards, every target must admit a
    whole count (:func:`feasible_counts`); targets on the same codes and
    time point must admit a common count, and the smallest counts of
    mutually disjoint code sets must fit into n.  Overlapping but different
    code sets (e.g. "strongly agree" and "agree or strongly agree") are
    checked one by one only.  The largest such n is the reading that
    assumes the least item non-response.

    Examples
    --------
    >>> eth = [ShareTarget((c,), "=", v) for c, v in [(1, 31), (2, 27), (3, 17), (4, 13)]]
    >>> s = solve_denominator(eth, cap=68)
    >>> s.answered, [s.counts[str(i)] for i in range(4)]
    (64, [(20,), (17,), (11,), (8,)])
    """
    targets = list(targets)
    if cap < 1:
        raise ValueError(f"cap must be at least 1, got {cap}")
    for n in range(int(cap), 0, -1):
        counts = _jointly_feasible(targets, n)
        if counts is not None:
            return DenominatorSolution(answered=n, counts=counts)
    ids = ", ".join(t.claim_id for t in targets if t.claim_id) or "the given targets"
    raise ValueError(f"no denominator from {cap} down to 1 reproduces {ids}")


def _blank(raw) -> bool:
    return raw is None or bool(pd.isna(raw)) or str(raw).strip() == ""


def _codes_field(raw) -> tuple[int, ...]:
    if _blank(raw):
        return ()
    return tuple(int(c) for c in str(raw).split("|"))


def targets_from_claims(claims: pd.DataFrame, variable: str) -> list[ShareTarget]:
    """Share and count targets of one survey variable from the claims table.

    Parameters
    ----------
    claims : DataFrame
        ``data/published/claims.csv`` as a frame (columns ``id``,
        ``comparator``, ``value``, ``unit``, ``scope``, ``variable``,
        ``statistic``, ``codes``, ``timepoint``, ``reading_low``,
        ``reading_high``).
    variable : str
        Codebook id.

    Returns
    -------
    list of ShareTarget
        One per claim with statistic ``share`` or ``count`` on the variable.
    """
    rows = claims[(claims["scope"] == "survey") & (claims["variable"] == variable)]
    targets = []
    for _, row in rows.iterrows():
        if row["statistic"] not in ("share", "count"):
            continue
        unit = "percent" if row["statistic"] == "share" else "count"
        low = None if _blank(row.get("reading_low")) else float(row["reading_low"])
        high = None if _blank(row.get("reading_high")) else float(row["reading_high"])
        timepoint = "single" if _blank(row.get("timepoint")) else str(row["timepoint"])
        targets.append(
            ShareTarget(
                codes=_codes_field(row["codes"]),
                comparator=str(row["comparator"]),
                value=float(row["value"]),
                unit=unit,
                low=low,
                high=high,
                timepoint=timepoint,
                claim_id=str(row["id"]),
            )
        )
    return targets


def derive_denominators(
    claims: pd.DataFrame, respondents: int = 68, codebook: Codebook | None = None
) -> dict[str, DenominatorSolution]:
    """Solve the denominator of every survey item with a rounded or approximate percentage.

    Parameters
    ----------
    claims : DataFrame
        The published claims table.
    respondents : int
        Survey size (the cap for items asked of everyone).
    codebook : Codebook, optional

    Returns
    -------
    dict of str to DenominatorSolution
        Keyed by variable id, in codebook order.

    Notes
    -----
    A follow-up question (codebook ``depends_on``) is capped by the number
    of respondents giving the qualifying answer, which must itself be fixed
    by the parent's solution (one feasible count).
    """
    codebook = codebook or load_codebook()
    solutions: dict[str, DenominatorSolution] = {}
    for var in codebook.variables.values():
        targets = targets_from_claims(claims, var.id)
        if not any(t.binds_denominator for t in targets):
            continue
        cap = respondents
        if var.depends_on:
            parent = var.depends_on["variable"]
            if parent not in solutions:
                raise ValueError(f"{var.id}: its parent {parent!r} has no published share to fix who is asked")
            parent_targets = [
                t for t in targets_from_claims(claims, parent) if set(t.codes) == set(var.depends_on["codes"])
            ]
            fixed = {solutions[parent].counts[t.claim_id] for t in parent_targets}
            if len(fixed) != 1 or len(next(iter(fixed))) != 1:
                raise ValueError(f"{var.id}: the number asked (parent {parent!r}) is not fixed by the claims")
            cap = next(iter(fixed))[0]
        solutions[var.id] = solve_denominator(targets, cap)
    return solutions


# ---------------------------------------------------------------------------
# Calibration file
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SingleItemCalibration:
    variable: str
    answered: int
    counts: dict[int, int]
    answered_basis: str
    claims: tuple[str, ...] = ()
    asked_if: dict | None = None
    assign_first: dict | None = None
    unpublished: bool = False


@dataclass(frozen=True)
class PairedItemCalibration:
    variable: str
    answered: int
    answered_basis: str
    before_shares: dict[int, float]
    target_log10_p: float
    pvalue: dict[str, float]
    share_change: dict
    after_share: dict | None = None
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class BinaryPairCalibration:
    variable: str
    answered: int
    answered_basis: str
    counts: dict[int, int]
    claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The parsed ``data/synthetic/calibration.yaml`` (see that file for meanings)."""

    default_seed: int
    respondents: int
    respondent_id_format: str
    single_items: tuple[SingleItemCalibration, ...]
    service_use: tuple[dict, ...]
    paired_defaults: dict
    paired_domains: dict[str, dict]
    paired_items: tuple[PairedItemCalibration, ...]
    binary_pairs: tuple[BinaryPairCalibration, ...]
    workstar: dict
    source: str = ""
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def single(self, variable: str) -> SingleItemCalibration:
        for item in self.single_items:
            if item.variable == variable:
                return item
        raise KeyError(f"no single-item calibration for {variable!r}")

    def claim_ids(self) -> tuple[str, ...]:
        """Every claim id the calibration says it satisfies, in file order."""
        ids: list[str] = list(self.raw.get("claims", []))
        for section in ("single_items", "paired_items", "binary_pairs"):
            for entry in self.raw.get(section, []):
                ids.extend(entry.get("claims", []))
        ids.extend(self.raw.get("service_use", {}).get("claims", []))
        ids.extend(self.raw.get("workstar", {}).get("claims", []))
        return tuple(dict.fromkeys(ids))


def _int_keys(mapping: Mapping, where: str) -> dict[int, object]:
    try:
        return {int(k): v for k, v in mapping.items()}
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: codes must be whole numbers") from None


def parse_calibration(raw: dict, codebook: Codebook | None = None, source: str = "<calibration>") -> Calibration:
    """Check a calibration mapping against the codebook and build a :class:`Calibration`.

    Raises
    ------
    DataFileError
        Listing every problem (unknown variable, code not in the scale,
        counts not adding up to ``answered``, ...), one per line.
    """
    codebook = codebook or load_codebook()
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise DataFileError(f"{source}: expected a mapping at the top level")
    for key in ("default_seed", "respondents", "respondent_id_format", "single_items",
                "service_use", "paired_domains", "paired_items", "binary_pairs", "workstar"):
        if key not in raw:
            problems.append(f"{source}: missing key {key!r}")
    if problems:
        raise DataFileError("invalid calibration:\n" + "\n".join(problems))
    n = int(raw["respondents"])

    def variable(vid: str, where: str):
        if vid not in codebook.variables:
            problems.append(f"{where}: unknown codebook variable {vid!r}")
            return None
        return codebook.variable(vid)

    singles = []
    for i, e in enumerate(raw["single_items"]):
        where = f"{source}: single_items[{i}] ({e.get('variable')!r})"
        var = variable(e.get("variable"), where)
        counts = _int_keys(e.get("counts", {}), where)
        if var is not None:
            if var.paired:
                problems.append(f"{where}: a before/after item belongs under paired_items")
            bad = sorted(set(counts) - set(var.scale.allowed_codes))
            if bad:
                problems.append(f"{where}: codes {bad} are not in scale {var.scale.id!r}")
        if sum(int(c) for c in counts.values()) != int(e.get("answered", -1)):
            problems.append(f"{where}: counts add up to {sum(counts.values())}, not answered={e.get('answered')}")
        if not 0 < int(e.get("answered", 0)) <= n:
            problems.append(f"{where}: answered must be 1..{n}")
        singles.append(
            SingleItemCalibration(
                variable=e.get("variable"),
                answered=int(e.get("answered", 0)),
                counts={k: int(v) for k, v in counts.items()},
                answered_basis=str(e.get("answered_basis", "")),
                claims=tuple(e.get("claims", ())),
                asked_if=e.get("asked_if"),
                assign_first=e.get("assign_first"),
                unpublished=bool(e.get("unpublished", False)),
            )
        )
    paired = []
    for i, e in enumerate(raw["paired_items"]):
        where = f"{source}: paired_items[{i}] ({e.get('variable')!r})"
        var = variable(e.get("variable"), where)
        shares = _int_keys(e.get("before_shares", {}), where)
        if var is not None:
            if not var.paired or var.kind != "ordinal":
                problems.append(f"{where}: must be an ordinal before/after item")
            elif sorted(shares) != sorted(var.scale.allowed_codes):
                problems.append(f"{where}: before_shares must give every code of {var.scale.id!r}")
            if var.domain not in raw["paired_domains"]:
                problems.append(f"{where}: domain {var.domain!r} has no entry in paired_domains")
        if abs(sum(float(v) for v in shares.values()) - 1.0) > 1e-9:
            problems.append(f"{where}: before_shares must add up to 1")
        if not 0 < int(e.get("answered", 0)) <= n:
            problems.append(f"{where}: answered must be 1..{n}")
        if not set(e.get("pvalue", {})) or set(e.get("pvalue", {})) - {"ge", "lt"}:
            problems.append(f"{where}: pvalue needs 'lt' and optionally 'ge'")
        paired.append(
            PairedItemCalibration(
                variable=e.get("variable"),
                answered=int(e.get("answered", 0)),
                answered_basis=str(e.get("answered_basis", "")),
                before_shares={k: float(v) for k, v in shares.items()},
                target_log10_p=float(e.get("target_log10_p", -6)),
                pvalue={k: float(v) for k, v in e.get("pvalue", {}).items()},
                share_change=dict(e.get("share_change", {})),
                after_share=e.get("after_share"),
                claims=tuple(e.get("claims", ())),
            )
        )
    binaries = []
    for i, e in enumerate(raw["binary_pairs"]):
        where = f"{source}: binary_pairs[{i}] ({e.get('variable')!r})"
        var = variable(e.get("variable"), where)
        counts = _int_keys(e.get("counts", {}), where)
        if var is not None and (not var.paired or var.kind != "binary"):
            problems.append(f"{where}: must be a binary before/after item")
        if sum(counts.values()) != int(e.get("answered", -1)):
            problems.append(f"{where}: counts add up to {sum(counts.values())}, not answered={e.get('answered')}")
        binaries.append(
            BinaryPairCalibration(
                variable=e.get("variable"),
                answered=int(e.get("answered", 0)),
                answered_basis=str(e.get("answered_basis", "")),
                counts={k: int(v) for k, v in counts.items()},
                claims=tuple(e.get("claims", ())),
            )
        )
    partners = tuple(dict(p) for p in raw["service_use"].get("partners", []))
    for p in partners:
        variable(p.get("variable"), f"{source}: service_use")
    if sum(int(p.get("main", 0)) for p in partners) != n:
        problems.append(f"{source}: service_use: main partners must add up to {n}")
    ws = raw["workstar"]
    known_areas = [a.id for a in codebook.workstar.areas]
    if [a.get("area") for a in ws.get("areas", [])] != known_areas:
        problems.append(f"{source}: workstar: areas must be the codebook's, in order: {', '.join(known_areas)}")
    listed = [e.variable for e in (*singles, *paired, *binaries)] + [p.get("variable") for p in partners]
    duplicated = sorted({v for v in listed if listed.count(v) > 1})
    if duplicated:
        problems.append(f"{source}: calibrated more than once: {', '.join(duplicated)}")
    covered = set(listed)
    missing = [v.id for v in codebook.variables.values() if v.kind != "identifier" and v.id not in covered]
    if missing:
        problems.append(f"{source}: no calibration for {', '.join(missing)}")
    if problems:
        raise DataFileError("invalid calibration:\n" + "\n".join(problems))
    return Calibration(
        default_seed=int(raw["default_seed"]),
        respondents=n,
        respondent_id_format=str(raw["respondent_id_format"]),
        single_items=tuple(singles),
        service_use=partners,
        paired_defaults=dict(raw.get("paired_defaults", {})),
        paired_domains={k: dict(v) for k, v in raw["paired_domains"].items()},
        paired_items=tuple(paired),
        binary_pairs=tuple(binaries),
        workstar=dict(ws),
        source=source,
        raw=raw,
    )


def load_calibration(path: str | Path | None = None, codebook: Codebook | None = None) -> Calibration:
    """Load and check ``data/synthetic/calibration.yaml``.

    Raises
    ------
    DataFileError
        When the file is missing, not YAML, or inconsistent with the codebook.
    """
    path = Path(path) if path is not None else data_file("synthetic", "calibration.yaml")
    if not path.is_file():
        raise DataFileError(f"calibration file not found: {path}")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same result, faster
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from None
    return parse_calibration(raw, codebook=codebook, source=str(path))


# ---------------------------------------------------------------------------
# Generation helpers
# ---------------------------------------------------------------------------


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent survey and Work Star streams derived from one seed."""
    survey, workstar = np.random.default_rng(seed).spawn(2)
    return survey, workstar


def _spread(total: int, shares: Sequence[float]) -> np.ndarray:
    """Whole counts adding up to ``total`` (largest-remainder rounding, ties to the lower code)."""
    shares = np.asarray(shares, dtype=float)
    exact = shares / shares.sum() * total
    counts = np.floor(exact).astype(int)
    remainder = exact - counts
    order = np.argsort(-remainder, kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _assign_codes(rng, rows: np.ndarray, counts: Mapping[int, int], first: tuple[int, np.ndarray] | None):
    """Give ``counts[code]`` of ``rows`` each code, at random (optionally one code to ``first`` rows first)."""
    rows = rng.permutation(rows)
    out = {}
    codes = list(counts)
    if first is not None:
        code, preferred = first
        take = [r for r in rows if preferred[r]][: counts[code]]
        taken = set(take)
        rest = [r for r in rows if r not in taken]
        fill = counts[code] - len(take)
        take += rest[:fill]
        rest = rest[fill:]
        for r in take:
            out[r] = code
        rows = np.array(rest, dtype=int)
        codes = [c for c in codes if c != code]
    start = 0
    for code in codes:
        for r in rows[start : start + counts[code]]:
            out[r] = code
        start += counts[code]
    return out


def paired_pvalue(before, after) -> np.ndarray | float:
    """Two-sided Wilcoxon signed-rank p-value(s) of ``after - before``.

    R's classic ``wilcox.test(paired = TRUE)`` conventions (zero differences
    dropped; normal approximation with tie-corrected variance and continuity
    correction), via :func:`scipy.stats.wilcoxon` with
    ``method="approx", correction=True, zero_method="wilcox"``.  On these
    data every item has tied differences (a five-point scale allows only
    eight distinct non-zero differences), which is the branch where R, and
    :func:`cwp_analysis.stats.wilcoxon_signed_rank`, use this approximation.
    Works along the last axis, so many candidate answer vectors can be
    tested in one call.

    References
    ----------
    Wilcoxon F (1945), Individual comparisons by ranking methods,
    *Biometrics Bulletin* 1(6):80-83.  R Core Team, ``wilcox.test``
    documentation (package stats).  Virtanen P et al. (2020), SciPy 1.0,
    *Nature Methods* 17:261-272 (``scipy.stats.wilcoxon``).

    Examples
    --------
    Differences 1 (five times), 2 (three times) and two zeros: V = 5*3 + 3*7
    = 36 with 8 non-zero pairs, null mean 18 and tie-corrected variance
    51 - 144/48 = 48, so z = (36 - 18 - 0.5) / sqrt(48) = 2.526:

    >>> round(float(paired_pvalue([1, 2, 2, 3, 1, 2, 3, 2, 1, 2], [3, 3, 4, 4, 2, 4, 4, 3, 1, 2])), 5)
    0.01154
    """
    d = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = _sps.wilcoxon(d, axis=-1, method="approx", correction=True, zero_method="wilcox")
    p = np.asarray(res.pvalue, dtype=float)
    p = np.where(np.isnan(p), 1.0, p)  # all differences zero: no evidence of change
    return float(p) if p.ndim == 0 else p


def _count_bounds(spec: Mapping | None, m: int) -> tuple[int, int]:
    """Allowed whole counts of ``m`` for a share spec ``{ge|gt: x, lt|le: y}`` (fractions of 1)."""
    lo, hi = 0, m
    if not spec:
        return lo, hi
    if "ge" in spec:
        lo = max(lo, math.ceil(Fraction(str(spec["ge"])) * m))
    if "gt" in spec:
        lo = max(lo, math.floor(Fraction(str(spec["gt"])) * m) + 1)
    if "lt" in spec:
        hi = min(hi, math.ceil(Fraction(str(spec["lt"])) * m) - 1)
    if "le" in spec:
        hi = min(hi, math.floor(Fraction(str(spec["le"])) * m))
    return lo, hi


def _aim_window(low: float, high: float) -> tuple[float, float]:
    """The part of a published p-value window ``[low, high)`` the generator aims at.

    Examples
    --------
    >>> [round(x, 5) for x in _aim_window(0.0055, 0.0065)]
    [0.00569, 0.00629]
    >>> _aim_window(0.0, 0.0001)
    (0.0, 5e-05)
    """
    if not 0 <= low < high:
        raise ValueError(f"p-value window must satisfy 0 <= low < high, got {low}..{high}")
    if low == 0:
        return 0.0, high / _P_UPPER_FACTOR
    width = math.log10(high) - math.log10(low)
    return (10 ** (math.log10(low) + _P_WINDOW_INSET * width), 10 ** (math.log10(high) - _P_WINDOW_INSET * width))


@dataclass
class _PairProblem:
    """Constraints of one before/after item, in counts of its ``m`` answers."""

    codes: np.ndarray  # scale codes in order
    positive: np.ndarray
    p_low: float
    p_high: float
    target: float
    min_gain: int  # after-minus-before positives must be >= this
    after_lo: int
    after_hi: int
    max_decline: int
    max_gain: int

    def p_ok(self, p):
        return (p >= self.p_low) & (p < self.p_high)

    def violation(self, before_pos: int, after_pos):
        gain = after_pos - before_pos
        v = np.maximum(0, self.min_gain - gain)
        v = v + np.maximum(0, self.after_lo - after_pos) + np.maximum(0, after_pos - self.after_hi)
        return v


def _after_codes(latent_after, thresholds, before_idx, prob: _PairProblem):
    idx = np.searchsorted(thresholds, latent_after)
    idx = np.clip(idx, before_idx - prob.max_decline, before_idx + prob.max_gain)
    return np.clip(idx, 0, len(prob.codes) - 1)


def _polish(before_idx, after_idx, prob: _PairProblem):
    """Single-category moves (tabu search) until p and every share constraint hold."""
    before_pos = int(np.isin(before_idx, prob.positive).sum())
    k = len(prob.codes)
    seen = {after_idx.tobytes()}
    for _ in range(_MAX_POLISH_STEPS + 1):
        p = paired_pvalue(before_idx, after_idx)
        after_pos = int(np.isin(after_idx, prob.positive).sum())
        if prob.p_ok(p) and prob.violation(before_pos, after_pos) == 0:
            return after_idx
        rows = np.repeat(np.arange(len(after_idx)), 2)
        steps = np.tile([1, -1], len(after_idx))
        new = after_idx[rows] + steps
        valid = (new >= 0) & (new < k) & (new - before_idx[rows] <= prob.max_gain) & (
            before_idx[rows] - new <= prob.max_decline
        )
        rows, steps, new = rows[valid], steps[valid], new[valid]
        cand = np.repeat(after_idx[None, :], len(rows), axis=0)
        cand[np.arange(len(rows)), rows] = new
        pc = paired_pvalue(np.broadcast_to(before_idx, cand.shape), cand)
        viol = prob.violation(before_pos, np.isin(cand, prob.positive).sum(axis=1))
        dist = np.where(prob.p_ok(pc), 0.0, np.abs(np.log10(np.maximum(pc, 1e-300)) - prob.target))
        cost = viol * 100.0 + dist
        for j in np.argsort(cost, kind="stable"):
            key = cand[j].tobytes()
            if key not in seen:
                break
        else:
            return None
        seen.add(key)
        after_idx = cand[j].copy()
    return None


def _calibrate_pair(rng, z, r, item: PairedItemCalibration, domain: Mapping, prob: _PairProblem):
    """Before and after code indices for one item's ``len(z)`` answering respondents."""
    m = len(z)
    loading = float(domain["loading"])
    latent_before = loading * z + math.sqrt(1 - loading**2) * rng.standard_normal(m)
    counts = _spread(m, [item.before_shares[c] for c in prob.codes])
    order = np.argsort(latent_before, kind="stable")
    before_idx = np.empty(m, dtype=int)
    before_idx[order] = np.repeat(np.arange(len(counts)), counts)
    sorted_latent = latent_before[order]
    bounds = np.cumsum(counts)[:-1]
    # Cut points halfway between the last latent of one code and the first of
    # the next, so cutting the before latents reproduces the before codes.
    padded = np.concatenate([[sorted_latent[0] - 1.0], sorted_latent, [sorted_latent[-1] + 1.0]])
    thresholds = (padded[bounds] + padded[bounds + 1]) / 2
    resp_sd, noise_sd = float(domain["responsiveness_sd"]), float(domain["noise_sd"])
    before_pos = int(np.isin(before_idx, prob.positive).sum())
    for _attempt in range(_MAX_ATTEMPTS):
        noise = rng.standard_normal(m)

        # Latent improvement shifts on a fine grid, tested in one vectorised
        # call: take the smallest shift that reaches the goal (the after-share
        # goal when the item has one, else the target p-value).
        latent_after = latent_before + resp_sd * r + noise_sd * noise
        grid = _after_codes(latent_after[None, :] + _SHIFT_GRID[:, None], thresholds, before_idx, prob)
        if item.after_share:
            reached = np.isin(grid, prob.positive).sum(axis=1) >= (prob.after_lo + prob.after_hi) / 2
        else:
            pvalues = paired_pvalue(np.broadcast_to(before_idx, grid.shape), grid)
            reached = np.log10(np.maximum(pvalues, 1e-300)) <= prob.target
        start = grid[int(np.argmax(reached))] if reached.any() else grid[-1]
        after_idx = _polish(before_idx, start.copy(), prob)
        if after_idx is not None:
            return before_idx, after_idx
    raise CalibrationError(
        f"could not calibrate {item.variable!r} (p window {prob.p_low}..{prob.p_high}, "
        f"{before_pos} positive before) after {_MAX_ATTEMPTS} attempts; try another seed"
    )


# ---------------------------------------------------------------------------
# Public generators
# ---------------------------------------------------------------------------


def _format_id(fmt: str, number: int) -> str:
    return fmt.format(number=number)


def generate_survey(
    seed: int = DEFAULT_SEED, codebook: Codebook | None = None, calibration: Calibration | None = None
) -> pd.DataFrame:
    """Generate the SYNTHETIC survey: one row per respondent, codebook column order.

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    codebook : Codebook, optional
        Defaults to ``data/codebook.yaml``.
    calibration : Calibration, optional
        Defaults to ``data/synthetic/calibration.yaml``.

    Returns
    -------
    DataFrame
        ``respondent_id`` (``SYN-001`` ...) as ``string``, every other column
        as nullable integers (``Int64``), missing answers as ``<NA>``.

    Raises
    ------
    CalibrationError
        When a paired item cannot be brought into its p-value window
        (not observed for any seed tried; the message names the item).

    Notes
    -----
    Counts of single-time items are exact (the calibration's); who answers
    what, the before/after answers and the Work Star readings depend on the
    seed.  Before/after halves are missing together.

    Examples
    --------
    >>> df = generate_survey()
    >>> df.shape[0], df["respondent_id"].iloc[0], int((df["age_band"] == 2).sum())
    (68, 'SYN-001', 39)
    """
    seed = _check_seed(seed)
    codebook = codebook or load_codebook()
    calibration = calibration or load_calibration(codebook=codebook)
    rng, _ = _streams(seed)
    n = calibration.respondents
    values: dict[str, np.ndarray] = {c: np.full(n, -1, dtype=np.int64) for c in codebook.columns()}
    values[codebook.id_column] = np.array(
        [_format_id(calibration.respondent_id_format, i + 1) for i in range(n)], dtype=object
    )
    singles = {e.variable: e for e in calibration.single_items}
    service_vars = [p["variable"] for p in calibration.service_use]
    everyone = np.arange(n)

    for var in codebook.variables.values():
        if var.id in service_vars and var.id == service_vars[0]:
            _service_use(rng, calibration, values, n)
        if var.id not in singles:
            continue
        e = singles[var.id]
        eligible = everyone
        if e.asked_if:
            parent = values[e.asked_if["variable"]]
            eligible = everyone[np.isin(parent, e.asked_if["codes"])]
        if e.answered > len(eligible):
            raise CalibrationError(f"{var.id}: {e.answered} answers but only {len(eligible)} respondents are asked")
        answering = np.sort(rng.choice(eligible, size=e.answered, replace=False))
        first = None
        if e.assign_first:
            spec = e.assign_first
            first = (int(spec["code"]), np.isin(values[spec["variable"]], spec["codes"]))
        for row, code in _assign_codes(rng, answering, e.counts, first).items():
            values[var.id][row] = code

    _paired_items(rng, calibration, codebook, values, n)

    frame = pd.DataFrame({codebook.id_column: pd.array(values[codebook.id_column], dtype="string")})
    for column in codebook.columns():
        if column == codebook.id_column:
            continue
        col = values[column]
        frame[column] = pd.arrays.IntegerArray(np.where(col < 0, 0, col), col < 0)
    return frame[codebook.columns()]


def _service_use(rng, calibration: Calibration, values, n: int) -> None:
    partners = calibration.service_use
    main = np.repeat(np.arange(len(partners)), [int(p["main"]) for p in partners])
    main = rng.permutation(main)
    uses = np.zeros((n, len(partners)), dtype=np.int64)
    uses[np.arange(n), main] = 1
    for j, p in enumerate(partners):
        others = np.flatnonzero(uses[:, j] == 0)
        extra = rng.choice(others, size=int(p["additional"]), replace=False)
        uses[extra, j] = 1
    for j, p in enumerate(partners):
        values[p["variable"]][:] = uses[:, j]


def _paired_items(rng, calibration: Calibration, codebook: Codebook, values, n: int) -> None:
    weight = float(calibration.paired_defaults.get("general_factor_weight", 0.4))
    max_decline = int(calibration.paired_defaults.get("max_decline", 2))
    max_gain = int(calibration.paired_defaults.get("max_gain", 3))
    general = rng.standard_normal(n)
    general_response = rng.standard_normal(n)
    domains: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def domain_state(name: str):
        if name not in domains:
            z = math.sqrt(weight) * general + math.sqrt(1 - weight) * rng.standard_normal(n)
            r = math.sqrt(weight) * general_response + math.sqrt(1 - weight) * rng.standard_normal(n)
            domains[name] = (z, r, rng.permutation(n))
        return domains[name]

    gains: dict[str, Fraction] = {}
    for item in calibration.paired_items:
        var = codebook.variable(item.variable)
        z, r, skip_order = domain_state(var.domain)
        answering = np.sort(skip_order[n - item.answered :])
        codes = np.array(var.scale.allowed_codes)
        positive = np.flatnonzero(np.isin(codes, item.share_change.get("codes", var.positive_codes)))
        m = len(answering)
        min_gain = math.floor(Fraction(str(item.share_change.get("gt", 0))) * m) + 1
        for other in item.share_change.get("exceeds", []):
            if other not in gains:
                raise DataFileError(f"calibration: {item.variable} must come after {other} (share_change.exceeds)")
            min_gain = max(min_gain, math.floor(gains[other] * m) + 1)
        lo, hi = _count_bounds(item.after_share, m)
        p_low, p_high = _aim_window(float(item.pvalue.get("ge", 0.0)), float(item.pvalue["lt"]))
        prob = _PairProblem(
            codes=codes,
            positive=positive,
            p_low=p_low,
            p_high=p_high,
            target=item.target_log10_p,
            min_gain=min_gain,
            after_lo=lo,
            after_hi=hi,
            max_decline=max_decline,
            max_gain=max_gain,
        )
        before_idx, after_idx = _calibrate_pair(
            rng, z[answering], r[answering], item, calibration.paired_domains[var.domain], prob
        )
        gains[item.variable] = Fraction(
            int(np.isin(after_idx, positive).sum()) - int(np.isin(before_idx, positive).sum()), m
        )
        values[var.before_column][answering] = codes[before_idx]
        values[var.after_column][answering] = codes[after_idx]

    for item in calibration.binary_pairs:
        var = codebook.variable(item.variable)
        _, _, skip_order = domain_state(var.domain)
        answering = np.sort(skip_order[n - item.answered :])
        assigned = _assign_codes(rng, answering, item.counts, None)
        for row, code in assigned.items():
            values[var.before_column][row] = code
            values[var.after_column][row] = code


def generate_workstar(
    seed: int = DEFAULT_SEED, codebook: Codebook | None = None, calibration: Calibration | None = None
) -> pd.DataFrame:
    """Generate the SYNTHETIC Work Star file: first and last reading (1-10) per area.

    Parameters
    ----------
    seed : int
    codebook : Codebook, optional
    calibration : Calibration, optional

    Returns
    -------
    DataFrame
        ``participant_id`` then ``ws_<area>_first``, ``ws_<area>_last`` for
        every codebook area (``Int64``).

    Notes
    -----
    first = area mean + person level + noise; last = first (latent) + area
    mean change + person progress + noise; both rounded and clipped to the
    scale.  Readings are redrawn (from the same stream) in the unlikely case
    that some area shows no mean improvement, the report's one claim about
    Figure 14 (Section 4.2.9).

    Examples
    --------
    >>> ws = generate_workstar()
    >>> ws.shape, ws.columns[1]
    ((41, 15), 'ws_job_skills_first')
    """
    seed = _check_seed(seed)
    codebook = codebook or load_codebook()
    calibration = calibration or load_calibration(codebook=codebook)
    _, rng = _streams(seed)
    spec, cfg = codebook.workstar, calibration.workstar
    n = int(cfg["participants"])
    lo, hi = spec.scale_min, spec.scale_max
    areas = cfg["areas"]
    for _attempt in range(_MAX_ATTEMPTS):
        person = rng.standard_normal(n) * float(cfg["person_sd"])
        progress = rng.standard_normal(n) * float(cfg["progress_sd"])
        data = {spec.id_column: [_format_id(cfg["participant_id_format"], i + 1) for i in range(n)]}
        improved = True
        for a in areas:
            first_latent = float(a["first_mean"]) + person + rng.standard_normal(n) * float(cfg["first_noise_sd"])
            last_latent = (
                first_latent
                + float(a["change_mean"])
                + progress
                + rng.standard_normal(n) * float(cfg["change_noise_sd"])
            )
            first = np.clip(np.floor(first_latent + 0.5), lo, hi).astype(np.int64)
            last = np.clip(np.floor(last_latent + 0.5), lo, hi).astype(np.int64)
            improved &= bool(last.mean() > first.mean())
            data[spec.first_column(a["area"])] = pd.array(first, dtype="Int64")
            data[spec.last_column(a["area"])] = pd.array(last, dtype="Int64")
        if improved:
            frame = pd.DataFrame(data)
            frame[spec.id_column] = frame[spec.id_column].astype("string")
            return frame[list(spec.columns)]
    raise CalibrationError(f"Work Star: no mean improvement in every area after {_MAX_ATTEMPTS} draws")


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("boolean cells are not part of the survey layout")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if float(value).is_integer():
            return str(int(value))
        raise ValueError(f"non-integer code {value!r}: survey codes are whole numbers")
    text = str(value)
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def format_csv(frame: pd.DataFrame) -> bytes:
    """Serialise a survey or Work Star frame to canonical CSV bytes.

    Comma-separated, header row, ``\\n`` line endings, UTF-8 without BOM,
    whole numbers without decimals, missing values as empty cells; quoting
    only where a text cell needs it.  Independent of pandas' float
    formatting and of the locale.

    Examples
    --------
    >>> format_csv(pd.DataFrame({"id": ["a"], "x": pd.array([3], dtype="Int64"), "y": pd.array([None], dtype="Int64")}))
    b'id,x,y\\na,3,\\n'
    """
    lines = [",".join(_cell(c) for c in frame.columns)]
    for row in frame.itertuples(index=False, name=None):
        lines.append(",".join(_cell(v) for v in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def synthetic_file_bytes(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """The bytes of both synthetic files for a seed, keyed by file name."""
    codebook = load_codebook()
    calibration = load_calibration(codebook=codebook)
    return {
        SURVEY_FILENAME: format_csv(generate_survey(seed, codebook, calibration)),
        WORKSTAR_FILENAME: format_csv(generate_workstar(seed, codebook, calibration)),
    }


def write_synthetic(out_dir: str | Path, seed: int = DEFAULT_SEED, progress=None) -> list[Path]:
    """Write ``survey_SYNTHETIC.csv`` and ``workstar_SYNTHETIC.csv`` into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Created if missing.
    seed : int
    progress : callable, optional
        Called with ``(path, n_rows)`` after each file is written.

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, payload in synthetic_file_bytes(seed).items():
        path = out / name
        path.write_bytes(payload)
        written.append(path)
        if progress is not None:
            progress(path, payload.count(b"\n") - 1)
    return written
