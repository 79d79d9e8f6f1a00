"""Per-stack configuration (`Pulumi.<stack>.yaml`) parsed into dataclasses.

Pure: no pulumi import, so the gate, the offline plan and the tests read the
same validated model the program builds from, and a wrong value fails with the
file, the key and the fix before any resource is declared. Values arrive
either native (read from the YAML) or as the JSON strings `pulumi.Config`
hands the program; both parse the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from registry import strict
from registry.aws_limits import api_endpoint_problem, schedule_problem
from registry.errors import InputError, UsageError
from registry.ops_config import (
    EventLogConfig,
    GlobalEndpointConfig,
    parse_event_log,
    parse_global_endpoint,
    stack_regions,
)

__all__ = [
    "AUTH_TYPES",
    "CONFIG_KEYS",
    "NAMESPACE",
    "Alarms",
    "ApiAuth",
    "ApiDestinationConfig",
    "Monitor",
    "Schedule",
    "StackConfig",
    "existing_stack_file",
    "known_stacks",
    "load_stack_config",
    "parse_stack_config",
    "read_stack_file",
    "stack_file",
]

NAMESPACE = "eventplane"
# The non-secret keys the program reads (secrets are read by name, with `require_secret`).
CONFIG_KEYS = (
    "namePrefix",
    "archiveRetentionDays",
    "alarms",
    "apiDestinations",
    "functions",
    "subscriptions",
    "schedule",
    "monitor",
    "eventLog",
    "globalEndpoint",
)
AUTH_TYPES = ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_CONFIG_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_FUNCTION_ARN_RE = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")


@dataclass(frozen=True)
class ApiAuth:
    """Connection auth; `secret_key` names the secret config key holding the API key, password or client secret."""

    type: str  # one of AUTH_TYPES
    secret_key: str
    header_name: str = ""  # API_KEY
    username: str = ""  # BASIC
    client_id: str = ""  # OAUTH_CLIENT_CREDENTIALS
    authorization_endpoint: str = ""  # OAUTH_CLIENT_CREDENTIALS
    http_method: str = "POST"  # OAUTH_CLIENT_CREDENTIALS token request


@dataclass(frozen=True)
class ApiDestinationConfig:
    name: str
    endpoint: str
    method: str
    rate_limit_per_second: int
    auth: ApiAuth


@dataclass(frozen=True)
class Alarms:
    """Thresholds of the alarms every DLQ carries."""

    dlq_oldest_message_age_seconds: int = 300


@dataclass(frozen=True)
class Schedule:
    """A cron rule (schedules live on the default bus): runs `function`, or forwards its event to our bus."""

    name: str
    expression: str
    function: str = ""  # a name under `functions`; empty = forward the scheduled event to our bus


@dataclass(frozen=True)
class Monitor:
    """The contract monitor: off unless enabled; `buses` None = every bus a contracted event is put on."""

    enabled: bool = False
    sample_rate: float = 1.0  # fraction of events judged (by a hash of the event id)
    buses: tuple[str, ...] | None = None  # "ours" = this stack's bus; else a producer's bus a contract names


@dataclass(frozen=True)
class StackConfig:
    stack: str
    source: str  # the file the values came from, for messages
    region: str
    name_prefix: str
    archive_retention_days: int
    alarms: Alarms
    api_destinations: Mapping[str, ApiDestinationConfig]
    functions: Mapping[str, str]
    enabled: tuple[str, ...] | None  # subscription ids ("team.name"); None = all
    disabled: tuple[str, ...]
    schedule: Schedule | None
    secret_keys: tuple[str, ...] = field(default=())  # every secret config key the program will require
    monitor: Monitor = field(default_factory=Monitor)
    event_log: EventLogConfig | None = None  # registry/ops_config.py
    global_endpoint: GlobalEndpointConfig | None = None

    @property
    def regions(self) -> tuple[str, ...]:
        """Every region the stack deploys to, primary first (a global endpoint adds its secondary)."""
        return stack_regions(self.region, self.global_endpoint)

    def subscription_enabled(self, sub_id: str) -> bool:
        if sub_id in self.disabled:
            return False
        return self.enabled is None or sub_id in self.enabled


def stack_file(root: Path, stack: str) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def known_stacks(root: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` map of a stack file, keys as Pulumi writes them (`eventplane:namePrefix`)."""
    try:
        document = strict.safe_load_yaml(path.read_bytes().decode("utf-8")) or {}
    except OSError as exc:
        raise InputError(str(path), f"cannot read stack file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text: byte {exc.start} cannot be decoded") from exc
    except strict.DuplicateKeys as exc:
        raise InputError(str(path), exc.message, line=exc.line, column=exc.column, hint=exc.hint) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            str(path),
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else 0,
            column=mark.column + 1 if mark else 0,
        ) from exc
    config = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise InputError(
            str(path),
            "expected a mapping with a `config:` mapping",
            pointer="/config",
            hint="write `config:` followed by `eventplane:<key>: value` lines",
        )
    return config


