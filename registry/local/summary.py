"""What a local run shows: per event where it went and why, queues, API calls, metrics; and scenario checks.

Text for people and `--json` for machines carry the same facts. Secrets never
appear: the placeholder credentials live only in the engine and the endpoint.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from registry.local.engine import AGE_SCALE, BACKOFF_SECONDS, RETRY_CAP
from registry.local.run import LocalRun, ScenarioRun

__all__ = ["LOCAL_TIMING_NOTE", "mismatches", "render_text", "to_json"]

LOCAL_TIMING_NOTE = (
    f"local timing: failed SQS messages are visible again at once (visibility timeout scaled to 0); "
    f"API retries follow each target's retry policy, capped at {RETRY_CAP}, with backoff "
    f"{int(BACKOFF_SECONDS[0] * 1000)}-{int(BACKOFF_SECONDS[1] * 1000)} ms (AWS: seconds to minutes) "
    f"and event age counted {int(AGE_SCALE)}x faster; rate limits are real; batching windows are not waited for"
)


def _queue_of(run: ScenarioRun, name: str) -> str | None:
    return run.engine.topology.queue_named(name)


def _destination_of(run: ScenarioRun, name: str) -> str | None:
    return run.engine.topology.destination_named(name)


def _api_statuses(run: ScenarioRun) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for attempt in run.engine.api_attempts:
        found.setdefault(attempt.destination, []).append(attempt.status)
    return found


def mismatches(run: ScenarioRun) -> list[str]:
    """Every way the run differs from what its scenario expects (empty when it matches)."""
    expect = run.scenario.expect
    if expect is None:
        return []
    problems: list[str] = []
    for name, want in sorted(expect.deliveries.items()):
        queue = _queue_of(run, name)
        if queue is None:
            problems.append(
                f"deliveries: no queue {name!r} in the stack (known: {', '.join(sorted(run.engine.topology.queues))})"
            )
            continue
        got = run.engine.delivered.get(queue, [])
        if isinstance(want, int) and len(got) != want:
            problems.append(f"deliveries to {name}: expected {want}, got {len(got)} {sorted(got)}")
        elif not isinstance(want, int) and Counter(want) != Counter(got):
            problems.append(f"deliveries to {name}: expected {sorted(want)}, got {sorted(got)}")
    for name, want in sorted(expect.dlq.items()):
        queue = _queue_of(run, name)
        if queue is None:
            problems.append(
                f"dlq: no queue {name!r} in the stack (known: {', '.join(sorted(run.engine.topology.queues))})"
            )
            continue
        depth = sum(run.depths.get(queue, (0, 0)))
        if depth != want:
            problems.append(f"depth of {name}: expected {want}, got {depth}")
    statuses = _api_statuses(run)
    for name, (calls, want_statuses) in sorted(expect.api_calls.items()):
        dest = _destination_of(run, name)
        if dest is None:
            problems.append(
                f"api_calls: no API destination {name!r} (known: {', '.join(sorted(run.engine.topology.api_destinations))})"
            )
            continue
        got_statuses = statuses.get(dest, [])
        if len(got_statuses) != calls:
            problems.append(f"API calls to {name}: expected {calls}, got {len(got_statuses)} {got_statuses}")
        elif want_statuses is not None and list(want_statuses) != got_statuses:
            problems.append(f"API statuses from {name}: expected {list(want_statuses)}, got {got_statuses}")
    for day, want_day in sorted(expect.metrics.items()):
        have = run.metrics.get(day, {"orders": 0, "completed": 0, "cancelled": 0, "drinks": {}})
        for key, value in sorted(want_day.items()):
            if have.get(key) != value:
                problems.append(f"metrics {day} {key}: expected {value}, got {have.get(key)}")
    for key, want_counts in sorted(expect.monitor.items()):
        judged = run.monitor.get(key, {})
        for outcome, value in sorted(want_counts.items()):
            if judged.get(outcome, 0) != value:
                problems.append(f"monitor {key} {outcome}: expected {value}, got {judged.get(outcome, 0)}")
    problems += [f"not sent: {reason}" for reason in run.unsent]
    return problems


def _scenario_json(run: ScenarioRun) -> dict[str, Any]:
    engine = run.engine
    return {
        "scenario": run.scenario.name,
        "file": run.scenario.file,
        "events": [
            {
                "label": t.label,
                "id": t.event_id,
                "source": t.source,
                "detail-type": t.detail_type,
                "trace_header": t.trace_header,
                "steps": [{"kind": s.kind, "name": s.name, "ok": s.ok, "why": s.why} for s in t.steps],
            }
            for t in engine.traces
        ],
        "handler_logs": engine.handler_logs,
        "event_log": [{"log_group": group, "message": message} for group, message in engine.event_log],
        "queues": {
            name: {
                "visible": v,
                "in_flight": f,
                "delivered": len(engine.delivered.get(name, [])),
                "traced": engine.traced.get(name, 0),  # of those, carrying the producer's X-Ray header
                "is_dlq": name in engine.topology.dlqs,
            }
            for name, (v, f) in run.depths.items()
        },
        "api_calls": [
            {"destination": a.destination, "event": a.label, "attempt": a.attempt, "status": a.status}
            for a in engine.api_attempts
        ],
        "lambda_invocations": [
            {
                "function": i.function,
                "records": i.records,
                "failed": i.failed,
                "error": i.error,
                "seconds": round(i.seconds, 6),
            }
            for i in engine.invocations
        ],
        "metrics": run.metrics,
        "monitor": run.monitor,
        "violations": run.violations,
        "unsent": run.unsent,
        "warnings": run.warnings,
        "mismatches": mismatches(run),
    }


def _topology_json(result: LocalRun) -> dict[str, Any]:
    """The routing as stood up: each rule's exact pattern and targets, each subscription's exact policy."""
    topo = result.topology
    return {
        "rules": [
            {
                "name": r.name,
                "bus": r.bus,
                "pattern": r.pattern,
                "schedule": r.schedule,
                "targets": [
                    {
                        "kind": t.kind,
                        "to": t.ref,
                        "dlq": t.dlq,
                        "retry_attempts": t.retry_attempts,
                        "retry_age_seconds": t.retry_age_seconds,
                    }
                    for t in r.targets
                ],
            }
            for r in topo.rules
        ],
        "subscriptions": [
            {
                "name": s.name,
                "topic": s.topic,
                "to": s.endpoint,
                "filter_policy": s.filter_policy,
                "scope": s.filter_policy_scope,
                "raw": s.raw_message_delivery,
                "dlq": s.dlq,
            }
            for t in topo.topics.values()
            for s in t.subscriptions
        ],
    }


def to_json(result: LocalRun) -> dict[str, Any]:
    return {
        "stack": result.stack,
        "endpoint": result.endpoint_url,
        "note": LOCAL_TIMING_NOTE,
        "topology": _topology_json(result),
        "scenarios": [_scenario_json(r) for r in result.runs],
        "ok": not any(mismatches(r) for r in result.runs),
    }


def _trace_root(header: str) -> str:
    return next((p.strip()[5:] for p in header.split(";") if p.strip().startswith("Root=")), "")


def _logged_with(run: ScenarioRun, root: str) -> list[str]:
    """The handlers' log messages that carry this X-Ray trace id (one field or a list of them)."""
    found = []
    for line in run.engine.handler_logs:
        ids = line.get("traceIds") or [line.get("traceId")]
        if root and root in ids:
            found.append(str(line.get("message", "")))
    return found


