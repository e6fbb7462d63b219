/*  intake_submit — a batch of lead cards, from the wire to the commit.

    Steps, each one statement for the whole batch:
      0. checks that need no store (fields, keys, same key twice in the batch);
      1. idempotency: keys answered before get their stored reply;
      2. org: station and employee known, employee at that station;
      3. duplicates: earliest original in 90 days with a matching key;
      4. assignment: reps of the batch's territories, chosen in batch order;
      5. writes: leads (each with the reply a retry gets), events,
         assignment state.
    All of it runs in one transaction, committed before any reply leaves.
    If a statement fails for a reason other than the store being away, the
    batch runs again card by card, each in a savepoint, so one card the store
    refuses cannot sink the others. */
#include "intake.h"
#include "ll_clock.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_outbox.h"
#include "ll_uuid.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_WINDOW_US (90LL * 86400 * 1000000)

//  A lead an incoming card may duplicate: from the store or earlier in the
//  batch.
typedef struct {
    char lead_id [40];
    char employee_id [40];
} s_original_t;

typedef struct {
    zhashx_t *phone;           // key -> s_original_t (borrowed from `all`)
    zhashx_t *name_zip;
    zhashx_t *name_addr;
    zlistx_t *all;             // owns the originals
} s_dups_t;

static void
s_orig_free (void **item)
{
    free (*item);
    *item = NULL;
}

static void
s_dups_init (s_dups_t *dups)
{
    dups->phone = zhashx_new ();
    dups->name_zip = zhashx_new ();
    dups->name_addr = zhashx_new ();
    dups->all = zlistx_new ();
    zlistx_set_destructor (dups->all, s_orig_free);
}

static void
s_dups_destroy (s_dups_t *dups)
{
    zhashx_destroy (&dups->phone);
    zhashx_destroy (&dups->name_zip);
    zhashx_destroy (&dups->name_addr);
    zlistx_destroy (&dups->all);
}

//  Remembers an original under its keys; the first (oldest) one wins.
static void
s_dups_add (s_dups_t *dups, const char *lead_id, const char *employee_id,
            const char *phone, const char *name_zip, const char *name_addr)
{
    s_original_t *orig = calloc (1, sizeof *orig);
    assert (orig);
    snprintf (orig->lead_id, sizeof orig->lead_id, "%s", lead_id);
    snprintf (orig->employee_id, sizeof orig->employee_id, "%s", employee_id);
    zlistx_add_end (dups->all, orig);
    if (*phone && !zhashx_lookup (dups->phone, phone))
        zhashx_insert (dups->phone, phone, orig);
    if (*name_zip && !zhashx_lookup (dups->name_zip, name_zip))
        zhashx_insert (dups->name_zip, name_zip, orig);
    if (*name_addr && !zhashx_lookup (dups->name_addr, name_addr))
        zhashx_insert (dups->name_addr, name_addr, orig);
}

static void
s_on_dup_row (void *arg, const char *lead_id, const char *employee_id, const char *phone_key,
              const char *name_zip_key, const char *name_addr_key)
{
    s_dups_add (arg, lead_id, employee_id, phone_key, name_zip_key, name_addr_key);
}

//  Of several originals matching a card, the one entered first: the order
//  of `all` is the order they were added (oldest first).
static s_original_t *
s_dups_match (s_dups_t *dups, const intake_dup_keys_t *keys, const char **matched_on)
{
    s_original_t *found [3] = {
        *keys->phone ? zhashx_lookup (dups->phone, keys->phone) : NULL,
        *keys->name_zip ? zhashx_lookup (dups->name_zip, keys->name_zip) : NULL,
        *keys->name_addr ? zhashx_lookup (dups->name_addr, keys->name_addr) : NULL,
    };
    static const char *names [3] = { "phone", "name+zip", "name+address" };
    if (!found [0] && !found [1] && !found [2])
        return NULL;
    for (s_original_t *orig = zlistx_first (dups->all); orig; orig = zlistx_next (dups->all))
        for (int k = 0; k < 3; k++)
            if (found [k] == orig) {
                *matched_on = names [k];
                return orig;
            }
    return NULL;
}