def existing_stack_file(root: Path, stack: str) -> Path:
    """The stack's file, or a UsageError that lists the stacks there are."""
    path = stack_file(root, stack)
    if not path.exists():
        stacks = known_stacks(root)
        raise UsageError(
            f"unknown stack {stack!r}; known stacks: {', '.join(stacks) or 'none'} (files Pulumi.<stack>.yaml in {root})"
        )
    return path


def load_stack_config(root: Path, stack: str) -> StackConfig:
    path = existing_stack_file(root, stack)
    return parse_stack_config(read_stack_file(path), stack=stack, source=path.name)


def parse_stack_config(values: Mapping[str, Any], *, stack: str, source: str) -> StackConfig:
    """Validate a flat `{"<namespace>:<key>": value}` map (YAML values or Pulumi's JSON strings)."""
    p = _Reader(values, source)
    api = p.mapping("apiDestinations", {})
    destinations = {name: _destination(p, name, spec) for name, spec in sorted(api.items())}
    functions = p.mapping("functions", {})
    for name, arn in functions.items():
        if not isinstance(arn, str) or not _FUNCTION_ARN_RE.match(arn):
            p.fail(
                f"functions/{name}",
                f"not a Lambda function ARN: {arn!r}",
                "write arn:aws:lambda:<region>:<account>:function:<name>",
            )
    subs = p.mapping("subscriptions", {})
    unknown = sorted(set(subs) - {"enabled", "disabled"})
    if unknown:
        p.fail(f"subscriptions/{unknown[0]}", "unknown key", "use `enabled: [team.name, ...]` or `disabled: [...]`")
    if "enabled" in subs and "disabled" in subs:
        p.fail("subscriptions", "both `enabled` and `disabled` given", "keep one of the two lists")
    secret_keys = tuple(sorted({d.auth.secret_key for d in destinations.values()}))
    for key in secret_keys:
        raw = values.get(f"{NAMESPACE}:{key}")
        if raw is None or (isinstance(raw, dict) and set(raw) == {"secure"}):
            continue
        if isinstance(raw, dict) and "secure" in raw:
            p.fail(
                key,
                f"an encrypted secret holds only `secure`; extra key(s): {', '.join(sorted(map(str, set(raw) - {'secure'})))}",
                "remove the extra keys, keeping `secure: <ciphertext>` as `pulumi config set --secret` wrote it",
            )
        p.fail(
            key,
            "a secret is written in plain text",
            f"remove it and run `pulumi config set --secret {NAMESPACE}:{key} <value>`",
        )
    region = p.string(
        "region", namespace="aws", pattern=re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$"), hint="e.g. `aws:region: us-east-1`"
    )
    return StackConfig(
        stack=stack,
        source=source,
        region=region,
        name_prefix=p.string(
            "namePrefix",
            pattern=_PREFIX_RE,
            hint="lowercase letters, digits and '-', at most 20 characters, e.g. ep-dev",
        ),
        archive_retention_days=p.integer("archiveRetentionDays", low=0, high=36500),
        alarms=Alarms(
            dlq_oldest_message_age_seconds=_int(
                p,
                "alarms/dlqOldestMessageAgeSeconds",
                p.mapping("alarms", {}).get("dlqOldestMessageAgeSeconds", 300),
                60,
                1209600,
            )
        ),
        api_destinations=destinations,
        functions=dict(sorted(functions.items())),
        enabled=_ids(p, "subscriptions/enabled", subs["enabled"]) if "enabled" in subs else None,
        disabled=_ids(p, "subscriptions/disabled", subs.get("disabled", [])),
        schedule=_schedule(p, p.mapping("schedule", None), functions),
        secret_keys=secret_keys,
        monitor=_monitor(p, p.mapping("monitor", {})),
        event_log=parse_event_log(p.fail, p.raw("eventLog")),
        global_endpoint=parse_global_endpoint(p.fail, p.raw("globalEndpoint"), region, functions),
    )


