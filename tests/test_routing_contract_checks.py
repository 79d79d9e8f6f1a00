"""check_subscription: a filter must fit every version it reads, and route its expectations."""

from __future__ import annotations

from typing import Any

import pytest

from registry.findings import Severity
from registry.model import Delivery, EventContract, ExampleRef, SchemaVersion, Subscription
from registry.routing.contract_checks import check_subscription
from registry.routing.rules import FILTER_RULES

V1 = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["metadata", "data"],
    "properties": {
        "metadata": {
            "type": "object",
            "required": ["idempotency-key"],
            "properties": {"idempotency-key": {"type": "string"}},
        },
        "data": {
            "type": "object",
            "required": ["orderId", "amount", "status", "items"],
            "additionalProperties": False,
            "properties": {
                "orderId": {"type": "string"},
                "amount": {"type": "number", "minimum": 0, "maximum": 10000},
                "status": {"type": "string", "enum": ["placed", "paid", "shipped"]},
                "priority": {"type": "boolean"},
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
                    },
                },
                "note": {"$ref": "#/definitions/note"},
            },
        },
    },
    "definitions": {"note": {"type": ["string", "null"]}},
    "examples": [
        {
            "metadata": {"idempotency-key": "k1"},
            "data": {"orderId": "o1", "amount": 50, "status": "placed", "items": [{"sku": "A", "qty": 1}]},
        },
        {
            "metadata": {"idempotency-key": "k2"},
            "data": {"orderId": "o2", "amount": 500, "status": "paid", "items": [{"sku": "B", "qty": 2}]},
        },
    ],
}
# v2 renames amount to total and adds a region string.
V2 = {
    **V1,
    "properties": {
        **V1["properties"],
        "data": {
            **V1["properties"]["data"],
            "required": ["orderId", "total", "status", "items"],
            "properties": {
                **{k: v for k, v in V1["properties"]["data"]["properties"].items() if k != "amount"},
                "total": {"type": "number", "minimum": 0},
                "region": {"type": "string"},
            },
        },
    },
    "examples": [
        {"metadata": {"idempotency-key": "k3"}, "data": {"orderId": "o3", "total": 5, "status": "placed", "items": []}}
    ],
}


def contract(*schemas: dict[str, Any]) -> EventContract:
    versions = tuple(
        SchemaVersion(i, f"contracts/events/shop/OrderPlaced/v{i}.json", s, f"fp{i}")
        for i, s in enumerate(schemas, start=1)
    )
    return EventContract(
        key="shop/OrderPlaced",
        domain="shop",
        name="OrderPlaced",
        source="com.example.shop",
        detail_type="OrderPlaced",
        owner="shop-team",
        service="shop",
        action="placed",
        description="",
        compatibility="FORWARD_TRANSITIVE",
        external=False,
        dedupe_key=("detail.metadata.idempotency-key",),
        directory="contracts/events/shop/OrderPlaced",
        versions=versions,
    )


def sub(
    flt: dict[str, Any] | None,
    *,
    versions: tuple[int, ...] = (1,),
    delivery: str = "queue",
    receives: tuple[Any, ...] = (),
    ignores: tuple[Any, ...] = (),
) -> Subscription:
    refs = lambda items: tuple(ExampleRef(f"inline#{i}", d) for i, d in enumerate(items))  # noqa: E731
    options = {"pipeline": "analytics"} if delivery == "fork" else {}
    return Subscription(
        team="analytics",
        name="orders",
        file="contracts/subscriptions/analytics.json",
        pointer="/subscriptions/0",
        event="shop/OrderPlaced",
        versions=versions,
        filter=flt,
        delivery=Delivery(type=delivery, options=options),
        receives=refs(receives),
        ignores=refs(ignores),
    )


def rules(findings: list) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.pointer) for f in findings)


def detail(**data: Any) -> dict[str, Any]:
    base = {"orderId": "o", "amount": 10, "status": "placed", "items": []}
    base.update(data)
    return {"metadata": {"idempotency-key": "k"}, "data": base}


def test_a_fitting_filter_has_no_findings() -> None:
    findings = check_subscription(
        sub({"data": {"amount": [{"numeric": [">=", 100]}], "status": ["paid"]}}), contract(V1)
    )
    assert findings == []


def test_no_filter_routes_expectations_only() -> None:
    assert check_subscription(sub(None, receives=(detail(),)), contract(V1)) == []


