/*  intake_store — every SQL statement intake runs, on its one connection.
    All are prepared once per connection and take their values as
    parameters; batch statements take arrays (`= ANY($1)`, `unnest`) so a
    batch of any size costs the same few round trips.

    Several intake instances may serve at once: each batch of submissions
    takes a transaction-scoped writer lock (duplicate detection and round
    robin read, then write), so batches of all instances take turns.

    Functions return 0 on success or -1 on failure, leaving the SQLSTATE in
    `sqlstate` (6 bytes); intake_store_transient() then says whether the
    failure means "store unavailable" (reply UNAVAILABLE, reconnect) rather
    than "this data was refused". */
#ifndef INTAKE_STORE_H
#define INTAKE_STORE_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "intake_assign.h"

typedef struct intake_store intake_store_t;

intake_store_t *intake_store_new (const char *conninfo);
void intake_store_destroy (intake_store_t **self_p);

//  Connects (one try) and prepares statements.
//  0 when ready; -1 otherwise, with the reason in intake_store_why().
int intake_store_connect (intake_store_t *self);
bool intake_store_ready (intake_store_t *self);
const char *intake_store_why (intake_store_t *self);
//  Drops the connection after a failure that left it unusable.
void intake_store_lost (intake_store_t *self, const char *why);
//  True if the failure means the store is unreachable or busy; marks the
//  store lost when the connection is gone.
bool intake_store_transient (intake_store_t *self, const char *sqlstate);
PGconn *intake_store_conn (intake_store_t *self);

int intake_store_begin (intake_store_t *self);
//  BEGIN, then wait for the writer lock (held until commit or rollback):
//  submissions of every intake instance take turns, a batch at a time, as
//  duplicate detection and round robin read, then write.
int intake_store_begin_writer (intake_store_t *self, char *sqlstate);
int intake_store_commit (intake_store_t *self, char *sqlstate);
void intake_store_rollback (intake_store_t *self);
int intake_store_savepoint (intake_store_t *self);
int intake_store_release (intake_store_t *self);
int intake_store_rollback_to (intake_store_t *self);

//  ---- submit batch

typedef struct {
    bool station_found;
    char office_id [40];
    char district_id [40];
    bool employee_found;
    char employee_station [40];
} intake_org_row_t;

//  Replies already given under these keys (updates' and lead cards'):
//  calls `fn` once per key found with the request hash and the packed reply.
typedef void (intake_idem_fn) (void *arg, const char *key, const char *hash,
                               const uint8_t *reply, size_t size);
int intake_store_idem_lookup (intake_store_t *self, const char *const *keys, size_t n,
                              intake_idem_fn *fn, void *arg, char *sqlstate);
//  Keeps the replies of updates (a lead card's reply is stored on its lead).
int intake_store_idem_insert (intake_store_t *self, const char *const *keys,
                              const char *const *hashes, const uint8_t *const *replies,
                              const size_t *sizes, size_t n, int64_t now_us, char *sqlstate);

//  Original leads entered since a time, matching any key, oldest first.
typedef void (intake_dup_fn) (void *arg, const char *lead_id, const char *employee_id,
                              const char *phone_key, const char *name_zip_key,
                              const char *name_addr_key);

//  A batch of cards' three look-ups, in one round trip (a list of 0 skips
//  its look-up):
//    - replies already given under `keys` (as intake_store_idem_lookup);
//    - for each i: is station_ids[i] known (its office and district), is
//      employee_ids[i] known (its station): into org[i];
//    - the original leads entered since `since_us` matching any of the
//      duplicate keys: `dup_fn` per lead, oldest first.
typedef struct {
    const char *const *keys;
    size_t n_keys;
    intake_idem_fn *idem_fn;
    void *idem_arg;
    const char *const *station_ids;
    const char *const *employee_ids;
    size_t n_org;
    intake_org_row_t *org;
    const char *const *phone_keys;
    const char *const *name_zip_keys;
    const char *const *name_addr_keys;
    size_t n_dup;
    int64_t since_us;
    intake_dup_fn *dup_fn;
    void *dup_arg;
} intake_lookups_t;
int intake_store_lookups (intake_store_t *self, const intake_lookups_t *q, char *sqlstate);

