"""JSON lines on the pipe to the host, with the non-finite spellings of
src/shared/json.ts ("NaN", "Infinity", "-Infinity"; a real string of that form
gets one more leading backslash)."""

import json
import math
import os
import re

_NON_FINITE_SPELLING = re.compile(r"^\\*(?:NaN|-?Infinity)$")


def _encode(value):
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return "\\" + value if _NON_FINITE_SPELLING.match(value) else value
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, str) and _NON_FINITE_SPELLING.match(value):
        if value == "NaN":
            return math.nan
        if value == "Infinity":
            return math.inf
        if value == "-Infinity":
            return -math.inf
        return value[1:]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class Wire:
    """One duplex pipe (a socketpair end the host passes as an inherited fd)."""

    def __init__(self, fd):
        self._fd = fd
        self._pending = b""
        self._queued = []

    def send(self, event, flush=True):
        """Queues one event; `flush=False` leaves it for the next flush (one write per step boundary, not per event)."""
        self._queued.append(json.dumps(_encode(event), allow_nan=False, separators=(",", ":")) + "\n")
        if flush:
            self.flush()

    def flush(self):
        data = "".join(self._queued).encode("utf-8")
        self._queued = []
        while data:
            data = data[os.write(self._fd, data) :]

    def receive(self):
        """The next command from the host; None when the host closed the pipe."""
        while b"\n" not in self._pending:
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return _decode(json.loads(line.decode("utf-8")))
