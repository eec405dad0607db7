"""The background worker: many operations, in order, while other Python threads run.

PySide6 6.12.0 aborted the process with refcount errors (none_dealloc) after a few
dozen such operations; a regression in a future Qt shows up here as a crash.
"""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from ui.worker import Worker


def test_hundreds_of_operations_arrive_in_order_with_other_threads_running(qtbot: QtBot) -> None:
    worker = Worker()
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def noise() -> None:  # a scanner or print-queue thread doing Python work
        while not stop.is_set():
            _ = [None, True, False] * 8

    threads = [threading.Thread(target=noise) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(400):
            worker.run(lambda i=i: i, seen.append, errors.append)
            if i % 7 == 0:
                worker.run(lambda: 1 // 0, seen.append, errors.append)
        qtbot.waitUntil(lambda: worker.busy == 0, timeout=20000)
    finally:
        stop.set()
        for t in threads:
            t.join()
        worker.shutdown()
    assert seen == list(range(400))
    assert len(errors) == 58 and all(isinstance(e, ZeroDivisionError) for e in errors)
