"""M: ISO 15118 certificate management. M06 (GetCertificateStatus: the CSMS asks the OCSP
responder for the station)."""
