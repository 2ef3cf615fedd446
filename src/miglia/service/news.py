"""Telling whoever listens in this process that the results changed (after the change is committed).

The service layer knows nothing of the web: the web app subscribes at start-up and turns the news into
a `results` server-sent event (web/live.py), on which open results pages fetch the tables again. Only
the fact is told, never what changed, so nothing unpublished leaks through a public feed. A command
line process has no listeners; across several web workers, see miglia.tracking.broadcast.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
_listeners: list[Callable[[int], None]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[int], None]) -> Callable[[], None]:
    """Call `listener(event_id)` on every change; returns the function that unsubscribes it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def results_changed(event_id: int) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event_id)
        except Exception:  # a listener's failure must not undo the committed change it is told of
            log.exception("a results listener failed")
