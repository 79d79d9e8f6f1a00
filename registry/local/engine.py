"""Deliver events through a stood-up topology as AWS would.

EventBridge: every enabled rule on the bus is matched with our AWS-exact
matcher (`registry.routing`); each target of a matching rule gets the event
(or its input-transformed payload). SQS targets get a message (FIFO: the
target's message group; the event id as deduplication id unless the queue
deduplicates by content); SNS targets fan out
to their subscriptions, each filter policy matched by our matcher in its scope;
API destinations get a real HTTP call with the connection's auth, paced by the
rate limit and retried per the retry policy (429, 409, 401, 407 and 5xx are
retried, other 4xx are not), ending in the target's DLQ; Lambda targets run
in-process. Event source mappings then poll their queues in batches and call
the real handler; failed items become visible again at once (the visibility
timeout is scaled to zero locally) and SQS moves a message to its DLQ once its
receive count reaches maxReceiveCount, exactly as the redrive policy says.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import io
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from registry.local.endpoint import Credentials, LocalEndpoint
from registry.local.standup import ACCOUNT, REGION, Deployment
from registry.local.topology import ApiDestination, Function, Rule, Target, Topology
from registry.local.transform import apply_input_transformer

__all__ = [
    "AGE_SCALE",
    "BACKOFF_SECONDS",
    "RETRY_CAP",
    "ApiAttempt",
    "Engine",
    "Step",
    "Trace",
    "import_handler",
    "new_trace_header",
    "policy_allows_send",
    "rule_arn",
]

RETRY_CAP = 10  # retries per failed delivery locally, whatever the policy allows (AWS: up to 185)
BACKOFF_SECONDS = (0.005, 0.05)  # first and longest local backoff (AWS: seconds to minutes)
AGE_SCALE = 1000.0  # one local second stands for this many seconds of event age
_RETRYABLE = {401, 407, 409, 429}
_MAX_POLLS = 1000

Handler = Callable[[Mapping[str, Any], Any], Any]


@dataclass
class Step:
    """One hop of an event: a rule, filter, queue, API call, function or DLQ; `ok` false means it stopped there."""

    kind: str
    name: str
    ok: bool
    why: str = ""


@dataclass
class Trace:
    label: str
    event_id: str
    source: str
    detail_type: str
    steps: list[Step] = field(default_factory=list)
    trace_header: str = ""  # the X-Ray header PutEvents carried (TraceHeader), passed on to every target


@dataclass
class ApiAttempt:
    destination: str
    label: str
    status: int
    attempt: int


@dataclass
class _Invocation:
    function: str
    records: int
    failed: int
    error: str = ""
    seconds: float = 0.0  # wall time inside the handler: the local stand-in for billed duration


def import_handler(function: Function) -> Handler | None:
    """The handler a Lambda `handler` string names (`pkg.module.func`), tried as is and under `handlers.`."""
    module_name, _, attr = function.handler.rpartition(".")
    for candidate in (module_name, f"handlers.{module_name}"):
        if not candidate:
            continue
        try:
            module = __import__(candidate, fromlist=[attr])
        except ImportError:
            continue
        found: Any = getattr(module, attr, None)
        if callable(found):
            handler: Handler = found
            return handler
    return None


def policy_allows_send(policy: Mapping[str, Any] | None, service: str, source_arn: str) -> bool:
    """Whether a queue policy lets `service` send on behalf of `source_arn` (no policy declared: not checked).

    Only what our policies use is read: Allow statements with a service principal,
    `sqs:SendMessage` (or `sqs:*`), and an `ArnEquals` / `ArnLike` `aws:SourceArn`
    (wildcards as IAM reads them). A deny of requests without TLS never applies:
    AWS services call SQS over TLS."""
    if policy is None:
        return True
    for statement in policy.get("Statement") or []:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, Mapping) else principal
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if (service not in services and "*" not in services) or not {"sqs:SendMessage", "sqs:*", "*"} & set(actions):
            continue
        condition = statement.get("Condition") or {}
        allowed = [
            v for op in ("ArnEquals", "ArnLike") for v in _as_list((condition.get(op) or {}).get("aws:SourceArn"))
        ]
        if not condition or any(fnmatch.fnmatchcase(source_arn, arn) for arn in allowed):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def rule_arn(rule: Rule) -> str:
    """A rule's ARN as AWS writes it: bus-qualified except on the default bus."""
    path = rule.physical if rule.bus == "default" else f"{rule.bus}/{rule.physical}"
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{path}"


