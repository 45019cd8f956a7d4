"""Reading a rendered page the way a visitor would: visible text, rows of the forecast table."""

from __future__ import annotations

import re
from html import unescape

PUBLIC_LONDON_IP = "81.2.69.142"  # the stub geolocates this address to London
PUBLIC_OTHER_IP = "8.8.8.8"  # and any other public address to Paris


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def forecast_rows(html: str) -> list[str]:
    return [visible_text(row) for row in re.findall(r'<tr class="day">(.*?)</tr>', html, flags=re.S)]


def heading(html: str) -> str:
    match = re.search(r'<h1 id="place-name">(.*?)</h1>', html, flags=re.S)
    return visible_text(match.group(1)) if match else ""
