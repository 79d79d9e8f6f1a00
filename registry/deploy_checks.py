"""What `plan` or AWS would refuse at deploy time, found by `check` first.

Two kinds: a delivery AWS would reject whatever the stack (`delivery_findings`,
rules from `registry.aws_limits`), and a subscription that names an API
destination, function or id a stack does not configure (`stack_findings`).
The Pulumi program raises the first stack finding as its InputError, so
`check`, `plan` and `pulumi up` refuse the same things with the same words.
"""

from __future__ import annotations

from pathlib import Path

from registry import aws_limits
from registry.errors import InputError
from registry.findings import Finding
from registry.gate_rules import finding
from registry.model import Registry, Subscription
from registry.stack_config import NAMESPACE, StackConfig, known_stacks, load_stack_config, read_stack_file
from registry.strict import escape_token

__all__ = ["delivery_findings", "stack_findings", "stacks_findings"]

_TARGETS = {"api": ("apiDestinations", "destination"), "lambda": ("functions", "function")}


def delivery_findings(sub: Subscription) -> list[Finding]:
    """A delivery AWS's API would refuse (batching, FIFO deduplication, input paths)."""
    options, pointer = sub.delivery.options, f"{sub.pointer}/delivery"
    findings: list[Finding] = []
    if sub.delivery.type == "metrics":
        why = aws_limits.batching_problem(
            int(options.get("batch_size", 10)), int(options.get("batching_window_seconds", 5))
        )
        if why:
            findings.append(finding("DELIVERY_BATCHING_INVALID", sub.file, f"{pointer}/batch_size", why))
    if sub.delivery.type == "queue":
        why = aws_limits.fifo_dedup_problem(options)
        if why:
            findings.append(
                finding("FIFO_DEDUPLICATION_MISSING", sub.file, f"{pointer}/content_based_deduplication", why)
            )
    paths = (options.get("input_transformer") or {}).get("input_paths") or {}
    for key, why in aws_limits.input_paths_problems(paths):
        at = f"{pointer}/input_transformer/input_paths" + (f"/{escape_token(key)}" if key else "")
        findings.append(finding("INPUT_PATH_INVALID", sub.file, at, why))
    return findings


def stack_findings(registry: Registry, config: StackConfig) -> list[Finding]:
    """Subscription ids the stack names that do not exist; targets its enabled subscriptions name that it lacks."""
    known = {s.id for s in registry.subscriptions}
    findings = [
        finding(
            "STACK_SUBSCRIPTION_UNKNOWN",
            config.source,
            f"/config/{NAMESPACE}:subscriptions",
            f"unknown subscription {sub_id!r}",
            hint=f"use an id of the form team.name; known: {', '.join(sorted(known))}",
        )
        for sub_id in (config.enabled or ()) + config.disabled
        if sub_id not in known
    ]
    for sub in registry.subscriptions:
        if sub.delivery.type not in _TARGETS or not config.subscription_enabled(sub.id):
            continue
        kind, key = _TARGETS[sub.delivery.type]
        names = config.api_destinations if kind == "apiDestinations" else config.functions
        if sub.delivery.options.get(key) not in names:
            findings.append(
                finding(
                    "SUBSCRIPTION_TARGET_UNKNOWN",
                    sub.file,
                    f"{sub.pointer}/delivery/{key}",
                    f"{key} {sub.delivery.options.get(key)!r} is not configured for stack {config.stack}",
                    hint=f"add it under `{NAMESPACE}:{kind}` in {config.source}, or disable {sub.id} there",
                )
            )
    return findings


def stacks_findings(registry: Registry, stack_root: Path) -> list[Finding]:
    """`stack_findings` for every stack in `stack_root` that deploys these contracts (its contractsDir)."""
    contracts = Path(registry.root).resolve()
    findings: list[Finding] = []
    for stack in known_stacks(stack_root):
        path = stack_root / f"Pulumi.{stack}.yaml"
        try:
            values = read_stack_file(path)
            directory = values.get(f"{NAMESPACE}:contractsDir", "contracts")
            if not isinstance(directory, str) or (stack_root / directory).resolve() != contracts:
                continue
            config = load_stack_config(stack_root, stack)
        except InputError as exc:
            findings.append(finding("STACK_CONFIG_INVALID", exc.file, exc.pointer, exc.message, hint=exc.hint or ""))
            continue
        findings.extend(stack_findings(registry, config))
    return findings
