"""E: Transactions. E01-E15 (TransactionEvent Started/Updated/Ended, offline resends)."""