class _Reader:
    """Typed access to namespaced keys; every failure names the file, key and fix."""

    def __init__(self, values: Mapping[str, Any], source: str) -> None:
        self.values = values
        self.source = source

    def fail(self, key: str, message: str, hint: str) -> NoReturn:
        first, _, rest = key.partition("/")
        namespaced = first if ":" in first else f"{NAMESPACE}:{first}"
        pointer = "/config/" + namespaced + (f"/{rest}" if rest else "")
        raise InputError(self.source, message, pointer=pointer, hint=hint)

    def raw(self, key: str, namespace: str = NAMESPACE) -> Any:
        value = self.values.get(f"{namespace}:{key}")
        if isinstance(value, str) and value[:1] in "{[":
            try:
                return strict.loads(value)
            except strict.StrictJsonError as exc:
                self.fail(key, f"not valid JSON: {exc.message}", "write the value as YAML or valid JSON")
        return value

    def string(self, key: str, *, namespace: str = NAMESPACE, pattern: re.Pattern[str], hint: str) -> str:
        value = self.raw(key, namespace)
        label = f"{namespace}:{key}"
        if value is None:
            self.fail(label, "missing", f"add `{label}: ...` ({hint})")
        if not isinstance(value, str) or not pattern.match(value):
            self.fail(label, f"invalid value {value!r}", hint)
        return value

    def integer(self, key: str, *, low: int, high: int) -> int:
        value = self.raw(key)
        if value is None:
            self.fail(key, "missing", f"add `{NAMESPACE}:{key}: <{low}..{high}>`")
        return _int(self, key, value, low, high)

    def mapping(self, key: str, default: Any) -> Any:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, got {type(value).__name__}", "write `key: value` pairs under it")
        return value


