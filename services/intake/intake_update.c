/*  intake_update — what reps and managers do to a lead after it is in:
    record a contact attempt or contact, record the outcome, reassign.
    One transaction per command, with the lead row locked, so two updates
    of one lead never interleave. Only the assigned rep updates a lead;
    only a manager of its district reassigns it. */
#include "intake.h"
#include "ll_clock.h"
#include "ll_log.h"
#include "ll_metrics.h"
#include "ll_outbox.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_check_at (int64_t at_us, int64_t now_us, intake_ferrs_t *errs)
{
    if (at_us > now_us + INTAKE_FUTURE_SLACK_US)
        intake_ferr_add (errs, "at_us", "future", "leave it empty to mean now",
                         "the time given is in the future");
}

void
intake_update_check (intake_item_t *item, int64_t now_us)
{
    ll_envelope_t *req = item->req;
    intake_ferrs_t *errs = &item->errs;
    intake_check_key (req->idempotency_key, errs);
    switch (req->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT: {
            Leadline__V1__RecordContact *rc = req->record_contact;
            intake_check_lead_id (rc->lead_id, "lead_id", errs);
            intake_check_id (rc->rep_id, "rep_id", "rep id", errs);
            if (rc->kind != LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_ATTEMPT
            &&  rc->kind != LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED)
                intake_ferr_add (errs, "kind", rc->kind ? "enum" : "required",
                    "CONTACT_KIND_ATTEMPT (tried) or CONTACT_KIND_CONTACTED (reached)",
                    "the kind of contact is %s", rc->kind ? "not one this service knows"
                                                          : "missing");
            s_check_at (rc->at_us, now_us, errs);
            intake_check_text (rc->note, "note", INTAKE_TEXT_MAX, true, errs);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME: {
            Leadline__V1__RecordOutcome *ro = req->record_outcome;
            intake_check_lead_id (ro->lead_id, "lead_id", errs);
            intake_check_id (ro->rep_id, "rep_id", "rep id", errs);
            if (ro->outcome < LEADLINE__V1__OUTCOME__OUTCOME_WON
            ||  ro->outcome > LEADLINE__V1__OUTCOME__OUTCOME_NO_INTEREST)
                intake_ferr_add (errs, "outcome", ro->outcome ? "enum" : "required",
                    "OUTCOME_WON, OUTCOME_LOST or OUTCOME_NO_INTEREST",
                    "the outcome is %s", ro->outcome ? "not one this service knows"
                                                     : "missing");
            if (ro->outcome == LEADLINE__V1__OUTCOME__OUTCOME_WON && ro->annual_revenue_cents <= 0)
                intake_ferr_add (errs, "annual_revenue_cents", "required",
                    "estimate the annualized revenue in cents, e.g. 1250000 for $12,500",
                    "a won lead needs its estimated annualized revenue");
            if (ro->annual_revenue_cents < 0)
                intake_ferr_add (errs, "annual_revenue_cents", "range", NULL,
                                 "revenue cannot be negative");
            if (ro->outcome == LEADLINE__V1__OUTCOME__OUTCOME_LOST
            &&  (!ro->lost_reason || !*ro->lost_reason))
                intake_ferr_add (errs, "lost_reason", "required",
                    "say why, e.g. \"stays with current carrier\"",
                    "a lost lead needs the reason");
            intake_check_text (ro->lost_reason, "lost_reason", INTAKE_TEXT_MAX, false, errs);
            if (ro->n_products > INTAKE_PRODUCTS_MAX)
                intake_ferr_add (errs, "products", "length", NULL, "too many products");
            for (size_t p = 0; p < ro->n_products; p++)
                if (!intake_product_name ((int) ro->products [p])) {
                    intake_ferr_add (errs, "products", "enum", "update the client",
                        "product %d is not one this service knows", (int) ro->products [p]);
                    break;
                }
            s_check_at (ro->at_us, now_us, errs);
            break;
        }
        case LEADLINE__V1__ENVELOPE__BODY_REASSIGN: {
            Leadline__V1__Reassign *ra = req->reassign;
            intake_check_lead_id (ra->lead_id, "lead_id", errs);
            intake_check_id (ra->new_rep_id, "new_rep_id", "new rep id", errs);
            intake_check_id (ra->manager_id, "manager_id", "manager id", errs);
            intake_check_text (ra->reason, "reason", INTAKE_TEXT_MAX, false, errs);
            break;
        }
        default:
            assert (false);   // the server routes only these three here
    }
}

//  Packs an OK UpdateReply to send and to keep under the key.
static void
s_pack_ok (intake_item_t *item)
{
    Leadline__V1__UpdateReply reply = LEADLINE__V1__UPDATE_REPLY__INIT;
    reply.status = LEADLINE__V1__STATUS__STATUS_OK;
    reply.message = item->message;
    size_t size = leadline__v1__update_reply__get_packed_size (&reply);
    uint8_t *buf = malloc (size ? size : 1);
    assert (buf);
    leadline__v1__update_reply__pack (&reply, buf);
    free (item->reply);
    item->reply = buf;
    item->reply_size = size;
    item->status = LEADLINE__V1__STATUS__STATUS_OK;
}

static void
s_on_idem (void *arg, const char *key, const char *hash, const uint8_t *reply, size_t size)
{
    intake_item_t *item = arg;
    if (strcmp (item->hash, hash) == 0) {
        item->status = LEADLINE__V1__STATUS__STATUS_OK;
        item->replayed = true;
        intake_item_set_reply (item, reply, size);
    }
    else
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_CONFLICT,
            "idempotency key %.60s was already used for a different request; "
            "a new update needs a new key", key);
}

