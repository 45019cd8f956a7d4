"""`python -m weather`: serve the app with gunicorn and the bundled settings."""

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def main() -> None:
    args = [
        sys.executable, "-m", "gunicorn",
        "--chdir", str(PACKAGE_DIR.parent),
        "--config", str(PACKAGE_DIR / "gunicorn_conf.py"),
        *sys.argv[1:],
        "weather:create_app()",
    ]
    # exec, so gunicorn gets the signals (PID 1 in a container).
    os.execv(sys.executable, args)  # noqa: S606 (fixed argv, no shell)


if __name__ == "__main__":
    main()
