"""HTTP GET of JSON from an upstream, with timeouts, a size cap and key-free error messages."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping

import requests

from .providers.base import PlaceNotFound, UpstreamError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024


class UpstreamClient:
    def __init__(self, timeout: float, user_agent: str = "weather-app"):
        self.timeout = timeout
        self.user_agent = user_agent
        # requests.Session is not documented as thread-safe; gunicorn gthread workers share
        # this client, so each thread keeps its own pooled session.
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.user_agent
            self._local.session = session
        return session

    def get_json(
        self,
        provider: str,
        url: str,
        params: Mapping[str, str] | None = None,
        not_found_statuses: Iterable[int] = (),
    ) -> object:
        try:
            with self._session().get(url, params=params, timeout=self.timeout, stream=True) as resp:
                if resp.status_code in tuple(not_found_statuses):
                    raise PlaceNotFound()
                if resp.status_code != 200:
                    raise self._fail(provider, f"HTTP {resp.status_code}")
                body = _read_capped(resp)
        except requests.Timeout:
            raise self._fail(provider, "timed out") from None
        except requests.RequestException as exc:
            # str(exc) would contain the URL and so possibly an API key: log the type only.
            raise self._fail(provider, f"request failed ({type(exc).__name__})") from None
        if len(body) > MAX_BODY_BYTES:
            raise self._fail(provider, "response too large")
        try:
            return json.loads(body)
        except ValueError:
            raise self._fail(provider, "invalid JSON") from None

    @staticmethod
    def _fail(provider: str, reason: str) -> UpstreamError:
        log.warning("upstream %s failed: %s", provider, reason)
        return UpstreamError(provider, reason)


def _read_capped(resp: requests.Response) -> bytes:
    # iter_content (unlike resp.raw) turns urllib3 read errors into requests exceptions.
    body = bytearray()
    for chunk in resp.iter_content(65536):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            break
    return bytes(body)
