"""Instants in Miglia are integer microseconds since 1970-01-01 UTC (never floats of seconds): the unit,
defined once, for every module that converts to or from it."""

US_PER_S = 1_000_000
