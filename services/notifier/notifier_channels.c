/*  notifier_channels — email and webhook sends (see notifier_channels.h).

    Loop side: every 100 ms, read the sends that are due (and not already
    with the worker) and pass them to the worker; record each result as an
    attempt row and move the send on (sent / pending with a later due time /
    dead). Every second, turn the digests that fell due into sends.

    Worker side (one thread, a zactor): owns a curl multi handle and runs
    up to `parallel` transfers at once, each bounded by `timeout_ms`. It
    waits in curl_multi_poll() with the actor pipe among the descriptors,
    so a new job wakes it at once.

    Delivery is at least once: a send in flight when the notifier dies is
    sent again after the restart. Receivers de-duplicate on the
    X-Leadline-Delivery header (webhook) or the Message-ID (email), both the
    send's id. */
#include "notifier_channels.h"
#include "ll_clock.h"
#include "ll_db.h"
#include "ll_http.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHANNEL_TICK_MS 100
#define CHANNEL_DIGEST_EVERY_US 1000000

//  ---- pure helpers

int64_t
notifier_backoff_ms (int attempt, int64_t base_ms, int64_t max_ms)
{
    if (attempt < 1)
        attempt = 1;
    int64_t delay = base_ms > 0 ? base_ms : 1;
    for (int i = 1; i < attempt && delay < max_ms; i++)
        delay *= 2;
    return delay < max_ms ? delay : max_ms;
}

void
notifier_webhook_signature (const char *secret, size_t secret_len, long long timestamp,
                            const char *body, size_t body_len, char out [65])
{
    char prefix [32];
    int plen = snprintf (prefix, sizeof prefix, "%lld.", timestamp);
    unsigned char mac [EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    out [0] = 0;
    EVP_MAC *hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new (hmac) : NULL;
    char digest [] = "SHA256";
    OSSL_PARAM params [] = {
        OSSL_PARAM_construct_utf8_string ("digest", digest, 0),
        OSSL_PARAM_construct_end (),
    };
    if (ctx
    &&  EVP_MAC_init (ctx, (const unsigned char *) secret, secret_len, params) == 1
    &&  EVP_MAC_update (ctx, (const unsigned char *) prefix, (size_t) plen) == 1
    &&  EVP_MAC_update (ctx, (const unsigned char *) body, body_len) == 1
    &&  EVP_MAC_final (ctx, mac, &mac_len, sizeof mac) == 1) {
        static const char hex [] = "0123456789abcdef";
        if (mac_len > 32)
            mac_len = 32;
        for (size_t i = 0; i < mac_len; i++) {
            out [2 * i] = hex [mac [i] >> 4];
            out [2 * i + 1] = hex [mac [i] & 15];
        }
        out [2 * mac_len] = 0;
    }
    EVP_MAC_CTX_free (ctx);
    EVP_MAC_free (hmac);
}

bool
notifier_http_retryable (long status)
{
    return status >= 500 || status == 408 || status == 425 || status == 429 || status == 0;
}

//  Header values come from event text: no line breaks may reach a header.
static void
s_header_safe (FILE *out, const char *text)
{
    for (const char *c = text; *c; c++)
        fputc (*c == '\r' || *c == '\n' ? ' ' : *c, out);
}

static void
s_base64 (FILE *out, const unsigned char *data, size_t len)
{
    static const char tab [] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned) data [i] << 16;
        if (i + 1 < len)
            v |= (unsigned) data [i + 1] << 8;
        if (i + 2 < len)
            v |= data [i + 2];
        fputc (tab [(v >> 18) & 63], out);
        fputc (tab [(v >> 12) & 63], out);
        fputc (i + 1 < len ? tab [(v >> 6) & 63] : '=', out);
        fputc (i + 2 < len ? tab [v & 63] : '=', out);
    }
}

