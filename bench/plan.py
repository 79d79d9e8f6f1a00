"""How the offline plan scales: 200 and 800 subscriptions, against the mock engine's floor, and over domain stacks.

Prints `BENCH plan subs=800 resources=<n> seconds=<s> per_resource_ms=<x> growth=<t800/t200>
floor_ms=<y> floor_ratio=<x/y>` last; linear growth is t800/t200 near 4 (resources grow 4x).
Each size is planned by the real `__main__.py` under the mock engine; it counts
the faster of two interleaved runs (the first pays the imports). The floor is a program that
declares bare resources (no components, no references between them; as many
as the 200-subscription plan has) through the same `plan_stack`: what the SDK
and the mock engine cost per resource however the program is written;
`floor_ratio` is our per-resource cost at 800 over it.

Before it, `BENCH plan-stacks ...`: a registry of 25 teams x 200 subscriptions
(5,000) as a core stack and 25 domain stacks on its bus, against one of 5 x 200
(1,000). The core and a subset of domain stacks (the first and the last, named
in the line) are planned; `flat` is the slowest domain stack's time at 5,000
over that at 1,000 (1.0 = a stack's plan does not grow with the registry; what
still grows is the whole-registry gate each program runs, and the quota count
over the stacks sharing its bus).

`seconds` is wall time; every other figure is the process's CPU time, because
the machine is shared with other work whose load would otherwise decide the
ratios (the plan is single-threaded CPU work, so alone the two agree).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from registry.gate import version_key  # noqa: E402
from registry.loader import load_registry  # noqa: E402
from registry.offline_plan import plan_stack  # noqa: E402

SIZES = (200, 800)
REPEATS = 2  # the machine is shared: the faster of two runs of each size is the less disturbed one
SUBS_PER_EVENT = 10
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["metadata", "data"],
    "properties": {
        "metadata": {
            "type": "object",
            "required": ["idempotency-key"],
            "properties": {"idempotency-key": {"type": "string"}},
        },
        "data": {"type": "object", "properties": {"amount": {"type": "number"}, "region": {"type": "string"}}},
    },
    "examples": [{"metadata": {"idempotency-key": "k1"}, "data": {"amount": 150, "region": "eu"}}],
}


def delivery(i: int) -> dict:
    """A mix like the real one: mostly queues, some forks, API and Lambda deliveries."""
    kind = i % 10
    if kind < 6:
        return {"type": "queue"} if kind else {"type": "queue", "fifo": True, "message_group_id": "bench"}
    if kind < 8:
        return {"type": "fork", "pipeline": ("analytics", "replay")[kind - 6]}
    return (
        {"type": "api", "destination": "delivery-service"}
        if kind == 8
        else {"type": "lambda", "function": "order-audit"}
    )


def write_registry(root: Path, subs: int, teams: int = 1) -> None:
    """`subs` subscriptions over `subs / 10` events; with `teams`, each team reads only its own domain's events."""
    events = max(1, subs // SUBS_PER_EVENT)
    for e in range(events):
        folder = root / f"events/bench/Event{e:04d}"
        folder.mkdir(parents=True)
        (folder / "event.json").write_text(
            json.dumps(
                {
                    "source": "com.example.bench",
                    "detail-type": f"Event{e:04d}",
                    "owner": "bench-team",
                    "service": "bench-service",
                    "action": "Something happened",
                    "description": "A synthetic event.",
                }
            )
        )
        (folder / "v1.json").write_text(json.dumps(SCHEMA))
    (root / "subscriptions").mkdir()
    per_team, events_per_team = subs // teams, max(1, events // teams)
    for t in range(teams):
        listed = []
        for j in range(per_team):
            i = t * per_team + j
            event = t * events_per_team + j % events_per_team
            sub = {"name": f"sub-{i:04d}", "event": f"bench/Event{event:04d}", "delivery": delivery(i)}
            if i % 3 == 0:
                sub["filter"] = {"data": {"amount": [{"numeric": [">=", 100]}]}}
            listed.append(sub)
        team = "bench" if teams == 1 else f"team-{t:02d}"
        (root / f"subscriptions/{team}.json").write_text(
            json.dumps({"team": team, "description": "Synthetic consumers.", "subscriptions": listed})
        )
    registry = load_registry(root)
    lock = {version_key(ev.key, v.number): v.fingerprint for ev in registry.events.values() for v in ev.versions}
    (root / "registry.lock.json").write_text(json.dumps({"lockVersion": 1, "published": lock}))


FLOOR_PROGRAM = """
import pulumi
import pulumi_aws as aws

for i in range({n}):
    aws.sqs.Queue(f"bare-{{i}}", name=f"bare-{{i}}", sqs_managed_sse_enabled=True)
"""


def floor(work: Path, resources: int) -> float:
    """CPU seconds per resource for `resources` bare queues planned by the same `plan_stack`."""
    program = work / "floor" / "__main__.py"
    program.parent.mkdir(exist_ok=True)
    program.write_text(FLOOR_PROGRAM.format(n=resources))
    cpu = time.process_time()
    plan = plan_stack("bench", work, program=program)
    cpu = time.process_time() - cpu
    assert len(plan.resources) == resources
    return cpu / resources


STACK_SUBS = 200  # every domain stack deploys one team of 200 subscriptions
STACK_SUBSET = 2  # domain stacks planned at 5,000 (the first and the last; at 1,000 the first), to keep it short


def per_stack(work: Path, dev: dict, stacks: int, subset: int) -> tuple[float, float, list[str]]:
    """A registry of `stacks` x 200 subscriptions as a core plus `stacks` domain stacks (same account, the core
    bus's rule quota recorded as raised); plans the core and a subset of domains. Returns (core cpu seconds,
    slowest domain's cpu seconds, the domains planned)."""
    root = work / f"stacks-{stacks}"
    root.mkdir()
    write_registry(root / "contracts", stacks * STACK_SUBS, teams=stacks)
    base = {k: v for k, v in dev["config"].items() if k not in ("eventplane:schedule", "eventplane:monitor")}
    core = {**base, "eventplane:role": "core", "eventplane:namePrefix": "ep-core"}
    core["eventplane:quotas"] = {"rulesPerBus": stacks * STACK_SUBS}
    core.pop("eventplane:apiDestinations")
    core.pop("eventplane:functions")
    (root / "Pulumi.core.yaml").write_text(yaml.safe_dump({"config": core}))
    names = [f"d{t:02d}" for t in range(stacks)]
    for t, name in enumerate(names):
        domain = {**base, "eventplane:role": "domain", "eventplane:core": "core", "eventplane:teams": [f"team-{t:02d}"]}
        domain["eventplane:namePrefix"] = f"ep-{name}"
        (root / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": domain}))
    program, contracts = ROOT / "__main__.py", root / "contracts"
    cpu = time.process_time()
    outputs = plan_stack("core", root, contracts=contracts, program=program).outputs
    core_cpu = time.process_time() - cpu
    planned = [names[0], names[-1]][:subset]
    slowest = 0.0
    for name in planned:
        cpu = time.process_time()
        plan_stack(name, root, contracts=contracts, program=program, references={"core": outputs})
        slowest = max(slowest, time.process_time() - cpu)
    return core_cpu, slowest, planned


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
        config["config"].pop("eventplane:schedule", None)
        config["config"].pop("eventplane:monitor", None)  # subscriptions only: the monitor is not what is measured
        config["config"]["eventplane:quotas"] = {"rulesPerBus": 1000}  # 800 rules on one bus: a raised quota
        (work / "Pulumi.bench.yaml").write_text(yaml.safe_dump(config))
        results: dict[int, tuple[int, float, float]] = {}
        for subs in SIZES:
            write_registry(work / f"contracts-{subs}", subs)
        for _round in range(REPEATS):  # interleaved; the fastest of each size counts (the first pays the imports)
            for subs in SIZES:
                wall, cpu = time.perf_counter(), time.process_time()
                plan = plan_stack("bench", work, contracts=work / f"contracts-{subs}", program=ROOT / "__main__.py")
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                if subs not in results or cpu < results[subs][2]:
                    results[subs] = (len(plan.resources), wall, cpu)
        for subs in SIZES:
            count, wall, cpu = results[subs]
            print(
                f"subs={subs} resources={count} seconds={wall:.2f} cpu_seconds={cpu:.2f} "
                f"per_resource_ms={1000 * cpu / count:.2f}"
            )
        resources, wall, cpu = results[800]
        floor_ms = 1000 * floor(work, results[200][0])  # linear in its resources: the 200-size count keeps it short
        small = per_stack(work, config, 5, 1)
        large = per_stack(work, config, 25, STACK_SUBSET)
    growth = cpu / results[200][2]
    ours_ms = 1000 * cpu / resources
    print(f"floor: {results[200][0]} bare resources, {floor_ms:.2f} ms each")
    print(
        f"BENCH plan-stacks subs=5000 stacks=25 subs_per_stack={STACK_SUBS} planned={','.join(large[2])} "
        f"core_seconds={large[0]:.2f} slowest_stack_seconds={large[1]:.2f} "
        f"slowest_stack_seconds_at_1000={small[1]:.2f} flat={large[1] / small[1]:.2f}"
    )
    print(
        f"BENCH plan subs=800 resources={resources} seconds={wall:.2f} "
        f"per_resource_ms={ours_ms:.2f} growth={growth:.2f} floor_ms={floor_ms:.2f} floor_ratio={ours_ms / floor_ms:.2f}"
    )


if __name__ == "__main__":
    main()
