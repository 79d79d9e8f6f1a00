"""Build a contract-reading Lambda's deployment zip: handler, generated validators, fastjsonschema.

Two Lambdas ship this way, from one builder (`build_bundle`): the metrics
handler (`handlers/metrics/`, the contracts it counts) and the contract
monitor (`handlers/monitor/`, every contract it watches). Each zip carries its
handler package and, under `<package>/validators/`, the same generated code.

Validators are generated here with `fastjsonschema.compile_to_code`, one module
per contract version the handler reads, so a cold start imports plain Python
instead of compiling schemas. The zip is deterministic (sorted entries, fixed
timestamps and permissions): an unchanged handler and unchanged contracts give
the same bytes and the same hash, so Pulumi sees no change and nothing is
redeployed.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import os
import pprint
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema

from registry import atomic, drafts
from registry.errors import InputError
from registry.model import EventContract, Registry
from registry.reads import project
from registry.schema_refs import NO_REMOTE

__all__ = [
    "BUNDLE_NAME",
    "LAMBDA_RUNTIME",
    "METRICS",
    "METRICS_HANDLER",
    "MONITOR",
    "MONITOR_HANDLER",
    "BundleSpec",
    "build_bundle",
    "build_bundle_from_registry",
    "build_metrics_bundle",
    "build_monitor_bundle",
    "bundle_dir",
    "metrics_contracts",
    "metrics_reads",
    "sha256_hex",
    "source_code_hash",
    "validator_sources",
]

METRICS_HANDLER = "metrics.handler.lambda_handler"  # the Lambda `handler` setting
MONITOR_HANDLER = "monitor.handler.lambda_handler"
# The runtime whose bytecode the bundle ships (the building interpreter's); another runtime still
# works but compiles every module from source on each cold start.
LAMBDA_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
BUNDLE_NAME = "metrics.zip"
_HANDLERS_DIR = Path(__file__).resolve().parent.parent / "handlers"


@dataclass(frozen=True)
class BundleSpec:
    """One Lambda built by `build_bundle`: its package under handlers/, entry point and zip name."""

    package: str
    handler: str
    zip_name: str


METRICS = BundleSpec("metrics", METRICS_HANDLER, BUNDLE_NAME)
MONITOR = BundleSpec("monitor", MONITOR_HANDLER, "monitor.zip")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--


def _counted_detail_types() -> frozenset[str]:
    return frozenset(importlib.import_module("handlers.metrics.events").RULES)


def metrics_contracts(registry: Registry) -> list[EventContract]:
    """Contracts the handler counts; a metrics subscription to any other event is an error."""
    counted = _counted_detail_types()
    for sub in registry.subscriptions:
        event = registry.events.get(sub.event)
        if sub.delivery.type == "metrics" and event is not None and event.detail_type not in counted:
            raise InputError(
                sub.file,
                f"metrics delivery of {sub.event} ({event.detail_type}), which the metrics handler does not count",
                pointer=sub.pointer + "/event",
                hint=f"subscribe the metrics delivery to one of {sorted(counted)}, or add a rule to handlers/metrics/events.py",
            )
    return sorted((c for c in registry.events.values() if c.detail_type in counted), key=lambda c: c.key)


_ANNOTATIONS = frozenset({"title", "description", "examples", "$comment"})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "dependencies")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items")
_SCHEMA_ONE = (
    "items",
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "not",
)


def _strip_annotations(schema: Any) -> Any:
    """The schema without keywords that never affect validation; the generated code embeds each
    subschema in its error paths, so descriptions would only make the module bigger and slower to load."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    for key in _SCHEMA_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = {name: _strip_annotations(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [_strip_annotations(sub) for sub in out[key]]
    for key in _SCHEMA_ONE:
        if isinstance(out.get(key), dict):
            out[key] = _strip_annotations(out[key])
    return out


def _module_name(contract: EventContract, number: int) -> str:
    return re.sub(r"[^0-9a-z]+", "_", f"{contract.key}_v{number}".lower()).strip("_")


def metrics_reads(registry: Registry) -> dict[str, frozenset[str]]:
    """Contract key -> the `detail` fields the metrics Lambda validates, where every metrics
    subscription of that event declares `reads` (registry.reads); their union plus the
    dedupe key's detail fields. A contract absent here is validated whole."""
    out: dict[str, frozenset[str]] = {}
    for contract in registry.events.values():
        subs = [s for s in registry.subscriptions_of(contract.key) if s.delivery.type == "metrics"]
        if subs and all(s.reads for s in subs):
            dedupe = {p.removeprefix("detail.") for p in contract.dedupe_key if p.startswith("detail.")}
            out[contract.key] = frozenset().union(*(s.reads for s in subs)) | dedupe
    return out


