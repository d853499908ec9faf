"""Development only: a local SMTP server that keeps every mail it gets (see delivery/capture.py)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from delivery.capture import CaptureHandler, capture_dir


class Command(BaseCommand):
    help = "Run the development mail catcher on 127.0.0.1 (make run starts it); Ctrl-C stops it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=settings.DELIVERY_CAPTURE_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise CommandError(
                "capture_mail needs aiosmtpd, a development dependency: pip install -e '.[dev]'"
            ) from None
        controller = Controller(CaptureHandler(), hostname="127.0.0.1", port=options["port"])
        try:
            controller.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on 127.0.0.1:{options['port']}: {exc.strerror}") from None
        self.stdout.write(f"Capturing mail on 127.0.0.1:{options['port']} into {capture_dir()}")
        stopping: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda received, frame: stopping.append(received))
        try:
            while not stopping:
                time.sleep(0.2)
        finally:
            controller.stop()
