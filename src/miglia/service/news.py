"""Telling whoever listens in this process that the results changed (after the change is committed).

The service layer knows nothing of the web: the web app subscribes at start-up and turns the news into
a `results` server-sent event (web/live/feed.py), on which open results pages fetch the tables again. Only
the fact is told, never what changed, so nothing unpublished leaks through a public feed. A command
line process has no listeners; across several web workers, see miglia.tracking.broadcast.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)
RESULTS = "results"
"""Passages, corrections or publication changed: the results pages reload."""
EVENT = "event"
"""The event file or the entries were imported again: what was derived from them is stale."""

_listeners: list[tuple[str, Callable[[int], None]]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[int], None], topic: str = RESULTS) -> Callable[[], None]:
    """Call `listener(event_id)` on every change of `topic`; returns the function that unsubscribes it."""
    entry = (topic, listener)
    with _lock:
        _listeners.append(entry)

    def unsubscribe() -> None:
        with _lock:
            if entry in _listeners:
                _listeners.remove(entry)

    return unsubscribe


def results_changed(event_id: int) -> None:
    _tell(RESULTS, event_id)


def event_changed(event_id: int) -> None:
    _tell(EVENT, event_id)
    _tell(RESULTS, event_id)


def _tell(topic: str, event_id: int) -> None:
    with _lock:
        listeners = [listener for t, listener in _listeners if t == topic]
    for listener in listeners:
        try:
            listener(event_id)
        except Exception:  # a listener's failure must not undo the committed change it is told of
            log.exception("a %s listener failed", topic)
