"""What the notebooks call: set-up, the synthetic-data banner, and publishing
tables, figures and numbers.

The notebooks stay thin: a parameters cell, one call to :func:`setup`, then
calls into the analysis library whose results go through
:func:`publish_table` (disclosure control, then display), :func:`publish_figure`
(a reproducible PNG plus a MyST-NB ``glue`` so the book can caption it) and
:func:`publish_value` (numbers quoted in the prose).  Nothing else in the
library knows about notebooks.

Relative paths given as notebook parameters are resolved against the
repository root, so a notebook behaves the same whether JupyterLab runs it
from ``notebooks/`` or Papermill runs it from a temporary folder.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cwp_analysis.disclosure import (
    DEFAULT_MARKER,
    MAX_LABEL_LENGTH,
    DisclosedTable,
    disclose,
    refuse_respondent_level,
)
from cwp_analysis.figures.style import apply_house_style, close, save_figure
from cwp_analysis.paths import REPO_ROOT, SYNTHETIC_SURVEY, SYNTHETIC_WORKSTAR
from cwp_analysis.provenance import is_synthetic_name, read_provenance, sidecar_path

__all__ = [
    "DEFAULT_SURVEY",
    "DEFAULT_WORKSTAR",
    "NO_PEOPLE_CLASS",
    "NO_PEOPLE_NOTE",
    "NotebookContext",
    "everything_withheld",
    "file_label",
    "is_synthetic_path",
    "publish_claim_values",
    "publish_figure",
    "publish_notes",
    "publish_table",
    "publish_value",
    "resolve_path",
    "setup",
    "real_data_banner_html",
    "synthetic_banner_html",
    "withheld_sentence",
]

#: Default survey file (synthetic).
DEFAULT_SURVEY = SYNTHETIC_SURVEY
#: Default Work Star file (synthetic).
DEFAULT_WORKSTAR = SYNTHETIC_WORKSTAR
#: HTML class of a published table that counts no people (``publish_table(..., people_counts=False)``).
NO_PEOPLE_CLASS = "cwp-no-people-counts"
#: Caption note of such a table (the disclosure scanner skips tables whose caption says "no people").
NO_PEOPLE_NOTE = "No people are counted in this table."
#: Environment variable through which ``cwp build`` asks a notebook to record the files it reads.
READS_ENV = "CWP_READS_FILE"


def resolve_path(path: str | os.PathLike) -> Path:
    """Resolve a notebook parameter path: relative paths are relative to the repository root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (REPO_ROOT / path)


def is_synthetic_path(path: str | os.PathLike) -> bool:
    """True when a data file is one of the project's synthetic files, or a copy of one.

    Synthetic files carry the word ``SYNTHETIC`` in their name (see
    ``data/synthetic/README.md``); a real survey export does not.  A copy
    made by ``cwp build --data`` is judged by its original's name.

    Examples
    --------
    >>> is_synthetic_path("data/synthetic/survey_SYNTHETIC.csv")
    True
    >>> is_synthetic_path("data/private/survey.xlsx")
    False
    """
    path = resolve_path(path)
    if sidecar_path(path).is_file():
        return read_provenance(path).synthetic
    return is_synthetic_name(path)


def file_label(path: str | os.PathLike, kind: str = "survey") -> str:
    """Name a data file with a short content hash, for captions.

    Returns ``"<name> (sha256 <first 8 hex digits>)"`` of the file's
    original (see :mod:`cwp_analysis.provenance`: a copy converted by
    ``cwp build --data`` is named after the export it came from), or
    ``"<name> (missing)"``.
    """
    path = Path(path)
    if not path.is_file():
        return f"{path.name} (missing)"
    return read_provenance(path, kind).label


