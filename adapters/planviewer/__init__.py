"""Planviewer Product API (seeds 000, 001): polled jobs for Dutch property reports."""
