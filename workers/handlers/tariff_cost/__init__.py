"""I: Tariff and cost. I01 (the tariff's text as ``idTokenInfo.personalMessage`` on
Authorize and TransactionEvent), I02 (running cost: CostUpdated after an Updated event, at
most every COST_UPDATE_INTERVAL), I03 (``totalCost`` in the answer to Ended)."""
