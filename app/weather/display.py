"""How forecast values look on the page: weather icons and country flags as text (no fetches)."""

from __future__ import annotations

# Internal icon name -> (emoji, accessible description).
ICONS: dict[str, tuple[str, str]] = {
    "clear-day": ("\u2600\ufe0f", "Clear"),
    "clear-night": ("\U0001f319", "Clear night"),
    "partly-cloudy-day": ("\u26c5", "Partly cloudy"),
    "partly-cloudy-night": ("\u2601\ufe0f", "Partly cloudy night"),
    "cloudy": ("\u2601\ufe0f", "Cloudy"),
    "fog": ("\U0001f32b\ufe0f", "Fog"),
    "drizzle": ("\U0001f326\ufe0f", "Drizzle"),
    "rain": ("\U0001f327\ufe0f", "Rain"),
    "showers": ("\U0001f326\ufe0f", "Showers"),
    "snow": ("\u2744\ufe0f", "Snow"),
    "thunder": ("\u26c8\ufe0f", "Thunderstorm"),
    "wind": ("\U0001f32c\ufe0f", "Wind"),
}
UNKNOWN_ICON = ("\u2753", "Unknown")


def icon_emoji(icon: str) -> str:
    return ICONS.get(icon, UNKNOWN_ICON)[0]


def icon_label(icon: str) -> str:
    return ICONS.get(icon, UNKNOWN_ICON)[1]


def flag_emoji(country_code: str) -> str:
    """Regional-indicator flag for an ISO alpha-2 code; "" for anything else."""
    code = (country_code or "").strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


def register(app) -> None:
    app.add_template_filter(icon_emoji)
    app.add_template_filter(icon_label)
    app.add_template_filter(flag_emoji)
