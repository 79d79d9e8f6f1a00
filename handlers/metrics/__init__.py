"""The metrics Lambda: exactly-once business counters from validated events.

Deployed as the top-level package `metrics` of the bundle that
`registry.bundle.build_metrics_bundle` builds (handler
`metrics.handler.lambda_handler`); the `validators` subpackage is generated
into the bundle at build time and does not exist in the source tree.
"""

__all__: list[str] = []
