"""Eventplane's contract registry: model, loading, validation, compatibility, routing, CLI."""
