"""The embedded run's pure parts: plan -> topology, input transformers, the local API endpoint."""

from __future__ import annotations

import base64
import json
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from registry.errors import InputError
from registry.local.endpoint import Credentials, LocalEndpoint
from registry.local.topology import build_topology
from registry.local.transform import TransformError, apply_input_transformer, json_path

FIXTURE = Path(__file__).parent / "fixtures" / "local_plan.json"


def _resources(data=None):
    data = data or json.loads(FIXTURE.read_text())
    return [types.SimpleNamespace(**r) for r in data["resources"]]


@pytest.fixture(scope="module")
def topology():
    return build_topology(_resources())


def _rule(topology, name):
    return next(r for r in topology.rules if r.name == name)


def test_rule_targets_are_resolved_by_their_arns(topology):
    kinds = {r.name: [(t.kind, t.ref) for t in r.targets] for r in topology.rules}
    assert kinds["metrics-rule"] == [("queue", "metrics-queue")]
    assert kinds["checkout-rule"] == [("topic", "checkout-topic")]
    assert kinds["delivery-rule"] == [("api", "delivery-dest")]
    assert kinds["ingest-rule"] == [("queue", "ingest")]


def test_patterns_and_policies_are_kept_as_the_exact_strings(topology):
    raw = {r["name"]: r["inputs"] for r in json.loads(FIXTURE.read_text())["resources"]}
    assert _rule(topology, "ingest-rule").pattern == raw["ingest-rule"]["eventPattern"]
    analytics = next(s for s in topology.topics["checkout-topic"].subscriptions if s.name == "checkout-analytics-sub")
    assert analytics.filter_policy == raw["checkout-analytics-sub"]["filterPolicy"]
    assert '">="' in analytics.filter_policy and "\\u003e" not in analytics.filter_policy
    assert analytics.filter_policy_scope == "MessageBody" and analytics.raw_message_delivery


def test_unfiltered_subscription_defaults_to_sns_scope(topology):
    backup = next(s for s in topology.topics["checkout-topic"].subscriptions if s.name == "checkout-backup-sub")
    assert backup.filter_policy is None and backup.filter_policy_scope == "MessageAttributes"
    assert backup.dlq == "checkout-backup-dlq"


def test_redrive_policy_resources_attach_dlq_and_max_receive_count(topology):
    metrics = topology.queues["metrics-queue"]
    assert (metrics.dlq, metrics.max_receive_count) == ("metrics-dlq", 3)
    ingest = topology.queues["ingest"]
    assert ingest.fifo and ingest.physical == "ingest.fifo" and ingest.dlq == "ingest-dlq"
    assert topology.queues["metrics-dlq"].dlq is None


def test_target_retry_dlq_group_and_transformer(topology):
    (ingest,) = _rule(topology, "ingest-rule").targets
    assert (ingest.message_group_id, ingest.dlq, ingest.retry_attempts) == ("s3-ingest", "ingest-target-dlq", 10)
    (api,) = _rule(topology, "delivery-rule").targets
    assert api.input_paths == {"order": "$.detail.data.orderId", "id": "$.id"}
    assert api.retry_age_seconds == 3600


def test_event_source_mapping_api_destination_and_table(topology):
    (esm,) = topology.mappings
    assert (esm.queue, esm.function, esm.batch_size, esm.report_batch_item_failures) == (
        "metrics-queue",
        "metrics-fn",
        100,
        True,
    )
    dest = topology.api_destinations["delivery-dest"]
    assert dest.connection is not None and dest.connection.auth_type == "API_KEY"
    assert dest.rate_limit_per_second == 20
    table = topology.tables["metrics-table"]
    assert (table.physical, table.hash_key, table.range_key, table.ttl_attribute) == (
        "ep-dev-metrics",
        "pk",
        "sk",
        "expiresAt",
    )
    assert {"metrics-dlq", "ingest-dlq", "delivery-dlq", "checkout-backup-dlq"} <= topology.dlqs
    assert "metrics-queue" not in topology.dlqs