def _steps_text(run: ScenarioRun) -> list[str]:
    lines = []
    shown: set[str] = set()
    for trace in run.engine.traces:
        root = _trace_root(trace.trace_header)
        traced = f", trace {root}" if root else ""
        lines.append(f"  {trace.label}  ({trace.detail_type} from {trace.source}, id {trace.event_id[:8]}{traced})")
        for step in trace.steps:
            mark = "->" if step.ok else "x "
            lines.append(f"    {mark} {step.kind:12} {step.name}  {step.why}".rstrip())
        if root and root not in shown:  # a producer retry shares its trace: show the log lines once
            shown.add(root)
            for message in _logged_with(run, root):
                lines.append(f"    -> {'handler-log':12} {message}  (its JSON log line carries trace {root})")
    return lines


def _queues_text(run: ScenarioRun) -> list[str]:
    dlqs = run.engine.topology.dlqs
    width = max((len(n) for n in run.depths), default=5)
    lines = [f"  {'queue':{width}}  delivered  depth  in-flight"]
    for name, (visible, flight) in run.depths.items():
        delivered = len(run.engine.delivered.get(name, []))
        if not (delivered or visible or flight):
            continue
        tag = "  (DLQ)" if name in dlqs else ""
        lines.append(f"  {name:{width}}  {delivered:9}  {visible:5}  {flight:9}{tag}")
    if len(lines) == 1:
        lines.append("  (every queue is empty)")
    return lines