char *
notifier_email_message (const char *from, const char *to, const char *subject,
                        const char *body, const char *message_id, int64_t date_us)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    char date [64];
    time_t secs = (time_t) (date_us / 1000000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    strftime (date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    fprintf (out, "Date: %s\r\nFrom: ", date);
    s_header_safe (out, from);
    fputs ("\r\nTo: ", out);
    s_header_safe (out, to);
    fputs ("\r\nSubject: ", out);
    bool ascii = true;
    for (const char *c = subject; *c; c++)
        if ((unsigned char) *c >= 0x80)
            ascii = false;
    if (ascii)
        s_header_safe (out, subject);
    else {
        //  Line breaks are gone before encoding: they would survive it.
        char *flat = strdup (subject);
        if (flat) {
            for (char *c = flat; *c; c++)
                if (*c == '\r' || *c == '\n')
                    *c = ' ';
            fputs ("=?UTF-8?B?", out);
            s_base64 (out, (const unsigned char *) flat, strlen (flat));
            fputs ("?=", out);
            free (flat);
        }
    }
    fputs ("\r\nMessage-ID: <", out);
    s_header_safe (out, message_id);
    fputs ("@leadline>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\n", out);
    for (const char *c = body; *c; c++) {
        if (*c == '\n' && (c == body || c [-1] != '\r'))
            fputc ('\r', out);
        fputc (*c, out);
    }
    fputs ("\r\n", out);
    fclose (out);
    return text;
}

//  ---- worker thread: owns curl

typedef struct {
    char *smtp_url;
    char *smtp_from;
    char *secret;                   // NULL: no webhook secret
    size_t secret_len;
    long timeout_ms;
} worker_config_t;

typedef struct {
    CURL *easy;
    char send_id [40];
    char channel [16];
    char *upload;                   // email: the message
    size_t upload_len;
    size_t upload_pos;
    char *post;                     // webhook: the JSON
    struct curl_slist *list;        // recipients (email) or headers (webhook)
    char errbuf [CURL_ERROR_SIZE];
    char response [160];
    size_t response_len;
} transfer_t;

static void
s_transfer_destroy (transfer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    transfer_t *self = *self_p;
    if (self->easy)
        curl_easy_cleanup (self->easy);
    curl_slist_free_all (self->list);
    free (self->upload);
    free (self->post);
    free (self);
    *self_p = NULL;
}

static size_t
s_read_upload (char *buffer, size_t size, size_t nitems, void *arg)
{
    transfer_t *t = arg;
    size_t room = size * nitems;
    size_t left = t->upload_len - t->upload_pos;
    size_t n = left < room ? left : room;
    memcpy (buffer, t->upload + t->upload_pos, n);
    t->upload_pos += n;
    return n;
}

static size_t
s_write_response (char *data, size_t size, size_t nmemb, void *arg)
{
    transfer_t *t = arg;
    size_t n = size * nmemb;
    size_t room = sizeof t->response - 1 - t->response_len;
    size_t take = n < room ? n : room;
    memcpy (t->response + t->response_len, data, take);
    t->response_len += take;
    t->response [t->response_len] = 0;
    return n;
}

static void
s_worker_result (zsock_t *pipe, const char *send_id, bool ok, bool retryable, const char *detail)
{
    zstr_sendx (pipe, "DONE", send_id, ok ? "1" : "0", retryable ? "1" : "0", detail, NULL);
}

static bool
s_address_ok (const char *addr)
{
    if (!addr || !*addr || !strchr (addr, '@') || strlen (addr) > 254)
        return false;
    for (const char *c = addr; *c; c++)
        if ((unsigned char) *c <= 0x20 || *c == '<' || *c == '>' || *c == 0x7f)
            return false;
    return true;
}

//  Starts one transfer, or answers at once when it cannot be attempted.
static transfer_t *
s_worker_start (worker_config_t *cfg, zsock_t *pipe, zmsg_t *job)
{
    char *send_id = zmsg_popstr (job);
    char *channel = zmsg_popstr (job);
    char *address = zmsg_popstr (job);
    char *subject = zmsg_popstr (job);
    char *body = zmsg_popstr (job);
    char *payload = zmsg_popstr (job);
    transfer_t *t = NULL;
    if (!send_id || !channel || !address || !subject || !body || !payload)
        goto done;
    t = calloc (1, sizeof *t);
    if (!t || !(t->easy = curl_easy_init ())) {
        s_worker_result (pipe, send_id, false, true, "out of memory");
        s_transfer_destroy (&t);
        goto done;
    }
    snprintf (t->send_id, sizeof t->send_id, "%s", send_id);
    snprintf (t->channel, sizeof t->channel, "%s", channel);
    CURL *e = t->easy;
    curl_easy_setopt (e, CURLOPT_PRIVATE, t);
    curl_easy_setopt (e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
    if (strcmp (channel, "email") == 0) {
        if (!s_address_ok (address)) {
            s_worker_result (pipe, send_id, false, false,
                             "not a usable email address; fix it with `leadline rep prefs --email`");
            s_transfer_destroy (&t);
            goto done;
        }
        t->upload = notifier_email_message (cfg->smtp_from, address, subject, body, send_id,
                                            ll_clock_now_us ());
        char rcpt [300];
        snprintf (rcpt, sizeof rcpt, "<%s>", address);
        t->list = curl_slist_append (NULL, rcpt);
        if (!t->upload || !t->list) {
            s_worker_result (pipe, send_id, false, true, "out of memory");
            s_transfer_destroy (&t);
            goto done;
        }
        t->upload_len = strlen (t->upload);
        char from [300];
        snprintf (from, sizeof from, "<%s>", cfg->smtp_from);
        curl_easy_setopt (e, CURLOPT_URL, cfg->smtp_url);
        curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt (e, CURLOPT_MAIL_FROM, from);
        curl_easy_setopt (e, CURLOPT_MAIL_RCPT, t->list);
        curl_easy_setopt (e, CURLOPT_READFUNCTION, s_read_upload);
        curl_easy_setopt (e, CURLOPT_READDATA, t);
        curl_easy_setopt (e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt (e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) t->upload_len);
    }
    else {
        if (!cfg->secret) {
            s_worker_result (pipe, send_id, false, false, "no webhook secret: set "
                             "LEADLINE_WEBHOOK_SECRET_FILE; webhooks are never sent unsigned");
            s_transfer_destroy (&t);
            goto done;
        }
        if (strncmp (address, "http://", 7) != 0 && strncmp (address, "https://", 8) != 0) {
            s_worker_result (pipe, send_id, false, false, "the webhook URL must start with "
                             "http:// or https://");
            s_transfer_destroy (&t);
            goto done;
        }
        long long ts = (long long) (ll_clock_now_us () / 1000000);
        char sig [65], header [160];
        notifier_webhook_signature (cfg->secret, cfg->secret_len, ts, payload, strlen (payload), sig);
        t->post = strdup (payload);
        t->list = curl_slist_append (NULL, "Content-Type: application/json");
        snprintf (header, sizeof header, "X-Leadline-Signature: sha256=%s", sig);
        t->list = curl_slist_append (t->list, header);
        snprintf (header, sizeof header, "X-Leadline-Timestamp: %lld", ts);
        t->list = curl_slist_append (t->list, header);
        snprintf (header, sizeof header, "X-Leadline-Delivery: %s", send_id);
        t->list = curl_slist_append (t->list, header);
        t->list = curl_slist_append (t->list, "Expect:");
        if (!t->post || !t->list) {
            s_worker_result (pipe, send_id, false, true, "out of memory");
            s_transfer_destroy (&t);
            goto done;
        }
        curl_easy_setopt (e, CURLOPT_URL, address);
        curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt (e, CURLOPT_HTTPHEADER, t->list);
        curl_easy_setopt (e, CURLOPT_POSTFIELDS, t->post);
        curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen (t->post));
        curl_easy_setopt (e, CURLOPT_USERAGENT, "leadline-notifier/" LEADLINE_VERSION);
        curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_write_response);
        curl_easy_setopt (e, CURLOPT_WRITEDATA, t);
    }
done:
    free (send_id);
    free (channel);
    free (address);
    free (subject);
    free (body);
    free (payload);
    return t;
}

