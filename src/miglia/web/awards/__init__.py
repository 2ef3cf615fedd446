"""The car show and the prize-giving on the web (issue 13)."""