// ---------------------------------------------------------------------------

typedef struct {
    intake_item_t **items;
    size_t n;
} s_idem_ctx_t;

static void
s_on_idem (void *arg, const char *key, const char *hash, const uint8_t *reply, size_t size)
{
    s_idem_ctx_t *ctx = arg;
    for (size_t i = 0; i < ctx->n; i++) {
        intake_item_t *item = ctx->items [i];
        if (item->status || item->same_as >= 0 || strcmp (item->req->idempotency_key, key))
            continue;
        if (strcmp (item->hash, hash) == 0) {
            item->status = LEADLINE__V1__STATUS__STATUS_OK;
            item->replayed = true;
            intake_item_set_reply (item, reply, size);
        }
        else
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_CONFLICT,
                "idempotency key %.60s was already used for a different card; "
                "a new card needs a new key", key);
    }
}

static bool
s_pending (const intake_item_t *item)
{
    return item->status == 0 && item->same_as < 0;
}

//  Packs the SubmitReply of a stored lead, to send and to keep under its key.
static void
s_pack_reply (intake_item_t *item)
{
    Leadline__V1__SubmitReply reply = LEADLINE__V1__SUBMIT_REPLY__INIT;
    reply.status = LEADLINE__V1__STATUS__STATUS_OK;
    reply.lead_id = item->lead_id;
    reply.rep_id = item->rep_id ? item->rep_id_buf : "";
    reply.rep_name = item->rep_id ? item->rep_name : "";
    reply.duplicate = *item->duplicate_of != 0;
    reply.duplicate_of = item->duplicate_of;
    reply.message = item->message;
    size_t size = leadline__v1__submit_reply__get_packed_size (&reply);
    uint8_t *buf = malloc (size ? size : 1);
    assert (buf);
    leadline__v1__submit_reply__pack (&reply, buf);
    free (item->reply);
    item->reply = buf;
    item->reply_size = size;
}

typedef struct {
    ll_envelope_t env [2];
    Leadline__V1__LeadEntered entered;
    Leadline__V1__LeadAssigned assigned;
    Leadline__V1__LeadDuplicate duplicate;
} s_events_t;

