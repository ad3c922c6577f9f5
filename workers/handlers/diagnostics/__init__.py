"""N: Diagnostics. N01 (LogStatusNotification), N02 (NotifyMonitoringReport parts),
N07 (NotifyEvent, alerts), N09/N10 (NotifyCustomerInformation parts)."""
