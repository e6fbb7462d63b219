/*  report_fetch — GET a report page from leadline-reporting over HTTP
    (libcurl). The CLI renders nothing itself: the service builds every
    format, so the terminal, a file and a browser see the same report. */
#ifndef REPORT_FETCH_H
#define REPORT_FETCH_H
#include <stddef.h>

typedef struct {
    long status;        // HTTP status, 0 if the service could not be reached
    char *body;         // malloc'd, NUL-terminated; the caller frees it
    size_t len;
    char error [256];   // why the service could not be reached
} report_reply_t;

//  Appends "&key=value" (value %-escaped) to *url when value is set. 0 or -1.
int report_url_arg (char **url, const char *key, const char *value);
//  GETs url. 0 when an HTTP reply came (any status), -1 otherwise.
int report_fetch (const char *url, long timeout_ms, report_reply_t *reply);

//  Asks the reporting service's report socket at `endpoint` for report
//  `kind` with `query` (the page's parameters, as for HTTP), with the
//  CURVE keys of ll_auth_client (LEADLINE_AUTH_CLIENT_KEY_FILE,
//  LEADLINE_AUTH_SERVER_KEY) when set. status is the HTTP status the reply
//  means (403: refused, the body names the rule). 0 or -1 as report_fetch.
int report_fetch_socket (const char *endpoint, const char *kind, const char *query,
                         long timeout_ms, report_reply_t *reply);

#endif
