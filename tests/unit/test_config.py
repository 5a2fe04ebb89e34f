"""Unit tests for app.model.config: build-time environment variables, validated once."""

from __future__ import annotations

import doctest
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import config as config_module
from app.model.config import (
    ENV_DEFAULTS,
    Config,
    ConfigError,
    config_from_env,
    config_from_json,
)
from app.model.mock_policy import MockPolicy

TOKEN = "STATUSPAGE_TOKEN_URL"
WS = "STATUSPAGE_WS_URL"
MOCK = "STATUSPAGE_MOCK"
REFRESH = "STATUSPAGE_REFRESH_SECONDS"
HIDDEN = "STATUSPAGE_HIDDEN_REFRESH_SECONDS"


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(config_module).failed == 0


def test_defaults_when_environment_is_empty() -> None:
    """With no variables set every field takes its documented default."""
    config = config_from_env({})
    assert config == Config(
        token_url="http://localhost:3000/ws-token",
        ws_url="http://localhost:4000",
        mock=MockPolicy.AUTO,
        refresh_seconds=15.0,
        version="dev",
        hidden_refresh_seconds=60,
    )
    assert ENV_DEFAULTS == {
        TOKEN: "http://localhost:3000/ws-token",
        WS: "http://localhost:4000",
        MOCK: "auto",
        REFRESH: "15",
        HIDDEN: "60",
    }


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_values_fall_back_to_defaults(blank: str) -> None:
    """A variable set to an empty or whitespace-only string counts as unset."""
    env = dict.fromkeys((TOKEN, WS, MOCK, REFRESH, HIDDEN), blank)
    assert config_from_env(env) == config_from_env({})


def test_unrelated_variables_are_ignored() -> None:
    """Other environment variables (PATH, HOME…) do not affect the config."""
    assert config_from_env({"PATH": "/bin", "STATUSPAGE_OTHER": "x"}) == config_from_env({})


def test_token_url_overridden() -> None:
    """STATUSPAGE_TOKEN_URL replaces only the token URL."""
    config = config_from_env({TOKEN: "https://status.example.org/api/ws-token"})
    assert config.token_url == "https://status.example.org/api/ws-token"
    assert config.ws_url == ENV_DEFAULTS[WS]


def test_ws_url_overridden() -> None:
    """STATUSPAGE_WS_URL replaces only the Socket.IO URL."""
    config = config_from_env({WS: "https://bot.example.org:8443"})
    assert config.ws_url == "https://bot.example.org:8443"
    assert config.token_url == ENV_DEFAULTS[TOKEN]


@pytest.mark.parametrize(
    ("raw", "policy"),
    [("always", MockPolicy.ALWAYS), ("never", MockPolicy.NEVER), (" Auto ", MockPolicy.AUTO)],
)
def test_mock_policy_overridden(raw: str, policy: MockPolicy) -> None:
    """STATUSPAGE_MOCK accepts auto/always/never, case- and whitespace-tolerant."""
    assert config_from_env({MOCK: raw}).mock is policy


@pytest.mark.parametrize(("raw", "seconds"), [("30", 30.0), ("0.5", 0.5), (" 60 ", 60.0)])
def test_refresh_seconds_overridden(raw: str, seconds: float) -> None:
    """STATUSPAGE_REFRESH_SECONDS is read as a float number of seconds."""
    assert config_from_env({REFRESH: raw}).refresh_seconds == seconds


@pytest.mark.parametrize("raw", ["0.05", "3600"])
def test_refresh_seconds_bounds_are_inclusive(raw: str) -> None:
    """The refresh interval may be exactly 0.05 s or exactly one hour."""
    assert config_from_env({REFRESH: raw}).refresh_seconds == float(raw)


def test_version_is_passed_through() -> None:
    """The build's version string ends up in the config."""
    assert config_from_env({}, version="1.2.3+abc").version == "1.2.3+abc"


@pytest.mark.parametrize("name", [TOKEN, WS])
@pytest.mark.parametrize(
    "value",
    [
        "localhost:3000",
        "ftp://example.org/token",
        "ws://localhost:4000",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "//example.org",
        "example.org",
    ],
)
def test_non_http_url_is_rejected_naming_the_variable(name: str, value: str) -> None:
    """A URL that is not http(s) with a host fails with a message naming the variable."""
    with pytest.raises(ConfigError) as info:
        config_from_env({name: value})
    assert str(info.value).startswith(f"{name}:")
    assert value in str(info.value)


@pytest.mark.parametrize("value", ["sometimes", "yes", "1", "auto always"])
def test_bad_mock_policy_is_rejected_naming_the_variable(value: str) -> None:
    """An unknown policy fails with a message naming STATUSPAGE_MOCK and the choices."""
    with pytest.raises(ConfigError, match=rf"^{MOCK}:.*auto, always or never"):
        config_from_env({MOCK: value})


@pytest.mark.parametrize(
    "value", ["0", "-1", "nan", "NaN", "inf", "-inf", "abc", "15s", "0.01", "3601", "1e9"]
)
def test_bad_refresh_seconds_is_rejected_naming_the_variable(value: str) -> None:
    """Zero, negative, non-finite, non-numeric and out-of-range intervals fail by name."""
    with pytest.raises(ConfigError) as info:
        config_from_env({REFRESH: value})
    assert str(info.value).startswith(f"{REFRESH}:")
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(("raw", "seconds"), [("5", 5), ("60", 60), ("600", 600), ("86400", 86400)])
def test_hidden_refresh_seconds_accepts_whole_numbers_from_five(raw: str, seconds: int) -> None:
    """Issue 15: a hidden, watching tab asks every N seconds; any whole N >= 5 (up to a day)."""
    assert config_from_env({HIDDEN: raw}).hidden_refresh_seconds == seconds


