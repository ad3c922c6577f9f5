"""C: Authorization. C01 (Authorize with a local id token), plus the id-token check that
TransactionEvent reuses (E: idTokenInfo)."""
