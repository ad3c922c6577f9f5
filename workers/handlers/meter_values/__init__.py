"""J: Meter values. J01 (MeterValues outside transactions), J02 (sampled values within
TransactionEvent, via ``sampling``)."""
