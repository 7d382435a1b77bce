"""Command line: ``iaclint check PATH… --format {text,json,sarif,github} --output FILE``.

Exit codes (``EXIT_CODES_HELP``, shown by ``iaclint --help``): 0 nothing to report; 1 findings at or above
--fail-on, or a file that could not be parsed; 2 usage or configuration error (nothing was scanned);
3 internal error (a rule or stage failed: the report is incomplete).  When several apply the highest wins:
2 before 3 (a usage error stops before scanning), 3 before 1 (an incomplete report is never "just findings").
"""
from __future__ import annotations

import os
import sys

import click

from . import __version__
from .model import SEVERITY_ORDER

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_CODES_HELP = """\b
Exit codes (when several apply, the first listed here wins):
  2  usage or configuration error: bad option, missing path or --var-file, unwritable --output,
     broken config or rule file (nothing is reported)
  3  internal error: a rule or stage of iaclint failed; the report is incomplete and names it
     (text, json "errors", SARIF toolExecutionNotifications, github annotation, LSP message)
  1  findings at or above --fail-on, or a file that could not be parsed
  0  nothing at or above --fail-on and every file analysed
  130  interrupted (Ctrl-C): nothing is reported"""
FORMATS = ["text", "json", "sarif", "github"]
SEVERITIES = ["info", "low", "medium", "high", "critical"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="iaclint")
def cli():
    """iaclint: find what one destructive call could take down — shared staging/production data,
    backups in the data's failure domain, missing deletion protection, broadly scoped tokens."""


JOBS_HELP = ("Processes that parse and build the graph. 0: one per CPU on a tree of 1,500 files or more, else one "
             "(docs/performance.md); N > 1: N - 1 forked workers build parts of the graph (batches of Terraform "
             "roots, chunks of other files) beside this process; 1: this process only.")


def scan_flags(fn):
    """The options of every command that scans: where the configuration comes from, and what the graph is built
    from. They fill ``config.ScanOptions`` (the file's settings, these flags on top) through ``_options``."""
    for opt in reversed([
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="Config file (default: .iaclint.yaml or pyproject.toml [tool.iaclint] found from the scan "
                          "root)."),
        click.option("--no-config", is_flag=True, help="Ignore any config file."),
        click.option("--respect-gitignore", is_flag=True,
                     help="Skip files git ignores (scanned by default: agents read them)."),
        click.option("--exclude", "excludes", multiple=True, help="Glob of paths to skip (repeatable)."),
        click.option("--var-file", "var_files", multiple=True, type=click.Path(),
                     help="Extra Terraform var file (an environment)."),
        click.option("--tf-var-env", is_flag=True, help="Read TF_VAR_* from the environment."),
        click.option("--stateful-type", "stateful_types", multiple=True,
                     help="Extra resource type that holds data (plan gate, blast radius)."),
        click.option("--root", type=click.Path(exists=True, file_okay=False),
                     help="The repository the graph is built from [default: the git top level of the paths, else "
                          "their common directory]. PATHS only choose where findings are reported."),
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True, help=JOBS_HELP),
    ]):
        fn = opt(fn)
    return fn


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding at or above this severity is reported [default: config's fail_on, or low].")
@scan_flags
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(), help="Extra directory of custom rules.")
@click.option("--select", multiple=True, help="Run only these rule ids/names.")
@click.option("--ignore", "ignore_rules", multiple=True, help="Do not run these rule ids/names.")
@click.option("--explain-environments", is_flag=True, help="Print each file/resource with its environments and why.")
@click.option("--no-color", is_flag=True, help="No ANSI colour in text output.")
@click.option("--source-root", type=click.Path(file_okay=False), expose_value=False,
              callback=lambda ctx, _p, v: ctx.meta.__setitem__("source_root", v),
              help="SARIF, JSON and github: paths relative to DIR (the repository root GitHub resolves them "
                   "against) [github default: the current directory when it contains the scan root].")