def test_pulumi_autonamed_reference_resolves_to_its_logical_name():
    data = {
        "resources": [
            {"urn": "u1", "type": "aws:sqs/queue:Queue", "name": "orders", "parent": None, "inputs": {}},
            {
                "urn": "u2",
                "type": "aws:cloudwatch/eventRule:EventRule",
                "name": "r",
                "parent": None,
                "inputs": {"eventPattern": '{"source":["a"]}'},
            },
            {
                "urn": "u3",
                "type": "aws:cloudwatch/eventTarget:EventTarget",
                "name": "t",
                "parent": None,
                "inputs": {"rule": "r-7f3a2b1", "arn": "arn:aws:sqs:eu-west-1:000000000000:orders-1a2b3c4"},
            },
            {
                "urn": "u4",
                "type": "aws:cloudwatch/eventTarget:EventTarget",
                "name": "t2",
                "parent": None,
                "inputs": {"rule": "r", "arn": "arn:aws:sqs:eu-west-1:000000000000:orders-archive-1a2b"},
            },
        ]
    }
    (rule,) = build_topology(_resources(data)).rules
    assert [(t.kind, t.ref) for t in rule.targets] == [
        ("queue", "orders"),
        ("unknown", "arn:aws:sqs:eu-west-1:000000000000:orders-archive-1a2b"),
    ]


def test_unparseable_subscription_redrive_policy_is_a_clear_input_error():
    data = json.loads(FIXTURE.read_text())
    sub = next(r for r in data["resources"] if r["name"] == "checkout-backup-sub")
    sub["inputs"]["redrivePolicy"] = "{not json"
    with pytest.raises(InputError) as err:
        build_topology(_resources(data))
    assert "/inputs/redrivePolicy" in str(err.value) and "checkout-backup-sub" in str(err.value)


EVENT = {
    "id": "e-1",
    "time": "2026-11-23T10:00:00Z",
    "detail": {"data": {"orderId": "o-1", "amount": 12.5, "items": [{"sku": "A"}]}, "odd-key": "x"},
}


def test_json_template_quotes_strings_outside_quotes_and_not_inside():
    out = apply_input_transformer(
        EVENT,
        {"order": "$.detail.data.orderId", "amount": "$.detail.data.amount"},
        '{"orderId": <order>, "note": "order <order>", "amount": <amount>}',
    )
    assert json.loads(out) == {"orderId": "o-1", "note": "order o-1", "amount": 12.5}


def test_missing_path_is_null_in_json_and_empty_in_text():
    assert json.loads(apply_input_transformer(EVENT, {"x": "$.detail.nope"}, '{"x": <x>}')) == {"x": None}
    assert apply_input_transformer(EVENT, {"x": "$.detail.nope"}, "id=<x>.") == "id=."


def test_paths_with_indexes_brackets_and_predefined_variables():
    assert json_path(EVENT, "$.detail.data.items[0].sku") == "A"
    assert json_path(EVENT, "$.detail['odd-key']") == "x"
    out = apply_input_transformer(EVENT, {}, '{"rule": "<aws.events.rule-name>", "e": <aws.events.event.json>}', "r1")
    assert json.loads(out) == {"rule": "r1", "e": EVENT}


def test_path_not_rooted_at_dollar_is_refused():
    with pytest.raises(TransformError, match="must start with"):
        json_path(EVENT, "detail.data")


