"""A: Security. A02/A03 (SignCertificate -> CertificateSigned), A04
(SecurityEventNotification)."""
