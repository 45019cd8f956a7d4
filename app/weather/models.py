"""Provider-neutral forecast data; every provider maps its answer onto these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    country: str = ""
    country_code: str = ""  # ISO 3166-1 alpha-2, upper case, "" when unknown
    region: str = ""

    @property
    def label(self) -> str:
        return ", ".join(part for part in (self.name, self.region, self.country) if part)


@dataclass(frozen=True)
class Conditions:
    temperature: float
    humidity: float | None
    icon: str  # one of display.ICONS
    summary: str


@dataclass(frozen=True)
class Day:
    date: date
    temp_day: float
    temp_night: float
    humidity: float | None
    icon: str
    summary: str

    @property
    def weekday(self) -> str:
        return self.date.strftime("%A")


@dataclass(frozen=True)
class Forecast:
    place: Place
    current: Conditions
    days: tuple[Day, ...] = field(default_factory=tuple)
    source: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["days"] = [
            {**asdict(day), "date": day.date.isoformat(), "weekday": day.weekday} for day in self.days
        ]
        return data
