"""Files people bring or take (event file, entries and passages CSV, GeoJSON): read and write, no database."""