//  Reports a finished transfer to the loop.
static void
s_worker_finish (zsock_t *pipe, transfer_t *t, CURLcode code)
{
    char detail [512];
    bool ok = false, retryable = true;
    if (code != CURLE_OK) {
        snprintf (detail, sizeof detail, "%s: %s", curl_easy_strerror (code),
                  t->errbuf [0] ? t->errbuf : "no detail");
        //  A URL curl cannot use will not get better by waiting.
        retryable = code != CURLE_URL_MALFORMAT && code != CURLE_UNSUPPORTED_PROTOCOL;
    }
    else
    if (strcmp (t->channel, "webhook") == 0) {
        long status = 0;
        curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);
        ok = status >= 200 && status < 300;
        retryable = !ok && notifier_http_retryable (status);
        for (char *c = t->response; *c; c++)
            if ((unsigned char) *c < 0x20)
                *c = ' ';
        snprintf (detail, sizeof detail, "HTTP %ld%s%s", status, t->response [0] ? ": " : "",
                  t->response);
    }
    else {
        long status = 0;
        curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);
        ok = true;
        snprintf (detail, sizeof detail, "SMTP %ld accepted", status);
    }
    s_worker_result (pipe, t->send_id, ok, retryable, detail);
}

static void
s_worker (zsock_t *pipe, void *arg)
{
    worker_config_t *cfg = arg;
    CURLM *multi = curl_multi_init ();
    zsock_signal (pipe, multi ? 0 : 1);
    if (!multi)
        return;
    int running = 0;
    bool terminated = false;
    zlistx_t *active = zlistx_new ();     // transfer_t, while curl runs them
    while (!terminated) {
        while (zsock_events (pipe) & ZMQ_POLLIN) {
            zmsg_t *msg = zmsg_recv (pipe);
            if (!msg) {
                terminated = true;
                break;
            }
            char *command = zmsg_popstr (msg);
            if (command && strcmp (command, "$TERM") == 0)
                terminated = true;
            else
            if (command && strcmp (command, "SEND") == 0) {
                transfer_t *t = s_worker_start (cfg, pipe, msg);
                if (t && (!active || curl_multi_add_handle (multi, t->easy) != CURLM_OK)) {
                    s_worker_result (pipe, t->send_id, false, true, "curl refused the transfer");
                    s_transfer_destroy (&t);
                }
                else
                if (t)
                    zlistx_add_end (active, t);
            }
            free (command);
            zmsg_destroy (&msg);
        }
        if (terminated)
            break;
        curl_multi_perform (multi, &running);
        CURLMsg *info;
        int left;
        while ((info = curl_multi_info_read (multi, &left))) {
            if (info->msg != CURLMSG_DONE)
                continue;
            transfer_t *t = NULL;
            curl_easy_getinfo (info->easy_handle, CURLINFO_PRIVATE, (char **) &t);
            CURLcode code = info->data.result;
            curl_multi_remove_handle (multi, info->easy_handle);
            if (t) {
                s_worker_finish (pipe, t, code);
                void *handle = zlistx_find (active, t);
                if (handle)
                    zlistx_detach (active, handle);
                s_transfer_destroy (&t);
            }
        }
        //  The pipe's descriptor is edge-triggered: look at its events
        //  (above) before every wait, and wait at most a second.
        if (zsock_events (pipe) & ZMQ_POLLIN)
            continue;
        struct curl_waitfd extra = { .fd = zsock_fd (pipe), .events = CURL_WAIT_POLLIN };
        curl_multi_poll (multi, &extra, 1, running ? 100 : 1000, NULL);
    }
    //  Transfers still running are dropped; their sends stay pending and
    //  are tried again by the next run.
    transfer_t *t;
    while (active && (t = zlistx_detach (active, NULL))) {
        curl_multi_remove_handle (multi, t->easy);
        s_transfer_destroy (&t);
    }
    zlistx_destroy (&active);
    curl_multi_cleanup (multi);
}

