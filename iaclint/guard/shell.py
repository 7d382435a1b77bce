"""A POSIX-shell command line into the simple commands it would run.

Not a shell: enough of one to see every command a line starts — lists and pipelines (``;``, ``&``, ``&&``,
``||``, ``|``, newlines), subshells and groups, command and process substitution (their commands run too),
prefix assignments and ``export``, quoting (single, double, ``$'…'``), backslash-newline continuations,
here-documents and here-strings (the body becomes the command's standard input), redirections, and the
wrappers that run their argument as a new command line (``sh -c``, ``bash -c``, ``eval``). Words are expanded
with the variables the line itself assigns and those ``lookup`` knows; an unknown ``$VAR`` stays as its text.

What it cannot follow (an unterminated quote, a here-document without its end, nesting deeper than
``MAX_DEPTH``) is recorded in ``Parsed.errors``: the guard fails closed on such a line when it mentions a
destructive verb.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DEPTH = 8  # sh -c inside $(…) inside eval …: deeper than this is refused, never followed
MAX_LENGTH = 256 * 1024

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)(.*)$", re.S)
_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "\n")
_REDIRECT = re.compile(r"(\d*)(<<<|<<-|<<|>>|>&|<&|&>>|&>|>\||<>|>|<)")
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "ash", "busybox"}
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "time", "{", "}", "in",
             "esac", "function"}


@dataclass
class Command:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # prefix assignments (``X=1 cmd``)
    stdin: str | None = None  # a here-document / here-string body, or what an earlier pipeline stage prints
    piped: bool = False  # reads the previous pipeline stage's output
    text: str = ""  # the command as written (for messages)

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


@dataclass
class Parsed:
    commands: list[Command] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    assigned: dict[str, str] = field(default_factory=dict)  # variables the line sets (X=…; export Y=…)
    sourced: list[str] = field(default_factory=list)  # files the line sources (``source .env.staging``)


class _Error(Exception):
    pass


class _Parser:
    def __init__(self, text: str, lookup, depth: int, out: Parsed, source=None):
        self.source = source
        self.s = text
        self.i = 0
        self.lookup = lookup
        self.depth = depth
        self.out = out
        self.pending_heredocs: list[tuple[Command, str, bool, bool]] = []  # (command, delimiter, strip tabs, quoted)

    # ---------------------------------------------------------------- variables
    def var(self, name: str) -> str | None:
        if name in self.out.assigned:
            return self.out.assigned[name]
        return self.lookup(name) if self.lookup else None

    # ---------------------------------------------------------------- reading
    def peek(self, n: int = 1) -> str:
        return self.s[self.i:self.i + n]

    def skip_blanks(self):
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and self.peek(2) == "\\\n":
                self.i += 2
            elif c == "#" and (self.i == 0 or self.s[self.i - 1] in " \t\n;&|()"):
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                break

    def read_until_close(self, open_: str, close: str) -> str:
        """The text up to the matching CLOSE (quotes respected); self.i after it."""
        depth, start = 1, self.i
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\":
                self.i += 2
                continue
            if c == "'" and open_ != "`":
                end = self.s.find("'", self.i + 1)
                if end < 0:
                    raise _Error("unterminated single quote")
                self.i = end + 1
                continue
            if c == '"' and open_ != "`":
                self.i += 1
                self.read_double()
                continue
            if c == close and (open_ == "`" or depth == 1):
                text = self.s[start:self.i]
                self.i += 1
                return text
            if open_ != "`" and c == open_:
                depth += 1
            elif open_ != "`" and c == close:
                depth -= 1
            self.i += 1
        raise _Error(f"unterminated {open_}")

    def read_double(self) -> str:
        """A double-quoted string's value (self.i after the opening quote)."""
        buf = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                return "".join(buf)
            if c == "\\":
                nxt = self.peek(2)[1:]
                if nxt == "\n":
                    self.i += 2
                    continue
                if nxt in ('"', "\\", "$", "`"):
                    buf.append(nxt)
                    self.i += 2
                    continue
                buf.append(c)
                self.i += 1
                continue
            if c == "$" or c == "`":
                buf.append(self.dollar())
                continue
            buf.append(c)
            self.i += 1
        raise _Error("unterminated double quote")

    def dollar(self) -> str:
        """A $-expansion or backquote at self.i: its value when known, else its text."""
        start = self.i
        if self.s[self.i] == "`":
            self.i += 1
            self.substitute(self.read_until_close("`", "`"))
            return "$(…)"
        nxt = self.peek(2)[1:]
        if self.peek(3) == "$((":
            self.i += 3
            self.read_until_close("(", ")")
            if self.peek() == ")":
                self.i += 1
            return "$((…))"
        if nxt == "(":
            self.i += 2
            self.substitute(self.read_until_close("(", ")"))
            return "$(…)"
        if nxt == "{":
            self.i += 2
            inner = self.read_until_close("{", "}")
            m = _NAME.match(inner)
            if m and m.end() == len(inner):
                v = self.var(inner)
                return v if v is not None else f"${{{inner}}}"
            if m and inner[m.end():m.end() + 2] in (":-", ":=") or m and inner[m.end():m.end() + 1] in ("-", "="):
                v = self.var(m.group(0))
                if v:
                    return v
            return self.s[start:self.i]
        m = _NAME.match(self.s, self.i + 1)
        if m:
            self.i = m.end()
            v = self.var(m.group(0))
            return v if v is not None else f"${m.group(0)}"
        if nxt and nxt in "@*#?$!-0123456789":
            self.i += 2
            return "$" + nxt
        if nxt == "'":  # $'…' ANSI-C quoting
            self.i += 2
            return self.ansi_c()
        self.i += 1
        return "$"

    def ansi_c(self) -> str:
        buf = []
        escapes = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "r": "\r", "e": "\x1b", "a": "\a"}
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "'":
                self.i += 1
                return "".join(buf)
            if c == "\\" and self.i + 1 < len(self.s):
                e = self.s[self.i + 1]
                buf.append(escapes.get(e, "\\" + e))
                self.i += 2
                continue
            buf.append(c)
            self.i += 1
        raise _Error("unterminated $'…' quote")

    def substitute(self, text: str):
        """Commands in $(…), `…` or <(…) run too: parse them into the same output."""
        parse_into(text, self.lookup, self.depth + 1, self.out, self.source)

    def word(self) -> str | None:
        """One word at self.i (None at an operator or the end)."""
        buf = []
        started = False
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\n;&|()<>":
                break
            started = True
            if c == "\\":
                nxt = self.peek(2)[1:]
                self.i += 2
                if nxt != "\n":
                    buf.append(nxt)
                continue
            if c == "'":
                end = self.s.find("'", self.i + 1)
                if end < 0:
                    raise _Error("unterminated single quote")
                buf.append(self.s[self.i + 1:end])
                self.i = end + 1
                continue
            if c == '"':
                self.i += 1
                buf.append(self.read_double())
                continue
            if c in "$`":
                buf.append(self.dollar())
                continue
            buf.append(c)
            self.i += 1
        return "".join(buf) if started else None

    # ---------------------------------------------------------------- structure
    def parse(self):
        cmd: Command | None = None
        prev_piped = False
        while True:
            self.skip_blanks()
            if self.i >= len(self.s):
                break
            c = self.s[self.i]
            if c == "\n":
                self.i += 1
                self.read_heredocs()
                cmd, prev_piped = self.finish(cmd), False
                continue
            if c in "<>" and self.peek(2)[1:] == "(":  # process substitution
                self.i += 2
                self.substitute(self.read_until_close("(", ")"))
                continue
            m = _REDIRECT.match(self.s, self.i)
            if m:
                self.i = m.end()
                if cmd is None:
                    cmd = self.new_command(prev_piped)
                self.redirect(cmd, m.group(2))
                continue
            op = next((o for o in _OPERATORS if self.s.startswith(o, self.i)), None)
            if op:
                self.i += len(op)
                prev_piped = op in ("|", "|&")
                cmd = self.finish(cmd)
                continue
            if c == "(":
                self.i += 1
                self.substitute(self.read_until_close("(", ")"))
                cmd = self.finish(cmd)
                continue
            if c == ")":
                raise _Error("unbalanced )")
            start = self.i
            w = self.word()
            if w is None:
                raise _Error(f"unexpected {c!r}")
            if cmd is None:
                cmd = self.new_command(prev_piped)
            if not cmd.argv:
                a = _ASSIGN.match(w)
                if a and "=" in self.s[start:self.i]:
                    cmd.env[a.group(1)] = a.group(3)
                    continue
                if w in _KEYWORDS:
                    continue
            cmd.argv.append(w)
            cmd.text = (cmd.text + " " + self.s[start:self.i]).strip()
        self.finish(cmd)
        if self.pending_heredocs:
            raise _Error("here-document without its end")

    def finish(self, cmd: Command | None) -> None:
        """A command is complete: what it sets (``X=1``, ``export X=1``, ``source FILE``) holds for the rest
        of the line."""
        if cmd is None:
            return None
        if not cmd.argv:
            self.out.assigned.update({n: v for n, v in cmd.env.items() if not n.startswith("\0")})
        elif cmd.name in ("export", "declare", "typeset", "local", "readonly"):
            for a in cmd.argv[1:]:
                m = _ASSIGN.match(a)
                if m:
                    self.out.assigned[m.group(1)] = m.group(3)
        elif cmd.name in ("source", ".") and len(cmd.argv) > 1:
            self.out.sourced.append(cmd.argv[1])
            if self.source is not None:
                self.out.assigned.update(self.source(cmd.argv[1]) or {})
        return None

    def new_command(self, piped: bool) -> Command:
        cmd = Command([], piped=piped)
        self.out.commands.append(cmd)
        return cmd

    def redirect(self, cmd: Command, op: str):
        self.skip_blanks()
        if op in ("<<", "<<-"):
            start = self.i
            delim = self.word()
            if not delim:
                raise _Error("here-document without a delimiter")
            quoted = any(q in self.s[start:self.i] for q in "'\"\\")
            self.pending_heredocs.append((cmd, delim, op == "<<-", quoted))
            return
        target = self.word()
        if target is None:
            raise _Error(f"redirection {op} without a target")
        if op == "<<<":
            cmd.stdin = (cmd.stdin or "") + target + "\n"
        elif op == "<":
            cmd.env.setdefault("\0stdin_file", target)

    def read_heredocs(self):
        for cmd, delim, strip, quoted in self.pending_heredocs:
            lines = []
            while True:
                if self.i >= len(self.s):
                    raise _Error(f"here-document without its end ({delim})")
                end = self.s.find("\n", self.i)
                line = self.s[self.i:] if end < 0 else self.s[self.i:end]
                self.i = len(self.s) if end < 0 else end + 1
                if (line.lstrip("\t") if strip else line) == delim:
                    break
                lines.append(line.lstrip("\t") if strip else line)
            body = "\n".join(lines) + "\n"
            if not quoted:
                body = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", lambda m: self.expand(m.group(0)), body)
            cmd.stdin = (cmd.stdin or "") + body
        self.pending_heredocs = []

    def expand(self, ref: str) -> str:
        v = self.var(ref.strip("${}"))
        return v if v is not None else ref


