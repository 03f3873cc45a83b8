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
