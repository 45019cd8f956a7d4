"""Keep API keys out of logs written by the HTTP libraries.

Visual Crossing and Abstract take the key in the query string, and urllib3 logs request URLs
at DEBUG. Our own messages never contain URLs; this filter covers the libraries' ones.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAM = re.compile(r"(?i)\b(api_key|key)=[^&\s\"']+")
LIBRARY_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "requests")


class RedactKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PARAM.sub(r"\1=REDACTED", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install() -> None:
    """Idempotent: each create_app() calls it, the filter is added once per logger."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