//  Applies the command to the locked lead. 0 with a decision in the item
//  (which may be a refusal), or -1 if a statement failed.
static int
s_apply (intake_ctx_t *ctx, intake_item_t *item, const intake_lead_state_t *lead,
         int64_t now_us, ll_envelope_t *event, char *sqlstate)
{
    intake_store_t *store = ctx->store;
    ll_envelope_t *req = item->req;
    const char *lead_id = NULL;
    const char *actor = NULL;
    bool by_rep = req->body_case != LEADLINE__V1__ENVELOPE__BODY_REASSIGN;
    if (by_rep) {
        lead_id = req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT
                ? req->record_contact->lead_id : req->record_outcome->lead_id;
        actor = req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT
              ? req->record_contact->rep_id : req->record_outcome->rep_id;
    }
    else {
        lead_id = req->reassign->lead_id;
        actor = req->reassign->manager_id;
    }
    if (req->sender && *req->sender && strcmp (req->sender, actor)) {
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
            "the request is signed by %.40s but acts as %.40s; a client may act only "
            "as itself", req->sender, actor);
        return 0;
    }
    if (*lead->duplicate_of) {
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
            "lead %s is a duplicate of lead %s; follow up and update the original",
            lead_id, lead->duplicate_of);
        return 0;
    }
    if (by_rep && !*lead->rep_id) {
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
            "lead %s is not assigned to any rep yet; only its assigned rep may update "
            "it, and a manager must assign it first", lead_id);
        return 0;
    }
    if (by_rep && strcmp (lead->rep_id, actor)) {
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
            "only the assigned rep (%s) may update lead %s; ask a manager to reassign "
            "it to %s", lead->rep_id, lead_id, actor);
        return 0;
    }

    if (req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT) {
        Leadline__V1__RecordContact *rc = req->record_contact;
        int64_t at = rc->at_us ? rc->at_us : now_us;
        if (intake_store_contact (store, lead_id, actor, (int) rc->kind, at, rc->note, sqlstate))
            return -1;
        snprintf (item->message, sizeof item->message, "%s recorded on lead %s",
                  rc->kind == LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED
                  ? "contact" : "contact attempt", lead_id);
        Leadline__V1__ContactRecorded *ev = calloc (1, sizeof *ev);
        assert (ev);
        leadline__v1__contact_recorded__init (ev);
        ev->lead_id = rc->lead_id;
        ev->rep_id = rc->rep_id;
        ev->kind = rc->kind;
        ev->at_us = at;
        ev->employee_id = strdup (lead->employee_id);
        event->body_case = LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED;
        event->contact_recorded = ev;
    }
    else
    if (req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME) {
        Leadline__V1__RecordOutcome *ro = req->record_outcome;
        if (lead->outcome) {
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_CONFLICT,
                "lead %s already has its outcome (%s); an outcome is recorded once",
                lead_id, lead->status);
            return 0;
        }
        int64_t at = ro->at_us ? ro->at_us : now_us;
        char products [80];
        size_t len = 0;
        products [len++] = '{';
        for (size_t p = 0; p < ro->n_products && len < sizeof products - 4; p++)
            len += (size_t) snprintf (products + len, sizeof products - len, "%s%d",
                                      p ? "," : "", (int) ro->products [p]);
        snprintf (products + len, sizeof products - len, "}");
        if (intake_store_outcome (store, lead_id, actor, (int) ro->outcome, products,
                                  ro->annual_revenue_cents, ro->lost_reason, at, sqlstate))
            return -1;
        static const char *names [] = { "", "won", "lost", "no interest" };
        snprintf (item->message, sizeof item->message, "outcome %s recorded on lead %s",
                  names [ro->outcome], lead_id);
        Leadline__V1__OutcomeRecorded *ev = calloc (1, sizeof *ev);
        assert (ev);
        leadline__v1__outcome_recorded__init (ev);
        ev->lead_id = ro->lead_id;
        ev->rep_id = ro->rep_id;
        ev->outcome = ro->outcome;
        ev->n_products = ro->n_products;
        ev->products = ro->products;
        ev->annual_revenue_cents = ro->annual_revenue_cents;
        ev->lost_reason = ro->lost_reason;
        ev->at_us = at;
        ev->employee_id = strdup (lead->employee_id);
        event->body_case = LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED;
        event->outcome_recorded = ev;
    }
    else {
        Leadline__V1__Reassign *ra = req->reassign;
        char district [40];
        int found = intake_store_manager_get (store, ra->manager_id, district,
                                              sizeof district, sqlstate);
        if (found < 0)
            return -1;
        if (!found) {
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                "%s is not a manager in the org data; only managers may reassign leads "
                "(add a `manager` row with `leadline admin import`)", ra->manager_id);
            return 0;
        }
        if (*district && strcmp (district, lead->district_id)) {
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_FORBIDDEN,
                "manager %s manages district %s; lead %s is in district %s",
                ra->manager_id, district, lead_id, lead->district_id);
            return 0;
        }
        if (lead->outcome) {
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_CONFLICT,
                "lead %s is closed (%s); a closed lead is not reassigned", lead_id,
                lead->status);
            return 0;
        }
        intake_rep_info_t rep;
        found = intake_store_rep_get (store, ra->new_rep_id, &rep, sqlstate);
        if (found < 0)
            return -1;
        if (!found || !rep.active) {
            intake_ferr_add (&item->errs, "new_rep_id", found ? "inactive" : "unknown",
                found ? "choose an active rep" : "load it with `leadline admin import org.csv`",
                found ? "rep %s is inactive" : "rep %s is not registered", ra->new_rep_id);
            intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
                                "1 field to fix; nothing was changed");
            return 0;
        }
        if (strcmp (lead->rep_id, ra->new_rep_id) == 0) {
            snprintf (item->message, sizeof item->message,
                      "lead %s is already assigned to %s (%s)", lead_id, rep.name,
                      ra->new_rep_id);
            return 0;
        }
        char reason [INTAKE_TEXT_MAX * 4 + 80];
        snprintf (reason, sizeof reason, "reassigned by manager %s: %s", ra->manager_id,
                  ra->reason && *ra->reason ? ra->reason : "no reason given");
        if (intake_store_reassign (store, lead_id, lead->rep_id, ra->new_rep_id, reason,
                                   now_us, sqlstate))
            return -1;
        snprintf (item->message, sizeof item->message, "lead %s reassigned to %s (%s)",
                  lead_id, rep.name, ra->new_rep_id);
        Leadline__V1__LeadReassigned *ev = calloc (1, sizeof *ev);
        assert (ev);
        leadline__v1__lead_reassigned__init (ev);
        ev->lead_id = ra->lead_id;
        ev->from_rep_id = strdup (lead->rep_id);
        ev->to_rep_id = ra->new_rep_id;
        ev->by_id = ra->manager_id;
        ev->reason = ra->reason ? ra->reason : "";
        ev->at_us = now_us;
        event->body_case = LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED;
        event->lead_reassigned = ev;
    }
    //  The audit row, in the same transaction as the change: who (the
    //  actor, which with CURVE on is the key's subject), when, which key.
    if (event->body_case == LEADLINE__V1__ENVELOPE__BODY__NOT_SET)
        return 0;                   // nothing changed (already assigned there)
    char detail [120];
    const char *action;
    if (req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT) {
        action = "contact";
        snprintf (detail, sizeof detail, "%s", req->record_contact->kind
                  == LEADLINE__V1__CONTACT_KIND__CONTACT_KIND_CONTACTED ? "contacted" : "attempt");
    }
    else
    if (req->body_case == LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME) {
        static const char *names [] = { "", "won", "lost", "no_interest" };
        action = "outcome";
        snprintf (detail, sizeof detail, "%s", names [req->record_outcome->outcome]);
    }
    else {
        action = "reassign";
        snprintf (detail, sizeof detail, "from %.40s to %.40s", lead->rep_id,
                  req->reassign->new_rep_id);
    }
    return intake_store_audit (store, lead_id, action, actor, item->via_key, now_us,
                               req->idempotency_key, detail, sqlstate);
}

