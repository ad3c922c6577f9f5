"""C: Authorization. C01 (Authorize with a local id token), C09 (groupIdToken), C10/C12
(cacheExpiryDateTime), C16 (Master Pass), C07 (Plug & Charge: the contract
certificate chain's OCSP status), plus the id-token check that TransactionEvent
reuses (E: idTokenInfo)."""
