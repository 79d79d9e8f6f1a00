"""The one frozen table of compatibility rules (Confluent's Difference.Type names).

A rule id names what changed, as Confluent does; `compatible` says whether a
reader of the update can still read data written with the original (the
set Confluent's SchemaDiff.COMPATIBLE_CHANGES holds). Modes are bound apart
from rules: a mode only says which direction(s) to compare and against which
earlier versions. Ids are never recycled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["COMPATIBLE", "MODES", "RULES", "Rule"]

MODES: tuple[str, ...] = (
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)


@dataclass(frozen=True)
class Rule:
    id: str
    compatible: bool
    purpose: str  # "Checks that ..."
    hint: str  # what a product team does about it, when NEW is checked as reader (BACKWARD)
    forward_hint: str = ""  # the same when NEW is checked as writer (FORWARD: compare(new, old))

    def hint_for(self, direction: str) -> str:
        """The fix for a finding in `direction` ("backward" or "forward")."""
        return self.forward_hint if direction == "forward" and self.forward_hint else self.hint


_NARROW_HINT = "keep the old limit (or loosen it); tighten it only in a new event type"


def _bounds(prefix: str, keyword: str, loosen_when: tuple[str, ...]) -> list[Rule]:
    """ADDED / REMOVED / INCREASED / DECREASED for one numeric keyword; `loosen_when` lists the safe ones."""
    out = []
    for change in ("ADDED", "REMOVED", "INCREASED", "DECREASED"):
        ok = change in loosen_when
        verb = {"ADDED": "adding", "REMOVED": "removing", "INCREASED": "raising", "DECREASED": "lowering"}[change]
        out.append(
            Rule(
                f"{prefix}_{change}",
                ok,
                f"Checks that {verb} `{keyword}` does not reject values the other version accepts.",
                "no action needed" if ok else f"do not tighten `{keyword}`: {_NARROW_HINT}",
                "" if ok else f"older readers still enforce the old `{keyword}`: keep the new limit within it",
            )
        )
    return out


def _unevaluated(prefix: str, keyword: str, what: str) -> list[Rule]:
    """2019-09 / 2020-12 `unevaluated*` (Confluent's 2020-12 diff): ADDED / EXTENDED open, REMOVED / NARROWED close."""
    return [
        Rule(
            f"{prefix}_ADDED",
            True,
            f"Checks that lifting `{keyword}: false` only widens what is accepted.",
            "no action needed",
        ),
        Rule(
            f"{prefix}_EXTENDED",
            True,
            f"Checks that dropping the `{keyword}` schema only widens what is accepted.",
            "no action needed",
        ),
        Rule(
            f"{prefix}_REMOVED",
            False,
            f"Checks that `{keyword}: false` does not close a model old data may carry extra {what} in.",
            f"leave `{keyword}` open; close models only in a new event type",
            forward_hint=f"older readers reject unevaluated {what}: keep `{keyword}: false`",
        ),
        Rule(
            f"{prefix}_NARROWED",
            False,
            f"Checks that no `{keyword}` schema constrains {what} old data may carry freely.",
            f"leave `{keyword}` as it was",
            forward_hint=f"older readers check unevaluated {what} against their `{keyword}` schema: keep it",
        ),
    ]


_R = Rule
_TABLE: list[Rule] = [
    _R(
        "ID_CHANGED",
        True,
        "Checks that a changed `$id` is only reported (it does not change accepted data).",
        "no action needed",
    ),
    _R("DESCRIPTION_CHANGED", True, "Checks that a changed description is only reported.", "no action needed"),
    _R("TITLE_CHANGED", True, "Checks that a changed title is only reported.", "no action needed"),
    _R(
        "DEFAULT_CHANGED",
        True,
        "Checks that a changed default is only reported (defaults do not validate).",
        "no action needed; tell consumers that rely on the default",
    ),
    _R(
        "SCHEMA_ADDED",
        False,
        "Checks that no constraint appears where the old schema had none (e.g. `items`).",
        "leave the spot unconstrained, or constrain it with a schema every old value satisfies",
        forward_hint="older readers still enforce the constraint you removed: keep it",
    ),
    _R("SCHEMA_REMOVED", True, "Checks that removing a constraint only widens what is accepted.", "no action needed"),
    _R("TYPE_EXTENDED", True, "Checks that integer -> number widening is accepted.", "no action needed"),
    _R(
        "TYPE_NARROWED",
        False,
        "Checks that number is not narrowed to integer (old data may hold fractions).",
        'keep `"type": "number"`',
        forward_hint='older readers accept only integers: keep `"type": "integer"`',
    ),
    _R(
        "TYPE_CHANGED",
        False,
        "Checks that a field keeps its type (or moves to a union that contains it).",
        "keep the old type; to accept a new one use `oneOf`/`anyOf` with the old type as a member, "
        "or add a new optional field",
        forward_hint="older readers expect the old type: keep it, and carry the new shape in a new optional field",
    ),
    *_bounds("MAX_LENGTH", "maxLength", ("REMOVED", "INCREASED")),
    *_bounds("MIN_LENGTH", "minLength", ("REMOVED", "DECREASED")),
    _R(
        "PATTERN_ADDED",
        False,
        "Checks that no `pattern` is added to a string that had none.",
        "validate the format in the producer instead, or add the pattern in a new field",
        forward_hint="older readers still enforce the `pattern` you removed: keep it",
    ),
    _R("PATTERN_REMOVED", True, "Checks that removing a `pattern` only widens the string.", "no action needed"),
    _R(
        "PATTERN_CHANGED",
        False,
        "Checks that a string's `pattern` is unchanged (regexes cannot be compared).",
        "keep the old pattern; accept more values by removing it rather than rewriting it",
        forward_hint="older readers still enforce the old `pattern`: keep it",
    ),
    *_bounds("MAXIMUM", "maximum", ("REMOVED", "INCREASED")),
    *_bounds("MINIMUM", "minimum", ("REMOVED", "DECREASED")),
    *_bounds("EXCLUSIVE_MAXIMUM", "exclusiveMaximum", ("REMOVED", "INCREASED")),
    *_bounds("EXCLUSIVE_MINIMUM", "exclusiveMinimum", ("REMOVED", "DECREASED")),
    _R(
        "MULTIPLE_OF_ADDED",
        False,
        "Checks that no `multipleOf` is added to a number that had none.",
        "drop the `multipleOf`, or round in the producer",
        forward_hint="older readers still enforce the `multipleOf` you removed: keep it",
    ),
    _R("MULTIPLE_OF_REMOVED", True, "Checks that removing `multipleOf` only widens the number.", "no action needed"),
    _R(
        "MULTIPLE_OF_EXPANDED",
        False,
        "Checks that `multipleOf` does not grow to a multiple of itself (fewer values pass).",
        "keep the old `multipleOf` or a divisor of it",
        forward_hint="older readers enforce the old `multipleOf`: use a multiple of it",
    ),
    _R(
        "MULTIPLE_OF_REDUCED",
        True,
        "Checks that `multipleOf` shrinking to a divisor only widens the number.",
        "no action needed",
    ),
    _R(
        "MULTIPLE_OF_CHANGED",
        False,
        "Checks that `multipleOf` is not changed to an unrelated value.",
        "use a divisor of the old `multipleOf`, or remove it",
        forward_hint="older readers enforce the old `multipleOf`: use a multiple of it",
    ),
    _R(
        "REQUIRED_ATTRIBUTE_ADDED",
        False,
        "Checks that an existing optional field does not become required without a default.",
        "make the field optional, or give it a `default`",
        forward_hint="older readers require this field: keep it required and always send it",
    ),
    _R(
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        True,
        "Checks that a field made required carries a default.",
        "no action needed",
    ),
    _R(
        "REQUIRED_ATTRIBUTE_REMOVED",
        True,
        "Checks that making a field optional only widens the object.",
        "no action needed; consumers must cope with the field missing",
    ),
    *_bounds("MAX_PROPERTIES", "maxProperties", ("REMOVED", "INCREASED")),
    *_bounds("MIN_PROPERTIES", "minProperties", ("REMOVED", "DECREASED")),
    _R(
        "ADDITIONAL_PROPERTIES_ADDED",
        True,
        "Checks that opening a closed content model only widens it.",
        "no action needed",
    ),
    _R(
        "ADDITIONAL_PROPERTIES_REMOVED",
        False,
        "Checks that an open content model is not closed (old data may carry extra fields).",
        "keep `additionalProperties` open; close models only in a new event",
        forward_hint="older readers reject unknown fields (closed model): keep the model closed",
    ),
    _R(
        "ADDITIONAL_PROPERTIES_EXTENDED",
        True,
        "Checks that dropping the `additionalProperties` schema only widens the model.",
        "no action needed",
    ),
    _R(
        "ADDITIONAL_PROPERTIES_NARROWED",
        False,
        "Checks that an open model does not gain an `additionalProperties` schema that old extra fields may violate.",
        "leave `additionalProperties` as it was",
        forward_hint="older readers check extra fields against the old `additionalProperties` schema: keep it",
    ),
    _R(
        "DEPENDENCY_ARRAY_ADDED",
        False,
        "Checks that no new property dependency is added.",
        "drop the new `dependencies` entry",
        forward_hint="older readers still enforce the dependency you removed: keep it",
    ),
    _R(
        "DEPENDENCY_ARRAY_REMOVED",
        True,
        "Checks that removing a property dependency only widens the object.",
        "no action needed",
    ),
    _R(
        "DEPENDENCY_ARRAY_EXTENDED",
        False,
        "Checks that a property dependency does not demand more fields.",
        "keep the old dependency list",
        forward_hint="older readers enforce the old dependency list: keep every field in it",
    ),
    _R(
        "DEPENDENCY_ARRAY_NARROWED",
        True,
        "Checks that a property dependency demanding fewer fields is accepted.",
        "no action needed",
    ),
    _R(
        "DEPENDENCY_ARRAY_CHANGED",
        False,
        "Checks that a property dependency is not replaced by another.",
        "keep the old dependency list or a subset of it",
        forward_hint="older readers enforce the old dependency list: keep every field in it",
    ),
    _R(
        "DEPENDENCY_SCHEMA_ADDED",
        False,
        "Checks that no new schema dependency is added.",
        "drop the new schema dependency",
        forward_hint="older readers still enforce the schema dependency you removed: keep it",
    ),
    _R(
        "DEPENDENCY_SCHEMA_REMOVED",
        True,
        "Checks that removing a schema dependency only widens the object.",
        "no action needed",
    ),
    _R(
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        False,
        "Checks that no typed property is added to an open "
        "content model (old data may already carry that name with any value).",
        "close the content model (`additionalProperties: false`) in an earlier version before adding fields; "
        "under FULL use a partially open model instead (`additionalProperties` with a schema, adding only fields "
        "that fit it); or add the field with an empty schema ({} or true)",
        forward_hint="older readers still validate this field by its old schema: keep the field (mark it deprecated "
        "in its description) instead of removing it",
    ),
    _R(
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        True,
        "Checks that a property accepting anything may be added to an open content model.",
        "no action needed",
    ),
    _R(
        "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        False,
        "Checks that a new property in a closed or "
        "partially open model is not required without a default (old data lacks it).",
        "add the field as an optional property (leave it out of `required`), or give it a `default`",
        forward_hint="older readers require this field: keep sending it",
    ),
    _R(
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        True,
        "Checks that a new required property with a default may be added to a closed model.",
        "no action needed",
    ),
    _R(
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        True,
        "Checks that an optional property may be added to a closed model (old data cannot carry it).",
        "no action needed",
    ),
    _R(
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        True,
        "Checks that removing a property from an open model is accepted (the name falls back to the open model).",
        "no action needed",
    ),
    _R(
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        True,
        "Checks that removing a property that was forbidden (`false`) from a closed model is accepted.",
        "no action needed",
    ),
    _R(
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        False,
        "Checks that no property is removed from a closed model (old data carrying it would be rejected).",
        "keep the property (mark it deprecated in its description), or set `additionalProperties` to a schema "
        "that accepts its old values",
        forward_hint="older readers have a closed model and reject the new field: evolve through a partially open "
        'model (give `additionalProperties` a schema, e.g. {"type": "string"}, in an earlier '
        "version and"
        " add fields that fit it), or put new data under a map field",
    ),
    _R(
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        True,
        "Checks that a removed property's old values are still accepted by `patternProperties`/`additionalProperties`.",
        "no action needed",
    ),
    _R(
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        False,
        "Checks that a removed property's "
        "old values are accepted by the partially open model that now covers its name.",
        "keep the property, or widen the matching `patternProperties`/`additionalProperties` schema",
        forward_hint="older readers check the new field against their `patternProperties`/`additionalProperties` "
        "schema: make the field fit it",
    ),
    _R(
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        True,
        "Checks that a new property accepts every value the old partially open model allowed under its name.",
        "no action needed",
    ),
    _R(
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        False,
        "Checks that a new property accepts "
        "what the old `patternProperties`/`additionalProperties` allowed under that name.",
        "give the new property a schema at least as wide as the matching pattern's, or rename it",
        forward_hint="older readers validate this name by its old schema: keep the field or make the covering schema "
        "accept what it held",
    ),
    *_bounds("MAX_ITEMS", "maxItems", ("REMOVED", "INCREASED")),
    *_bounds("MIN_ITEMS", "minItems", ("REMOVED", "DECREASED")),
    *_bounds("MAX_CONTAINS", "maxContains", ("REMOVED", "INCREASED")),
    *_bounds("MIN_CONTAINS", "minContains", ("REMOVED", "DECREASED")),
    *_unevaluated("UNEVALUATED_PROPERTIES", "unevaluatedProperties", "properties"),
    *_unevaluated("UNEVALUATED_ITEMS", "unevaluatedItems", "items"),
    _R(
        "UNIQUE_ITEMS_ADDED",
        False,
        "Checks that `uniqueItems` is not switched on (old arrays may repeat).",
        "dedupe in the producer instead",
        forward_hint="older readers require unique items: keep sending unique arrays and keep `uniqueItems`",
    ),
    _R("UNIQUE_ITEMS_REMOVED", True, "Checks that dropping `uniqueItems` only widens the array.", "no action needed"),
    _R("ADDITIONAL_ITEMS_ADDED", True, "Checks that opening a closed tuple only widens it.", "no action needed"),
    _R(
        "ADDITIONAL_ITEMS_REMOVED",
        False,
        "Checks that an open tuple is not closed.",
        "keep `additionalItems` open",
        forward_hint="older readers reject extra tuple items: keep the tuple closed",
    ),
    _R(
        "ADDITIONAL_ITEMS_EXTENDED",
        True,
        "Checks that dropping the `additionalItems` schema only widens the tuple.",
        "no action needed",
    ),
    _R(
        "ADDITIONAL_ITEMS_NARROWED",
        False,
        "Checks that an open tuple does not gain an `additionalItems` schema.",
        "leave `additionalItems` as it was",
        forward_hint="older readers check extra items against the old `additionalItems` schema: keep it",
    ),
    _R(
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        False,
        "Checks that no typed tuple position is added to an open tuple (old arrays may hold anything there).",
        "close the tuple with `additionalItems: false` first, or add the position with an empty schema",
        forward_hint="older readers still validate this tuple position: keep it",
    ),
    _R(
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        True,
        "Checks that a tuple position accepting anything may be added to an open tuple.",
        "no action needed",
    ),
    _R(
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        True,
        "Checks that a position may be added to a closed tuple (old arrays are shorter).",
        "no action needed",
    ),
    _R(
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        True,
        "Checks that removing a tuple position from an open tuple is accepted.",
        "no action needed",
    ),
    _R(
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        True,
        "Checks that removing a forbidden (`false`) tuple position is accepted.",
        "no action needed",
    ),
    _R(
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        False,
        "Checks that no position is removed from a closed tuple.",
        "keep the position, or set `additionalItems` to a schema accepting its old values",
        forward_hint="older readers have a closed tuple: do not append positions",
    ),
    _R(
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        True,
        "Checks that a removed position's old values pass `additionalItems`.",
        "no action needed",
    ),
    _R(
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        False,
        "Checks that a removed position's old values pass the new `additionalItems` schema.",
        "keep the position or widen `additionalItems`",
        forward_hint="older readers check the new position against their `additionalItems`: make it fit",
    ),
    _R(
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        True,
        "Checks that a new position accepts what the old `additionalItems` allowed there.",
        "no action needed",
    ),
    _R(
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        False,
        "Checks that a new tuple position accepts what the old `additionalItems` allowed there.",
        "make the new position at least as wide as the old `additionalItems` schema",
        forward_hint="older readers validate this position by its old schema: keep it",
    ),
    _R(
        "ENUM_ARRAY_EXTENDED",
        True,
        "Checks that adding enum values only widens the field.",
        "no action needed; consumers must handle the new values",
    ),
    _R(
        "ENUM_ARRAY_NARROWED",
        False,
        "Checks that no enum value (or `const`) is removed.",
        "keep every old value; deprecate it in the description instead",
        forward_hint="older readers reject the new values: add enum values only once every consumer reads a version "
        "that has them, or publish them in a new field",
    ),
    _R(
        "ENUM_ARRAY_CHANGED",
        False,
        "Checks that an enum or const is not replaced by different values.",
        "keep the old values and only add new ones",
        forward_hint="older readers accept only the old values: keep them and send only those",
    ),
    _R(
        "COMBINED_TYPE_EXTENDED",
        True,
        "Checks that a combinator changes only to a wider one (allOf/oneOf -> anyOf, singleton -> oneOf).",
        "no action needed",
    ),
    _R(
        "COMBINED_TYPE_CHANGED",
        False,
        "Checks that a combinator is not switched to a stricter one (e.g. anyOf -> oneOf/allOf).",
        "keep the old combinator, or move to `anyOf`",
        forward_hint="older readers apply the old combinator: keep it",
    ),
    _R(
        "PRODUCT_TYPE_EXTENDED",
        False,
        "Checks that `allOf` gains no member (each adds a constraint).",
        "drop the new `allOf` member",
        forward_hint="older readers still apply the `allOf` member you removed: keep it",
    ),
    _R(
        "PRODUCT_TYPE_NARROWED",
        True,
        "Checks that dropping an `allOf` member only widens the schema.",
        "no action needed",
    ),
    _R("SUM_TYPE_EXTENDED", True, "Checks that a union (oneOf/anyOf/type list) may gain members.", "no action needed"),
    _R(
        "SUM_TYPE_NARROWED",
        False,
        "Checks that no member is removed from a union.",
        "keep every old union member",
        forward_hint="older readers do not know the new union member: send only the old members",
    ),
    _R(
        "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
        False,
        "Checks that every member of a combinator still has a compatible counterpart.",
        "keep each old member (or a wider one) in the combinator",
        forward_hint="older readers apply the old members: keep each of them",
    ),
    _R(
        "NOT_TYPE_EXTENDED",
        False,
        "Checks that a `not` does not exclude more than before.",
        "exclude only what was excluded before, or less",
        forward_hint="older readers exclude what the old `not` excluded: keep excluding it",
    ),
    _R("NOT_TYPE_NARROWED", True, "Checks that a `not` excluding less only widens the schema.", "no action needed"),
    _R(
        "REFERENCE_UNRESOLVED",
        False,
        "Checks that every `$ref` resolves inside the document "
        "(an external or dangling reference cannot be compared, so it is never passed silently).",
        "inline the referenced schema under `definitions` and point `$ref` at `#/definitions/<Name>`",
    ),
]

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _TABLE})
COMPATIBLE: frozenset[str] = frozenset(rule.id for rule in _TABLE if rule.compatible)
