"""The gate: every check that can reject a change, in one place.

`python -m registry check` (the PR gate) and `__main__.py` (before `pulumi up`
declares anything) both call `run_gate`, so a PR that passes review cannot
fail differently at deploy time.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from registry import strict
from registry.compat.check import PairVerdict, compare_history, gc_paused
from registry.compat.semantic import Cache, Semantic, default_cache_dir
from registry.correction import Corrected, judge_corrections
from registry.deploy_checks import delivery_findings, stacks_findings
from registry.errors import UsageError
from registry.evidence import check_evidence, read_evidence
from registry.findings import Finding, Report
from registry.gate_rules import finding
from registry.loader import LOCK_FILE_NAME, RegistryInvalid, fingerprint, load_with_findings
from registry.mode_changes import mode_findings
from registry.model import Registry, SchemaVersion, Subscription
from registry.quotas import check_quotas
from registry.reads import check_reads, spare_unread
from registry.routing.contract_checks import check_subscription
from registry.routing.deliveries import SubscriptionRoutes

__all__ = [
    "Baseline",
    "GateResult",
    "baseline_from_git",
    "check_deployed",
    "checkout_to",
    "default_semantic",
    "evaluate",
    "run_gate",
    "version_key",
    "versions_by_key",
]


def version_key(event_key: str, number: int) -> str:
    return f"{event_key}/v{number}"


@dataclass(frozen=True)
class Baseline:
    """What a change is compared with: the base branch's versions and lock."""

    ref: str
    fingerprints: Mapping[str, str]  # version key -> fingerprint of the file on the base ref
    lock: Mapping[str, str]
    modes: Mapping[str, str] = field(default_factory=dict)  # event key -> compatibility on the base ref


def run_gate(
    registry: Registry,
    *,
    deployed: Mapping[str, str] | None = None,
    baseline: Baseline | None = None,
    semantic: Semantic | None = None,
    subscriptions: Callable[[Subscription], bool] | None = None,
) -> Report:
    """Every finding against a loaded (valid) registry; `report.ok` decides (`semantic`: counterexamples too).

    `subscriptions` limits the filter checks to the subscriptions it accepts (a domain stack's program
    re-checks only what it deploys); None checks every one, as `check` does."""
    current = versions_by_key(registry)
    report = Report()
    report.extend(_immutability(registry, current))
    if baseline is not None:
        report.extend(_against_baseline(registry, current, baseline))
    if deployed:
        report.extend(check_deployed(registry, deployed))
    evidence = read_evidence(registry)  # producers' real events: the latest version must accept them
    report.extend(check_evidence(registry, evidence))
    # A correction is news in the change that adds it: against a base branch, what the base has; else the lock.
    news_base = set(baseline.lock) | set(baseline.fingerprints) if baseline else set(registry.lock)
    correction_findings, corrected = judge_corrections(registry, evidence, news_base)
    report.extend(correction_findings)
    findings, verdicts = _compatibility(registry, baseline, corrected, semantic)
    report.extend(findings)
    report.verdicts.extend(v.to_json() for v in verdicts)
    published = set(registry.lock) | set(baseline.fingerprints if baseline else ())
    report.extend(mode_findings(registry, registry.lock_modes, "the lock", published))
    if baseline is not None:
        report.extend(mode_findings(registry, baseline.modes, baseline.ref, published))
    checked = [s for s in registry.subscriptions if subscriptions is None or subscriptions(s)]
    routes = SubscriptionRoutes(checked, registry.events)  # one machine for every expectation checked here
    for sub in checked:
        report.extend(check_subscription(sub, registry.events[sub.event], routes))
        report.extend(delivery_findings(sub))
        report.extend(check_reads(sub, registry.events[sub.event]))
    return report


def _lock_file(registry: Registry) -> str:
    return str(Path(registry.root) / LOCK_FILE_NAME)