def _api_text(run: ScenarioRun) -> list[str]:
    attempts = run.engine.api_attempts
    if not attempts:
        return ["  (no API calls)"]
    lines = []
    for dest in sorted({a.destination for a in attempts}):
        mine = [a for a in attempts if a.destination == dest]
        events = sum(1 for a in mine if a.attempt == 0)
        counts = ", ".join(f"{code} x{n}" for code, n in sorted(Counter(a.status for a in mine).items()))
        failed = sum(
            1 for t in run.engine.traces for st in t.steps if st.kind == "api" and st.name == dest and not st.ok
        )
        lines.append(
            f"  {dest}: {events} event(s), {len(mine)} call(s) ({len(mine) - events} retries): {counts}; {failed} failed"
        )
    return lines


def _metrics_text(run: ScenarioRun) -> list[str]:
    if not run.metrics:
        return ["  (no metrics recorded)"]
    lines = [f"  {'day':10}  {'orders':>6}  {'completed':>9}  {'cancelled':>9}  drinks"]
    for day, fig in run.metrics.items():
        drinks = ", ".join(f"{d} {n}" for d, n in sorted(fig["drinks"].items())) or "-"
        lines.append(f"  {day:10}  {fig['orders']:6}  {fig['completed']:9}  {fig['cancelled']:9}  {drinks}")
    return lines


def _monitor_text(run: ScenarioRun) -> list[str]:
    lines = []
    for key, fig in run.monitor.items():
        versions = ", ".join(f"{v} {n}" for v, n in sorted(fig["versions"].items()))
        lines.append(f"  {key}: {fig['accepted']} accepted ({versions or '-'}), {fig['rejected']} rejected")
    lines += [f"  violation {v['event']} {v['id']}: {v['pointer']} {v['error']}" for v in run.violations]
    return lines


def render_text(result: LocalRun) -> str:
    lines = [
        f"Eventplane local run of stack {result.stack} (embedded AWS: moto; API endpoint {result.endpoint_url})",
        f"  {LOCAL_TIMING_NOTE}",
    ]
    scheduled = [f"{r.name} ({r.schedule})" for r in result.topology.rules if r.schedule and not r.pattern]
    if scheduled:
        lines.append(f"  scheduled rules are not fired locally: {', '.join(scheduled)}")
    for run in result.runs:
        lines += ["", f"== {run.scenario.name}" + (f" ({run.scenario.file})" if run.scenario.file else "")]
        lines += [f"Events ({len(run.engine.traces)} put on their buses)", *_steps_text(run)]
        lines += ["Queues", *_queues_text(run)]
        lines += ["API calls", *_api_text(run)]
        invocations = run.engine.invocations
        if invocations:
            failed = sum(i.failed for i in invocations)
            lines.append(
                f"Lambda: {len(invocations)} invocation(s), {sum(i.records for i in invocations)} record(s), "
                f"{failed} reported failed, {run.engine.handler_log_lines} log line(s) (those carrying a trace id under their events; all in --json)"
            )
        lines += ["Metrics", *_metrics_text(run)]
        if run.monitor or run.violations:
            lines += ["Contract monitor", *_monitor_text(run)]
        lines += [f"warning: {w}" for w in run.warnings]
        problems = mismatches(run)
        if run.scenario.expect is not None:
            lines += [f"MISMATCH {p}" for p in problems] or ["OK: every expectation met"]
        else:
            lines += [f"not sent: {u}" for u in run.unsent]
    return "\n".join(lines)
