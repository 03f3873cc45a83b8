"""cwp-analysis: the executable edition of the Coventry Women's Project
Partnership social impact study (Just Economics, 2020).

Layers, each importing only those below it:

* data files (``data/``)
* data access: :mod:`cwp_analysis.paths`, :mod:`cwp_analysis.published`,
  :mod:`cwp_analysis.codebook`, :mod:`cwp_analysis.survey_io`,
  :mod:`cwp_analysis.validate`, :mod:`cwp_analysis.synth`
* analysis: engagement, describe, stats, instruments, toc, referrals, economics
* presentation: figures, disclosure-controlled tables
* build pipeline and command-line interface (:mod:`cwp_analysis.cli`)
"""

__version__ = "0.1.0"
