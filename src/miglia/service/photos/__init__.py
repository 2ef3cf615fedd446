"""Photos: the photographers' uploads, matched to the cars by their tracks; the review and the galleries."""
