"""The car show and the prize-giving: the show's placards, the spectators' vote, the juried awards, the
sponsor's commemorative items and the certificates (issue 13)."""
