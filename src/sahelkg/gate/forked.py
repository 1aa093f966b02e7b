"""Work done in a forked child process while this one goes on, its result returned through a pipe.

The gate uses it twice: the compiled engine checks half of many focus nodes in a child
(validation._native), and a big change into an in-memory store is checked in a child while this
process writes it (gate.commit). A forked child sees this process's memory as it was at the fork
(copy on write): the store before the change, the view, without copying either up front.

>>> Forked(lambda: 6 * 7).result()
42
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def fork_is_safe() -> bool:
    """Return True when a forked child can help: two cores, fork, and no other Python thread (a
    child has only the forking thread; locks held by the others would stay held in it)."""
    return (os.cpu_count() or 1) >= 2 and hasattr(os, "fork") and threading.active_count() == 1


class Forked(Generic[T]):
    """`work()` run in a forked child from the moment this is made. `result()` waits for it and
    returns its value, or None when the child failed (the caller then does the work itself, where
    the error shows); `cancel()` stops a child whose result is no longer wanted. Only call it when
    `fork_is_safe()`. Raises OSError when no child can be forked."""

    def __init__(self, work: Callable[[], T]) -> None:
        read_end, write_end = os.pipe()
        try:
            self._pid: int | None = os.fork()
        except OSError:  # no process to spare (memory, process limits): the caller does the work itself
            os.close(read_end)
            os.close(write_end)
            raise
        if self._pid == 0:
            status = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as out:
                    pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)  # never return into the parent's code
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")

    def result(self) -> T | None:
        """Wait for the child; return what `work()` returned, or None when the child failed."""
        if self._pid is None:
            raise RuntimeError("the child's result was taken or cancelled already")
        with self._pipe:
            received = self._pipe.read()  # before waiting: a big result fills the pipe
        _pid, status = os.waitpid(self._pid, 0)
        self._pid = None
        return pickle.loads(received) if status == 0 else None

    def cancel(self) -> None:
        """Stop the child if it still runs and reap it (nothing when its result was taken)."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._pid = None
        self._pipe.close()