def _immutability(registry: Registry, current: Mapping[str, SchemaVersion]) -> list[Finding]:
    findings: list[Finding] = []
    for key, locked in sorted(registry.lock.items()):
        version = current.get(key)
        if version is None:
            findings.append(
                finding(
                    "PUBLISHED_VERSION_DELETED",
                    _lock_file(registry),
                    f"/published/{key.replace('/', '~1')}",
                    f"published version {key} no longer exists",
                    old=locked,
                    new=None,
                )
            )
        elif version.fingerprint != locked:
            findings.append(
                finding(
                    "PUBLISHED_VERSION_EDITED",
                    version.path,
                    "",
                    f"published version {key} was edited in place (its hash differs from {LOCK_FILE_NAME})",
                    old=locked,
                    new=version.fingerprint,
                )
            )
    for key, version in sorted(current.items()):
        if key not in registry.lock:
            findings.append(finding("VERSION_UNLOCKED", version.path, "", f"{key} is new and not yet locked"))
    return findings


def _against_baseline(registry: Registry, current: Mapping[str, SchemaVersion], baseline: Baseline) -> list[Finding]:
    """A version that exists on the base branch is published, locked or not; so is its lock entry."""
    findings: list[Finding] = []
    for key in sorted(set(baseline.lock) - set(registry.lock)):
        findings.append(
            finding(
                "LOCK_ENTRY_REMOVED",
                _lock_file(registry),
                "/published",
                f"{key} was locked on {baseline.ref} and is no longer",
                old=key,
                new=None,
            )
        )
    for key in sorted(set(baseline.lock) | set(baseline.fingerprints)):
        before = baseline.lock.get(key) or baseline.fingerprints[key]
        version = current.get(key)
        reported_by_lock = key in registry.lock and (version is None or registry.lock[key] != version.fingerprint)
        if reported_by_lock:
            continue
        if version is None:
            findings.append(
                finding(
                    "PUBLISHED_VERSION_DELETED",
                    _lock_file(registry),
                    "",
                    f"{key} exists on {baseline.ref} and was deleted",
                    old=before,
                    new=None,
                )
            )
        elif version.fingerprint != before:
            findings.append(
                finding(
                    "PUBLISHED_VERSION_EDITED",
                    version.path,
                    "",
                    f"{key} differs from {baseline.ref} (its lock entry too)",
                    old=before,
                    new=version.fingerprint,
                )
            )
    return findings


def versions_by_key(registry: Registry) -> dict[str, SchemaVersion]:
    """Every version by its lock key, `<domain>/<Event>/v<N>`."""
    return {version_key(e.key, v.number): v for e in registry.events.values() for v in e.versions}


def check_deployed(registry: Registry, deployed: Mapping[str, str]) -> list[Finding]:
    """What the stack last deployed must still be there, unchanged (the program's second gate)."""
    current = versions_by_key(registry)
    findings: list[Finding] = []
    for key, live in sorted(deployed.items()):
        version = current.get(key)
        if version is None:
            findings.append(
                finding(
                    "DEPLOYED_VERSION_REMOVED",
                    _lock_file(registry),
                    "",
                    f"{key} is live on this stack and was removed",
                    old=live,
                    new=None,
                )
            )
        elif version.fingerprint != live:
            findings.append(
                finding(
                    "DEPLOYED_VERSION_CHANGED",
                    version.path,
                    "",
                    f"{key} differs from what this stack runs",
                    old=live,
                    new=version.fingerprint,
                )
            )
    return findings


def _compatibility(
    registry: Registry, baseline: Baseline | None, corrected: Corrected, semantic: Semantic | None
) -> tuple[list[Finding], list[PairVerdict]]:
    """Each version not yet published, checked against its history under the event's mode.

    A proven correction's corrected versions are left out of its history (registry.correction).
    """
    published = set(registry.lock) | set(baseline.fingerprints if baseline else ())
    findings: list[Finding] = []
    verdicts: list[PairVerdict] = []
    with gc_paused():  # one collector pass after the whole registry, not one per history
        for event in registry.events.values():
            for version in event.versions[1:]:
                if version_key(event.key, version.number) in published:
                    continue
                skipped = corrected.get((event.key, version.number), frozenset())
                history = [(v.path, v.schema) for v in event.versions[: version.number] if v.number not in skipped]
                found, judged = compare_history(history, event.compatibility, semantic=semantic)
                findings.extend(spare_unread(registry.subscriptions_of(event.key), found))
                verdicts.extend(judged)
    return findings, verdicts


def default_semantic() -> Semantic:
    """The semantic layer as `check`, `lock` and the program run it: default budget, cache under build/."""
    return Semantic(cache=Cache(default_cache_dir()))


