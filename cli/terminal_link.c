/*  terminal_link — see terminal_link.h. One loop: fill the window, resend
    what is due, retire what ran out of time, wait on the socket until the
    nearest deadline, match every reply that came. */
#include "terminal_link.h"
#include "ll_auth.h"
#include "ll_clock.h"
#include "ll_log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _terminal_link_t {
    zsock_t *dealer;
    char *endpoint;
    int timeout_ms;
    int window;
    terminal_job_t **flight;     // jobs sent and not done, `window` slots
    int n_flight;
};

#define MIN_RETRY_MS 100
#define MAX_RETRY_MS 5000
#define MIN_RESEND_MS 1000

terminal_job_t *
terminal_job_new (char *key, uint8_t *data, size_t size, char *spool_name)
{
    terminal_job_t *self = calloc (1, sizeof (terminal_job_t));
    if (!self) {
        free (key);
        free (data);
        free (spool_name);
        return NULL;
    }
    self->key = key;
    self->data = data;
    self->size = size;
    self->spool_name = spool_name;
    return self;
}

void
terminal_job_destroy (terminal_job_t **self_p)
{
    if (self_p && *self_p) {
        terminal_job_t *self = *self_p;
        free (self->key);
        free (self->data);
        free (self->spool_name);
        free (self);
        *self_p = NULL;
    }
}

terminal_link_t *
terminal_link_new (const char *endpoint, int timeout_ms, int window, char *err, size_t errlen)
{
    if (window < 1)
        window = 1;
    if (timeout_ms < 1)
        timeout_ms = 1;
    terminal_link_t *self = calloc (1, sizeof (terminal_link_t));
    if (!self || !(self->endpoint = strdup (endpoint))
    ||  !(self->flight = calloc ((size_t) window, sizeof (terminal_job_t *)))) {
        snprintf (err, errlen, "out of memory");
        terminal_link_destroy (&self);
        return NULL;
    }
    self->timeout_ms = timeout_ms;
    self->window = window;
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer) {
        snprintf (err, errlen, "cannot create a ZeroMQ socket: %s", zmq_strerror (zmq_errno ()));
        terminal_link_destroy (&self);
        return NULL;
    }
    //  The high-water mark must hold a whole window plus its resends
    ll_socket_caps (self->dealer, window * 4 + 16);
    zsock_set_linger (self->dealer, 0);         // unsent requests wait in the spool
    zsock_set_reconnect_ivl (self->dealer, 100);
    zsock_set_reconnect_ivl_max (self->dealer, 1000);
    //  CURVE keys from LEADLINE_AUTH_*, when intake requires them.
    if (ll_auth_client (self->dealer, err, errlen)) {
        terminal_link_destroy (&self);
        return NULL;
    }
    if (zsock_connect (self->dealer, "%s", endpoint)) {
        snprintf (err, errlen, "cannot use intake endpoint '%s': %s; write it as "
                  "tcp://HOST:PORT, e.g. tcp://127.0.0.1:7100", endpoint,
                  zmq_strerror (zmq_errno ()));
        terminal_link_destroy (&self);
        return NULL;
    }
    return self;
}

