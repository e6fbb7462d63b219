/*  reporting_cache — finished reports kept in memory, per request (kind,
    scope, period, format), so that a report asked for again is answered
    without the store. Shared by the HTTP thread (get, put) and the event
    loop (invalidate), under one mutex.

    An entry is dropped when:
      - an applied event touches its scope (the station, district or
        employee of a lead, or everything for an all-district report);
        the event loop calls reporting_cache_invalidate after the commit;
      - it is older than the maximum age (reports show "as of" and leads
        pass their deadlines as time goes by, with no event), by the
        service clock;
      - the cache is over its size: the oldest entries go first.
    A report built while an invalidation happened is not stored: it may
    have read the store before the change committed. */
#ifndef REPORTING_CACHE_H
#define REPORTING_CACHE_H
#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef struct reporting_cache reporting_cache_t;

//  max_bytes 0: a cache that stores nothing. max_age_us: how long an entry
//  lives at most, service clock.
reporting_cache_t *reporting_cache_new (size_t max_bytes, int64_t max_age_us);
void reporting_cache_destroy (reporting_cache_t **self_p);

//  The invalidation count: take it before building a report, hand it to put.
uint64_t reporting_cache_epoch (reporting_cache_t *self);

//  A copy of the stored body (the caller frees it) and its length, or NULL.
char *reporting_cache_get (reporting_cache_t *self, const char *key, int64_t now_us,
                           size_t *len);

//  Stores a copy of body under key, tagged with the scopes that invalidate
//  it ("S:<station>", "D:<district>", "E:<employee>", "*" for any event);
//  tags are separated by '\n'. Not stored if an invalidation came since
//  `epoch`, or if the body alone is over the size.
void reporting_cache_put (reporting_cache_t *self, const char *key, const char *tags,
                          uint64_t epoch, int64_t now_us, const char *body, size_t len);

//  Drops the entries tagged with any key of `scopes` ("S:<station>",
//  "D:<district>", "E:<employee>"; the values are not looked at), and
//  every "*" entry.
void reporting_cache_invalidate (reporting_cache_t *self, zhashx_t *scopes);
//  Drops everything.
void reporting_cache_clear (reporting_cache_t *self);

//  Entries and bytes held, for metrics and tests.
size_t reporting_cache_size (reporting_cache_t *self, size_t *bytes);

#endif
