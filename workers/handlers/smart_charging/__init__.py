"""K: Smart Charging, the station's side: K12 (NotifyChargingLimit: an external limit set on
the station by an EMS, a grid operator or the CSO), K13 (ClearedChargingLimit), K15-K17
(NotifyEVChargingNeeds and NotifyEVChargingSchedule, ISO 15118) and K09 (the parts of a
GetChargingProfiles report, ReportChargingProfiles). Each is stored as the station sent it
(``store/charging_limits.py``) and published. An EV's needs and a rejected EV schedule get
its transaction a TxProfile: from the site driver on a site's station, else from here
(``ev_profiles.py``)."""
