"""OCPP 1.6J: each action translated into the 2.0.1 request of the same meaning, answered by
the 2.0.1 handler, and the answer translated back, so a 1.6 station lands in the same
domain (stations, connectors, id tokens, transactions, sites, tariffs) as a 2.x one.
The translations are pure (``translate``); the modules here are thin drivers around them.
"""
