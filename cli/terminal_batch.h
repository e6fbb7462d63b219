/*  terminal_batch — one round of sending: the spool's backlog first (oldest
    first, original keys), then new cards, each checked, keyed, written to
    the spool and only then sent. Prints what happened to each card for the
    clerk and keeps the counts for a summary. Every mode of the terminal
    (one card, a file, interactive, flush) is one or more batches. */
#ifndef TERMINAL_BATCH_H
#define TERMINAL_BATCH_H
#include <czmq.h>
#include <stdbool.h>
#include <stdio.h>
#include "terminal_card.h"
#include "terminal_link.h"
#include "terminal_spool.h"

typedef enum {
    TERMINAL_RESULT_NONE = 0,    // not sent (interrupted, or the spool failed)
    TERMINAL_RESULT_ENTERED,     // OK, a new lead
    TERMINAL_RESULT_DUPLICATE,   // OK, recorded as a duplicate
    TERMINAL_RESULT_REJECTED,    // field errors (intake's or the terminal's)
    TERMINAL_RESULT_HELD,        // refused for good; moved to the spool's held/
    TERMINAL_RESULT_SPOOLED,     // no final answer; waits in the spool
} terminal_result_kind_t;

typedef struct {
    terminal_result_kind_t kind;
    unsigned bad_fields;         // REJECTED: the fields to fix (1u << field)
} terminal_result_t;

typedef struct {
    int entered, duplicates, rejected, held, spooled, not_sent;
    int backlog;                 // of the above, cards from the spool's backlog
} terminal_counts_t;

typedef enum {
    TERMINAL_PRINT_ALL = 0,      // every card's result (one card, flush)
    TERMINAL_PRINT_PROBLEMS,     // only what needs a look (files)
} terminal_print_t;

typedef struct _terminal_batch_t terminal_batch_t;

//  `out` gets the results; `sender` is the terminal's station (may be NULL:
//  each card's own station). Borrowed arguments must outlive the batch.
terminal_batch_t *terminal_batch_new (terminal_spool_t *spool, terminal_link_t *link,
                                      const char *sender, FILE *out);
void terminal_batch_destroy (terminal_batch_t **self_p);

void terminal_batch_set_print (terminal_batch_t *self, terminal_print_t print);
//  Print every backlog card's result, however many (else only up to 20).
//  Call before terminal_batch_add_backlog.
void terminal_batch_set_verbose (terminal_batch_t *self, bool verbose);
//  Shows progress on stderr once there are at least this many cards.
void terminal_batch_set_progress (terminal_batch_t *self, int threshold);
//  Derive keys from card contents (files), see terminal_card_ensure_key.
void terminal_batch_set_derive_keys (terminal_batch_t *self, bool derive);

//  Sends the spool's waiting cards first. `wait` decides what to do when
//  another terminal is flushing the same spool: wait for it, or skip the
//  backlog. Returns 0, or -1 with a message on stderr.
int terminal_batch_add_backlog (terminal_batch_t *self, bool wait);
//  Adds new cards (borrowed; the batch may set their keys).
int terminal_batch_add_card (terminal_batch_t *self, terminal_card_t *card);

//  Sends everything. Returns the number of cards left in the spool.
int terminal_batch_run (terminal_batch_t *self);

//  The result of the i-th card added with terminal_batch_add_card.
terminal_result_t terminal_batch_result (terminal_batch_t *self, size_t index);
const terminal_counts_t *terminal_batch_counts (terminal_batch_t *self);
//  Why the last undelivered card was not delivered ("no answer from intake
//  at ... within 3000 ms", "intake is unavailable: ..."), or "".
const char *terminal_batch_why (terminal_batch_t *self);
//  Lines of rejected cards, in file order, as "4, 9, 12" (caller frees).
char *terminal_batch_rejected_lines (terminal_batch_t *self);

//  Prints field errors one per line, "  zip: message (hint: ...)".
void terminal_print_problems (FILE *out, const char *prefix, const terminal_problems_t *problems);

#endif
