"""Run the real Pulumi program offline, under Pulumi's mock engine, and record what it declares.

No Pulumi CLI and no AWS: `pulumi.runtime.set_mocks` stands in for the engine,
the stack's config comes from `Pulumi.<stack>.yaml` (each secret the program
requires gets a placeholder, marked secret), and a recording monitor keeps
every resource registration exactly as the program sends it to the provider
(camelCase input names, secrets replaced by `"[secret]"`). The mocks answer
with realistic ids and ARNs, so references between resources (a target's
`arn`, a redrive policy's `deadLetterTargetArn`) resolve to the resources
that own them.

Public API (stable; `local`, `catalog` and the tests use it):
`plan_stack(stack, root, *, contracts=None, deployed=None, program=None) -> Plan`,
`Plan`, `PlannedResource`, `PlanRejected` (carries the gate's `Report`),
`SECRET`, `ACCOUNT_ID`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import runpy
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import Stack, run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from registry.errors import EventplaneError
from registry.findings import Report
from registry.stack_config import NAMESPACE, existing_stack_file, parse_stack_config, read_stack_file

__all__ = ["ACCOUNT_ID", "PROJECT", "SECRET", "Plan", "PlanRejected", "PlannedResource", "plan_stack"]

ACCOUNT_ID = "123456789012"
SECRET = "[secret]"
PROJECT = "eventplane"
ORGANIZATION = "organization"  # what `pulumi login --local` names the organization in stack references
CONTRACTS_DIR_KEY = f"{NAMESPACE}:contractsDir"  # lets a plan read another contracts folder (tests, bench)


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str  # e.g. aws:sqs/queue:Queue, or eventplane:index:QueueDelivery for a component
    name: str  # the logical (Pulumi) name
    parent: str | None  # the parent component's URN; None at the top of the stack
    inputs: Mapping[str, Any]  # as the provider receives them (camelCase), secrets as SECRET

    @property
    def custom(self) -> bool:
        """A cloud resource, as opposed to a component grouping them."""
        return not self.type.startswith(f"{PROJECT}:")

    def to_json(self) -> dict[str, Any]:
        return {"urn": self.urn, "type": self.type, "name": self.name, "parent": self.parent, "inputs": self.inputs}


@dataclass(frozen=True)
class Plan:
    stack: str
    resources: list[PlannedResource]
    outputs: Mapping[str, Any]  # stack outputs, secret ones as SECRET
    reads: list[str] = field(default_factory=list)  # URNs of read-only lookups (the stack's own StackReference)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "resources": [r.to_json() for r in self.resources], "outputs": dict(self.outputs)}


class PlanRejected(EventplaneError):
    """The program's gate refused the registry (or what the stack runs); nothing was declared."""

    exit_code = 1

    def __init__(self, report: Report, message: str, declared: list[str]) -> None:
        self.report = report
        self.declared = declared  # URNs registered before the rejection: empty by design
        super().__init__(message)


def plan_stack(
    stack: str,
    root: Path,
    *,
    contracts: Path | None = None,
    deployed: Mapping[str, str] | None = None,
    program: Path | None = None,
) -> Plan:
    """Plan `stack` from `root/Pulumi.<stack>.yaml` by running `program` (default `root/__main__.py`).

    `contracts` overrides the contracts folder the program reads; `deployed` is
    what the stack's previous deployment exported as `contractFingerprints`.
    Raises UsageError for an unknown stack, InputError for bad config or
    contracts, PlanRejected when a gate rejects.
    """
    root = Path(root).resolve()
    path = existing_stack_file(root, stack)
    values = read_stack_file(path)
    parsed = parse_stack_config(values, stack=stack, source=path.name)
    config, secret_keys = _engine_config(values, parsed.secret_keys)
    if contracts is not None:
        config[CONTRACTS_DIR_KEY] = str(Path(contracts).resolve())
    with _LOCK, _quiet_runtime():
        return _run(stack, program or root / "__main__.py", config, secret_keys, parsed.region, dict(deployed or {}))


_LOCK = threading.Lock()  # the Pulumi runtime's settings are process-wide: one plan at a time


@contextlib.contextmanager
def _quiet_runtime() -> Iterator[None]:
    """Keep a plan's cost linear in its resources.

    The SDK sends each registration through a worker thread; against the
    in-process mocks those threads only queue for the GIL, each handoff waiting
    out the 5 ms switch interval, and the cyclic GC rescans the growing graph
    of futures. Measured on 200 subscriptions: 24 s -> 4.6 s. Both settings
    are restored afterwards.
    """
    interval, gc_was_enabled = sys.getswitchinterval(), gc.isenabled()
    sys.setswitchinterval(0.0002)
    gc.disable()
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if gc_was_enabled:
            gc.enable()


