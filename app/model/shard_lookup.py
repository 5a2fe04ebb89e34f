"""Find-my-shard: parse what the user pasted, count the bot's shards, and map a guild to its shard.

``parse_guild_input`` accepts a bare snowflake or a Discord message/channel link
``http(s)://[www.|ptb.|canary.]discord[app].com/channels/<guild>[/<channel>[/<message>]]``, with
or without scheme, trailing slash, query or fragment, optionally wrapped in ``<...>``.  A
snowflake has 17-19 significant digits: Discord snowflakes fit in 63 bits (``MAX_SNOWFLAKE``),
so a 20-digit number is always ``TOO_LARGE``.  The result, a ``GuildInput``, holds exactly one
of ``guild_id`` and ``error``; the ``GuildInputError`` values suit translation keys, and two of
them name links that look right but carry no server: ``DM_LINK`` (``/channels/@me/...``: DMs
have no server) and ``INVITE_LINK`` (invites carry no ID).  ``shard_for_guild`` is Discord's
formula on exact Python ints, with the shard count that ``total_shards`` reads off the
clusters' shard lists.

Example:

>>> parse_guild_input(" https://discord.com/channels/81384788765712384/381887113391505410 ")
GuildInput(guild_id=81384788765712384, error=None)
>>> parse_guild_input("https://discord.com/channels/@me/1").error
<GuildInputError.DM_LINK: 'dm_link'>
>>> total = total_shards([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]])
>>> total, shard_for_guild(81384788765712384, total)
(16, 2)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

__all__ = [
    "MAX_SNOWFLAKE",
    "GuildInput",
    "GuildInputError",
    "parse_guild_input",
    "shard_for_guild",
    "total_shards",
]

MAX_SNOWFLAKE = 2**63 - 1
_MIN_DIGITS = 17
_MAX_DIGITS = len(str(MAX_SNOWFLAKE))  # 19

_DIGITS = re.compile(r"[0-9]+")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DISCORD_HOSTS = frozenset(
    f"{sub}{domain}"
    for sub in ("", "www.", "ptb.", "canary.")
    for domain in ("discord.com", "discordapp.com")
)
_INVITE_HOSTS = frozenset({"discord.gg", "www.discord.gg"})


class GuildInputError(StrEnum):
    """Why the text could not be turned into a server (guild) ID."""

    EMPTY = "empty"
    NOT_A_SNOWFLAKE = "not_a_snowflake"
    TOO_LARGE = "too_large"
    NOT_A_GUILD_LINK = "not_a_guild_link"
    DM_LINK = "dm_link"
    INVITE_LINK = "invite_link"


@dataclass(frozen=True, slots=True)
class GuildInput:
    """Result of ``parse_guild_input``: a ``guild_id`` or an ``error``, never both."""

    guild_id: int | None = None
    error: GuildInputError | None = None

    def __post_init__(self) -> None:
        if (self.guild_id is None) == (self.error is None):
            raise ValueError("GuildInput needs exactly one of guild_id and error")

    @property
    def ok(self) -> bool:
        """True when a guild ID was found."""
        return self.guild_id is not None


def _snowflake(digits: str) -> GuildInput:
    significant = digits.lstrip("0")
    # Checked on length first: int() refuses strings of more than ~4300 digits.
    if len(significant) > _MAX_DIGITS or int(digits) > MAX_SNOWFLAKE:
        return GuildInput(error=GuildInputError.TOO_LARGE)
    if len(significant) < _MIN_DIGITS:
        return GuildInput(error=GuildInputError.NOT_A_SNOWFLAKE)
    return GuildInput(guild_id=int(digits))


def _parse_link(text: str) -> GuildInput:
    not_a_link = GuildInput(error=GuildInputError.NOT_A_GUILD_LINK)
    if text.startswith("//"):
        text = "https:" + text
    elif not _SCHEME.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return not_a_link
    if parts.scheme.lower() not in ("http", "https"):
        return not_a_link
    segments = parts.path.rstrip("/").split("/")[1:]
    if host in _INVITE_HOSTS or (host in _DISCORD_HOSTS and segments[:1] == ["invite"]):
        return GuildInput(error=GuildInputError.INVITE_LINK)
    if host not in _DISCORD_HOSTS or segments[:1] != ["channels"] or not 2 <= len(segments) <= 4:
        return not_a_link
    guild, *rest = segments[1:]
    if guild == "@me":
        return GuildInput(error=GuildInputError.DM_LINK)
    if not all(_DIGITS.fullmatch(s) for s in (guild, *rest)):
        return not_a_link
    return _snowflake(guild)


def parse_guild_input(text: str) -> GuildInput:
    """Parse a pasted server ID or Discord link into a guild ID or an error code."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        # Discord's "no embed" syntax, which users copy along with the link.
        text = text[1:-1].strip()
    if not text:
        return GuildInput(error=GuildInputError.EMPTY)
    if _DIGITS.fullmatch(text):
        return _snowflake(text)
    if "/" in text or "discord" in text.lower():
        return _parse_link(text)
    return GuildInput(error=GuildInputError.NOT_A_SNOWFLAKE)


def total_shards(shard_lists: Iterable[Iterable[int]]) -> int | None:
    """Count distinct shard IDs over every cluster's ``shardList``.

    ``None`` (lookup unavailable) when there are no shards or the IDs are not exactly ``0..N-1``:
    with a gap or a stray ID the bot's shard count cannot be known, and a guess would mislead.
    """
    ids = {shard for shards in shard_lists for shard in shards}
    if not ids or min(ids) != 0 or max(ids) != len(ids) - 1:
        return None
    return len(ids)


def shard_for_guild(guild_id: int, total: int) -> int:
    """Discord's shard formula ``(guild_id >> 22) % total``; ``ValueError`` on bad arguments."""
    if total < 1:
        raise ValueError(f"total shards must be >= 1, got {total}")
    if guild_id < 0:
        raise ValueError(f"guild id must be >= 0, got {guild_id}")
    return (guild_id >> 22) % total
