"""`infer FILE|DIR [--event DOMAIN/NAME] [--out DIR] [--json]`: draft contracts from recorded events.

Exit 0 when every draft passes the gate (a new contract, or a next version
compatible under its event's mode), 1 when one does not or when `--out`
would overwrite a file (nothing is written then), 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from registry.commands.options import add_contracts_option
from registry.errors import InputError
from registry.infer import Draft, infer_drafts, write_drafts
from registry.infer.write import render_document
from registry.loader import load_registry
from registry.recorded import BadLine, RecordedEvent, iter_recorded

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="recorded events (JSON Lines, wrapped forms too)")
    parser.add_argument("--event", metavar="DOMAIN/NAME", help="draft only this contract (or name a new one)")
    parser.add_argument("--out", metavar="DIR", help="write into this contracts root; never overwrites a file")
    add_contracts_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable result")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_registry(Path(args.contracts))
    records: list[RecordedEvent] = []
    bad: list[BadLine] = []
    for item in iter_recorded(args.inputs):
        (records if isinstance(item, RecordedEvent) else bad).append(item)  # type: ignore[arg-type]
    if not records:
        first = f" (first: {bad[0].where}: {bad[0].reason})" if bad else ""
        raise InputError(
            ", ".join(args.inputs),
            f"no EventBridge events found{first}",
            hint="pass JSON Lines of EventBridge envelopes (SQS, SNS and CloudWatch Logs wrappers are unwrapped)",
        )
    drafts = infer_drafts(records, registry, args.event)
    written: list[Path] = []
    if args.out:
        written = write_drafts(drafts, Path(args.out), registry)
    ok = all(d.compatible for d in drafts)
    if args.json:
        document: dict[str, Any] = {
            "ok": ok,
            "events": [d.to_json() for d in drafts],
            "bad_lines": [{"where": b.where, "reason": b.reason} for b in bad],
            "written": [str(p) for p in written],
        }
        print(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        print(_render(drafts, bad, written, preview=not args.out))
    return 0 if ok else 1


def _render(drafts: list[Draft], bad: list[BadLine], written: list[Path], *, preview: bool) -> str:
    lines: list[str] = []
    for draft in drafts:
        what = {"new": "new contract", "accepted": "already accepted", "next-version": "next version"}[draft.status]
        lines.append(f"{draft.key} ({draft.source} / {draft.detail_type}): {draft.samples} sample(s), {what}")
        if draft.rejected:
            version = draft.rejected[0].version
            lines.append(f"  v{version} rejects {len(draft.rejected)} sample(s):")
            lines += [f"    {r.where}  {r.pointer}: {r.message}" for r in draft.rejected[:20]]
            if len(draft.rejected) > 20:
                lines.append(f"    ... and {len(draft.rejected) - 20} more (--json lists all)")
        if draft.files:
            verdict = "passes the gate" if draft.compatible else "REJECTED by the gate"
            if draft.status == "next-version":
                verdict = ("compatible" if draft.compatible else "INCOMPATIBLE") + f" under {draft.mode}"
            lines.append(f"  draft: {verdict}")
            lines += ["    " + line for f in draft.findings for line in f.render().splitlines()]
        lines += [f"  note: {n}" for n in draft.notes]
        if preview:
            for name, document in sorted(draft.files.items()):
                lines.append(f"  --- {name} (preview; --out DIR writes it)")
                lines += ["  " + line for line in render_document(document).splitlines()]
    if bad:
        lines.append(f"{len(bad)} line(s) skipped (not an event):")
        lines += [f"  {b.where}: {b.reason}" for b in bad[:20]]
    if written:
        lines.append("written:")
        lines += [f"  {p}" for p in written]
        lines.append("next: python -m registry check --contracts <that folder>")
    return "\n".join(lines)
