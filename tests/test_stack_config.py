"""Stack config: both real stack files parse; every wrong value names the file, the key and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from registry.errors import InputError
from registry.stack_config import known_stacks, load_stack_config, parse_stack_config, read_stack_file

ROOT = Path(__file__).resolve().parent.parent


def base() -> dict[str, Any]:
    return {
        "aws:region": "us-east-1",
        "eventplane:namePrefix": "ep-test",
        "eventplane:archiveRetentionDays": 7,
        "eventplane:apiDestinations": {
            "delivery-service": {
                "endpoint": "https://example.com/events",
                "method": "POST",
                "rateLimitPerSecond": 5,
                "auth": {"type": "API_KEY", "headerName": "x-api-key", "secretKey": "deliveryApiKey"},
            }
        },
        "eventplane:functions": {"audit": "arn:aws:lambda:us-east-1:123456789012:function:audit"},
    }


def parse(values: dict[str, Any]):
    return parse_stack_config(values, stack="test", source="Pulumi.test.yaml")


def test_both_stack_files_parse_and_name_their_secret_keys() -> None:
    assert known_stacks(ROOT) == ["dev", "org-core", "org-orders", "org-shop", "prod"]
    dev, prod = load_stack_config(ROOT, "dev"), load_stack_config(ROOT, "prod")
    assert dev.name_prefix != prod.name_prefix
    assert "delivery-service" in dev.api_destinations and "delivery-service" in prod.api_destinations
    assert dev.secret_keys and prod.secret_keys
    assert prod.archive_retention_days > dev.archive_retention_days


def test_stack_files_hold_no_plain_text_secret() -> None:
    for stack in known_stacks(ROOT):
        values = read_stack_file(ROOT / f"Pulumi.{stack}.yaml")
        for key in load_stack_config(ROOT, stack).secret_keys:
            assert f"eventplane:{key}" not in values


def test_defaults_and_parsed_values() -> None:
    config = parse(base())
    assert config.alarms.dlq_oldest_message_age_seconds == 300
    assert config.enabled is None and config.disabled == ()
    assert config.schedule is None
    auth = config.api_destinations["delivery-service"].auth
    assert (auth.type, auth.header_name, auth.secret_key) == ("API_KEY", "x-api-key", "deliveryApiKey")
    assert config.secret_keys == ("deliveryApiKey",)


def test_json_strings_from_pulumi_config_parse_like_yaml() -> None:
    values = {k: (v if isinstance(v, str) else json.dumps(v)) for k, v in base().items()}
    assert parse(values) == parse(base())


def test_subscription_switches() -> None:
    on = parse({**base(), "eventplane:subscriptions": {"enabled": ["a.x"]}})
    assert on.subscription_enabled("a.x") and not on.subscription_enabled("a.y")
    off = parse({**base(), "eventplane:subscriptions": {"disabled": ["a.x"]}})
    assert not off.subscription_enabled("a.x") and off.subscription_enabled("a.y")


@pytest.mark.parametrize(
    "auth, secret",
    [
        ({"type": "BASIC", "username": "u", "secretKey": "pw"}, "pw"),
        (
            {
                "type": "OAUTH_CLIENT_CREDENTIALS",
                "clientId": "c",
                "authorizationEndpoint": "https://a/token",
                "secretKey": "clientSecret",
            },
            "clientSecret",
        ),
    ],
)
def test_other_auth_types(auth: dict[str, Any], secret: str) -> None:
    values = base()
    values["eventplane:apiDestinations"]["delivery-service"]["auth"] = auth
    assert parse(values).api_destinations["delivery-service"].auth.secret_key == secret


def test_schedule_runs_a_configured_function_or_forwards() -> None:
    config = parse(
        {**base(), "eventplane:schedule": {"name": "rollup", "expression": "cron(0 2 * * ? *)", "function": "audit"}}
    )
    assert config.schedule is not None and config.schedule.function == "audit"
    forward = parse({**base(), "eventplane:schedule": {"expression": "rate(1 day)"}})
    assert forward.schedule is not None and forward.schedule.function == ""


def broken(path: str, value: Any) -> dict[str, Any]:
    values = json.loads(json.dumps(base()))
    *parents, last = path.split("/")
    node = values
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return values


@pytest.mark.parametrize(
    "path, value, pointer, words",
    [
        ("aws:region", None, "/config/aws:region", "missing"),
        ("eventplane:namePrefix", "Bad_Prefix", "/config/eventplane:namePrefix", "invalid value"),
        ("eventplane:archiveRetentionDays", "seven", "/config/eventplane:archiveRetentionDays", "whole number"),
        ("eventplane:archiveRetentionDays", True, "/config/eventplane:archiveRetentionDays", "whole number"),
        (
            "eventplane:apiDestinations/delivery-service/endpoint",
            "http://plain",
            "/config/eventplane:apiDestinations/delivery-service/endpoint",
            "https",
        ),
        (
            "eventplane:apiDestinations/delivery-service/method",
            "FETCH",
            "/config/eventplane:apiDestinations/delivery-service/method",
            "HTTP method",
        ),
        (
            "eventplane:apiDestinations/delivery-service/rateLimitPerSecond",
            0,
            "/config/eventplane:apiDestinations/delivery-service/rateLimitPerSecond",
            "whole number",
        ),
        (
            "eventplane:apiDestinations/delivery-service/auth",
            {"type": "TOKEN"},
            "/config/eventplane:apiDestinations/delivery-service/auth/type",
            "auth.type",
        ),
        (
            "eventplane:apiDestinations/delivery-service/auth/secretKey",
            None,
            "/config/eventplane:apiDestinations/delivery-service/auth/secretKey",
            "secret config key",
        ),
        (
            "eventplane:apiDestinations/delivery-service/auth/headerName",
            None,
            "/config/eventplane:apiDestinations/delivery-service/auth/headerName",
            "API_KEY",
        ),
        ("eventplane:functions/audit", "not-an-arn", "/config/eventplane:functions/audit", "Lambda function ARN"),
        ("eventplane:subscriptions", {"enabled": [], "disabled": []}, "/config/eventplane:subscriptions", "both"),
        ("eventplane:subscriptions", {"only": []}, "/config/eventplane:subscriptions/only", "unknown key"),
        (
            "eventplane:subscriptions",
            {"enabled": ["no-dot"]},
            "/config/eventplane:subscriptions/enabled",
            "subscription ids",
        ),
        ("eventplane:schedule", {"expression": "every day"}, "/config/eventplane:schedule/expression", "cron"),
        (
            "eventplane:schedule",
            {"expression": "rate(1 day)", "function": "ghost"},
            "/config/eventplane:schedule/function",
            "unknown function",
        ),
        (
            "eventplane:alarms",
            {"dlqOldestMessageAgeSeconds": 5},
            "/config/eventplane:alarms/dlqOldestMessageAgeSeconds",
            "whole number",
        ),
        ("eventplane:deliveryApiKey", "hunter2", "/config/eventplane:deliveryApiKey", "plain text"),
    ],
)
def test_bad_values_name_file_key_and_fix(path: str, value: Any, pointer: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(broken(path, value))
    error = caught.value
    assert error.file == "Pulumi.test.yaml"
    assert error.pointer == pointer
    assert words in error.message
    assert error.hint


def test_encrypted_secret_is_accepted() -> None:
    values = {**base(), "eventplane:deliveryApiKey": {"secure": "v1:AAAA"}}
    assert parse(values).secret_keys == ("deliveryApiKey",)


def test_unreadable_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  aws:region: [unclosed\n")
    with pytest.raises(InputError) as caught:
        read_stack_file(path)
    assert caught.value.line > 0 and "YAML" in caught.value.message
    path.write_text("- a list\n")
    with pytest.raises(InputError, match="config"):
        read_stack_file(path)
