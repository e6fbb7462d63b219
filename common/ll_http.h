/*  ll_http — the ops endpoint every service serves (libmicrohttpd, in its
    own thread): /healthz (the process answers), /readyz (it can do its job:
    store reachable, migrations in force), /metrics (Prometheus text).
    Services may add their own routes (reporting serves reports here). */
#ifndef LL_HTTP_H
#define LL_HTTP_H
#include <stdbool.h>
#include <stddef.h>

typedef struct ll_http ll_http_t;

//  A route handler runs on the HTTP thread. It sets *status, *content_type
//  (static string) and *body (malloc'd, taken over) and returns 0.
typedef int (ll_http_handler_fn) (void *arg, const char *url, const char *query,
                                  int *status, const char **content_type,
                                  char **body, size_t *body_len);

//  Listens on `address` ("host:port", "port", or "" / "0" for none).
//  Returns NULL after logging if the port cannot be bound.
ll_http_t *ll_http_start (const char *address);
void ll_http_destroy (ll_http_t **self_p);

//  Adds a route for every URL starting with `prefix`.
int ll_http_route (ll_http_t *self, const char *prefix, ll_http_handler_fn *fn, void *arg);

//  Readiness as /readyz reports it; `why` says what is missing.
void ll_http_set_ready (ll_http_t *self, bool ready, const char *why);
int ll_http_port (ll_http_t *self);

//  Reads argument `key` from a handler's query string into buf. 0 or -1.
int ll_http_query_get (const char *query, const char *key, char *buf, size_t len);

#endif
