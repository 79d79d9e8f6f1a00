"""Every stack of a project, and how they group into environments and accounts.

A stack is a `Pulumi.<stack>.yaml` beside the contracts folder. Stacks that
share a bus form an environment (a core stack and its domain stacks; a stack
of role `all` is an environment of one). Quotas are counted per bus and per
account over these groups, and the core stack forwards to the domain stacks
that live in other accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry.errors import InputError
from registry.org_config import OrgConfig, parse_org_config
from registry.stack_config import NAMESPACE, StackConfig, known_stacks, parse_stack_config, read_stack_file, stack_file

__all__ = [
    "StackSpec",
    "account_of",
    "bus_name",
    "bus_of",
    "core_of",
    "environment_of",
    "forwarder_role_name",
    "is_cross_account",
    "load_spec",
    "load_stacks",
    "related_stacks",
]


@dataclass(frozen=True)
class StackSpec:
    config: StackConfig
    org: OrgConfig

    @property
    def name(self) -> str:
        return self.config.stack

    @property
    def account(self) -> str:
        """The account id, or a stand-in per environment when the config does not say (never shared by guess)."""
        return self.org.account_id or f"(account of environment {self.org.environment})"

    @property
    def region(self) -> str:
        return self.config.region


def load_spec(root: Path, stack: str) -> StackSpec:
    path = stack_file(root, stack)
    values = read_stack_file(path)
    return StackSpec(
        parse_stack_config(values, stack=stack, source=path.name),
        parse_org_config(values, stack=stack, source=path.name),
    )


def load_stacks(root: Path) -> list[StackSpec]:
    """Every stack beside `root/contracts`, validated, with each domain's core checked to exist and be a core."""
    specs = [load_spec(root, name) for name in known_stacks(root)]
    by_name = {s.name: s for s in specs}
    for spec in specs:
        if spec.org.role != "domain":
            continue
        core = by_name.get(spec.org.core)
        if core is None or core.org.role != "core":
            raise InputError(
                spec.org.source,
                f"core stack {spec.org.core!r} "
                + ("does not exist" if core is None else f"has role {core.org.role}, not core"),
                pointer=f"/config/{NAMESPACE}:core",
                hint="name a stack whose Pulumi.<stack>.yaml sets `eventplane:role: core`",
            )
        if spec.org.account_id and spec.org.account_id != core.org.account_id and not core.org.account_id:
            raise InputError(
                core.org.source,
                f"domain stack {spec.name} deploys into account {spec.org.account_id}, and this core names no account",
                pointer=f"/config/{NAMESPACE}:accountId",
                hint="add `eventplane:accountId: \"<12 digits>\"`: the domain's bus policy admits the core's account",
            )
        if core.region != spec.region:
            raise InputError(
                spec.org.source,
                f"region {spec.region} differs from its core stack's ({core.region})",
                pointer="/config/aws:region",
                hint="a domain stack's rules sit on the core bus (or receive from it): use the core's region",
            )
    return specs


def environment_of(specs: list[StackSpec], stack: str) -> list[StackSpec]:
    """The stacks sharing `stack`'s bus: its core and every domain of that core."""
    mine = next(s for s in specs if s.name == stack)
    return [s for s in specs if s.org.environment == mine.org.environment]


def core_of(specs: list[StackSpec], spec: StackSpec) -> StackSpec:
    """The stack owning `spec`'s environment bus (itself for a core or `all` stack, or when its core is unknown)."""
    return next((s for s in specs if s.name == spec.org.environment), spec)


def account_of(specs: list[StackSpec], spec: StackSpec) -> str:
    """Where `spec` deploys: its accountId; a domain without one deploys into its core's account."""
    if spec.org.account_id or spec.org.role != "domain":
        return spec.account
    return core_of(specs, spec).account


def is_cross_account(specs: list[StackSpec], spec: StackSpec) -> bool:
    """A domain stack in another account than its core: it receives on its own bus, forwarded by the core."""
    return spec.org.role == "domain" and account_of(specs, spec) != account_of(specs, core_of(specs, spec))


def bus_of(specs: list[StackSpec], spec: StackSpec) -> str:
    """A readable identity of the bus `spec`'s own rules sit on, for messages and per-bus counting."""
    if is_cross_account(specs, spec):
        return f"{bus_name(spec.config.name_prefix)} (domain stack {spec.name}, account {account_of(specs, spec)})"
    core = core_of(specs, spec)
    return f"{bus_name(core.config.name_prefix)} (stack {core.name}, account {account_of(specs, core)})"


def bus_name(prefix: str) -> str:
    """The physical name of the bus a stack with `prefix` creates (a core's, or a cross-account domain's)."""
    return f"{prefix}-bus"


def forwarder_role_name(core: StackSpec, domain: StackSpec) -> str:
    """The core's role that puts forwarded events on `domain`'s bus: both stacks name it, neither reads the other."""
    return f"{core.config.name_prefix}-fwd-{domain.config.name_prefix}"


def related_stacks(specs: list[StackSpec], stack: str) -> list[StackSpec]:
    """What a stack's quotas and forwarding depend on: its environment, and every stack in the same account."""
    mine = next(s for s in specs if s.name == stack)
    env, account = mine.org.environment, account_of(specs, mine)
    return [s for s in specs if s.org.environment == env or account_of(specs, s) == account]
