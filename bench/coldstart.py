"""Cold start of the metrics handler with every contract present: generated validators vs compiling at import.

Each measurement is a fresh Python process (as a Lambda cold start is), from
before `import metrics.handler` until the handler can validate its first
event. The bundle directory carries a generated validator module for EVERY
contract version in the registry (as a handler serving many event types
would), byte-compiled as the bundle ships them.
- ours: import the handler, then the one validator module the first event's
  type needs (the handler loads validators lazily, per detail-type);
- compile: import the handler and `fastjsonschema.compile` every contract
  schema at import, the usual way to validate in a Lambda;
- eager (shown, not in the ratio): import every generated module up front;
- models: ours, plus importing the first event's generated TypedDict bindings
  (`contracts_py`), as a handler importing its models at run time would;
- pydantic: ours, plus the same event's models generated as pydantic v2
  classes (the generator's other output) and one `model_validate`: what
  choosing pydantic for the bindings would add to every cold start.
Interpreter start-up is the same for all and left out. Runs alternate; the
best of each is reported (noise only ever adds time), medians alongside.
Children write no bytecode, as on Lambda's read-only /var/task.

Last line: BENCH coldstart ours_ms=<x> compile_ms=<y> ratio=<y/x> models_ms=<m> pydantic_ms=<p>
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from registry.bundle import build_bundle_from_registry, validator_sources  # noqa: E402
from registry.loader import load_registry  # noqa: E402

RUNS = 15
FIRST_EVENT = ("awsserverlessda.serverlesspresso", "OrderManager.WaitingCompletion")

PRELUDE = """
import importlib, json, sys, time
sys.path.insert(0, {site!r})
start = time.perf_counter()
import metrics.handler
"""
OURS = (
    PRELUDE
    + """
from metrics.validators import CONTRACTS
for module in CONTRACTS[{first!r}]["versions"].values():
    importlib.import_module("metrics.validators." + module).validate
print((time.perf_counter() - start) * 1000)
"""
)
EAGER = (
    PRELUDE
    + """
from metrics.validators import CONTRACTS
for contract in CONTRACTS.values():
    for module in contract["versions"].values():
        importlib.import_module("metrics.validators." + module).validate
print((time.perf_counter() - start) * 1000)
"""
)
MODELS = (
    OURS
    + """
import contracts_py.coffeeshop.waiting_completion
print((time.perf_counter() - start) * 1000)
"""
)
PYDANTIC = (
    OURS
    + """
import waiting_pydantic
waiting_pydantic.Model.model_validate(json.loads({example!r}))
print((time.perf_counter() - start) * 1000)
"""
)
COMPILE = (
    PRELUDE
    + """
import fastjsonschema
validators = [fastjsonschema.compile(json.load(open(path))) for path in {paths!r}]
print((time.perf_counter() - start) * 1000)
"""
)


def run(code: str) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/", env=env)
    return float(out.stdout.split()[-1])  # the last figure: variants extend `ours` and print after it


def bundle_with_every_contract(site: Path, out: Path) -> list[str]:
    """The shipped bundle, its validators package regenerated for every contract version; returns the schema paths."""
    registry = load_registry(REPO / "contracts")
    zipfile.ZipFile(build_bundle_from_registry(registry, out)).extractall(site)
    validators = site / "metrics" / "validators"
    shutil.rmtree(validators)
    validators.mkdir()
    for name, source in validator_sources(registry.events.values()).items():
        (validators / name).write_text(source)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(validators)], check=True
    )
    shutil.copytree(REPO / "contracts_py", site / "contracts_py", ignore=shutil.ignore_patterns("__pycache__"))
    return [str(REPO / v.path) for e in registry.events.values() for v in e.versions]


def pydantic_models(site: Path) -> str:
    """The first event's latest version as pydantic v2 models (module `waiting_pydantic`); returns an example."""
    import json

    from datamodel_code_generator import generate
    from datamodel_code_generator._format_types import Formatter, PythonVersion
    from datamodel_code_generator.enums import DataModelType, InputFileType

    contract = next(
        c for c in load_registry(REPO / "contracts").events.values() if (c.source, c.detail_type) == FIRST_EVENT
    )
    schema = {k: v for k, v in contract.latest.schema.items() if k != "examples"}
    source = generate(
        json.dumps(schema),
        input_file_type=InputFileType.JsonSchema,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        class_name="Model",
        disable_timestamp=True,
        formatters=[Formatter.BUILTIN],
    )
    (site / "waiting_pydantic.py").write_text(str(source))
    return json.dumps(contract.latest.examples[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        paths = bundle_with_every_contract(site, Path(tmp) / "out")
        example = pydantic_models(site)
        codes = {
            "ours": OURS.format(site=str(site), first=FIRST_EVENT),
            "eager": EAGER.format(site=str(site)),
            "compile": COMPILE.format(site=str(site), paths=paths),
            "models": MODELS.format(site=str(site), first=FIRST_EVENT),
            "pydantic": PYDANTIC.format(site=str(site), first=FIRST_EVENT, example=example),
        }
        for code in codes.values():
            run(code)  # warm the OS file cache
        times: dict[str, list[float]] = {name: [] for name in codes}
        for _ in range(RUNS):
            for name, code in codes.items():
                times[name].append(run(code))
    best = {name: min(values) for name, values in times.items()}
    medians = " ".join(f"{name}_median_ms={statistics.median(values):.1f}" for name, values in times.items())
    print(f"contract_versions={len(paths)} runs={RUNS} {medians} eager_ms={best['eager']:.1f}")
    print(
        f"BENCH coldstart ours_ms={best['ours']:.1f} compile_ms={best['compile']:.1f} ratio={best['compile'] / best['ours']:.2f}"
        f" models_ms={best['models']:.1f} pydantic_ms={best['pydantic']:.1f}"
    )


if __name__ == "__main__":
    main()
