/*  notifier_channels — the channels for people who are not at a terminal:
    email over SMTP and webhooks (HTTP POST of JSON, HMAC-SHA256 signed).

    Sends are planned in the store with the notification they carry (see
    deploy/migrations/notifier/001_notifier.sql: urgent ones at once, others
    after the person's quiet hours or into the daily digest). This part
    takes the sends that are due, hands them to one worker thread that owns
    libcurl (curl multi: many transfers at once, none blocking the loop),
    and records each attempt: sent, retry later with exponential backoff,
    or dead (out of attempts, or a failure that retrying cannot fix). The
    dead ones are the dead-letter list (`leadline rep dead-letters`, or
    /dead-letters on the ops port).

    The loop and the worker talk only through the actor's pipe; the loop
    owns the store connection, the worker owns curl. */
#ifndef NOTIFIER_CHANNELS_H
#define NOTIFIER_CHANNELS_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "notifier_inbox.h"

typedef struct {
    const char *smtp_url;           // smtp://host:port
    const char *smtp_from;
    const char *webhook_secret_file;// NULL: webhooks fail (never sent unsigned)
    int max_attempts;
    int64_t backoff_ms;             // first retry after this, doubling
    int64_t backoff_max_ms;
    int64_t timeout_ms;             // one attempt, at most
    int parallel;                   // transfers at once
} notifier_channels_config_t;

typedef struct notifier_channels notifier_channels_t;

//  Starts the worker. NULL after logging.
notifier_channels_t *notifier_channels_new (const notifier_channels_config_t *config,
                                            notifier_inbox_t *inbox);
void notifier_channels_destroy (notifier_channels_t **self_p);
int notifier_channels_attach (notifier_channels_t *self, zloop_t *loop);

//  Prepares this part's statements on the loop's connection.
int notifier_channels_prepare (PGconn *conn, void *arg);

//  Sends waiting (due or not) and dead ones; -1 if unknown.
long notifier_channels_waiting (notifier_channels_t *self);

//  /dead-letters on the ops port (an ll_http handler; runs on the HTTP
//  thread with a connection of its own). `arg` is the conninfo string.
int notifier_channels_http_dead (void *arg, const char *url, const char *query,
                                 int *status, const char **content_type,
                                 char **body, size_t *body_len);

//  ---- pure helpers, exposed for tests

//  Delay before attempt `attempt` + 1 after `attempt` failures (1-based):
//  base * 2^(attempt-1), capped at max; no jitter.
int64_t notifier_backoff_ms (int attempt, int64_t base_ms, int64_t max_ms);

//  HMAC-SHA256 of "<timestamp>.<body>" as lower-case hex (65 bytes).
void notifier_webhook_signature (const char *secret, size_t secret_len, long long timestamp,
                                 const char *body, size_t body_len, char out [65]);

//  Whether an HTTP status is worth retrying (5xx, 408, 425, 429) or final.
bool notifier_http_retryable (long status);

//  Formats an RFC 5322 message (CRLF line ends; a non-ASCII subject is
//  encoded as RFC 2047 base64). Returns a malloc'd string or NULL.
char *notifier_email_message (const char *from, const char *to, const char *subject,
                              const char *body, const char *message_id, int64_t date_us);

#endif
