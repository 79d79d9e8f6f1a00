"""Typed bindings from the contracts (`python -m registry codegen`): TypedDict models, version dispatch."""

from registry.codegen.models import CodegenError
from registry.codegen.render import GENERATED_MARKER, GeneratedFile, render_bindings
from registry.codegen.write import stale_files, write_bindings

__all__ = ["GENERATED_MARKER", "CodegenError", "GeneratedFile", "render_bindings", "stale_files", "write_bindings"]
