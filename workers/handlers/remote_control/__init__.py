"""F: Remote control. F01/F02 (RequestStartTransaction), F03 (RequestStopTransaction),
F06 (TriggerMessage): effects of the stations' answers to these commands."""
