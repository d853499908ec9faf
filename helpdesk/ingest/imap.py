"""All IMAP I/O of the helpdesk: connect with verified TLS, list new UIDs, fetch raw bytes in bounded
batches, mark read or move, and wait for new mail with IDLE.

Built on imap-tools (see docs/decisions.md). Nothing here parses mail or touches the database; every
failure leaves this module as ``ImapError``.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.utils import encode_folder

from helpdesk.transport_security import (
    SECURITY_PLAIN,
    SECURITY_STARTTLS,
    SECURITY_TLS,
    check_transport,
)

_SIZE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")


class ImapError(Exception):
    """Talking to the IMAP server failed; ``auth`` is true when it refused the credentials."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: str
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    allow_insecure: bool = False
    timeout: float = 30.0
    ca_file: str = ""


@dataclass(frozen=True)
class FetchedMail:
    uid: int
    raw: bytes


@dataclass(frozen=True)
class MailboxUrl:
    """What ``imap[s]://user:pass@host:port/FOLDER?starttls=1&insecure=1&processed=F`` says."""

    host: str
    port: int
    security: str
    username: str
    password: str = field(repr=False)
    folder: str
    allow_insecure: bool
    processed_folder: str


def parse_mailbox_url(url: str) -> MailboxUrl:
    """Read a mailbox URL; ``ValueError`` says what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"imap", "imaps"}:
        raise ValueError(f"the URL must start with imap:// or imaps://, not {parts.scheme or '(none)'}://")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    if not parts.username:
        raise ValueError("the URL names no user (imaps://USER:PASSWORD@host/INBOX)")
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"starttls", "insecure", "processed"}
    if unknown:
        raise ValueError(f"unknown URL option(s): {', '.join(sorted(unknown))}")
    starttls = _flag(query, "starttls")
    if parts.scheme == "imaps" and starttls:
        raise ValueError("imaps:// is already TLS; ?starttls=1 belongs to imap://")
    security = SECURITY_TLS if parts.scheme == "imaps" else SECURITY_STARTTLS if starttls else SECURITY_PLAIN
    try:
        if parts.port == 0:
            raise ValueError
        port = parts.port or (993 if security == SECURITY_TLS else 143)
    except ValueError:
        raise ValueError("the port is not a number between 1 and 65535") from None
    allow_insecure = _flag(query, "insecure")
    check_transport(host=parts.hostname, security=security, allow_insecure=allow_insecure)
    return MailboxUrl(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        allow_insecure=allow_insecure,
        processed_folder=query.get("processed", ""),
    )


def _flag(query: dict[str, str], name: str) -> bool:
    value = query.get(name, "0").lower()
    if value not in {"0", "1", "true", "false", "yes", "no", ""}:
        raise ValueError(f"?{name}= must be 1 or 0, not {value!r}")
    return value in {"1", "true", "yes", ""}


def uid_set(uids: Iterable[int]) -> str:
    """Compact IMAP sequence set: [1, 2, 3, 7] -> "1:3,7"."""
    ranges: list[str] = []
    ordered = sorted(set(uids))
    start = previous = ordered[0] if ordered else 0
    for uid in ordered[1:]:
        if uid != previous + 1:
            ranges.append(f"{start}:{previous}" if previous != start else str(start))
            start = uid
        previous = uid
    if ordered:
        ranges.append(f"{start}:{previous}" if previous != start else str(start))
    return ",".join(ranges)


def plan_batches(sizes: Sequence[tuple[int, int]], *, max_count: int, max_bytes: int) -> Iterator[list[int]]:
    """Group (uid, size) pairs into fetches of at most ``max_count`` mails and ``max_bytes`` bytes.

    A mail larger than ``max_bytes`` is fetched alone.
    """
    batch: list[int] = []
    total = 0
    for uid, size in sizes:
        if batch and (len(batch) >= max_count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


class _RawMessage(MailMessage):
    """imap-tools' message without the e-mail parse: we keep the bytes and parse elsewhere."""

    def __init__(self, fetch_data: list[Any]) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data = uid_data
        self._raw_flag_data = flag_data
        self.raw: bytes = raw if isinstance(raw, bytes) else b""


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    """Every library, socket and TLS failure becomes an ImapError naming what we were doing."""
    try:
        yield
    except ImapError:
        raise
    except MailboxLoginError as exc:
        raise ImapError(f"{action}: the server refused the login ({_describe(exc)})", auth=True) from exc
    except (ImapToolsError, imaplib.IMAP4.error, OSError, EOFError, ValueError) as exc:
        raise ImapError(f"{action}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message})"
    text = str(exc).strip() or type(exc).__name__
    return text[:500]


class ImapSession:
    """One logged-in connection with the configured folder selected. Use as a context manager."""

    def __init__(self, config: ImapConfig) -> None:
        check_transport(host=config.host, security=config.security, allow_insecure=config.allow_insecure)
        self.config = config
        with _translated(f"connecting to {config.host}:{config.port}"):
            self._box = self._connect(config)
        try:
            with _translated(f"logging in as {config.username}"):
                self._box.login(config.username, config.password, initial_folder=None)
                self.capabilities = self._capabilities()
            self.uidvalidity, self.uidnext, self.exists = self._select(config.folder)
        except BaseException:
            self._abandon()
            raise

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @staticmethod
    def _connect(config: ImapConfig) -> BaseMailBox:
        if config.security == SECURITY_PLAIN:
            return MailBoxUnencrypted(config.host, config.port, timeout=config.timeout)
        context = ssl.create_default_context(cafile=config.ca_file or None)
        if config.security == SECURITY_STARTTLS:
            # imaplib raises when the server offers no STARTTLS: there is no fallback to plaintext.
            return MailBoxStartTls(config.host, config.port, timeout=config.timeout, ssl_context=context)
        return MailBox(config.host, config.port, timeout=config.timeout, ssl_context=context)

    def _select(self, folder: str) -> tuple[int, int | None, int]:
        with _translated(f"opening folder {folder!r}"):
            self._box.folder.set(folder)
            client = self._box.client
            uidvalidity = _first_int(client.response("UIDVALIDITY")[1])
            uidnext = _first_int(client.response("UIDNEXT")[1])
            exists = _first_int(client.response("EXISTS")[1]) or 0
        if uidvalidity is None:
            raise ImapError(f"the server sent no UIDVALIDITY for {folder!r}")
        return uidvalidity, uidnext, exists

    def _capabilities(self) -> frozenset[str]:
        """What the server offers now that we are logged in. imaplib keeps the list it read on
        connecting, before login, and many servers (Dovecot among them) add MOVE, UIDPLUS and more
        only after it: with that stale list, imap-tools' move fell back to COPY and an EXPUNGE of the
        whole folder."""
        client = self._box.client
        status, data = client.capability()
        if status != "OK" or not data or not isinstance(data[-1], bytes):
            return frozenset(str(c).upper() for c in client.capabilities)
        return frozenset(data[-1].decode("ascii", "replace").upper().split())

    @property
    def supports_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def new_uids(self, after: int) -> list[int]:
        """UIDs above ``after`` in ascending order (``n:*`` also matches the highest UID; it is dropped)."""
        with _translated("searching for new mail"):
            found = self._box.uids(f"UID {after + 1}:*", charset=None)
        return sorted(uid for uid in (int(u) for u in found) if uid > after)

    def sizes(self, uids: Sequence[int]) -> list[tuple[int, int]]:
        """(uid, size in bytes) for the UIDs that still exist, in ascending UID order."""
        if not uids:
            return []
        with _translated("reading message sizes"):
            status, data = self._box.client.uid("FETCH", uid_set(uids), "(UID RFC822.SIZE)")
        if status != "OK":
            raise ImapError(f"reading message sizes: {data!r}"[:500])
        wanted, found = set(uids), {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            match = _SIZE.search(line or b"")
            if match:
                uid = int(match[1] or match[4])
                if uid in wanted:
                    found[uid] = int(match[2] or match[3])
        return sorted(found.items())

    def fetch(self, uids: Sequence[int]) -> list[FetchedMail]:
        """The raw bytes of ``uids`` (BODY.PEEK[], so nothing is marked read); vanished UIDs are skipped."""
        if not uids:
            return []
        wanted = set(uids)
        self._box.email_message_class = _RawMessage
        with _translated("fetching mail"):
            messages = list(self._box.fetch(uid_list=uid_set(uids), mark_seen=False, bulk=True))
        fetched = {int(m.uid): m.raw for m in messages if m.uid and int(m.uid) in wanted}  # type: ignore[attr-defined]
        return [FetchedMail(uid=uid, raw=raw) for uid, raw in sorted(fetched.items())]

    def mark_seen(self, uids: Sequence[int]) -> None:
        # A plain STORE: imap-tools' flag() also EXPUNGEs, which would remove others' deleted mail.
        if not uids:
            return
        with _translated("marking mail as read"):
            status, data = self._box.client.uid("STORE", uid_set(uids), "+FLAGS.SILENT", r"(\Seen)")
        if status != "OK":
            raise ImapError(f"marking mail as read: {data!r}"[:500])

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move ``uids`` to ``folder`` without touching other mail of the folder.

        UID MOVE where the server has it. Otherwise UID COPY, then flag the originals deleted and,
        where the server has UIDPLUS, UID EXPUNGE exactly those; without UIDPLUS they stay flagged
        for the server's or a client's next expunge, because a plain EXPUNGE would also remove mail
        somebody else flagged deleted in this shared folder and might still want back."""
        if not uids:
            return
        uid_list = uid_set(uids)
        with _translated(f"moving mail to {folder!r}"):
            if not self._box.folder.exists(folder):
                self._box.folder.create(folder)
            target = encode_folder(folder).decode("ascii")  # modified UTF-7, quoted
            if "MOVE" in self.capabilities:
                self._uid_command("MOVE", uid_list, target)
                return
            self._uid_command("COPY", uid_list, target)
            self._uid_command("STORE", uid_list, "+FLAGS.SILENT", r"(\Deleted)")
            if "UIDPLUS" in self.capabilities:
                self._uid_command("EXPUNGE", uid_list)

    def _uid_command(self, command: str, *args: str) -> None:
        status, data = self._box.client.uid(command, *args)
        if status != "OK":
            raise ImapError(f"UID {command}: {data!r}"[:500])

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> bool:
        """IDLE until new mail arrives (True), ``timeout`` passes or ``stop`` is set (False)."""
        if self._reported_new_mail():
            return True
        deadline = time.monotonic() + timeout
        closed = False
        with _translated("waiting for mail (IDLE)"):
            self._box.idle.start()
            try:
                # The server reports mail that came since the last command as soon as IDLE starts, often
                # in the same packet as its "+ idling": that line may already sit in imaplib's buffer
                # (or among its untagged responses), where polling the socket would never see it.
                if _announces_mail(self._read_buffered()) or self._reported_new_mail():
                    return True
                while not stop.is_set() and time.monotonic() < deadline:
                    if _announces_mail(self._box.idle.poll(timeout=1)):
                        return True
                    # imap-tools' poll returns nothing, at once, on a connection the server closed.
                    if self._closed_by_server():
                        closed = True
                        raise ImapError("waiting for mail (IDLE): the server closed the connection")
                return False
            finally:
                if not closed:
                    self._box.idle.stop()

    def _closed_by_server(self) -> bool:
        """Whether the server has closed the connection: a peek at the TCP stream (beneath TLS, where
        no record is consumed) finds its end."""
        sock = self._box.client.sock
        previous = sock.gettimeout()
        sock.settimeout(0)  # with a timeout, Python would first wait that long for something to read
        try:
            return socket.socket.recv(sock, 1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False  # open, nothing to read
        except OSError:
            return True  # reset
        finally:
            sock.settimeout(previous)

    def _reported_new_mail(self) -> bool:
        """Whether the server announced new mail during an earlier command (imaplib keeps it aside).

        Mail that arrives while a poll runs is reported in untagged EXISTS or RECENT responses to that
        poll's commands; IDLE would not report it again, so without this check it waited for the next
        IDLE timeout.
        """
        pending = self._box.client.untagged_responses
        announced = False
        for name in ("EXISTS", "RECENT"):
            if pending.pop(name, None):
                announced = True
        return announced

    def _read_buffered(self) -> list[bytes]:
        """The complete lines that can be read without waiting."""
        client = self._box.client
        lines: list[bytes] = []
        previous = client.sock.gettimeout()
        client.sock.settimeout(0)
        try:
            while True:
                try:
                    lines.append(client._get_line())
                except OSError:  # nothing more to read now (also TLS's "want read")
                    break
                except imaplib.IMAP4.abort as exc:
                    if "EOF" not in str(exc):  # imaplib's way of saying "nothing read"
                        raise
                    break
        finally:
            client.sock.settimeout(previous)
        return lines

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._box.logout()
        self._abandon()

    def _abandon(self) -> None:
        with contextlib.suppress(Exception):
            self._box.client.shutdown()


def _announces_mail(lines: Iterable[bytes]) -> bool:
    return any(b"EXISTS" in line or b"RECENT" in line for line in lines)


def _first_int(values: list[Any] | None) -> int | None:
    for value in values or []:
        if value is None:
            continue
        text = value.decode() if isinstance(value, bytes) else str(value)
        if text.strip().isdigit():
            return int(text.strip())
    return None
