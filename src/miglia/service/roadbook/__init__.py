"""The roadbook capability: a day's roadbook from the event and its route, with the organiser's edits,
as PDF, CSV and GPX; time cards and the day's schedule as PDFs."""
