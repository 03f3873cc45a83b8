"""The attacker's reading of figure alt text and prose.

Figures carry their numbers in their alt text, and the prose quotes shares
with their bases.  :func:`alt_text_facts` links each part of an alt text to
the table row it describes, by the row's label:

* ``"I feel understood by staff: 54% positive, 46% neutral or negative
  (n=28)"`` is a share of the row's positive answers (the answer columns
  the alt text names as positive, or the upper half of the scale) over
  its base of 28;
* ``"Optimistic: 24% before, 48% after"`` gives the shares of the row's
  ``Before n`` and ``After n`` over its pairs;
* ``"Uses FWT 44% (n=68)"`` a share of the row's one count over 68.

Parts that match no table row, and shares quoted in prose as
``"8% of 65"`` or ``"8% (n=65)"``, still imply a count: an unknown bound
by the share, asked about with its complement.
"""

from __future__ import annotations

import re

from cwp_analysis.attack_solver import Expr
from cwp_analysis.attack_tables import PageFacts
from cwp_analysis.attack_values import likert_groups, norm, rounded_number

__all__ = ["alt_text_facts", "group_definitions", "prose_facts"]

_SIDE = re.compile(r"(negative|positive) answers \(([^)]*)\)")
_SHARE = re.compile(r"([0-9]+(?:\.[0-9]+)?)%(?: ((?:neutral or negative|positive|neutral|negative|before|after)\b))?")
_BASE = re.compile(r"\(n\s*=\s*([0-9][0-9,]*)")
_PROSE = (re.compile(r"\b([0-9]+(?:\.[0-9]+)?)\s?% of (?:the |all |those )?([0-9][0-9,]*)\b"),
          re.compile(r"\b([0-9]+(?:\.[0-9]+)?)\s?%,? \(n\s*=\s*([0-9][0-9,]*)\)"))
_GROUP_WORDS = {"positive": ("positive",), "neutral": ("neutral",), "negative": ("negative",),
                "neutral or negative": ("neutral", "negative")}


def group_definitions(alts: list[str]) -> list[dict]:
    """The answers each alt text names as negative and positive (``negative answers ('A', 'B')``)."""
    out = []
    for alt in alts:
        sides = {side: re.findall(r"'([^']*)'", names) for side, names in _SIDE.findall(alt)}
        if sides:
            out.append(sides)
    return out


def _segment(alt: str, start: int) -> str:
    """The text from ``start`` to the next ``;`` outside parentheses (or the end)."""
    depth = 0
    for position in range(start, len(alt)):
        char = alt[position]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            return alt[start:position]
    return alt[start:]


def _shares(segment: str) -> list[tuple[float, float, str]]:
    found = []
    for value, word in _SHARE.findall(segment):
        parsed = rounded_number(value)
        if parsed is not None:
            found.append((parsed[0], parsed[1], word or ""))
    return found


def _implied(page: PageFacts, value: float, half: float, base: int, element: str, where: str, note: str) -> None:
    if base <= 0:
        return
    count = page.hidden(f"{element}: count implied by {where!r}", high=base)
    page.share(count, Expr.constant(base), value - half, value + half, "alt text" if "alt" in element else "prose",
               note)
    page.ask(count, "implied count", None, None, where, element=element)
    page.ask(Expr.constant(base) - count, "implied complement", None, None, where, element=element)


def _row_columns(page: PageFacts, grid, row: int, word: str) -> tuple[list, Expr | None] | None:
    """Count cells and base a share word of an alt text refers to, in one table row."""
    headers = [norm(h) for h in grid.headers]
    if word in _GROUP_WORDS:
        groups = likert_groups(grid, page.groups)
        if not groups:
            return None
        positions = [p for g in _GROUP_WORDS[word] for p in groups[g]]
        base = next((p for p in grid.counts if headers[p] in ("base", "answering", "total")), None)
    elif word in ("before", "after"):
        positions = [p for p in grid.counts if headers[p] in (f"{word} n", f"{word} count")]
        base = next((p for p in grid.counts if headers[p] == "pairs"), None)
    else:
        base = next((p for p in grid.counts if headers[p] in ("base", "answering", "n", "pairs")), None)
        positions = [p for p in grid.counts if p != base and headers[p] not in ("total", "all")]
        if len(positions) != 1:
            return None
    if not positions:
        return None
    cells = [page.cell(grid, row, p) for p in positions]
    known = [c for c in cells if c is not None]
    if len(known) < len(cells):
        return None
    return known, (page.cell(grid, row, base) if base is not None else None)


def alt_text_facts(page: PageFacts, alts: list[tuple[str, str]]) -> None:
    """Add the facts of figure alt texts (``(element, alt text)`` pairs) to ``page``."""
    rows = [(grid, row, label) for grid in page.grids for row, label in enumerate(grid.labels)
            if label and len(label) >= 3]
    rows.sort(key=lambda item: -len(item[2]))
    for element, alt in alts:
        taken: list[tuple[int, int]] = []
        for grid, row, label in rows:
            for match in re.finditer(re.escape(label) + r"(?=:\s|\s[0-9]+(?:\.[0-9]+)?%)", alt):
                start = match.start()
                if start and not re.search(r"(?:^|[;.:]\s|\()$", alt[max(0, start - 2):start]):
                    continue
                if any(a <= start < b for a, b in taken):
                    continue
                segment = _segment(alt, match.end())
                taken.append((start, match.end() + len(segment)))
                base_match = _BASE.search(segment)
                for value, half, word in _shares(segment):
                    found = _row_columns(page, grid, row, word)
                    if found is None:
                        continue
                    cells, base_cell = found
                    count = Expr.total(cells)
                    note = f"{element}: {label!r} {value:g}% {word}".rstrip()
                    base = base_cell
                    if base_match:
                        printed = Expr.constant(int(base_match.group(1).replace(",", "")))
                        if base_cell is not None:
                            page.facts.add(base_cell - printed, 0, 0, kind="alt text", note=note)
                        base = printed
                    if base is None:
                        continue
                    page.share(count, base, value - half, value + half, "alt text", note)
                    column = f"{word or 'share'} in {element}"
                    if len(cells) > 1:
                        page.ask(count, "withheld cells together", grid, row, column)
                    page.ask(base - count, "complement", grid, row, column)
        position = 0
        for part in re.split(r";\s", alt):
            start, position = alt.find(part, position), alt.find(part, position) + len(part)
            if any(a < position and start < b for a, b in taken):
                continue  # linked to a table row above
            base_match = _BASE.search(part)
            if not base_match:
                continue
            n = int(base_match.group(1).replace(",", ""))
            where = part.split(":")[0].rsplit(". ", 1)[-1].strip()[:80]
            for value, half, word in _shares(part):
                _implied(page, value, half, n, element, f"{where}: {value:g}% {word}".strip(),
                         f"{element}: {part[:60]!r}")


def prose_facts(page: PageFacts, blocks: list[tuple[int, str, bool]]) -> None:
    """Shares quoted with their base in prose (``"8% of 65"``); code blocks are skipped."""
    for line, text, in_code in blocks:
        if in_code:
            continue
        for pattern in _PROSE:
            for match in pattern.finditer(text):
                parsed = rounded_number(match.group(1))
                base = int(match.group(2).replace(",", ""))
                if parsed is None:
                    continue
                where = text[max(0, match.start() - 40):match.end() + 20].strip()
                _implied(page, parsed[0], parsed[1], base, f"text, line {line}", where, f"line {line}: {where!r}")
