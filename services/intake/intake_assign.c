/*  intake_assign — the assignment rules, in memory, for one batch.
    Everything is owned by the assigner and freed with it. */
#include "intake_assign.h"
#include "intake_validate.h"
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *id;
    char *name;
    int weight;
    int capacity;
    int open;
    int delta;                // leads added in this batch
    bool active;
    int64_t away_until_us;
    uint32_t products;
} s_rep_t;

//  Smooth weighted round robin adds every eligible rep's weight to its
//  current weight on each pick. Stored that way, a pick in a territory of
//  1,000 reps rewrites 1,000 rows. So the current weight is kept as
//  `offset + rounds × weight`: `rounds` counts the territory's picks, and a
//  pick changes only the round count, the winner's offset, and the offsets
//  of the reps it passed over (ineligible ones, which SWRR does not grow).
//  The choices are the same as SWRR's, pick for pick.
typedef struct {
    s_rep_t *rep;
    int64_t offset;
    bool eligible;            // in the pick being made
    bool dirty;
} s_member_t;

typedef struct {
    char *scope;
    s_member_t *members;      // sorted by rep id before the first pick
    size_t count;
    size_t cap;
    bool sorted;
    int64_t rounds;
    bool rounds_dirty;
} s_pool_t;

struct intake_assign {
    zhashx_t *reps;           // id -> s_rep_t
    zhashx_t *pools;          // scope -> s_pool_t
    zhashx_t *fallbacks;      // district id -> rep id (strdup'd)
    zhashx_t *loaded;         // "office:O1", "district:D1" -> (void *) 1
};

static void
s_rep_free (void **item)
{
    s_rep_t *rep = *item;
    if (rep) {
        free (rep->id);
        free (rep->name);
        free (rep);
        *item = NULL;
    }
}

static void
s_pool_free (void **item)
{
    s_pool_t *pool = *item;
    if (pool) {
        free (pool->scope);
        free (pool->members);
        free (pool);
        *item = NULL;
    }
}

static void
s_str_free (void **item)
{
    free (*item);
    *item = NULL;
}

intake_assign_t *
intake_assign_new (void)
{
    intake_assign_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->reps = zhashx_new ();
    self->pools = zhashx_new ();
    self->fallbacks = zhashx_new ();
    self->loaded = zhashx_new ();
    zhashx_set_destructor (self->reps, s_rep_free);
    zhashx_set_destructor (self->pools, s_pool_free);
    zhashx_set_destructor (self->fallbacks, s_str_free);
    return self;
}

void
intake_assign_destroy (intake_assign_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_assign_t *self = *self_p;
    zhashx_destroy (&self->reps);
    zhashx_destroy (&self->pools);
    zhashx_destroy (&self->fallbacks);
    zhashx_destroy (&self->loaded);
    free (self);
    *self_p = NULL;
}

void
intake_assign_add_rep (intake_assign_t *self, const char *id, const char *name,
                       int weight, int capacity, int open_leads, bool active,
                       int64_t away_until_us, uint32_t products)
{
    if (zhashx_lookup (self->reps, id))
        return;
    s_rep_t *rep = calloc (1, sizeof *rep);
    assert (rep);
    rep->id = strdup (id);
    rep->name = strdup (name);
    rep->weight = weight < 1 ? 1 : weight;
    rep->capacity = capacity;
    rep->open = open_leads;
    rep->active = active;
    rep->away_until_us = away_until_us;
    rep->products = products;
    zhashx_insert (self->reps, id, rep);
}

