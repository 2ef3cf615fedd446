"""Live tracking: the tracker endpoints, the SSE feed, the trackers' enrolment and the alerts board."""
