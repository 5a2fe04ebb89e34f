"""Unit tests for app.model.mock_policy: parsing the policy and where mock data may be shown."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model import mock_policy as mock_policy_module
from app.model.mock_policy import (
    MockPolicy,
    has_mock_param,
    is_local_host,
    mock_allowed,
    parse_mock_policy,
    should_use_mock,
)


def auto(hostname: str, *, protocol: str = "https:", search: str = "") -> bool:
    return mock_allowed(MockPolicy.AUTO, protocol=protocol, hostname=hostname, search=search)


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(mock_policy_module).failed == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("auto", MockPolicy.AUTO),
        ("ALWAYS", MockPolicy.ALWAYS),
        ("  Never\n", MockPolicy.NEVER),
        ("\tAuTo ", MockPolicy.AUTO),
    ],
)
def test_parse_mock_policy_ignores_case_and_surrounding_whitespace(
    raw: str, expected: MockPolicy
) -> None:
    """Any casing with surrounding whitespace parses to the policy."""
    assert parse_mock_policy(raw) is expected


@pytest.mark.parametrize("raw", ["", "  ", "yes", "on", "au to", "autoo", "true"])
def test_parse_mock_policy_rejects_unknown_values_with_a_clear_message(raw: str) -> None:
    """Unknown values raise ValueError naming the bad value and the accepted ones."""
    with pytest.raises(ValueError, match=r"invalid mock policy .*'auto', 'always', 'never'"):
        parse_mock_policy(raw)


def test_mock_policy_is_a_str_enum_with_the_documented_values() -> None:
    """The enum values are the lowercase strings used in configuration."""
    assert [str(p) for p in MockPolicy] == ["auto", "always", "never"]


@pytest.mark.parametrize(
    "hostname",
    [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "app.localhost",
        "a.b.Localhost.",
        "127.0.0.1",
        "127.0.0.2",  # all of 127.0.0.0/8 is loopback
        "127.255.255.254",
        "[::1]",  # Chromium's location.hostname for IPv6
        "::1",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped loopback
    ],
)
def test_auto_allows_mock_on_local_hosts(hostname: str) -> None:
    """AUTO allows mock data on localhost names and loopback addresses."""
    assert is_local_host(hostname)
    assert auto(hostname)


@pytest.mark.parametrize(
    "hostname",
    [
        "status.supportmail.dev",
        "localhost.evil.com",
        "mylocalhost",
        "localhostx",
        ".localhost",
        "evil.com.localhost.evil.com",
        "128.0.0.1",
        "10.0.0.1",
        "192.168.1.10",
        "0.0.0.0",  # unspecified, not loopback
        "[::]",
        "[::2]",
        "",
        ".",
        "[]",
    ],
)
def test_auto_refuses_mock_on_other_hosts(hostname: str) -> None:
    """AUTO refuses mock data on public hosts and look-alikes of localhost."""
    assert not is_local_host(hostname)
    assert not auto(hostname)


@pytest.mark.parametrize("protocol", ["file:", "FILE:"])
def test_auto_allows_mock_for_file_pages(protocol: str) -> None:
    """A page opened from disk (file:, empty hostname) may use mock data."""
    assert auto("", protocol=protocol)


@pytest.mark.parametrize(
    "search",
    ["?mock", "?mock=1", "?a=1&mock", "?a=1&mock=1", "?mock=yes", "mock", "?MOCK", "?%6Dock"],
)
def test_auto_allows_mock_when_the_query_asks_for_it(search: str) -> None:
    """A ``mock`` query parameter enables mock data even on the public host."""
    assert has_mock_param(search)
    assert auto("status.supportmail.dev", search=search)


@pytest.mark.parametrize(
    "search",
    ["", "?", "?nomock=1", "?mockery", "?a=mock", "?mock_=1", "?mock=0", "?mock=false", "?mock=no"],
)
def test_auto_ignores_queries_without_a_real_mock_parameter(search: str) -> None:
    """Look-alike names, values named mock, and explicit ``mock=0`` do not enable mock data."""
    assert not has_mock_param(search)
    assert not auto("status.supportmail.dev", search=search)


def test_always_and_never_ignore_the_location() -> None:
    """ALWAYS allows and NEVER refuses mock data whatever the page location."""
    for host, search in [("status.supportmail.dev", ""), ("localhost", "?mock")]:
        assert mock_allowed(MockPolicy.ALWAYS, protocol="https:", hostname=host, search=search)
        assert not mock_allowed(MockPolicy.NEVER, protocol="file:", hostname=host, search=search)


@given(
    policy=st.sampled_from(MockPolicy),
    protocol=st.sampled_from(["http:", "https:", "file:"]),
    hostname=st.sampled_from(["localhost", "[::1]", "status.supportmail.dev", ""]),
    search=st.sampled_from(["", "?mock", "?nomock"]),
)
def test_live_data_once_shown_never_turns_into_mock(
    policy: MockPolicy, protocol: str, hostname: str, search: str
) -> None:
    """After live data was shown, no policy or location switches the page to mock data."""
    kwargs = {"protocol": protocol, "hostname": hostname, "search": search}
    assert not should_use_mock(policy, live_ever_shown=True, **kwargs)
    assert should_use_mock(policy, live_ever_shown=False, **kwargs) == mock_allowed(
        policy, **kwargs
    )


@given(st.text())
def test_host_and_query_checks_never_raise(text: str) -> None:
    """Arbitrary strings from the browser never make the checks raise."""
    auto(text, protocol=text, search=text)
