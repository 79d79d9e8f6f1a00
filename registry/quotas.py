"""AWS quotas as gate findings: one table, counted from the layouts the program declares from.

A registry that passes the contract gate can still fail halfway through
`pulumi up` when a bus holds its 301st rule. So every quota Eventplane can
reach is a row below (AWS's default, whether it can be raised, the page that
says so), usage is counted per rule, topic, bus and account from
`registry.stack_layout` (the grouping `__main__.py` declares its components
from, with the patterns `registry.patterns` builds), and a finding names what
to split or which increase to request. `check` counts every stack beside the
contracts folder; the program counts before it declares anything.

A stack config may record a raised quota (`eventplane:quotas: {rulesPerBus:
500}`); only adjustable quotas can be raised, and a quota is per account and
Region, so the largest value any stack of that account records applies to it.
Scheduled rules are EventBridge rules on the account's default bus (not
EventBridge Scheduler schedules), so they count under rules per bus there,
together with the rules external events' subscriptions put on `default`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from registry.bus_policy import policy_text, producer_statements
from registry.environment import StackSpec, account_of, bus_name, bus_of, load_stacks
from registry.errors import InputError
from registry.findings import Finding, Rule, rule_table
from registry.gate_rules import finding
from registry.model import Registry
from registry.routing.eventbridge import PATTERN_MAX_CHARS
from registry.stack_config import NAMESPACE
from registry.stack_layout import OWN_BUS, StackLayout, environment_layouts

__all__ = ["QUOTAS", "QUOTA_RULES", "Quota", "check_quotas", "quota_findings", "quota_overrides"]

_EVENTBRIDGE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html"
_SNS_FILTERS = "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"
_SNS = "https://docs.aws.amazon.com/general/latest/gr/sns.html"


@dataclass(frozen=True)
class Quota:
    key: str  # the key under `eventplane:quotas`
    rule_id: str  # the finding's rule id
    name: str  # as AWS names it (what to ask for in Service Quotas or a support case)
    service: str
    scope: str  # what one count is over: rule, topic, bus or account (per Region)
    default: int
    adjustable: bool
    source: str  # the AWS page that gives the number
    maximum: int = 0  # the highest value AWS documents granting; 0 = none documented

    def rule(self) -> Rule:
        fix = (
            f"request an increase of {self.service} '{self.name}' (Service Quotas console), "
            f"then record it as `{NAMESPACE}:quotas: {{{self.key}: <granted>}}`"
            if self.adjustable
            else "split the work so no single one exceeds it: this quota cannot be raised"
        )
        return Rule(self.rule_id, f"Checks that every {self.scope} stays within {self.service}'s {self.name}.", fix)


QUOTAS: dict[str, Quota] = {
    q.key: q
    for q in (
        Quota(
            "rulesPerBus",
            "BUS_RULES_OVER_QUOTA",
            "Rules per event bus",
            "Amazon EventBridge",
            "bus",
            300,
            True,
            _EVENTBRIDGE,
        ),
        Quota(
            "targetsPerRule",
            "RULE_TARGETS_OVER_QUOTA",
            "Targets per rule",
            "Amazon EventBridge",
            "rule",
            5,
            False,
            _EVENTBRIDGE,
        ),
        Quota(
            "eventPatternChars",
            "EVENT_PATTERN_OVER_QUOTA",
            "Event pattern size (characters)",
            "Amazon EventBridge",
            "rule",
            PATTERN_MAX_CHARS,
            True,
            _EVENTBRIDGE,
            maximum=4096,
        ),
        Quota(
            "busPolicyChars",
            "BUS_POLICY_OVER_QUOTA",
            "Event bus policy size (characters)",
            "Amazon EventBridge",
            "bus",
            10_240,
            True,
            _EVENTBRIDGE,
        ),
        Quota(
            "subscriptionsPerTopic",
            "TOPIC_SUBSCRIPTIONS_OVER_QUOTA",
            "Subscriptions per standard topic",
            "Amazon SNS",
            "topic",
            12_500_000,
            False,
            _SNS,
        ),
        Quota(
            "filterPoliciesPerTopic",
            "TOPIC_FILTER_POLICIES_OVER_QUOTA",
            "Filter policies per topic",
            "Amazon SNS",
            "topic",
            200,
            True,
            _SNS_FILTERS,
        ),
        Quota(
            "filterPoliciesPerAccount",
            "ACCOUNT_FILTER_POLICIES_OVER_QUOTA",
            "Filter policies per account",
            "Amazon SNS",
            "account",
            10_000,
            True,
            _SNS_FILTERS,
        ),
        Quota(
            "apiDestinationsPerAccount",
            "API_DESTINATIONS_OVER_QUOTA",
            "API destinations",
            "Amazon EventBridge",
            "account",
            3000,
            True,
            _EVENTBRIDGE,
        ),
        Quota(
            "connectionsPerAccount",
            "CONNECTIONS_OVER_QUOTA",
            "Connections",
            "Amazon EventBridge",
            "account",
            3000,
            True,
            _EVENTBRIDGE,
        ),
    )
}

QUOTA_RULES: dict[str, Rule] = rule_table(q.rule() for q in QUOTAS.values())


def quota_overrides(spec: StackSpec) -> dict[str, int]:
    """The stack's recorded raised quotas, validated: known, adjustable, a whole number above the default."""
    source, pointer = spec.org.source, f"/config/{NAMESPACE}:quotas"
    values: dict[str, int] = {}
    for key, value in sorted(spec.org.quotas.items()):
        quota = QUOTAS.get(key)
        if quota is None:
            raise InputError(
                source, f"unknown quota {key!r}", pointer=f"{pointer}/{key}", hint=f"use one of {', '.join(QUOTAS)}"
            )
        if not quota.adjustable:
            raise InputError(
                source,
                f"{quota.service} '{quota.name}' ({quota.default}) cannot be raised",
                pointer=f"{pointer}/{key}",
                hint=f"remove it; see {quota.source}",
            )
        granted = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        top = quota.maximum or 10**12
        if isinstance(granted, bool) or not isinstance(granted, int) or not quota.default <= granted <= top:
            raise InputError(
                source,
                f"expected the granted quota as a whole number in {quota.default}..{top}, got {value!r}",
                pointer=f"{pointer}/{key}",
                hint=f"write the value Service Quotas shows for '{quota.name}' in this account and Region",
            )
        values[key] = granted
    return values


