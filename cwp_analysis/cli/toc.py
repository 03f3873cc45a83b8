"""``cwp toc``: check the theory of change, bibliography, referral pathways and economic inputs.

Validates ``data/theory_of_change.yaml`` (against the codebook and
``references.bib``), ``data/references.bib`` and its citation audit,
``data/referral_pathways.yaml``, ``data/economics.yaml`` and
``data/recommendations.yaml`` (against ``claims.csv``), and the
cross-references between them.

* Valid: prints the evidence-coverage summary (outcomes evidenced, partly
  evidenced and unmeasured per stakeholder) on stdout, the gaps in the
  report's referencing as ``warning:`` lines on stderr, and exits 0.
* Invalid: prints one line per problem on stderr and exits 1.

``--figures DIR`` also draws the four theory-of-change diagrams, the
referral network and the break-even sensitivity chart into ``DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cwp_analysis import bibliography, economics, referrals, toc
from cwp_analysis.errors import CwpError, DataFileError

COMMAND = "toc"
HELP = "Check the theory of change, bibliography, referral pathways and economic inputs; print the evidence coverage."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true",
        help="validate the files and print the coverage summary (the default action)",
    )
    parser.add_argument(
        "--alpha", type=float, default=0.05,
        help="significance level for the evidence status (default 0.05)",
    )
    parser.add_argument(
        "--figures", metavar="DIR", type=Path,
        help="also write the diagrams (PNG) into DIR",
    )


def _lines(exc: DataFileError) -> list[str]:
    lines = str(exc).splitlines()
    return lines[1:] if len(lines) > 1 and lines[0].endswith(":") else lines


def run(args: argparse.Namespace) -> int:
    if not 0.0 < args.alpha < 1.0:
        raise CwpError(f"--alpha must lie strictly between 0 and 1, got {args.alpha}")
    problems: list[str] = []

    def attempt(load):
        try:
            return load()
        except DataFileError as exc:
            problems.extend(_lines(exc))
            return None

    problems.extend(bibliography.bibliography_problems())
    theory = attempt(toc.load_theory_of_change)
    pathways = attempt(referrals.load_referral_pathways)
    inputs = attempt(lambda: economics.load_economic_inputs(
        toc_outcomes=frozenset(theory.outcomes) if theory is not None else None))
    recs = statuses = None
    if theory is not None:
        recs = attempt(lambda: toc.load_recommendations(toc=theory))
        statuses = attempt(lambda: toc.evidence_status(theory, alpha=args.alpha))
        if pathways is not None:
            problems.extend(referrals.partner_problems(pathways, theory))
        if inputs is not None:
            problems.extend(economics.inputs_problems(inputs, theory))

    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        print(f"cwp toc: {len(problems)} problem(s) found", file=sys.stderr)
        return 1

    summary = toc.coverage_summary(statuses)
    print(
        f"Theory of change: {len(theory.outcomes)} outcomes, {len(theory.activities)} activities, "
        f"{len(theory.links)} links; evidence status from the published p-values, alpha {args.alpha:g}"
    )
    print(summary[["evidenced", "partly", "unmeasured", "total"]].to_string())
    plan = toc.measurement_plan(theory, statuses)
    print(f"Measurement plan: {len(plan)} outcomes without a significant measured change have a plan")
    bib = bibliography.load_references()
    audit = bibliography.load_citation_audit(bib_keys=frozenset(bib.entries))
    n_report = len(bibliography.references_table(bib, "report"))
    print(
        f"Bibliography: {n_report} works from the report, {len(bib.entries) - n_report} project references, "
        f"{len(bibliography.missing_works(audit))} cited works missing from the report's list"
    )
    network = referrals.referral_network(pathways)
    print(
        f"Referral pathways: {len(pathways.pathways)} examples, {network.number_of_edges()} distinct hops "
        f"between {network.number_of_nodes()} partners"
    )
    grant = inputs.value("grant_total_gbp")
    print(
        f"Economic inputs: grant £{grant:,.0f}; break-even saving £{economics.break_even_saving(grant, inputs.value('engagements_total_1')):,.2f} "
        f"per engaged woman; {len(inputs.sroi_ratios)} literature ratios (scenarios only)"
    )
    print(
        f"Recommendations: {len(recs.conclusions)} conclusions and {len(recs.recommendations)} recommendations "
        f"tied to {len(recs.findings)} findings"
    )
    for line in bibliography.bibliography_warnings():
        print(f"warning: {line}", file=sys.stderr)

    if args.figures is not None:
        out = args.figures
        written = [
            toc.draw_theory_of_change(theory, s, statuses, out / f"theory_of_change_{s}.png") for s in theory.stakeholders
        ]
        written.append(referrals.draw_referral_network(network, out / "referral_network.png", notes=pathways.notes))
        written.append(economics.draw_sensitivity(inputs, out / "break_even_sensitivity.png"))
        for path in written:
            print(f"wrote {path}")
    return 0
