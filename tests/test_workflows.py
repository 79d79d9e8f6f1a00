"""The workflows and pre-commit hooks teams copy: valid YAML, and every command they call exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MAKE_TARGETS = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _commands(script: str) -> list[list[str]]:
    """Each shell command in a `run:` script, as words (continuations joined, redirections dropped)."""
    words: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|\|\||;|\|", line):
            tokens = shlex.split(part, comments=True) if part.strip() else []
            if tokens:
                words.append(tokens)
    return words


def _registry_subcommands(script: str) -> list[str]:
    found = []
    for tokens in _commands(script):
        for i, token in enumerate(tokens[:-1]):
            if token == "-m" and tokens[i + 1] == "registry":
                found.append(tokens[i + 2])
        if Path(tokens[0]).name == "eventplane":
            found.append(tokens[1])
    return found


def test_there_are_workflows_to_copy() -> None:
    assert {p.name for p in WORKFLOWS} >= {"contract-gate.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_registry_command_and_make_target_a_workflow_calls_exists(path: Path) -> None:
    workflow = _load(path)
    assert True in workflow or "on" in workflow, "no trigger"  # YAML 1.1 reads the key `on` as True
    scripts = [step["run"] for step in _steps(workflow) if "run" in step]
    called = [sub for script in scripts for sub in _registry_subcommands(script)]
    assert called, f"{path.name} calls no registry command"
    assert set(called) <= set(COMMANDS), f"unknown subcommands: {set(called) - set(COMMANDS)}"
    targets = [t[1] for s in scripts for t in _commands(s) if t[0] == "make" and len(t) > 1]
    assert set(targets) <= MAKE_TARGETS


def test_the_gate_workflow_posts_the_markdown_report_and_fails_when_rejected() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "contract-gate.yml")
    scripts = "\n".join(step.get("run", "") for step in _steps(workflow))
    assert "check --against" in scripts and "--format markdown" in scripts
    assert "gh pr comment" in scripts
    fail = [s for s in _steps(workflow) if "exit 1" in s.get("run", "")]
    assert fail and "exit != '0'" in fail[0]["if"]
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_deploys_use_oidc_and_no_long_lived_keys() -> None:
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    workflow = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    assert workflow["permissions"]["id-token"] == "write"
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    commands = {job["steps"][-1]["with"]["command"] for job in workflow["jobs"].values()}
    assert commands == {"preview", "up"}
    assert workflow["jobs"]["up"]["environment"] == "${{ matrix.stack }}"
    for job in workflow["jobs"].values():
        assert set(job["strategy"]["matrix"]["stack"]) == {p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml")}


def test_pre_commit_hooks_run_the_gate_and_the_linters_from_the_project_venv() -> None:
    config = _load(ROOT / ".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "contract-gate"} <= set(hooks)
    assert _registry_subcommands(hooks["contract-gate"]["entry"]) == ["check"]
    for hook in hooks.values():
        tool = shlex.split(hook["entry"])[0]
        assert tool.startswith(".venv/bin/") and Path(tool).name in {"ruff", "mypy", "python"}


def test_the_package_exposes_the_eventplane_command() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, _, attr = project["scripts"]["eventplane"].partition(":")
    assert (module, attr) == ("registry.cli", "main")
