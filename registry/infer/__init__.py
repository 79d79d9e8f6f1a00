"""Schema discovery: draft contracts (or a contract's next version) from recorded events."""

from registry.infer.accept import accepting_versions, first_error
from registry.infer.draft import Draft, SampleRejection, infer_drafts
from registry.infer.schema import infer_schema, widen
from registry.infer.write import WriteRefused, planned_files, write_drafts

__all__ = [
    "Draft",
    "SampleRejection",
    "WriteRefused",
    "accepting_versions",
    "first_error",
    "infer_drafts",
    "infer_schema",
    "planned_files",
    "widen",
    "write_drafts",
]
