"""I: Tariff and cost. I01 (the tariff's text as ``idTokenInfo.personalMessage`` on
Authorize and TransactionEvent), I02 (running cost: CostUpdated at most every
COST_UPDATE_INTERVAL, after an Updated event and from the workers' sweep), I03
(``totalCost`` in the answer to Ended), I06 (the running cost as ``updatedPersonalMessage``
in the answer to Updated); OCPP 2.1's SetDefaultTariff answer (a station that computes its
cost itself)."""
