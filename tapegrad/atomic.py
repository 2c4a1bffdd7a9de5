"""Crash-safe file writes: a temporary file, flushed, then renamed over the old one."""

from __future__ import annotations

import os
import tempfile

__all__ = ["write_atomically"]


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old file or the new.

    The text goes to a temporary file in the same folder, flushed to disk,
    which then replaces ``path`` in one step (``os.replace``). A symbolic link
    is written through and kept. A new file gets the permissions the umask
    gives; a replaced one keeps its own.

    Args:
      path: The file to write.
      text: Its new content.
    """
    if os.path.islink(path):        # write through the link, keep the link
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=folder)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)          # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _mode_for(path: str) -> int:
    """The permissions the saved file gets: the old file's, else the umask's."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)               # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX).

    A no-op where folders can't be opened.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
