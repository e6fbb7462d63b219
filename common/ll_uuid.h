/*  ll_uuid — random (v4) UUIDs as 36-character strings, from libuuid. */
#ifndef LL_UUID_H
#define LL_UUID_H

#define LL_UUID_LEN 37
void ll_uuid_new (char out [LL_UUID_LEN]);

#endif
