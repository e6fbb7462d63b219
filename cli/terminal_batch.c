/*  terminal_batch — see terminal_batch.h. The link pulls jobs from s_next
    (backlog first, then new cards: check, key, spool, send) and reports each
    through s_done, which decides the card's fate in the spool:
      OK, INVALID                       -> removed (final answer)
      FORBIDDEN, CONFLICT, NOT_FOUND,
      BAD_REQUEST, anything unknown     -> held/ (final, but not the clerk's
                                           field to fix; kept for a person)
      no final answer in time           -> stays, sent again next time */
#include "terminal_batch.h"
#include "ll_clock.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREPARE_MAX 32           // cards spooled together, one folder sync

struct _terminal_batch_t {
    terminal_spool_t *spool;
    terminal_link_t *link;
    const char *sender;
    FILE *out;
    terminal_print_t print;
    terminal_print_t print_backlog;
    bool verbose;
    int progress_threshold;
    bool derive_keys;
    bool locked;                 // holds the spool's flush lock
    zlistx_t *backlog;           // spool names (char *)
    zlistx_t *cards;             // terminal_card_t *, borrowed
    terminal_result_t *results;  // per new card
    size_t n_results;
    void *backlog_cursor;        // next backlog name to send
    bool backlog_started;
    void *card_cursor;
    bool cards_started;
    bool cards_done;
    zlistx_t *prepared;          // jobs spooled, not yet sent
    size_t prepare_max;          // cards spooled together
    size_t card_index;
    terminal_counts_t counts;
    zlistx_t *rejected_lines;    // int lines, as (intptr_t)
    int total, answered, sent;
    int64_t progress_at;
    bool progress_shown;
    char why [300];              // why the last card was not delivered
};

terminal_batch_t *
terminal_batch_new (terminal_spool_t *spool, terminal_link_t *link,
                    const char *sender, FILE *out)
{
    terminal_batch_t *self = calloc (1, sizeof (terminal_batch_t));
    if (!self)
        return NULL;
    self->spool = spool;
    self->link = link;
    self->sender = sender;
    self->out = out;
    self->progress_threshold = 200;
    self->cards = zlistx_new ();
    self->rejected_lines = zlistx_new ();
    self->prepared = zlistx_new ();
    self->prepare_max = PREPARE_MAX;
    if (!self->cards || !self->rejected_lines || !self->prepared)
        terminal_batch_destroy (&self);
    return self;
}

void
terminal_batch_destroy (terminal_batch_t **self_p)
{
    if (self_p && *self_p) {
        terminal_batch_t *self = *self_p;
        if (self->locked)
            terminal_spool_unlock (self->spool);
        zlistx_destroy (&self->backlog);
        zlistx_destroy (&self->cards);
        zlistx_destroy (&self->rejected_lines);
        if (self->prepared) {
            terminal_job_t *job;
            while ((job = zlistx_first (self->prepared))) {
                zlistx_delete (self->prepared, zlistx_cursor (self->prepared));
                terminal_job_destroy (&job);
            }
            zlistx_destroy (&self->prepared);
        }
        free (self->results);
        free (self);
        *self_p = NULL;
    }
}

void
terminal_batch_set_print (terminal_batch_t *self, terminal_print_t print)
{
    self->print = print;
}

void
terminal_batch_set_verbose (terminal_batch_t *self, bool verbose)
{
    self->verbose = verbose;
}

void
terminal_batch_set_progress (terminal_batch_t *self, int threshold)
{
    self->progress_threshold = threshold;
}

void
terminal_batch_set_derive_keys (terminal_batch_t *self, bool derive)
{
    self->derive_keys = derive;
}

int
terminal_batch_add_backlog (terminal_batch_t *self, bool wait)
{
    int rc = terminal_spool_lock (self->spool, wait);
    if (rc == 1)
        return 0;               // another terminal is sending the backlog
    if (rc < 0) {
        fprintf (stderr, "leadline terminal: cannot lock the spool %s: %m\n",
                 terminal_spool_dir (self->spool));
        return -1;
    }
    self->locked = true;
    zlistx_destroy (&self->backlog);
    self->backlog = terminal_spool_list (self->spool);
    if (!self->backlog) {
        fprintf (stderr, "leadline terminal: cannot list the spool %s: %m\n",
                 terminal_spool_dir (self->spool));
        return -1;
    }
    self->total += (int) zlistx_size (self->backlog);
    //  A few earlier cards are worth a line each; thousands are a summary
    self->print_backlog = self->verbose || zlistx_size (self->backlog) <= 20
                        ? TERMINAL_PRINT_ALL : TERMINAL_PRINT_PROBLEMS;
    return 0;
}