//  The assigner for this batch, holding the reps covering these offices and
//  districts, their load and round-robin state, and the districts' fallback
//  owners. Owned by the store: kept for the next batch while the store's
//  assign_version says nothing in it changed, dropped on a rollback.
//  NULL on a store error.
intake_assign_t *intake_store_load_reps (intake_store_t *self, const char *const *office_ids,
                                         const char *const *district_ids, size_t n,
                                         char *sqlstate);
//  Drops the kept assigner (the next batch loads afresh).
void intake_store_forget_roster (intake_store_t *self);
//  Writes back the round-robin state and load the assigner changed.
int intake_store_save_assign (intake_store_t *self, intake_assign_t *assign,
                              char *sqlstate);

typedef struct {
    const char *id;
    const char *key;
    const char *employee_id;
    const char *station_id;
    const char *office_id;
    const char *district_id;
    int program;
    int64_t card_completed_us;
    int64_t entered_us;
    const char *business_name;
    const char *business_address;
    const char *business_zip;
    const char *contact_name;
    const char *contact_phone;
    const char *contact_email;
    const char *products;         // array literal, e.g. "{1,5}"
    const char *notes;
    const char *phone_key;
    const char *name_zip_key;
    const char *name_addr_key;
    const char *duplicate_of;     // NULL for originals
    const char *matched_on;       // NULL for originals
    const char *status;           // assigned, unassigned or duplicate
    const char *rep_id;           // NULL if none
    const char *assign_reason;
    bool fallback;
    const char *request_hash;     // what a retry under `key` must match
    const uint8_t *reply;         // the packed SubmitReply a retry gets
    size_t reply_size;
    const char *submitted_key;    // the terminal's CURVE public key; NULL with CURVE off
} intake_lead_row_t;

int intake_store_insert_leads (intake_store_t *self, const intake_lead_row_t *rows,
                               size_t n, char *sqlstate);

//  ---- rep and manager updates (one lead per transaction)

typedef struct {
    char rep_id [40];             // "" if none
    char status [16];
    char employee_id [40];
    char district_id [40];
    char duplicate_of [40];       // "" for originals
    int outcome;                  // 0 if none yet
} intake_lead_state_t;

//  Locks the lead for update. 1 found, 0 not found, -1 error.
int intake_store_lead_get (intake_store_t *self, const char *lead_id,
                           intake_lead_state_t *state, char *sqlstate);
int intake_store_contact (intake_store_t *self, const char *lead_id, const char *rep_id,
                          int kind, int64_t at_us, const char *note, char *sqlstate);
int intake_store_outcome (intake_store_t *self, const char *lead_id, const char *rep_id,
                          int outcome, const char *products, int64_t revenue_cents,
                          const char *lost_reason, int64_t at_us, char *sqlstate);
int intake_store_reassign (intake_store_t *self, const char *lead_id, const char *from_rep,
                           const char *to_rep, const char *reason, int64_t at_us,
                           char *sqlstate);

//  The audit row of a change to a lead (intake.audit): action is
//  "contact", "outcome" or "reassign"; via_key NULL or "" with CURVE off.
int intake_store_audit (intake_store_t *self, const char *lead_id, const char *action,
                        const char *actor, const char *via_key, int64_t at_us,
                        const char *idempotency_key, const char *detail, char *sqlstate);

typedef struct {
    char name [208];
    bool active;
} intake_rep_info_t;
//  1 found, 0 not found, -1 error.
int intake_store_rep_get (intake_store_t *self, const char *rep_id,
                          intake_rep_info_t *info, char *sqlstate);
//  1 found (district "" = all districts), 0 not found, -1 error.
int intake_store_manager_get (intake_store_t *self, const char *manager_id,
                              char *district, size_t cap, char *sqlstate);

#endif
