"""How the attacker reads printed numbers: rounding intervals, comparators, intervals and effect sizes.

Every printed number stands for an interval of true values: ``60.0`` for
``[59.95, 60.05]``, ``8%`` (the report's whole percent) for ``[7.5, 8.5]``,
``< 5%`` for ``[0, 5]``.  The functions here turn printed text into such
intervals and invert the statistics the project prints beside counts: a
Wilson interval of a count over a known base (:func:`wilson_counts`), and
the rank-biserial correlation, ``r = |Z|/sqrt(n)`` and exact p-value of
McNemar's test for a yes/no item (:func:`mcnemar_pairs`).  Intervals are
closed: the attacker errs on the side of allowing a value, never of
excluding it.

Examples
--------
>>> [round(x, 6) for x in share_text("60.0")]
[59.95, 60.05]
>>> low, high, unit = published_interval("8%")
>>> round(low, 6), round(high, 6), unit
(7.5, 8.5, '%')
>>> low, high, unit = published_interval("≈ 75% (read as 72.5 to under 77.5)")
>>> round(low, 6), round(high, 6), unit
(72.5, 77.5, '%')
>>> wilson_counts(65, (47.9, 71.0, 0.05))
[39]
>>> mcnemar_pairs(40, (1.0, 0.005), (0.61, 0.005), "")  # with or without continuity correction
[(0, 15), (0, 17)]
"""

from __future__ import annotations

import math
import re

__all__ = [
    "PERCENT_WORDS",
    "interval_text",
    "likert_groups",
    "mcnemar_pairs",
    "norm",
    "published_interval",
    "rounded_number",
    "share_text",
    "wilson_counts",
]

#: Header words naming a share in percent.
PERCENT_WORDS = frozenset({"%", "percent", "percentage", "pct", "share"})
_WORDS = re.compile(r"[a-z0-9]+|%")
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?(?:e([+-]?[0-9]+))?", re.IGNORECASE)
_COMPARATORS = (("<=", "<="), ("≤", "<="), (">=", ">="), ("≥", ">="), ("<", "<"), (">", ">"), ("≈", "~"),
                ("=", "="))
_SLACK = 1e-9


def norm(text: str) -> str:
    """A header's words, lower case, joined by single spaces (``"r = |Z|/sqrt(n)"`` -> ``"r z sqrt n"``)."""
    return " ".join(_WORDS.findall(str(text).lower()))


def rounded_number(text: str) -> tuple[float, float] | None:
    """A printed number and half a unit of its last printed digit, or None.

    Examples
    --------
    >>> rounded_number("0.41"), rounded_number("1,234"), rounded_number("4.6e-05")
    ((0.41, 0.005), (1234.0, 0.5), (4.6e-05, 5e-07))
    >>> rounded_number("[c]") is None
    True
    """
    match = _NUMBER.fullmatch(str(text).strip())
    if not match:
        return None
    decimals = len(match.group(1) or "")
    exponent = int(match.group(2) or 0)
    value = float(match.group(0).replace(",", ""))
    return value, 0.5 * 10.0 ** (exponent - decimals)


def share_text(text: str) -> tuple[float, float] | None:
    """The interval of a printed share (``"60.0"`` or ``"60.0%"``), in percent, or None."""
    found = rounded_number(str(text).strip().rstrip("%").strip())
    if found is None:
        return None
    value, half = found
    return value - half - _SLACK, value + half + _SLACK


def interval_text(text: str) -> tuple[float, float, float] | None:
    """A printed interval ``"47.9 to 71.0"``: its two ends and half a unit of their last digit."""
    parts = re.split(r"\s+to\s+|\s*[–-]\s*", str(text).strip().replace("%", ""), maxsplit=1)
    if len(parts) != 2:
        return None
    low, high = rounded_number(parts[0]), rounded_number(parts[1])
    if low is None or high is None:
        return None
    return low[0], high[0], max(low[1], high[1])


def published_interval(text: str) -> tuple[float, float, str] | None:
    """The values a printed figure allows: ``(low, high, unit)``, unit ``"%"``, ``"pp"`` or ``""``.

    Reads a comparator (``<``, ``<=``, ``>``, ``>=``, ``≈``), a range
    ``"5 to 11"``, the rounding of the last printed digit and a reading
    ``"(read as 72.5 to under 77.5)"``.  Returns None for text it cannot
    read, for an approximate figure without a reading, and for p-values
    and other units.
    """
    text = str(text).strip()
    if not text or text.lower().startswith("p") or "£" in text or "gbp" in text.lower():
        return None
    reading = re.search(r"\(read as ([^)]*?) to under ([^)]*?)\)", text)
    body = text[:reading.start()].strip() if reading else text
    unit = "pp" if re.search(r"\bpp\b", body) else "%" if "%" in body else ""
    if re.search(r"[a-oq-z]", re.sub(r"\bto\b|\bpp\b", "", body), re.IGNORECASE):
        return None  # points, ranks and other units
    comparator = "="
    for sign, name in _COMPARATORS:
        if body.startswith(sign):
            comparator, body = name, body[len(sign):].strip()
            break
    body = body.replace("%", "").replace("pp", "").strip()
    if reading:
        first, last = rounded_number(reading.group(1).strip()), rounded_number(reading.group(2).strip())
        if first is None or last is None:
            return None
        return first[0] - _SLACK, last[0] + _SLACK, unit
    pieces = re.split(r"\s+to\s+", body)
    numbers = [n for n in (rounded_number(p) for p in pieces) if n is not None]
    if not numbers or len(numbers) < len(pieces) or len(numbers) > 2:
        return None
    (low, low_half), (high, high_half) = numbers[0], numbers[-1]
    if comparator == "~":
        return None
    if comparator in ("<", "<="):
        return -math.inf, high + _SLACK, unit
    if comparator in (">", ">="):
        return low - _SLACK, math.inf, unit
    return low - low_half - _SLACK, high + high_half + _SLACK, unit


