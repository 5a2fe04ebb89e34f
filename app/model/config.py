"""The app's configuration: build-time environment variables, validated once.

The build (``tools/build.py``) reads the environment with ``config_from_env`` and writes
the result (``Config.to_json``) into each page as JSON; the page reads it back with
``config_from_json``. Both raise ``ConfigError`` for an invalid value, with a message
naming the variable, so a bad value fails the build.

>>> config_from_env({"STATUSPAGE_MOCK": "never"}).mock
<MockPolicy.NEVER: 'never'>
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.model.mock_policy import MockPolicy, parse_mock_policy

__all__ = [
    "ENV_DEFAULTS",
    "Config",
    "ConfigError",
    "config_from_env",
    "config_from_json",
    "origin",
]

ENV_DEFAULTS: dict[str, str] = {
    "STATUSPAGE_TOKEN_URL": "http://localhost:3000/ws-token",
    "STATUSPAGE_WS_URL": "http://localhost:4000",
    "STATUSPAGE_MOCK": "auto",
    "STATUSPAGE_REFRESH_SECONDS": "15",
    "STATUSPAGE_HIDDEN_REFRESH_SECONDS": "60",
}
# A hidden, watching tab's cadence: whole seconds, at least this many (the bot's server
# gets one ask per interval per watching tab), at most a day (a JS timer's range is 24 days).
HIDDEN_REFRESH_MIN = 5
HIDDEN_REFRESH_MAX = 86_400


class ConfigError(ValueError):
    """A configuration value is unusable; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Config:
    token_url: str
    ws_url: str
    mock: MockPolicy
    refresh_seconds: float
    version: str = "dev"
    hidden_refresh_seconds: int = 60

    @property
    def connects(self) -> bool:
        """Whether the page connects to the bot's server at all: not when it only ever
        shows preview data."""
        return self.mock is not MockPolicy.ALWAYS

    @property
    def connect_origins(self) -> tuple[str, ...]:
        """Origins the page talks to besides its own (for the CSP and request audits)."""
        origins = [origin(self.token_url)]
        ws = origin(self.ws_url)
        origins += [ws, ws.replace("http", "ws", 1)]
        return tuple(dict.fromkeys(origins))

    def to_json(self) -> dict[str, object]:
        return {
            "tokenUrl": self.token_url,
            "wsUrl": self.ws_url,
            "mock": self.mock.value,
            "refreshSeconds": self.refresh_seconds,
            "hiddenRefreshSeconds": self.hidden_refresh_seconds,
            "version": self.version,
        }


def config_from_env(env: Mapping[str, str], version: str = "dev") -> Config:
    def get(name: str) -> str:
        value = env.get(name, "").strip()
        return value or ENV_DEFAULTS[name]

    return Config(
        token_url=_http_url("STATUSPAGE_TOKEN_URL", get("STATUSPAGE_TOKEN_URL")),
        ws_url=_http_url("STATUSPAGE_WS_URL", get("STATUSPAGE_WS_URL")),
        mock=_policy("STATUSPAGE_MOCK", get("STATUSPAGE_MOCK")),
        refresh_seconds=_seconds("STATUSPAGE_REFRESH_SECONDS", get("STATUSPAGE_REFRESH_SECONDS")),
        version=version,
        hidden_refresh_seconds=_whole_seconds(
            "STATUSPAGE_HIDDEN_REFRESH_SECONDS", get("STATUSPAGE_HIDDEN_REFRESH_SECONDS")
        ),
    )


def config_from_json(obj: object) -> Config:
    if not isinstance(obj, dict):
        raise ConfigError("config: expected a JSON object")
    try:
        return Config(
            token_url=_http_url("tokenUrl", str(obj["tokenUrl"])),
            ws_url=_http_url("wsUrl", str(obj["wsUrl"])),
            mock=_policy("mock", str(obj["mock"])),
            refresh_seconds=_seconds("refreshSeconds", str(obj["refreshSeconds"])),
            version=str(obj.get("version", "dev")),
            hidden_refresh_seconds=_whole_seconds(
                "hiddenRefreshSeconds", str(obj["hiddenRefreshSeconds"])
            ),
        )
    except KeyError as exc:
        raise ConfigError(f"config: missing {exc.args[0]}") from None


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name}: expected an http(s) URL, got {value!r}")
    return value


def _policy(name: str, value: str) -> MockPolicy:
    try:
        return parse_mock_policy(value)
    except ValueError:
        raise ConfigError(f"{name}: expected auto, always or never, got {value!r}") from None


def _seconds(name: str, value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 0.05 <= seconds <= 3600:
        raise ConfigError(f"{name}: expected seconds between 0.05 and 3600, got {value!r}")
    return seconds


def _whole_seconds(name: str, value: str) -> int:
    # Digits only: int() would also take "+60", " 60" and "6_0".
    seconds = int(value) if value.isascii() and value.isdigit() else 0
    if not HIDDEN_REFRESH_MIN <= seconds <= HIDDEN_REFRESH_MAX:
        raise ConfigError(
            f"{name}: expected a whole number of seconds from {HIDDEN_REFRESH_MIN}"
            f" to {HIDDEN_REFRESH_MAX}, got {value!r}"
        )
    return seconds


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
