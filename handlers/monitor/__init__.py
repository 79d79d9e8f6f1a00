"""The contract monitor Lambda: are live events still what their contracts say?

Built into `monitor.zip` by `registry.bundle.build_monitor_bundle` (handler
package, generated validators under `monitor/validators/`, fastjsonschema).
Never imports pulumi.
"""
