"""Store and device work off the UI thread (Anki's CollectionOp, minimal).

One background thread runs operations in order (a scan must not overtake the one
before it). Results travel back through a thread-safe queue; the only thing that
crosses threads through Qt is an argument-less wake-up signal, so no Python object
rides Qt's queued connections. (PySide6 6.12.0 aborts with refcount errors as soon
as a second Python thread runs; pyproject pins it out and tests/ui/test_worker.py
runs a few hundred operations to catch such a regression.)
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ui.qt import QObject, Signal

Done = tuple[
    Callable[[Any], None] | None,
    Callable[[BaseException], None] | None,
    Any,
    BaseException | None,
]


class Worker(QObject):
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="till-op")
        self._results: queue.SimpleQueue[Done] = queue.SimpleQueue()
        self.busy = 0
        self.closed = False
        self._wake.connect(self._drain)

    def run(
        self,
        fn: Callable[[], Any],
        ok: Callable[[Any], None] | None = None,
        fail: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self.closed:  # the window is closing: a timer's last tick has nothing to do
            return
        self.busy += 1

        def job() -> None:
            try:
                result = fn()
            except BaseException as err:  # every failure goes back to the UI thread
                self._results.put((ok, fail, None, err))
            else:
                self._results.put((ok, fail, result, None))
            self._wake.emit()

        self._pool.submit(job)

    def _drain(self) -> None:
        """On the UI thread: deliver every finished operation, in order."""
        while True:
            try:
                ok, fail, result, error = self._results.get_nowait()
            except queue.Empty:
                return
            self.busy -= 1
            if error is not None:
                if fail is None:
                    raise error
                fail(error)
            elif ok is not None:
                ok(result)

    def shutdown(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=True)
        self._drain()
