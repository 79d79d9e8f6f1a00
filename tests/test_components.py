"""Pure pieces of the components: physical names, queue options, fork pipelines, shared retry."""

from __future__ import annotations

import pytest

from components.common import physical_name
from components.fork_topic import PIPELINES, _most_patient
from components.queue_delivery import queue_spec
from registry.model import FORK_PIPELINES, Delivery, Retry, Subscription


def test_physical_names_are_readable_when_short() -> None:
    assert physical_name("ep-dev", "orders.inventory-reserve") == "ep-dev-orders-inventory-reserve"
    assert physical_name("ep-dev", "a.b", limit=80, suffix=".fifo") == "ep-dev-a-b.fifo"


@pytest.mark.parametrize("limit, suffix", [(64, ""), (80, ".fifo"), (48, "")])
def test_long_names_fit_the_limit_and_stay_distinct(limit: int, suffix: str) -> None:
    long_a = physical_name("ep-prod", "team-with-a-long-name.subscription-" + "a" * 60, limit=limit, suffix=suffix)
    long_b = physical_name("ep-prod", "team-with-a-long-name.subscription-" + "b" * 60, limit=limit, suffix=suffix)
    assert len(long_a) <= limit and len(long_b) <= limit
    assert long_a != long_b
    assert long_a.endswith(suffix) and long_a.startswith("ep-prod-team-with-a-long-name")


def test_queue_spec_defaults_and_fifo_dedup() -> None:
    plain = queue_spec("q", {}, 300)
    assert (
        plain.fifo,
        plain.content_based_deduplication,
        plain.visibility_timeout_seconds,
        plain.retention_seconds,
        plain.max_receive_count,
    ) == (False, False, 30, 345600, 5)
    fifo = queue_spec("q", {"fifo": True, "message_group_id": "g"}, 60)
    assert fifo.fifo and fifo.content_based_deduplication and fifo.alarm_threshold_seconds == 60
    explicit = queue_spec("q", {"fifo": True, "content_based_deduplication": False, "max_receive_count": 9}, 60)
    assert not explicit.content_based_deduplication and explicit.max_receive_count == 9


def test_every_fork_pipeline_has_a_retention_and_replay_keeps_14_days() -> None:
    assert set(PIPELINES) == set(FORK_PIPELINES)
    assert PIPELINES["replay"][0] == 14 * 24 * 3600
    assert all(60 <= retention <= 1209600 for retention, _, _ in PIPELINES.values())


def fork(retry: Retry) -> Subscription:
    return Subscription(
        team="t",
        name="n",
        file="f",
        pointer="",
        event="e/E",
        versions=(1,),
        filter=None,
        delivery=Delivery(type="fork", retry=retry, options={"pipeline": "plain"}),
    )


def test_topic_rule_retries_as_long_as_its_most_patient_fork() -> None:
    retry = _most_patient((fork(Retry(3600, 10)), fork(Retry(600, 50))))
    assert retry == Retry(3600, 50)
    assert _most_patient(()) == Retry()
