"""A TCP proxy on 127.0.0.1 that can cut a database off in the middle of an extract.

It forwards every connection to the real server and counts the bytes the server sends. Once
`cut_after` bytes have gone through, it closes every open connection and from then on accepts new
ones only to close them at once (a server gone away), noting when each attempt came.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class CuttingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.cut_after: int | None = None
        self.sent = 0  # bytes from the server to the clients
        self.down = False
        self.cut_at: float | None = None  # time.monotonic() of the cut
        self.attempts: list[float] = []  # time.monotonic() of each connection
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.attempts.append(time.monotonic())
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        try:
            while data := src.recv(65536):
                if from_server:
                    with self._lock:
                        self.sent += len(data)
                        cut = self.cut_after is not None and self.sent >= self.cut_after
                    if cut:
                        self.cut()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                _close(s)

    def cut(self) -> None:
        """The server goes away: every connection is closed, new ones are refused."""
        if not self.down:
            self.cut_at = time.monotonic()
        self.down = True
        with self._lock:
            sockets, self._open = self._open, []
        for s in sockets:
            _close(s)

    def close(self) -> None:
        self._stop = True
        self.cut()
        self.server.close()


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()