//  Steps 1-5 for `items` inside the caller's transaction. 0, or -1 with
//  the SQLSTATE of the failed statement.
static int
s_process (intake_ctx_t *ctx, intake_item_t **items, size_t n, int64_t now_us,
           char *sqlstate)
{
    intake_store_t *store = ctx->store;
    int rc = -1;
    const char **a1 = calloc (8 * n, sizeof *a1);   // eight lists of up to n
    const char **a2 = a1 + n, **keys = a1 + 2 * n, **stations = a1 + 3 * n;
    const char **employees = a1 + 4 * n, **phones = a1 + 5 * n;
    const char **name_zips = a1 + 6 * n, **name_addrs = a1 + 7 * n;
    size_t *org_of = calloc (n, sizeof *org_of);
    intake_org_row_t *org = calloc (n, sizeof *org);
    intake_lead_row_t *rows = calloc (n, sizeof *rows);
    s_events_t *events = calloc (n, sizeof *events);
    ll_envelope_t **envs = calloc (2 * n, sizeof *envs);
    intake_assign_t *assign = NULL;           // the store's
    s_dups_t dups;
    s_dups_init (&dups);
    assert (a1 && org_of && org && rows && events && envs);

    //  Back to what was known before the store was asked (a second attempt
    //  must not inherit the first one's decisions).
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (item->status0)
            continue;                 // decided before the store was asked
        item->status = 0;
        item->errs.count = item->nerrs0;
        item->replayed = false;
        item->rep_id = NULL;
        item->duplicate_of [0] = 0;
        item->message [0] = 0;
        free (item->reply);
        item->reply = NULL;
        item->reply_size = 0;
    }

    //  1-3. The look-ups, in one round trip. Org and duplicates are asked
    //  for every card still open; a card the idempotency answer decides
    //  ignores its own, and an original found only through its keys
    //  matches no other card (a card matches on keys of its own).
    size_t nk = 0, no = 0, nd = 0;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        org_of [i] = SIZE_MAX;
        if (!s_pending (item))
            continue;
        keys [nk++] = item->req->idempotency_key;
        if (item->ids_ok) {
            stations [no] = item->req->submit_lead->card->station_id;
            employees [no] = item->req->submit_lead->card->employee_id;
            org_of [i] = no++;
        }
        phones [nd] = item->keys.phone;
        name_zips [nd] = item->keys.name_zip;
        name_addrs [nd++] = item->keys.name_addr;
    }
    s_idem_ctx_t idem = { items, n };
    intake_lookups_t q = {
        .keys = keys, .n_keys = nk, .idem_fn = s_on_idem, .idem_arg = &idem,
        .station_ids = stations, .employee_ids = employees, .n_org = no, .org = org,
        .phone_keys = phones, .name_zip_keys = name_zips, .name_addr_keys = name_addrs,
        .n_dup = nd, .since_us = now_us - DUP_WINDOW_US, .dup_fn = s_on_dup_row,
        .dup_arg = &dups,
    };
    if (intake_store_lookups (store, &q, sqlstate))
        goto done;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (!s_pending (item))
            continue;
        if (org_of [i] != SIZE_MAX) {
            const Leadline__V1__LeadCard *card = item->req->submit_lead->card;
            intake_org_row_t *row = &org [org_of [i]];
            if (!row->station_found)
                intake_ferr_add (&item->errs, "card.station_id", "unknown",
                    "load it with `leadline admin import org.csv`",
                    "station %s is not registered", card->station_id);
            if (!row->employee_found)
                intake_ferr_add (&item->errs, "card.employee_id", "unknown",
                    "load it with `leadline admin import org.csv`",
                    "employee %s is not registered", card->employee_id);
            else
            if (row->station_found && strcmp (row->employee_station, card->station_id))
                intake_ferr_add (&item->errs, "card.employee_id", "station",
                    "hand the card in at the employee's own station, or update the "
                    "employee with `leadline admin import org.csv`",
                    "employee %s belongs to station %s, not %s", card->employee_id,
                    row->employee_station, card->station_id);
            snprintf (item->office_id, sizeof item->office_id, "%s", row->office_id);
            snprintf (item->district_id, sizeof item->district_id, "%s", row->district_id);
        }
        if (item->errs.count)
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
                "%zu field%s to fix; nothing was stored", item->errs.count,
                item->errs.count == 1 ? "" : "s");
        if (s_pending (item))
            k++;
    }
    if (k == 0) {
        rc = 0;
        goto done;
    }

    //  Duplicates: of the store's originals first (older), then the batch's.
    k = 0;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (!s_pending (item))
            continue;
        ll_uuid_new (item->lead_id);
        const char *matched_on = NULL;
        s_original_t *orig = s_dups_match (&dups, &item->keys, &matched_on);
        if (orig) {
            snprintf (item->duplicate_of, sizeof item->duplicate_of, "%s", orig->lead_id);
            snprintf (item->original_employee, sizeof item->original_employee, "%s",
                      orig->employee_id);
            item->matched_on = matched_on;
        }
        else {
            s_dups_add (&dups, item->lead_id, item->req->submit_lead->card->employee_id,
                        item->keys.phone, item->keys.name_zip, item->keys.name_addr);
            a1 [k] = item->office_id;
            a2 [k++] = item->district_id;
        }
    }

    //  4. assignment, in batch order
    if (k && !(assign = intake_store_load_reps (store, a1, a2, k, sqlstate)))
        goto done;
    size_t nrows = 0;
    size_t nenvs = 0;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (!s_pending (item))
            continue;
        const Leadline__V1__LeadCard *card = item->req->submit_lead->card;
        bool duplicate = *item->duplicate_of != 0;
        const char *status = "duplicate";
        item->fallback = false;
        item->reason [0] = 0;
        if (duplicate)
            snprintf (item->message, sizeof item->message,
                "this business was already handed in (lead %s, matched on %s); it is "
                "recorded as a duplicate and the first referral keeps the credit",
                item->duplicate_of, item->matched_on);
        else {
            intake_choice_t choice;
            intake_assign_choose (assign, item->office_id, item->district_id,
                intake_products_mask (card->products, card->n_products), now_us, &choice);
            snprintf (item->reason, sizeof item->reason, "%s", choice.reason);
            item->fallback = choice.fallback;
            if (choice.rep_id) {
                item->rep_id = item->rep_id_buf;
                snprintf (item->rep_id_buf, sizeof item->rep_id_buf, "%s", choice.rep_id);
                snprintf (item->rep_name, sizeof item->rep_name, "%s", choice.rep_name);
                status = "assigned";
                snprintf (item->message, sizeof item->message,
                          "lead entered and assigned to %s (%s)%s", item->rep_name,
                          item->rep_id_buf,
                          choice.fallback ? ", the district's fallback owner" : "");
            }
            else {
                status = "unassigned";
                snprintf (item->message, sizeof item->message,
                          "lead entered; no rep is available for it yet, so a manager "
                          "will assign it");
            }
        }
        item->status = LEADLINE__V1__STATUS__STATUS_OK;
        s_pack_reply (item);

        intake_lead_row_t *row = &rows [nrows++];
        Leadline__V1__Business *biz = card->business;
        Leadline__V1__Contact *contact = card->contact;
        *row = (intake_lead_row_t) {
            .id = item->lead_id, .key = item->req->idempotency_key,
            .employee_id = card->employee_id, .station_id = card->station_id,
            .office_id = item->office_id, .district_id = item->district_id,
            .program = (int) card->program, .card_completed_us = card->card_completed_us,
            .entered_us = now_us, .business_name = biz->name,
            .business_address = biz->address, .business_zip = biz->zip,
            .contact_name = contact->name, .contact_phone = contact->phone,
            .contact_email = contact->email, .products = item->products,
            .notes = card->notes, .phone_key = item->keys.phone,
            .name_zip_key = item->keys.name_zip, .name_addr_key = item->keys.name_addr,
            .duplicate_of = duplicate ? item->duplicate_of : NULL,
            .matched_on = duplicate ? item->matched_on : NULL,
            .status = status, .rep_id = item->rep_id, .assign_reason = item->reason,
            .fallback = item->fallback, .request_hash = item->hash,
            .reply = item->reply, .reply_size = item->reply_size,
            .submitted_key = item->via_key,
        };

        //  Events: entered for every stored card, then assigned or duplicate.
        s_events_t *ev = &events [i];
        leadline__v1__envelope__init (&ev->env [0]);
        leadline__v1__lead_entered__init (&ev->entered);
        ev->entered.lead_id = item->lead_id;
        ev->entered.card = (Leadline__V1__LeadCard *) card;
        ev->entered.entered_us = now_us;
        ev->entered.office_id = item->office_id;
        ev->entered.district_id = item->district_id;
        ev->env [0].body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ENTERED;
        ev->env [0].lead_entered = &ev->entered;
        ev->env [0].time_us = now_us;
        envs [nenvs++] = &ev->env [0];
        leadline__v1__envelope__init (&ev->env [1]);
        ev->env [1].time_us = now_us;
        if (duplicate) {
            leadline__v1__lead_duplicate__init (&ev->duplicate);
            ev->duplicate.lead_id = item->lead_id;
            ev->duplicate.duplicate_of = item->duplicate_of;
            ev->duplicate.employee_id = card->employee_id;
            ev->duplicate.original_employee_id = item->original_employee;
            ev->duplicate.matched_on = (char *) item->matched_on;
            ev->duplicate.at_us = now_us;
            ev->env [1].body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_DUPLICATE;
            ev->env [1].lead_duplicate = &ev->duplicate;
            envs [nenvs++] = &ev->env [1];
        }
        else
        if (item->rep_id) {
            leadline__v1__lead_assigned__init (&ev->assigned);
            ev->assigned.lead_id = item->lead_id;
            ev->assigned.rep_id = item->rep_id_buf;
            ev->assigned.reason = item->reason;
            ev->assigned.employee_id = card->employee_id;
            ev->assigned.station_id = card->station_id;
            ev->assigned.office_id = item->office_id;
            ev->assigned.district_id = item->district_id;
            ev->assigned.entered_us = now_us;
            ev->assigned.at_us = now_us;
            ev->assigned.fallback = item->fallback;
            ev->env [1].body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_ASSIGNED;
            ev->env [1].lead_assigned = &ev->assigned;
            envs [nenvs++] = &ev->env [1];
        }
    }

    //  5. writes (each lead carries its reply, for retries)
    if (intake_store_insert_leads (store, rows, nrows, sqlstate)
    ||  (assign && intake_store_save_assign (store, assign, sqlstate))
    ||  ll_outbox_append_batch (intake_store_conn (store), "intake", "intake",
                                envs, nenvs, sqlstate))
        goto done;
    rc = 0;