@dataclass(frozen=True)
class NotebookContext:
    """The resolved parameters of one notebook run.

    Attributes
    ----------
    notebook : str
        The notebook's name (e.g. ``"06_mental_wellbeing"``), used in captions.
    data_path, workstar_path : pathlib.Path
        Survey and Work Star files.
    output_dir : pathlib.Path
        Where tables (CSV) and figures (PNG) are written.
    alpha : float
        Significance level.
    suppression_threshold : int
        Largest count suppressed by disclosure control.
    seed : int
        Seed for anything random (bootstrap, jitter).
    survey_is_synthetic, workstar_is_synthetic : bool
    data_label, workstar_label : str
        File names with a short content hash, for captions.
    """

    notebook: str
    data_path: Path
    workstar_path: Path
    output_dir: Path
    alpha: float
    suppression_threshold: int
    seed: int
    survey_is_synthetic: bool
    workstar_is_synthetic: bool
    data_label: str
    workstar_label: str

    def source_note(self, *, survey: bool = True, workstar: bool = False) -> str:
        """One-line provenance for a caption: notebook and data files."""
        files = []
        if survey:
            files.append(self.data_label)
        if workstar:
            files.append(self.workstar_label)
        data = "; data: " + ", ".join(files) if files else ""
        return f"Notebook {self.notebook}{data}."


def synthetic_banner_html(*, survey: bool = True, workstar: bool = False) -> str:
    """HTML of the banner shown on pages whose results come from synthetic data."""
    what = " and ".join(
        w for w, used in (("survey answers", survey), ("Work Star readings", workstar)) if used
    ) or "data"
    return (
        '<div class="cwp-synthetic-banner" role="note" aria-label="Synthetic data">'
        f"<strong>SYNTHETIC DATA.</strong> The {html.escape(what)} behind this page are synthetic: "
        "generated to agree with the figures the report publishes, so they demonstrate the "
        "method and check the software. They are not findings; the findings are the report's "
        "(Just Economics, 2020)."
        "</div>"
    )


def real_data_banner_html(*, survey: str = "", workstar: str = "") -> str:
    """HTML of the banner shown on pages whose results come from real (not synthetic) files.

    Parameters
    ----------
    survey, workstar : str
        Labels (name and short hash, :attr:`cwp_analysis.provenance.Provenance.label`) of the files
        used; empty when the page does not use that file.
    """
    files = " and ".join(html.escape(label) for label in (survey, workstar) if label) or "the data given"
    return (
        '<div class="cwp-real-data-banner" role="note" aria-label="Data used">'
        f"<strong>DATA.</strong> The results on this page are computed from {files}. Every table, "
        "figure and number went through disclosure control before publication."
        "</div>"
    )


