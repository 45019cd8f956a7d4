"""The release version, read from the VERSION file that the pipeline bumps."""

from __future__ import annotations

from pathlib import Path


def read_version(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return "unknown"
    return text[:64] or "unknown"
