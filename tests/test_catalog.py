"""The catalog model, diagrams and renderers, on a small registry written to a temp dir.

GIVEN a saga (orders -> payments), a forked checkout event, a metrics flow and
a listen-only notifications team, WHEN the catalog is built, THEN tables,
flows and diagrams are derived from the contracts, and output is stable.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from registry.catalog import build_catalog, render_site
from registry.catalog.graph import Graph
from registry.catalog.layout import layout
from registry.catalog.markdown import GENERATED_HEADER
from registry.catalog.mermaid import to_mermaid
from registry.catalog.model import attributes_of
from registry.catalog.svg import to_svg
from registry.loader import load_registry
from registry.model import Registry

REPO = Path(__file__).resolve().parents[1]
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def full_state(data: dict[str, Any], required: list[str], example: dict[str, Any]) -> dict[str, Any]:
    """A full-state schema (metadata + data) with one example."""
    return {
        "$schema": DRAFT_07,
        "type": "object",
        "required": ["metadata", "data"],
        "properties": {
            "metadata": {
                "type": "object",
                "required": ["idempotency-key", "version"],
                "properties": {
                    "idempotency-key": {"type": "string", "description": "drop duplicates on it"},
                    "version": {"type": "integer"},
                },
            },
            "data": {"type": "object", "required": required, "properties": data},
        },
        "examples": [{"metadata": {"idempotency-key": "k-1", "version": 1}, "data": example}],
    }


ORDER_V1 = full_state(
    {"orderId": {"type": "string", "description": "the order"}, "amount": {"type": "number"}},
    ["orderId", "amount"],
    {"orderId": "o-1", "amount": 12.5},
)
ORDER_V2 = full_state(
    {
        "orderId": {"type": "string", "description": "the order"},
        "amount": {"type": "number"},
        "note": {"type": "string"},
    },
    ["orderId", "amount"],
    {"orderId": "o-1", "amount": 12.5, "note": "x"},
)
PAYMENT_V1 = full_state(
    {"orderId": {"type": "string"}, "paid": {"type": "boolean"}}, ["orderId", "paid"], {"orderId": "o-1", "paid": True}
)
CHECKOUT_V1 = full_state(
    {"cartId": {"type": "string"}, "total": {"type": "number"}}, ["cartId", "total"], {"cartId": "c-1", "total": 150}
)
BREW_V1 = {
    "$schema": DRAFT_07,
    "type": "object",
    "required": ["orderId"],
    "properties": {"orderId": {"type": "string"}, "drinkOrder": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
    "examples": [{"orderId": "1000", "drinkOrder": '{"drink": "latte"}'}],
}

EVENTS: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "orders/OrderCreated": (
        {
            "owner": "orders-team",
            "service": "order-service",
            "action": "A customer placed an order",
            "compatibility": "FORWARD_TRANSITIVE",
        },
        [ORDER_V1, ORDER_V2],
    ),
    "payments/PaymentTaken": (
        {"owner": "payments-team", "service": "payment-service", "action": "The payment was taken"},
        [PAYMENT_V1],
    ),
    "checkout/CheckoutPlaced": (
        {
            "owner": "checkout-team",
            "service": "checkout-service",
            "action": "A checkout was placed",
            "compatibility": "FULL_TRANSITIVE",
        },
        [CHECKOUT_V1],
    ),
    "notifications/EmailSent": (
        {"owner": "notifications-team", "service": "notification-service", "action": "A mail was sent"},
        [full_state({"to": {"type": "string"}}, ["to"], {"to": "a@example.com"})],
    ),
    "coffeeshop/WaitingCompletion": (
        {
            "owner": "serverlesspresso",
            "service": "order-manager",
            "action": "An order waits for the barista",
            "external": True,
            "dedupe-key": ["detail.orderId", "detail-type"],
        },
        [BREW_V1],
    ),
}

SUBSCRIPTIONS: dict[str, list[dict[str, Any]]] = {
    "order-saga": [
        {
            "name": "payments-charge",
            "event": "orders/OrderCreated",
            "versions": [1, 2],
            "description": "Charge the customer",
            "filter": {"data": {"amount": [{"numeric": [">", 0]}]}},
            "delivery": {"type": "queue"},
        },
        {
            "name": "orders-confirm-paid",
            "event": "payments/PaymentTaken",
            "description": "Mark the order paid",
            "delivery": {"type": "lambda", "function": "confirm"},
        },
    ],
    "checkout-pipelines": [
        {
            "name": "big-checkouts",
            "event": "checkout/CheckoutPlaced",
            "description": "Big baskets",
            "filter": {"data": {"total": [{"numeric": [">=", 100]}]}},
            "delivery": {"type": "fork", "pipeline": "analytics"},
        },
        {
            "name": "checkout-backup",
            "event": "checkout/CheckoutPlaced",
            "delivery": {"type": "fork", "pipeline": "backup"},
        },
    ],
    "metrics": [
        {
            "name": "coffee",
            "event": "coffeeshop/WaitingCompletion",
            "description": "Count drinks",
            "delivery": {"type": "metrics"},
        }
    ],
    "notifications": [
        {
            "name": "order-mail",
            "event": "orders/OrderCreated",
            "description": "Mail the customer",
            "delivery": {"type": "queue"},
        },
        {
            "name": "checkout-mail",
            "event": "checkout/CheckoutPlaced",
            "delivery": {"type": "api", "destination": "mailer"},
        },
    ],
}


def write_contracts(
    root: Path, events: dict[str, Any] | None = None, subscriptions: dict[str, Any] | None = None
) -> Path:
    """The sample contract tree; tests pass edited copies of EVENTS/SUBSCRIPTIONS to break things."""
    for key, (meta, versions) in (EVENTS if events is None else events).items():
        directory = root / "events" / key
        directory.mkdir(parents=True, exist_ok=True)
        domain, name = key.split("/")
        event = {"source": f"com.example.{domain}", "detail-type": name, "description": f"The {name} event.", **meta}
        (directory / "event.json").write_text(json.dumps(event, indent=2))
        for number, schema in enumerate(versions, start=1):
            (directory / f"v{number}.json").write_text(json.dumps(schema, indent=2))
    (root / "subscriptions").mkdir(parents=True, exist_ok=True)
    for team, subs in (SUBSCRIPTIONS if subscriptions is None else subscriptions).items():
        (root / "subscriptions" / f"{team}.json").write_text(
            json.dumps({"team": team, "subscriptions": subs}, indent=2)
        )
    return root


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    return load_registry(write_contracts(tmp_path_factory.mktemp("contracts")))


def test_attributes_are_flattened_with_types_and_required_only_when_every_parent_is_required() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": {
                "type": "object",
                "required": ["x"],
                "properties": {"x": {"type": ["string", "null"], "description": "d"}, "y": {}},
            },
            "b": {
                "type": "object",
                "required": ["z"],
                "properties": {"z": {"oneOf": [{"type": "string"}, {"type": "object"}]}},
            },
        },
    }
    rows = {a.path: (a.type, a.required, a.description) for a in attributes_of(schema)}
    assert rows == {
        "a": ("object", True, ""),
        "a.x": ("string | null", True, "d"),
        "a.y": ("any", False, ""),
        "b": ("object", False, ""),
        "b.z": ("string | object", False, ""),
    }
    assert attributes_of({"type": "string"}) == []


def test_flows_are_one_per_subscribing_team_with_consumers_derived_from_the_contracts(registry: Registry) -> None:
    flows = {f.title: f for f in build_catalog(registry).flows}
    assert sorted(flows) == ["checkout-pipelines", "metrics", "notifications", "order-saga"]
    # a saga file names each step after the service taking it: payments-charge is payment-service's step
    saga = {r.service: r for r in flows["order-saga"].rows}
    assert sorted(saga) == ["order-service", "payment-service"]
    assert saga["payment-service"].listens == ("orders/OrderCreated",)
    assert saga["payment-service"].emits == ("payments/PaymentTaken",)
    assert saga["payment-service"].team == "payments-team"
    assert saga["order-service"].listens == ("payments/PaymentTaken",)
    assert saga["order-service"].emits == ("orders/OrderCreated",)
    # a team named like a domain is that domain's service; an API delivery's consumer is the endpoint
    notifications = {r.service: r for r in flows["notifications"].rows}
    assert sorted(notifications) == [
        "checkout-service",
        "mailer (external API)",
        "notification-service",
        "order-service",
    ]
    assert notifications["notification-service"].listens == ("orders/OrderCreated",)
    assert notifications["notification-service"].emits == ("notifications/EmailSent",)
    assert notifications["mailer (external API)"].does == ("checkout-mail (API destination mailer (+DLQ))",)
    # a pure producer in a flow shows only the events read there, not everything it emits
    assert notifications["order-service"].emits == ("orders/OrderCreated",)
    coffee = {r.service: r for r in flows["metrics"].rows}
    assert sorted(coffee) == ["metrics", "order-manager"]
    assert coffee["metrics"].does == ("Count drinks (SQS -> metrics Lambda -> DynamoDB metrics table)",)
    assert flows["order-saga"].events == ("orders/OrderCreated", "payments/PaymentTaken")


def test_routing_graph_goes_bus_rules_targets_handlers(registry: Registry) -> None:
    graph = build_catalog(registry).routing
    edges = {(e.source, e.target) for e in graph.edges}
    assert ("bus", "rule:topic:checkout/CheckoutPlaced") in edges
    assert ("rule:topic:checkout/CheckoutPlaced", "topic:checkout/CheckoutPlaced") in edges
    assert ("topic:checkout/CheckoutPlaced", "queue:checkout-pipelines.big-checkouts") in edges
    assert ("queue:metrics.coffee", "fn:metrics") in edges and ("fn:metrics", "table:metrics") in edges
    assert ("rule:notifications.checkout-mail", "api:mailer") in edges
    assert ("rule:order-saga.orders-confirm-paid", "fn:confirm") in edges
    # one topic rule per forked event, however many fork subscriptions it has
    assert sum(1 for n in graph.nodes if n.startswith("rule:topic:")) == 1


def test_layout_puts_every_edge_left_to_right_and_never_overlaps_boxes(registry: Registry) -> None:
    graph = build_catalog(registry).routing
    placed = layout(graph)
    assert placed.back == frozenset()
    for edge in graph.edges:
        assert placed.boxes[edge.source].x < placed.boxes[edge.target].x
    boxes = list(placed.boxes.values())
    for i, a in enumerate(boxes):
        assert a.x >= 0 and a.x + a.width <= placed.width and a.y >= 0 and a.y + a.height <= placed.height
        for b in boxes[i + 1 :]:
            apart = a.x + a.width <= b.x or b.x + b.width <= a.x or a.y + a.height <= b.y or b.y + b.height <= a.y
            assert apart


def test_a_cycle_is_drawn_from_its_first_node_with_the_closing_edge_as_back_edge() -> None:
    graph = Graph("saga")
    for name in ("start", "middle", "end"):
        graph.node(name, name, "service")
    graph.edge("start", "middle")
    graph.edge("middle", "end")
    graph.edge("end", "start", "compensate")
    placed = layout(graph)
    assert placed.boxes["start"].x < placed.boxes["middle"].x < placed.boxes["end"].x
    assert placed.back == frozenset({("end", "start")})
    svg = to_svg(graph, "saga")
    assert svg.count("<path d=") == 3 + 1  # three edges and the arrow marker
    assert 'text-anchor="start">compensate</text>' in svg


def test_a_source_node_starts_the_walk_even_when_inserted_last_and_empty_graphs_lay_out() -> None:
    graph = Graph("late source")
    graph.node("a", "a", "service")
    graph.node("b", "b", "service")
    graph.node("src", "src", "service")
    graph.edge("a", "b")
    graph.edge("b", "a")
    graph.edge("src", "a")
    placed = layout(graph)
    assert placed.boxes["src"].x < placed.boxes["a"].x < placed.boxes["b"].x and placed.back == frozenset({("b", "a")})
    empty = layout(Graph("empty"))
    assert empty.boxes == {} and empty.width > 0


def test_parallel_edges_merge_into_one_listing_every_label() -> None:
    graph = Graph("forks")
    graph.edge("e", "team", "backup (fork)")
    graph.edge("e", "team", "replay (fork)")
    graph.edge("e", "team", "backup (fork)")
    graph.edge("e", "other")
    assert [(e.target, e.label) for e in graph.edges] == [("team", "backup (fork), replay (fork)"), ("other", "")]


def test_mermaid_and_svg_escape_labels_that_would_break_them() -> None:
    graph = Graph('quotes "and" <tags> & more')
    graph.node("x", 'say "hi" <b>&', "event")
    graph.node("y", "plain", "queue")
    graph.edge("x", "y", 'edge "label"')
    mermaid = to_mermaid(graph)
    assert mermaid.splitlines() == [
        "flowchart LR",
        '  n0(["say #quot;hi#quot; <b>&"])',
        '  n1[("plain")]',
        '  n0 -->|"edge #quot;label#quot;"| n1',
    ]
    svg = to_svg(graph, "g1")
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 2 and svg.count('marker-end="url(#g1-arrow)"') == 1


def test_site_has_index_pages_per_event_and_one_self_contained_html(registry: Registry) -> None:
    files = render_site(build_catalog(registry))
    assert sorted(files) == [
        "events/checkout/CheckoutPlaced.md",
        "events/coffeeshop/WaitingCompletion.md",
        "events/notifications/EmailSent.md",
        "events/orders/OrderCreated.md",
        "events/payments/PaymentTaken.md",
        "index.html",
        "index.md",
    ]
    html = files["index.html"]
    assert "<script" not in html and not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert html.count("<svg") == 5  # four flows and the routing
    index = files["index.md"]
    assert index.count("```mermaid") == 5
    assert (
        "| [orders/OrderCreated](events/orders/OrderCreated.md) | orders-team / order-service | A customer placed an order | v1, v2 | FORWARD_TRANSITIVE | no | 2 |"
        in index
    )
    assert (
        "| [coffeeshop/WaitingCompletion](events/coffeeshop/WaitingCompletion.md) | serverlesspresso / order-manager |"
        in index
    )
    assert "| `data.orderId` | string | yes | the order |" in index


def test_an_event_page_shows_who_reads_what() -> None:
    repo = load_registry(Path(__file__).resolve().parents[1] / "contracts")
    page = render_site(build_catalog(repo))["events/coffeeshop/WaitingCompletion.md"]
    assert "| metrics.waiting-completion | v1, v2 |" in page
    assert "| drinkOrder: object or string; orderId: string |" in page


def test_event_page_has_versions_examples_changelog_and_subscribers_with_filters(registry: Registry) -> None:
    page = render_site(build_catalog(registry))["events/orders/OrderCreated.md"]
    assert page.index("### v2 schema") < page.index("### v1 schema")
    assert "Example `v1#0`:" in page and "Example `v2#0`:" in page
    assert "### v1 -> v2" in page
    assert re.search(r"\| backward \| `[A-Z_]+` \| `#/properties/data/properties/note` \|", page)
    assert (
        '| order-saga.payments-charge | v1, v2 | SQS queue (+DLQ) | `{"data": {"amount": [{"numeric": [">", 0]}]}}` | the whole detail | Charge the customer |'
        in page
    )
    assert (
        "| notifications.order-mail | v1, v2 | SQS queue (+DLQ) | everything | the whole detail | Mail the customer |"
        in page
    )
    single = render_site(build_catalog(registry))["events/payments/PaymentTaken.md"]
    assert "_One version, nothing to compare._" in single


def test_output_is_deterministic_whatever_the_load_order(tmp_path: Path) -> None:
    first_root = write_contracts(tmp_path / "a" / "contracts")
    first = render_site(build_catalog(load_registry(first_root, display_root=first_root.parent)))
    reordered = dict(reversed(list(SUBSCRIPTIONS.items())))
    events = dict(reversed(list(EVENTS.items())))
    second_root = write_contracts(tmp_path / "b" / "contracts", events, reordered)
    second = render_site(build_catalog(load_registry(second_root, display_root=second_root.parent)))
    assert first == second


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_command_writes_the_site_and_removes_pages_of_deleted_events(tmp_path: Path) -> None:
    contracts = write_contracts(tmp_path / "contracts")
    out = tmp_path / "out"
    stale = out / "events" / "gone" / "Old.md"
    stale.parent.mkdir(parents=True)
    stale.write_text(GENERATED_HEADER + "\n# gone/Old\n")  # a page an earlier run generated
    mine = out / "events" / "notes.md"  # a page the catalog did not write: never removed
    mine.write_text("my notes")
    result = _cli("catalog", "--contracts", str(contracts), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "removed 1 stale page(s)" in result.stdout
    assert not stale.exists()
    assert mine.read_text() == "my notes"
    assert (out / "index.html").is_file() and (out / "events/orders/OrderCreated.md").is_file()


def test_command_rejects_bad_input_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    missing = _cli("catalog", "--contracts", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert (
        missing.returncode == 2 and "not a contracts directory" in missing.stderr and "Traceback" not in missing.stderr
    )
    broken = write_contracts(tmp_path / "broken")
    (broken / "events/orders/OrderCreated/v1.json").write_text("{ not json")
    result = _cli("catalog", "--contracts", str(broken), "--out", str(tmp_path / "out2"))
    assert result.returncode == 2 and "JSON_SYNTAX_ERROR" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out2").exists()
    a_file = tmp_path / "file"
    a_file.write_text("")
    result = _cli("catalog", "--contracts", str(write_contracts(tmp_path / "ok")), "--out", str(a_file))
    assert result.returncode == 2 and "output path is a file" in result.stderr


def test_changelog_shows_both_readings_and_keeps_only_refused_forward_changes(tmp_path: Path) -> None:
    from registry.catalog.changelog import changelog

    retyped = copy.deepcopy(ORDER_V1)
    retyped["properties"]["data"]["properties"]["amount"] = {"type": "string"}
    retyped["examples"][0]["data"]["amount"] = "12.5"
    events = {"orders/OrderCreated": (EVENTS["orders/OrderCreated"][0], [ORDER_V1, ORDER_V2, retyped])}
    registry = load_registry(write_contracts(tmp_path, events, {}))
    steps = changelog(registry.events["orders/OrderCreated"])
    assert [(s.old, s.new) for s in steps] == [(1, 2), (2, 3)]
    added, retype = steps
    # adding a property to an open model: old readers are fine (forward), an open model's old data may clash (backward)
    assert added.forward and not added.backward
    assert [(r.reading, r.rule_id, r.compatible) for r in added.rows] == [
        ("backward", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", False)
    ]
    assert not retype.backward and not retype.forward
    assert ("backward", "TYPE_CHANGED", "#/properties/data/properties/amount", False) in {
        (r.reading, r.rule_id, r.path, r.compatible) for r in retype.rows
    }
    assert ("forward", "TYPE_CHANGED", "#/properties/data/properties/amount", False) in {
        (r.reading, r.rule_id, r.path, r.compatible) for r in retype.rows
    }
    assert all(not r.compatible for r in retype.rows if r.reading == "forward")
    page = render_site(build_catalog(registry))["events/orders/OrderCreated.md"]
    assert page.index("### v2 -> v3") < page.index("### v1 -> v2")
    assert "Backward (new readers, old data): INCOMPATIBLE; forward (old readers, new data): INCOMPATIBLE" in page
