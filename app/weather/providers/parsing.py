"""Small helpers shared by the provider parsers."""

from __future__ import annotations

MAX_FIELD = 120  # upstream strings are shown on the page; cap what a bad upstream can inject


def text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value.strip()[:MAX_FIELD]


def split_query(query: str) -> tuple[str, str]:
    """"Paris, France" -> ("Paris", "France"); "Paris" -> ("Paris", "")."""
    city, _, country = query.partition(",")
    return city.strip(), country.strip()


def optional_float(value: object) -> float | None:
    return None if value is None else float(value)
