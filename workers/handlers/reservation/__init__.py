"""H: Reservation. H01-H02 (ReserveNow, CancelReservation) are sent by the operator API
(``api/routes/reservations.py``); here the station's side: H03 (a transaction uses a
reservation: ``used.py``, called by TransactionEvent) and H04 (ReservationStatusUpdate)."""