//  Frees what s_apply allocated for the event (the rest is borrowed).
static void
s_event_free (ll_envelope_t *event)
{
    switch (event->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_CONTACT_RECORDED:
            free (event->contact_recorded->employee_id);
            free (event->contact_recorded);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_OUTCOME_RECORDED:
            free (event->outcome_recorded->employee_id);
            free (event->outcome_recorded);
            break;
        case LEADLINE__V1__ENVELOPE__BODY_LEAD_REASSIGNED:
            free (event->lead_reassigned->from_rep_id);
            free (event->lead_reassigned);
            break;
        default:
            break;
    }
    event->body_case = LEADLINE__V1__ENVELOPE__BODY__NOT_SET;
}

static const char *
s_lead_id (const ll_envelope_t *req)
{
    switch (req->body_case) {
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_CONTACT: return req->record_contact->lead_id;
        case LEADLINE__V1__ENVELOPE__BODY_RECORD_OUTCOME: return req->record_outcome->lead_id;
        default: return req->reassign->lead_id;
    }
}

void
intake_update_one (intake_ctx_t *ctx, intake_item_t *item)
{
    int64_t now_us = ll_clock_now_us ();
    intake_store_t *store = ctx->store;
    item->same_as = -1;
    intake_update_check (item, now_us);
    if (item->errs.count) {
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
            "%zu field%s to fix; nothing was changed", item->errs.count,
            item->errs.count == 1 ? "" : "s");
        return;
    }
    if (!intake_store_ready (store)) {
        intake_item_unavailable (ctx, item, intake_store_why (store));
        return;
    }
    char sqlstate [6] = "08003";
    ll_envelope_t event;
    leadline__v1__envelope__init (&event);
    if (intake_store_begin (store))
        goto fail;
    const char *keys [] = { item->req->idempotency_key };
    if (intake_store_idem_lookup (store, keys, 1, s_on_idem, item, sqlstate))
        goto fail;
    if (item->status) {               // answered before, or key conflict
        intake_store_rollback (store);
        return;
    }
    intake_lead_state_t lead;
    int found = intake_store_lead_get (store, s_lead_id (item->req), &lead, sqlstate);
    if (found < 0)
        goto fail;
    if (!found) {
        intake_store_rollback (store);
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_NOT_FOUND,
                            "there is no lead %s", s_lead_id (item->req));
        return;
    }
    if (s_apply (ctx, item, &lead, now_us, &event, sqlstate))
        goto fail;
    if (item->status) {               // refused: nothing to store
        intake_store_rollback (store);
        s_event_free (&event);
        return;
    }
    s_pack_ok (item);
    ll_envelope_t *events [] = { &event };
    const char *hashes [] = { item->hash };
    const uint8_t *replies [] = { item->reply };
    if (intake_store_idem_insert (store, keys, hashes, replies, &item->reply_size, 1,
                                  now_us, sqlstate)
    ||  (event.body_case != LEADLINE__V1__ENVELOPE__BODY__NOT_SET
         && ll_outbox_append_batch (intake_store_conn (store), "intake", "intake",
                                    events, 1, sqlstate))
    ||  intake_store_commit (store, sqlstate))
        goto fail;
    s_event_free (&event);
    return;
fail:
    intake_store_rollback (store);
    s_event_free (&event);
    free (item->reply);
    item->reply = NULL;
    item->status = 0;
    if (intake_store_transient (store, sqlstate))
        intake_item_unavailable (ctx, item, intake_store_why (store));
    else {
        ll_warn ("update.refused", "the store refused update %s [%s]",
                 item->req->idempotency_key, sqlstate);
        ll_metric_inc ("leadline_intake_errors_total", "code=\"store_refused\"",
                       "Commands that could not be handled, by code");
        intake_ferr_add (&item->errs, "request", "rejected",
            "report it with the idempotency key", "the store refused this update "
            "(SQLSTATE %s)", sqlstate);
        intake_item_decide (item, LEADLINE__V1__STATUS__STATUS_INVALID,
                            "the update could not be stored; nothing was changed");
    }
}
