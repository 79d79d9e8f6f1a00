"""The name of a flow's CloudWatch dashboard: one per team (a catalog flow), per stack.

Kept apart from `components/dashboard.py` (which builds the bodies and imports
pulumi) so the catalog can link each flow to its dashboard without Pulumi.
"""

from __future__ import annotations

__all__ = ["CONSOLE_URL", "dashboard_name"]

# Dashboards are not regional: one console address serves every region's widgets.
CONSOLE_URL = "https://console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/{name}"


def dashboard_name(prefix: str, team: str) -> str:
    """`<namePrefix>-flow-<team>`: within CloudWatch's 255 characters and [A-Za-z0-9_-] (prefix and team are)."""
    return f"{prefix}-flow-{team}"
