"""Policy applied around every handler (the boot gate today; retries live in consumer.py)."""