int
terminal_batch_add_card (terminal_batch_t *self, terminal_card_t *card)
{
    terminal_result_t *results = realloc (self->results,
                                          (self->n_results + 1) * sizeof *results);
    if (!results)
        return -1;
    self->results = results;
    self->results [self->n_results++] = (terminal_result_t) { TERMINAL_RESULT_NONE, 0 };
    if (!zlistx_add_end (self->cards, card))
        return -1;
    self->total++;
    return 0;
}

terminal_result_t
terminal_batch_result (terminal_batch_t *self, size_t index)
{
    return index < self->n_results ? self->results [index]
                                   : (terminal_result_t) { TERMINAL_RESULT_NONE, 0 };
}

const char *
terminal_batch_why (terminal_batch_t *self)
{
    return self->why;
}

const terminal_counts_t *
terminal_batch_counts (terminal_batch_t *self)
{
    return &self->counts;
}

static int
s_compare_ints (const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

char *
terminal_batch_rejected_lines (terminal_batch_t *self)
{
    //  Replies come in any order; the clerk reads the file top down
    size_t count = zlistx_size (self->rejected_lines);
    int *lines = malloc ((count ? count : 1) * sizeof (int));
    char *text = malloc (count * 12 + 1);
    if (!lines || !text) {
        free (lines);
        free (text);
        return NULL;
    }
    size_t i = 0;
    for (void *item = zlistx_first (self->rejected_lines); item;
         item = zlistx_next (self->rejected_lines))
        lines [i++] = (int) (intptr_t) item;
    qsort (lines, count, sizeof (int), s_compare_ints);
    size_t n = 0;
    text [0] = 0;
    for (i = 0; i < count; i++)
        n += snprintf (text + n, count * 12 + 1 - n, "%s%d", i ? ", " : "", lines [i]);
    free (lines);
    return text;
}

//  --------------------------------------------------------------------------
//  Printing

//  A file row's errors are one line each, "line 12: zip: ... (hint: ...)";
//  a single card's come under a heading, indented.
static void
s_print_heading (FILE *out, const char *prefix, int count)
{
    if (strncmp (prefix, "line ", 5) != 0)
        fprintf (out, "%sCard not entered; fix %s and hand it in again:\n", prefix,
                 count == 1 ? "this field" : "these fields");
}

static void
s_print_field (FILE *out, const char *prefix, const char *name, const char *message,
               const char *hint)
{
    bool row = strncmp (prefix, "line ", 5) == 0;
    fprintf (out, "%s%s%s: %s", prefix, row ? "" : "  ", name, message);
    if (hint && *hint)
        fprintf (out, " (hint: %s)", hint);
    fprintf (out, "\n");
}

void
terminal_print_problems (FILE *out, const char *prefix, const terminal_problems_t *problems)
{
    s_print_heading (out, prefix, problems->count);
    for (int i = 0; i < problems->count; i++) {
        const terminal_problem_t *problem = &problems->items [i];
        s_print_field (out, prefix, terminal_field_name (problem->field), problem->message,
                       problem->hint);
    }
}

//  "line 12: " for cards from files, "" otherwise; for backlog cards a
//  description of the card, since the clerk did not just type it.
static void
s_prefix (terminal_job_t *job, bool backlog, char *buf, size_t len)
{
    terminal_card_t *card = job->card;
    int line = card && !backlog ? terminal_card_line (card) : 0;
    if (backlog) {
        const char *business = card ? terminal_card_get (card, TERMINAL_BUSINESS) : NULL;
        snprintf (buf, len, "spooled card %s (%.60s): ", job->key,
                  business ? business : "no business name");
    }
    else
    if (line > 0)
        snprintf (buf, len, "line %d: ", line);
    else
        buf [0] = 0;
}

static void
s_print_reply (terminal_batch_t *self, terminal_job_t *job, bool backlog,
               terminal_result_kind_t kind, const ll_envelope_t *reply)
{
    char prefix [256];
    s_prefix (job, backlog, prefix, sizeof prefix);
    const Leadline__V1__SubmitReply *sr =
        reply->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY ? reply->submit_reply : NULL;
    const char *message;
    Leadline__V1__Status status = terminal_reply_status (reply, NULL, &message);
    FILE *out = self->out;

    terminal_print_t print = backlog ? self->print_backlog : self->print;
    switch (kind) {
        case TERMINAL_RESULT_ENTERED:
            if (print != TERMINAL_PRINT_ALL)
                break;
            if (sr->rep_id && *sr->rep_id)
                fprintf (out, "%sLead %s entered, assigned to %s (%s)\n", prefix, sr->lead_id,
                         sr->rep_name && *sr->rep_name ? sr->rep_name : sr->rep_id, sr->rep_id);
            else
                fprintf (out, "%sLead %s entered; no rep assigned yet%s%s\n", prefix,
                         sr->lead_id, *message ? ": " : "", message);
            break;
        case TERMINAL_RESULT_DUPLICATE: {
            const char *credit = strstr (message, "credit") ? ""
                               : "; credit stays with the first referrer";
            if (*message)
                fprintf (out, "%sLead %s is a duplicate: %s%s\n", prefix, sr->lead_id,
                         message, credit);
            else
                fprintf (out, "%sLead %s is a duplicate: already handed in as lead %s by "
                         "another employee; credit stays with the first referrer\n",
                         prefix, sr->lead_id, sr->duplicate_of);
            break;
        }
        case TERMINAL_RESULT_REJECTED:
            s_print_heading (out, prefix, sr->n_errors ? (int) sr->n_errors : 1);
            for (size_t i = 0; i < sr->n_errors; i++) {
                const Leadline__V1__FieldError *fe = sr->errors [i];
                s_print_field (out, prefix, terminal_path_name (fe->field),
                               fe->message && *fe->message ? fe->message : fe->code, fe->hint);
            }
            if (sr->n_errors == 0)
                s_print_field (out, prefix, "card", *message ? message : "intake gave no reason",
                               NULL);
            break;
        case TERMINAL_RESULT_HELD: {
            //  STATUS_FORBIDDEN -> "forbidden"
            char name [32] = "refused";
            const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value (
                &leadline__v1__status__descriptor, (int) status);
            if (value && strncmp (value->name, "STATUS_", 7) == 0) {
                snprintf (name, sizeof name, "%s", value->name + 7);
                for (char *c = name; *c; c++)
                    *c = *c == '_' ? ' ' : (char) tolower ((unsigned char) *c);
            }
            fprintf (out, "%sCard not entered: intake refused it (%s)%s%s\n", prefix, name,
                     *message ? ": " : "", message);
            fprintf (out, "%s%skept in %s/held/%s; ask your coordinator\n", prefix,
                     strncmp (prefix, "line ", 5) == 0 ? "" : "  ",
                     terminal_spool_dir (self->spool), job->spool_name ? job->spool_name : "");
            break;
        }
        default:
            break;
    }
}

//  --------------------------------------------------------------------------
//  Progress

static void
s_progress (terminal_batch_t *self, bool final)
{
    if (self->total < self->progress_threshold)
        return;
    int64_t now = ll_mono_us () / 1000;
    if (!final && now - self->progress_at < 1000)
        return;

    self->progress_at = now;
    self->progress_shown = true;
    bool tty = isatty (STDERR_FILENO);
    fprintf (stderr, "%s%d/%d cards answered (%d entered, %d duplicates, %d rejected, "
             "%d spooled)%s", tty ? "\r" : "", self->answered, self->total,
             self->counts.entered, self->counts.duplicates, self->counts.rejected,
             self->counts.spooled, tty && !final ? "" : "\n");
    fflush (stderr);
}

//  --------------------------------------------------------------------------
//  The link's callbacks

static void
s_count (terminal_batch_t *self, terminal_job_t *job, terminal_result_kind_t kind)
{
    bool backlog = job->index < 0;
    switch (kind) {
        case TERMINAL_RESULT_ENTERED:   self->counts.entered++; break;
        case TERMINAL_RESULT_DUPLICATE: self->counts.duplicates++; break;
        case TERMINAL_RESULT_REJECTED:  self->counts.rejected++; break;
        case TERMINAL_RESULT_HELD:      self->counts.held++; break;
        case TERMINAL_RESULT_SPOOLED:   self->counts.spooled++; break;
        default:                        self->counts.not_sent++; break;
    }
    if (backlog)
        self->counts.backlog++;
    if (!backlog && (kind == TERMINAL_RESULT_REJECTED || kind == TERMINAL_RESULT_HELD)
    &&  job->card && terminal_card_line (job->card) > 0)
        zlistx_add_end (self->rejected_lines,
                        (void *) (intptr_t) terminal_card_line (job->card));
    self->answered++;
    s_progress (self, false);
}

static void
s_done (void *arg, terminal_job_t *job, terminal_outcome_t outcome,
        const ll_envelope_t *reply, const char *why)
{
    terminal_batch_t *self = arg;
    bool backlog = job->index < 0;
    terminal_result_t result = { TERMINAL_RESULT_SPOOLED, 0 };

    if (outcome == TERMINAL_REPLIED) {
        const char *message;
        Leadline__V1__Status status = terminal_reply_status (reply, NULL, &message);
        const Leadline__V1__SubmitReply *sr =
            reply->body_case == LEADLINE__V1__ENVELOPE__BODY_SUBMIT_REPLY
            ? reply->submit_reply : NULL;
        if (status == LEADLINE__V1__STATUS__STATUS_OK && sr)
            result.kind = sr->duplicate ? TERMINAL_RESULT_DUPLICATE : TERMINAL_RESULT_ENTERED;
        else
        if (status == LEADLINE__V1__STATUS__STATUS_INVALID && sr) {
            result.kind = TERMINAL_RESULT_REJECTED;
            for (size_t i = 0; i < sr->n_errors; i++)
                result.bad_fields |= terminal_fields_for_path (sr->errors [i]->field);
            if (sr->n_errors == 0)
                result.bad_fields = terminal_fields_for_path ("");
        }
        else
            result.kind = TERMINAL_RESULT_HELD;

        if (result.kind == TERMINAL_RESULT_HELD) {
            char reason [512];
            snprintf (reason, sizeof reason, "intake refused the card: %s",
                      *message ? message : "no reason given");
            if (job->spool_name && terminal_spool_hold (self->spool, job->spool_name, reason))
                fprintf (stderr, "leadline terminal: cannot move %s to %s/held: %m\n",
                         job->spool_name, terminal_spool_dir (self->spool));
        }
        else
        if (job->spool_name && terminal_spool_remove (self->spool, job->spool_name))
            fprintf (stderr, "leadline terminal: cannot remove %s from the spool %s: %m "
                     "(it will be sent again; intake answers it the same way)\n",
                     job->spool_name, terminal_spool_dir (self->spool));
        s_print_reply (self, job, backlog, result.kind, reply);
    }
    else
    //  No final answer: the card waits in the spool. The caller prints one
    //  message for all such cards rather than one line per card.
        snprintf (self->why, sizeof self->why, "%s", why ? why : "no answer from intake");
    if (backlog)
        terminal_card_destroy ((terminal_card_t **) &job->card);
    else
        self->results [job->index] = result;
    s_count (self, job, result.kind);
}

//  The next backlog card: read it from the spool and check it still decodes.
static terminal_job_t *
s_next_backlog (terminal_batch_t *self)
{
    while (true) {
        const char *name = self->backlog_started ? zlistx_next (self->backlog)
                                                 : zlistx_first (self->backlog);
        self->backlog_started = true;
        if (!name)
            return NULL;
        uint8_t *data;
        size_t size;
        char err [512];
        if (terminal_spool_read (self->spool, name, &data, &size, err, sizeof err)) {
            //  Sent and removed by another terminal since the listing
            char path [4096];
            snprintf (path, sizeof path, "%s/%s", terminal_spool_dir (self->spool), name);
            if (access (path, F_OK) != 0)
                continue;
            fprintf (stderr, "leadline terminal: %s\n", err);
            continue;
        }
        ll_decode_rc_t rc;
        ll_envelope_t *env = ll_envelope_decode (data, size, &rc, err, sizeof err);
        terminal_card_t *card = env ? terminal_card_from_envelope (env) : NULL;
        if (!card || !env->idempotency_key || !*env->idempotency_key) {
            char reason [700];
            snprintf (reason, sizeof reason, "not a card the terminal can send: %s",
                      env ? "no card or no idempotency key" : err);
            fprintf (self->out, "spooled card %s: %s; moved to %s/held\n", name, reason,
                     terminal_spool_dir (self->spool));
            terminal_spool_hold (self->spool, name, reason);
            ll_envelope_free (&env);
            terminal_card_destroy (&card);
            free (data);
            self->counts.held++;
            self->counts.backlog++;
            self->answered++;
            continue;
        }
        char *key = strdup (env->idempotency_key);
        char *spool_name = strdup (name);
        ll_envelope_free (&env);
        terminal_job_t *job = terminal_job_new (key, data, size, spool_name);
        if (!job || !key || !spool_name) {
            terminal_job_destroy (&job);
            terminal_card_destroy (&card);
            return NULL;
        }
        job->card = card;
        job->index = -1;
        return job;
    }
}

//  The next card of the file (or the flags): keyed and encoded, or NULL at
//  the end. A card the terminal itself rejects is reported here and skipped.
static terminal_card_t *
s_next_encoded (terminal_batch_t *self, uint8_t **data, size_t *size, size_t *index)
{
    while (!self->cards_done) {
        terminal_card_t *card = self->cards_started ? zlistx_next (self->cards)
                                                    : zlistx_first (self->cards);
        if (self->cards_started)
            self->card_index++;
        self->cards_started = true;
        if (!card) {
            self->cards_done = true;
            return NULL;
        }
        *index = self->card_index;
        terminal_card_ensure_key (card, self->derive_keys);
        const char *sender = self->sender && *self->sender
                           ? self->sender : terminal_card_get (card, TERMINAL_STATION);
        terminal_problems_t problems;
        if (terminal_card_encode (card, sender, ll_clock_now_us (), data, size, &problems) == 0)
            return card;
        //  Found before sending: reported like intake's field errors
        char prefix [64];
        int line = terminal_card_line (card);
        if (line > 0)
            snprintf (prefix, sizeof prefix, "line %d: ", line);
        else
            prefix [0] = 0;
        terminal_print_problems (self->out, prefix, &problems);
        terminal_result_t result = { TERMINAL_RESULT_REJECTED, 0 };
        for (int i = 0; i < problems.count; i++)
            result.bad_fields |= 1u << problems.items [i].field;
        self->results [*index] = result;
        self->counts.rejected++;
        if (line > 0)
            zlistx_add_end (self->rejected_lines, (void *) (intptr_t) line);
        self->answered++;
    }
    return NULL;
}

//  Spools the next few cards together (each durable before any is sent, one
//  folder sync for all) and queues their jobs.
static void
s_prepare_cards (terminal_batch_t *self)
{
    const char *keys [PREPARE_MAX];
    uint8_t *data [PREPARE_MAX];
    size_t sizes [PREPARE_MAX], indexes [PREPARE_MAX];
    terminal_card_t *cards [PREPARE_MAX];
    char *names [PREPARE_MAX];
    size_t count = 0;
    while (count < self->prepare_max) {
        cards [count] = s_next_encoded (self, &data [count], &sizes [count], &indexes [count]);
        if (!cards [count])
            break;
        keys [count] = terminal_card_get (cards [count], TERMINAL_KEY);
        count++;
    }
    if (count == 0)
        return;
    char err [512];
    if (terminal_spool_put_many (self->spool, count, keys, data, sizes, names,
                                 err, sizeof err)) {
        //  Not durable, so not sent: the clerk must hand these in again
        fprintf (self->out, "%zu card%s not sent: %s\n", count, count == 1 ? "" : "s", err);
        for (size_t i = 0; i < count; i++) {
            free (data [i]);
            self->counts.not_sent++;
            self->answered++;
        }
        return;
    }
    for (size_t i = 0; i < count; i++) {
        char *key = strdup (keys [i]);
        terminal_job_t *job = terminal_job_new (key, data [i], sizes [i], names [i]);
        if (!job || !key) {
            //  The card is in the spool; the next flush sends it
            terminal_job_destroy (&job);
            self->results [indexes [i]].kind = TERMINAL_RESULT_SPOOLED;
            self->counts.spooled++;
            continue;
        }
        job->card = cards [i];
        job->index = (int) indexes [i];
        zlistx_add_end (self->prepared, job);
    }
}

static terminal_job_t *
s_next_card (terminal_batch_t *self)
{
    if (zlistx_size (self->prepared) == 0)
        s_prepare_cards (self);
    terminal_job_t *job = zlistx_first (self->prepared);
    if (job) {
        zlistx_delete (self->prepared, zlistx_cursor (self->prepared));
        self->sent++;
    }
    return job;
}

static terminal_job_t *
s_next (void *arg)
{
    terminal_batch_t *self = arg;
    if (self->backlog) {
        terminal_job_t *job = s_next_backlog (self);
        if (job)
            return job;
        zlistx_destroy (&self->backlog);
    }
    return s_next_card (self);
}

int
terminal_batch_run (terminal_batch_t *self)
{
    self->progress_at = ll_mono_us () / 1000;
    terminal_link_run (self->link, s_next, s_done, self);
    //  Interrupted: cards spooled but not yet sent wait in the spool
    terminal_job_t *job;
    while ((job = zlistx_first (self->prepared))) {
        zlistx_delete (self->prepared, zlistx_cursor (self->prepared));
        self->results [job->index].kind = TERMINAL_RESULT_SPOOLED;
        self->counts.spooled++;
        terminal_job_destroy (&job);
    }
    s_progress (self, true);
    if (self->locked) {
        terminal_spool_unlock (self->spool);
        self->locked = false;
    }
    return self->counts.spooled;
}
