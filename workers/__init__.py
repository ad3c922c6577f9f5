"""Workers: consume station frames from the bus, run OCPP logic against MongoDB, reply."""
