"""Publication tables: analysis results laid out for readers and for disclosure control.

The analysis modules return tidy frames with every column a later step
might need (codes, intervals as fractions, raw p-values, ...).  The
functions here choose and rename the columns a reader of the book needs,
round them, and declare which columns count people and which are derived
from those counts, so that :func:`cwp_analysis.disclosure.disclose` can
protect them.  Each returns a :class:`PublicationTable`; a notebook
publishes it with ``nb.publish_table(ctx, name, table.disclose(threshold),
caption=...)``.

Conventions
-----------
* Count columns hold numbers of women; derived columns (percentages,
  intervals, means, effect sizes) are withheld wherever one of their
  source counts is suppressed.
* Small complements: a share "k of n" also publishes ``n - k``.  When
  ``n - k`` lies between 1 and the threshold, ``k`` is marked before
  disclosure so that neither the small remainder nor the share built on it
  is shown (``PublicationTable.complements``).  This is the usual rule for
  binary splits (a "95% have a bank account" line with its base reveals the
  few who have none); :func:`cwp_analysis.disclosure.disclose` itself only
  looks at the printed cells.
* Shares quoted in prose are read from the published cells
  (:func:`cell_text`, :func:`share_text`), never recomputed from the
  data: a share recomputed elsewhere could reveal a count the table
  withholds (for instance one of two cells suppressed together).
* Secondary suppression follows the table's real arithmetic: ``"columns"``
  for stacked frequency tables (each question's counts add up to its base,
  disclosed question by question), ``"rows"`` for item-by-answer tables,
  and none where no line adds up to a published total (outcome tables,
  whose rows are different questions).
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

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cwp_analysis.disclosure import DEFAULT_MARKER, DEFAULT_THRESHOLD, DisclosedTable, disclose

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
    "WITHHELD_TEXT",
]

#: What :func:`cell_text` returns for a withheld cell (for prose).
WITHHELD_TEXT = "withheld (small count)"

#: Smallest p-value printed as a number; smaller ones print as "< 0.0001".
P_FLOOR = 1e-4

_SECONDARY_MODES = (False, True, "both", "rows", "columns")


# --------------------------------------------------------------------------- the table type


def _as_labels(value, what: str) -> tuple:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{what} must be a sequence of column names, got {value!r}")
    return tuple(value)


@dataclass(frozen=True, eq=False)
class PublicationTable:
    """A reader-facing table and how disclosure control must treat it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as it should read (rounded, renamed).
    count_columns : sequence of str
        Columns holding numbers of women.
    derived_columns : mapping of str to sequence of str
        ``{derived column: its source count columns}``.
    secondary : bool or {"both", "rows", "columns"}
        Secondary suppression mode (see :func:`cwp_analysis.disclosure.disclose`).
    complements : mapping of str to str
        ``{count column: column holding its base}``: the count is withheld
        when ``base - count`` lies in ``1..threshold`` (see the module notes).
    group_columns : sequence of str
        When given, rows sharing these columns' values are disclosed as
        separate tables (e.g. one question of a stacked frequency table).
    total_columns : sequence of str, optional
        Count columns that are totals of their row (passed to ``disclose``).

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"Count": [60, 40], "Base": [66, 66]}),
    ...                      count_columns=["Count", "Base"], complements={"Count": "Base"})
    >>> t.disclose(7).table["Count"].tolist()
    ['[c]', 40]
    """

    frame: pd.DataFrame
    count_columns: tuple = ()
    derived_columns: Mapping = field(default_factory=dict)
    secondary: bool | str = False
    complements: Mapping = field(default_factory=dict)
    group_columns: tuple = ()
    total_columns: tuple | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise ValueError(f"frame must be a pandas DataFrame, got {type(self.frame).__name__}")
        counts = _as_labels(self.count_columns, "count_columns")
        if not counts:
            raise ValueError("a publication table needs at least one count column")
        derived = {}
        for column, sources in dict(self.derived_columns).items():
            derived[column] = _as_labels(sources, f"sources of derived column {column!r}")
        groups = _as_labels(self.group_columns, "group_columns")
        totals = None if self.total_columns is None else _as_labels(self.total_columns, "total_columns")
        complements = dict(self.complements)
        known = set(self.frame.columns)
        named = [*counts, *derived, *(s for v in derived.values() for s in v), *groups,
                 *complements, *complements.values(), *(totals or ())]
        unknown = [c for c in named if c not in known]
        if unknown:
            raise ValueError(f"column(s) not in the table: {', '.join(map(str, dict.fromkeys(unknown)))}")
        strays = [s for v in derived.values() for s in v if s not in counts]
        strays += [c for c in complements if c not in counts]
        if strays:
            raise ValueError(f"column(s) {', '.join(map(str, dict.fromkeys(strays)))} must be count columns")
        if self.secondary not in _SECONDARY_MODES:
            raise ValueError(f"secondary must be one of {_SECONDARY_MODES}, got {self.secondary!r}")
        object.__setattr__(self, "count_columns", counts)
        object.__setattr__(self, "derived_columns", derived)
        object.__setattr__(self, "complements", complements)
        object.__setattr__(self, "group_columns", groups)
        object.__setattr__(self, "total_columns", totals)

    def _mark_complements(self, frame: pd.DataFrame, threshold: int, marker: str) -> pd.DataFrame:
        out = frame.copy()
        for column, base in self.complements.items():
            count = pd.to_numeric(out[column], errors="coerce")
            total = pd.to_numeric(out[base], errors="coerce")
            remainder = total - count
            small = (remainder >= 1) & (remainder <= threshold)
            if small.any():
                out[column] = out[column].astype(object)
                out.loc[small.to_numpy(), column] = marker
        return out

    def _disclose_one(self, frame: pd.DataFrame, threshold: int, marker: str) -> DisclosedTable:
        return disclose(
            frame,
            count_columns=list(self.count_columns),
            threshold=threshold,
            marker=marker,
            secondary=self.secondary,
            derived_columns={k: list(v) for k, v in self.derived_columns.items()},
            total_rows=[],
            total_columns=None if self.total_columns is None else list(self.total_columns),
        )

    def disclose(self, threshold: int = DEFAULT_THRESHOLD, marker: str = DEFAULT_MARKER) -> DisclosedTable:
        """Apply small-complement marking and disclosure control.

        Parameters
        ----------
        threshold : int
            Counts from 1 to ``threshold`` are suppressed (and counts whose
            complement lies in that range, for ``complements``).
        marker : str

        Returns
        -------
        DisclosedTable
            For grouped tables the groups' results are stacked in table
            order and their suppression counts added up.
        """
        if isinstance(threshold, bool) or not isinstance(threshold, numbers.Integral) or threshold < 1:
            raise ValueError(f"threshold must be a whole number >= 1, not {threshold!r}")
        frame = self._mark_complements(self.frame, int(threshold), marker)
        if not self.group_columns:
            return self._disclose_one(frame, int(threshold), marker)
        keys = frame[list(self.group_columns)].astype(str).agg(" | ".join, axis=1)
        parts = [self._disclose_one(frame[keys == key], int(threshold), marker) for key in dict.fromkeys(keys)]
        order = frame.index
        return DisclosedTable(
            table=pd.concat([p.table for p in parts]).loc[order],
            suppressed=pd.concat([p.suppressed for p in parts]).loc[order],
            primary=pd.concat([p.primary for p in parts]).loc[order],
            n_primary=sum(p.n_primary for p in parts),
            n_secondary=sum(p.n_secondary for p in parts),
            n_derived=sum(p.n_derived for p in parts),
            threshold=int(threshold),
            marker=marker,
            unprotected=tuple(u for p in parts for u in p.unprotected),
        )


# --------------------------------------------------------------------------- formatting


def format_pvalue(p) -> str:
    """A p-value as text: ``"< 0.0001"`` below 0.0001, else four decimals; ``""`` when missing.

    Examples
    --------
    >>> format_pvalue(0.00618), format_pvalue(3.2e-9), format_pvalue(float("nan"))
    ('0.0062', '< 0.0001', '')
    """
    if _is_missing(p):
        return ""
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a p-value must lie between 0 and 1, got {p!r}")
    return "< 0.0001" if p < P_FLOOR else f"{p:.4f}"


def _round(series: pd.Series, decimals: int) -> pd.Series:
    return pd.to_numeric(series, errors="raise").astype(float).round(decimals)


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value))


def _fixed(values, decimals: int) -> list:
    """Numbers as text with a fixed number of decimals (None for missing).

    Derived columns become text anyway once a cell is withheld, so they are
    formatted here to keep the decimals of a column uniform.
    """
    return [None if _is_missing(v) else f"{float(v):.{decimals}f}" for v in values]


def _interval_text(low, high, decimals: int) -> list:
    return [
        None if _is_missing(a) or _is_missing(b) else f"{float(a):.{decimals}f} to {float(b):.{decimals}f}"
        for a, b in zip(low, high)
    ]


def _require(frame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise ValueError(f"{what} is empty")


def _check_decimals(decimals) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) or not 0 <= decimals <= 6:
        raise ValueError(f"decimals must be a whole number from 0 to 6, got {decimals!r}")
    return int(decimals)


def _timepoint_text(values) -> list[str]:
    return [v.capitalize() if isinstance(v, str) else "" for v in values]


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
        derived_columns={column: ["Count"] for column in _SHARE_DERIVED},
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
        derived_columns={column: ["Women using it"] for column in _SHARE_DERIVED},
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
        derived_columns={column: ["Count"] for column in _SHARE_DERIVED},
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
        runs along the rows; each share is withheld when any count it sums
        is.  Rows are indexed by item id (``<id>_before`` / ``<id>_after``
        for before/after items); publish with ``index=False``.
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
            row[f"% {group}"] = _fixed([total / n * 100], decimals)[0]
        rows.append(row)
    derived = {f"% {group}": [answer[c] for c in codes if category[c] == group] for group in groups}
    table = pd.DataFrame(rows).set_index("_key")[["Statement", *answers, "Base", *derived]]
    table.index.name = "item"
    return PublicationTable(
        table,
        count_columns=[*answers, "Base"],
        derived_columns=derived,
        secondary="rows",
        total_columns=["Base"],
    )


_OUTCOME_COLUMNS = (
    "label", "n_pairs",
    "before_positive_n", "before_positive_pct", "before_positive_ci_low", "before_positive_ci_high",
    "after_positive_n", "after_positive_pct", "after_positive_ci_low", "after_positive_ci_high",
    "test", "method", "pvalue", "pvalue_holm", "pvalue_bh", "rank_biserial", "r_effect", "note",
)

_TEST_NAMES = {"wilcoxon": "Wilcoxon", "mcnemar": "McNemar"}


def _test_name(test: str, method: str) -> str:
    if method == "not tested":
        return "not tested"
    return f"{_TEST_NAMES.get(test, test)} ({method})"


def outcome_publication_table(outcomes: pd.DataFrame, *, decimals: int = 1) -> PublicationTable:
    """A before/after outcome table (:func:`cwp_analysis.stats.outcome_table`) for publication.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Output of :func:`cwp_analysis.stats.outcome_table`.
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
        ``Rank-biserial r``, ``r = |Z|/sqrt(n)``, and ``Note`` (why an item
        was not tested) when some item was not.

    Notes
    -----
    Count columns are ``Pairs``, ``Before n`` and ``After n``; the shares
    and intervals are derived from the positive counts.  There is no
    secondary suppression: the rows are different questions, so no row or
    column adds up to a published total.  What can be worked out is the
    complement ``Pairs - n`` (women *not* answering positively), so each
    positive count is withheld when that complement is small.  The test
    statistics themselves are left out: McNemar's ``min(b, c)`` is a count
    of women who changed answer.

    Examples
    --------
    >>> from cwp_analysis.stats import PairedItem, outcome_table
    >>> df = pd.DataFrame({"calm_before": [1, 2, 2, 3, 1, 2, 3, 2, 1, 2] * 2,
    ...                    "calm_after":  [3, 4, 2, 4, 3, 3, 5, 4, 2, 1] * 2})
    >>> outcomes = outcome_table(df, [PairedItem("calm", "Feeling calm", "ordinal", (4, 5))])
    >>> row = outcome_publication_table(outcomes).disclose(7).table.iloc[0]
    >>> row["Pairs"], row["Before n"], row["After n"], row["After %"], row["p"]
    (20, 0, 8, '40.0', '0.0006')
    """
    _require(outcomes, _OUTCOME_COLUMNS, "outcome table")
    decimals = _check_decimals(decimals)
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
    frame["Rank-biserial r"] = _round(outcomes["rank_biserial"], 2)
    frame["r = |Z|/sqrt(n)"] = _round(outcomes["r_effect"], 2)
    notes = outcomes["note"].fillna("").astype(str)
    if (notes.str.strip() != "").any():
        frame["Note"] = notes
    return PublicationTable(
        frame,
        count_columns=["Pairs", "Before n", "After n"],
        derived_columns={
            "Before %": ["Before n"], "Before CI": ["Before n"],
            "After %": ["After n"], "After CI": ["After n"],
        },
        secondary=False,
        complements={"Before n": "Pairs", "After n": "Pairs"},
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


# --------------------------------------------------------------------------- reading disclosed tables


def shown_rows(disclosed: DisclosedTable, columns: Sequence) -> pd.Series:
    """Rows of a disclosed table in which none of ``columns`` is withheld.

    Use it to draw a figure only from what the table may publish (e.g. the
    items of a before/after chart whose shares survived disclosure).

    Parameters
    ----------
    disclosed : DisclosedTable
    columns : sequence of column names

    Returns
    -------
    pandas.Series of bool
        Indexed like the disclosed table.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40], "%": [7.0, 93.0]}),
    ...                      count_columns=["n"], derived_columns={"%": ["n"]})
    >>> shown_rows(t.disclose(7), ["%"]).tolist()
    [False, True]
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    columns = _as_labels(columns, "columns")
    unknown = [c for c in columns if c not in disclosed.suppressed.columns]
    if unknown:
        raise ValueError(f"column(s) not in the table: {', '.join(map(str, unknown))}")
    return ~disclosed.suppressed[list(columns)].any(axis=1)


