"""Allow ``python -m cwp_analysis``."""

from cwp_analysis.cli import main

raise SystemExit(main())
