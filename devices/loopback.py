"""A loopback TCP server for device simulators (network printer, socket:// scanner):
accepts in a thread, keeps its clients, and drops them on demand (a cable pulled)."""

from __future__ import annotations

import contextlib
import socket
import threading


class LoopbackServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "loopback",
        accept_timeout: float = 0.05,
    ) -> None:
        self._server = socket.create_server((host, port))
        self._server.settimeout(accept_timeout)
        self.host, self.port = self._server.getsockname()[:2]
        self._clients: list[socket.socket] = []
        self._cond = threading.Condition()  # guards _clients; waiters learn of new ones
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def on_client(self, conn: socket.socket) -> None:
        """Called (outside the lock) for each new client; subclasses serve it."""

    def wait_for_client(self, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: bool(self._clients), timeout)

    def drop_clients(self) -> None:
        """Disconnect every client (they see the socket close and retry)."""
        with self._cond:
            for c in self._clients:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._clients.clear()

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join(2.0)
        self.drop_clients()
        self._server.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                self._clients.append(conn)
                self._cond.notify_all()
            self.on_client(conn)
