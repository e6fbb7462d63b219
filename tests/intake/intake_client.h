/*  intake_client — what the intake tests share: a DEALER that talks to a
    real leadline-intake, lead cards built on the caller's memory, and
    process helpers (start, wait ready, kill) for the intake binary. */
#ifndef INTAKE_CLIENT_H
#define INTAKE_CLIENT_H
#include <czmq.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ll_envelope.h"

//  ---- checks: print what failed and where, count, go on

extern int tc_failures;
#define CHECK(cond, ...) do { if (!(cond)) { tc_failures++; \
    fprintf (stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf (stderr, __VA_ARGS__); fputc ('\n', stderr); } } while (0)

//  How long a test waits for one reply before calling it lost: generous,
//  as the machine may be busy; it only bounds how long a broken build hangs.
#define TC_WAIT_MS 30000

//  ---- a lead card with its storage

typedef struct {
    Leadline__V1__LeadCard card;
    Leadline__V1__Business business;
    Leadline__V1__Contact contact;
    Leadline__V1__Product products [8];
    char employee [40], station [40];
    char biz_name [128], address [128], zip [16];
    char contact_name [64], phone [32], email [64];
    char notes [256];
} tc_card_t;

//  A valid card for `employee` at `station`; `seed` makes business, phone
//  and address unique (no duplicates between seeds).
void tc_card_init (tc_card_t *c, const char *employee, const char *station, long seed);

//  ---- the client

typedef struct {
    zsock_t *dealer;
    char endpoint [256];
} tc_client_t;

tc_client_t *tc_client_new (const char *endpoint);
void tc_client_destroy (tc_client_t **self_p);

//  Sends `env` (message_id and version filled in if unset) and waits up to
//  `timeout_ms` for the reply with the same message_id (other replies are
//  dropped). Returns the reply (caller frees with ll_envelope_free), or
//  NULL on timeout. If `raw` is not NULL, the packed reply body is copied
//  there (malloc'd) for byte-for-byte comparisons.
ll_envelope_t *tc_call (tc_client_t *self, ll_envelope_t *env, int timeout_ms,
                        uint8_t **raw, size_t *raw_size);

//  Waits for the next reply, whatever it answers; NULL on timeout.
ll_envelope_t *tc_recv (tc_client_t *self, int timeout_ms);

//  Sends raw bytes as a frame; waits for any reply.
ll_envelope_t *tc_call_raw (tc_client_t *self, const void *data, size_t size, int timeout_ms);

//  Submits a card under `key`; returns the reply (or NULL on timeout).
ll_envelope_t *tc_submit (tc_client_t *self, tc_card_t *card, const char *key, int timeout_ms);

//  Submits until the reply is not UNAVAILABLE and not a timeout, with the
//  same key every time (what a terminal does). Gives up after `max_ms`.
ll_envelope_t *tc_submit_retry (tc_client_t *self, tc_card_t *card, const char *key,
                                int max_ms);

//  Updates, with `key` as idempotency key.
ll_envelope_t *tc_contact (tc_client_t *self, const char *key, const char *lead_id,
                           const char *rep_id, int kind);
ll_envelope_t *tc_outcome (tc_client_t *self, const char *key, const char *lead_id,
                           const char *rep_id, int outcome, int64_t revenue,
                           const char *lost_reason);
ll_envelope_t *tc_reassign (tc_client_t *self, const char *key, const char *lead_id,
                            const char *new_rep, const char *manager, const char *reason);

//  ---- the environment: a private cluster (tests/lib/with-pg), a work dir

typedef struct {
    char dir [256];             // work dir (ipc sockets, logs)
    char endpoint [300];        // ipc://.../intake
    char intake_bin [512];
    char leadline_bin [512];
    char fixture [512];         // org.csv of the tests
    pid_t pid;                  // running intake, or 0
    int starts;
} tc_env_t;

//  Reads INTAKE_BIN, LEADLINE_BIN, INTAKE_FIXTURE; makes the work dir;
//  migrates and loads the fixture. Exits the test on failure.
void tc_env_init (tc_env_t *env, const char *name);
//  Starts intake and waits until it is ready. Exits the test on failure.
void tc_env_start (tc_env_t *env);
//  `leadline admin keys generate --kind KIND --subject SUBJECT` into the
//  work dir as NAME_secret / NAME_public; the public key (Z85) goes to
//  `pub`. Exits the test on failure.
void tc_key_generate (tc_env_t *env, const char *name, const char *kind, const char *subject,
                      char pub [41]);
//  A client of env's intake speaking CURVE with key NAME (made by
//  tc_key_generate) to the server key `server_pub`; NAME NULL: no CURVE.
tc_client_t *tc_client_keyed (tc_env_t *env, const char *name, const char *server_pub);
//  Starts another intake on the same store with its own endpoints, named
//  by `tag` (its command endpoint is written to `endpoint`); waits until it
//  is ready and returns its pid. Exits the test on failure.
pid_t tc_env_start_other (tc_env_t *env, const char *tag, char *endpoint, size_t cap);
//  SIGTERM (clean; checks exit 0) or SIGKILL.
void tc_env_stop (tc_env_t *env, bool kill9);
void tc_env_done (tc_env_t *env);

//  Runs a command line through /bin/sh; returns its exit status.
int tc_sh (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  A connection to the test database; one integer from a query.
PGconn *tc_db (void);
long tc_db_long (PGconn *conn, const char *sql, const char *param);

//  Status of a reply (SubmitReply / UpdateReply / Error), or -1.
int tc_status (const ll_envelope_t *reply);
//  The field error with this field, or NULL.
const Leadline__V1__FieldError *tc_field_error (const ll_envelope_t *reply, const char *field);

#endif