def _post(url, headers):
    request = urllib.request.Request(url, data=b"{}", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


@pytest.fixture()
def endpoint():
    ep = LocalEndpoint()
    ep.start()
    yield ep
    ep.stop()


def test_endpoint_checks_api_key_and_answers_the_scripted_statuses(endpoint):
    creds = Credentials.placeholder("API_KEY", {"apiKey": {"key": "x-api-key"}})
    endpoint.add("svc", creds, [500, 200])
    assert _post(endpoint.url_for("svc", "/v1"), {})[0] == 401
    assert _post(endpoint.url_for("svc", "/v1"), {"x-api-key": creds.api_key})[0] == 500
    assert _post(endpoint.url_for("svc", "/v1"), {"x-api-key": creds.api_key})[0] == 200
    assert _post(endpoint.url_for("svc", "/v1"), {"x-api-key": creds.api_key})[0] == 200
    assert [(c.status, c.authorized) for c in endpoint.calls] == [(401, False), (500, True), (200, True), (200, True)]


def test_endpoint_issues_oauth_tokens_only_for_the_right_client_secret(endpoint):
    creds = Credentials.placeholder("OAUTH_CLIENT_CREDENTIALS", {"oauth": {"clientParameters": {"clientId": "c"}}})
    endpoint.add("svc", creds)
    wrong = base64.b64encode(b"c:wrong").decode()
    assert _post(endpoint.token_url("svc"), {"Authorization": f"Basic {wrong}"})[0] == 401
    right = base64.b64encode(f"c:{creds.client_secret}".encode()).decode()
    status, body = _post(endpoint.token_url("svc"), {"Authorization": f"Basic {right}"})
    assert status == 200
    assert _post(endpoint.url_for("svc"), {"Authorization": "Bearer nope"})[0] == 401
    assert _post(endpoint.url_for("svc"), {"Authorization": f"Bearer {body['access_token']}"})[0] == 200


def test_placeholder_credentials_are_fresh_and_keep_non_secret_parts():
    a = Credentials.placeholder("BASIC", {"basic": {"username": "ops"}})
    b = Credentials.placeholder("BASIC", {"basic": {"username": "ops"}})
    assert a.username == "ops" and a.password != b.password


def test_a_rejected_plan_shows_the_gate_report_and_a_crash_its_last_lines():
    from registry.local.planner import _explain

    finding = {
        "file": "contracts/x.json",
        "pointer": "/filter",
        "rule_id": "FILTER_FIELD_MISSING",
        "message": "gone",
        "old": None,
        "new": None,
        "hint": "add it back",
        "severity": "error",
    }
    text = _explain("dev", json.dumps({"stack": "dev", "rejected": {"findings": [finding]}}), "")
    assert "rejected by the gate" in text and "FILTER_FIELD_MISSING" in text and "fix: add it back" in text
    crash = _explain("dev", "", "\n".join(f"line {i}" for i in range(40)) + "\nValueError: boom")
    assert crash.endswith("ValueError: boom") and "line 10" not in crash


def test_rate_limit_allows_a_seconds_burst_then_paces_calls(monkeypatch):
    from registry.local import engine

    clock = {"now": 100.0, "slept": 0.0}

    def sleep(seconds):
        clock["slept"] += seconds
        clock["now"] += seconds

    monkeypatch.setattr(engine.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(engine.time, "sleep", sleep)
    owner = types.SimpleNamespace(_buckets={})
    for _ in range(11):
        engine.Engine._take_token(owner, "dest", 5)
    assert clock["slept"] == pytest.approx(6 * 0.2)  # 5 at once, then one every 200 ms
    clock["now"] += 10
    before = clock["slept"]
    engine.Engine._take_token(owner, "dest", 5)
    assert clock["slept"] == before  # refilled while idle


def test_a_rule_arn_names_its_bus_except_the_default_one():
    from registry.local.engine import rule_arn
    from registry.local.topology import Rule

    def rule(bus: str) -> Rule:
        return Rule(name="r", physical="ep-dev-metrics", bus=bus, pattern=None, schedule=None, enabled=True, targets=())

    assert rule_arn(rule("default")) == "arn:aws:events:us-east-1:123456789012:rule/ep-dev-metrics"
    assert (
        rule_arn(rule("Serverlesspresso"))
        == "arn:aws:events:us-east-1:123456789012:rule/Serverlesspresso/ep-dev-metrics"
    )


def test_a_queue_policy_lets_only_its_own_source_send():
    from registry.local.engine import policy_allows_send

    ours = "arn:aws:events:us-east-1:123456789012:rule/Serverlesspresso/ep-dev-metrics"
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:sqs:us-east-1:123456789012:q",
                "Condition": {"ArnEquals": {"aws:SourceArn": ours}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": "arn:aws:sqs:us-east-1:123456789012:q",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    }
    assert policy_allows_send(policy, "events.amazonaws.com", ours)
    assert not policy_allows_send(policy, "events.amazonaws.com", ours.replace("Serverlesspresso/", ""))
    assert not policy_allows_send(policy, "events.amazonaws.com", ours.replace("Serverlesspresso", "ep-dev-bus"))
    assert not policy_allows_send(policy, "sns.amazonaws.com", ours)
    assert not policy_allows_send({"Statement": [policy["Statement"][1]]}, "events.amazonaws.com", ours)
    like = {"Statement": [{**policy["Statement"][0], "Condition": {"ArnLike": {"aws:SourceArn": ours[:-7] + "*"}}}]}
    assert policy_allows_send(like, "events.amazonaws.com", ours)
    assert policy_allows_send(None, "events.amazonaws.com", ours)  # the plan declares no policy: not checked
