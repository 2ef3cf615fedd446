"""Use cases of accounts: users, roles, passwords and sessions."""
