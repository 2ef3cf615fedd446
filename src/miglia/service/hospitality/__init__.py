"""Hotels, meals, each crew's itinerary and the messages to crews (issue 12)."""
