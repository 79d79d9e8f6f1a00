"""The one place that turns a subscription into what AWS receives.

The gate, the Pulumi program, `route` and the embedded run all call these, so
the pattern that is checked is byte for byte the pattern that is deployed.
"""

from __future__ import annotations

import json
from typing import Any

from registry.model import EventContract, Subscription

__all__ = ["fork_policy", "rule_pattern", "to_aws_json", "topic_rule_pattern"]


def topic_rule_pattern(contract: EventContract) -> dict[str, Any]:
    """The rule that feeds a forked event's SNS topic: every event of the contract."""
    return {"source": [contract.source], "detail-type": [contract.detail_type]}


def rule_pattern(sub: Subscription, contract: EventContract) -> dict[str, Any]:
    """The EventBridge pattern of a subscription's own rule (fork filters live on SNS instead)."""
    pattern = topic_rule_pattern(contract)
    if sub.filter and sub.delivery.type != "fork":
        pattern["detail"] = dict(sub.filter)
    return pattern


def fork_policy(sub: Subscription) -> dict[str, Any] | None:
    """The SNS filter policy (MessageBody scope) of a fork subscription; the topic carries the envelope."""
    if sub.delivery.type != "fork" or not sub.filter:
        return None
    return {"detail": dict(sub.filter)}


def to_aws_json(document: dict[str, Any]) -> str:
    """Serialise a pattern or policy as AWS takes it: compact, key order kept, `>`/`<` unescaped."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
