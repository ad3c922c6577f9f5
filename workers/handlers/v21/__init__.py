"""OCPP 2.1's own station messages (the ones 2.0.1 does not have). 2.1 shares every 2.0.1
message, which the 2.0.1 handlers answer on the 2.1 schemas; these answer the rest.

Each message is kept as the station sent it (``store/ocpp21.py``) before anything else, so
an operator, or a service on ``ocpp.events``, has every one even where this CSMS does no
more with it yet (DER control, settlement, VAT numbers): never dropped.
"""
