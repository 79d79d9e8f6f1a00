"""`diff OLD.json NEW.json [--mode MODE] [--json]`: compatibility of two plain schema files.

Exit 0 compatible, 1 incompatible, 2 unreadable input or unknown mode.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from registry.compat import MODES
from registry.compat.check import compare_versions, directions, load, validate
from registry.compat.engine import diff_documents
from registry.errors import InputError
from registry.findings import Report
from registry.gate import default_semantic
from registry.jsonfile import read_json_file
from registry.schema_refs import ref_problems

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.json", help="the earlier schema")
    parser.add_argument("new", metavar="NEW.json", help="the proposed schema")
    parser.add_argument(
        "--mode", default="BACKWARD", metavar="MODE", help=f"one of {', '.join(MODES)} (default BACKWARD)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable result")
    parser.add_argument(
        "--no-semantic",
        action="store_true",
        help="Confluent's rules only: no counterexample search, no subschema proof",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    mode = args.mode.upper()
    directions(mode)  # unknown mode -> UsageError before any file is read
    old, new = _read(args.old), _read(args.new)
    for file, schema in ((args.old, old), (args.new, new)):
        for problem in ref_problems(schema)[:1]:  # a schema we cannot fully read is an input error, not a verdict
            raise InputError(file, problem.message, pointer=problem.pointer, hint=problem.hint)
    old_doc, new_doc = load(old, args.old), load(new, args.new)
    validate(old_doc, args.old)
    validate(new_doc, args.new)
    semantic = None if args.no_semantic else default_semantic()
    findings, verdicts = compare_versions(old, new, mode, old_file=args.old, new_file=args.new, semantic=semantic)
    report = Report(findings)
    if args.json:
        changes = [{"direction": "backward", **c.to_json()} for c in diff_documents(old_doc.root, new_doc.root)]
        if "forward" in directions(mode):
            changes += [{"direction": "forward", **c.to_json()} for c in diff_documents(new_doc.root, old_doc.root)]
        print(
            json.dumps(
                {
                    "compatible": report.ok,
                    "mode": mode,
                    "findings": [f.to_json() for f in report.sorted()],
                    "verdicts": [v.to_json() for v in verdicts],
                    "changes": changes,
                },
                indent=2,
                sort_keys=True,
                default=str,
            )
        )
    else:
        print(report.render(f"compatibility of {args.new} against {args.old} ({mode})"))
        for v in verdicts:
            print(f"{v.direction}: {v.reader} reading data of {v.writer}: {v.verdict}")
        print(f"{'COMPATIBLE' if report.ok else 'INCOMPATIBLE'} under {mode}")
    return 0 if report.ok else 1


def _read(file: str) -> Any:
    document = read_json_file(file)
    if not isinstance(document, (dict, bool)):
        raise InputError(
            file,
            f"a schema must be a JSON object or boolean, not {type(document).__name__}",
            hint='wrap the schema in an object, e.g. {"type": "object"}',
        )
    return document
