/*  intake_assign — chooses the rep for a lead, deterministically, and says
    why. The store loads the reps of the territories a batch touches, their
    open leads and the round-robin state; the assigner decides lead by lead
    in batch order, updating load and state in memory; the store writes back
    what changed, in the same transaction as the leads.

    Rules (docs/intake.md):
      1. candidates: reps whose territory is the lead's office; if none of
         them is eligible, reps whose territory is the lead's district;
      2. eligible: active, not away, a product line matching the lead, open
         leads below capacity;
      3. among the eligible: smooth weighted round robin (the nginx
         algorithm: every eligible rep's current weight grows by its weight,
         the highest wins and drops by the sum), ties to the lower rep id;
         stored so that a pick writes what it changes, not every rep of the
         territory (intake_assign.c);
      4. nobody eligible: the district's fallback owner. */
#ifndef INTAKE_ASSIGN_H
#define INTAKE_ASSIGN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct intake_assign intake_assign_t;

typedef struct {
    const char *rep_id;       // NULL: nobody, not even a fallback owner
    const char *rep_name;
    bool fallback;
    char reason [300];
} intake_choice_t;

intake_assign_t *intake_assign_new (void);
void intake_assign_destroy (intake_assign_t **self_p);

//  Adds a rep (once; later calls for the same id are ignored).
void intake_assign_add_rep (intake_assign_t *self, const char *id, const char *name,
                            int weight, int capacity, int open_leads, bool active,
                            int64_t away_until_us, uint32_t products);
//  A rep's stored round-robin state in a territory: its current weight
//  there is `offset + rounds × weight`, `rounds` being the territory's
//  pick count (the same on every row of a territory). `weight` 0: a plain
//  current weight, as intake wrote it before rounds were kept.
typedef struct {
    bool known;               // false: no state stored yet
    int64_t offset;
    int weight;
    int64_t rounds;
} intake_rr_state_t;

//  The rep covers `scope` ("office:O1" or "district:D1"), with this
//  round-robin state there.
void intake_assign_add_member (intake_assign_t *self, const char *scope,
                               const char *rep_id, const intake_rr_state_t *state);
void intake_assign_set_fallback (intake_assign_t *self, const char *district_id,
                                 const char *rep_id);

//  Chooses for one lead and counts it in the rep's load.
void intake_assign_choose (intake_assign_t *self, const char *office_id,
                           const char *district_id, uint32_t products, int64_t now_us,
                           intake_choice_t *choice);

//  What changed since loading, for the store to write back:
//  a rep's new offset (for its weight), a territory's new round count, a
//  rep's change of open leads.
typedef void (intake_rr_fn) (void *arg, const char *scope, const char *rep_id, int64_t offset,
                             int weight);
typedef void (intake_round_fn) (void *arg, const char *scope, int64_t rounds);
typedef void (intake_load_fn) (void *arg, const char *rep_id, int delta);
void intake_assign_changes (intake_assign_t *self, intake_rr_fn *rr, intake_round_fn *round,
                            intake_load_fn *load, void *arg);

//  Whether a territory ("office:O1", "district:D1": its reps, their state,
//  and for a district its fallback owner) is loaded; the store marks it
//  once it has loaded it. An assigner outlives a batch while the store says
//  nothing it holds has changed (intake_store.c).
bool intake_assign_loaded (intake_assign_t *self, const char *scope);
void intake_assign_mark_loaded (intake_assign_t *self, const char *scope);
//  The changes were written: the next batch starts from here.
void intake_assign_saved (intake_assign_t *self);

#endif
