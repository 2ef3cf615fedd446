"""Accounts: logging in and out, the organiser's users page, a crew's own car page."""
