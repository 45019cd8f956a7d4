"""Validation of the search text a visitor types."""

from __future__ import annotations

import unicodedata


class QueryError(ValueError):
    """The message is shown to the visitor as is."""


def clean_query(raw: str | None, max_length: int) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise QueryError("Please enter a city name, for example “London” or “Paris, France”.")
    if len(text) > max_length:
        raise QueryError(f"That is too long for a place name: please use at most {max_length} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise QueryError("That contains characters that cannot be part of a place name.")
    return text
