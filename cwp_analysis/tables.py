"""Publication tables: analysis results laid out for readers and for disclosure control.

The analysis modules return tidy frames with every column a later step
might need (codes, intervals as fractions, raw p-values, ...).  The
functions here choose and rename the columns a reader of the book needs,
round them, and declare which columns count people and which are derived
from those counts, so that :func:`cwp_analysis.disclosure.disclose` can
protect them.  Each returns a :class:`PublicationTable`; a notebook
publishes it with ``nb.publish_table(ctx, name, table.disclose(threshold),
caption=...)``.

This module holds the builders of descriptive tables (frequencies, needs,
service use, Likert items).  The table type and formatting live in
:mod:`cwp_analysis.publication`, the readers for prose in
:mod:`cwp_analysis.prose`; the before/after
builders (outcome tests, SWEMWBS, Work Star) in
:mod:`cwp_analysis.outcome_tables`.  Every public name of those modules is
importable from here too.

Conventions
-----------
* Count columns hold numbers of women; derived columns (percentages,
  intervals, means, effect sizes) are withheld wherever one of their
  source counts, or the base they divide by, is suppressed
  (:mod:`cwp_analysis.derived_rule`): an interval of "0 of n" would
  otherwise give a withheld base away.
* Small complements: a share "k of n" also publishes ``n - k``.  When
  ``n - k`` lies between 1 and the threshold, ``k`` is marked before
  disclosure so that neither the small remainder nor the share built on it
  is shown (``PublicationTable.complements``).  This is the usual rule for
  binary splits (a "95% have a bank account" line with its base reveals the
  few who have none).
* Shares quoted in prose are read from the published cells
  (:func:`cell_text`, :func:`share_text`), never recomputed from the
  data: a share recomputed elsewhere could reveal a count the table
  withholds (for instance one of two cells suppressed together).
* Secondary suppression follows the table's real arithmetic: ``"columns"``
  for stacked frequency tables (each question's counts add up to its base,
  disclosed question by question), ``"rows"`` for item-by-answer tables,
  and none where no line adds up to a published total (outcome tables,
  whose rows are different questions).
* A builder given an empty frame returns an empty table; disclosing it
  withholds nothing and raises nothing.
* Percentages are in percent.  Derived numbers (shares, intervals, means)
  are given as text with a fixed number of decimals, since a withheld
  cell turns a column into text anyway and a column should read with
  uniform decimals; p-values print as ``"< 0.0001"`` below that bound,
  else with four decimals.

Examples
--------
>>> freq = pd.DataFrame({"label": ["Disability"] * 2, "timepoint": [None, None],
...                      "code_label": ["No", "Yes"], "count": [30, 5], "n": [35, 35],
...                      "percent": [85.71, 14.29], "ci_low": [70.6, 6.3], "ci_high": [93.7, 29.4]})
>>> table = frequency_publication_table(freq)
>>> table.disclose(7).table[["Answer", "Count", "%"]].values.tolist()
[['No', '[c]', '[c]'], ['Yes', '[c]', '[c]']]

References
----------
.. [1] Hundepool A, et al. (2012). Statistical Disclosure Control. Wiley,
   chapter 4 (frequency tables; small cells and their complements).
.. [2] Just Economics (2020). Coventry Women's Project Partnership -- A
   social impact study.  Sections 4.2.1-4.2.9, Figures 6-14.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cwp_analysis.derived_rule import all_withheld, withheld_sentence
from cwp_analysis.outcome_tables import (
    ADJUSTED_COLUMNS,
    TEST_COLUMNS,
    outcome_publication_table,
    swemwbs_change_publication_table,
    workstar_publication_table,
)
from cwp_analysis.prose import (
    UNDEFINED_TEXT,
    cell_text,
    count_shown,
    count_shown_text,
    count_text,
    published_numbers,
    extreme_row_text,
    largest_rise_text,
    share_text,
    shown_rows,
)
from cwp_analysis.publication import (
    P_FLOOR,
    WITHHELD_TEXT,
    PublicationTable,
    _check_decimals,
    _fixed,
    _interval_text,
    _require,
    _timepoint_text,
    format_pvalue,
    withhold_cells,
)

__all__ = [
    "PublicationTable",
    "format_pvalue",
    "frequency_publication_table",
    "likert_publication_table",
    "needs_publication_table",
    "outcome_publication_table",
    "partner_use_publication_table",
    "services_per_woman_publication_table",
    "swemwbs_change_publication_table",
    "workstar_publication_table",
    "shown_rows",
    "cell_text",
    "share_text",
    "largest_rise_text",
    "count_shown",
    "count_shown_text",
    "count_text",
    "published_numbers",
    "extreme_row_text",
    "withhold_cells",
    "withheld_note",
    "WITHHELD_TEXT",
    "UNDEFINED_TEXT",
    "P_FLOOR",
    "TEST_COLUMNS",
    "ADJUSTED_COLUMNS",
]

# --------------------------------------------------------------------------- builders


_SHARE_DERIVED = ("%", "CI")


def frequency_publication_table(freq: pd.DataFrame, *, decimals: int = 1,
                                question_header: str = "Question") -> PublicationTable:
    """Frequency tables (:func:`cwp_analysis.describe.frequency_table` layout) for publication.

    Parameters
    ----------
    freq : pandas.DataFrame
        Columns ``label``, ``timepoint``, ``code_label``, ``count``, ``n``,
        ``percent``, ``ci_low``, ``ci_high``; one or several questions
        stacked (as from ``frequency_tables``, ``demographics_table`` or
        ``needs_summary``).
    decimals : int
        Decimals of percentages and interval bounds.
    question_header : str
        Header of the question column (e.g. ``"Area"`` for the needs items).

    Returns
    -------
    PublicationTable
        Columns ``<question_header>`` (``Time`` too when any row has a
        timepoint), ``Answer``, ``Count``, ``Base`` (women answering),
        ``%`` and ``CI`` (interval bounds as text).  Each question (and
        timepoint) is disclosed on its own, with secondary suppression down
        its counts, which add up to its base.  When ``freq`` has
        ``variable`` (or ``area``) and ``code`` columns the rows are indexed
        by ``(variable, code)``, or ``(variable, timepoint, code)`` for
        before/after items, so that :func:`cell_text` and
        :func:`share_text` can address them; publish with ``index=False``.
    """
    _require(freq, ["label", "timepoint", "code_label", "count", "n", "percent", "ci_low", "ci_high"],
             "frequency table")
    decimals = _check_decimals(decimals)
    if question_header in ("Time", "Answer", "Count", "Base", *_SHARE_DERIVED):
        raise ValueError(f"question_header {question_header!r} clashes with another column")
    frame = pd.DataFrame({question_header: freq["label"].astype(str).to_numpy()})
    times = _timepoint_text(freq["timepoint"])
    groups = [question_header]
    if any(times):
        frame["Time"] = times
        groups.append("Time")
    frame["Answer"] = freq["code_label"].astype(str).to_numpy()
    frame["Count"] = freq["count"].astype(int).to_numpy()
    frame["Base"] = freq["n"].astype(int).to_numpy()
    frame["%"] = _fixed(freq["percent"], decimals)
    frame["CI"] = _interval_text(freq["ci_low"], freq["ci_high"], decimals)
    key = next((c for c in ("variable", "area") if c in freq.columns), None)
    if key is not None and "code" in freq.columns:
        levels = [freq[key].astype(str).to_numpy()]
        names = [key]
        if any(times):
            levels.append(np.array([t.lower() for t in times], dtype=object))
            names.append("timepoint")
        levels.append(freq["code"].astype(int).to_numpy())
        names.append("code")
        frame.index = pd.MultiIndex.from_arrays(levels, names=names)
    return PublicationTable(
        frame,
        count_columns=["Count", "Base"],
        derived_columns={column: ["Count", "Base"] for column in _SHARE_DERIVED},
        secondary="columns",
        group_columns=groups,
    )


def needs_publication_table(needs: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """Needs by area of life (:func:`cwp_analysis.describe.needs_summary`) for publication.

    Parameters
    ----------
    needs : pandas.DataFrame
        Output of ``needs_summary``: ``label``, ``code_label``, ``count``,
        ``n``, ``percent``, ``ci_low``, ``ci_high``.
    decimals : int

    Returns
    -------
    PublicationTable
        The layout of :func:`frequency_publication_table` with the
        question column headed ``Area``; each area is disclosed on its own.
    """
    _require(needs, ["label", "code_label", "count", "n", "percent", "ci_low", "ci_high"], "needs summary")
    frame = needs.copy()
    frame["timepoint"] = None
    return frequency_publication_table(frame, decimals=decimals, question_header="Area")


def partner_use_publication_table(partners: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """Use of each partner (``ServiceUseTables.partners``) for publication.

    Parameters
    ----------
    partners : pandas.DataFrame
        Columns ``label``, ``count``, ``n``, ``percent``, ``ci_low``, ``ci_high``.
    decimals : int

    Returns
    -------
    PublicationTable
        Columns ``Service``, ``Women using it``, ``Base``, ``%`` and ``CI``.
        Women may use several partners, so no line adds up and there is no
        secondary suppression; each count is protected against a small
        complement (few women *not* using a partner).
    """
    _require(partners, ["label", "count", "n", "percent", "ci_low", "ci_high"], "partner table")
    decimals = _check_decimals(decimals)
    frame = pd.DataFrame(
        {
            "Service": partners["label"].astype(str).to_numpy(),
            "Women using it": partners["count"].astype(int).to_numpy(),
            "Base": partners["n"].astype(int).to_numpy(),
            "%": _fixed(partners["percent"], decimals),
            "CI": _interval_text(partners["ci_low"], partners["ci_high"], decimals),
        }
    )
    return PublicationTable(
        frame,
        count_columns=["Women using it", "Base"],
        derived_columns={column: ["Women using it", "Base"] for column in _SHARE_DERIVED},
        secondary=False,
        complements={"Women using it": "Base"},
    )


def services_per_woman_publication_table(per_woman: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """Number of partners used per woman (:func:`cwp_analysis.describe.services_per_woman`).

    Returns
    -------
    PublicationTable
        Columns ``Partners used`` (text, e.g. ``"2"``), ``Count``, ``Base``,
        ``%`` and ``CI``; the counts add up to the base, so secondary
        suppression runs down the column.
    """
    _require(per_woman, ["services", "count", "n", "percent", "ci_low", "ci_high"], "services-per-woman table")
    decimals = _check_decimals(decimals)
    frame = pd.DataFrame(
        {
            "Partners used": per_woman["services"].astype(int).astype(str).to_numpy(),
            "Count": per_woman["count"].astype(int).to_numpy(),
            "Base": per_woman["n"].astype(int).to_numpy(),
            "%": _fixed(per_woman["percent"], decimals),
            "CI": _interval_text(per_woman["ci_low"], per_woman["ci_high"], decimals),
        }
    )
    return PublicationTable(
        frame,
        count_columns=["Count", "Base"],
        derived_columns={column: ["Count", "Base"] for column in _SHARE_DERIVED},
        secondary="columns",
    )


def likert_publication_table(summary: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """Likert items (:func:`cwp_analysis.describe.likert_summary` layout), one row per item.

    Parameters
    ----------
    summary : pandas.DataFrame
        Columns ``item``, ``label``, ``timepoint``, ``code``, ``code_label``,
        ``category``, ``count``, ``n``, ``reverse``.
    decimals : int

    Returns
    -------
    PublicationTable
        Columns ``Statement`` (marked ``[reverse-worded]`` where the
        codebook says so, and with the timepoint for before/after items),
        one count column per answer (named by its label, in scale order),
        ``Base``, then ``% negative``, ``% neutral`` and ``% positive``.
        Each row's counts add up to its base, so secondary suppression
        runs along the rows.  Rows are indexed by item id
        (``<id>_before`` / ``<id>_after`` for before/after items); publish
        with ``index=False``.  The disclosed table is what
        :func:`cwp_analysis.figures.likert.diverging_likert_figure` draws.

    Notes
    -----
    A group share ("% positive") is withheld when its base or any answer
    it sums is withheld, and published again only where
    :func:`cwp_analysis.derived_rule.releasable_group_totals` shows that it
    cannot be combined with the published cells and the base to recover a
    withheld count (for instance when both "Agree" and "Strongly agree"
    are withheld and together make more than the threshold).  With
    "Agree" 8 shown and "Strongly agree" 7 withheld, "% positive" stays
    withheld.
    """
    _require(summary, ["item", "label", "timepoint", "code", "code_label", "category", "count", "n", "reverse"],
             "likert summary")
    decimals = _check_decimals(decimals)
    frame = summary.reset_index(drop=True).copy()
    frame["_tp"] = [tp if isinstance(tp, str) else "" for tp in frame["timepoint"]]
    codes = list(dict.fromkeys(frame["code"]))
    answer = dict(zip(frame["code"], frame["code_label"].astype(str)))
    answers = [answer[c] for c in codes]
    if len(set(answers)) != len(answers):
        raise ValueError("likert summary: answer labels must be unique")
    if "Statement" in answers or "Base" in answers:
        raise ValueError("likert summary: an answer label clashes with the Statement or Base column")
    category = dict(zip(frame["code"], frame["category"]))
    groups = [g for g in ("negative", "neutral", "positive") if any(category[c] == g for c in codes)]
    rows = []
    for (item, tp), part in frame.groupby(["item", "_tp"], sort=False):
        if part["code"].tolist() != codes:
            raise ValueError(f"likert summary: item {item!r} does not list the codes {codes} in scale order")
        statement = str(part["label"].iloc[0])
        if tp:
            statement += f" ({tp})"
        if bool(part["reverse"].iloc[0]):
            statement += " [reverse-worded]"
        n = int(part["n"].iloc[0])
        counts = dict(zip(part["code"], part["count"].astype(int)))
        row = {"_key": f"{item}_{tp}" if tp else str(item), "Statement": statement,
               **{answer[c]: counts[c] for c in codes}, "Base": n}
        for group in groups:
            total = sum(counts[c] for c in codes if category[c] == group)
            row[f"% {group}"] = _fixed([total / n * 100 if n else np.nan], decimals)[0]
        rows.append(row)
    cells = {f"% {group}": [answer[c] for c in codes if category[c] == group] for group in groups}
    columns = ["Statement", *answers, "Base", *cells]
    table = pd.DataFrame(rows, columns=["_key", *columns]).set_index("_key")
    for column in [*answers, "Base"]:
        table[column] = table[column].astype(int)
    table.index.name = "item"
    ordered = [c for group in groups for c in cells[f"% {group}"]]
    if ordered != answers:
        raise ValueError("likert summary: the codes of each category must be consecutive in scale order")
    return PublicationTable(
        table,
        count_columns=[*answers, "Base"],
        derived_columns={column: [*sources, "Base"] for column, sources in cells.items()},
        secondary="rows",
        total_columns=["Base"],
        group_shares=cells,
        share_base="Base",
    )


def withheld_note(disclosed, what: str = "All values") -> str:
    """One sentence for the page when a disclosed table publishes nothing, else ``""``.

    Parameters
    ----------
    disclosed : DisclosedTable
    what : str
        Subject of the sentence.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 5], "%": ["37.5", "62.5"]}), count_columns=["n"],
    ...                      derived_columns={"%": ["n"]})
    >>> withheld_note(t.disclose(7))
    'All values withheld by disclosure control (counts of 7 or fewer).'
    """
    return withheld_sentence(disclosed.threshold, what) if all_withheld(disclosed) else ""
