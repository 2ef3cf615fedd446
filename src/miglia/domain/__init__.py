"""Pure rules of a rally: the event, entries, timing, classification. No I/O, no framework."""
