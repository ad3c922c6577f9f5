"""A: Security. A04 (SecurityEventNotification)."""
