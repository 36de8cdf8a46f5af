"""``ecomart`` — the project's command line: offline preview and compliance check of a stack."""

from __future__ import annotations

import argparse
import sys


def _preview(args: argparse.Namespace) -> int:
    from infra.preview import main_preview

    code, export_path = main_preview(args.stack, out_dir=args.out_dir, project_dir=args.project_dir,
                                     program=args.program, out_file=args.out)
    if code != 0 or args.no_check:
        return code
    try:
        from policies.checker import main_check_after_preview
    except ImportError:  # the policy pack is not installed in this checkout
        return code
    stack = args.stack
    if args.program and not stack:
        from infra.preview import default_stack, load_program
        stack = default_stack(load_program(args.program))
    return main_check_after_preview(stack, export_path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecomart", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("preview", help="synthesize a stack offline under Pulumi's mock engine and export its graph")
    p.add_argument("--stack", help="stack name: reads Pulumi.<stack>.yaml (with --program: default the program's "
                                   "only stack, else dev)")
    p.add_argument("--program", metavar="DIR", help="preview any Pulumi Python program in DIR (its Pulumi.yaml and "
                                                    "Pulumi.<stack>.yaml) instead of this project's stack")
    p.add_argument("--out", metavar="FILE", help="write the stack export here (default build/<stack>/ or, with "
                                                 "--program, build/<dir name>/<stack>/stack-export.json)")
    p.add_argument("--out-dir", help="where to write stack-export.json (default build/<stack>/)")
    p.add_argument("--project-dir", help="directory holding Pulumi.<stack>.yaml (default: this project)")
    p.add_argument("--no-check", action="store_true", help="skip the compliance check after the preview")
    p.set_defaults(func=_preview)
    pc = sub.add_parser("policy-config", help="policies/config/<stack>.json generated from platform_rules: check "
                                              "that the committed files are current, or --write them")
    pc.add_argument("--write", action="store_true", help="regenerate the files")
    pc.set_defaults(func=lambda a: __import__("policies.enforcement", fromlist=["x"]).main_policy_config(a.write))
    from infra.diff import add_diff_parser
    add_diff_parser(sub)
    from runbooks.cli import add_runbook_parser
    add_runbook_parser(sub)
    try:
        from policies.checker import add_check_parser
    except ImportError:
        pass
    else:
        add_check_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "runbook":  # a runbook's own parameters follow its name: parsed by the runbook
        from runbooks.cli import main_runbook
        return main_runbook(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
