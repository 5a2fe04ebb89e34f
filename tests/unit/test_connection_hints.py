"""tools/build.py ``connection_hints``: the page opens the way to the bot's endpoints while
the runtime downloads, and a preview-only build asks for nothing."""

from app.model.config import config_from_env
from tools.build import connection_hints

LIVE = {
    "STATUSPAGE_TOKEN_URL": "https://api.supportmail.dev/ws-token",
    "STATUSPAGE_WS_URL": "https://gateway.supportmail.dev",
}


def test_token_endpoint_is_preconnected_for_cors_and_the_socket_host_resolved() -> None:
    hints = connection_hints(config_from_env(LIVE))
    assert hints == [
        '<link rel="preconnect" href="https://api.supportmail.dev" crossorigin>',
        '<link rel="dns-prefetch" href="https://gateway.supportmail.dev">',
    ]


def test_one_hint_when_token_and_socket_share_an_origin() -> None:
    env = {**LIVE, "STATUSPAGE_WS_URL": "https://api.supportmail.dev/socket"}
    assert connection_hints(config_from_env(env)) == [
        '<link rel="preconnect" href="https://api.supportmail.dev" crossorigin>'
    ]


def test_a_build_that_only_shows_preview_data_connects_nowhere() -> None:
    assert connection_hints(config_from_env({**LIVE, "STATUSPAGE_MOCK": "always"})) == []
