"""Pulumi ComponentResources built from the contract model, one a file.

Every component registers the type token `eventplane:index:<ClassName>` (pinned
by tests: the token is in every child URN, so changing it replaces resources).
"""

from __future__ import annotations

import pulumi

from registry.findings import Report

__all__ = ["TOKEN_PREFIX", "GateRejected"]

TOKEN_PREFIX = "eventplane:index:"


class GateRejected(pulumi.RunError):
    """The gate refused the registry; raised before any resource is declared, carries the Report."""

    def __init__(self, report: Report, title: str) -> None:
        self.report = report
        super().__init__(report.render(title))
