"""N: Diagnostics. N01 (LogStatusNotification), N07 (NotifyEvent), N09/N10
(NotifyCustomerInformation parts)."""