void
intake_assign_add_member (intake_assign_t *self, const char *scope, const char *rep_id,
                          const intake_rr_state_t *state)
{
    s_rep_t *rep = zhashx_lookup (self->reps, rep_id);
    assert (rep);                 // the store adds reps before their territories
    s_pool_t *pool = zhashx_lookup (self->pools, scope);
    if (!pool) {
        pool = calloc (1, sizeof *pool);
        assert (pool);
        pool->scope = strdup (scope);
        pool->rounds = state->rounds;
        zhashx_insert (self->pools, scope, pool);
    }
    if (pool->count == pool->cap) {
        pool->cap = pool->cap ? pool->cap * 2 : 8;
        pool->members = realloc (pool->members, pool->cap * sizeof *pool->members);
        assert (pool->members);
    }
    //  The offset for the rep's weight now: a rep new to the territory
    //  starts at current weight 0, as in plain SWRR; a row written with
    //  another weight (or by an older intake, as a plain current weight)
    //  keeps its current weight across the change.
    int64_t current = 0;
    if (state->known)
        current = state->offset + (state->weight ? pool->rounds * state->weight : 0);
    s_member_t *m = &pool->members [pool->count++];
    *m = (s_member_t) { .rep = rep, .offset = current - pool->rounds * rep->weight };
    m->dirty = !state->known || state->weight != rep->weight;
    pool->sorted = false;
}

static int
s_member_cmp (const void *a, const void *b)
{
    return strcmp (((const s_member_t *) a)->rep->id, ((const s_member_t *) b)->rep->id);
}

//  Members sorted by rep id, each once: ties break the same way whatever
//  order the store returned the rows in.
static void
s_pool_sort (s_pool_t *pool)
{
    if (pool->sorted)
        return;
    qsort (pool->members, pool->count, sizeof *pool->members, s_member_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < pool->count; i++)
        if (kept == 0 || pool->members [kept - 1].rep != pool->members [i].rep)
            pool->members [kept++] = pool->members [i];
    pool->count = kept;
    pool->sorted = true;
}

void
intake_assign_set_fallback (intake_assign_t *self, const char *district_id, const char *rep_id)
{
    zhashx_update (self->fallbacks, district_id, strdup (rep_id));
}

//  Why a rep is not eligible, or NULL if it is.
static const char *
s_ineligible (const s_rep_t *rep, uint32_t products, int64_t now_us)
{
    if (!rep->active)
        return "inactive";
    if (rep->away_until_us > now_us)
        return "away";
    if (products && !(rep->products & products))
        return "product";
    if (rep->open >= rep->capacity)
        return "full";
    return NULL;
}

static void
s_products_text (uint32_t products, char *buf, size_t cap)
{
    size_t n = 0;
    buf [0] = 0;
    for (int p = 1; p < 32; p++)
        if (products & (1u << p)) {
            const char *name = intake_product_name (p);
            if (!name)
                continue;
            int wrote = snprintf (buf + n, cap - n, "%s%s", n ? "+" : "", name);
            if (wrote < 0 || (size_t) wrote >= cap - n)
                break;
            n += (size_t) wrote;
        }
}

//  Smooth weighted round robin over the pool's eligible members. Returns
//  the chosen member, or NULL (with counts of why not) if none is eligible.
static s_member_t *
s_round_robin (s_pool_t *pool, uint32_t products, int64_t now_us,
               int *eligible_n, int *weight_sum, char *why, size_t why_cap)
{
    s_pool_sort (pool);
    int inactive = 0, away = 0, product = 0, full = 0;
    int64_t total = 0, best_current = 0;
    s_member_t *best = NULL;
    for (size_t i = 0; i < pool->count; i++) {
        s_member_t *m = &pool->members [i];
        const char *no = s_ineligible (m->rep, products, now_us);
        m->eligible = !no;
        if (no) {
            inactive += strcmp (no, "inactive") == 0;
            away += strcmp (no, "away") == 0;
            product += strcmp (no, "product") == 0;
            full += strcmp (no, "full") == 0;
            continue;
        }
        //  Its current weight once this pick has added its weight.
        int64_t current = m->offset + (pool->rounds + 1) * m->rep->weight;
        total += m->rep->weight;
        if (!best || current > best_current) {
            best = m;
            best_current = current;
        }
    }
    *eligible_n = (int) pool->count - inactive - away - product - full;
    *weight_sum = (int) total;
    if (!best) {
        snprintf (why, why_cap, "%zu reps: %d inactive, %d away, %d without the product, "
                  "%d at capacity", pool->count, inactive, away, product, full);
        return NULL;
    }
    pool->rounds++;
    pool->rounds_dirty = true;
    for (size_t i = 0; i < pool->count; i++) {
        s_member_t *m = &pool->members [i];
        if (!m->eligible) {
            m->offset -= m->rep->weight;
            m->dirty = true;
        }
    }
    best->offset -= total;
    best->dirty = true;
    return best;
}

