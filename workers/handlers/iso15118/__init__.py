"""M: ISO 15118 certificate management. M01/M02 (Get15118EVCertificate: a contract
certificate installed or updated through the contract provider)."""
