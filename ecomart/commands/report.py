"""``ecomart report``: a compliance report per framework from one check run — every control of the framework with
pass / fail / waived / not applicable / not checked / not expressible / gap, counts, markdown or JSON.

    ecomart report --framework fsbp --program DIR
    ecomart report --framework pci --stack prod --format json --output pci.json

Exit status: 0 written, 2 bad input (one line on stderr). The check's own verdict is `ecomart check`'s.
"""

from __future__ import annotations

import argparse
import sys

HELP = "a compliance report per framework (FSBP, CIS, PCI DSS, GDPR, NIST...) from one check run"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ecomart.commands.check import add_source_arguments
    from policies.engine.meta import FRAMEWORKS

    p.add_argument("--framework", required=True, choices=sorted(FRAMEWORKS), help="the framework to report on")
    add_source_arguments(p)
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")


def run(args: argparse.Namespace) -> int:
    from ecomart.commands.check import BadInput, evaluate, write_output
    from policies.engine import frameworks

    try:
        result = evaluate(args)
        doc = frameworks.report(result, args.framework)
        text = frameworks.render_json(doc) if args.format == "json" else frameworks.render_markdown(doc)
        counts = ", ".join(f"{n} {s}" for s, n in doc["counts"].items() if n)
        write_output(text, args.output, f"{doc['framework']['name']}: {counts}")
        return 0
    except BadInput as e:
        print(f"ecomart report: {e}", file=sys.stderr)
        return 2
