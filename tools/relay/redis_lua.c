/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's Redis store's atomic steps, one Lua script each: a change
 * that must not interleave with another relay's is one script, so a code
 * is handed out once whichever relays ask at the same moment. Their
 * arguments are described above each; redis.c runs them. */
#include "autoconf.h"

#include "redis_lua.h"

/* Redis's clock, the same for every relay: now in milliseconds, now_us in
 * microseconds (exact in Lua's doubles until the year 2255). */
#define LUA_NOW                                                                \
    "local t = redis.call('TIME') "                                            \
    "local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2]) "                \
    "local now = math.floor(now_us / 1000) "

/* KEYS: session, id, sessions; ARGV: ttl_ms, max, state, id, csrf, cookie,
 * tag_key, host, user, rhost, code_challenge ('' for none), service,
 * command ('' for none), number ('0' for none). */
static const char lua_add[] = LUA_NOW
    "redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now) "
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end "
    "if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then "
    "return 'full' end "
    "if redis.call('EXISTS', KEYS[2]) == 1 then return 'id taken' end "
    "redis.call('HSET', KEYS[1], 'id', ARGV[4], 'csrf', ARGV[5], 'cookie', "
    "ARGV[6], 'tag_key', ARGV[7], 'host', ARGV[8], 'user', ARGV[9], "
    "'rhost', ARGV[10], 'challenge', ARGV[11], 'service', ARGV[12], "
    "'command', ARGV[13], 'number', ARGV[14], 'gen', 0, "
    "'exp', now + tonumber(ARGV[1])) "
    "redis.call('PEXPIRE', KEYS[1], ARGV[1]) "
    "redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[1]) "
    "redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), ARGV[3]) "
    "return 'ok'";

/* KEYS: the session (or ''), the id key (or ''); ARGV: the session key's
 * prefix, '1' to count the look as a view of an unanswered session (else
 * '0'). A session found by id or by state: {state, csrf, cookie, tag_key,
 * host, user, rhost, id, answered, pttl, code_challenge, views, service,
 * command, number ('0' for none)} or nil (a session a relay before PKCE made
 * has no challenge, one from a relay before the service and command has none:
 * ''). */
static const char lua_view[] =
    "local s = KEYS[1] local state = '' "
    "if s == '' then "
    "  state = redis.call('GET', KEYS[2]) "
    "  if not state then return nil end "
    "  s = ARGV[1] .. state "
    "end "
    "local f = redis.call('HMGET', s, 'csrf', 'cookie', 'tag_key', 'host', "
    "'user', 'rhost', 'id', 'code', 'denied', 'challenge', 'views', "
    "'service', 'command', 'number') "
    "if not f[1] then return nil end "
    "local answered = 0 if f[8] or f[9] then answered = 1 end "
    "local views = tonumber(f[11] or 0) "
    "if ARGV[2] == '1' and answered == 0 then "
    "  views = redis.call('HINCRBY', s, 'views', 1) "
    "end "
    "return {state, f[1], f[2], f[3], f[4], f[5], f[6], f[7], answered, "
    "redis.call('PTTL', s), f[10] or '', views, f[12] or '', f[13] or '', "
    "f[14] or '0'}";

