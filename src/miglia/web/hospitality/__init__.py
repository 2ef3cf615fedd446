"""Hotels, meals and itineraries on the web (issue 12)."""