def validator_sources(
    contracts: Iterable[EventContract], reads: Mapping[str, frozenset[str]] | None = None
) -> dict[str, str]:
    """Module file name -> source: the index `__init__.py` plus one validator per version.

    A contract named in `reads` gets validators of its versions' projections onto those
    fields (registry.reads.project): drift in a field the Lambda never reads passes.
    """
    files: dict[str, str] = {}
    index: dict[tuple[str, str], dict[str, Any]] = {}
    for contract in contracts:
        modules: dict[int, str] = {}
        read = (reads or {}).get(contract.key)
        for version in contract.versions:
            name = _module_name(contract, version.number)
            if f"{name}.py" in files:
                raise InputError(
                    version.path,
                    f"validator module name {name!r} clashes with another contract",
                    hint="rename the event directory so domain/Event differ after lowercasing",
                )
            draft = drafts.draft_of_or_none(version.schema)
            if draft not in drafts.FAST_DRAFTS:
                raise InputError(
                    version.path,
                    f"the metrics Lambda validates with fastjsonschema, which has no {draft or 'such'} draft "
                    "(it would silently skip keywords such as prefixItems or unevaluatedProperties)",
                    pointer="/$schema",
                    hint="write the versions the metrics handler reads in draft-07, or drop its metrics subscription",
                )
            try:
                schema = project(version.schema, read) if read else dict(version.schema)
                code = fastjsonschema.compile_to_code(_strip_annotations(schema), handlers=NO_REMOTE)
            except fastjsonschema.JsonSchemaDefinitionException as exc:
                raise InputError(
                    version.path,
                    f"fastjsonschema cannot compile this schema: {exc}",
                    hint="use only draft-07 keywords fastjsonschema supports",
                ) from None
            files[f"{name}.py"] = f'"""Generated by registry.bundle from {version.path}: do not edit."""\n{code}'
            modules[version.number] = name
        index[(contract.source, contract.detail_type)] = {
            "key": contract.key,
            "dedupe_key": list(contract.dedupe_key),
            "versions": modules,
            **({"reads": sorted(read)} if read else {}),
        }
    files["__init__.py"] = (
        '"""Generated by registry.bundle: (source, detail-type) -> contract key, dedupe key, validator modules."""\n'
        f"CONTRACTS = {pprint.pformat(index, width=100, sort_dicts=True)}\n"
    )
    return files


def _package_files(directory: Path, prefix: str) -> dict[str, bytes]:
    return {
        f"{prefix}/{path.relative_to(directory).as_posix()}": path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed")
    }


def _fastjsonschema_files() -> dict[str, bytes]:
    package = Path(fastjsonschema.__file__).parent
    files = _package_files(package, "fastjsonschema")
    for dist in package.parent.glob(f"fastjsonschema-{fastjsonschema.VERSION}.dist-info"):
        for license_file in sorted(dist.rglob("LICENSE*")):
            files[f"fastjsonschema/{license_file.name}"] = license_file.read_bytes()
    return files


_COMPILE_ALL = """
import py_compile, sys
root = sys.argv[1]
for name in sys.argv[2:]:
    py_compile.compile(root + "/" + name, cfile=root + "/pyc/" + name + "c", dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


def _bytecode(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Unchecked-hash .pyc beside each module, so a cold start on a read-only /var/task skips
    compiling source. Built in a child with a fixed hash seed: marshal output stays byte-identical.
    A runtime of another Python version ignores them (its cache tag differs) and compiles source."""
    sources = sorted(name for name in files if name.endswith(".py"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in sources:
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_bytes(files[name])
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        subprocess.run([sys.executable, "-c", _COMPILE_ALL, tmp, *sources], check=True, env=env)
        tag = sys.implementation.cache_tag
        return {
            f"{Path(name).parent.as_posix()}/__pycache__/{Path(name).stem}.{tag}.pyc": (
                Path(tmp) / "pyc" / f"{name}c"
            ).read_bytes()
            for name in sources
        }


def _write_zip(path: Path, files: Mapping[str, bytes]) -> None:
    # Built in memory, then written atomically (two plans of one stack at once, e.g. xdist
    # workers, each replace the whole file; neither sees the other's half-written zip).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = _FILE_MODE
            info.create_system = 3  # unix, so the permissions above are read
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=9)
    atomic.write_bytes(path, buffer.getvalue())


def build_bundle(
    spec: BundleSpec,
    contracts: Iterable[EventContract],
    out_dir: Path,
    reads: Mapping[str, frozenset[str]] | None = None,
) -> Path:
    """`out_dir/<spec.zip_name>`: the handler package, a validator module per contract version, fastjsonschema.

    `reads` (contract key -> fields): validators of those contracts are projections (see `validator_sources`).
    """
    package = spec.package
    files = _package_files(_HANDLERS_DIR / package, package)
    files.update(
        (f"{package}/validators/{name}", source.encode())
        for name, source in validator_sources(contracts, reads).items()
    )
    files.update(_fastjsonschema_files())
    files.update(_bytecode(files))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / spec.zip_name
    _write_zip(path, files)
    return path


def build_bundle_from_registry(registry: Registry, out_dir: Path) -> Path:
    """The metrics zip for an already loaded registry (the Pulumi program has one).

    It validates only the fields its subscriptions read where they all declare `reads`.
    """
    return build_bundle(METRICS, metrics_contracts(registry), out_dir, metrics_reads(registry))


def build_monitor_bundle(contracts: Iterable[EventContract], out_dir: Path) -> Path:
    """The contract monitor's zip, validating `contracts` (those on the buses it watches)."""
    return build_bundle(MONITOR, sorted(contracts, key=lambda c: c.key), out_dir)


def build_metrics_bundle(contracts_dir: Path, out_dir: Path) -> Path:
    """Load `contracts_dir` (raises the loader's errors) and build `out_dir/metrics.zip`."""
    from registry.loader import load_registry

    return build_bundle_from_registry(load_registry(Path(contracts_dir)), out_dir)


def bundle_dir(root: Path, stack: str, contracts: Path | str) -> Path:
    """Where the program builds a stack's zips: one folder per contracts folder as well as per stack.

    Plans of the same stack over different registries (tests, benches, `--contracts`) may run at
    once; with one shared folder a plan could ship, or the embedded run load, another registry's
    zip written a moment later. Atomic writes alone only keep each zip whole."""
    digest = hashlib.sha256(str(Path(contracts).resolve()).encode()).hexdigest()[:12]
    return Path(root) / "build" / stack / digest


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def source_code_hash(path: Path) -> str:
    """Base64 sha256 of the zip, the form Lambda's `source_code_hash` takes."""
    return base64.b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).decode()
