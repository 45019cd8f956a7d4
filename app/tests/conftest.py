"""Unit-test fixtures: an in-process stub upstream and apps pointed at it.

The integration suite (tests/integration) also loads this file but has no Flask installed,
so the app package is imported inside fixtures only.
"""

from __future__ import annotations

import threading

import pytest

from .stub_upstream import make_server

TEST_SECRET = "test-secret-key-not-for-production"
URL_SETTINGS = ("OPEN_METEO_URL", "OPEN_METEO_GEOCODING_URL", "IPGEO_URL", "VISUALCROSSING_URL", "ABSTRACT_URL")


@pytest.fixture
def stub_factory():
    """start(mode="ok", latency_ms=0, ...) -> a running stub server; all are stopped afterwards."""
    servers = []

    def start(**settings):
        settings.setdefault("quiet", True)
        server = make_server("127.0.0.1", 0, **settings)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stub(stub_factory):
    return stub_factory()


def stub_settings(url: str) -> dict:
    return dict.fromkeys(URL_SETTINGS, url)


@pytest.fixture
def make_app(tmp_path, stub):
    """make_app(**overrides) -> app in production mode, every upstream at the stub."""
    from weather import create_app

    def build(**overrides):
        settings = {
            **stub_settings(stub.url),
            "APP_ENV": "production",
            "SECRET_KEY": TEST_SECRET,
            "HISTORY_DB": str(tmp_path / "history.db"),
            "VERSION_FILE": str(tmp_path / "VERSION"),
            "UPSTREAM_TIMEOUT": "2",
        }
        settings.update(overrides)
        return create_app(settings)

    (tmp_path / "VERSION").write_text("9.8.7\n")
    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def requests_to(server, path_prefix: str) -> list[dict]:
    """What the app asked the stub for (paths and parameters), oldest first."""
    with server.lock:
        return [r for r in server.requests if r["path"].startswith(path_prefix)]
