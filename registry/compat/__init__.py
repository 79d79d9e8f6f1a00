"""Schema compatibility with Confluent Schema Registry's JSON Schema semantics.

`diff_schemas` lists every difference Confluent's `SchemaDiff.compare(old,
new)` reports; `check_compatibility` / `check_history` turn the incompatible
ones into findings under a compatibility mode. `RULES` is the one rule table.
"""

from registry.compat.check import check_compatibility, check_history, diff_schemas
from registry.compat.engine import Change
from registry.compat.rules import MODES, RULES, Rule

__all__ = ["MODES", "RULES", "Change", "Rule", "check_compatibility", "check_history", "diff_schemas"]
