/*  intake — what the server, the submit path and the update path share:
    one command in flight (an item) and the context they run in.

    The server reads a batch of items off the ROUTER, hands the submissions
    to intake_submit_batch() and the updates, one by one, to
    intake_update_one(); each leaves a decision in the item (status, reply
    body, or field errors); the server then sends every reply. An item's
    memory belongs to the batch and is freed with it. */
#ifndef INTAKE_H
#define INTAKE_H
#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>
#include "intake_store.h"
#include "intake_validate.h"
#include "ll_auth.h"
#include "ll_envelope.h"

typedef struct {
    intake_store_t *store;
    int max_age_days;          // cards older than this are refused
    uint32_t retry_ms;         // retry_after_ms when the store is down
    ll_auth_t *auth;           // CURVE keys and principals (ll_auth.h); may be off
} intake_ctx_t;

typedef enum { INTAKE_SUBMIT, INTAKE_UPDATE } intake_kind_t;

typedef struct {
    //  routing and request, owned
    zframe_t *identity;
    zframe_t *delimiter;       // REQ clients' empty frame, else NULL
    ll_envelope_t *req;
    intake_kind_t kind;
    char hash [41];            // SHA-1 of body type + packed body
    int64_t started_us;        // monotonic, for the latency metric
    char via_key [41];         // sender's CURVE public key (Z85); "" with CURVE off

    //  the decision
    int status;                // Leadline__V1__Status; 0 = not decided yet
    intake_ferrs_t errs;
    char message [480];
    uint8_t *reply;            // packed SubmitReply / UpdateReply body
    size_t reply_size;
    bool replayed;             // reply came from the idempotency table
    int same_as;               // earlier item in the batch with this key, or -1

    //  what the submit path remembers between its steps
    int status0;               // decision before the store was asked
    size_t nerrs0;
    bool ids_ok;               // employee and station ids well formed
    intake_dup_keys_t keys;
    char lead_id [37];
    char office_id [40];
    char district_id [40];
    const char *rep_id;        // borrowed from the assigner, valid in the attempt
    char rep_id_buf [40];
    char rep_name [208];
    char duplicate_of [40];
    char original_employee [40];
    const char *matched_on;
    bool fallback;
    char reason [300];
    char products [64];        // array literal of the card's products
} intake_item_t;

//  Decides every submission of the batch (items are all INTAKE_SUBMIT).
void intake_submit_batch (intake_ctx_t *ctx, intake_item_t **items, size_t n);

//  Decides one update (RecordContact, RecordOutcome, Reassign).
void intake_update_one (intake_ctx_t *ctx, intake_item_t *item);
//  The checks of an update that need no store: field errors into item->errs
//  (also what the fuzz target tests/fuzz/fuzz_intake_command.c drives).
void intake_update_check (intake_item_t *item, int64_t now_us);

//  Decision helpers.
void intake_item_decide (intake_item_t *item, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
void intake_item_unavailable (intake_ctx_t *ctx, intake_item_t *item, const char *why);
//  Sets the reply body (takes a copy).
void intake_item_set_reply (intake_item_t *item, const uint8_t *data, size_t size);

#endif
