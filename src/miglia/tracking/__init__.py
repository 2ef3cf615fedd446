"""tracking layer (see DESIGN.md)."""