@dataclass(frozen=True)
class _Breach:
    finding: Finding
    stacks: frozenset[str]  # the stacks whose resources are counted in it


def quota_findings(
    registry: Registry,
    specs: list[StackSpec],
    stack: str | None = None,
    *,
    layouts: Mapping[str, StackLayout] | None = None,
) -> list[Finding]:
    """Quota findings over `specs` (every stack of the project); with `stack`, only those it contributes to.

    `layouts` defaults to `environment_layouts(registry, specs)`, what the program declares from."""
    layouts = environment_layouts(registry, specs) if layouts is None else layouts
    breaches = list(_breaches(specs, layouts))
    return [b.finding for b in breaches if stack is None or stack in b.stacks]


def check_quotas(registry: Registry, stack_root: Path) -> list[Finding]:
    """What `check` adds: quota findings over every `Pulumi.<stack>.yaml` in `stack_root` (beside the contracts).

    A stack file this cannot read is a finding (as `deploy_checks.stacks_findings` reports it), not a crash."""
    try:
        specs = load_stacks(stack_root)
        return quota_findings(registry, specs) if specs else []
    except InputError as exc:
        return [finding("STACK_CONFIG_INVALID", exc.file, exc.pointer, exc.message, hint=exc.hint or "")]


def _limits(specs: list[StackSpec]) -> dict[str, dict[str, int]]:
    """Per account: every quota's value there (the largest any of its stacks records, else AWS's default)."""
    limits: dict[str, dict[str, int]] = {}
    for spec in specs:
        account = limits.setdefault(account_of(specs, spec), {k: q.default for k, q in QUOTAS.items()})
        for key, value in quota_overrides(spec).items():
            account[key] = max(account[key], value)
    return limits


@dataclass(frozen=True)
class _Count:
    """One thing AWS counts against one quota: how many, whose, where to fix it, and how to split it."""

    key: str
    used: int
    stacks: frozenset[str]
    file: str
    pointer: str
    what: str
    split: str


def _breaches(specs: list[StackSpec], layouts: Mapping[str, StackLayout]) -> Iterable[_Breach]:
    limits = _limits(specs)
    by_name = {s.name: s for s in specs}
    for account, count in _counts(specs, layouts, by_name):
        quota, limit = QUOTAS[count.key], limits[account][count.key]
        if count.used > limit:
            yield _Breach(_finding(quota, limit, count), count.stacks)


