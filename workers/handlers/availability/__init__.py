"""G: Availability. G01 (StatusNotification), G02 (Heartbeat)."""
