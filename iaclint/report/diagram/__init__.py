"""The resource graph as a picture: ``iaclint graph``, ``iaclint blast-radius --format mermaid|dot`` and the
blast-radius diagram of the Action's job summary. ``view`` decides what is drawn (plain data, masked labels,
stable ids, bounded size); ``render`` writes it as Mermaid, DOT or JSON."""
from __future__ import annotations

from .render import RENDERERS
from .view import Mark, View, build_view, credentials_of, marks_of_findings

FORMATS = tuple(RENDERERS)
SUMMARY_MAX_NODES = 40  # the job summary's diagram: readable on a pull request page

__all__ = ["FORMATS", "Mark", "View", "blast_radius_diagram", "build_view", "credentials_of", "graph_diagram",
           "marks_of_findings", "render", "summary_diagram"]


def render(view: View, fmt: str) -> str:
    return RENDERERS[fmt](view)


def graph_diagram(graph, marks, fmt: str, *, credentials=(), environment=None, findings_only=False,
                  max_nodes: int = 60) -> str:
    """``iaclint graph``: every data store by environment and every credential (or those named), with their
    reach; CREDENTIALS names restrict the picture to those credentials and what they can delete."""
    creds = credentials_of(graph, credentials) if credentials else None
    view = build_view(graph, marks, credentials=creds, stores="reached" if credentials else "all",
                      environment=environment, findings_only=findings_only, max_nodes=max_nodes)
    return render(view, fmt)


def blast_radius_diagram(graph, fmt: str, *, show_all: bool = False, credentials=(), max_nodes: int = 60) -> str:
    """``iaclint blast-radius --format mermaid|dot``: the broad credentials (every one with SHOW_ALL, or those
    named) and what each can delete, with the backups that die with it."""
    creds = credentials_of(graph, credentials, broad_only=not (show_all or credentials))
    return render(build_view(graph, credentials=creds, stores="reached", max_nodes=max_nodes), fmt)


def summary_diagram(graph, marks, max_nodes: int = SUMMARY_MAX_NODES) -> str | None:
    """Mermaid for the job summary: every broad credential's blast radius and every shared data store; None
    when there is neither."""
    view = build_view(graph, marks, credentials=credentials_of(graph, broad_only=True), stores="reached+shared",
                      max_nodes=max_nodes)
    return render(view, "mermaid") if view.nodes else None
