"""The ``http`` connector: an ERP's JSON API, with endpoints and field mapping from a mapping file.

``ERP_HTTP_URL`` is the API's base address and ``ERP_HTTP_MAPPING_FILE`` names, per lookup, a ``path``
(``{param}`` placeholders, URL-encoded), optional ``query`` parameters, and ``select``, the dotted path
to the record (or list of records) in the answer; see ``integrations/examples/http_mapping.toml``.
Authentication: ``ERP_HTTP_TOKEN`` (bearer) or ``ERP_HTTP_USERNAME`` + ``ERP_HTTP_PASSWORD`` (basic), both
secrets that may come from ``*_FILE``. Only GET requests are made, so retrying is always safe; it
happens only for transient failures (connect errors, timeouts, 429, 5xx), with exponential backoff and
jitter, within the lookup's ``ERP_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import random
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from integrations.base import Misconfigured, NotFound, Unavailable, redact
from integrations.connectors.mapped import MappedConnector, Row
from integrations.mapping import ABSENT, LookupSpec, MappingConfig, fill_template, load_mapping, resolve

MAX_BYTES = 5 * 1024 * 1024
# Clients by configuration fingerprint (base URL, credentials, mapping): settings come from the
# environment, so a process holds one, or a few in tests.
_CLIENTS: dict[str, httpx.Client] = {}
_CLIENTS_LOCK = threading.Lock()
BACKOFF_SECONDS = 0.2
LOOKUP_OPTIONS = {"path", "query", "select"}
CHILD_LOOKUPS = {"order_lines", "order_shipments", "product_stock", "product_prices"}


class _Transient(Exception):
    """A failure worth retrying: the message says what happened."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HttpConnector(MappedConnector):
    """Looks records up with GET requests to the ERP's JSON API."""

    name = "http"

    def __init__(
        self,
        *,
        base_url: str,
        config: MappingConfig,
        timeout: float,
        token: str = "",
        username: str = "",
        password: str = "",
        retries: int = 2,
    ) -> None:
        super().__init__(config)
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise Misconfigured("ERP_HTTP_URL must be an http:// or https:// address")
        if parts.username or parts.password:
            raise Misconfigured(
                "ERP_HTTP_URL must not hold credentials; use ERP_HTTP_USERNAME and ERP_HTTP_PASSWORD"
            )
        for name, spec in config.lookups.items():
            if "path" not in spec.options and name not in CHILD_LOOKUPS:
                raise Misconfigured(f"{config.path}: lookup {name!r} needs a path")
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout, self.retries = timeout, retries
        self._headers = {"Accept": "application/json", "User-Agent": "helpdesk-erp/1"}
        self._auth: httpx.Auth | None = None
        if token:
            header = str(config.options.get("token_header", "Authorization"))
            prefix = str(config.options.get("token_prefix", "Bearer "))
            self._headers[header] = f"{prefix}{token}"
        elif username:
            self._auth = httpx.BasicAuth(username, password)
        self._secrets = [token, password]
        fingerprint = f"{base_url}\n{token}\n{username}\n{password}\n{config.text}"
        self.cache_namespace = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
        self._local = threading.local()

    @classmethod
    def from_settings(cls) -> HttpConnector:
        if not settings.ERP_HTTP_URL:
            raise Misconfigured("ERP_HTTP_URL is not set")
        if not settings.ERP_HTTP_MAPPING_FILE:
            raise Misconfigured("ERP_HTTP_MAPPING_FILE is not set")
        config = load_mapping(
            settings.ERP_HTTP_MAPPING_FILE,
            default_system="http",
            default_timezone=str(settings.TIME_ZONE),
            lookup_options=LOOKUP_OPTIONS,
        )
        return cls(
            base_url=settings.ERP_HTTP_URL,
            config=config,
            timeout=settings.ERP_TIMEOUT_SECONDS,
            token=settings.ERP_HTTP_TOKEN,
            username=settings.ERP_HTTP_USERNAME,
            password=settings.ERP_HTTP_PASSWORD,
            retries=settings.ERP_HTTP_RETRIES,
        )

    @contextlib.contextmanager
    def _session(self) -> Iterator[None]:
        # The deadline covers all requests of one lookup, retries included.
        self._local.deadline = time.monotonic() + self.timeout
        yield

    @property
    def _client(self) -> httpx.Client:
        """One client per configuration and process, shared by every connector built from it (one per
        draft), so connections are reused and never left to the garbage collector. Thread-safe."""
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(self.cache_namespace)
            if client is None:
                client = _CLIENTS[self.cache_namespace] = httpx.Client(
                    headers=self._headers, auth=self._auth, follow_redirects=False, verify=_ssl_context()
                )
            return client

    def _fetch(self, spec: LookupSpec, params: dict[str, Any], parent: Row | None) -> list[Row]:
        path = spec.options.get("path")
        if path is None:
            # An embedded child (the order's lines in the order's answer): read it from the parent.
            document: Any = parent if parent is not None else {}
        else:
            query = {k: _fill_query(str(v), params) for k, v in spec.options.get("query", {}).items()}
            document = self._get(spec.name, fill_template(path, params), query)
        select = str(spec.options.get("select", ""))
        selected = resolve(document, select) if select and isinstance(document, dict) else document
        if selected is ABSENT and path is None:
            return []
        if selected is ABSENT or not isinstance(selected, dict | list | type(None)):
            raise Misconfigured(
                f"lookup {spec.name!r}: the answer has no object or list at {select or 'its top'!r}"
            )
        items = [] if selected is None else selected if isinstance(selected, list) else [selected]
        if not all(isinstance(item, dict) for item in items):
            raise Misconfigured(
                f"lookup {spec.name!r}: the list at {select or 'its top'!r} holds non-objects"
            )
        return items

    def _get(self, lookup: str, path: str, query: dict[str, str]) -> Any:
        """GET with retries on transient failures until the lookup's deadline; the answer as JSON."""
        url = self.base_url + path.lstrip("/")
        attempt = 0
        while True:
            try:
                return self._get_once(lookup, url, query)
            except _Transient as exc:
                attempt += 1
                delay = (
                    exc.retry_after if exc.retry_after is not None else BACKOFF_SECONDS * 2 ** (attempt - 1)
                )
                delay = random.uniform(delay / 2, delay)  # jitter: many workers must not retry in step
                remaining = self._local.deadline - time.monotonic()
                if attempt > self.retries or delay >= remaining:
                    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                    raise Unavailable(f"ERP API unavailable ({lookup!r}, {tries}): {exc}") from None
                time.sleep(delay)

    def _get_once(self, lookup: str, url: str, query: dict[str, str]) -> Any:
        remaining = self._local.deadline - time.monotonic()
        if remaining <= 0:
            raise Unavailable(f"ERP API: no answer to {lookup!r} within {self.timeout:g} s")
        try:
            with self._client.stream("GET", url, params=query, timeout=remaining) as response:
                self._check_status(lookup, response)
                body = self._read(lookup, response)
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {self.timeout:g} s") from None
        except httpx.TransportError as exc:
            raise _Transient(redact(f"{type(exc).__name__}: {exc}", self._secrets)[:200]) from None
        try:
            return json.loads(body)
        except ValueError:
            raise Unavailable(f"ERP API answered {lookup!r} with something that is not JSON") from None

    def _check_status(self, lookup: str, response: httpx.Response) -> None:
        status = response.status_code
        if status == 404:
            raise NotFound(f"no record for {lookup!r} (the ERP API answered 404)")
        if status in {401, 403}:
            raise Misconfigured(f"ERP API refused the credentials ({status}) for {lookup!r}")
        if status == 429 or (status >= 500 and status != 501):
            raise _Transient(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
        if status != 200:
            raise Misconfigured(
                f"ERP API answered {status} to {lookup!r}; check the mapping's path and query"
            )

    def _read(self, lookup: str, response: httpx.Response) -> bytes:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise Unavailable(f"ERP API answer to {lookup!r} is larger than {MAX_BYTES} bytes")
            if time.monotonic() > self._local.deadline:
                raise _Transient(f"the answer did not arrive within {self.timeout:g} s")
        return bytes(body)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the CA bundle takes tens of milliseconds: once per process, not per connector."""
    return ssl.create_default_context()


def _fill_query(template: str, params: dict[str, Any]) -> str:
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header in seconds (dates are rare for APIs and ignored)."""
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
