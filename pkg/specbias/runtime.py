"""Helper for the workflow's scripts: a job's logging (and stderr) into its log file."""

from __future__ import annotations

import errno
import logging
import sys
import traceback


class _LogStream:
    """The job's log file as stderr.  A write that fails (a full disk) is said once on the
    terminal Snakemake shows, instead of the job ending with a bare exit status and an empty log."""

    def __init__(self, path: str):
        self.path = path
        self.stream = open(path, "a", buffering=1, encoding="utf-8")
        self.failed = False

    def _failed(self, exc: OSError) -> None:
        if not self.failed:
            self.failed = True
            full = " (no space left on the device: free some space and run the same command again)" if exc.errno == errno.ENOSPC else ""
            _terminal(f"specbias: cannot write the job's log {self.path}: {exc}{full}\n")

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self._failed(exc)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _terminal(text: str) -> None:
    try:
        sys.__stderr__.write(text)
        sys.__stderr__.flush()
    except (OSError, AttributeError):
        pass


def _report(exc_type, exc, tb) -> None:
    """The job's error into its log; a full disk also on the terminal, in words."""
    sys.stderr.write("".join(traceback.format_exception(exc_type, exc, tb)))
    sys.stderr.flush()
    chain = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    full = [e for e in chain if isinstance(e, OSError) and e.errno == errno.ENOSPC]
    if full:
        _terminal(f"specbias: no space left on the device: {full[0]}\n")


def setup_logging(log_path: str | None = None) -> None:
    """Send logging and stderr to the job's log file (design.md: before heavy imports)."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        stream = _LogStream(log_path)
        sys.stderr = stream
        sys.excepthook = _report
        handlers = [logging.StreamHandler(stream)]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True)
