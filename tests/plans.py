"""The real stacks' offline plans, computed once per test process and shared by the test modules that read them.

A plan of the real program costs seconds; the modules that only read one (the program's audit, the event
log, the dashboards, the global endpoint) share it instead of each planning again. Plans are read-only.
"""

from __future__ import annotations

import functools
from pathlib import Path

from registry.offline_plan import Plan, plan_stack

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def planned(stack: str) -> Plan:
    return plan_stack(stack, ROOT)
