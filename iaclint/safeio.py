"""Reading input files safely: only regular files, never blocking, never more than a size limit.

A FIFO, a character device (``/dev/zero``), a socket or a directory given as an input file is refused
before a byte is read: the file is opened with O_NONBLOCK (opening a FIFO does not wait for a writer) and
checked with fstat on the open descriptor (no race between the check and the read), so a symlink to any
of them is refused as well.
"""
from __future__ import annotations

import os
import stat


class UnsafeFile(OSError):
    """The path is not a regular file, or is larger than the limit (``size`` is then its size in bytes)."""

    def __init__(self, message: str, size: int | None = None):
        super().__init__(message)
        self.size = size


def _open_checked(path: str, max_bytes: int) -> int:
    """A descriptor of PATH, opened without blocking, once fstat on it says a regular file of at most MAX_BYTES."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"not a regular file: {path}")
        if st.st_size > max_bytes:
            raise UnsafeFile(f"larger than {max_bytes} bytes: {path}", st.st_size)
        return fd
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """The bytes of PATH if it is a regular file of at most MAX_BYTES; UnsafeFile otherwise (OSError when
    it cannot be opened)."""
    fd = _open_checked(path, max_bytes)
    try:
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # grew since fstat
                raise UnsafeFile(f"larger than {max_bytes} bytes: {path}", total)
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_regular_file(path: str, max_bytes: int):
    """A binary file object for PATH if it is a regular file of at most MAX_BYTES (for streaming readers that
    must not hold the whole file); UnsafeFile otherwise (OSError when it cannot be opened)."""
    return os.fdopen(_open_checked(path, max_bytes), "rb")