def cell_text(disclosed: DisclosedTable, row, column, fmt: str | None = None, *,
              suffix: str = "", withheld: str = WITHHELD_TEXT) -> str:
    """One published cell as text for the prose, or ``withheld`` if it was suppressed.

    Parameters
    ----------
    disclosed : DisclosedTable
    row : index label
    column : column label
    fmt : str, optional
        :func:`format` spec for a shown number (e.g. ``".0f"``).
    suffix : str
        Appended to a shown value (e.g. ``"%"``), not to ``withheld``.
    withheld : str
        Returned for a withheld cell.

    Returns
    -------
    str

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"n": [3, 40], "%": [7.0, 93.0]}, index=["a", "b"]),
    ...                      count_columns=["n"], derived_columns={"%": ["n"]})
    >>> d = t.disclose(7)
    >>> cell_text(d, "b", "%", ".0f", suffix="%"), cell_text(d, "a", "%", ".0f", suffix="%")
    ('93%', 'withheld (small count)')
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    if row not in disclosed.table.index:
        raise ValueError(f"row {row!r} is not in the table")
    if column not in disclosed.table.columns:
        raise ValueError(f"column {column!r} is not in the table")
    if bool(disclosed.suppressed.at[row, column]):
        return withheld
    value = disclosed.table.at[row, column]
    if _is_missing(value):
        raise ValueError(f"cell ({row!r}, {column!r}) is empty")
    if not fmt:
        return f"{value}{suffix}"
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"cell ({row!r}, {column!r}) holds text {value!r}; it cannot take format {fmt!r}") from None
    return f"{format(value, fmt)}{suffix}"


def share_text(disclosed: DisclosedTable, rows: Sequence, *, count_column="Count", base_column="Base",
               fmt: str = ".1f", suffix: str = "", withheld: str = WITHHELD_TEXT) -> str:
    """The share of the base made up by some rows of a disclosed table, as text for the prose.

    Sums ``count_column`` over ``rows`` (e.g. the answers "more than six
    months" and "more than a year") and divides by their common base.  The
    share is built only from published cells: if any of the counts is
    withheld, so is the share, and a share quoted in the prose can never
    undo the table's suppression.

    Parameters
    ----------
    disclosed : DisclosedTable
    rows : sequence of index labels
        Rows of one question (they must share one base).
    count_column, base_column : column labels
    fmt : str
        :func:`format` spec of the percentage.
    suffix : str
        Appended to a shown percentage (e.g. ``"%"``), not to ``withheld``.
    withheld : str
        Returned when a needed cell is withheld.

    Returns
    -------
    str
        The percentage followed by ``suffix``, or ``withheld``.

    Examples
    --------
    >>> t = PublicationTable(pd.DataFrame({"Count": [3, 25, 40], "Base": [68] * 3}, index=["a", "b", "c"]),
    ...                      count_columns=["Count", "Base"], secondary="columns")
    >>> d = t.disclose(7)
    >>> share_text(d, ["c"], suffix="%"), share_text(d, ["a", "b"], suffix="%")
    ('58.8%', 'withheld (small count)')
    """
    if not isinstance(disclosed, DisclosedTable):
        raise ValueError(f"expected a DisclosedTable, got {type(disclosed).__name__}")
    rows = list(rows)
    if not rows:
        raise ValueError("rows is empty")
    for column in (count_column, base_column):
        if column not in disclosed.table.columns:
            raise ValueError(f"column {column!r} is not in the table")
    missing = [r for r in rows if r not in disclosed.table.index]
    if missing:
        raise ValueError(f"row(s) not in the table: {missing}")
    mask = disclosed.suppressed.loc[rows, [count_column, base_column]]
    if bool(mask.to_numpy().any()):
        return withheld
    bases = {int(b) for b in disclosed.table.loc[rows, base_column]}
    if len(bases) != 1:
        raise ValueError(f"the rows have different bases {sorted(bases)}: they are not one question")
    base = bases.pop()
    if base == 0:
        raise ValueError("the base is zero: the share is undefined")
    total = sum(int(c) for c in disclosed.table.loc[rows, count_column])
    return f"{format(total / base * 100, fmt)}{suffix}"


def largest_rise_text(outcomes: pd.DataFrame, shown: pd.Series) -> str:
    """Describe the item whose positive share rose most, among items whose shares are published.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        :func:`cwp_analysis.stats.outcome_table` output indexed by item, with
        ``label``, ``before_positive_pct`` and ``after_positive_pct``.
    shown : pandas.Series of bool
        Items whose before and after shares survived disclosure control
        (:func:`shown_rows`); withheld shares are never used.

    Returns
    -------
    str
        ``'"<label>" (<n> percentage points)'``, or a sentence saying that
        every share is withheld.

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["A", "B"], "before_positive_pct": [20.0, 30.0],
    ...                       "after_positive_pct": [50.0, 45.0]}, index=["a", "b"])
    >>> largest_rise_text(frame, pd.Series([True, True], index=["a", "b"]))
    '"A" (30 percentage points)'
    >>> largest_rise_text(frame, pd.Series([False, False], index=["a", "b"]))
    'no item (every share is withheld by disclosure control)'
    """
    rise = (outcomes["after_positive_pct"] - outcomes["before_positive_pct"])[shown.reindex(outcomes.index, fill_value=False)]
    rise = rise.dropna()
    if rise.empty:
        return "no item (every share is withheld by disclosure control)"
    best = rise.idxmax()
    return f'"{outcomes.loc[best, "label"]}" ({rise.loc[best]:.0f} percentage points)'