def check(paths, fmt, output, select, ignore_rules, explain_environments, no_color, **flags):
    """Scan PATHS (default: the current directory)."""
    from .baseline import BaselineError
    from .engine.loader import RuleError
    from .report import render
    from .scan import build_graph, scan

    paths = _paths(paths)
    _check_output(output)
    select, ignore_rules = _split_ids(select), _split_ids(ignore_rules)
    opts = _options(paths, enabled=select, disabled=ignore_rules, **flags)
    _check_rule_refs(opts.rule_dirs, select=select, ignore=ignore_rules)
    if explain_environments:
        from .report.environments import render_environments

        _write(render_environments(build_graph(paths, opts)[0]), output)
        sys.exit(EXIT_OK)
    from .report.text import progress_bar, terminal_width

    try:
        with progress_bar(enabled=fmt == "text") as progress:
            report = scan(paths, opts, progress=progress, keep=_KEPT)  # freed by the exit (exit_now), not before
    except (RuleError, BaselineError) as e:
        _usage_error(f"configuration error: {e}")
    source_root = click.get_current_context().meta.get("source_root")
    if output:  # JSON and SARIF streamed to the file (report.write)
        from .report import write

        _write_file(output, lambda fh: write(report, fmt, fh, source_root=source_root, width=terminal_width(output)))
    else:
        color = fmt == "text" and not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        _write(render(report, fmt, color=color, source_root=source_root, width=terminal_width(output)), output)
    threshold = SEVERITY_ORDER[opts.fail_on]
    failing = [f for f in report.findings if not f.suppression and SEVERITY_ORDER.get(f.severity, 2) >= threshold]
    errors = [d for d in report.diagnostics if d.level == "error"]
    if output and fmt != "text":
        click.echo(f"iaclint: {len([f for f in report.findings if not f.suppression])} findings, "
                   f"{len(errors)} file errors -> {output}", err=True)
    sys.exit(EXIT_INTERNAL if report.tool_errors else EXIT_FINDINGS if failing or errors else EXIT_OK)


def _paths(paths) -> list:
    """The command's PATHS (default: the current directory); a missing one exits 2."""
    paths = list(paths) or ["."]
    for p in paths:
        if not os.path.exists(p):
            _usage_error(f"error: {p}: no such file or directory")
        if not (os.path.isfile(p) or os.path.isdir(p)):  # /dev/zero, a FIFO, a socket
            _usage_error(f"error: {p}: not a regular file or a directory")
    return paths


def _check_output(output: str | None):
    """Exit 2 before scanning when --output cannot be written: its directory is missing or not writable."""
    if not output:
        return
    d = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(d):
        _usage_error(f"error: --output {output}: {d} " + ("is not a directory" if os.path.exists(d) else "does not exist"))
    if not os.access(d, os.W_OK) or (os.path.exists(output) and not os.access(output, os.W_OK)):
        _usage_error(f"error: --output {output}: not writable")


def _usage_error(message: str):
    """``iaclint: MESSAGE``, one line on stderr (masked: it may quote a config value or a path), and exit 2."""
    from .mask import mask

    click.echo(mask(f"iaclint: {message}"), err=True)
    sys.exit(EXIT_USAGE)


def _options(paths, *, config_file=None, no_config=False, **flags):
    """ScanOptions from config + flags; a broken config or rule file exits 2 naming file and line, and so does a
    --var-file that is not a file."""
    from .config import ConfigError, scan_options
    from .engine.loader import RuleError

    for v in flags.get("var_files") or ():
        if not os.path.isfile(v):
            _usage_error(f"error: --var-file {v}: " + ("not a file" if os.path.exists(v) else "no such file"))
    try:
        return scan_options(paths, config=config_file, no_config=no_config, **flags)
    except (ConfigError, RuleError) as e:
        _usage_error(f"configuration error: {e}")


