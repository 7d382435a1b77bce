"""``iaclint guard``: the coding-agent hook that blocks a destructive shell command aimed at production data.

shell (parse a command line) -> ops/web/sql (destructive operations and their targets) -> resolve (against the
repository's index: index builds it from the graph, cache keeps it) -> protocols (each agent's answer); run ties
them together and fails closed; install writes the hook into an agent's settings. docs/agent-guard.md.
"""
