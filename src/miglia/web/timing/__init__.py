"""Timing: the results page, the timekeeper's review and corrections, the marshal's phone page."""