def _z(confidence: float) -> float:
    from scipy.stats import norm as normal

    return float(normal.ppf(1 - (1 - confidence / 100.0) / 2))


def wilson_counts(n: int, bounds: tuple[float, float, float], confidence: float = 95.0) -> list[int]:
    """Counts ``x`` of ``n`` whose Wilson interval (in percent) rounds to the printed one.

    Parameters
    ----------
    n : int
        The base.
    bounds : tuple of float
        Printed low and high ends (percent) and half a unit of their last digit.
    confidence : float
        Confidence level in percent.

    Returns
    -------
    list of int
    """
    low, high, half = bounds
    z = _z(confidence)
    found = []
    for x in range(n + 1):
        if n == 0:
            break
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        lo, hi = max(0.0, centre - spread) * 100, min(1.0, centre + spread) * 100
        if abs(lo - low) <= half + 1e-6 and abs(hi - high) <= half + 1e-6:
            found.append(x)
    return found


def _pvalue_fits(p: float, text: str) -> bool:
    text = str(text).strip().replace("p =", "").strip()
    if not text:
        return True
    if text.startswith("<"):
        bound = rounded_number(text[1:].strip())
        return bound is None or p < bound[0] + _SLACK
    found = rounded_number(text)
    return found is None or abs(p - found[0]) <= found[1] + _SLACK


def mcnemar_pairs(n: int, biserial: tuple[float, float], r: tuple[float, float], p_text: str = "") -> list[tuple[int, int]]:
    """The discordant pairs ``(b, c)`` a yes/no item's printed effect sizes allow.

    ``b`` women went from yes to no and ``c`` from no to yes, out of ``n``
    pairs.  The rank-biserial correlation is ``(c - b)/(c + b)``;
    ``r = Z/sqrt(n)`` with ``Z = |c - b|/sqrt(b + c)``, or with Edwards'
    continuity correction ``(|c - b| - 1)/sqrt(b + c)`` (both are tried);
    the exact two-sided p-value is ``2 * P(Binomial(b + c, 1/2) <= min(b, c))``.

    Parameters
    ----------
    n : int
        Complete pairs.
    biserial, r : tuple of float
        Printed value and half a unit of its last digit.
    p_text : str
        The printed exact p-value (``"0.0312"``, ``"< 0.0001"``), or ``""``.

    Returns
    -------
    list of (int, int)
    """
    from scipy.stats import binom

    found = []
    for b in range(n + 1):
        for c in range(n + 1 - b):
            m = b + c
            if m == 0 or abs((c - b) / m - biserial[0]) > biserial[1] + _SLACK:
                continue
            gaps = {abs(c - b), max(abs(c - b) - 1, 0) if b != c else 0}
            if not any(abs(g / math.sqrt(m) / math.sqrt(n) - r[0]) <= r[1] + _SLACK for g in gaps):
                continue
            if p_text and not _pvalue_fits(min(1.0, 2 * float(binom.cdf(min(b, c), m, 0.5))), p_text):
                continue
            found.append((b, c))
    return found


def likert_groups(grid, definitions: list) -> dict[str, list[int]]:
    """Answer columns of a Likert table by side: ``{"negative": [...], "neutral": [...], "positive": [...]}``.

    The sides come from a figure's alt text on the same page when it names
    them (``negative answers ('Disagree', ...)``) with this table's answer
    headers; otherwise the scale is split in the middle (the first half
    negative, the middle answer neutral, the last half positive).  Empty
    when the table has no ``% negative``/``% positive`` column.
    """
    headers = [norm(h) for h in grid.headers]
    if not any(h in ("% negative", "% positive", "% neutral") for h in headers):
        return {}
    totals = [p for p in grid.counts if headers[p] in ("total", "base", "answering", "all")]
    end = totals[0] if totals else len(headers)
    answers = [p for p in sorted(grid.counts) if p < end and not grid.counts[p]]
    by_label = {norm(grid.headers[p]): p for p in answers}
    for definition in definitions:
        named = [norm(label) for side in ("negative", "positive") for label in definition.get(side, [])]
        if named and all(label in by_label for label in named):
            negative = [by_label[norm(x)] for x in definition.get("negative", [])]
            positive = [by_label[norm(x)] for x in definition.get("positive", [])]
            return {"negative": negative, "positive": positive,
                    "neutral": [p for p in answers if p not in negative and p not in positive]}
    half = len(answers) // 2
    return {"negative": answers[:half], "positive": answers[len(answers) - half:],
            "neutral": answers[half:len(answers) - half]}
