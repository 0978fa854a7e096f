"""Telling people: stuck orders found by their age, and each new attention item posted to a
webhook, from the event store, at least once and never lost."""