done:
    free (a1);
    free (org_of);
    free (org);
    free (rows);
    free (events);
    free (envs);
    s_dups_destroy (&dups);
    return rc;
}

//  Forgets decisions of an attempt that did not commit.
static void
s_undo (intake_item_t **items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (item->status0 == 0) {
            item->status = 0;
            item->errs.count = item->nerrs0;
            free (item->reply);
            item->reply = NULL;
        }
    }
}

static void
s_all_unavailable (intake_ctx_t *ctx, intake_item_t **items, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++)
        if (items [i]->status0 == 0 && items [i]->same_as < 0)
            intake_item_unavailable (ctx, items [i], why);
}

//  One transaction for the batch. 0 committed, -1 failed (rolled back).
static int
s_attempt (intake_ctx_t *ctx, intake_item_t **items, size_t n, int64_t now_us, char *sqlstate)
{
    strcpy (sqlstate, "08003");
    if (intake_store_begin_writer (ctx->store, sqlstate))
        return -1;
    if (s_process (ctx, items, n, now_us, sqlstate) == 0
    &&  intake_store_commit (ctx->store, sqlstate) == 0)
        return 0;
    intake_store_rollback (ctx->store);
    s_undo (items, n);
    return -1;
}

//  Card by card, each in a savepoint, in one transaction.
static int
s_one_by_one (intake_ctx_t *ctx, intake_item_t **items, size_t n, int64_t now_us,
              char *sqlstate)
{
    if (intake_store_begin_writer (ctx->store, sqlstate))
        return -1;
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (!s_pending (item))
            continue;
        if (intake_store_savepoint (ctx->store))
            goto fail;
        if (s_process (ctx, &items [i], 1, now_us, sqlstate) == 0) {
            if (intake_store_release (ctx->store))
                goto fail;
            continue;
        }
        if (intake_store_transient (ctx->store, sqlstate) || intake_store_rollback_to (ctx->store))
            goto fail;
        s_undo (&items [i], 1);
        ll_warn ("submit.refused", "the store refused card %s [%s]; the rest of the batch "
                 "goes on", item->req->idempotency_key, sqlstate);
        ll_metric_inc ("leadline_intake_errors_total", "code=\"store_refused\"",
                       "Commands that could not be handled, by code");
        intake_ferr_add (&item->errs, "card", "rejected",
            "check the card's text for unusual characters; if it persists, report it "
            "with the idempotency key",
            "the store refused this card (SQLSTATE %s)", sqlstate);
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
                            "the card could not be stored; nothing was stored");
    }
    //  Rare, and the roster may have been rolled back card by card: the
    //  next batch reads it afresh.
    if (intake_store_commit (ctx->store, sqlstate) == 0) {
        intake_store_forget_roster (ctx->store);
        return 0;
    }
