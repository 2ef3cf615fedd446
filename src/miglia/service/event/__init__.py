"""Use cases of the event: import and check the event file and its routes, the schedule, the demo."""
