"""Plan the stack in a child process while this one gets the embedded AWS ready.

`plan_stack` (the real Pulumi program under the mock engine) is CPU bound, and
so are loading the contracts, importing moto and building the metrics bundle;
the GIL would serialise them in threads. `python -m registry plan --json` in a
child process runs the same `plan_stack` on the second core and prints the
fixed plan format, which maps one-to-one onto `PlannedResource`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from registry.errors import EventplaneError
from registry.findings import Finding, Report

__all__ = ["PendingPlan", "PlanFailed", "start_plan"]


class PlanFailed(EventplaneError):
    """`plan` refused (gate rejection: exit 1) or could not run (unknown stack: exit 2); carries its output."""

    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code = exit_code
        super().__init__(output.strip() or f"plan exited {exit_code}")


@dataclass
class PendingPlan:
    stack: str
    process: subprocess.Popen[str]

    def resources(self) -> list[Any]:
        """The planned resources (`urn`, `type`, `name`, `parent`, `inputs`), once the child is done."""
        out, err = self.process.communicate()
        if self.process.returncode != 0:
            raise PlanFailed(self.process.returncode, _explain(self.stack, out, err))
        try:
            data = json.loads(out)
        except json.JSONDecodeError as exc:
            raise PlanFailed(2, f"plan --json printed something that is not JSON ({exc}):\n{out[:500]}\n{err}") from exc
        return [SimpleNamespace(**r) for r in data["resources"]]


def _explain(stack: str, out: str, err: str) -> str:
    """The gate's report when the plan was rejected, else the tail of what the child printed."""
    try:
        rejected = json.loads(out).get("rejected")
    except (json.JSONDecodeError, AttributeError):
        rejected = None
    if isinstance(rejected, dict):
        report = Report([Finding(**f) for f in rejected.get("findings", [])])
        return report.render(f"plan {stack}: rejected by the gate, nothing would be created")
    tail = "\n".join((err or out).strip().splitlines()[-15:])
    return f"plan {stack} failed:\n{tail}"


def start_plan(stack: str, root: Path) -> PendingPlan:
    """Plan `stack` and every stack sharing its bus (`plan --environment`): the core is planned once."""
    command = [sys.executable, "-m", "registry", "plan", "--stack", stack, "--environment", "--json"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return PendingPlan(stack, process)
