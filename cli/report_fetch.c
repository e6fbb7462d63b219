/*  report_fetch — a libcurl GET into memory. */
#include "report_fetch.h"
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
