"""store.device_model.actual: the value a device model variable has now."""

from __future__ import annotations

from store.device_model import actual


def test_a_value_learnt_by_get_variables_wins_over_the_reported_one():
    doc = {"attributes": [{"type": "Actual", "value": "A"}], "values": {"Actual": "A,W"}}
    assert actual(doc) == "A,W"


def test_the_reported_actual_attribute_is_read_and_others_are_not():
    doc = {"attributes": [{"type": "Target", "value": "9"}, {"value": "7"}]}
    assert actual(doc) == "7"
    assert actual({"attributes": [{"type": "MaxSet", "value": "9"}]}) is None
    assert actual(None) is None
