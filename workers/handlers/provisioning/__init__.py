"""B: Provisioning. B01-B03 (BootNotification: Accepted, Pending, Rejected), B07/B08
(NotifyReport parts after GetBaseReport/GetReport)."""
