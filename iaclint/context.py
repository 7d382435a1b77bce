"""One scan's context: the configuration the stages after discovery read, created per scan
(``scan.build_graph``) and passed explicitly — the Builder receives it and the graph carries it as
``graph.ctx`` for the rules. No per-scan state lives in a module global, so two scans in one process (the
language server's workspaces, threads) cannot see each other's configuration."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .graph.environments import Environments


@dataclass(frozen=True)
class ScanContext:
    root: str = ""  # the scan root (absolute): node paths are relative to it
    envs: Environments = field(default_factory=Environments)  # environment inference with the team's names
    stateful_types: frozenset = frozenset()  # resource types the team declares stateful (plan gate, blast radius)
    modules: tuple = ()  # the team's module catalogue entries (config ``modules:``), before the shipped ones
    var_files: tuple = ()  # extra Terraform var files, relative to the root
    tf_var_env: dict = field(default_factory=dict)  # TF_VAR_* inputs (``--tf-var-env``)
    read_file: Callable | None = None  # (module dir, path) -> text or Unknown: Terraform's file(), buffers first
