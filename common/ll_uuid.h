/*  ll_uuid — time-ordered (v7) UUIDs as 36-character strings: 48 bits of
    Unix milliseconds, then random bits from the kernel. */
#ifndef LL_UUID_H
#define LL_UUID_H

#define LL_UUID_LEN 37
void ll_uuid_new (char out [LL_UUID_LEN]);

#endif
