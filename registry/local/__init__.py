"""The embedded run (`python -m registry local`): the whole platform end to end on one machine.

plan (`planner`, the real program under the mock engine) -> `topology` (rules,
targets, topics, subscriptions, queues, pollers, destinations, tables) ->
`standup` on moto -> `engine` (our AWS-exact matcher decides routing; SQS,
SNS fan-out, API destinations over real HTTP to the `endpoint`, Lambda
pollers) -> `summary` (text or JSON, scenario checks). `scenario` documents
the scenario file format.
"""

from registry.local.run import LocalRun, ScenarioRun, run_scenarios
from registry.local.scenario import Scenario, examples_scenario, load_scenarios, parse_scenario
from registry.local.summary import mismatches, render_text, to_json

__all__ = [
    "LocalRun",
    "Scenario",
    "ScenarioRun",
    "examples_scenario",
    "load_scenarios",
    "mismatches",
    "parse_scenario",
    "render_text",
    "run_scenarios",
    "to_json",
]
