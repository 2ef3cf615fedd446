"""The event and its entries: the public pages, the JSON API, and the organiser's console where the event
file and the entry list are imported."""
