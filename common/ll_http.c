#include "ll_http.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LL_HTTP_ROUTES 8

typedef struct {
    char prefix [64];
    ll_http_handler_fn *fn;
    void *arg;
} route_t;

struct ll_http {
    struct MHD_Daemon *daemon;
    int port;
    atomic_bool ready;
    pthread_mutex_t lock;
    char why [256];
    route_t routes [LL_HTTP_ROUTES];
    atomic_int nroutes;
};

static enum MHD_Result
s_reply (struct MHD_Connection *conn, int status, const char *type, char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer (
        len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header (resp, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response (conn, (unsigned) status, resp);
    MHD_destroy_response (resp);
    return rc;
}

//  Rebuilds the GET arguments as "k=v&k=v", with '%', '&' and '=' in
//  values escaped, so handlers read them with ll_http_query_get().
static enum MHD_Result
s_query_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    FILE *out = cls;
    if (ftell (out) > 0)
        fputc ('&', out);
    fputs (key, out);
    fputc ('=', out);
    for (const char *c = value ? value : ""; *c; c++)
        if (*c == '%' || *c == '&' || *c == '=')
            fprintf (out, "%%%02X", (unsigned char) *c);
        else
            fputc (*c, out);
    return MHD_YES;
}

static char *
s_query (struct MHD_Connection *conn)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, s_query_arg, out);
    fclose (out);
    return text;
}

int
ll_http_query_get (const char *query, const char *key, char *buf, size_t len)
{
    size_t klen = strlen (key);
    for (const char *p = query; p && *p; ) {
        const char *end = strchr (p, '&');
        if (!end)
            end = p + strlen (p);
        if ((size_t) (end - p) > klen && strncmp (p, key, klen) == 0 && p [klen] == '=') {
            size_t out = 0;
            for (const char *c = p + klen + 1; c < end && out + 1 < len; c++) {
                //  Exactly two hex digits: sscanf's %x would also take a
                //  sign, a space or a single digit.
                if (*c == '%' && end - c >= 3
                &&  isxdigit ((unsigned char) c [1]) && isxdigit ((unsigned char) c [2])) {
                    char hex [3] = { c [1], c [2], 0 };
                    buf [out++] = (char) strtoul (hex, NULL, 16);
                    c += 2;
                }
                else
                    buf [out++] = *c;
            }
            buf [out] = 0;
            return 0;
        }
        p = *end ? end + 1 : end;
    }
    return -1;
}

static enum MHD_Result
s_handle (void *cls, struct MHD_Connection *conn, const char *url,
          const char *method, const char *version, const char *upload_data,
          size_t *upload_size, void **con_cls)
{
    ll_http_t *self = cls;
    if (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
        return s_reply (conn, 405, "text/plain", strdup ("only GET\n"), 9);
    if (strcmp (url, "/healthz") == 0)
        return s_reply (conn, 200, "text/plain", strdup ("ok\n"), 3);
    if (strcmp (url, "/readyz") == 0) {
        char *body;
        int status;
        pthread_mutex_lock (&self->lock);
        if (atomic_load (&self->ready)) {
            body = strdup ("ready\n");
            status = 200;
        }
        else {
            if (asprintf (&body, "not ready: %s\n", self->why) < 0)
                body = NULL;
            status = 503;
        }
        pthread_mutex_unlock (&self->lock);
        return s_reply (conn, status, "text/plain", body, body ? strlen (body) : 0);
    }
    if (strcmp (url, "/metrics") == 0) {
        char *text = ll_metrics_render ();
        return s_reply (conn, 200, "text/plain; version=0.0.4", text, text ? strlen (text) : 0);
    }
    int n = atomic_load (&self->nroutes);
    for (int i = 0; i < n; i++) {
        route_t *r = &self->routes [i];
        if (strncmp (url, r->prefix, strlen (r->prefix)) == 0) {
            int status = 500;
            const char *type = "text/plain";
            char *body = NULL;
            size_t len = 0;
            char *query = s_query (conn);
            r->fn (r->arg, url, query ? query : "", &status, &type, &body, &len);
            free (query);
            return s_reply (conn, status, type, body ? body : strdup (""), body ? len : 0);
        }
    }
    char *msg;
    if (asprintf (&msg, "no such page: %s (try /healthz, /readyz, /metrics)\n", url) < 0)
        msg = NULL;
    return s_reply (conn, 404, "text/plain", msg, msg ? strlen (msg) : 0);
}

ll_http_t *
ll_http_start (const char *address)
{
    if (!address || !*address || strcmp (address, "0") == 0)
        return NULL;
    ll_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    snprintf (self->why, sizeof self->why, "starting");

    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl (INADDR_ANY);
    const char *colon = strrchr (address, ':');
    int port = atoi (colon ? colon + 1 : address);
    if (colon) {
        char host [64];
        snprintf (host, sizeof host, "%.*s", (int) (colon - address), address);
        if (*host && inet_pton (AF_INET, host, &addr.sin_addr) != 1) {
            ll_error ("http.start", "bad HTTP address %s: use host:port with an IPv4 host", address);
            free (self);
            return NULL;
        }
    }
    addr.sin_port = htons ((uint16_t) port);
    //  AUTO picks epoll on Linux: select() cannot take descriptors past
    //  FD_SETSIZE, and a service holding 1,000 client connections (the
    //  notifier) has them, so its /metrics would refuse every request.
    self->daemon = MHD_start_daemon (
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t) port, NULL, NULL,
        s_handle, self, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!self->daemon) {
        ll_error ("http.start", "cannot listen on %s for /healthz and /metrics: "
                  "is the port taken? set another with the service's HTTP variable", address);
        pthread_mutex_destroy (&self->lock);
        free (self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : port;
    ll_info ("http.start", "ops endpoint on port %d", self->port);
    return self;
}

void
ll_http_destroy (ll_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ll_http_t *self = *self_p;
    MHD_stop_daemon (self->daemon);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

int
ll_http_route (ll_http_t *self, const char *prefix, ll_http_handler_fn *fn, void *arg)
{
    if (!self)
        return -1;
    int n = atomic_load (&self->nroutes);
    if (n >= LL_HTTP_ROUTES)
        return -1;
    snprintf (self->routes [n].prefix, sizeof self->routes [n].prefix, "%s", prefix);
    self->routes [n].fn = fn;
    self->routes [n].arg = arg;
    atomic_store (&self->nroutes, n + 1);
    return 0;
}

void
ll_http_set_ready (ll_http_t *self, bool ready, const char *why)
{
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    snprintf (self->why, sizeof self->why, "%s", why ? why : "");
    atomic_store (&self->ready, ready);
    pthread_mutex_unlock (&self->lock);
}

int
ll_http_port (ll_http_t *self)
{
    return self ? self->port : 0;
}