void
terminal_link_destroy (terminal_link_t **self_p)
{
    if (self_p && *self_p) {
        terminal_link_t *self = *self_p;
        for (int i = 0; i < self->n_flight; i++)
            terminal_job_destroy (&self->flight [i]);
        free (self->flight);
        zsock_destroy (&self->dealer);
        free (self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

const char *
terminal_link_endpoint (terminal_link_t *self)
{
    return self->endpoint;
}

Leadline__V1__Status
terminal_reply_status (const ll_envelope_t *reply, uint32_t *retry_after_ms, const char **message)
{
    uint32_t retry = 0;
    const char *text = "";
    Leadline__V1__Status status = LEADLINE__V1__STATUS__STATUS_UNSPECIFIED;
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY && reply->submit_reply) {
        status = reply->submit_reply->status;
        retry = reply->submit_reply->retry_after_ms;
        text = reply->submit_reply->message;
    }
    else
    if (reply->body_case == LEADLINE__V1__ENVELOPE__BODY_ERROR && reply->error) {
        status = reply->error->status;
        retry = reply->error->retry_after_ms;
        text = reply->error->message;
    }
    if (retry_after_ms)
        *retry_after_ms = retry;
    if (message)
        *message = text ? text : "";
    return status;
}

static int
s_send (terminal_link_t *self, terminal_job_t *job, int64_t now_ms)
{
    zframe_t *frame = zframe_new (job->data, job->size);
    if (!frame || zframe_send (&frame, self->dealer, ZFRAME_DONTWAIT)) {
        zframe_destroy (&frame);
        return -1;
    }
    job->attempts++;
    int resend = self->timeout_ms / 3;
    job->resend_at_ms = now_ms + (resend < MIN_RESEND_MS ? MIN_RESEND_MS : resend);
    return 0;
}

static void
s_retire (terminal_link_t *self, int index)
{
    self->flight [index] = self->flight [--self->n_flight];
    self->flight [self->n_flight] = NULL;
}

//  Finds the job a reply answers: by idempotency key, else (a reply to a
//  frame intake could not read carries neither key nor id) the only job.
static int
s_match (terminal_link_t *self, const ll_envelope_t *reply)
{
    const char *key = reply->idempotency_key;
    if (key && *key) {
        for (int i = 0; i < self->n_flight; i++)
            if (strcmp (self->flight [i]->key, key) == 0)
                return i;
        return -1;
    }
    return self->n_flight == 1 ? 0 : -1;
}

//  Reads every reply waiting on the socket.
static void
s_receive (terminal_link_t *self, terminal_done_fn *done, void *arg)
{
    while (zsock_events (self->dealer) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (self->dealer);
        if (!msg)
            return;
        zframe_t *frame = zmsg_last (msg);      // skip an empty delimiter, if any
        char what [256];
        ll_decode_rc_t rc;
        ll_envelope_t *reply = frame ? ll_envelope_decode (zframe_data (frame),
                                       zframe_size (frame), &rc, what, sizeof what) : NULL;
        zmsg_destroy (&msg);
        if (!reply) {
            ll_warn ("terminal.bad_reply", "intake sent a frame the terminal cannot read: %s",
                     frame ? what : "empty message");
            continue;
        }
        int index = s_match (self, reply);
        if (index < 0) {
            //  A late answer to a job already done (a resend's twin)
            ll_debug ("terminal.late_reply", "reply for key %s matches no request in flight",
                      reply->idempotency_key);
            ll_envelope_free (&reply);
            continue;
        }
        terminal_job_t *job = self->flight [index];
        uint32_t retry_ms;
        const char *message;
        Leadline__V1__Status status = terminal_reply_status (reply, &retry_ms, &message);
        if (status == LEADLINE__V1__STATUS__STATUS_UNAVAILABLE
        ||  status == LEADLINE__V1__STATUS__STATUS_SLOW_DOWN) {
            if (retry_ms < MIN_RETRY_MS)
                retry_ms = MIN_RETRY_MS;
            if (retry_ms > MAX_RETRY_MS)
                retry_ms = MAX_RETRY_MS;
            job->resend_at_ms = ll_mono_us () / 1000 + retry_ms;
            snprintf (job->why, sizeof job->why, "%s%s%s",
                      status == LEADLINE__V1__STATUS__STATUS_SLOW_DOWN
                          ? "intake asks this terminal to slow down" : "intake is unavailable",
                      *message ? ": " : "", message);
        }
        else {
            s_retire (self, index);
            done (arg, job, TERMINAL_REPLIED, reply, NULL);
            terminal_job_destroy (&job);
        }
        ll_envelope_free (&reply);
    }
}

int
terminal_link_run (terminal_link_t *self, terminal_next_fn *next,
                   terminal_done_fn *done, void *arg)
{
    bool down = false;          // a job ran out of time: intake is not answering
    bool source_done = false;
    int unreached = 0;
    char down_why [300] = "";
    while (true) {
        int64_t now = ll_mono_us () / 1000;
        if (zsys_interrupted) {
            //  Ctrl-C: what was sent stays in the spool; what was not, the
            //  caller still has (see terminal_link.h)
            while (self->n_flight > 0) {
                terminal_job_t *job = self->flight [0];
                s_retire (self, 0);
                done (arg, job, TERMINAL_UNREACHED, NULL, "interrupted");
                terminal_job_destroy (&job);
                unreached++;
            }
            break;
        }
        //  Fill the window
        while (!down && !source_done && self->n_flight < self->window) {
            terminal_job_t *job = next (arg);
            if (!job) {
                source_done = true;
                break;
            }
            job->deadline_ms = now + self->timeout_ms;
            snprintf (job->why, sizeof job->why, "no answer from intake at %s within %d ms",
                      self->endpoint, self->timeout_ms);
            if (s_send (self, job, now)) {
                snprintf (job->why, sizeof job->why, "cannot send to intake at %s: %s",
                          self->endpoint, zmq_strerror (zmq_errno ()));
                done (arg, job, TERMINAL_UNREACHED, NULL, job->why);
                terminal_job_destroy (&job);
                unreached++;
                down = true;
                snprintf (down_why, sizeof down_why, "%s", job->why);
                continue;
            }
            self->flight [self->n_flight++] = job;
        }
        //  Intake is down: what was not sent stays in the spool
        if (down && !source_done) {
            terminal_job_t *job;
            while ((job = next (arg))) {
                done (arg, job, TERMINAL_UNREACHED, NULL, down_why);
                terminal_job_destroy (&job);
                unreached++;
            }
            source_done = true;
        }
        if (self->n_flight == 0) {
            if (source_done)
                break;
            continue;
        }
        //  Retire what ran out of time; resend what is due
        for (int i = 0; i < self->n_flight; ) {
            terminal_job_t *job = self->flight [i];
            if (now >= job->deadline_ms) {
                s_retire (self, i);
                if (!down)
                    snprintf (down_why, sizeof down_why, "%s", job->why);
                down = true;
                done (arg, job, TERMINAL_UNREACHED, NULL, job->why);
                terminal_job_destroy (&job);
                unreached++;
                continue;
            }
            if (now >= job->resend_at_ms && s_send (self, job, now) == 0)
                ll_debug ("terminal.resend", "resending card %s (attempt %d)",
                          job->key, job->attempts);
            i++;
        }
        if (self->n_flight == 0)
            continue;
        //  Wait for replies until the nearest deadline or resend
        int64_t wake = INT64_MAX;
        for (int i = 0; i < self->n_flight; i++) {
            terminal_job_t *job = self->flight [i];
            if (job->deadline_ms < wake)
                wake = job->deadline_ms;
            if (job->resend_at_ms < wake)
                wake = job->resend_at_ms;
        }
        long wait_ms = wake > now ? (long) (wake - now) : 0;
        zmq_pollitem_t item = { zsock_resolve (self->dealer), 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll (&item, 1, wait_ms);
        if (rc > 0)
            s_receive (self, done, arg);
    }
    return unreached;
}