void
intake_assign_choose (intake_assign_t *self, const char *office_id, const char *district_id,
                      uint32_t products, int64_t now_us, intake_choice_t *choice)
{
    memset (choice, 0, sizeof *choice);
    char prods [160];
    s_products_text (products, prods, sizeof prods);
    char office_scope [80], district_scope [80];
    snprintf (office_scope, sizeof office_scope, "office:%s", office_id);
    snprintf (district_scope, sizeof district_scope, "district:%s", district_id);
    const char *scopes [] = { office_scope, district_scope };
    char why [2][160] = { "no rep covers it", "no rep covers it" };

    for (int level = 0; level < 2; level++) {
        s_pool_t *pool = zhashx_lookup (self->pools, scopes [level]);
        if (!pool)
            continue;
        int eligible = 0, weights = 0;
        s_member_t *m = s_round_robin (pool, products, now_us, &eligible, &weights,
                                       why [level], sizeof why [level]);
        if (!m)
            continue;
        m->rep->open++;
        m->rep->delta++;
        choice->rep_id = m->rep->id;
        choice->rep_name = m->rep->name;
        if (level == 0)
            snprintf (choice->reason, sizeof choice->reason,
                      "territory office %s, products %s: weighted round robin "
                      "(weight %d of %d) among %d eligible reps",
                      office_id, prods, m->rep->weight, weights, eligible);
        else
            snprintf (choice->reason, sizeof choice->reason,
                      "territory district %s (office %s: %s), products %s: weighted "
                      "round robin (weight %d of %d) among %d eligible reps",
                      district_id, office_id, why [0], prods, m->rep->weight, weights,
                      eligible);
        return;
    }
    const char *fallback_id = zhashx_lookup (self->fallbacks, district_id);
    s_rep_t *rep = fallback_id ? zhashx_lookup (self->reps, fallback_id) : NULL;
    if (rep) {
        rep->open++;
        rep->delta++;
        choice->rep_id = rep->id;
        choice->rep_name = rep->name;
        choice->fallback = true;
        snprintf (choice->reason, sizeof choice->reason,
                  "fallback owner of district %s: no eligible rep for products %s "
                  "(office %s: %s; district: %s)", district_id, prods, office_id,
                  why [0], why [1]);
    }
    else
        snprintf (choice->reason, sizeof choice->reason,
                  "unassigned: no eligible rep for products %s (office %s: %s; district "
                  "%s: %s) and no fallback owner for the district; add a `fallback` row "
                  "to the org data", prods, office_id, why [0], district_id, why [1]);
}

void
intake_assign_changes (intake_assign_t *self, intake_rr_fn *rr, intake_round_fn *round,
                       intake_load_fn *load, void *arg)
{
    for (s_pool_t *pool = zhashx_first (self->pools); pool; pool = zhashx_next (self->pools)) {
        for (size_t i = 0; i < pool->count; i++)
            if (pool->members [i].dirty)
                rr (arg, pool->scope, pool->members [i].rep->id, pool->members [i].offset,
                    pool->members [i].rep->weight);
        if (pool->rounds_dirty)
            round (arg, pool->scope, pool->rounds);
    }
    for (s_rep_t *rep = zhashx_first (self->reps); rep; rep = zhashx_next (self->reps))
        if (rep->delta)
            load (arg, rep->id, rep->delta);
}

bool
intake_assign_loaded (intake_assign_t *self, const char *scope)
{
    return zhashx_lookup (self->loaded, scope) != NULL;
}

void
intake_assign_mark_loaded (intake_assign_t *self, const char *scope)
{
    zhashx_update (self->loaded, scope, (void *) 1);
}

void
intake_assign_saved (intake_assign_t *self)
{
    for (s_pool_t *pool = zhashx_first (self->pools); pool; pool = zhashx_next (self->pools)) {
        for (size_t i = 0; i < pool->count; i++)
            pool->members [i].dirty = false;
        pool->rounds_dirty = false;
    }
    for (s_rep_t *rep = zhashx_first (self->reps); rep; rep = zhashx_next (self->reps))
        rep->delta = 0;
}
