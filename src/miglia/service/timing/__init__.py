"""Use cases of timing: passages (devices, marshals, GPS), corrections, results, protests."""
