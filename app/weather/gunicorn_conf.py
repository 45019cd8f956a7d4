"""Gunicorn settings, from the environment; suitable for a read-only root filesystem."""

import os

bind = [os.environ.get("BIND", "127.0.0.1:8080")]
# gthread: requests spend most of their time waiting on upstreams, so threads are cheap capacity.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Heartbeat files go to RAM, not to the (possibly read-only) image filesystem.
_SHM = "/dev/shm"  # noqa: S108 (RAM-backed, only for gunicorn's own heartbeat files)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) and os.access(_SHM, os.W_OK) else None
# The control socket would be written under $HOME; nothing here uses it.
control_socket_disable = True
accesslog = "-" if os.environ.get("ACCESS_LOG", "1") != "0" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# Keep request lines short: search text is capped far below this anyway.
limit_request_line = 2048

# The app's own log lines (upstream failures, history errors) next to gunicorn's, on stderr.
# urllib3 stays at WARNING even when LOG_LEVEL=debug: its debug lines carry URLs with API keys.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {"urllib3": {"level": "WARNING"}},
}
