#include "ll_uuid.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <uuid/uuid.h>

//  Random bytes come from the kernel in blocks, one getrandom() per 256
//  UUIDs, kept per thread: libuuid's uuid_generate_random() makes several
//  system calls per UUID, which showed up first in intake's batch profile.
#define POOL_SIZE 4096

static __thread uint8_t s_pool [POOL_SIZE];
static __thread size_t s_used = POOL_SIZE;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

//  A forked child must not hand out the bytes its parent will use too.
static void
s_forget (void)
{
    s_used = POOL_SIZE;
}

static void
s_register (void)
{
    pthread_atfork (NULL, NULL, s_forget);
}

static int
s_random16 (uint8_t out [16])
{
    pthread_once (&s_once, s_register);
    if (s_used + 16 > POOL_SIZE) {
        size_t got = 0;
        while (got < POOL_SIZE) {
            ssize_t n = getrandom (s_pool + got, POOL_SIZE - got, 0);
            if (n <= 0)
                return -1;
            got += (size_t) n;
        }
        s_used = 0;
    }
    memcpy (out, s_pool + s_used, 16);
    memset (s_pool + s_used, 0, 16);        // a byte is used once
    s_used += 16;
    return 0;
}

//  Version 7 (RFC 9562): the first 48 bits are the Unix time in
//  milliseconds, the rest random. Ids made close in time sort close
//  together, so the btree indexes on lead and event ids are written at
//  their right edge instead of on a random page each: fewer pages touched
//  and logged per batch (random ids made the lead insert the largest cost
//  in intake's statement profile).
void
ll_uuid_new (char out [LL_UUID_LEN])
{
    uuid_t id;
    if (s_random16 (id)) {
        uuid_generate_random (id);
        uuid_unparse_lower (id, out);
        return;
    }
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    uint64_t ms = (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
    for (int i = 0; i < 6; i++)
        id [i] = (uint8_t) (ms >> (40 - 8 * i));
    id [6] = (uint8_t) ((id [6] & 0x0f) | 0x70);      // version 7
    id [8] = (uint8_t) ((id [8] & 0x3f) | 0x80);      // RFC 4122 variant
    uuid_unparse_lower (id, out);
}
