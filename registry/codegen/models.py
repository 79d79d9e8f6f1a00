"""One contract version's detail as TypedDicts, by datamodel-code-generator.

TypedDicts, not pydantic models: a consumer's cold start pays nothing (the
metrics Lambda would import pydantic and build every model: see
bench/coldstart.py), an external producer's extra fields pass through as they
must for a tolerant reader, and validity stays the contract's JSON Schema,
checked by the compiled validator, so a model can never accept what the gate
would reject. The generator's version is pinned, so its output is stable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from registry.errors import EventplaneError

__all__ = ["CodegenError", "detail_models"]


class CodegenError(EventplaneError):
    """The generator could not turn a contract version into models; names the file and why."""


def detail_models(schema: Mapping[str, Any], class_name: str, file: str) -> tuple[list[str], str]:
    """(import lines, body) of the TypedDicts for one version's detail; the root class is `class_name`."""
    try:  # heavy, and a development tool: imported only when bindings are generated
        import datamodel_code_generator  # noqa: F401
    except ImportError as exc:
        raise CodegenError(
            "datamodel-code-generator is not installed: run `make codegen` (it installs requirements-dev.txt)"
        ) from exc
    from datamodel_code_generator import generate
    from datamodel_code_generator._format_types import Formatter, PythonVersion
    from datamodel_code_generator.enums import DataModelType, InputFileType

    document = {k: v for k, v in schema.items() if k != "examples"}
    try:
        source = generate(
            json.dumps(document),
            input_file_type=InputFileType.JsonSchema,
            output_model_type=DataModelType.TypingTypedDict,
            target_python_version=PythonVersion.PY_311,
            # PEP 728 (closed / extra_items) is not understood by mypy yet; the schema judges extra fields anyway
            use_closed_typed_dict=False,
            class_name=class_name,
            disable_timestamp=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_schema_description=True,
            use_field_description=True,
            formatters=[Formatter.BUILTIN],  # no black/isort/ruff: output must not depend on dev tools
        )
    except Exception as exc:
        raise CodegenError(f"{file}: cannot generate models: {exc}") from exc
    if not isinstance(source, str):
        raise CodegenError(f"{file}: the generator returned no single module")
    imports: list[str] = []
    body: list[str] = []
    for line in source.splitlines():
        if line.startswith("#") and not body:
            continue  # the generator's own header (it names <stdin>)
        if line.startswith(("from ", "import ")) and not body:
            if line != "from __future__ import annotations":
                imports.append(line)
            continue
        if body or line.strip():
            body.append(line)
    return imports, "\n".join(body).strip() + "\n"
