"""O: Display Message, the station's side: O03/O04 (the parts of a GetDisplayMessages
report, NotifyDisplayMessages). Each part is stored as the station sent it
(``store/display_messages.py``) and published; setting and clearing messages (O01, O02,
O05, O06) are the API's (``api/routes/display_messages.py``)."""
