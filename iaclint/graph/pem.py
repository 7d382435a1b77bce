"""Is a PEM private key's body key material (``credentials``: a header alone, filler, base64 of text or the first
lines of a key are not)?"""
from __future__ import annotations

import base64
import binascii
import re

PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")  # Proc-Type:, DEK-Info:, Version:, Comment:
_BASE64 = re.compile(r"^[A-Za-z0-9+/=]+$")


def key_material(after_begin: str) -> bool:
    """The text after a `-----BEGIN … PRIVATE KEY-----` holds key material: an END line, and between them at
    least 40 base64 characters that are not filler and decode to binary data. A header alone (a detector's
    regex, a redactor's test), `test`, `…`, `<your key>` or base64 of plain text (a test's
    `QUJDREVGR0hJSktM…`, "ABCDEFGHIJKL…") as the body is not a key. Bodies may be quoted, indented or
    `\\n`-escaped."""
    end = PEM_END.search(after_begin)
    if end is None:
        return False
    body = "".join(t for t in (_unquoted(ln) for ln in after_begin[:end.start()].replace("\\n", "\n").splitlines())
                   if t and not _PEM_HEADER.match(t))
    return len(body) >= 40 and len(set(body)) >= 16 and bool(_BASE64.match(body)) and not _not_key_bytes(body)


_CONCAT = re.compile(r"""^\+(?=["'\s])|(?<=["'\s])\+$""")  # `"…" +` / `+ "…"`: string concatenation, not base64


def _unquoted(line: str) -> str:
    """One line of a PEM body without the quotes, commas, backslashes and `+` operators that hold it in code (a
    `+` that ends a base64 line is kept: it is data)."""
    return _CONCAT.sub("", line.strip()).strip("\"',\\ \t")


def _not_key_bytes(body: str) -> bool:
    """The decoded body cannot be a key: nearly all printable ASCII (text: DER, OpenSSH and PGP keys are binary,
    printable about 37% of the time), or a DER SEQUENCE whose own length says it was cut short (a test that
    keeps the first lines of a key: `MIICXgIBAAJBAK…` announces 610 bytes and holds 96)."""
    try:
        data = base64.b64decode(body.rstrip("=") + "=" * (-len(body.rstrip("=")) % 4))
    except (ValueError, binascii.Error):
        return False
    printable = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    if data and printable >= 0.9 * len(data):
        return True
    return _der_length(data) not in (None, len(data)) or _openssh_cut_short(data)


def _openssh_cut_short(data: bytes) -> bool:
    """An OpenSSH private key (``openssh-key-v1``) whose fields run past the end of the data: the first lines of
    a key, kept as a sample."""
    magic = b"openssh-key-v1\x00"
    if not data.startswith(magic):
        return False
    off = len(magic)

    def field() -> bool:  # one length-prefixed string; False when it does not fit
        nonlocal off
        if off + 4 > len(data):
            return False
        off += 4 + int.from_bytes(data[off:off + 4], "big")
        return off <= len(data)

    if not (field() and field() and field()) or off + 4 > len(data):  # cipher, kdf, kdf options; key count
        return True
    count = int.from_bytes(data[off:off + 4], "big")
    off += 4
    return not all(field() for _ in range(min(count, 16) + 1))  # the public keys, then the private section


def _der_length(data: bytes) -> int | None:
    """The total length a DER SEQUENCE at the start of DATA declares (header included), or None if it is not one."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    if data[1] < 0x80:
        return 2 + data[1]
    n = data[1] & 0x7F
    if not 1 <= n <= 4 or len(data) < 2 + n:
        return None
    return 2 + n + int.from_bytes(data[2:2 + n], "big")
