"""C: Authorization. C01 (Authorize with a local id token), C09 (groupIdToken), C10/C12
(cacheExpiryDateTime), C16 (Master Pass), plus the id-token check that TransactionEvent
reuses (E: idTokenInfo)."""