def _post(out: Parsed, start: int, lookup, depth: int, source):
    """The wrappers that run a new command line, for the commands parsed from index START on; a pipeline stage that prints literal text becomes the next stage's stdin."""
    cmds = out.commands[start:]
    for k, cmd in enumerate(cmds):
        name = cmd.name
        if name in _SHELLS or name == "eval":
            script = _script_of(cmd.argv) if name != "eval" else " ".join(cmd.argv[1:])
            if script is not None:
                parse_into(script, lookup, depth + 1, out, source)
            elif name in _SHELLS and cmd.stdin:
                parse_into(cmd.stdin, lookup, depth + 1, out, source)
        if cmd.piped and k > 0 and cmd.stdin is None:
            prev = cmds[k - 1]
            if prev.name in ("echo", "printf") and len(prev.argv) > 1:
                cmd.stdin = " ".join(a for a in prev.argv[1:] if not a.startswith("-")) + "\n"
            elif prev.stdin is not None and prev.name in ("cat", "tee"):
                cmd.stdin = prev.stdin
            elif prev.name == "cat" and len(prev.argv) > 1:
                cmd.env.setdefault("\0stdin_file", prev.argv[1])


def _script_of(argv: list[str]) -> str | None:
    """The -c script of a shell invocation (``bash -lc 'cmd'``, ``sh -c 'cmd' name``)."""
    for j, a in enumerate(argv[1:], 1):
        if a.startswith("-") and not a.startswith("--") and "c" in a[1:]:
            return argv[j + 1] if j + 1 < len(argv) else None
        if not a.startswith("-"):
            return None
    return None


def parse_into(text: str, lookup, depth: int, out: Parsed, source=None) -> None:
    if depth > MAX_DEPTH:
        out.errors.append("nested deeper than iaclint follows")
        return
    start = len(out.commands)
    p = _Parser(text, lookup, depth, out, source)
    try:
        p.parse()
    except _Error as e:
        out.errors.append(str(e))
    except (IndexError, RecursionError) as e:  # defensive: a parser bug is an unparseable line, never a crash
        out.errors.append(f"cannot parse: {type(e).__name__}")
    _post(out, start, lookup, depth, source)


def parse(text: str, lookup=None, source=None) -> Parsed:
    """Every simple command TEXT would run (see the module doc). LOOKUP(name) -> value or None: variables the
    caller knows; SOURCE(path) -> {name: value} or None: what ``source PATH`` defines (a repository .env)."""
    out = Parsed()
    if len(text) > MAX_LENGTH:
        out.errors.append(f"command longer than {MAX_LENGTH} characters")
        return out
    parse_into(text, lookup, 0, out, source)
    return out
