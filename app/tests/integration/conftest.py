"""Settings for the running-app suite: where the app is, and what state its upstream is in.

APP_BASE_URL   base URL of the running app (required), e.g. http://127.0.0.1:8080
EXPECT_UPSTREAM  "ok" (default) or "down": the stub behind the app runs with STUB_MODE=error
APP_WAIT_SECONDS how long to wait for /healthz before the first test (default 30)
CHROME_BIN, CHROMEDRIVER  browser and driver paths (default Debian's /usr/bin/chromium, /usr/bin/chromedriver)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent


def expect_down() -> bool:
    value = os.environ.get("EXPECT_UPSTREAM", "ok")
    if value not in ("ok", "down"):
        raise pytest.UsageError("EXPECT_UPSTREAM must be 'ok' or 'down'")
    return value == "down"


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if HERE in Path(str(item.path)).parents]
    if not ours:
        return
    if not os.environ.get("APP_BASE_URL"):
        if len(ours) < len(items):
            # A run of the whole tests/ tree: the unit tests still run, these are skipped.
            for item in ours:
                item.add_marker(pytest.mark.skip(reason="APP_BASE_URL not set: integration tests need a running app"))
            return
        raise pytest.UsageError(
            "APP_BASE_URL is not set: the integration suite tests a running app, e.g. "
            "APP_BASE_URL=http://127.0.0.1:8080 pytest app/tests/integration "
            "(app/tests/run-integration-local.sh starts one for you)"
        )
    down = expect_down()
    for item in ours:
        if down and item.get_closest_marker("upstream_ok"):
            item.add_marker(pytest.mark.skip(reason="needs a working upstream; EXPECT_UPSTREAM=down"))
        if not down and item.get_closest_marker("upstream_down"):
            item.add_marker(pytest.mark.skip(reason="needs a failing upstream; run with EXPECT_UPSTREAM=down"))


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ["APP_BASE_URL"].rstrip("/")
    deadline = time.monotonic() + float(os.environ.get("APP_WAIT_SECONDS", "30"))
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return url
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the app at {url} did not answer /healthz with 200")
        time.sleep(0.5)


class Http:
    """requests with the base URL filled in and a timeout on every call."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 20)
        return self.session.get(self.base_url + path, **kwargs)


@pytest.fixture(scope="session")
def http(base_url) -> Http:
    return Http(base_url)
