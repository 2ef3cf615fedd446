"""Miglia: run a classic-car rally from the entry list to the prize-giving."""

__version__ = "0.1.0"
