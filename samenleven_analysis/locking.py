"""Advisory locks on folders (``fcntl.flock`` on the folder itself).

So two builds or two runs never interleave their writes into one folder, and no lock file is left
behind.

Linux and macOS; elsewhere the locks are no-ops (documented limitation).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from samenleven_analysis.errors import SamenlevenError


class FolderBusy(SamenlevenError):
    """Another process holds the lock on a folder (a second run into the same ``--out``)."""


@contextlib.contextmanager
def folder_lock(
    folder: str | Path, *, shared: bool = False, wait: bool = True, what: str = "samenleven"
) -> Iterator[None]:
    """Hold a lock on ``folder`` (which must exist) for the ``with`` block.

    ``shared``: a reader's lock (many at once; waits for an exclusive holder). ``wait``:
    block until the lock is free (printing one line while waiting); ``wait=False`` raises
    :class:`FolderBusy` instead.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(str(folder), os.O_RDONLY)
    try:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise FolderBusy(
                    f"{folder} is in use by another {what} (a second run into the same folder); "
                    "wait for it to finish or choose another --out"
                ) from None
            print(
                f"waiting for another {what} to finish writing {folder} ...",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing releases the lock
