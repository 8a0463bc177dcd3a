/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's Redis store's atomic steps: one Lua script each (redis_lua.c),
 * run by redis.c with EVALSHA. */
#ifndef HB_RELAY_REDIS_LUA_H
#define HB_RELAY_REDIS_LUA_H

/* Every key the relay makes starts with it; one channel wakes the relays'
 * waiting polls: "a STATE" (answered) or "p GEN STATE" (a newer poll). */
#define REDIS_PREFIX "haobtc:"
#define REDIS_CHANNEL REDIS_PREFIX "wake"

enum script {
    S_ADD,
    S_VIEW,
    S_ANSWER,
    S_TAKE,
    S_RATE,
    S_ADMIT,
    S_ADMIT_POLL,
    S_COUNT,
    N_SCRIPTS
};
extern const char *const redis_scripts[N_SCRIPTS];

#endif