def test_field_missing_in_a_version_read() -> None:
    findings = check_subscription(sub({"data": {"amount": [{"numeric": [">", 1]}]}}, versions=(1, 2)), contract(V1, V2))
    assert ("FILTER_FIELD_MISSING", "/subscriptions/0/filter/data/amount") in rules(findings)
    missing = [f for f in findings if f.rule_id == "FILTER_FIELD_MISSING"]
    assert len(missing) == 1 and "v2" in missing[0].message
    assert missing[0].file == "contracts/subscriptions/analytics.json"


def test_field_present_in_every_version_read_is_fine() -> None:
    assert check_subscription(sub({"data": {"status": ["paid"]}}, versions=(1, 2)), contract(V1, V2)) == []


def test_exists_false_on_an_undeclared_field_is_not_missing() -> None:
    findings = check_subscription(sub({"data": {"region": [{"exists": False}]}}, versions=(1,)), contract(V1))
    assert "FILTER_FIELD_MISSING" not in [f.rule_id for f in findings]


@pytest.mark.parametrize(
    "flt, pointer",
    [
        ({"data": {"orderId": [{"numeric": [">", 1]}]}}, "/subscriptions/0/filter/data/orderId/0"),
        ({"data": {"amount": [{"prefix": "1"}]}}, "/subscriptions/0/filter/data/amount/0"),
        ({"data": {"amount": ["100"]}}, "/subscriptions/0/filter/data/amount/0"),
        ({"data": {"priority": ["true"]}}, "/subscriptions/0/filter/data/priority/0"),
        ({"data": {"amount": [{"cidr": "10.0.0.0/8"}]}}, "/subscriptions/0/filter/data/amount/0"),
        ({"data": {"items": {"qty": [{"wildcard": "1*"}]}}}, "/subscriptions/0/filter/data/items/qty/0"),
        ({"data": {"amount": [{"anything-but": ["x"]}]}}, "/subscriptions/0/filter/data/amount/0"),
    ],
)
def test_type_mismatch(flt: dict[str, Any], pointer: str) -> None:
    findings = check_subscription(sub(flt), contract(V1))
    assert ("FILTER_TYPE_MISMATCH", pointer) in rules(findings)


@pytest.mark.parametrize(
    "flt",
    [
        {"data": {"amount": [{"numeric": [">", 1]}, 5]}},
        {"data": {"items": {"sku": [{"prefix": "A"}]}}},  # arrays: the filter sees elements
        {"data": {"note": [{"prefix": "gift"}, None]}},  # through $ref, nullable
        {"data": {"priority": [True]}},
        {"metadata": {"idempotency-key": [{"equals-ignore-case": "K"}]}},
    ],
)
def test_types_that_fit(flt: dict[str, Any]) -> None:
    assert "FILTER_TYPE_MISMATCH" not in [f.rule_id for f in check_subscription(sub(flt), contract(V1))]


@pytest.mark.parametrize(
    "flt, pointer",
    [
        ({"data": {"status": ["cancelled"]}}, "/subscriptions/0/filter/data/status"),
        ({"data": {"status": [{"prefix": "x"}]}}, "/subscriptions/0/filter/data/status"),
        ({"data": {"amount": [{"numeric": [">", 10000]}]}}, "/subscriptions/0/filter/data/amount"),
        ({"data": {"amount": [{"numeric": ["<", 0]}]}}, "/subscriptions/0/filter/data/amount"),
        ({"data": {"amount": [-5]}}, "/subscriptions/0/filter/data/amount"),
        ({"data": {"orderId": [{"exists": False}]}}, "/subscriptions/0/filter/data/orderId"),
        ({"data": {"region": [{"exists": True}]}}, "/subscriptions/0/filter/data/region"),  # closed object
        ({"data": {"items": {"qty": [{"numeric": ["<", 1]}]}}}, "/subscriptions/0/filter/data/items/qty"),
        (
            {"data": {"$or": [{"status": ["x"]}, {"amount": [{"numeric": [">", 20000]}]}]}},
            "/subscriptions/0/filter/data/$or/0/status",
        ),
    ],
)
def test_dead_route(flt: dict[str, Any], pointer: str) -> None:
    findings = check_subscription(sub(flt), contract(V1))
    dead = [f for f in findings if f.rule_id == "FILTER_DEAD_ROUTE"]
    assert [f.pointer for f in dead] == [pointer]
    assert dead[0].severity == Severity.ERROR


