/*  terminal_link — the terminal's connection to intake: one DEALER socket,
    several requests in flight, replies matched to requests by idempotency
    key (intake echoes it, and message_id, in every reply; replies may come
    out of order, docs/intake.md).

    The caller feeds jobs (one packed SubmitLead envelope each) through a
    `next` callback and hears about each through a `done` callback: either a
    reply with a final status, or "unreached" when no final reply came in
    time (the card stays in the spool). UNAVAILABLE replies are retried with
    the same bytes after retry_after_ms until the job's time is up. A job
    with no reply is resent every third of the timeout (intake may have been
    restarted and lost it); duplicates of a request are harmless, intake
    answers a known key with its first answer. Once one job runs out of
    time intake is taken to be down: the rest are reported unreached
    without being sent, so a file of 10,000 cards is spooled at disk speed
    rather than waiting 3 seconds each. */
#ifndef TERMINAL_LINK_H
#define TERMINAL_LINK_H
#include <stddef.h>
#include <stdint.h>
#include "ll_envelope.h"

typedef struct {
    char *key;                   // idempotency key
    uint8_t *data;               // packed envelope
    size_t size;
    char *spool_name;            // the card's spool file, or NULL
    void *card;                  // the caller's (terminal_card_t *), or NULL
    int index;                   // the caller's (e.g. the file line)
    //  Kept by the link
    int64_t deadline_ms;
    int64_t resend_at_ms;
    int attempts;
    char why [256];              // last reason it is not done
} terminal_job_t;

//  Takes ownership of key, data and spool_name; card stays the caller's.
terminal_job_t *terminal_job_new (char *key, uint8_t *data, size_t size, char *spool_name);
void terminal_job_destroy (terminal_job_t **self_p);

typedef enum {
    TERMINAL_REPLIED = 0,        // a reply with a final status (OK, INVALID, ...)
    TERMINAL_UNREACHED,          // no final reply in time; the card waits in the spool
} terminal_outcome_t;

//  Returns the next job (the link takes it), or NULL when there are no more.
typedef terminal_job_t *(terminal_next_fn) (void *arg);
//  Called once per job; `reply` is set for TERMINAL_REPLIED and is
//  borrowed; `why` says why a job was unreached.
typedef void (terminal_done_fn) (void *arg, terminal_job_t *job, terminal_outcome_t outcome,
                                 const ll_envelope_t *reply, const char *why);

typedef struct _terminal_link_t terminal_link_t;

//  Connects (asynchronously: intake may be down). Returns NULL with a
//  message in err if the endpoint is not usable.
terminal_link_t *terminal_link_new (const char *endpoint, int timeout_ms, int window,
                                    char *err, size_t errlen);
void terminal_link_destroy (terminal_link_t **self_p);
const char *terminal_link_endpoint (terminal_link_t *self);

//  Sends every job `next` gives, `window` at a time, until all are done.
//  Returns the number of jobs unreached (0 when intake answered them all).
//  On Ctrl-C (zsys_interrupted) it reports the jobs in flight unreached and
//  returns without asking `next` for more.
int terminal_link_run (terminal_link_t *self, terminal_next_fn *next,
                       terminal_done_fn *done, void *arg);

//  The status of a reply (SubmitReply or Error), its retry hint and message.
Leadline__V1__Status terminal_reply_status (const ll_envelope_t *reply,
                                            uint32_t *retry_after_ms, const char **message);

#endif
