"""Caching of upstream answers, and which client address the app believes."""

from __future__ import annotations

from weather.cache import TTLCache

from .conftest import requests_to
from .helpers import PUBLIC_LONDON_IP, PUBLIC_OTHER_IP, heading


def test_repeated_search_is_served_from_the_cache(client, stub):
    for _ in range(3):
        assert client.get("/search?q=London").status_code == 200
    client.get("/search?q=london")  # case does not make a new entry
    assert len(requests_to(stub, "/v1/search")) == 1
    assert len(requests_to(stub, "/v1/forecast")) == 1


def test_visitor_location_is_cached(client, stub):
    for _ in range(3):
        client.get("/", headers={"X-Forwarded-For": PUBLIC_OTHER_IP})
    assert len(requests_to(stub, f"/{PUBLIC_OTHER_IP}")) == 1
    assert len(requests_to(stub, "/v1/forecast")) == 1


def test_cache_ttl_zero_disables_caching(make_app, stub):
    client = make_app(CACHE_TTL="0").test_client()
    client.get("/search?q=London")
    client.get("/search?q=London")
    assert len(requests_to(stub, "/v1/forecast")) == 2


def test_failures_are_not_cached(make_app, stub):
    app = make_app()
    stub.mode = "error"
    assert app.test_client().get("/search?q=Paris").status_code == 503
    stub.mode = "ok"
    assert app.test_client().get("/search?q=Paris").status_code == 200


def test_ttl_cache_expires_and_stays_bounded():
    now = [0.0]
    cache = TTLCache(ttl=10, max_entries=2, clock=lambda: now[0])
    calls = []
    compute = lambda key: lambda: calls.append(key) or key  # noqa: E731
    assert cache.get_or_compute("a", compute("a")) == "a"
    cache.get_or_compute("a", compute("a"))
    assert calls == ["a"]
    now[0] = 11
    cache.get_or_compute("a", compute("a"))
    assert calls == ["a", "a"]
    cache.get_or_compute("b", compute("b"))
    cache.get_or_compute("c", compute("c"))
    assert len(cache) == 2


def test_forwarded_for_from_the_trusted_hop_is_used(client, stub):
    # The ALB appends the real client address last; anything before it came from the client.
    resp = client.get("/", headers={"X-Forwarded-For": f"{PUBLIC_OTHER_IP}, {PUBLIC_LONDON_IP}"})
    assert "London" in heading(resp.get_data(as_text=True))
    assert requests_to(stub, f"/{PUBLIC_OTHER_IP}") == []


def test_forwarded_for_is_ignored_without_trusted_proxies(make_app, stub):
    client = make_app(TRUSTED_PROXIES="0").test_client()
    resp = client.get("/", headers={"X-Forwarded-For": PUBLIC_OTHER_IP})
    assert "could not tell where you are" in resp.get_data(as_text=True)
    assert requests_to(stub, f"/{PUBLIC_OTHER_IP}") == []


def test_private_forwarded_address_gets_the_fallback_without_a_lookup(client, stub):
    resp = client.get("/", headers={"X-Forwarded-For": "10.1.2.3"})
    assert "could not tell where you are" in resp.get_data(as_text=True)
    assert requests_to(stub, "/10.1.2.3") == []
