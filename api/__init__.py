"""Operator HTTP API: registration and inspection of stations, id tokens, transactions."""
