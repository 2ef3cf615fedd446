"""roadbook layer (see DESIGN.md)."""
