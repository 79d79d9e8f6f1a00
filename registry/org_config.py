"""Organisation-scale stack config: which part of an environment a stack deploys, in which account.

Pure (no pulumi), read from the same flat `{"eventplane:<key>": value}` map as
`registry.stack_config`, so `check`, the offline plan and the program agree.
Kept apart from `stack_config.py` because it describes how stacks relate to
each other, not what one stack's resources look like.

Keys (all optional; a stack without them is today's single stack, role `all`):
- `eventplane:role`: `all` (bus and every subscription), `core` (the bus,
  archive, schema registry, shared key, producer access and forwarding to
  consumer accounts; no subscriptions) or `domain` (its teams' subscriptions).
- `eventplane:core`: a domain stack's core stack name (same project); the
  domain reads it through a StackReference.
- `eventplane:teams`: the subscription files (teams) a domain stack deploys.
- `eventplane:accountId`: the 12-digit AWS account the stack deploys into.
- `eventplane:producers`: who may PutEvents on a core bus from other accounts:
  `{organizationId: o-...}` and/or `{accounts: ["111122223333", ...]}`.
- `eventplane:quotas`: raised AWS quotas, `{<key>: <number>}` (see `registry.quotas`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.stack_config import _Reader  # one reader: same pointers and messages as the rest of the config

__all__ = ["ORG_KEYS", "ROLES", "OrgConfig", "Producers", "parse_org_config"]

ORG_KEYS = ("role", "core", "teams", "accountId", "producers", "quotas")
ROLES = ("all", "core", "domain")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ORG_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
_STACK_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_TEAM_RE = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Producers:
    """Principals outside the core account allowed to put events on the core bus (never everyone)."""

    organization_id: str = ""
    accounts: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.organization_id or self.accounts)


@dataclass(frozen=True)
class OrgConfig:
    stack: str
    source: str
    role: str  # one of ROLES
    core: str  # the core stack of this stack's environment (itself unless a domain)
    teams: tuple[str, ...] | None  # domain: the teams it deploys; None = every team
    account_id: str  # "" when not configured
    producers: Producers = field(default_factory=Producers)
    quotas: Mapping[str, Any] = field(default_factory=dict)  # raw; validated by registry.quotas

    @property
    def environment(self) -> str:
        """Stacks sharing one bus share one environment, named after the core stack."""
        return self.core

    @property
    def owns_bus(self) -> bool:
        return self.role in ("all", "core")

    @property
    def deploys_subscriptions(self) -> bool:
        return self.role in ("all", "domain")

    def deploys_team(self, team: str) -> bool:
        return self.deploys_subscriptions and (self.teams is None or team in self.teams)


def parse_org_config(values: Mapping[str, Any], *, stack: str, source: str) -> OrgConfig:
    """Validate the organisation keys; every failure names the file, `/config/<key>` and the fix."""
    p = _Reader(values, source)
    role = p.raw("role") or "all"
    if role not in ROLES:
        p.fail("role", f"unknown role {role!r}", f"use one of {', '.join(ROLES)}")
    core = p.raw("core")
    if role == "domain":
        if not isinstance(core, str) or not _STACK_RE.match(core):
            p.fail("core", "a domain stack must name its core stack", "add `eventplane:core: <core stack name>`")
        if core == stack:
            p.fail("core", "a domain stack cannot be its own core", "name the stack whose role is core")
    elif core is not None:
        p.fail("core", f"only a domain stack names a core stack (this one is {role})", "remove `eventplane:core`")
    teams = p.raw("teams")
    if teams is not None:
        if role != "domain":
            p.fail("teams", f"only a domain stack lists teams (this one is {role})", "remove `eventplane:teams`")
        if not isinstance(teams, list) or not teams or not all(isinstance(t, str) and _TEAM_RE.match(t) for t in teams):
            p.fail(
                "teams",
                f"expected a list of team names, got {teams!r}",
                "list teams as in contracts/subscriptions/<team>.json",
            )
    elif role == "domain":
        p.fail("teams", "a domain stack must say which teams it deploys", "add `eventplane:teams: [team-a, ...]`")
    account = p.raw("accountId")
    if account is not None:
        account = str(account)
        if not _ACCOUNT_RE.match(account):
            p.fail(
                "accountId",
                f"not a 12-digit AWS account id: {account!r}",
                'quote it: `eventplane:accountId: "111122223333"`',
            )
    return OrgConfig(
        stack=stack,
        source=source,
        role=role,
        core=core if role == "domain" else stack,
        teams=tuple(teams) if teams is not None else None,
        account_id=account or "",
        producers=_producers(p, p.mapping("producers", None), role),
        quotas=dict(p.mapping("quotas", {})),
    )


def _producers(p: _Reader, spec: Any, role: str) -> Producers:
    if spec is None:
        return Producers()
    if role == "domain":
        p.fail(
            "producers", "producers put events on the core bus", "move `eventplane:producers` to the core stack's file"
        )
    unknown = sorted(set(spec) - {"organizationId", "accounts"})
    if unknown:
        p.fail(f"producers/{unknown[0]}", "unknown key", "use `organizationId: o-...` and/or `accounts: [...]`")
    org = spec.get("organizationId", "")
    if org and (not isinstance(org, str) or not _ORG_RE.match(org)):
        p.fail(
            "producers/organizationId", f"not an AWS Organizations id: {org!r}", "e.g. `organizationId: o-a1b2c3d4e5`"
        )
    accounts = spec.get("accounts", [])
    if not isinstance(accounts, list) or not all(_ACCOUNT_RE.match(str(a)) for a in accounts):
        p.fail("producers/accounts", f"expected a list of 12-digit account ids, got {accounts!r}", "quote each id")
    if not org and not accounts:
        p.fail(
            "producers",
            "no producer named",
            "give `organizationId` or `accounts`; Eventplane never opens a bus to every account",
        )
    return Producers(organization_id=org, accounts=tuple(sorted(str(a) for a in accounts)))
