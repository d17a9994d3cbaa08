"""Helper for the workflow's scripts: a job's logging (and stderr) into its log file."""

from __future__ import annotations

import logging
import sys


def setup_logging(log_path: str | None = None) -> None:
    """Send logging and stderr to the job's log file (design.md: before heavy imports)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        stream = open(log_path, "a", buffering=1)
        sys.stderr = stream
        handlers = [logging.StreamHandler(stream)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True)
