"""Search history in SQLite, safe for several gunicorn workers writing at once."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .models import Forecast

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    query TEXT NOT NULL,
    place TEXT NOT NULL,
    country_code TEXT NOT NULL,
    forecast_json TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Entry:
    id: int
    created_at: str
    query: str
    place: str
    country_code: str

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "query": self.query,
            "place": self.place,
            "country_code": self.country_code,
        }


class HistoryStore:
    # Writers wait this long for another worker's write lock instead of failing.
    BUSY_TIMEOUT_S = 30

    def __init__(self, path: str | Path, max_entries: int):
        self.path = Path(path)
        self.max_entries = max_entries

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT_S)
        # With WAL, NORMAL keeps every committed search through an app crash or kill and only
        # risks the last commits on power loss, without an fsync per search.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def init(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            # WAL lets readers run while one worker writes; the setting persists in the file.
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                conn.execute(SCHEMA)

    def add(self, query: str, forecast: Forecast) -> int:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        payload = json.dumps(forecast.to_dict(), ensure_ascii=False)
        with closing(self._connect()) as conn, conn:
            cur = conn.execute(
                "INSERT INTO searches (created_at, query, place, country_code, forecast_json)"
                " VALUES (?, ?, ?, ?, ?)",
                (created, query, forecast.place.label, forecast.place.country_code, payload),
            )
            entry_id = int(cur.lastrowid)
            if self.max_entries:
                # Bounded so that anonymous visitors cannot fill the disk.
                conn.execute("DELETE FROM searches WHERE id <= ?", (entry_id - self.max_entries,))
        return entry_id

    def recent(self, limit: int) -> list[Entry]:
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT id, created_at, query, place, country_code FROM searches ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Entry(*row) for row in rows]

    def count(self) -> int:
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0])

    def get(self, entry_id: int) -> tuple[Entry, dict] | None:
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT id, created_at, query, place, country_code, forecast_json FROM searches WHERE id = ?",
                (entry_id,),
            ).fetchone()
        if row is None:
            return None
        return Entry(*row[:5]), json.loads(row[5])
