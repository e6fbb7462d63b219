/*  report_fetch — a libcurl GET into memory. */
#include "report_fetch.h"
#include "ll_auth.h"
#include "ll_envelope.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t
s_write (char *data, size_t size, size_t n, void *arg)
{
    report_reply_t *reply = arg;
    size_t add = size * n;
    char *body = realloc (reply->body, reply->len + add + 1);
    if (!body)
        return 0;       // curl reports a write error
    memcpy (body + reply->len, data, add);
    reply->len += add;
    body [reply->len] = 0;
    reply->body = body;
    return add;
}

int
report_url_arg (char **url, const char *key, const char *value)
{
    if (!value || !*value)
        return 0;
    char *escaped = curl_easy_escape (NULL, value, 0);
    if (!escaped)
        return -1;
    char *next = NULL;
    int n = asprintf (&next, "%s%s%s=%s", *url, strchr (*url, '?') ? "&" : "?", key, escaped);
    curl_free (escaped);
    if (n < 0)
        return -1;
    free (*url);
    *url = next;
    return 0;
}

int
report_fetch (const char *url, long timeout_ms, report_reply_t *reply)
{
    memset (reply, 0, sizeof *reply);
    CURL *curl = curl_easy_init ();
    if (!curl) {
        snprintf (reply->error, sizeof reply->error, "libcurl could not start");
        return -1;
    }
    char errbuf [CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_USERAGENT, "leadline-report/" LEADLINE_VERSION);
    CURLcode rc = curl_easy_perform (curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply->status);
    else
        snprintf (reply->error, sizeof reply->error, "%s", *errbuf ? errbuf : curl_easy_strerror (rc));
    curl_easy_cleanup (curl);
    if (!reply->body) {
        reply->body = calloc (1, 1);
        if (!reply->body && rc == CURLE_OK) {
            snprintf (reply->error, sizeof reply->error, "out of memory");
            return -1;
        }
    }
    return rc == CURLE_OK ? 0 : -1;
}

//  ---- the report socket (CURVE with a person key)

static int
s_kind_code (const char *kind)
{
    return strcmp (kind, "carrier") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_CARRIER
         : strcmp (kind, "station") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_STATION
         : strcmp (kind, "district") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_DISTRICT
         : strcmp (kind, "campaign") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_CAMPAIGN
         : strcmp (kind, "published") == 0 ? LEADLINE__V1__REPORT_KIND__REPORT_KIND_PUBLISHED
         : 0;
}

int
report_fetch_socket (const char *endpoint, const char *kind, const char *query,
                     long timeout_ms, report_reply_t *reply)
{
    memset (reply, 0, sizeof *reply);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    if (!dealer) {
        snprintf (reply->error, sizeof reply->error, "cannot make a socket");
        return -1;
    }
    ll_socket_caps (dealer, 10);
    zsock_set_linger (dealer, 0);
    char err [256];
    if (ll_auth_client (dealer, err, sizeof err)) {
        snprintf (reply->error, sizeof reply->error, "%s", err);
        zsock_destroy (&dealer);
        return -1;
    }
    if (zsock_connect (dealer, "%s", endpoint) < 0) {
        snprintf (reply->error, sizeof reply->error, "%s is not an address to connect to", endpoint);
        zsock_destroy (&dealer);
        return -1;
    }
    char id [37];
    ll_envelope_t env;
    ll_envelope_init (&env, id);
    Leadline__V1__ReportRequest req = LEADLINE__V1__REPORT_REQUEST__INIT;
    req.kind = s_kind_code (kind);
    req.query = (char *) (query ? query : "");
    env.body_case = LEADLINE__V1__ENVELOPE__BODY_REPORT_REQUEST;
    env.report_request = &req;
    zframe_t *frame = ll_envelope_frame (&env);
    if (!frame || zframe_send (&frame, dealer, 0)) {
        zframe_destroy (&frame);
        snprintf (reply->error, sizeof reply->error, "cannot send the request");
        zsock_destroy (&dealer);
        return -1;
    }
    zpoller_t *poller = zpoller_new (dealer, NULL);
    int rc = -1;
    if (poller && zpoller_wait (poller, (int) timeout_ms) == dealer) {
        zframe_t *in = zframe_recv (dealer);
        ll_decode_rc_t drc;
        ll_envelope_t *got = in ? ll_envelope_decode (zframe_data (in), zframe_size (in), &drc,
                                                      err, sizeof err) : NULL;
        if (got && got->body_case == LEADLINE__V1__ENVELOPE__BODY_REPORT_REPLY) {
            const Leadline__V1__ReportReply *r = got->report_reply;
            reply->status = r->http_status ? r->http_status : 500;
            const void *data = r->body.len ? (const void *) r->body.data
                             : (const void *) (r->message ? r->message : "");
            size_t len = r->body.len ? r->body.len : strlen (data);
            reply->body = malloc (len + 2);
            if (reply->body) {
                memcpy (reply->body, data, len);
                reply->len = len;
                if (!r->body.len && len && reply->body [len - 1] != '\n')
                    reply->body [reply->len++] = '\n';
                reply->body [reply->len] = 0;
                rc = 0;
            }
        }
        else
            snprintf (reply->error, sizeof reply->error, "the service sent no report reply%s%.200s",
                      got ? "" : ": ", got ? "" : err);
        ll_envelope_free (&got);
        zframe_destroy (&in);
    }
    else
        snprintf (reply->error, sizeof reply->error, "no answer within %ld ms (with CURVE on, a "
                  "key the service does not know gets none)", timeout_ms);
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
    return rc;
}