def _int(p: _Reader, key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        p.fail(
            key, f"expected a whole number in {low}..{high}, got {value!r}", f"set a number between {low} and {high}"
        )
    return value


def _ids(p: _Reader, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and "." in v for v in value):
        p.fail(key, f"expected a list of subscription ids, got {value!r}", "list ids as `team.subscription-name`")
    return tuple(value)


def _destination(p: _Reader, name: str, spec: Any) -> ApiDestinationConfig:
    key = f"apiDestinations/{name}"
    if not isinstance(spec, dict):
        p.fail(key, "expected a mapping", "give endpoint, method, rateLimitPerSecond and auth")
    endpoint = spec.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint.startswith("https://"):
        p.fail(
            f"{key}/endpoint",
            f"expected an https:// URL, got {endpoint!r}",
            "API destinations accept only HTTPS endpoints",
        )
    why = api_endpoint_problem(endpoint)
    if why:
        p.fail(f"{key}/endpoint", f"EventBridge would refuse the endpoint {endpoint!r}: {why}", "fix the URL")
    method = spec.get("method", "POST")
    if method not in _METHODS:
        p.fail(f"{key}/method", f"unknown HTTP method {method!r}", f"use one of {', '.join(_METHODS)}")
    rate = _int(p, f"{key}/rateLimitPerSecond", spec.get("rateLimitPerSecond"), 1, 300)
    return ApiDestinationConfig(
        name=name,
        endpoint=endpoint,
        method=method,
        rate_limit_per_second=rate,
        auth=_auth(p, f"{key}/auth", spec.get("auth")),
    )


def _auth(p: _Reader, key: str, spec: Any) -> ApiAuth:
    if not isinstance(spec, dict) or spec.get("type") not in AUTH_TYPES:
        p.fail(f"{key}/type", f"expected auth.type one of {', '.join(AUTH_TYPES)}", "add `auth: {type: API_KEY, ...}`")
    secret_key = spec.get("secretKey")
    if not isinstance(secret_key, str) or not _CONFIG_KEY_RE.match(secret_key):
        p.fail(
            f"{key}/secretKey",
            f"expected the name of a secret config key, got {secret_key!r}",
            "name the key, e.g. `secretKey: deliveryApiKey`, and set it with `pulumi config set --secret`",
        )
    required = {
        "API_KEY": ("headerName",),
        "BASIC": ("username",),
        "OAUTH_CLIENT_CREDENTIALS": ("clientId", "authorizationEndpoint"),
    }[spec["type"]]
    for field_name in required:
        if not isinstance(spec.get(field_name), str) or not spec[field_name]:
            p.fail(f"{key}/{field_name}", f"missing for auth type {spec['type']}", f"add `{field_name}: ...`")
    endpoint = spec.get("authorizationEndpoint", "")
    if endpoint and not endpoint.startswith("https://"):
        p.fail(f"{key}/authorizationEndpoint", "expected an https:// URL", "use the token endpoint's HTTPS URL")
    return ApiAuth(
        type=spec["type"],
        secret_key=secret_key,
        header_name=spec.get("headerName", ""),
        username=spec.get("username", ""),
        client_id=spec.get("clientId", ""),
        authorization_endpoint=endpoint,
        http_method=spec.get("httpMethod", "POST"),
    )


def _schedule(p: _Reader, spec: Any, functions: Mapping[str, str]) -> Schedule | None:
    if spec is None:
        return None
    expression = spec.get("expression")
    why = schedule_problem(expression) if isinstance(expression, str) else "expected cron(...) or rate(...)"
    if why:
        p.fail(
            "schedule/expression",
            f"EventBridge would refuse the schedule {expression!r}: {why}",
            "e.g. `expression: cron(0 2 * * ? *)` (minutes hours day-of-month month day-of-week year) "
            "or `rate(5 minutes)`",
        )
    name = spec.get("name", "schedule")
    if not isinstance(name, str) or not _PREFIX_RE.match(name):
        p.fail("schedule/name", f"invalid name {name!r}", "lowercase letters, digits and '-'")
    unknown = sorted(set(spec) - {"name", "expression", "function"})
    if unknown:
        p.fail(f"schedule/{unknown[0]}", "unknown key", "use `name`, `expression` and optionally `function`")
    function = spec.get("function", "")
    if function and function not in functions:
        p.fail("schedule/function", f"unknown function {function!r}", f"add it under `{NAMESPACE}:functions`")
    return Schedule(name=name, expression=expression, function=function)


def _monitor(p: _Reader, spec: Mapping[str, Any]) -> Monitor:
    unknown = sorted(set(spec) - {"enabled", "sampleRate", "buses"})
    if unknown:
        p.fail(f"monitor/{unknown[0]}", "unknown key", "use `enabled`, `sampleRate` and `buses`")
    enabled = spec.get("enabled", False)
    if not isinstance(enabled, bool):
        p.fail("monitor/enabled", f"expected true or false, got {enabled!r}", "write `enabled: true`")
    rate = spec.get("sampleRate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
        p.fail("monitor/sampleRate", f"expected a number in (0, 1], got {rate!r}", "e.g. `sampleRate: 0.1` judges 10 %")
    buses = spec.get("buses")
    if buses is not None and (
        not isinstance(buses, list) or not buses or not all(isinstance(b, str) and b for b in buses)
    ):
        p.fail(
            "monitor/buses", f"expected a list of bus names, got {buses!r}", "e.g. `buses: [ours, Serverlesspresso]`"
        )
    return Monitor(enabled=enabled, sample_rate=float(rate), buses=tuple(buses) if buses is not None else None)