def _counts(
    specs: list[StackSpec], layouts: Mapping[str, StackLayout], by_name: Mapping[str, StackSpec]
) -> Iterable[tuple[str, _Count]]:
    """(account, count) for every rule, topic, bus and account the layouts use."""
    buses: dict[tuple[str, str, str], list[tuple[str, str]]] = {}  # (account, region, bus) -> [(stack, owner)]
    per_account: dict[tuple[str, str], dict[str, list[str]]] = {}  # (account, region) -> quota key -> stacks
    for name, layout in layouts.items():
        spec = by_name[name]
        account, mine = account_of(specs, spec), frozenset({name})
        for rule in layout.rules:
            bus = bus_of(specs, spec) if rule.bus == OWN_BUS else f"{rule.bus} (account {account})"
            buses.setdefault((account, spec.region, bus), []).append((name, rule.owner))
            yield (
                account,
                _Count(
                    "targetsPerRule",
                    rule.targets,
                    mine,
                    rule.file,
                    rule.pointer,
                    f"rule of {rule.owner} has {rule.targets} targets",
                    "give each extra target its own rule with the same pattern",
                ),
            )
            if rule.pattern is not None:
                yield (
                    account,
                    _Count(
                        "eventPatternChars",
                        len(rule.pattern),
                        mine,
                        rule.file,
                        rule.pointer,
                        f"event pattern of {rule.owner} is {len(rule.pattern)} characters",
                        "shorten the pattern (fewer values, shorter prefixes) or split it over several rules",
                    ),
                )
        for topic in layout.topics:
            where = topic.subscriptions[0]
            yield (
                account,
                _Count(
                    "subscriptionsPerTopic",
                    len(topic.subscriptions),
                    mine,
                    where.file,
                    where.pointer,
                    f"fork topic of {topic.event} has {len(topic.subscriptions)} subscriptions in stack {name}",
                    "move some fork subscriptions to `queue` deliveries (a rule each)",
                ),
            )
            yield (
                account,
                _Count(
                    "filterPoliciesPerTopic",
                    topic.filter_policies,
                    mine,
                    where.file,
                    where.pointer,
                    f"fork topic of {topic.event} has {topic.filter_policies} filter policies in stack {name}",
                    "move filtered fork subscriptions to `queue` deliveries, whose filter is the rule's pattern, "
                    "or to a domain stack (its own topic)",
                ),
            )
        if spec.org.owns_bus and spec.org.producers.any:
            arn = f"arn:aws:events:{spec.region}:{spec.org.account_id or '0' * 12}:event-bus/{bus_name(spec.config.name_prefix)}"
            size = len(policy_text(producer_statements(spec.org.producers, arn)))
            yield (
                account,
                _Count(
                    "busPolicyChars",
                    size,
                    mine,
                    spec.org.source,
                    f"/config/{NAMESPACE}:producers",
                    f"the policy of bus {bus_of(specs, spec)} admitting producers would be {size} characters",
                    "admit the producers by `organizationId` instead of listing their accounts",
                ),
            )
        counts = per_account.setdefault((account, spec.region), {})
        counts.setdefault("filterPoliciesPerAccount", []).extend([name] * sum(t.filter_policies for t in layout.topics))
        counts.setdefault("apiDestinationsPerAccount", []).extend([name] * len(layout.api_destinations))
        counts.setdefault("connectionsPerAccount", []).extend([name] * len(layout.api_destinations))
    for (account, region, bus), owners in sorted(buses.items()):
        yield account, _bus_count(by_name, region, bus, owners)
    for (account, region), per_key in sorted(per_account.items()):
        for key, stacks in sorted(per_key.items()):
            if stacks:
                yield (
                    account,
                    _Count(
                        key,
                        len(stacks),
                        frozenset(stacks),
                        by_name[min(stacks)].org.source,
                        f"/config/{NAMESPACE}:quotas/{key}",
                        f"account {account} in {region} would hold {len(stacks)} ({_tally(stacks)})",
                        "deploy some of these stacks' teams from another account",
                    ),
                )


def _bus_count(by_name: Mapping[str, StackSpec], region: str, bus: str, owners: list[tuple[str, str]]) -> _Count:
    """The rules on one bus, with the teams (or other owners) holding most of them: what to move."""
    stacks = sorted({stack for stack, _ in owners})
    teams: dict[str, int] = {}
    for _stack, owner in owners:
        team = owner.split(".", 1)[0] if " " not in owner else owner.split(" ", 1)[0]
        teams[team] = teams.get(team, 0) + 1
    biggest = sorted(teams.items(), key=lambda item: (-item[1], item[0]))[:5]
    return _Count(
        "rulesPerBus",
        len(owners),
        frozenset(stacks),
        by_name[stacks[0]].org.source,
        f"/config/{NAMESPACE}:quotas/rulesPerBus",
        f"bus {bus} in {region} would hold {len(owners)} rules (" + ", ".join(f"{t} {n}" for t, n in biggest) + ")",
        "move teams to a domain stack in another account: their rules then sit on that account's bus, "
        "and the core bus keeps one forwarding rule per event they read",
    )


def _finding(quota: Quota, limit: int, count: _Count) -> Finding:
    raised = "" if limit == quota.default else f" (raised from AWS's default {quota.default})"
    message = f"{count.what}: over {quota.service}'s '{quota.name}' quota of {limit}{raised}; source: {quota.source}"
    if quota.adjustable and quota.maximum and count.used > quota.maximum:
        hint = (
            f"{count.split} (AWS raises this quota to {quota.maximum} at most: an increase cannot cover {count.used})"
        )
    elif quota.adjustable:
        hint = (
            f"{count.split}; or request an increase of {quota.service} '{quota.name}' to at least {count.used} "
            f"and record it as `{NAMESPACE}:quotas: {{{quota.key}: {count.used}}}` in the stack config of that account"
        )
    else:
        hint = f"{count.split} (this quota cannot be raised)"
    return QUOTA_RULES[quota.rule_id].finding(count.file, count.pointer, message, old=limit, new=count.used, hint=hint)


def _tally(stacks: list[str]) -> str:
    counts: dict[str, int] = {}
    for stack in stacks:
        counts[stack] = counts.get(stack, 0) + 1
    return ", ".join(f"stack {s} {n}" for s, n in sorted(counts.items()))
