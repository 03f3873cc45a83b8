"""House style and deterministic saving for every figure.

Colour-blind safe palettes (Okabe & Ito 2008), a fixed font that matplotlib
ships (DejaVu Sans), and a save function that strips the timestamps and
software versions matplotlib would otherwise write, so that two builds give
byte-identical PNG and SVG files.

References
----------
.. [1] Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make
   figures and presentations that are friendly to colorblind people.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

#: Okabe-Ito palette, in the order used for categories.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Diverging palette for 5-point Likert scales (negative ... neutral ... positive).
LIKERT5 = ("#B2182B", "#EF8A62", "#D9D9D9", "#67A9CF", "#2166AC")

#: Colours for before/after comparisons.
BEFORE_AFTER = {"before": "#E69F00", "after": "#0072B2"}

RC_PARAMS = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "svg.hashsalt": "cwp-analysis",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "path.simplify": True,
}


@contextlib.contextmanager
def house_style():
    """Context manager applying the project's matplotlib settings."""
    with matplotlib.rc_context(RC_PARAMS):
        yield


def apply_house_style() -> None:
    """Apply the project's matplotlib settings globally (for notebooks)."""
    matplotlib.rcParams.update(RC_PARAMS)


def save_figure(fig, path: str | Path, *, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Save ``fig`` reproducibly and return the written paths.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path-like
        Target path; its suffix is replaced by each of ``formats``.
    formats : tuple of str
        Any of ``"png"``, ``"svg"``, ``"pdf"``.

    Returns
    -------
    list of pathlib.Path

    Notes
    -----
    PNG metadata ``Software`` is removed; SVG gets no ``Date`` and a fixed
    hash salt; PDF gets no creation date.  Together with the fixed font this
    makes repeated builds byte-identical.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    }
    written = []
    with house_style():
        for fmt in formats:
            if fmt not in metadata:
                raise ValueError(f"unsupported figure format {fmt!r}; use png, svg or pdf")
            target = path.with_suffix("." + fmt)
            fig.savefig(target, format=fmt, metadata=metadata[fmt])
            written.append(target)
    return written


def close(fig) -> None:
    """Close a figure (free memory in long builds)."""
    plt.close(fig)


#: Longest alt text a figure returns; the figure's data are in the table beside it.
ALT_TEXT_LIMIT = 250


def compose_alt(*sentences: str, limit: int = ALT_TEXT_LIMIT) -> str:
    """Join sentences into an alt text of at most ``limit`` characters.

    The first sentence (what the figure is) is always kept, shortened at a
    word boundary with an ellipsis if it alone is too long; each further
    sentence is added, in order, only if it still fits.  Empty sentences
    are skipped.

    Examples
    --------
    >>> compose_alt("Bar chart of two items.", "Values are in the table.")
    'Bar chart of two items. Values are in the table.'
    >>> len(compose_alt("word " * 100)) <= ALT_TEXT_LIMIT
    True
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 20:
        raise ValueError(f"limit must be a whole number of at least 20, got {limit!r}")
    parts = [" ".join(str(s).split()) for s in sentences]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError("an alt text needs at least one sentence")
    text = parts[0]
    if len(text) > limit:
        cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
        return cut + "…"
    for part in parts[1:]:
        if len(text) + 1 + len(part) <= limit:
            text = f"{text} {part}"
    return text


def message_figure(message: str, *, figsize: tuple[float, float] = (7.0, 1.4)):
    """A figure that holds one sentence instead of a chart (everything withheld, or nothing to draw).

    Parameters
    ----------
    message : str
        The sentence, e.g.
        :func:`cwp_analysis.derived_rule.withheld_sentence`.
    figsize : tuple of float

    Returns
    -------
    matplotlib.figure.Figure
        One axis, turned off, with ``message`` as its only text.

    Examples
    --------
    >>> fig = message_figure("All values withheld by disclosure control (counts of 7 or fewer).")
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['All values withheld by disclosure control (counts of 7 or fewer).']
    >>> close(fig)
    """
    if not isinstance(message, str) or not message.strip():
        raise ValueError("message must be a non-empty sentence")
    with house_style():
        fig, ax = plt.subplots(figsize=figsize)
        ax.axis("off")
        ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color="#444444", wrap=True,
                transform=ax.transAxes)
    return fig
