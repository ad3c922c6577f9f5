"""P: DataTransfer. P01/P02: vendor-specific messages, answered by a registered vendor
handler or with UnknownVendorId."""