fail:
    intake_store_rollback (ctx->store);
    intake_store_forget_roster (ctx->store);
    s_undo (items, n);
    return -1;
}

static bool
s_has_error (const intake_ferrs_t *errs, const char *field)
{
    for (size_t e = 0; e < errs->count; e++)
        if (strcmp (errs->items [e].field, field) == 0)
            return true;
    return false;
}

void
intake_submit_batch (intake_ctx_t *ctx, intake_item_t **items, size_t n)
{
    int64_t now_us = ll_clock_now_us ();
    zhashx_t *seen = zhashx_new ();           // key -> index + 1

    //  0. what needs no store
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        const Leadline__V1__LeadCard *card = item->req->submit_lead->card;
        item->same_as = -1;
        intake_check_key (item->req->idempotency_key, &item->errs);
        intake_check_card (card, now_us, ctx->max_age_days, &item->errs);
        item->ids_ok = card && !s_has_error (&item->errs, "card.employee_id")
                            && !s_has_error (&item->errs, "card.station_id");
        if (card && !item->errs.count) {
            intake_dup_keys (card, &item->keys);
            size_t len = 0;
            item->products [len++] = '{';
            for (size_t p = 0; p < card->n_products && len < sizeof item->products - 4; p++)
                len += (size_t) snprintf (item->products + len, sizeof item->products - len,
                                          "%s%d", p ? "," : "", (int) card->products [p]);
            snprintf (item->products + len, sizeof item->products - len, "}");
        }
        const char *key = item->req->idempotency_key;
        bool key_ok = !s_has_error (&item->errs, "idempotency_key");
        if (key_ok) {
            size_t first = (size_t) zhashx_lookup (seen, key);
            if (first) {
                if (strcmp (items [first - 1]->hash, item->hash) == 0)
                    item->same_as = (int) first - 1;
                else
                    intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_CONFLICT,
                        "idempotency key %.60s was already used for a different card; "
                        "a new card needs a new key", key);
            }
            else
                zhashx_insert (seen, key, (void *) (i + 1));
        }
        //  A terminal hands in cards for its own station only. The envelope's
        //  sender is the terminal's station (checked by CURVE when keys are
        //  in use); a card without a sender is judged by its fields alone.
        const char *sender = item->req->sender;
        if (!item->status && card && sender && *sender && card->station_id
        &&  strcmp (sender, card->station_id) != 0)
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                "a terminal hands in cards for its own station only: this terminal is "
                "%.40s, the card is for station %.40s", sender, card->station_id);
        //  Field errors found now are final only when the key is unusable:
        //  otherwise the key may have been answered OK before (a retry after
        //  the org changed must still get the first answer).
        if (!key_ok && !item->status)
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
                "%zu field%s to fix; nothing was stored", item->errs.count,
                item->errs.count == 1 ? "" : "s");
        item->status0 = item->status;
        item->nerrs0 = item->errs.count;
    }
    zhashx_destroy (&seen);

    char sqlstate [6] = "";
    if (!intake_store_ready (ctx->store)) {
        s_all_unavailable (ctx, items, n, intake_store_why (ctx->store));
        goto replies;
    }
    int rc = s_attempt (ctx, items, n, now_us, sqlstate);
    //  A connection that went stale while idle (the server restarted) fails
    //  the first statement: one fresh connection and one more try before
    //  telling the terminals to come back later.
    if (rc && intake_store_transient (ctx->store, sqlstate)
    &&  !intake_store_ready (ctx->store) && intake_store_connect (ctx->store) == 0)
        rc = s_attempt (ctx, items, n, now_us, sqlstate);
    if (rc == 0)
        ;
    else
    if (intake_store_transient (ctx->store, sqlstate))
        s_all_unavailable (ctx, items, n, intake_store_why (ctx->store));
    else {
        ll_warn ("submit.batch", "a batch of %zu failed [%s]; retrying card by card",
                 n, sqlstate);
        if (s_one_by_one (ctx, items, n, now_us, sqlstate)) {
            intake_store_transient (ctx->store, sqlstate);
            s_all_unavailable (ctx, items, n, "the store failed while storing the batch");
        }
    }
replies:
    //  Same key twice in the batch: the later one gets the earlier's answer.
    for (size_t i = 0; i < n; i++) {
        intake_item_t *item = items [i];
        if (item->same_as < 0)
            continue;
        intake_item_t *first = items [item->same_as];
        item->status = first->status;
        item->replayed = true;
        snprintf (item->message, sizeof item->message, "%s", first->message);
        intake_ferrs_copy (&item->errs, &first->errs);
        if (first->reply)
            intake_item_set_reply (item, first->reply, first->reply_size);
    }
}