def _split_ids(values) -> tuple:
    """``--select DP001,DP002`` and ``--select DP001 --select DP002`` alike."""
    return tuple(x.strip() for v in values for x in v.split(",") if x.strip())


def _check_rule_refs(rule_dirs, **flags):
    """Exit 2 on a --select/--ignore value that names no rule (it would silently select or skip nothing)."""
    import difflib
    import re

    from .engine.loader import RuleError, load_rules

    if not any(flags.values()):
        return
    try:
        rules = load_rules(rule_dirs)
    except RuleError as e:
        _usage_error(f"configuration error: {e}")
    known = {r.id: r for r in rules} | {r.name: r for r in rules}
    bad = []
    for flag, values in flags.items():
        for v in values:
            if v in known:
                continue
            m = re.fullmatch(r"([A-Za-z]+)0*(\d+)", v)  # dp1, DP01 -> DP001
            padded = f"{m.group(1).upper()}{int(m.group(2)):03d}" if m else ""
            close = (([padded] if padded in known else []) + [
                c for c in difflib.get_close_matches(v, list(known), n=3, cutoff=0.6) if c != padded])[:3]
            hint = "; did you mean " + ", ".join(f"{c}" + (f" ({known[c].id})" if c != known[c].id else "")
                                                 for c in close) + "?" if close else ""
            bad.append(f"--{flag} {v}: no such rule{hint}")
    if bad:
        for b in bad:
            click.echo(f"iaclint: error: {b}", err=True)
        click.echo("iaclint: see `iaclint rules` for every rule id and name", err=True)
        sys.exit(EXIT_USAGE)


def _write(text: str, output: str | None):
    """TEXT to OUTPUT (or stdout)."""
    if output:
        _write_file(output, lambda fh: fh.write(text.encode("utf-8")))
    else:
        click.echo(text, nl=False)


def _write_file(output: str, fill):
    """What FILL writes to a binary file, to OUTPUT; a file that cannot be written is a usage error (exit 2, one
    line)."""
    try:
        with open(output, "wb") as fh:
            fill(fh)
    except OSError as e:
        _usage_error(f"error: --output {output}: {e.strerror or e}")


@cli.command("blast-radius")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "mermaid", "dot"]), default="text",
              show_default=True, help="mermaid, dot: the credentials' reach as a diagram (docs/graph.md).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the view to FILE instead of stdout.")
@click.option("--all", "show_all", is_flag=True, help="Also list narrowly scoped credentials.")
@click.option("--credential", "credentials", multiple=True,
              help="Draw only this credential (variable name or kind; repeatable). mermaid and dot only.")
@scan_flags
def blast_radius_cmd(paths, fmt, output, show_all, credentials, **flags):
    """For each credential found in PATHS: its scope and what it could destroy (stateful resources, their
    environments, backups in the same failure domain). Secrets are never printed."""
    from .report.blast import render_blast_radius
    from .scan import build_graph

    paths = _paths(paths)
    _check_output(output)
    graph, _, _ = build_graph(paths, _options(paths, **flags))
    if fmt in ("mermaid", "dot"):
        from .report.diagram import blast_radius_diagram

        _check_credentials(graph, credentials)
        _write(blast_radius_diagram(graph, fmt, show_all=show_all, credentials=credentials), output)
        return
    _write(render_blast_radius(graph, fmt, show_all=show_all), output)


def _check_credentials(graph, names):
    """Exit 2 when a --credential names no credential of the graph (listing the ones it has)."""
    from .report.diagram import credentials_of

    known = sorted({n.name for n in credentials_of(graph)})
    for name in names:
        if not credentials_of(graph, [name]):
            _usage_error(f"error: --credential {name}: no such credential; found: {', '.join(known) or 'none'}")


@cli.command("graph")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the diagram to FILE instead of stdout.")
@click.option("--credential", "credentials", multiple=True,
              help="Only this credential (variable name or kind; repeatable) and what it can delete.")
