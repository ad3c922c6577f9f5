"""L: Firmware management. L01 (FirmwareStatusNotification)."""
