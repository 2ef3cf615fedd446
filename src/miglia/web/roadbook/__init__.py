"""The roadbook's pages and files."""
