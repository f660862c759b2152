"""Publishing batches: a fenced XADD that also records the batch in the audit ledger and trims
the stream without ever dropping an entry that a consumer group has not acknowledged."""

from __future__ import annotations

from typing import Final

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from trafficha.errors import TrafficHaError
from trafficha.models.stream import StreamEntry
from trafficha.streams.codec import encode_entry, record_count
from trafficha.streams.keys import StreamKeys


class NotLeaderError(TrafficHaError):
    """The publish was refused because the caller no longer holds the collector lease."""


# KEYS: stream, lease, produced-ledger.  ARGV: token ("" = unfenced), maxlen, batch id, record
# count, then field/value pairs. Returns the new entry id, or false when the lease is not ours.
#
# Trimming: entries beyond MAXLEN are cut only below the oldest entry that any group still needs
# (its oldest pending entry, or the first one it has not been delivered). Redis 7 has no
# XTRIM ... ACKED, so the script finds that floor itself. It trims in steps of a tenth of MAXLEN,
# so the XRANGE that locates the cut runs once per many XADDs rather than on every one.
_PUBLISH: Final = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return false
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])

local maxlen = tonumber(ARGV[2])
local len = redis.call('XLEN', KEYS[1])
local slack = math.max(10, math.floor(maxlen / 10))
if len <= maxlen + slack then return id end

local function parse(s)
  local ms, seq = string.match(s, '^(%d+)-(%d+)$')
  return {tonumber(ms), tonumber(seq)}
end
local function less(a, b)
  return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2])
end

local excess = len - maxlen
local cut = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess + 1)
local floor = parse(cut[#cut][1])
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local need = parse(info['last-delivered-id'])
  need[2] = need[2] + 1
  if tonumber(info['pending']) > 0 then
    local summary = redis.call('XPENDING', KEYS[1], info['name'])
    local oldest = parse(summary[2])
    if less(oldest, need) then need = oldest end
  end
  if less(need, floor) then floor = need end
end
redis.call('XTRIM', KEYS[1], 'MINID', floor[1] .. '-' .. floor[2])
return id
"""


class StreamProducer:
    """Publishes batches to the stream, fenced by the collector lease when a token is given."""

    def __init__(self, redis: aioredis.Redis, keys: StreamKeys, *, maxlen: int = 100_000) -> None:
        self._redis = redis
        self.keys = keys
        self.maxlen = maxlen
        self._script = redis.register_script(_PUBLISH)

    async def ensure_group(self) -> None:
        """Create the consumer group from id 0 (with the stream) unless it exists."""
        await ensure_group(self._redis, self.keys)

    async def publish(self, batch: StreamEntry, *, lease_token: str | None = None) -> str:
        """XADD one batch and record it in the produced ledger, atomically.

        With ``lease_token`` the write happens only if the lease still holds that token, so a
        paused or partitioned former leader cannot publish after losing the lease.

        Raises:
            NotLeaderError: the lease is held by someone else, or by nobody.
        """
        args: list[bytes | str | int] = [
            lease_token or "",
            self.maxlen,
            batch.batch_id,
            record_count(batch),
        ]
        for name, value in encode_entry(batch).items():
            args += [name, value]
        entry_id = await self._script(
            keys=[self.keys.stream, self.keys.lease, self.keys.produced], args=args
        )
        if entry_id is None:
            raise NotLeaderError(f"lease lost: batch {batch.batch_id} not published")
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def ensure_group(redis: aioredis.Redis, keys: StreamKeys) -> None:
    """Create the group at id 0 with MKSTREAM; an existing group is left as it is."""
    try:
        await redis.xgroup_create(keys.stream, keys.group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
