/*  ll_http: the ops endpoint on a loopback port the kernel picks, fetched
    with a few lines of HTTP/1.0 over a socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "ll_http.h"
#include "ll_log.h"
#include "ll_metrics.h"

typedef struct {
    int status;
    char *headers;      // the header block, for Content-Type checks
    char *body;
} reply_t;

static void
s_reply_free (reply_t *reply)
{
    free (reply->headers);
    free (reply->body);
    memset (reply, 0, sizeof *reply);
}

//  Sends `method path` to 127.0.0.1:port and reads the whole reply.
static reply_t
s_fetch (int port, const char *method, const char *path)
{
    reply_t reply = { 0 };
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    //  A hung server fails the test instead of hanging it.
    struct timeval tv = { .tv_sec = 10 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_int_equal (connect (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    char request [512];
    int len = snprintf (request, sizeof request, "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n",
                        method, path);
    assert_int_equal (write (fd, request, (size_t) len), len);

    size_t cap = 1 << 20, size = 0;
    char *raw = malloc (cap);
    assert_non_null (raw);
    ssize_t n;
    while ((n = read (fd, raw + size, cap - 1 - size)) > 0)
        size += (size_t) n;
    assert_true (n == 0);        // the server closed: the whole reply is here
    raw [size] = 0;
    close (fd);

    assert_int_equal (sscanf (raw, "HTTP/1.%*d %d", &reply.status), 1);
    char *split = strstr (raw, "\r\n\r\n");
    assert_non_null (split);
    reply.headers = strndup (raw, (size_t) (split - raw));
    reply.body = strdup (split + 4);
    free (raw);
    return reply;
}

static int
s_setup (void **state)
{
    ll_http_t *http = ll_http_start ("127.0.0.1:0");
    assert_non_null (http);
    *state = http;
    return 0;
}

static int
s_teardown (void **state)
{
    ll_http_t *http = *state;
    ll_http_destroy (&http);
    assert_null (http);
    return 0;
}

static void
test_port_is_picked (void **state)
{
    int port = ll_http_port (*state);
    assert_true (port > 0 && port < 65536);
}

static void
test_healthz (void **state)
{
    reply_t r = s_fetch (ll_http_port (*state), "GET", "/healthz");
    assert_int_equal (r.status, 200);
    assert_string_equal (r.body, "ok\n");
    s_reply_free (&r);
}

static void
test_readyz_follows_set_ready (void **state)
{
    ll_http_t *http = *state;
    int port = ll_http_port (http);
    reply_t r = s_fetch (port, "GET", "/readyz");
    assert_int_equal (r.status, 503);
    assert_non_null (strstr (r.body, "not ready"));
    s_reply_free (&r);

    ll_http_set_ready (http, false, "store unreachable");
    r = s_fetch (port, "GET", "/readyz");
    assert_int_equal (r.status, 503);
    assert_non_null (strstr (r.body, "store unreachable"));
    s_reply_free (&r);

    ll_http_set_ready (http, true, NULL);
    r = s_fetch (port, "GET", "/readyz");
    assert_int_equal (r.status, 200);
    assert_string_equal (r.body, "ready\n");
    s_reply_free (&r);

    //  Readiness can be lost again (the store went away).
    ll_http_set_ready (http, false, "schema at version 1, need 2");
    r = s_fetch (port, "GET", "/readyz");
    assert_int_equal (r.status, 503);
    assert_non_null (strstr (r.body, "schema at version 1, need 2"));
    s_reply_free (&r);
}

static void
test_metrics_page (void **state)
{
    ll_metric_t *c = ll_metric_counter ("ut_http_test_total", "x=\"y\"", "Counted by the HTTP test");
    ll_metric_add (c, 41);
    ll_metric_add (c, 1);
    reply_t r = s_fetch (ll_http_port (*state), "GET", "/metrics");
    assert_int_equal (r.status, 200);
    assert_non_null (strstr (r.headers, "text/plain; version=0.0.4"));
    assert_non_null (strstr (r.body, "# TYPE ut_http_test_total counter\n"));
    assert_non_null (strstr (r.body, "\nut_http_test_total{x=\"y\"} 42\n"));
    s_reply_free (&r);
}

static void
test_unknown_page_is_404 (void **state)
{
    reply_t r = s_fetch (ll_http_port (*state), "GET", "/nope");
    assert_int_equal (r.status, 404);
    assert_non_null (strstr (r.body, "/nope"));
    assert_non_null (strstr (r.body, "/healthz"));
    s_reply_free (&r);
}

static void
test_only_get (void **state)
{
    reply_t r = s_fetch (ll_http_port (*state), "DELETE", "/healthz");
    assert_int_equal (r.status, 405);
    s_reply_free (&r);
}

//  A route handler echoing what it was given.
static int
s_echo (void *arg, const char *url, const char *query, int *status,
        const char **content_type, char **body, size_t *body_len)
{
    int *calls = arg;
    (*calls)++;
    char station [64] = "-", from [64] = "-", missing [8];
    ll_http_query_get (query, "station", station, sizeof station);
    ll_http_query_get (query, "from", from, sizeof from);
    int rc = ll_http_query_get (query, "missing", missing, sizeof missing);
    *status = 200;
    *content_type = "application/json";
    int len = asprintf (body, "url=%s station=%s from=%s missing=%d", url, station, from, rc);
    *body_len = len > 0 ? (size_t) len : 0;
    return 0;
}

static void
test_custom_route_with_query (void **state)
{
    ll_http_t *http = *state;
    int calls = 0;
    assert_int_equal (ll_http_route (http, "/report/", s_echo, &calls), 0);
    reply_t r = s_fetch (ll_http_port (http), "GET",
                         "/report/station?station=12%2634%3D5&from=2024-10-01&flag");
    assert_int_equal (r.status, 200);
    assert_non_null (strstr (r.headers, "application/json"));
    //  %26 and %3D arrive as '&' and '=' inside the value, not as separators.
    assert_string_equal (r.body,
        "url=/report/station station=12&34=5 from=2024-10-01 missing=-1");
    assert_int_equal (calls, 1);
    s_reply_free (&r);

    //  Other prefixes still reach the built-in pages or 404.
    r = s_fetch (ll_http_port (http), "GET", "/reports");
    assert_int_equal (r.status, 404);
    s_reply_free (&r);
    assert_int_equal (calls, 1);
}

static void
test_query_get (void **state)
{
    char buf [32];
    const char *q = "a=1&ab=2&b=x%3Dy%26z&empty=&pct=100%25&bad=%zz&short=%4";
    assert_int_equal (ll_http_query_get (q, "a", buf, sizeof buf), 0);
    assert_string_equal (buf, "1");
    assert_int_equal (ll_http_query_get (q, "ab", buf, sizeof buf), 0);
    assert_string_equal (buf, "2");
    assert_int_equal (ll_http_query_get (q, "b", buf, sizeof buf), 0);
    assert_string_equal (buf, "x=y&z");
    assert_int_equal (ll_http_query_get (q, "empty", buf, sizeof buf), 0);
    assert_string_equal (buf, "");
    assert_int_equal (ll_http_query_get (q, "pct", buf, sizeof buf), 0);
    assert_string_equal (buf, "100%");
    //  Broken escapes are kept as they are, not guessed at.
    assert_int_equal (ll_http_query_get (q, "bad", buf, sizeof buf), 0);
    assert_string_equal (buf, "%zz");
    assert_int_equal (ll_http_query_get (q, "short", buf, sizeof buf), 0);
    assert_string_equal (buf, "%4");
    assert_int_equal (ll_http_query_get ("s=%+1x&t=% 1f&u=%4g&v=%e9%41", "s", buf, sizeof buf), 0);
    assert_string_equal (buf, "%+1x");
    assert_int_equal (ll_http_query_get ("s=%+1x&t=% 1f&u=%4g&v=%e9%41", "t", buf, sizeof buf), 0);
    assert_string_equal (buf, "% 1f");
    assert_int_equal (ll_http_query_get ("s=%+1x&t=% 1f&u=%4g&v=%e9%41", "u", buf, sizeof buf), 0);
    assert_string_equal (buf, "%4g");
    assert_int_equal (ll_http_query_get ("s=%+1x&t=% 1f&u=%4g&v=%e9%41", "v", buf, sizeof buf), 0);
    assert_string_equal (buf, "\xe9" "A");
    assert_int_equal (ll_http_query_get (q, "c", buf, sizeof buf), -1);
    assert_int_equal (ll_http_query_get (q, "", buf, sizeof buf), -1);
    assert_int_equal (ll_http_query_get ("", "a", buf, sizeof buf), -1);
    assert_int_equal (ll_http_query_get (NULL, "a", buf, sizeof buf), -1);
    //  A value longer than the buffer is cut and terminated.
    char small [4];
    assert_int_equal (ll_http_query_get ("k=abcdefgh", "k", small, sizeof small), 0);
    assert_string_equal (small, "abc");
}

static void
test_start_refuses_bad_addresses (void **state)
{
    assert_null (ll_http_start (""));
    assert_null (ll_http_start ("0"));
    assert_null (ll_http_start (NULL));
    assert_null (ll_http_start ("not-an-ip:8080"));
    //  A port already in use is refused, not shared.
    ll_http_t *first = *state;
    char address [64];
    snprintf (address, sizeof address, "127.0.0.1:%d", ll_http_port (first));
    assert_null (ll_http_start (address));
    //  Destroying NULL or twice is safe.
    ll_http_t *none = NULL;
    ll_http_destroy (&none);
    ll_http_destroy (NULL);
}

int
main (void)
{
    //  Keep the test output readable: only errors from the library.
    setenv ("LEADLINE_LOG_LEVEL", "error", 1);
    ll_log_init ("unit-http");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_port_is_picked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_healthz, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_readyz_follows_set_ready, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_metrics_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_page_is_404, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_only_get, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_custom_route_with_query, s_setup, s_teardown),
        cmocka_unit_test (test_query_get),
        cmocka_unit_test_setup_teardown (test_start_refuses_bad_addresses, s_setup, s_teardown),
    };
    return cmocka_run_group_tests_name ("ll_http", tests, NULL, NULL);
}
