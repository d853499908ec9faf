"""Fault injectors for the operations tests: a TCP proxy that can refuse, slow down or cut a stream,
an SMTP handler that answers 421 for a while, and the honest way to lose a PostgreSQL connection on a
shared server (``pg_terminate_backend`` of one backend, never a restart)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import psycopg
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connection

from tests.services import RecordingHandler, free_port


class FaultyProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``; the attributes choose the fault for new traffic.

    ``down``: connections are accepted and closed at once (a server that is not there).
    ``delay``: seconds to wait before each chunk from the server (a slow server).
    ``cut_on``: the first server chunk that contains these bytes is forwarded in part, then both sides
    are closed (a connection dropped in the middle of a FETCH); it fires once, then clears itself.
    """

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.down = False
        self.delay = 0.0
        self.cut_on: bytes | None = None
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._stopped = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_server: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_server and self.delay:
                    time.sleep(self.delay)
                marker = self.cut_on
                if from_server and marker and marker in data:
                    self.cut_on, self.cuts = None, self.cuts + 1
                    target.sendall(data[: data.index(marker) + len(marker) + 40])
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()


class BusySmtpHandler(RecordingHandler):
    """Answers every command with ``421`` while ``busy`` (a server that is overloaded or restarting),
    else records mail like the sink."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.refused = 0

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.busy:
            self.refused += 1
            return "421 4.3.2 service not available, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def backend_pid() -> int:
    """The PostgreSQL backend of this thread's Django connection (opened if need be)."""
    connection.ensure_connection()
    raw: Any = connection.connection
    return int(raw.info.backend_pid)


def terminate_backend(pid: int) -> bool:
    """Kill one backend from a separate connection, as an administrator or a failover would."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings.get("HOST") or "127.0.0.1",
        port=int(settings.get("PORT") or 5432),
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        row = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
    return bool(row and row[0])
