"""Presentation layer: figures.

One module per topic (``engagement``, ``likert``, ...); every figure is
drawn with :mod:`seaborn`/:mod:`matplotlib` in the project style and written
with :func:`cwp_analysis.figures.style.save_figure`, which makes the files
byte-for-byte reproducible.
"""