//  ---- loop side

typedef struct {
    ll_metric_t *attempts;
    ll_metric_t *failures;
    ll_metric_t *dead;
    ll_metric_t *sent;
} channel_metrics_t;

typedef struct {
    const char *channel;            // "email" or "webhook"
    int attempts;                   // made before this one
} job_t;

struct notifier_channels {
    notifier_channels_config_t config;
    worker_config_t worker_config;
    notifier_inbox_t *inbox;
    zactor_t *worker;
    zloop_t *loop;
    int timer;
    zhashx_t *inflight;             // send id -> job_t, while the worker has it
    int64_t digest_at_us;           // monotonic
    channel_metrics_t email;
    channel_metrics_t webhook;
    ll_metric_t *m_waiting;
    ll_metric_t *m_dead_now;
    ll_metric_t *m_digests;
};

static void
s_metrics (channel_metrics_t *m, const char *channel)
{
    char labels [64];
    snprintf (labels, sizeof labels, "channel=\"%s\"", channel);
    m->attempts = ll_metric_counter ("leadline_notifier_channel_attempts_total", labels,
                                     "Send attempts on email and webhook");
    m->failures = ll_metric_counter ("leadline_notifier_channel_failures_total", labels,
                                     "Send attempts that failed");
    m->dead = ll_metric_counter ("leadline_notifier_channel_dead_letters_total", labels,
                                 "Sends given up: out of attempts or not deliverable");
    m->sent = ll_metric_counter ("leadline_notifier_channel_sent_total", labels,
                                 "Sends delivered");
}

