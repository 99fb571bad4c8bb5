"""Work this process will need soon, done meanwhile by a child process on another core.

    if ahead.usable_cores() > 1:
        ahead.start(ident, "talent.ranking.scoring:keep_windows", job)
    ...                      # this process does something else
    ahead.wait(ident)        # the child is done (or failed): read what it kept

The child is ``python -m talent.ahead``: it reads ``(target, job)`` pickled on its
standard input (written here, never read from a file or the network), imports the
function ``target`` names and calls it with ``job``. It hands nothing back but its
side effects (a result kept in the store): the caller reads that, or, when the child
failed, does the work itself. A child nobody waited for is stopped when this process
ends. Starting one costs a Python start and the target's imports (about a second of the
other core); the caller decides whether the work is worth it.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import subprocess
import sys
import threading

# Children started and not yet waited for, by the caller's name for their work.
_running: dict[str, subprocess.Popen] = {}
_guard = threading.Lock()


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def started(ident: str) -> bool:
    """Whether a child doing ``ident`` runs and nobody waited for it yet."""
    with _guard:
        return ident in _running


def start(ident: str, target: str, job: object) -> bool:
    """Run ``target`` (``"package.module:function"``) with ``job`` in a child process,
    as the work ``ident``; False when one already does or none could be started."""
    payload = pickle.dumps((target, job))
    with _guard:
        if ident in _running:
            return False
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", "talent.ahead"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return False
        _running[ident] = child
    try:
        assert child.stdin is not None
        child.stdin.write(payload)
        child.stdin.close()
    except OSError:  # it died at once: the caller does the work
        pass
    return True


def wait(ident: str) -> None:
    """Wait for the child doing ``ident``, if one was started (nothing otherwise)."""
    with _guard:
        child = _running.pop(ident, None)
    if child is not None:
        child.wait()


@atexit.register
def _stop_children() -> None:
    with _guard:
        children = list(_running.values())
        _running.clear()
    for child in children:
        child.kill()
        child.wait()


def _main() -> int:
    target, job = pickle.loads(sys.stdin.buffer.read())
    module, name = target.split(":")
    getattr(importlib.import_module(module), name)(job)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