@pytest.mark.parametrize(
    "flt",
    [
        {"data": {"status": ["paid", "cancelled"]}},
        {"data": {"amount": [{"numeric": [">=", 10000]}]}},
        {"data": {"$or": [{"status": ["x"]}, {"amount": [{"numeric": [">", 9000]}]}]}},
        {"data": {"region": [{"exists": False}]}},
        {"data": {"status": [{"anything-but": ["placed"]}]}},
    ],
)
def test_live_route(flt: dict[str, Any]) -> None:
    assert "FILTER_DEAD_ROUTE" not in [f.rule_id for f in check_subscription(sub(flt), contract(V1))]


@pytest.mark.parametrize(
    "flt",
    [
        {"data": {"orderId": [{"exists": True}]}},
        {"data": {"status": ["placed", "paid", "shipped"]}},
        {"data": {"status": [{"anything-but": "cancelled"}]}},
        {"data": {"amount": [{"numeric": [">=", 0, "<=", 10000]}]}},
        {"data": {"region": [{"exists": False}]}},
        {"$or": [{"data": {"orderId": [{"exists": True}]}}, {"data": {"status": ["x"]}}]},
    ],
)
def test_matches_everything_is_a_warning(flt: dict[str, Any]) -> None:
    findings = check_subscription(sub(flt), contract(V1))
    assert rules(findings) == [("FILTER_MATCHES_EVERYTHING", "/subscriptions/0/filter")]
    assert findings[0].severity == Severity.WARNING


@pytest.mark.parametrize(
    "flt",
    [
        {"data": {"status": ["placed", "paid"]}},
        {"data": {"amount": [{"numeric": [">", 0]}]}},  # 0 itself is valid
        {"data": {"priority": [{"exists": True}]}},  # optional
        {"data": {"note": [{"exists": True}]}},  # optional
        {"data": {"items": {"sku": [{"exists": True}]}}},  # arrays may be empty
    ],
)
def test_not_everything(flt: dict[str, Any]) -> None:
    assert "FILTER_MATCHES_EVERYTHING" not in [f.rule_id for f in check_subscription(sub(flt), contract(V1))]


def test_invalid_filter_is_reported_at_its_pointer_without_other_checks() -> None:
    findings = check_subscription(
        sub({"data": {"amount": [{"numeric": [">", "1"]}]}}, receives=(detail(),)), contract(V1)
    )
    assert rules(findings) == [("FILTER_INVALID", "/subscriptions/0/filter/data/amount/0/numeric/1")]


def test_fork_filters_are_sns_message_body_policies() -> None:
    # anything-but with equals-ignore-case is EventBridge-only: invalid in the SNS policy of a fork delivery
    flt = {"data": {"orderId": [{"anything-but": {"equals-ignore-case": "o-1"}}]}}
    findings = check_subscription(sub(flt, delivery="fork"), contract(V1))
    assert rules(findings) == [("FILTER_INVALID", "/subscriptions/0/filter/data/orderId/0/anything-but")]
    ok = sub(
        {"data": {"amount": [{"numeric": [">=", 100]}]}},
        delivery="fork",
        receives=(detail(amount=100),),
        ignores=(detail(amount=99),),
    )
    assert check_subscription(ok, contract(V1)) == []


def test_expectations_routed_with_the_real_matcher() -> None:
    s = sub(
        {"data": {"amount": [{"numeric": [">=", 100]}]}},
        receives=(detail(amount=150), detail(amount=5)),
        ignores=(detail(amount=1), detail(amount=100)),
    )
    assert rules(check_subscription(s, contract(V1))) == [
        ("EXPECTED_DELIVERY_MISSED", "/subscriptions/0/expect/receives/1"),
        ("UNEXPECTED_DELIVERY", "/subscriptions/0/expect/ignores/1"),
    ]


def test_rule_table_ids_and_severities() -> None:
    assert set(FILTER_RULES) == {
        "FILTER_INVALID",
        "FILTER_FIELD_MISSING",
        "FILTER_TYPE_MISMATCH",
        "FILTER_DEAD_ROUTE",
        "FILTER_MATCHES_EVERYTHING",
        "EXPECTED_DELIVERY_MISSED",
        "UNEXPECTED_DELIVERY",
    }
    assert all(r.purpose.startswith(("Checks that", "Notes")) and r.hint for r in FILTER_RULES.values())
