"""shared.api_keys: the shape of a key, the Bearer header, the order of roles."""

from __future__ import annotations

import pytest

from shared import api_keys, names


def test_a_new_key_names_its_id_and_hashes_to_its_digest():
    identifier, key = api_keys.new_key()
    assert key.startswith("csms_") and api_keys.key_id(key) == identifier
    assert api_keys.matches(key, api_keys.digest(key))
    assert not api_keys.matches(key + "x", api_keys.digest(key))
    assert api_keys.new_key()[1] != key


@pytest.mark.parametrize(
    "text",
    ["", "csms_", "csms_0123456789abcdef", "csms_0123456789ABCDEF_" + "a" * 32, "x" * 60],
)
def test_text_not_shaped_like_a_key_claims_no_id(text):
    assert api_keys.key_id(text) is None


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer ", None),
        (None, None),
    ],
)
def test_bearer_header(header, token):
    assert api_keys.bearer(header) == token


def test_each_role_includes_the_ones_before_it():
    viewer, operator, admin = names.ROLES
    assert api_keys.allows(admin, operator) and api_keys.allows(operator, viewer)
    assert not api_keys.allows(viewer, operator) and not api_keys.allows(operator, admin)
    assert not api_keys.allows("root", viewer)


def test_the_configured_admin_key_is_compared_only_when_set():
    assert api_keys.same_secret("s" * 30, "s" * 30)
    assert not api_keys.same_secret("s" * 30, "t" * 30)
    assert not api_keys.same_secret("", "")
