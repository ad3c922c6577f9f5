"""M: ISO 15118 certificate management: M01/M02 (Get15118EVCertificate: a contract
certificate installed or updated through the contract provider) and M06
(GetCertificateStatus: the CSMS asks the OCSP responder for the station)."""