/* KEYS: session; ARGV: 'code' or 'denied', the value, the state. */
static const char lua_answer[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end "
    "if redis.call('HEXISTS', KEYS[1], 'code') == 1 or "
    "redis.call('HEXISTS', KEYS[1], 'denied') == 1 then "
    "return 'answered' end "
    "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
    "redis.call('PUBLISH', '" REDIS_CHANNEL "', 'a ' .. ARGV[3]) "
    "return 'ok'";

/* A poll's look at its session: skey, the session; sessions; g, 'start'
 * or the poll's number; the state; the id keys' prefix; till, when a
 * new poll stops waiting (ms, Redis's clock); for a signed poll, the
 * MAC's key and its time to live (see lua_admit_poll). {0} unknown, {1}
 * superseded, {2, ms left} pending, {3, code}, {4} denied and {8} denied
 * by a wrong number (the session is gone with them), with the poll's number
 * last, or {6} replayed. A new poll tells the relays (pub/sub) to wake the one
 * before it only when that one may still be waiting: a module that asks without
 * waiting costs no message. The time left is the session's own 'exp', not a
 * PTTL: every command a poll runs is a part of the time all relays wait for
 * Redis (a session made before 'exp' existed still asks PTTL). */
#define LUA_TAKE_FN                                                            \
    "local function take(skey, sessions, g, state, iprefix, till, mac, ttl) "  \
    "  local f = redis.call('HMGET', skey, 'gen', 'code', 'denied', 'id', "    \
    "'until', 'exp') "                                                         \
    "  if not f[1] then "                                                      \
    "    if mac and not redis.call('SET', mac, '1', 'NX', 'EX', ttl) then "    \
    "      return {6} end "                                                    \
    "    return {0, 0} "                                                       \
    "  end "                                                                   \
    "  if mac and redis.call('HSETNX', skey, mac, '1') == 0 then "             \
    "    return {6} end "                                                      \
    "  local gen = tonumber(f[1]) "                                            \
    "  if g == 'start' then "                                                  \
    "    gen = gen + 1 "                                                       \
    "    redis.call('HSET', skey, 'gen', gen, 'until', till) "                 \
    "    if gen > 1 and tonumber(f[5] or 0) > now then "                       \
    "      redis.call('PUBLISH', '" REDIS_CHANNEL                              \
    "', 'p ' .. gen .. ' ' .. state) "                                         \
    "    end "                                                                 \
    "  elseif tonumber(g) ~= gen then return {1, tonumber(g)} end "            \
    "  if f[2] or f[3] then "                                                  \
    "    redis.call('DEL', skey, iprefix .. f[4]) "                            \
    "    redis.call('ZREM', sessions, state) "                                 \
    "    if f[2] then return {3, f[2], gen} end "                              \
    "    if f[3] == 'mismatch' then return {8, gen} end "                      \
    "    return {4, gen} "                                                     \
    "  end "                                                                   \
    "  if not f[6] then return {2, redis.call('PTTL', skey), gen} end "        \
    "  return {2, math.max(0, tonumber(f[6]) - now), gen} "                    \
    "end "

/* A token bucket kept as one number (GCRA): the time, in Redis's
 * microseconds, at which the bucket will be full again. Taking a token
 * moves it one token's time later; the bucket refuses when that lands
 * more than a full bucket's time ahead of now. Equal to counting tokens,
 * but a look is a GET of an integer and, when admitted, a SET: no text to
 * parse or float to print in the script every poll runs. key, rate,
 * burst: {1}, or {0, seconds to wait}. */
#define LUA_RATE_FN                                                            \
    "local function rate(key, r, b) "                                          \
    "  local step = 1000000 / tonumber(r) "                                    \
    "  local room = step * tonumber(b) "                                       \
    "  local full_at = tonumber(redis.call('GET', key)) or now_us "            \
    "  if full_at < now_us then full_at = now_us end "                         \
    "  full_at = math.ceil(full_at + step) "                                   \
    "  if full_at - now_us > room then "                                       \
    "    return {0, math.floor((full_at - now_us - room) / 1000000) + 1} "     \
    "  end "                                                                   \
    "  redis.call('SET', key, full_at, 'PX', math.ceil(room / 1000) + 1000) "  \
    "  return {1} "                                                            \
    "end "

/* A module's signed request, admitted: its rate (the bucket of its fleet
 * key and host, rate and burst), then its MAC's first use across the
 * fleet (SET NX of the MAC's key, for ttl seconds). {7} admitted, {5,
 * seconds to wait} or {6} replayed. */
#define LUA_ADMIT_FN                                                           \
    LUA_RATE_FN                                                                \
    "local function admit(bucket, mac, r, b, ttl) "                            \
    "  local ok = rate(bucket, r, b) "                                         \
    "  if ok[1] == 0 then return {5, ok[2]} end "                              \
    "  if not redis.call('SET', mac, '1', 'NX', 'EX', ttl) then "              \
    "    return {6} end "                                                      \
    "  return {7} "                                                            \
    "end "

/* KEYS: session, sessions; ARGV: 'start' or the poll's number, the state,
 * the id keys' prefix, the poll's wait (ms). */
static const char lua_take[] = LUA_NOW LUA_TAKE_FN
    "return take(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], "
    "now + tonumber(ARGV[4]))";

/* KEYS: the bucket; ARGV: rate, burst. */
static const char lua_rate[] =
    LUA_NOW LUA_RATE_FN "return rate(KEYS[1], ARGV[1], ARGV[2])";

/* KEYS: the bucket, the MAC's key; ARGV: rate, burst, ttl. */
static const char lua_admit[] = LUA_NOW LUA_ADMIT_FN
    "return admit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])";

/* KEYS: the bucket, the MAC's key, session, sessions; ARGV: rate, burst,
 * ttl, the state, the id keys' prefix, the poll's wait (ms). The rate's
 * refusal, a replay's, or take's answer to a new poll.
 *
 * A poll's signature is remembered in its session (a field named by the
 * MAC's key), not in a key of its own: a signed poll can only ask for that
 * session, so while it exists its field refuses the replay, and once it is
 * gone there is nothing left to take (a poll for no session falls back to
 * the fleet-wide key, and a replay is refused as elsewhere). A key per
 * poll lived for the signature's two windows (121 s): at 13,000 polls a
 * second, 1.6 million keys that Redis had to make, expire and delete. */
static const char lua_admit_poll[] = LUA_NOW LUA_RATE_FN LUA_TAKE_FN
    "local ok = rate(KEYS[1], ARGV[1], ARGV[2]) "
    "if ok[1] == 0 then return {5, ok[2]} end "
    "return take(KEYS[3], KEYS[4], 'start', ARGV[4], ARGV[5], "
    "now + tonumber(ARGV[6]), KEYS[2], ARGV[3])";

/* KEYS: sessions. Forgets the expired, counts the rest. */
static const char lua_count[] =
    LUA_NOW "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
            "return redis.call('ZCARD', KEYS[1])";

const char *const redis_scripts[N_SCRIPTS] = {
    lua_add,  lua_view,  lua_answer,     lua_take,
    lua_rate, lua_admit, lua_admit_poll, lua_count};
