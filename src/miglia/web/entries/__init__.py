"""Applications, selection and scrutineering on the web (issue 12)."""
