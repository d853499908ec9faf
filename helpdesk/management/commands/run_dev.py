"""Run the web server and both django-q2 clusters (mail and bulk) together; Ctrl-C stops all three."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from helpdesk.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Start the development web server and the mail and bulk workers in one terminal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")
        # Replies are signed in development too, with a key made on the first start.
        call_command("dkim_keygen", domain=domain, selector="dev", if_missing=True, stdout=StringIO())
        children = [
            subprocess.Popen([*manage, "capture_mail"]),
            subprocess.Popen([*manage, "runserver", "--noreload", options["addrport"]]),
            *(
                subprocess.Popen([*manage, "qcluster"], env={**os.environ, "Q_CLUSTER_NAME": name})
                for name in ("mail", "bulk")
            ),
        ]
        self.stdout.write(f"Helpdesk on http://{options['addrport']}/ with workers 'mail' and 'bulk'.")
        self.stdout.write(
            f"Sent mail is caught on 127.0.0.1:{settings.DELIVERY_CAPTURE_PORT}, DKIM-signed; "
            f"see http://{options['addrport']}/dev/mail/ (as admin)."
        )
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role:<11} {login.username} / {login.password}")
        self.stdout.write("Press Ctrl-C to stop.")
        stopping: list[int] = []
        # Handle SIGINT explicitly too: a shell may start this command with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda received, frame: stopping.append(received))
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            _stop(children)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
