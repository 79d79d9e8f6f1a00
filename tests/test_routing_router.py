"""Router: one event against many compiled subscriptions, same answers as matching one by one."""

from __future__ import annotations

from registry.routing import Router, compile_pattern, compile_policy


def event(source: str, detail_type: str, **detail: object) -> dict:
    return {"source": source, "detail-type": detail_type, "detail": detail}


def test_router_returns_matching_keys_in_insertion_order() -> None:
    router: Router[str] = Router()
    router.add("all-orders", compile_pattern({"source": ["orders"]}))
    router.add(
        "big",
        compile_pattern({"source": ["orders"], "detail-type": ["Placed"], "detail": {"n": [{"numeric": [">", 10]}]}}),
    )
    router.add("any-source-placed", compile_pattern({"detail-type": ["Placed"]}))
    router.add("payments", compile_pattern({"source": ["payments", "billing"], "detail-type": ["Paid"]}))
    router.add("prefix-source", compile_pattern({"source": [{"prefix": "ord"}]}))
    assert len(router) == 5
    assert router.match(event("orders", "Placed", n=11)) == ["all-orders", "big", "any-source-placed", "prefix-source"]
    assert router.match(event("orders", "Placed", n=1)) == ["all-orders", "any-source-placed", "prefix-source"]
    assert router.match(event("billing", "Paid")) == ["payments"]
    assert router.match(event("other", "Other")) == []


def test_router_agrees_with_each_pattern() -> None:
    patterns = {
        "a": {"source": ["s1"], "detail": {"x": ["1"]}},
        "b": {"$or": [{"source": ["s1"]}, {"detail-type": ["t2"]}]},
        "c": {"source": ["s2"], "detail-type": ["t1", "t2"]},
        "d": {"detail": {"x": [{"exists": False}]}},
    }
    router: Router[str] = Router()
    compiled = {k: compile_pattern(p) for k, p in patterns.items()}
    for key, value in compiled.items():
        router.add(key, value)
    for source in ("s1", "s2", "s3"):
        for detail_type in ("t1", "t2"):
            for detail in ({"x": "1"}, {"x": "2"}, {}):
                e = {"source": source, "detail-type": detail_type, "detail": detail}
                assert router.match(e) == [k for k, c in compiled.items() if c.matches(e)]


def test_router_accepts_filter_policies_unindexed() -> None:
    router: Router[str] = Router()
    router.add("body", compile_policy({"detail": {"x": ["1"]}}, "MessageBody"))
    assert router.match({"detail": {"x": "1"}}) == ["body"]
    assert router.match({"detail": {"x": "2"}}) == []


def test_router_ignores_events_that_are_not_objects() -> None:
    router: Router[str] = Router()
    router.add("a", compile_pattern({"source": ["s"]}))
    assert router.match("not an event") == []
    assert router.match({"source": 5}) == []