@click.option("--environment", help="Only this environment's cluster (aliases normalised: prod = production).")
@click.option("--findings-only", is_flag=True, help="Only the nodes and edges that carry a finding.")
@click.option("--max-nodes", type=click.IntRange(min=1), default=60, show_default=True,
              help="Draw at most N nodes; the rest are counted in \"+N more\" nodes.")
@scan_flags
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(), help="Extra directory of custom rules.")
def graph_cmd(paths, fmt, output, credentials, environment, findings_only, max_nodes, **flags):
    """Draw the resource graph of PATHS: environments as clusters, their data stores, the credentials that can
    delete them (edges labelled with the scope) and the backups in the same failure domain. Nodes and edges
    that carry findings are highlighted; a store in two environments is drawn in both, marked shared."""
    from .engine.loader import RuleError
    from .report.diagram import graph_diagram, marks_of_findings
    from .scan import build_graph, scan

    paths = _paths(paths)
    _check_output(output)
    opts = _options(paths, **flags)
    try:
        report = scan(paths, opts)
    except RuleError as e:
        _usage_error(f"configuration error: {e}")
    graph, _, _ = build_graph(paths, opts)
    _check_credentials(graph, credentials)
    _write(graph_diagram(graph, marks_of_findings(report.findings), fmt, credentials=credentials,
                         environment=environment, findings_only=findings_only, max_nodes=max_nodes), output)


@cli.command("rules")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_cmd(fmt):
    """List every rule: id, severity, family, title."""
    import json

    from .engine.loader import RuleError, load_rules

    try:
        rules = load_rules()
    except RuleError as e:
        _usage_error(f"configuration error: {e}")
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "name": r.name, "severity": r.severity, "family": r.family,
                                "title": r.title} for r in rules], indent=2))
        return
    w = max(len(r.name) for r in rules)
    click.echo(f"{'ID':<7} {'SEVERITY':<9} {'FAMILY':<23} {'NAME':<{w}}  TITLE")
    for r in rules:
        click.echo(f"{r.id:<7} {r.severity:<9} {r.family:<23} {r.name:<{w}}  {r.title}")


@cli.command("explain")
@click.argument("rule")
def explain_cmd(rule):
    """Show the documentation page of RULE (id or name)."""
    from .engine.loader import load_rules
    from .report.sarif import rule_help_markdown

    for r in load_rules():
        if rule in (r.id, r.name):
            click.echo(f"{r.id} {r.name} ({r.family}, {r.severity})\n")
            click.echo(rule_help_markdown(r))
            return
    click.echo(f"iaclint: no rule {rule!r}; see `iaclint rules`", err=True)
    sys.exit(EXIT_USAGE)


@cli.command("action-report")
@click.argument("sarif", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--exit-code", type=int, default=None, help="Exit code of the `iaclint check` that wrote SARIF.")
@click.option("--annotations/--no-annotations", default=True, show_default=True,
              help="Emit workflow-command annotations (at most 10 per level).")
@click.option("--log", "log_format", type=click.Choice(["text", "none"]), default="text", show_default=True,
              help="List every finding in the job log (collapsed group).")
@scan_flags
def action_report_cmd(sarif, paths, exit_code, annotations, log_format, **flags):
    """GitHub Action: annotations, job summary ($GITHUB_STEP_SUMMARY) and outputs ($GITHUB_OUTPUT) from SARIF.
    PATHS (the scanned paths): the summary also draws the blast radius of broad credentials and shared data."""
    from .report.action import run

    sys.exit(run(sarif, exit_code=exit_code, emit_annotations=annotations, log=log_format, echo=click.echo,
                 paths=list(paths), scan_flags=flags))


@cli.group("baseline")
def baseline_group():
    """Accept today's findings so `check --baseline FILE` fails only on new ones."""


@baseline_group.command("create", epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=".iaclint-baseline.json", show_default=True)
@scan_flags
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(), help="Extra directory of custom rules.")
def baseline_create(paths, output, **flags):
    """Write the fingerprints of every current (unsuppressed) finding in PATHS to a baseline file."""
    from dataclasses import replace

    from .baseline import write_baseline
    from .engine.loader import RuleError
    from .report.model import masked
    from .scan import scan

    paths = _paths(paths)
    _check_output(output)
    opts = replace(_options(paths, **flags), baseline=None)  # a new baseline records everything found now
    try:
        report = scan(paths, opts)
        n = write_baseline(output, report.findings, report.secrets)
    except RuleError as e:
        _usage_error(f"configuration error: {e}")
    except OSError as e:
        _usage_error(f"error: {output}: {e.strerror or e}")
    click.echo(f"iaclint: wrote {n} finding fingerprint{'s' if n != 1 else ''} to {output}", err=True)
    if report.tool_errors:  # the baseline misses what the failed rules would have found
        for e in masked(report).tool_errors:
            click.echo(f"iaclint: internal error: {e}", err=True)
        sys.exit(EXIT_INTERNAL)