def _engine_config(values: Mapping[str, Any], secret_keys: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Config as the engine hands it to a program: strings, JSON for structures, placeholders for secrets."""
    config: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            continue  # ciphertext only the Pulumi CLI can decrypt; a placeholder stands in below
        config[key] = value if isinstance(value, str) else json.dumps(value)
    secrets = [f"{NAMESPACE}:{key}" for key in secret_keys]
    for key in secrets:
        config[key] = f"offline-placeholder-for-{key}"
    return config, secrets


def _run(
    stack: str, program: Path, config: dict[str, str], secret_keys: list[str], region: str, deployed: dict[str, str]
) -> Plan:
    monitor = _RecordingMonitor(_Mocks(region, deployed))
    set_root_resource(None)  # type: ignore[arg-type]  # a fresh Stack per plan
    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi_mocks.set_mocks(
        monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor, organization=ORGANIZATION
    )
    # set_mocks finishes its root Stack at once, which closes it to `pulumi.run`; the language host
    # instead finishes the Stack after the program, so a fresh one stands in for the program's run.
    set_root_resource(None)  # type: ignore[arg-type]
    root = Stack()
    program_dir = str(program.parent)
    sys.path.insert(0, program_dir)
    try:
        _sync_await(run_pulumi_func(lambda: _program(program, root)))
    except Exception as exc:
        raise _named(exc, [r.urn for r in monitor.recorded]) from exc
    finally:
        sys.path.remove(program_dir)
    outputs = _resolve_outputs(root.outputs)
    return Plan(
        stack=stack,
        resources=sorted(monitor.recorded, key=lambda r: r.urn),
        outputs=outputs,
        reads=sorted(monitor.reads),
    )


async def _program(program: Path, stack: Stack) -> None:
    """What the language host's `run_in_stack` does: run the module, await its `pulumi.run` entry, finish the Stack."""
    try:
        runpy.run_path(str(program), run_name="__main__")  # a fresh module namespace on every plan
        entry = stack._take_async_program()
        if entry is not None:
            stack._add_program_outputs(await entry())
    finally:
        stack._finish()


def _named(exc: BaseException, declared: list[str]) -> BaseException:
    report = getattr(exc, "report", None)
    if isinstance(report, Report):
        return PlanRejected(report, report.render(), declared)
    if isinstance(exc.__cause__, EventplaneError):
        return exc.__cause__
    return exc


def _resolve_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for name, value in sorted(outputs.items()):
        output = pulumi.Output.from_input(value)
        secret = _sync_await(output.is_secret())
        resolved[name] = SECRET if secret else _sync_await(output.future())
    return resolved


def _public(value: Any) -> Any:
    """Inputs as JSON: every secret replaced by SECRET (the wire marks them), archives by their path."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, pulumi.FileArchive):
        return {"fileArchive": value.path}
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the wire carries every number as a double; the program sent an int
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping every registration's type, name, parent and inputs."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[PlannedResource] = []
        self.reads: list[str] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]  # Pulumi's MockMonitor is untyped
        if request.type != "pulumi:pulumi:Stack":
            parent = request.parent or None
            if parent and "::pulumi:pulumi:Stack::" in parent:
                parent = None
            inputs = _public(rpc.deserialize_properties(request.object, keep_internal=False))
            if not request.custom:
                inputs = {}
            self.recorded.append(PlannedResource(response.urn, request.type, request.name, parent, inputs))
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]  # Pulumi's MockMonitor is untyped
        self.reads.append(response.urn)
        return response


class _Mocks(pulumi_mocks.Mocks):
    """Deterministic, realistic ids and ARNs (same inputs, same plan)."""

    def __init__(self, region: str, deployed: dict[str, str]) -> None:
        self.region = region
        self.deployed = deployed
        self.provider_regions: dict[str, str] = {}  # explicit aws provider's logical name -> its region

    def _region(self, provider: str | None) -> str:
        """The region of the provider a resource names (`<provider urn>::<id>`); the stack's by default."""
        if not provider:
            return self.region
        return self.provider_regions.get(provider.rsplit("::", 1)[0].rsplit("::", 1)[-1], self.region)

    def call(self, args: pulumi_mocks.MockCallArgs) -> Any:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline-plan",
                "id": ACCOUNT_ID,
                "userId": "AIDAOFFLINEPLAN",
            }
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "region": self.region,
                "name": self.region,
                "id": self.region,
                "endpoint": f"{self.region}.amazonaws.com",
                "description": self.region,
            }
        return {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            outputs = {"contractFingerprints": self.deployed} if self.deployed else {}
            return args.name, {"name": args.name, "outputs": outputs, "secretOutputNames": []}
        if args.typ == "pulumi:providers:aws":  # a second region's provider (a global endpoint's secondary)
            self.provider_regions[args.name] = str(args.inputs.get("region") or self.region)
            return f"{args.name}-{_uuid(args.name)[:8]}", dict(args.inputs)
        name = args.inputs.get("name") or args.name
        resource_id, extra = _identity(args.typ, name, args.inputs, self._region(args.provider))
        return resource_id, {**args.inputs, "name": name, **extra}


def _identity(typ: str, name: str, inputs: Mapping[str, Any], region: str) -> tuple[str, dict[str, Any]]:
    """(id, computed outputs) for one resource type, shaped like AWS's."""
    a, r = ACCOUNT_ID, region
    if typ == "aws:sqs/queue:Queue":
        url = f"https://sqs.{r}.amazonaws.com/{a}/{name}"
        return url, {"arn": f"arn:aws:sqs:{r}:{a}:{name}", "url": url}
    if typ == "aws:sns/topic:Topic":
        arn = f"arn:aws:sns:{r}:{a}:{name}"
        return arn, {"arn": arn}
    if typ == "aws:sns/topicSubscription:TopicSubscription":
        arn = f"{inputs.get('topic', f'arn:aws:sns:{r}:{a}:topic')}:{_uuid(name)}"
        return arn, {"arn": arn}
    if typ == "aws:cloudwatch/eventBus:EventBus":
        return name, {"arn": f"arn:aws:events:{r}:{a}:event-bus/{name}"}
    if typ == "aws:cloudwatch/eventRule:EventRule":
        bus = inputs.get("eventBusName") or "default"
        path = f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}"
        return f"{bus}|{name}", {"arn": f"arn:aws:events:{r}:{a}:{path}"}
    if typ == "aws:cloudwatch/eventArchive:EventArchive":
        return name, {"arn": f"arn:aws:events:{r}:{a}:archive/{name}"}
    if typ == "aws:cloudwatch/eventConnection:EventConnection":
        return name, {
            "arn": f"arn:aws:events:{r}:{a}:connection/{name}/{_uuid(name)}",
            "secretArn": f"arn:aws:secretsmanager:{r}:{a}:secret:events!connection/{name}-{_uuid(name)[:6]}",
        }
    if typ == "aws:cloudwatch/eventApiDestination:EventApiDestination":
        return name, {"arn": f"arn:aws:events:{r}:{a}:api-destination/{name}/{_uuid(name)}"}
    if typ == "aws:iam/role:Role":
        return name, {"arn": f"arn:aws:iam::{a}:role/{name}", "uniqueId": "AROA" + _uuid(name)[:16].upper()}
    if typ == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{r}:{a}:function:{name}"
        return name, {
            "arn": arn,
            "qualifiedArn": f"{arn}:$LATEST",
            "invokeArn": f"arn:aws:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }
    if typ == "aws:dynamodb/table:Table":
        return name, {"arn": f"arn:aws:dynamodb:{r}:{a}:table/{name}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return name, {"arn": f"arn:aws:logs:{r}:{a}:log-group:{name}"}
    if typ == "aws:kms/key:Key":
        key_id = _uuid(name)
        return key_id, {"arn": f"arn:aws:kms:{r}:{a}:key/{key_id}", "keyId": key_id}
    if typ == "aws:kms/alias:Alias":
        return name, {"arn": f"arn:aws:kms:{r}:{a}:{name}"}
    if typ == "aws:schemas/registry:Registry":
        return name, {"arn": f"arn:aws:schemas:{r}:{a}:registry/{name}"}
    if typ == "aws:schemas/schema:Schema":
        return name, {
            "arn": f"arn:aws:schemas:{r}:{a}:schema/{inputs.get('registryName', 'registry')}/{name}",
            "version": "1",
        }
    if typ == "aws:route53/healthCheck:HealthCheck":
        check_id = _uuid(name)
        return check_id, {"arn": f"arn:aws:route53:::healthcheck/{check_id}"}
    if typ == "aws:cloudwatch/eventEndpoint:EventEndpoint":
        host = _uuid(name).replace("-", "")
        return name, {
            "arn": f"arn:aws:events:{r}:{a}:endpoint/{name}",
            "endpointUrl": f"https://{host[:5]}.{host[5:8]}.endpoints.event.amazonaws.com",
        }
    if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        return name, {"arn": f"arn:aws:cloudwatch:{r}:{a}:alarm:{name}"}
    return f"{name}-{_uuid(name)[:8]}", {}


def _uuid(seed: str) -> str:
    return str(uuid.UUID(hashlib.sha256(seed.encode()).hexdigest()[:32]))
