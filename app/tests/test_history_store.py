"""The SQLite history under concurrent writers: separate processes, like gunicorn workers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from datetime import date

import pytest

from weather.history import HistoryStore
from weather.models import Conditions, Day, Forecast, Place

WRITERS = 4
PER_WRITER = 40


def _forecast(name: str) -> Forecast:
    place = Place(name=name, latitude=1.0, longitude=2.0, country="Testland", country_code="TL")
    day = Day(date=date(2030, 1, 1), temp_day=20.0, temp_night=10.0, humidity=50.0, icon="rain", summary="Rain")
    return Forecast(place=place, current=Conditions(15.0, 60.0, "rain", "Rain"), days=(day,) * 7, source="test")


def _write_many(path: str, writer: int, start: multiprocessing.Event) -> None:
    store = HistoryStore(path, max_entries=10_000)
    start.wait()  # all writers hit the database at the same moment
    for i in range(PER_WRITER):
        store.add(f"w{writer}-{i}", _forecast(f"City{writer}"))


def test_parallel_processes_lose_no_entry(tmp_path):
    path = str(tmp_path / "history.db")
    HistoryStore(path, max_entries=10_000).init()
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_write_many, args=(path, w, start)) for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(60)
    assert [proc.exitcode for proc in procs] == [0] * WRITERS
    store = HistoryStore(path, max_entries=10_000)
    queries = {entry.query for entry in store.recent(10_000)}
    assert store.count() == WRITERS * PER_WRITER
    assert queries == {f"w{w}-{i}" for w in range(WRITERS) for i in range(PER_WRITER)}


def test_parallel_threads_lose_no_entry(tmp_path):
    store = HistoryStore(tmp_path / "history.db", max_entries=10_000)
    store.init()
    threads = [
        threading.Thread(target=lambda n=n: [store.add(f"t{n}-{i}", _forecast("X")) for i in range(25)])
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert store.count() == 200


def test_entries_come_back_newest_first_with_their_forecast(tmp_path):
    store = HistoryStore(tmp_path / "h.db", max_entries=100)
    store.init()
    first = store.add("Alpha", _forecast("Alpha"))
    second = store.add("Beta", _forecast("Beta"))
    assert [e.query for e in store.recent(10)] == ["Beta", "Alpha"]
    entry, forecast = store.get(first)
    assert entry.place == "Alpha, Testland"
    assert forecast["place"]["name"] == "Alpha"
    assert len(forecast["days"]) == 7
    assert store.get(second + 1) is None


def test_history_keeps_only_the_newest_entries(tmp_path):
    store = HistoryStore(tmp_path / "h.db", max_entries=5)
    store.init()
    for i in range(12):
        store.add(f"q{i}", _forecast("X"))
    assert [e.query for e in store.recent(100)] == [f"q{i}" for i in range(11, 6, -1)]


def test_queries_are_stored_verbatim_not_executed(tmp_path):
    store = HistoryStore(tmp_path / "h.db", max_entries=100)
    store.init()
    nasty = "x'); DROP TABLE searches; --"
    store.add(nasty, _forecast("X"))
    assert store.recent(1)[0].query == nasty
    assert store.count() == 1


def test_creates_the_database_directory(tmp_path):
    store = HistoryStore(tmp_path / "a" / "b" / "h.db", max_entries=10)
    store.init()
    assert (tmp_path / "a" / "b" / "h.db").exists()


def test_search_still_shows_the_forecast_when_history_cannot_be_written(client, app):
    db = app.extensions["weather.history"].path
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE searches")
    resp = client.get("/search?q=London")
    assert resp.status_code == 200
    assert "could not be saved to the history" in resp.get_data(as_text=True)


@pytest.fixture(autouse=True)
def _no_stray_processes():
    yield
    assert multiprocessing.active_children() == []
