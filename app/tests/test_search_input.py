"""What a visitor sees for bad search input: a friendly message on the page, never a 500."""

from __future__ import annotations

import pytest

from .conftest import requests_to
from .helpers import visible_text


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_empty_search_asks_for_a_city(client, stub, query):
    resp = client.get("/search", query_string={"q": query})
    assert resp.status_code == 400
    assert "Please enter a city name" in visible_text(resp.get_data(as_text=True))
    assert requests_to(stub, "/v1/search") == []


def test_unknown_place_says_so(client):
    resp = client.get("/search?q=Qwxzzy")
    assert resp.status_code == 404
    assert "We could not find a place called “Qwxzzy”" in visible_text(resp.get_data(as_text=True))


def test_unknown_country_for_a_known_city_says_so(client):
    resp = client.get("/search?q=London, Narnia")
    assert resp.status_code == 404
    assert "could not find" in resp.get_data(as_text=True)


def test_very_long_input_is_refused_without_an_upstream_call(client, stub):
    resp = client.get("/search", query_string={"q": "x" * 5000})
    assert resp.status_code == 400
    assert "too long" in visible_text(resp.get_data(as_text=True))
    assert requests_to(stub, "/v1/search") == []


def test_input_just_over_the_limit_is_refused(make_app):
    resp = make_app(MAX_QUERY_LENGTH="10").test_client().get("/search?q=Abcdefghijk")
    assert resp.status_code == 400
    assert "at most 10 characters" in visible_text(resp.get_data(as_text=True))


def test_script_tags_are_shown_as_text_not_run(client):
    attack = "<script>alert('x')</script>"
    resp = client.get("/search", query_string={"q": attack})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert attack in visible_text(html)  # the visitor sees exactly what they typed


def test_markup_in_the_form_value_cannot_break_out_of_the_attribute(client):
    html = client.get("/search", query_string={"q": '"><img src=x onerror=alert(1)>'}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&#34;&gt;&lt;img" in html or "&quot;&gt;&lt;img" in html


def test_control_characters_are_refused(client):
    resp = client.get("/search", query_string={"q": "Lon\x00don"})
    assert resp.status_code == 400
    assert "cannot be part of a place name" in visible_text(resp.get_data(as_text=True))


def test_whitespace_around_a_city_is_ignored(client):
    resp = client.get("/search", query_string={"q": "  London  "})
    assert resp.status_code == 200
