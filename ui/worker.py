"""Store and device work off the UI thread (Anki's CollectionOp, minimal).

One background thread runs operations in order (a scan must not overtake the one
before it); results come back to the UI thread through a queued signal, so the
window never freezes and callbacks may touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ui.qt import QObject, Signal


class Worker(QObject):
    _done = Signal(object, object, object, object)  # ok, fail, result, error

    def __init__(self) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="till-op")
        self.busy = 0
        self._done.connect(self._deliver)

    def run(
        self,
        fn: Callable[[], Any],
        ok: Callable[[Any], None] | None = None,
        fail: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.busy += 1

        def finished(f: Future[Any]) -> None:
            err = f.exception()
            self._done.emit(ok, fail, None if err else f.result(), err)

        self._pool.submit(fn).add_done_callback(finished)

    def _deliver(self, ok: Any, fail: Any, result: Any, error: Any) -> None:
        self.busy -= 1
        if error is not None:
            if fail is None:
                raise error
            fail(error)
        elif ok is not None:
            ok(result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
