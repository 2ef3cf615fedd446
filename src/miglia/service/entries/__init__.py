"""Entries before the start: applications, selection and the waitlist, scrutineering (issue 12)."""
