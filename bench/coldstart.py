"""Cold start: importing the metrics handler with pre-generated validators vs compiling schemas at import.

Each measurement is a fresh Python process (as a Lambda cold start is), timing
from before `import metrics.handler` until every contract version the bundle
carries is ready to validate. Ours imports the generated validator modules;
the alternative imports the same handler and calls `fastjsonschema.compile`
on each schema read from the contracts. Interpreter start-up is the same for
both and left out. Runs alternate; the best of each is reported
(noise from a shared machine only ever adds time), medians alongside. Children write no
bytecode, as on Lambda's read-only /var/task: both import the handler from the
.pyc files the bundle ships; ours also finds its validators' .pyc there.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from registry.bundle import build_metrics_bundle, metrics_contracts  # noqa: E402
from registry.loader import load_registry  # noqa: E402

RUNS = 15

OURS = """
import importlib, sys, time
sys.path.insert(0, {site!r})
start = time.perf_counter()
import metrics.handler
from metrics.events import bundled_contracts
for contract in bundled_contracts().values():
    for module in contract["versions"].values():
        importlib.import_module("metrics.validators." + module).validate
print((time.perf_counter() - start) * 1000)
"""

COMPILE = """
import json, sys, time
sys.path.insert(0, {site!r})
start = time.perf_counter()
import metrics.handler
import fastjsonschema
validators = [fastjsonschema.compile(json.loads(open(path).read())) for path in {paths!r}]
print((time.perf_counter() - start) * 1000)
"""


def run(code: str) -> float:
    # As on Lambda's read-only /var/task: only the bytecode the bundle ships, none written at run time.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/", env=env)
    return float(out.stdout.strip())


def main() -> None:
    contracts = metrics_contracts(load_registry(REPO / "contracts"))
    paths = [str(REPO / v.path) for c in contracts for v in c.versions]
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        zipfile.ZipFile(build_metrics_bundle(REPO / "contracts", Path(tmp) / "out")).extractall(site)
        ours_code, compile_code = OURS.format(site=str(site)), COMPILE.format(site=str(site), paths=paths)
        run(ours_code), run(compile_code)  # warm the OS file cache for both
        ours, compiled = [], []
        for _ in range(RUNS):
            ours.append(run(ours_code))
            compiled.append(run(compile_code))
    ours_ms, compile_ms = min(ours), min(compiled)
    print(f"schemas={len(paths)} runs={RUNS} ours_median_ms={statistics.median(ours):.1f} "
          f"compile_median_ms={statistics.median(compiled):.1f}")
    print(f"BENCH coldstart ours_ms={ours_ms:.1f} compile_ms={compile_ms:.1f} ratio={compile_ms / ours_ms:.2f}")


if __name__ == "__main__":
    main()