@cli.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def init_cmd(directory):
    """Write a commented starter .iaclint.yaml in DIRECTORY (never overwrites)."""
    from .config import STARTER

    path = os.path.join(directory, ".iaclint.yaml")
    if os.path.exists(path):
        click.echo(f"iaclint: {path} already exists; not overwritten", err=True)
        sys.exit(EXIT_USAGE)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(STARTER)
    except OSError as e:
        _usage_error(f"error: {path}: {e.strerror or e}")
    click.echo(f"iaclint: wrote {path}", err=True)


@cli.command("lsp")
@click.option("--stdio", is_flag=True, default=True, hidden=True, help="Talk LSP over stdin/stdout (the default).")
def lsp_cmd(stdio):
    """Language server: diagnostics for .tf, .tfvars, railway.json/.toml and .env* files as you type."""
    from .lsp import serve

    serve()


from .guard.command import guard_group  # noqa: E402 - the command group registers below the other commands

cli.add_command(guard_group)


# a scan's graph, kept to the end of a process that exits without freeing it (main; None elsewhere: CliRunner)
_KEPT: list | None = None


def main():
    """The console script: the CLI, then a hard exit once the output is flushed.  An interpreter's shutdown frees the
    scan's objects one by one and runs a last cyclic collection over them, for a process that ends anyway (0.1 s
    of the 500-module corpus's 3.4 s; mypy exits the same way); ``check`` keeps its graph to that end (_KEPT)
    rather than freeing it before the report.  Nothing of iaclint's waits for that shutdown: its output files
    are closed when written, its worker processes joined when their stage ends."""
    global _KEPT
    _KEPT = []
    exit_now(run_cli(cli))


def run_cli(command, args=None, prog_name=None) -> int | str | None:
    """COMMAND's exit code, as click's standalone mode gives it except for Ctrl-C: 130 (128 + SIGINT, what a
    shell and CI read as "interrupted"), not click's 1 — which iaclint's exit codes say means findings."""
    try:
        rv = command.main(args, prog_name=prog_name, standalone_mode=False)
        return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0  # an int only from click's Exit
    except click.ClickException as e:  # usage errors: shown as click shows them
        e.show()
        return e.exit_code
    except click.Abort as e:
        click.echo("Aborted!", err=True)
        return 130 if isinstance(e.__cause__, KeyboardInterrupt) else 1
    except KeyboardInterrupt:  # outside click's handler (its own start-up)
        return 130
    except SystemExit as e:
        return e.code


def exit_now(code) -> None:
    """Exit with CODE (as ``sys.exit`` takes it: None, an int, else a message for stderr and 1) without the
    interpreter's shutdown, stdout and stderr flushed first."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`iaclint check . | head`): nothing more can be said there
            pass
    os._exit(code & 0xFF if code >= 0 else 1)


if __name__ == "__main__":
    main()