@pytest.mark.parametrize("value", ["4", "0", "-60", "60.0", "1e2", "+60", "6_0", "sixty", "86401"])
def test_bad_hidden_refresh_seconds_is_rejected_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_env({HIDDEN: value})
    assert str(info.value).startswith(f"{HIDDEN}:")
    assert "whole number" in str(info.value)
    assert repr(value) in str(info.value)


def test_config_error_is_a_value_error() -> None:
    """Callers catching ValueError also catch configuration errors."""
    assert issubclass(ConfigError, ValueError)


# -- JSON round-trip ------------------------------------------------------------------------


def test_to_json_uses_the_page_field_names() -> None:
    """The JSON written into the page has camelCase keys and plain JSON values."""
    config = config_from_env({MOCK: "never", REFRESH: "20"}, version="v9")
    assert config.to_json() == {
        "tokenUrl": "http://localhost:3000/ws-token",
        "wsUrl": "http://localhost:4000",
        "mock": "never",
        "refreshSeconds": 20.0,
        "hiddenRefreshSeconds": 60,
        "version": "v9",
    }


def test_to_json_round_trips_through_json_text() -> None:
    """config_from_json(json.loads(json.dumps(c.to_json()))) == c."""
    config = config_from_env(
        {
            TOKEN: "https://status.example.org/ws-token",
            WS: "https://bot.example.org",
            MOCK: "always",
            REFRESH: "2.5",
            HIDDEN: "300",
        },
        version="abc123",
    )
    assert config_from_json(json.loads(json.dumps(config.to_json()))) == config


urls = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}", fullmatch=True),
    st.sampled_from(["", ":80", ":3000", ":8443"]),
    st.sampled_from(["", "/", "/ws-token", "/a/b?x=1"]),
)


@settings(max_examples=200, deadline=None)
@given(
    token=urls,
    ws=urls,
    mock=st.sampled_from(list(MockPolicy)),
    refresh=st.floats(0.05, 3600),
    version=st.text(max_size=12),
)
def test_any_valid_config_round_trips(
    token: str, ws: str, mock: MockPolicy, refresh: float, version: str
) -> None:
    """Every valid config survives to_json -> JSON text -> config_from_json unchanged."""
    config = config_from_env(
        {TOKEN: token, WS: ws, MOCK: mock.value, REFRESH: repr(refresh)}, version=version
    )
    assert config_from_json(json.loads(json.dumps(config.to_json()))) == config


def test_config_from_json_without_version_defaults_to_dev() -> None:
    """An older page config without ``version`` still loads."""
    obj = config_from_env({}).to_json()
    del obj["version"]
    assert config_from_json(obj).version == "dev"


@pytest.mark.parametrize(
    "missing", ["tokenUrl", "wsUrl", "mock", "refreshSeconds", "hiddenRefreshSeconds"]
)
def test_config_from_json_missing_field_names_it(missing: str) -> None:
    """A missing required field fails with a message naming it."""
    obj = config_from_env({}).to_json()
    del obj[missing]
    with pytest.raises(ConfigError, match=missing):
        config_from_json(obj)


@pytest.mark.parametrize("obj", [None, [], "config", 3])
def test_config_from_json_rejects_non_objects(obj: object) -> None:
    """Only a JSON object is a config."""
    with pytest.raises(ConfigError):
        config_from_json(obj)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tokenUrl", "ftp://x"),
        ("wsUrl", 42),
        ("mock", "maybe"),
        ("refreshSeconds", 0),
        ("refreshSeconds", math.nan),
        ("refreshSeconds", True),
        ("hiddenRefreshSeconds", 4),
        ("hiddenRefreshSeconds", 60.5),
        ("hiddenRefreshSeconds", True),
    ],
)
def test_config_from_json_invalid_field_names_it(field: str, value: object) -> None:
    """An invalid value in the page JSON fails with a message naming its field."""
    obj = config_from_env({}).to_json()
    obj[field] = value
    with pytest.raises(ConfigError, match=rf"^{field}:"):
        config_from_json(obj)


# -- connect origins ------------------------------------------------------------------------


def test_connect_origins_for_defaults() -> None:
    """Token origin, then the Socket.IO origin in both http and ws schemes."""
    assert config_from_env({}).connect_origins == (
        "http://localhost:3000",
        "http://localhost:4000",
        "ws://localhost:4000",
    )


def test_connect_origins_https_maps_to_wss_and_drops_paths() -> None:
    """An https Socket.IO URL adds its wss origin; paths and queries are not part of origins."""
    config = config_from_env(
        {
            TOKEN: "https://status.example.org/api/ws-token?x=1",
            WS: "https://bot.example.org:8443/io",
        }
    )
    assert config.connect_origins == (
        "https://status.example.org",
        "https://bot.example.org:8443",
        "wss://bot.example.org:8443",
    )


def test_connect_origins_deduplicates_a_shared_origin() -> None:
    """When token and Socket.IO share an origin it is listed once."""
    config = config_from_env({TOKEN: "https://example.org/token", WS: "https://example.org/"})
    assert config.connect_origins == ("https://example.org", "wss://example.org")