def baseline_from_git(ref: str, contracts_dir: Path) -> Baseline:
    """The versions and lock of `contracts_dir` as they are on git `ref` (e.g. origin/main)."""
    contracts_dir = contracts_dir.resolve()
    top = verify_ref(ref, contracts_dir)
    relative = contracts_dir.relative_to(top).as_posix()
    try:
        archive = _git(top, "archive", "--format=tar", ref, "--", relative)
    except subprocess.CalledProcessError:
        return Baseline(ref=ref, fingerprints={}, lock={})  # the contracts folder is new on this branch
    fingerprints: dict[str, str] = {}
    lock: dict[str, str] = {}
    modes: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).relative_to(relative).parts
            data = tar.extractfile(member)
            if data is None:
                continue
            try:
                document = strict.loads(data.read().decode("utf-8"))
            except ValueError:
                continue  # a file broken on the base branch cannot be compared; the head is checked in full
            if parts == (LOCK_FILE_NAME,) and isinstance(document, dict):
                lock = dict(document.get("published", {}))
            elif len(parts) == 4 and parts[0] == "events" and parts[3] == "event.json" and isinstance(document, dict):
                modes[f"{parts[1]}/{parts[2]}"] = str(document.get("compatibility", "FORWARD_TRANSITIVE"))
            elif len(parts) == 4 and parts[0] == "events" and parts[3].startswith("v") and parts[3].endswith(".json"):
                fingerprints[f"{parts[1]}/{parts[2]}/{parts[3][:-5]}"] = fingerprint(document)
    return Baseline(ref=ref, fingerprints=fingerprints, lock=lock, modes=modes)


def verify_ref(ref: str, contracts_dir: Path) -> Path:
    """The top of the git work tree holding `contracts_dir`; UsageError when `ref` is no commit there."""
    contracts_dir = contracts_dir.resolve()
    try:
        top = Path(_git(contracts_dir, "rev-parse", "--show-toplevel").decode().strip())
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError as exc:
        raise UsageError(
            f"cannot read git ref {ref!r} in {contracts_dir}: {exc.stderr.decode().strip() or 'unknown revision'}"
        ) from exc
    return top


def _git(cwd: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout


def checkout_to(ref: str, contracts_dir: Path) -> Path:
    """Extract `contracts_dir` as of `ref` into a temp dir (for reports that need the base registry)."""
    contracts_dir = contracts_dir.resolve()
    top = Path(_git(contracts_dir, "rev-parse", "--show-toplevel").decode().strip())
    relative = contracts_dir.relative_to(top).as_posix()
    target = Path(tempfile.mkdtemp(prefix="eventplane-base-"))
    archive = _git(top, "archive", "--format=tar", ref, "--", relative)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / relative


@dataclass(frozen=True)
class GateResult:
    registry: Registry | None  # None when the files themselves are invalid
    report: Report
    exit_code: int  # 0 ok, 1 rejected, 2 unreadable input


def evaluate(
    contracts_dir: Path,
    *,
    against: str | None = None,
    deployed: Mapping[str, str] | None = None,
    subscriptions: Callable[[Subscription], bool] | None = None,
    stack_root: Path | None = None,
    semantic: bool = True,
) -> GateResult:
    """Load, then gate: the one entry point of `check`, `lock` and the PR report.

    With `stack_root`, the stacks there that deploy these contracts are checked too, AWS quotas
    included (the program checks only its own stack, as it deploys it). `semantic=False`: compatibility by
    rules only.
    """
    registry, load_findings = load_with_findings(contracts_dir)
    loaded = Report(load_findings)
    if not loaded.ok:
        return GateResult(None, loaded, RegistryInvalid(loaded).exit_code)
    baseline = baseline_from_git(against, contracts_dir) if against else None
    report = run_gate(
        registry,
        deployed=deployed,
        baseline=baseline,
        semantic=default_semantic() if semantic else None,
        subscriptions=subscriptions,
    )
    if stack_root is not None:
        report.extend(stacks_findings(registry, stack_root))
        report.extend(check_quotas(registry, stack_root))
    report.extend(load_findings)
    return GateResult(registry, report, 0 if report.ok else 1)
