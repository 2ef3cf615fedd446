"""Photos on the web: galleries, the upload, the review."""
