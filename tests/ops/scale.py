"""Processes as production runs them, for the scale-out test and the soak: gunicorn web processes and
django-q2 clusters against the test database and Redis, started and stopped by their own ids."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.helpdesk.ingest_support import ROOT, subprocess_environment
from tests.services import free_port, wait_for_port

REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def flush_redis() -> None:
    """Empty the test's own Redis database (never database 0, which others use)."""
    client = redis.Redis.from_url(REDIS_URL)
    assert client.connection_pool.connection_kwargs.get("db", 0) != 0, "the tests never flush Redis DB 0"
    client.flushdb()


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, so a killed test run never leaves
    clusters behind that take the next run's tasks from the shared Redis database (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


@dataclass
class Fleet:
    """Web processes and worker clusters; ``stop`` ends exactly the processes it started."""

    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    web_ports: list[int] = field(default_factory=list)

    @classmethod
    def environment(cls, **extra: str) -> dict[str, str]:
        return subprocess_environment(
            REDIS_URL=REDIS_URL,
            Q_USE_REDIS="1",
            Q_MAIL_WORKERS="1",
            Q_BULK_WORKERS="1",
            DATABASE_CONN_MAX_AGE="0",
            HELPDESK_UNDO_SECONDS="0",
            Q_LOG_LEVEL="WARNING",
            LOG_FORMAT="json",
            **extra,
        )

    def _start(self, name: str, command: list[str], **extra: str) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **extra}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_end_with_parent,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def start_web(self) -> int:
        port = free_port()
        self._start(
            f"web-{port}",
            [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "120"],
        )  # fmt: skip
        wait_for_port(port, timeout=90)
        self.web_ports.append(port)
        return port

    def start_cluster(self, name: str) -> subprocess.Popen[bytes]:
        index = len(self.processes)
        return self._start(
            f"qcluster-{name}-{index}", [sys.executable, "manage.py", "qcluster"], Q_CLUSTER_NAME=name
        )

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.log_dir.glob("*.log")
        )


def http(port: int, path: str, *, method: str = "GET", token: str = "", body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, fleet: Fleet | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(
        f"timed out after {timeout} s waiting for {what}" + (f"\n{fleet.logs()}" if fleet else "")
    )


def enqueue(env: dict[str, str], calls: list[tuple[str, list[Any], str]]) -> None:
    """Put tasks on the Redis broker as the application does: (function, args, cluster)."""
    code = (
        "import json, os\nfrom django_q.tasks import async_task\n"
        "for func, args, cluster in json.loads(os.environ['OPS_TASKS']):\n"
        "    async_task(func, *args, cluster=cluster)\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**env, "OPS_TASKS": json.dumps(calls)}, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
