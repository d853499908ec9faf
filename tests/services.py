"""Real mail servers for tests: a private Dovecot (IMAP) and an aiosmtpd SMTP sink that records mail.

Both are started by the tests themselves on free loopback ports. See ``../shared/recipes/README.md``.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = helpdesk-test-{port}
log_path = {d}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/users/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
{extra}
"""


@dataclass
class Dovecot:
    """A private Dovecot instance; ``add_user`` makes a fresh, isolated account per test."""

    directory: Path
    port: int
    uid: int
    gid: int
    host: str = "127.0.0.1"
    tls_port: int = 0  # implicit TLS (imaps); STARTTLS is offered on ``port`` too
    ca_file: str = ""  # the test CA that signed the server certificate
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, *, tls: bool = False, capability: str = "") -> Dovecot:
        """Start an instance; with ``tls`` it also serves imaps and STARTTLS with a certificate for
        127.0.0.1 signed by a throw-away CA (``ca_file``); ``capability`` replaces what it offers after
        login (to play an older server, e.g. one without MOVE)."""
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not os.path.exists(binary):
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        directory = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        directory.chmod(0o755)
        # Dovecot refuses to run its login processes as root, so as root the instance runs as nobody.
        running_as_root = os.geteuid() == 0
        account = pwd.getpwnam("nobody") if running_as_root else pwd.getpwuid(os.geteuid())
        group = "nogroup" if running_as_root else _group_name(account.pw_gid)
        port = free_port()
        # One users file per account: Dovecot re-checks a passwd-file at most once per second, so an
        # account appended to a shared file could stay unknown for a second after it was added.
        for sub in ("run", "state", "mail", "home", "users"):
            (directory / sub).mkdir()
        ssl, tls_port, ca_file = "ssl = no", 0, ""
        if tls:
            ca_file, cert, key = write_test_certificates(directory / "tls")
            ssl, tls_port = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}", free_port()
        conf = directory / "dovecot.conf"
        conf.write_text(
            DOVECOT_CONF.format(
                d=directory,
                port=port,
                user=account.pw_name,
                group=group,
                ssl=ssl,
                tls_port=tls_port,
                extra=f"imap_capability = {capability}" if capability else "",
            )
        )
        server = cls(
            directory=directory,
            port=port,
            uid=account.pw_uid,
            gid=account.pw_gid,
            tls_port=tls_port,
            ca_file=ca_file,
        )
        server._chown()
        command = [binary, "-c", str(conf)]
        if running_as_root:
            command = ["runuser", "-u", account.pw_name, "--", *command]
        # The daemon keeps inherited pipes open, so its output goes to a file rather than to pipes.
        with (directory / "start.log").open("wb") as log:
            started = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30)
        if started.returncode != 0:
            output = (directory / "start.log").read_text(errors="replace")
            raise OSError(f"dovecot did not start (exit {started.returncode}): {output}")
        wait_for_port(port)
        if tls_port:
            wait_for_port(tls_port)
        return server

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        shutil.rmtree(self.directory, ignore_errors=True)

    def add_user(self, name: str | None = None, password: str | None = None) -> tuple[str, str]:
        """Create an account with an empty INBOX; returns (login, password)."""
        login = f"{name or 'u' + secrets.token_hex(4)}@example.test"
        password = password or secrets.token_urlsafe(12)
        home = self.directory / "home" / login
        with self._lock:
            entry = f"{login}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}\n"
            (self.directory / "users" / login).write_text(entry)
            self._chown()
        return login, password

    def connect(self, login: str, password: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(login, password)
        return client

    def append(self, login: str, password: str, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """APPEND one message, as a mail delivery would."""
        client = self.connect(login, password)
        try:
            if folder != "INBOX":
                client.create(folder)
            status, detail = client.append(folder, flags or None, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {detail!r}")
        finally:
            client.logout()

    def url(self, login: str, password: str, folder: str = "INBOX") -> str:
        from urllib.parse import quote

        return f"imap://{quote(login)}:{quote(password)}@{self.host}:{self.port}/{folder}"

    def _chown(self) -> None:
        if os.geteuid() != 0:
            return
        for root, dirs, files in os.walk(self.directory):
            for name in [*dirs, *files]:
                # Dovecot makes and removes short-lived sockets under run/ while it serves others.
                with contextlib.suppress(FileNotFoundError):
                    os.chown(os.path.join(root, name), self.uid, self.gid)
        os.chown(self.directory, self.uid, self.gid)


def write_test_certificates(
    directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> tuple[str, str, str]:
    """A throw-away CA and a server certificate for ``hosts`` (IP addresses or DNS names):
    (ca.pem, server.pem, server.key)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "helpdesk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(paths[0]), str(paths[1]), str(paths[2])


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool = False
    authenticated: bool = False


class RecordingHandler:
    """Accepts mail and records it; tests script failures per recipient or drop the connection."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None
        self.drop_connection = False

    def reset(self) -> None:
        self.messages.clear()
        self.rcpt_replies.clear()
        self.data_reply = None
        self.drop_connection = False

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_connection:
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 connection dropped by test"
        if self.data_reply:
            return self.data_reply
        content = envelope.original_content or envelope.content or b""
        self.messages.append(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=content if isinstance(content, bytes) else content.encode(),
                tls=session.ssl is not None
                or (
                    server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
                ),
                authenticated=bool(session.authenticated),
            )
        )
        return "250 2.0.0 OK: queued"


@dataclass
class SmtpSink:
    controller: Controller
    handler: RecordingHandler

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.handler.messages

    def fail_recipient(self, address: str, reply: str) -> None:
        """Answer RCPT TO for ``address`` with ``reply``, e.g. ``550 5.1.1 User unknown``."""
        self.handler.rcpt_replies[address.lower()] = reply

    @classmethod
    def start(cls, **controller_options: Any) -> SmtpSink:
        handler = RecordingHandler()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **controller_options)
        controller.start()
        return cls(controller=controller, handler=handler)

    @classmethod
    def start_secure(
        cls, directory: Path, *, user: str, password: str, implicit: bool = False, hosts: tuple[str, ...] = ()
    ) -> tuple[SmtpSink, str]:
        """A relay that requires TLS (STARTTLS, or implicit TLS) and AUTH with ``user``/``password``,
        with a certificate from a throw-away CA for ``hosts`` (default: 127.0.0.1). Returns the sink
        and the CA file a client must trust."""
        import ssl

        from aiosmtpd.smtp import AuthResult, LoginPassword

        ca_file, cert_file, key_file = write_test_certificates(directory, hosts or ("127.0.0.1", "localhost"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)

        def authenticator(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> Any:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                user.encode(),
                password.encode(),
            )
            return AuthResult(success=ok, handled=False)

        options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
        if implicit:
            # The whole connection is TLS; aiosmtpd does not count that as TLS for AUTH by itself.
            options.update(ssl_context=context, auth_require_tls=False)
        else:
            options.update(tls_context=context, require_starttls=True)
        return cls.start(**options), ca_file

    def stop(self) -> None:
        self.controller.stop()
