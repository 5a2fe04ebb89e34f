"""Unit tests for app.model.shard_lookup: input parsing, shard counting and the shard formula."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.model import shard_lookup as shard_lookup_module
from app.model.shard_lookup import (
    MAX_SNOWFLAKE,
    GuildInput,
    GuildInputError,
    parse_guild_input,
    shard_for_guild,
    total_shards,
)

DISCORD_API = 81384788765712384  # the Discord API server, created 2015 (17 digits)
DEVELOPERS = 613425648685547541  # Discord Developers server (18 digits)
CHANNEL = 381887113391505410
MESSAGE = 1234567890123456789

_VALID_IDS = st.integers(min_value=10**16, max_value=MAX_SNOWFLAKE)


def ok(guild_id: int) -> GuildInput:
    return GuildInput(guild_id=guild_id)


def err(error: GuildInputError) -> GuildInput:
    return GuildInput(error=error)


def test_module_docstring_example_runs() -> None:
    """The example in the module docstring is runnable and correct."""
    assert doctest.testmod(shard_lookup_module).failed == 0


# --- parse_guild_input: bare IDs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("81384788765712384", ok(DISCORD_API)),
        ("  613425648685547541\n", ok(DEVELOPERS)),
        ("9223372036854775807", ok(MAX_SNOWFLAKE)),
        ("10000000000000000", ok(10**16)),  # smallest 17-digit number
        ("<81384788765712384>", ok(DISCORD_API)),
    ],
)
def test_bare_snowflakes_are_accepted(text: str, expected: GuildInput) -> None:
    """A 17-19 digit number, trimmed of whitespace, is the guild ID itself."""
    assert parse_guild_input(text) == expected
    assert expected.ok


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", GuildInputError.EMPTY),
        ("   \t\n", GuildInputError.EMPTY),
        ("<>", GuildInputError.EMPTY),
        ("9223372036854775808", GuildInputError.TOO_LARGE),  # 2**63
        ("18446744073709551615", GuildInputError.TOO_LARGE),  # 2**64 - 1, 20 digits
        ("99999999999999999999", GuildInputError.TOO_LARGE),
        ("1" * 5000, GuildInputError.TOO_LARGE),  # beyond int()'s digit limit; must not raise
        ("1234567890123456", GuildInputError.NOT_A_SNOWFLAKE),  # 16 digits
        ("0", GuildInputError.NOT_A_SNOWFLAKE),
        ("-81384788765712384", GuildInputError.NOT_A_SNOWFLAKE),
        ("81384788765712384x", GuildInputError.NOT_A_SNOWFLAKE),
        ("81 384 788 765 712 384", GuildInputError.NOT_A_SNOWFLAKE),
        ("8.1384788765712384e16", GuildInputError.NOT_A_SNOWFLAKE),
        ("٨١٣٨٤٧٨٨٧٦٥٧١٢٣٨٤", GuildInputError.NOT_A_SNOWFLAKE),  # Arabic-Indic digits
        ("my server", GuildInputError.NOT_A_SNOWFLAKE),
    ],
)
def test_bad_bare_input_gets_a_specific_error(text: str, error: GuildInputError) -> None:
    """Empty, oversized, short and non-numeric input each get their own error code."""
    result = parse_guild_input(text)
    assert result == err(error)
    assert not result.ok


@given(_VALID_IDS)
def test_any_valid_snowflake_round_trips_through_text(guild_id: int) -> None:
    """Every ID from 10**16 to 2**63-1 parses back to itself, exactly."""
    assert parse_guild_input(str(guild_id)) == ok(guild_id)


@given(st.integers(min_value=MAX_SNOWFLAKE + 1, max_value=10**30))
def test_any_id_beyond_63_bits_is_too_large(guild_id: int) -> None:
    """Numbers above 2**63-1 are rejected as TOO_LARGE, never wrapped or truncated."""
    assert parse_guild_input(str(guild_id)) == err(GuildInputError.TOO_LARGE)


# --- parse_guild_input: links -----------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}/{MESSAGE}",
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}/",
        f"https://discord.com/channels/{DISCORD_API}",
        f"https://ptb.discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://canary.discord.com/channels/{DISCORD_API}/{CHANNEL}/{MESSAGE}",
        f"https://discordapp.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://www.discordapp.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://www.discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"http://discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"HTTPS://Discord.COM/channels/{DISCORD_API}/{CHANNEL}",
        f"https://discord.com./channels/{DISCORD_API}/{CHANNEL}",
        f"discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"//discord.com/channels/{DISCORD_API}/{CHANNEL}",
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}?foo=bar",
        f"https://discord.com/channels/{DISCORD_API}/{CHANNEL}/{MESSAGE}#frag",
        f"  <https://discord.com/channels/{DISCORD_API}/{CHANNEL}>  ",
    ],
)
def test_discord_links_yield_their_guild_id(link: str) -> None:
    """Channel and message links of every Discord host and spelling give the guild ID."""
    assert parse_guild_input(link) == ok(DISCORD_API)


@pytest.mark.parametrize(
    ("link", "error"),
    [
        (f"https://discord.com/channels/@me/{CHANNEL}", GuildInputError.DM_LINK),
        (f"https://canary.discord.com/channels/@me/{CHANNEL}/{MESSAGE}", GuildInputError.DM_LINK),
        ("https://discord.gg/supportmail", GuildInputError.INVITE_LINK),
        ("discord.gg/supportmail", GuildInputError.INVITE_LINK),
        ("https://discord.com/invite/supportmail", GuildInputError.INVITE_LINK),
        (f"https://evil.com/channels/{DISCORD_API}/{CHANNEL}", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://discord.com.evil.com/channels/{DISCORD_API}", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://discord.com@evil.com/channels/{DISCORD_API}", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://notdiscord.com/channels/{DISCORD_API}", GuildInputError.NOT_A_GUILD_LINK),
        (f"ftp://discord.com/channels/{DISCORD_API}/{CHANNEL}", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://discord.com/users/{DISCORD_API}", GuildInputError.NOT_A_GUILD_LINK),
        ("https://discord.com/channels/", GuildInputError.NOT_A_GUILD_LINK),
        ("https://discord.com/channels/abc/123", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://discord.com/channels/{DISCORD_API}/general", GuildInputError.NOT_A_GUILD_LINK),
        (f"https://discord.com/channels/{DISCORD_API}/1/2/3", GuildInputError.NOT_A_GUILD_LINK),
        ("https://discord.com", GuildInputError.NOT_A_GUILD_LINK),
        ("https://[discord.com/channels/1", GuildInputError.NOT_A_GUILD_LINK),
        ("https://discord.com/channels/9223372036854775808/1", GuildInputError.TOO_LARGE),
        ("https://discord.com/channels/12345/1", GuildInputError.NOT_A_SNOWFLAKE),
    ],
)
def test_other_links_get_a_specific_error(link: str, error: GuildInputError) -> None:
    """DM, invite, foreign-host, malformed and oversized links are refused with their own code."""
    assert parse_guild_input(link) == err(error)


@given(
    guild_id=_VALID_IDS,
    host=st.sampled_from(
        [
            "discord.com",
            "ptb.discord.com",
            "canary.discord.com",
            "discordapp.com",
            "www.discord.com",
        ],
    ),
    scheme=st.sampled_from(["https://", "http://", ""]),
    tail=st.sampled_from(["", "/", f"/{MESSAGE}", "?x=1", "#m"]),
)
def test_any_link_form_round_trips(guild_id: int, host: str, scheme: str, tail: str) -> None:
    """For any valid ID, every accepted link form parses back to exactly that ID."""
    link = f"{scheme}{host}/channels/{guild_id}/{CHANNEL}{tail}"
    assert parse_guild_input(link) == ok(guild_id)


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    """Whatever is pasted, parsing returns a result rather than raising."""
    result = parse_guild_input(text)
    assert result.ok or result.error is not None


def test_guild_input_holds_exactly_one_of_id_and_error() -> None:
    """A GuildInput with both or neither field set is a programming error."""
    with pytest.raises(ValueError, match="exactly one"):
        GuildInput()
    with pytest.raises(ValueError, match="exactly one"):
        GuildInput(guild_id=DISCORD_API, error=GuildInputError.EMPTY)


# --- total_shards -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shard_lists", "expected"),
    [
        ([[0, 1, 2, 3], [4, 5, 6, 7]], 8),
        ([[0]], 1),
        ([[3, 1], [2, 0]], 4),  # order within and across clusters does not matter
        ([[0, 1], [1, 2]], 3),  # a shard reported twice counts once
        ([[0, 1], []], 2),  # a cluster with no shards yet
        ([], None),
        ([[], []], None),
        ([[0, 1, 3]], None),  # gap: shard 2 missing
        ([[1, 2, 3]], None),  # does not start at 0
        ([[-1, 0, 1]], None),
    ],
)
def test_total_shards_counts_only_a_complete_range(
    shard_lists: list[list[int]], expected: int | None
) -> None:
    """The shard count is the number of distinct IDs, and only when they are exactly 0..N-1."""
    assert total_shards(shard_lists) == expected


def test_total_shards_accepts_one_shot_iterables() -> None:
    """Generators (e.g. straight from parsed JSON) are consumed once and counted correctly."""
    assert total_shards(iter(range(c * 4, c * 4 + 4)) for c in range(4)) == 16


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=50))
def test_total_shards_of_any_contiguous_split_is_its_size(n: int, per_cluster: int) -> None:
    """However 0..n-1 is split into clusters, the count is n."""
    lists = [list(range(i, min(i + per_cluster, n))) for i in range(0, n, per_cluster)]
    assert total_shards(lists) == n


# --- shard_for_guild --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("guild_id", "total", "expected"),
    [
        # 81384788765712384 >> 22 = 81384788765712384 // 4194304 = 19403645698
        # 19403645698 = 16 * 1212727856 + 2
        (DISCORD_API, 16, 2),
        # 19403645698 = 7 * 2771949385 + 3
        (DISCORD_API, 7, 3),
        # 19403645698 = 1000 * 19403645 + 698
        (DISCORD_API, 1000, 698),
        # 613425648685547541 >> 22 = 146252071544 = 16 * 9140754471 + 8
        (DEVELOPERS, 16, 8),
        # 146252071544 = 7 * 20893153077 + 5
        (DEVELOPERS, 7, 5),
        # (2**63 - 1) >> 22 = 2**41 - 1 = 2199023255551 = 16 * 137438953471 + 15
        (MAX_SNOWFLAKE, 16, 15),
        (DISCORD_API, 1, 0),
        (0, 5, 0),
    ],
)
def test_shard_for_guild_matches_hand_computed_results(
    guild_id: int, total: int, expected: int
) -> None:
    """Known guilds land on the shards worked out by hand in the comments."""
    assert shard_for_guild(guild_id, total) == expected


def test_shard_for_guild_does_not_truncate_to_32_bits() -> None:
    """Large IDs keep all their bits: a JS-style 32-bit truncation would pick another shard.

    19403645698 & 0xFFFFFFFF = 19403645698 - 4 * 4294967296 = 2223776514
    2223776514 = 7 * 317682359 + 1  -> the buggy answer would be 1, the right one is 3.
    With a power-of-two total the bug would hide, hence 7 shards.
    """
    shifted = DISCORD_API >> 22
    assert shifted > 0xFFFFFFFF
    assert (shifted & 0xFFFFFFFF) % 7 == 1
    assert ((DISCORD_API & 0xFFFFFFFF) >> 22) % 7 == 0  # JS `id >> 22` truncates the ID first
    assert shard_for_guild(DISCORD_API, 7) == 3


@given(guild_id=st.integers(min_value=0, max_value=MAX_SNOWFLAKE), total=st.integers(1, 10_000))
def test_shard_for_guild_is_in_range_and_follows_the_formula(guild_id: int, total: int) -> None:
    """For any 63-bit ID and 1..10000 shards the result is in range and equals the formula."""
    shard = shard_for_guild(guild_id, total)
    assert 0 <= shard < total
    assert shard == (guild_id // 2**22) % total


@pytest.mark.parametrize(("guild_id", "total"), [(DISCORD_API, 0), (DISCORD_API, -4), (-1, 16)])
def test_shard_for_guild_rejects_impossible_arguments(guild_id: int, total: int) -> None:
    """Zero or negative shard counts and negative IDs raise ValueError."""
    with pytest.raises(ValueError, match="must be >= "):
        shard_for_guild(guild_id, total)
