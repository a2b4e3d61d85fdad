"""A minimal Meilisearch HTTP client on the standard library: JSON in and out, one keep-alive
connection per thread, retries on connection errors, and errors that name the instance.

Only what newsearch needs; no dependency for a second backend most users never enable.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from typing import Any

import orjson

from ..errors import NewsearchError

__all__ = ["MeiliClient", "MeiliError", "MeiliUnavailableError"]

CONNECT_TIMEOUT = 5.0
RETRIES = 3
RETRY_PAUSE = 0.5  # seconds, doubled after every failed try
TASK_POLL = 0.05


class MeiliError(NewsearchError):
    """Meilisearch answered with an error (``code``: Meilisearch's error code, when it gave one)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class MeiliUnavailableError(MeiliError):
    """A Meilisearch instance could not be reached."""


class MeiliClient:
    """One Meilisearch instance (``url``); thread-safe (each thread has its own connection)."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 30.0, retries: int = RETRIES) -> None:
        try:
            parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
            port = parsed.port
        except ValueError:
            parsed, port = None, None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise MeiliError(f"'{url}' is not a Meilisearch address; write it as http://HOST:PORT")
        self.url = f"{parsed.scheme}://{parsed.netloc}"
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = port or (443 if self._https else 80)
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = timeout
        self._retries = retries
        self._local = threading.local()

    def with_retries(self, retries: int) -> "MeiliClient":
        """The same instance with another retry count (searches fail over fast; writes insist)."""
        other = object.__new__(MeiliClient)
        other.__dict__.update(self.__dict__)
        other._retries = retries
        other._local = threading.local()
        return other

    def __repr__(self) -> str:
        return f"MeiliClient({self.url!r})"

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            self._local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def request(self, method: str, path: str, body: Any = None, *, retries: int | None = None) -> Any:
        """Send one request and return the decoded JSON answer (None when empty).

        Connection failures are retried (``retries`` times, pausing longer each time), then raise
        :class:`MeiliUnavailableError`; an error answer raises :class:`MeiliError` at once."""
        payload = body if isinstance(body, bytes) or body is None else orjson.dumps(body)
        tries = (self._retries if retries is None else retries) + 1
        pause = RETRY_PAUSE
        for attempt in range(tries):
            try:
                connection = self._connection()
                connection.request(method, path, body=payload, headers=self._headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                if attempt == tries - 1:
                    raise MeiliUnavailableError(f"Meilisearch at {self.url} is unreachable ({_reason(exc)})") from None
                time.sleep(pause)
                pause *= 2
        if response.status >= 400:
            message, code = _message(data)
            raise MeiliError(f"Meilisearch at {self.url} refused {method} {path.split('?')[0]}: {message}", code)
        return orjson.loads(data) if data else None

    def healthy(self) -> bool:
        """Whether the instance answers ``/health`` now (no retry)."""
        try:
            answer = self.request("GET", "/health", retries=0)
        except MeiliError:
            return False
        return bool(answer) and answer.get("status") == "available"

    def wait_for_task(self, task_uid: int, *, timeout: float = 600.0) -> dict[str, Any]:
        """Wait until a write task is done; a failed task raises :class:`MeiliError` with its reason."""
        deadline = time.monotonic() + timeout
        pause = TASK_POLL
        while True:
            task = self.request("GET", f"/tasks/{task_uid}")
            status = task.get("status")
            if status == "succeeded":
                return task
            if status in ("failed", "canceled"):
                error = (task.get("error") or {}).get("message", status)
                raise MeiliError(f"Meilisearch at {self.url}: task {task_uid} {status}: {error}")
            if time.monotonic() > deadline:
                raise MeiliError(f"Meilisearch at {self.url}: task {task_uid} still {status} after {timeout:.0f} s")
            time.sleep(pause)
            pause = min(pause * 1.5, 1.0)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("] ")[-1] if text.startswith("[Errno") else text


def _message(data: bytes) -> tuple[str, str | None]:
    try:
        answer = orjson.loads(data)
    except orjson.JSONDecodeError:
        return data[:200].decode("utf-8", "replace"), None
    if not isinstance(answer, dict):
        return str(answer), None
    return str(answer.get("message") or answer), answer.get("code")