def new_trace_header() -> str:
    """A sampled X-Ray trace header with a fresh root: `Root=1-<epoch hex>-<96-bit hex>;Parent=<64-bit hex>;Sampled=1`."""
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=1"


def _json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects among a handler's output lines (structured logs); other lines are skipped."""
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


class _Context:
    """The bits of a Lambda context object handlers commonly read."""

    def __init__(self, function: Function) -> None:
        self.function_name = function.physical
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function.physical}"
        self.memory_limit_in_mb = 128

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30000


class Engine:
    """Routes envelopes and drains pollers; records a `Trace` per event and everything it delivered."""

    def __init__(
        self,
        topology: Topology,
        deployment: Deployment,
        endpoint: LocalEndpoint,
        *,
        resolve_handler: Callable[[Function], Handler | None] = import_handler,
        auth_hints: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        from registry.routing import compile_pattern, compile_policy  # the conformance-tested matcher
        from registry.routing.machine import Machine  # one machine per bus, one per topic and scope

        self.topology = topology
        self.dep = deployment
        self.endpoint = endpoint
        self.resolve_handler = resolve_handler
        self.rules = [r for r in topology.rules if r.enabled and r.pattern]
        self.buses: dict[str, Machine[int]] = {}  # bus -> index of each of its rules in self.rules
        for index, rule in enumerate(self.rules):
            self.buses.setdefault(rule.bus, Machine()).add(index, compile_pattern(json.loads(rule.pattern or "{}")))
        self.topic_filters: dict[tuple[str, str], Machine[str]] = {}  # (topic, scope) -> filtered subscriptions
        for topic_name, topic in topology.topics.items():
            for sub in topic.subscriptions:
                if sub.filter_policy:
                    scope = sub.filter_policy_scope or "MessageAttributes"
                    policy = compile_policy(json.loads(sub.filter_policy), scope)
                    self.topic_filters.setdefault((topic_name, scope), Machine()).add(sub.name, policy)
        self.queue_policies = {q.name: json.loads(q.policy) for q in topology.queues.values() if q.policy}
        self.traces: list[Trace] = []
        self.delivered: dict[str, list[str]] = {}  # queue -> labels of events sent to it
        self.api_attempts: list[ApiAttempt] = []
        self.invocations: list[_Invocation] = []
        self.handler_log_lines = 0
        self.logs: dict[str, list[str]] = {}  # function -> the lines it wrote (what CloudWatch Logs would hold)
        self._last_seconds = 0.0
        self.event_log: list[tuple[str, str]] = []  # (log group, message): what the central event log received
        self.traced: dict[str, int] = {}  # queue -> messages sent to it carrying an X-Ray trace header
        self.credentials: dict[str, Credentials] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # destination -> (tokens, when)
        self._tokens: dict[str, str] = {}
        self._labels: dict[str, str] = {}  # event id -> label
        self._urls: dict[str, str] = {}
        self._auth: dict[str, Mapping[str, Any]] = {}
        self._setup_endpoint(auth_hints or {})

    # -- API destinations ---------------------------------------------------------------
    def _setup_endpoint(self, hints: Mapping[str, Mapping[str, Any]]) -> None:
        """Placeholder credentials per connection; `hints` (stack config name -> non-secret auth parts)
        fill in what a plan masks whole (a destination `ep-dev-api-delivery-service` takes `delivery-service`)."""
        for dest in self.topology.api_destinations.values():
            conn = dest.connection
            hint = next((h for n, h in hints.items() if dest.physical.endswith(n) or dest.name == n), {})
            self._auth[dest.name] = (conn.auth if conn else {}) or hint
            creds = Credentials.placeholder(conn.auth_type, self._auth[dest.name]) if conn else None
            if creds is not None:
                self.credentials[dest.name] = creds
            parsed = urllib.parse.urlsplit(dest.endpoint)
            if parsed.hostname in ("127.0.0.1", "localhost"):
                self._urls[dest.name] = dest.endpoint  # the stack's own local endpoint: call it as is
            else:
                self._urls[dest.name] = self.endpoint.url_for(dest.name, parsed.path or "/")

    def configure_api(self, behaviour: Mapping[str, Any]) -> list[str]:
        """Statuses the local endpoint answers per destination; returns the names that match none."""
        chosen = {self.topology.destination_named(name): spec for name, spec in behaviour.items()}
        for dest in self.topology.api_destinations.values():
            spec = chosen.get(dest.name, {})
            status = spec.get("status", 200) if isinstance(spec, Mapping) else 200
            statuses = status if isinstance(status, list) else [status]
            self.endpoint.add(dest.name, self.credentials.get(dest.name), statuses)
        return [name for name in behaviour if self.topology.destination_named(name) is None]

    def _auth_headers(self, dest: ApiDestination) -> dict[str, str]:
        creds = self.credentials.get(dest.name)
        if creds is None:
            return {}
        if creds.auth_type == "API_KEY":
            return {creds.header_name: creds.api_key}
        if creds.auth_type == "BASIC":
            raw = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            return {"Authorization": f"Basic {raw}"}
        if dest.name not in self._tokens:
            self._tokens[dest.name] = self._fetch_token(dest, creds)
        return {"Authorization": f"Bearer {self._tokens[dest.name]}"}

    def _fetch_token(self, dest: ApiDestination, creds: Credentials) -> str:
        oauth = self._auth.get(dest.name, {}).get("oauth") or {}
        url = str(oauth.get("authorizationEndpoint") or "")
        if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            url = self.endpoint.token_url(dest.name)
        raw = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=b"grant_type=client_credentials",
            method=str(oauth.get("httpMethod") or "POST"),
            headers={"Authorization": f"Basic {raw}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return str(json.loads(response.read())["access_token"])
        except (urllib.error.URLError, KeyError, ValueError):
            return ""  # the calls then fail with 401, which the summary shows

    def _take_token(self, name: str, rate: int) -> None:
        """Token bucket of `rate` invocations per second (a second's worth may burst), waiting when empty."""
        now = time.monotonic()
        tokens, last = self._buckets.get(name, (float(rate), now))
        tokens = min(float(rate), tokens + (now - last) * rate)
        if tokens < 1.0:
            time.sleep((1.0 - tokens) / rate)
            now, tokens = time.monotonic(), 1.0
        self._buckets[name] = (tokens - 1.0, now)

    def _call(self, dest: ApiDestination, payload: str) -> int:
        if dest.rate_limit_per_second:
            self._take_token(dest.name, dest.rate_limit_per_second)
        request = urllib.request.Request(
            self._urls[dest.name],
            data=payload.encode(),
            method=dest.method,
            headers={"Content-Type": "application/json", **self._auth_headers(dest)},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except urllib.error.URLError:
            return 503

    def _deliver_api(self, trace: Trace, rule: Rule, target: Target, payload: str) -> None:
        dest = self.topology.api_destinations[target.ref]
        retries = min(target.retry_attempts, RETRY_CAP)
        started = time.monotonic()
        status, attempt, condition = 0, 0, ""
        while True:
            status = self._call(dest, payload)
            self.api_attempts.append(ApiAttempt(dest.name, trace.label, status, attempt))
            if 200 <= status < 300:
                trace.steps.append(Step("api", dest.name, True, f"HTTP {status} after {attempt} retries"))
                return
            if status not in _RETRYABLE and status < 500:
                condition = "not retried (client error)"
                break
            if attempt >= retries:
                condition = "MaximumRetryAttemptsExhausted"
                break
            if (time.monotonic() - started) * AGE_SCALE > target.retry_age_seconds:
                condition = "MaximumEventAgeExhausted"
                break
            time.sleep(min(BACKOFF_SECONDS[1], BACKOFF_SECONDS[0] * 2**attempt))
            attempt += 1
        why = f"HTTP {status} after {attempt} retries ({condition})"
        trace.steps.append(Step("api", dest.name, False, why))
        self._dead_letter(trace, rule, target, payload, f"HTTP {status}", condition)

    # -- SQS, SNS, Lambda targets -------------------------------------------------------
    def _send(
        self,
        queue: str,
        body: str,
        label: str,
        event_id: str,
        group: str | None = None,
        attrs: Any = None,
        *,
        trace_header: str = "",
    ) -> None:
        args: dict[str, Any] = {"QueueUrl": self.dep.queue_urls[queue], "MessageBody": body}
        if trace_header:  # as EventBridge and SNS pass X-Ray context to SQS: the AWSTraceHeader system attribute
            args["MessageSystemAttributes"] = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}}
            self.traced[queue] = self.traced.get(queue, 0) + 1
        spec = self.topology.queues[queue]
        if spec.fifo:
            args["MessageGroupId"] = group or "default"
            if not spec.content_based_deduplication:  # else SQS hashes the body, as it does for EventBridge
                args["MessageDeduplicationId"] = event_id
        if attrs:
            args["MessageAttributes"] = attrs
        self.dep.sqs.send_message(**args)
        self.delivered.setdefault(queue, []).append(label)

    def _dead_letter(self, trace: Trace, rule: Rule, target: Target, payload: str, error: str, condition: str) -> None:
        if not target.dlq:
            trace.steps.append(Step("dropped", target.target_id, False, "no dead-letter queue on the target"))
            return
        attrs = {
            "RULE_ARN": rule_arn(rule),
            "TARGET_ARN": target.arn,
            "ERROR_CODE": error,
            "EXHAUSTED_RETRY_CONDITION": condition,
        }
        typed = {k: {"DataType": "String", "StringValue": v or "-"} for k, v in attrs.items()}
        self._send(target.dlq, payload, trace.label, trace.event_id, attrs=typed, trace_header=trace.trace_header)
        trace.steps.append(Step("dlq", target.dlq, False, condition))

    def _deliver_topic(self, trace: Trace, topic_name: str, message: str, envelope: Mapping[str, Any]) -> None:
        topic = self.topology.topics[topic_name]
        passed = {  # EventBridge publishes the event JSON with no message attributes
            name
            for (t, scope), machine in self.topic_filters.items()
            if t == topic_name
            for name in machine.match(envelope if scope == "MessageBody" else {})
        }
        for sub in topic.subscriptions:
            if sub.filter_policy:
                if sub.name not in passed:
                    trace.steps.append(
                        Step("filter", sub.name, False, f"filter policy {sub.filter_policy} did not match")
                    )
                    continue
                trace.steps.append(Step("filter", sub.name, True, f"filter policy {sub.filter_policy} matched"))
            else:
                trace.steps.append(Step("filter", sub.name, True, "no filter policy"))
            if sub.endpoint_kind != "queue":
                trace.steps.append(
                    Step("subscription", sub.endpoint, False, f"{sub.protocol} endpoint outside the stack")
                )
                continue
            body = message if sub.raw_message_delivery else json.dumps(self._sns_notification(topic_name, message))
            topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic.physical}"
            if not policy_allows_send(self.queue_policies.get(sub.endpoint), "sns.amazonaws.com", topic_arn):
                # a client-side error: SNS moves the message to the subscription's DLQ without retrying
                trace.steps.append(
                    Step("queue", sub.endpoint, False, f"its queue policy does not let {topic_arn} send")
                )
                if sub.dlq:
                    self._send(
                        sub.dlq,
                        body,
                        trace.label,
                        f"{trace.event_id}-{sub.name}-dlq"[:128],
                        trace_header=trace.trace_header,
                    )
                    trace.steps.append(Step("dlq", sub.dlq, False, "subscription redrive"))
                continue
            self._send(
                sub.endpoint, body, trace.label, f"{trace.event_id}-{sub.name}"[:128], trace_header=trace.trace_header
            )
            trace.steps.append(Step("queue", sub.endpoint, True, "via SNS"))

    def _sns_notification(self, topic: str, message: str) -> dict[str, Any]:
        return {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": self.dep.topic_arns[topic],
            "Message": message,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z",
            "SignatureVersion": "1",
        }

    def _deliver_function(self, trace: Trace, rule: Rule, target: Target, payload: str) -> None:
        function = self.topology.functions.get(target.ref)
        handler = self.resolve_handler(function) if function else None
        if function is None or handler is None:
            trace.steps.append(
                Step("function", target.arn, True, "function outside the stack: invocation recorded, not run")
            )
            return
        attempts = 1 + min(target.retry_attempts, 2)  # async invoke: Lambda retries twice
        for attempt in range(attempts):
            error, _ = self._invoke(function, handler, json.loads(payload), trace.trace_header)
            if not error:
                trace.steps.append(Step("function", function.name, True, f"ran after {attempt} retries"))
                return
        trace.steps.append(Step("function", function.name, False, error))
        self._dead_letter(trace, rule, target, payload, error, "MaximumRetryAttemptsExhausted")

    def _invoke(self, function: Function, handler: Handler, event: Any, trace_header: str = "") -> tuple[str, Any]:
        """Run the handler with its environment: (error text or '', what it returned).

        `_X_AMZN_TRACE_ID` is set as Lambda sets it: the caller's header for an invocation EventBridge
        makes with one, else a new trace of the invocation's own (an SQS poller starts its own trace;
        the upstream header is on each record's `attributes.AWSTraceHeader`)."""
        env = {k: self.dep.tables.get(v, self._table_name(v)) for k, v in function.environment.items()}
        env["_X_AMZN_TRACE_ID"] = trace_header or new_trace_header()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        out = io.StringIO()
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out):
                result = handler(event, _Context(function))
            return "", result
        except Exception as exc:  # noqa: BLE001 - a handler's crash is a failed invocation, as on Lambda
            return f"{type(exc).__name__}: {exc}", None
        finally:
            self._last_seconds = time.perf_counter() - started
            self.handler_log_lines += out.getvalue().count("\n")
            self.logs.setdefault(function.name, []).extend(out.getvalue().splitlines())
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _table_name(self, value: str) -> str:
        """An env value that names a table by its mock id/ARN becomes the table's embedded name."""
        for table in self.topology.tables.values():
            if value.rstrip("/").split("/")[-1] in (table.name, table.physical):
                return table.physical
        return value

    # -- routing ------------------------------------------------------------------------
    def route(
        self,
        envelope: Mapping[str, Any],
        label: str,
        redeliveries: int = 0,
        bus: str | None = None,
        trace_header: str = "",
    ) -> Trace:
        """Match every rule of `bus` (all buses when None); deliver to each match's targets `1 + redeliveries` times.

        `trace_header` is PutEvents' TraceHeader: never part of the envelope, passed to targets beside it."""
        trace = Trace(
            label, str(envelope["id"]), str(envelope.get("source")), str(envelope.get("detail-type")), [], trace_header
        )
        self._labels[trace.event_id] = label
        self.traces.append(trace)
        buses = self.buses.values() if bus is None else [self.buses[bus]] if bus in self.buses else []
        for index in sorted(i for machine in buses for i in machine.match(envelope)):
            rule = self.rules[index]
            trace.steps.append(Step("rule", rule.name, True, "its event pattern matched"))
            for target in rule.targets:
                for _ in range(1 + redeliveries):
                    self._deliver(trace, rule, target, envelope)
        logged_only = {r.name for r in self.rules if r.targets and all(t.kind == "log" for t in r.targets)}
        if not any(s.kind == "rule" and s.name not in logged_only for s in trace.steps):
            where = "any bus" if bus is None else f"bus {bus}"
            but = " (only the central event log kept it)" if any(s.kind == "log" for s in trace.steps) else ""
            trace.steps.append(Step("rule", "-", False, f"no subscription's rule on {where} matched{but}"))
        return trace

    def _deliver(self, trace: Trace, rule: Rule, target: Target, envelope: Mapping[str, Any]) -> None:
        if target.input_template is not None:
            payload = apply_input_transformer(envelope, target.input_paths, target.input_template, rule.physical)
        else:
            payload = json.dumps(envelope)
        if target.kind == "queue" and not policy_allows_send(
            self.queue_policies.get(target.ref), "events.amazonaws.com", rule_arn(rule)
        ):
            # a permission error is not retried: EventBridge dead-letters the event at once
            trace.steps.append(Step("queue", target.ref, False, f"its queue policy does not let {rule_arn(rule)} send"))
            self._dead_letter(trace, rule, target, payload, "AccessDenied", "not retried (permission)")
        elif target.kind == "queue":
            self._send(
                target.ref,
                payload,
                trace.label,
                trace.event_id,
                target.message_group_id,
                trace_header=trace.trace_header,
            )
            trace.steps.append(Step("queue", target.ref, True, f"target {target.target_id}"))
        elif target.kind == "topic":
            self._deliver_topic(trace, target.ref, payload, envelope)
        elif target.kind == "api":
            self._deliver_api(trace, rule, target, payload)
        elif target.kind == "function":
            self._deliver_function(trace, rule, target, payload)
        elif target.kind == "log":
            self.event_log.append((target.ref, payload))
            trace.steps.append(Step("log", target.ref, True, "central event log"))
        else:
            trace.steps.append(Step("target", target.arn, False, "target outside the stack: not delivered locally"))

    @property
    def handler_logs(self) -> list[dict[str, Any]]:
        """The handlers' structured (JSON) log lines, every function's, each in the order it wrote them."""
        return [line for lines in self.logs.values() for line in _json_lines("\n".join(lines))]

    def touched_queues(self) -> set[str]:
        """Queues that can hold messages: only the engine sends, and SQS moves to a queue's own DLQ."""
        sent = set(self.delivered)
        return sent | {d for q in sent if (d := self.topology.queues[q].dlq)}

    # -- event source mappings ----------------------------------------------------------
    def drain(self) -> None:
        """Poll every event source mapping until its queue is empty (failures end in the DLQ)."""
        mappings = [m for m in self.topology.mappings if m.enabled]
        for _ in range(_MAX_POLLS):
            if not any(self._poll(m) for m in mappings):
                return

    def _poll(self, mapping: Any) -> bool:
        url = self.dep.queue_urls[mapping.queue]
        queue = self.topology.queues[mapping.queue]
        messages: list[dict[str, Any]] = []
        while len(messages) < mapping.batch_size:
            got = self.dep.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, mapping.batch_size - len(messages)),
                WaitTimeSeconds=0,
                VisibilityTimeout=queue.visibility_timeout,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not got:
                break
            messages.extend(got)
        if not messages:
            return False
        function = self.topology.functions.get(mapping.function)
        handler = self.resolve_handler(function) if function else None
        self._last_seconds = 0.0
        if function is None or handler is None:  # as on Lambda: a function that cannot start fails every batch
            error, result = f"no runnable handler for {mapping.function}", None
        else:
            event = {"Records": [self._record(m, queue.physical) for m in messages]}
            error, result = self._invoke(function, handler, event)
        failed = {m["MessageId"] for m in messages}
        if not error:
            failed = set()
            if mapping.report_batch_item_failures and isinstance(result, Mapping):
                failed = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
        self.invocations.append(_Invocation(mapping.function, len(messages), len(failed), error, self._last_seconds))
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ]
            self.dep.sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        for m in messages:
            if m["MessageId"] in failed:  # visible again at once: the local stand-in for the visibility timeout
                self.dep.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
        return True

    @staticmethod
    def _record(message: Mapping[str, Any], queue: str) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": dict(message.get("MessageAttributes") or {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
            "awsRegion": REGION,
        }
