/*  reporting_cache — see reporting_cache.h. A hash by key for lookups and
    a list in insertion order for eviction and invalidation; invalidation
    walks the list (a few thousand entries at most: cheap next to the
    transaction that caused it). */
#include "reporting_cache.h"
#include <czmq.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *prev, *next;  // insertion order, oldest first
    char *key;
    char *tags;                 // '\n'-separated scopes
    char *body;
    size_t len;
    int64_t expires_us;
} entry_t;

struct reporting_cache {
    pthread_mutex_t lock;
    zhashx_t *by_key;           // key -> entry_t (not owned by the hash)
    entry_t *oldest, *newest;
    size_t entries, bytes, max_bytes;
    int64_t max_age_us;
    uint64_t epoch;
};

static size_t
s_cost (const entry_t *e)
{
    return e->len + strlen (e->key) + strlen (e->tags) + sizeof *e + 64;
}

reporting_cache_t *
reporting_cache_new (size_t max_bytes, int64_t max_age_us)
{
    reporting_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->by_key = zhashx_new ();
    if (!self->by_key) {
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    self->max_bytes = max_bytes;
    self->max_age_us = max_age_us;
    return self;
}

static void
s_unlink (reporting_cache_t *self, entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        self->oldest = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        self->newest = e->prev;
    zhashx_delete (self->by_key, e->key);
    self->entries--;
    self->bytes -= s_cost (e);
    free (e->key);
    free (e->tags);
    free (e->body);
    free (e);
}

void
reporting_cache_destroy (reporting_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    reporting_cache_t *self = *self_p;
    while (self->oldest)
        s_unlink (self, self->oldest);
    zhashx_destroy (&self->by_key);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

uint64_t
reporting_cache_epoch (reporting_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    uint64_t epoch = self->epoch;
    pthread_mutex_unlock (&self->lock);
    return epoch;
}

char *
reporting_cache_get (reporting_cache_t *self, const char *key, int64_t now_us, size_t *len)
{
    char *copy = NULL;
    pthread_mutex_lock (&self->lock);
    entry_t *e = zhashx_lookup (self->by_key, key);
    if (e && now_us >= e->expires_us - self->max_age_us && now_us < e->expires_us) {
        copy = malloc (e->len + 1);
        if (copy) {
            memcpy (copy, e->body, e->len);
            copy [e->len] = 0;
            *len = e->len;
        }
    }
    else
    if (e)
        s_unlink (self, e);     // expired, or the clock went back
    pthread_mutex_unlock (&self->lock);
    return copy;
}

void
reporting_cache_put (reporting_cache_t *self, const char *key, const char *tags,
                     uint64_t epoch, int64_t now_us, const char *body, size_t len)
{
    if (self->max_bytes == 0 || len > self->max_bytes / 4)
        return;
    entry_t *e = calloc (1, sizeof *e);
    if (!e)
        return;
    e->key = strdup (key);
    e->tags = strdup (tags);
    e->body = malloc (len + 1);
    if (!e->key || !e->tags || !e->body) {
        free (e->key);
        free (e->tags);
        free (e->body);
        free (e);
        return;
    }
    memcpy (e->body, body, len);
    e->body [len] = 0;
    e->len = len;
    e->expires_us = now_us + self->max_age_us;
    pthread_mutex_lock (&self->lock);
    if (epoch != self->epoch) {
        //  Something changed while this report was built.
        pthread_mutex_unlock (&self->lock);
        free (e->key);
        free (e->tags);
        free (e->body);
        free (e);
        return;
    }
    entry_t *old = zhashx_lookup (self->by_key, key);
    if (old)
        s_unlink (self, old);
    while (self->oldest && self->bytes + s_cost (e) > self->max_bytes)
        s_unlink (self, self->oldest);
    e->prev = self->newest;
    if (self->newest)
        self->newest->next = e;
    else
        self->oldest = e;
    self->newest = e;
    zhashx_insert (self->by_key, e->key, e);
    self->entries++;
    self->bytes += s_cost (e);
    pthread_mutex_unlock (&self->lock);
}

//  True if one of the '\n'-separated `tags` is "*" or a key of `scopes`.
static bool
s_tagged (const char *tags, zhashx_t *scopes)
{
    char tag [256];
    for (const char *t = tags; *t; ) {
        const char *end = strchr (t, '\n');
        size_t n = end ? (size_t) (end - t) : strlen (t);
        if (n == 1 && t [0] == '*')
            return true;
        if (n < sizeof tag) {
            memcpy (tag, t, n);
            tag [n] = 0;
            if (zhashx_lookup (scopes, tag))
                return true;
        }
        t += n + (end ? 1 : 0);
    }
    return false;
}

void
reporting_cache_invalidate (reporting_cache_t *self, zhashx_t *scopes)
{
    pthread_mutex_lock (&self->lock);
    self->epoch++;
    for (entry_t *e = self->oldest, *next; e; e = next) {
        next = e->next;
        if (s_tagged (e->tags, scopes))
            s_unlink (self, e);
    }
    pthread_mutex_unlock (&self->lock);
}

void
reporting_cache_clear (reporting_cache_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->epoch++;
    while (self->oldest)
        s_unlink (self, self->oldest);
    pthread_mutex_unlock (&self->lock);
}

size_t
reporting_cache_size (reporting_cache_t *self, size_t *bytes)
{
    pthread_mutex_lock (&self->lock);
    size_t n = self->entries;
    if (bytes)
        *bytes = self->bytes;
    pthread_mutex_unlock (&self->lock);
    return n;
}
