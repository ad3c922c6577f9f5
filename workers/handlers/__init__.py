"""One package per OCPP 2.0.1 functional block, one module per action (see routing.py)."""
