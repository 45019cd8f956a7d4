"""ipwho.is: keyless IP geolocation (https://ipwhois.io/documentation)."""

from __future__ import annotations

from ..models import Place
from ..upstream import UpstreamClient
from .base import IpLocator, UpstreamError
from .parsing import text


class IpWhois(IpLocator):
    name = "ipwhois"

    def __init__(self, client: UpstreamClient, base_url: str):
        self.client = client
        self.base_url = base_url

    def locate(self, ip: str) -> Place | None:
        # ip is a canonical address from the ipaddress module, so it is safe in a path.
        data = self.client.get_json(self.name, f"{self.base_url}/{ip}")
        if not isinstance(data, dict):
            raise UpstreamError(self.name, "unexpected response")
        if not data.get("success") or not data.get("city"):
            return None  # e.g. {"success": false, "message": "Reserved range"}
        try:
            return Place(
                name=text(data["city"]),
                latitude=float(data["latitude"]),
                longitude=float(data["longitude"]),
                country=text(data.get("country")),
                country_code=text(data.get("country_code")).upper(),
                region=text(data.get("region")),
            )
        except (KeyError, TypeError, ValueError):
            raise UpstreamError(self.name, "unexpected response") from None