static void
s_job_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static char *
s_read_secret (const char *path, size_t *len)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char buf [4096];
    size_t n = fread (buf, 1, sizeof buf - 1, file);
    fclose (file);
    while (n > 0 && (buf [n - 1] == '\n' || buf [n - 1] == '\r'))
        n--;
    if (n == 0)
        return NULL;
    char *secret = malloc (n + 1);
    if (!secret)
        return NULL;
    memcpy (secret, buf, n);
    secret [n] = 0;
    *len = n;
    return secret;
}

notifier_channels_t *
notifier_channels_new (const notifier_channels_config_t *config, notifier_inbox_t *inbox)
{
    notifier_channels_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    if (self->config.max_attempts < 1)
        self->config.max_attempts = 1;
    if (self->config.parallel < 1)
        self->config.parallel = 1;
    self->inbox = inbox;
    self->inflight = zhashx_new ();
    if (self->inflight)
        zhashx_set_destructor (self->inflight, s_job_free);
    worker_config_t *wc = &self->worker_config;
    wc->smtp_url = strdup (config->smtp_url);
    wc->smtp_from = strdup (config->smtp_from);
    wc->timeout_ms = (long) config->timeout_ms;
    if (config->webhook_secret_file && *config->webhook_secret_file) {
        wc->secret = s_read_secret (config->webhook_secret_file, &wc->secret_len);
        if (!wc->secret)
            ll_warn ("channels.secret", "cannot read a webhook secret from %s; webhook sends "
                     "will be dead-lettered until it is readable and the notifier restarted",
                     config->webhook_secret_file);
    }
    if (!self->inflight || !wc->smtp_url || !wc->smtp_from) {
        notifier_channels_destroy (&self);
        return NULL;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    self->worker = zactor_new (s_worker, wc);
    if (!self->worker) {
        ll_error ("channels.start", "cannot start the channel worker");
        notifier_channels_destroy (&self);
        return NULL;
    }
    s_metrics (&self->email, "email");
    s_metrics (&self->webhook, "webhook");
    self->m_waiting = ll_metric_gauge ("leadline_notifier_channel_waiting", NULL,
                                       "Email and webhook sends waiting (due or deferred)");
    self->m_dead_now = ll_metric_gauge ("leadline_notifier_dead_letters", NULL,
                                        "Sends in the dead-letter list");
    self->m_digests = ll_metric_counter ("leadline_notifier_digests_total", NULL,
                                         "Daily digests made");
    return self;
}

void
notifier_channels_destroy (notifier_channels_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notifier_channels_t *self = *self_p;
    if (self->loop) {
        if (self->worker)
            zloop_reader_end (self->loop, (zsock_t *) self->worker);
        zloop_timer_end (self->loop, self->timer);
    }
    zactor_destroy (&self->worker);
    zhashx_destroy (&self->inflight);
    free (self->worker_config.smtp_url);
    free (self->worker_config.smtp_from);
    free (self->worker_config.secret);
    free (self);
    *self_p = NULL;
}

int
notifier_channels_prepare (PGconn *conn, void *arg)
{
    static const char *const stmts [][2] = {
        { "ch_due",
          "SELECT id, channel, address, subject, body, payload, attempts FROM notifier.channel_send"
          " WHERE state = 'pending' AND due_us <= $1::bigint ORDER BY due_us, id LIMIT $2::int" },
        //  $1 id, $2 ok, $3 retryable, $4 detail, $5 max attempts, $6 next due, $7 now
        { "ch_result",
          "WITH s AS (UPDATE notifier.channel_send SET attempts = attempts + 1,"
          "  state = CASE WHEN $2::boolean THEN 'sent'"
          "               WHEN NOT $3::boolean OR attempts + 1 >= $5::int THEN 'dead'"
          "               ELSE 'pending' END,"
          "  due_us = CASE WHEN $2::boolean THEN due_us ELSE $6::bigint END,"
          "  last_error = CASE WHEN $2::boolean THEN '' ELSE $4 END,"
          "  done_us = CASE WHEN $2::boolean OR NOT $3::boolean OR attempts + 1 >= $5::int"
          "                 THEN $7::bigint END"
          "  WHERE id = $1::uuid AND state = 'pending' RETURNING attempts, state, person_id)"
          " INSERT INTO notifier.channel_attempt (send_id, attempt, at_us, ok, detail)"
          " SELECT $1::uuid, attempts, $7::bigint, $2::boolean, $4 FROM s"
          " RETURNING attempt, (SELECT state FROM s), (SELECT person_id FROM s)" },
        { "ch_digests", "SELECT notifier.make_digests ($1::bigint)" },
        //  Each count from its own partial index: sent messages pile up
        //  for ever, and `state <> 'sent'` would read every one of them.
        { "ch_waiting",
          "SELECT (SELECT count (*) FROM notifier.channel_send WHERE state = 'pending'),"
          " (SELECT count (*) FROM notifier.channel_send WHERE state = 'dead')" },
    };
    for (size_t i = 0; i < sizeof stmts / sizeof stmts [0]; i++)
        if (ll_db_prepare (conn, stmts [i][0], stmts [i][1]))
            return -1;
    return 0;
}

static channel_metrics_t *
s_channel (notifier_channels_t *self, const char *channel)
{
    return strcmp (channel, "email") == 0 ? &self->email : &self->webhook;
}

static void
s_dispatch (notifier_channels_t *self)
{
    int room = self->config.parallel - (int) zhashx_size (self->inflight);
    if (room <= 0)
        return;
    PGconn *conn = notifier_inbox_conn (self->inbox);
    if (!conn)
        return;
    char now [24], lim [16];
    snprintf (now, sizeof now, "%lld", (long long) ll_clock_now_us ());
    snprintf (lim, sizeof lim, "%d", room + (int) zhashx_size (self->inflight));
    const char *params [] = { now, lim };
    PGresult *res = ll_db_execp (conn, "ch_due", 2, params, NULL);
    if (!res) {
        notifier_inbox_check (self->inbox);
        return;
    }
    for (int r = 0; r < PQntuples (res) && room > 0; r++) {
        const char *id = PQgetvalue (res, r, 0);
        if (zhashx_lookup (self->inflight, id))
            continue;
        const char *channel = PQgetvalue (res, r, 1);
        job_t *job = calloc (1, sizeof *job);
        if (!job)
            break;
        job->channel = strcmp (channel, "email") == 0 ? "email" : "webhook";
        job->attempts = atoi (PQgetvalue (res, r, 6));
        zhashx_insert (self->inflight, id, job);
        zstr_sendx (self->worker, "SEND", id, channel, PQgetvalue (res, r, 2),
                    PQgetvalue (res, r, 3), PQgetvalue (res, r, 4), PQgetvalue (res, r, 5), NULL);
        room--;
    }
    PQclear (res);
}

static void
s_digests (notifier_channels_t *self)
{
    PGconn *conn = notifier_inbox_conn (self->inbox);
    if (!conn)
        return;
    char now [24];
    snprintf (now, sizeof now, "%lld", (long long) ll_clock_now_us ());
    const char *params [] = { now };
    PGresult *res = ll_db_execp (conn, "ch_digests", 1, params, NULL);
    if (!res) {
        notifier_inbox_check (self->inbox);
        return;
    }
    int n = atoi (PQgetvalue (res, 0, 0));
    PQclear (res);
    if (n > 0) {
        ll_metric_add (self->m_digests, n);
        ll_info ("channels.digest", "%d daily digest%s made", n, n == 1 ? "" : "s");
    }
}

static int
s_on_tick (zloop_t *loop, int timer_id, void *arg)
{
    notifier_channels_t *self = arg;
    int64_t mono = ll_mono_us ();
    if (mono >= self->digest_at_us) {
        self->digest_at_us = mono + CHANNEL_DIGEST_EVERY_US;
        s_digests (self);
    }
    s_dispatch (self);
    return 0;
}

//  Records one result. If the store is down the result is lost and the
//  send stays pending: it is attempted again (at least once, not exactly).
static void
s_record (notifier_channels_t *self, const char *send_id, bool ok, bool retryable,
          const char *detail)
{
    job_t *job = zhashx_lookup (self->inflight, send_id);
    const char *channel = job ? job->channel : "webhook";
    channel_metrics_t *m = s_channel (self, channel);
    ll_metric_add (m->attempts, 1);
    if (!ok)
        ll_metric_add (m->failures, 1);
    PGconn *conn = notifier_inbox_conn (self->inbox);
    if (conn) {
        //  The next attempt's time, used only if this one failed and
        //  attempts remain: base * 2^(done-1), plus up to a quarter, so
        //  sends that failed together spread out.
        int64_t now = ll_clock_now_us ();
        int64_t delay = notifier_backoff_ms (job ? job->attempts + 1 : 1, self->config.backoff_ms,
                                             self->config.backoff_max_ms);
        delay += delay >= 4 ? (int64_t) (random () % (delay / 4)) : 0;
        char max [16], next [24], now_s [24];
        snprintf (max, sizeof max, "%d", self->config.max_attempts);
        snprintf (next, sizeof next, "%lld", (long long) (now + delay * 1000));
        snprintf (now_s, sizeof now_s, "%lld", (long long) now);
        const char *params [7] = { send_id, ok ? "t" : "f", retryable ? "t" : "f", detail, max,
                                   next, now_s };
        PGresult *res = ll_db_execp (conn, "ch_result", 7, params, NULL);
        if (res && PQntuples (res) == 1) {
            const char *state = PQgetvalue (res, 0, 1);
            int attempt = atoi (PQgetvalue (res, 0, 0));
            if (strcmp (state, "sent") == 0) {
                ll_metric_add (m->sent, 1);
                ll_debug ("channels.sent", "%s send %s delivered (attempt %d): %s",
                          channel, send_id, attempt, detail);
            }
            else
            if (strcmp (state, "dead") == 0) {
                ll_metric_add (m->dead, 1);
                ll_warn ("channels.dead", "%s send %s for %s dead-lettered after %d attempt%s: %s",
                         channel, send_id, PQgetvalue (res, 0, 2), attempt,
                         attempt == 1 ? "" : "s", detail);
            }
            else
                ll_info ("channels.retry", "%s send %s failed (attempt %d), retrying in %lld ms: %s",
                         channel, send_id, attempt, (long long) delay, detail);
        }
        else
        if (!res)
            notifier_inbox_check (self->inbox);
        PQclear (res);
    }
    zhashx_delete (self->inflight, send_id);
}

static int
s_on_worker (zloop_t *loop, zsock_t *reader, void *arg)
{
    notifier_channels_t *self = arg;
    for (int i = 0; i < 1000; i++) {
        zmsg_t *msg = zmsg_recv_nowait (self->worker);
        if (!msg)
            break;
        char *command = zmsg_popstr (msg);
        char *send_id = zmsg_popstr (msg);
        char *ok = zmsg_popstr (msg);
        char *retry = zmsg_popstr (msg);
        char *detail = zmsg_popstr (msg);
        if (command && strcmp (command, "DONE") == 0 && send_id && ok && retry && detail)
            s_record (self, send_id, *ok == '1', *retry == '1', detail);
        free (command);
        free (send_id);
        free (ok);
        free (retry);
        free (detail);
        zmsg_destroy (&msg);
    }
    s_dispatch (self);
    return 0;
}

int
notifier_channels_attach (notifier_channels_t *self, zloop_t *loop)
{
    self->loop = loop;
    if (zloop_reader (loop, (zsock_t *) self->worker, s_on_worker, self))
        return -1;
    zloop_reader_set_tolerant (loop, (zsock_t *) self->worker);
    self->timer = zloop_timer (loop, CHANNEL_TICK_MS, 0, s_on_tick, self);
    return self->timer < 0 ? -1 : 0;
}

long
notifier_channels_waiting (notifier_channels_t *self)
{
    PGconn *conn = notifier_inbox_conn (self->inbox);
    if (!conn)
        return -1;
    PGresult *res = ll_db_execp (conn, "ch_waiting", 0, NULL, NULL);
    if (!res) {
        notifier_inbox_check (self->inbox);
        return -1;
    }
    long waiting = atol (PQgetvalue (res, 0, 0));
    ll_metric_set (self->m_waiting, waiting);
    ll_metric_set (self->m_dead_now, atol (PQgetvalue (res, 0, 1)));
    PQclear (res);
    return waiting;
}

int
notifier_channels_http_dead (void *arg, const char *url, const char *query,
                             int *status, const char **content_type,
                             char **body, size_t *body_len)
{
    const char *conninfo = arg;
    *content_type = "text/plain; charset=utf-8";
    char person [NOTIFIER_PERSON_MAX] = "";
    if (query)
        ll_http_query_get (query, "person", person, sizeof person);
    PGconn *conn = ll_db_connect (conninfo, 0);
    if (!conn) {
        *status = 503;
        *body = strdup ("the store is not reachable\n");
        *body_len = *body ? strlen (*body) : 0;
        return 0;
    }
    const char *params [] = { person };
    PGresult *res = NULL;
    if (ll_db_prepare (conn, "dead_letters",
            "SELECT id, person_id, channel, address, attempts, done_us, last_error, subject"
            " FROM notifier.channel_send WHERE state = 'dead' AND ($1 = '' OR person_id = $1)"
            " ORDER BY done_us DESC, id LIMIT 500") == 0)
        res = ll_db_execp (conn, "dead_letters", 1, params, NULL);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!res || !out) {
        *status = 500;
        if (out)
            fprintf (out, "cannot read the dead-letter list\n");
    }
    else {
        *status = 200;
        fprintf (out, "# dead letters: %d (newest first)\n"
                      "# id\tperson\tchannel\taddress\tattempts\tdead_at_us\tlast_error\tsubject\n",
                 PQntuples (res));
        for (int r = 0; r < PQntuples (res); r++)
            for (int c = 0; c < 8; c++)
                fprintf (out, "%s%c", PQgetvalue (res, r, c), c == 7 ? '\n' : '\t');
    }
    if (out)
        fclose (out);
    PQclear (res);
    PQfinish (conn);
    *body = text;
    *body_len = text ? size : 0;
    return 0;
}
