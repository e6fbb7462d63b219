/*  reporting_http — the report pages on the service's HTTP port. The
    handlers run on libmicrohttpd's thread (one thread: requests are served
    one at a time) with their own PostgreSQL connection, which only that
    thread touches; the event loop never does.
      /reports/carrier?employee=E&from=YYYY-MM-DD&to=YYYY-MM-DD
      /reports/station?station=S&period=current|previous|YYYY-MM-DD|FY2027P03
      /reports/district?district=D&quarter=FY2027Q1|current
      /reports/campaign?fy=2027&target=35&district=D&name=...
      /reports/published?station=S&period=...   (as stored at period end)
    each with &format=text|csv|json|html (default text). */
#ifndef REPORTING_HTTP_H
#define REPORTING_HTTP_H
#include "ll_http.h"

typedef struct reporting_http reporting_http_t;

typedef struct reporting_cache reporting_cache_t;
//  `cache` (may be NULL) keeps finished reports; not owned.
reporting_http_t *reporting_http_new (const char *conninfo, double target_pct, double deadline_goal,
                                      reporting_cache_t *cache);
void reporting_http_destroy (reporting_http_t **self_p);

//  ll_http_handler_fn for the prefix "/reports"; arg is the reporting_http_t.
int reporting_http_handle (void *arg, const char *url, const char *query, int *status,
                           const char **content_type, char **body, size_t *body_len);

#endif