def _display(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    display(obj)


def _glue(name: str, value, display: bool = False) -> None:
    from myst_nb import glue

    glue(name, value, display=display)


def setup(
    notebook: str,
    *,
    data_path: str | os.PathLike = DEFAULT_SURVEY,
    workstar_path: str | os.PathLike = DEFAULT_WORKSTAR,
    output_dir: str | os.PathLike = "build/outputs",
    alpha: float = 0.05,
    suppression_threshold: int = 7,
    seed: int = 20200501,
    uses_survey: bool = True,
    uses_workstar: bool = False,
) -> NotebookContext:
    """Prepare a notebook run and return its :class:`NotebookContext`.

    Applies the house figure style, starts recording which files the
    notebook reads when ``cwp build`` asks for it (environment variable
    ``CWP_READS_FILE``), glues ``data_label`` and ``workstar_label`` for
    captions, and shows the synthetic-data banner when the page's results
    come from synthetic files.

    Parameters
    ----------
    notebook : str
        The notebook's name.
    data_path, workstar_path, output_dir : path-like
        Notebook parameters; relative paths are relative to the repository root.
    alpha : float
        Significance level, strictly between 0 and 1.
    suppression_threshold : int
        Largest count suppressed by disclosure control (at least 1).
    seed : int
    uses_survey, uses_workstar : bool
        Whether the page shows results computed from the survey / Work Star
        data (controls the banner).

    Returns
    -------
    NotebookContext
    """
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    if int(suppression_threshold) < 1:
        raise ValueError(f"suppression_threshold must be at least 1, got {suppression_threshold!r}")
    record = os.environ.get(READS_ENV)
    if record:
        from cwp_analysis.dependency_tracking import track_reads

        track_reads(record, extra_paths=[resolve_path(data_path), resolve_path(workstar_path)])
    apply_house_style()
    data = resolve_path(data_path)
    workstar = resolve_path(workstar_path)
    ctx = NotebookContext(
        notebook=notebook,
        data_path=data,
        workstar_path=workstar,
        output_dir=resolve_path(output_dir),
        alpha=float(alpha),
        suppression_threshold=int(suppression_threshold),
        seed=int(seed),
        survey_is_synthetic=is_synthetic_path(data),
        workstar_is_synthetic=is_synthetic_path(workstar),
        data_label=file_label(data) if uses_survey else "",
        workstar_label=file_label(workstar) if uses_workstar else "",
    )
    _glue("data_label", ctx.data_label or "no survey data")
    _glue("workstar_label", ctx.workstar_label or "no Work Star data")
    show_survey = uses_survey and ctx.survey_is_synthetic
    show_workstar = uses_workstar and ctx.workstar_is_synthetic
    real_survey = ctx.data_label if uses_survey and not ctx.survey_is_synthetic else ""
    real_workstar = ctx.workstar_label if uses_workstar and not ctx.workstar_is_synthetic else ""
    if show_survey or show_workstar or real_survey or real_workstar:
        from IPython.display import HTML

        if show_survey or show_workstar:
            _display(HTML(synthetic_banner_html(survey=show_survey, workstar=show_workstar)))
        if real_survey or real_workstar:
            _display(HTML(real_data_banner_html(survey=real_survey, workstar=real_workstar)))
    return ctx


def _table_html(table: pd.DataFrame, caption: str, *, index: bool, css: str = "cwp-table",
                attributes: dict | None = None) -> str:
    body = table.to_html(index=index, classes=css, border=0, na_rep="", escape=True)
    if attributes:
        extra = "".join(f' {key}="{html.escape(value, quote=True)}"' for key, value in attributes.items())
        body = body.replace("<table", "<table" + extra, 1)
    return f'<p class="cwp-table-caption"><strong>{html.escape(caption)}</strong></p>{body}'


def _unsuppressed(table: pd.DataFrame, threshold: int, marker: str) -> DisclosedTable:
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    return DisclosedTable(table=table.copy(), suppressed=mask, primary=mask, n_primary=0, n_secondary=0,
                          n_derived=0, threshold=threshold, marker=marker)


def publish_table(
    ctx: NotebookContext,
    name: str,
    table: pd.DataFrame | DisclosedTable,
    *,
    caption: str,
    index: bool = True,
    show: bool = True,
    public_source: str | None = None,
    people_counts: bool = True,
    max_text_length: int | None = None,
    **disclose_options,
) -> DisclosedTable:
    """Pass a table through disclosure control, save it as CSV and display it.

    Parameters
    ----------
    ctx : NotebookContext
    name : str
        File stem: the table is written to ``<output_dir>/tables/<name>.csv``.
    table : pandas.DataFrame or DisclosedTable
        An aggregate table; a :class:`DisclosedTable` is published as is.
    caption : str
        Shown above the table; the notebook and data file are appended.
    index : bool
        Whether to show the index.
    show : bool
        Display the table (False only writes the file).
    public_source : str, optional
        For a table the report itself printed (e.g. ``"Table 1 of the
        report"``): its cells are already public, so they are shown as
        printed, without suppression, under a note naming the source.  The
        respondent-level and free-text guards still apply, and the HTML
        table carries the class ``cwp-public-source`` so the disclosure
        scanner can tell it from the project's own tables.
    people_counts : bool, default True
        False for a table that counts no people: numbers of claims,
        p-values, ranks, design figures, planning text.  Such a table has
        nothing to suppress, so disclosure control is skipped, but the
        respondent-level and free-text guards
        (:func:`cwp_analysis.disclosure.refuse_respondent_level`) still run.
        The caption gets :data:`NO_PEOPLE_NOTE`, and the HTML table the class
        :data:`NO_PEOPLE_CLASS` and ``data-cwp-count-columns="[]"``, the
        attribute by which :mod:`cwp_analysis.disclosure_scan` learns that a
        table declares no count columns.
    max_text_length : int, optional
        Only with ``people_counts=False``: the free-text guard's limit, for
        tables of the project's own longer text (default
        :data:`cwp_analysis.disclosure.MAX_LABEL_LENGTH`).
    **disclose_options
        Passed to :func:`cwp_analysis.disclosure.disclose` (``count_columns``,
        ``derived_columns``, ``secondary``, ...); the threshold is the
        notebook's ``suppression_threshold``.

    Returns
    -------
    DisclosedTable

    Raises
    ------
    ValueError
        When ``people_counts=False`` is combined with a
        :class:`DisclosedTable`, ``public_source`` or disclosure options, or
        ``max_text_length`` is given for a table that counts people.
    cwp_analysis.disclosure.DisclosureError
        For a respondent-level table or free text.
    """
    if not people_counts:
        if isinstance(table, DisclosedTable) or public_source or disclose_options:
            raise ValueError(f"table {name!r}: people_counts=False takes a plain DataFrame, without "
                             "public_source or disclosure options")
        refuse_respondent_level(table, max_text_length=MAX_LABEL_LENGTH if max_text_length is None
                                else max_text_length, rows="statistics")
        disclosed = _unsuppressed(table, ctx.suppression_threshold, DEFAULT_MARKER)
    elif max_text_length is not None:
        raise ValueError(f"table {name!r}: max_text_length applies only to tables that count no people")
    elif isinstance(table, DisclosedTable):
        disclosed = table
    elif public_source:
        refuse_respondent_level(table, rows="statistics")
        disclosed = _unsuppressed(table, ctx.suppression_threshold, "")
    else:
        disclosed = disclose(table, threshold=ctx.suppression_threshold, **disclose_options)
    target = ctx.output_dir / "tables" / f"{name}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    disclosed.table.to_csv(target, index=index, lineterminator="\n")
    if show:
        from IPython.display import HTML

        if public_source:
            note = f"As printed in {public_source}; already public, shown without suppression."
        else:
            note = ctx.source_note(survey=bool(ctx.data_label), workstar=bool(ctx.workstar_label))
        css, attributes = "cwp-table", None
        if public_source:
            css += " cwp-public-source"
        if not people_counts:
            css += f" {NO_PEOPLE_CLASS}"
            note = f"{NO_PEOPLE_NOTE} {note}"
            attributes = {"data-cwp-count-columns": "[]"}
        if everything_withheld(disclosed):
            _display(HTML(f'<p class="cwp-all-withheld">{html.escape(withheld_sentence(ctx.suppression_threshold))}</p>'))
        _display(HTML(_table_html(disclosed.table, f"{caption} {note}", index=index, css=css,
                                  attributes=attributes)))
    return disclosed


def everything_withheld(disclosed: DisclosedTable) -> bool:
    """True when disclosure control withheld every value of every column it touched.

    Such a table shows labels only; :func:`publish_table` then says so in a
    sentence above it.

    >>> from cwp_analysis.disclosure import disclose
    >>> everything_withheld(disclose(pd.DataFrame({"n": [3, 4]}, index=["a", "b"])))
    True
    >>> everything_withheld(disclose(pd.DataFrame({"n": [30, 40]}, index=["a", "b"])))
    False
    """
    mask = disclosed.suppressed
    touched = mask.any(axis=0)
    return bool(len(mask) and touched.any() and mask.loc[:, touched].all(axis=None))


def withheld_sentence(threshold: int) -> str:
    """The sentence shown where disclosure control withheld everything a table or figure would show."""
    return (f"Every value here is withheld by disclosure control: the counts are {threshold} or fewer, "
            "or would reveal such a count.")


def _in_book_build() -> bool:
    """True when ``cwp build`` executes the notebook (it sets :data:`READS_ENV`)."""
    return bool(os.environ.get(READS_ENV))


def publish_figure(
    ctx: NotebookContext,
    name: str,
    fig,
    *,
    alt: str,
    caption: str,
    survey: bool = True,
    workstar: bool = False,
) -> Path:
    """Save a figure reproducibly and show it with alt text and a sourced caption.

    Parameters
    ----------
    ctx : NotebookContext
    name : str
        File stem (``<output_dir>/figures/<name>.png``), glue key, and the
        figure's label ``fig-<name>`` for ``{numref}`` cross-references.
    fig : matplotlib.figure.Figure
        Closed after saving.
    alt : str
        Alternative text describing what the figure shows.
    caption : str
        Caption; the notebook name and the data file with its content hash
        are appended (:meth:`NotebookContext.source_note`).
    survey, workstar : bool
        Which data files the figure is computed from (for the caption).

    Returns
    -------
    pathlib.Path
        The PNG written.

    Notes
    -----
    In a book build the figure is glued and placed by a MyST
    ``{glue:figure}`` directive emitted as a markdown output, so its alt
    text and caption can be computed; MyST-NB renders the directive.  Run
    interactively (JupyterLab, or Papermill outside ``cwp build``), the
    figure and its caption are simply displayed.
    """
    for text, what in ((alt, "alt"), (caption, "caption")):
        if not str(text).strip():
            raise ValueError(f"figure {name!r} needs a non-empty {what} text")
    path = save_figure(fig, ctx.output_dir / "figures" / f"{name}.png")[0]
    full_caption = f"{caption.strip()} {ctx.source_note(survey=survey, workstar=workstar)}"
    from IPython.display import Markdown

    if _in_book_build():
        _glue(name, fig, display=False)
        alt_line = " ".join(str(alt).split())
        _display(Markdown(
            f"```{{glue:figure}} {name}\n:alt: {alt_line}\n:name: fig-{name}\n\n{full_caption}\n```"
        ))
    else:
        _display(fig)
        _display(Markdown(f"*{full_caption}*"))
    close(fig)
    return path


def publish_notes(lines) -> None:
    """Display explanatory lines (the project's own text, never respondent text) as a bullet list."""
    from IPython.display import Markdown

    items = [" ".join(str(line).split()) for line in lines]
    if items:
        _display(Markdown("\n".join(f"- {item}" for item in items)))


def publish_value(name: str, value, fmt: str | None = None) -> str:
    """Glue a number or phrase quoted in the prose and return its text.

    Parameters
    ----------
    name : str
        Glue key, used in markdown as ``{glue:text}`name```.
    value : object
    fmt : str, optional
        A :func:`format` spec, e.g. ``".1f"``, ``","`` or ``".0%"``.

    Returns
    -------
    str
        The glued text.
    """
    text = format(value, fmt) if fmt else str(value)
    _glue(name, text)
    return text


def publish_claim_values(claims, fmt: str | None = "g") -> dict[str, str]:
    """Glue the figures the report printed, for quoting in the prose.

    Parameters
    ----------
    claims : iterable of str, or mapping of str to str
        Claim ids of ``data/published/claims.csv``, each glued under its own
        id; or ``{glue name: claim id}``.
    fmt : str, optional
        A :func:`format` spec applied to each claim's ``value``.

    Returns
    -------
    dict
        ``{glue name: glued text}``.

    Raises
    ------
    KeyError
        For a claim id not in the claims table.

    Examples
    --------
    >>> publish_claim_values({"n_women": "survey_n"}, ".0f")
    {'n_women': '68'}
    """
    from cwp_analysis import published

    names = dict(claims) if isinstance(claims, dict) else {claim_id: claim_id for claim_id in claims}
    return {name: publish_value(name, published.claim(claim_id).value, fmt) for name, claim_id in names.items()}
