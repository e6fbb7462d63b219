/*  intake_server — the ROUTER that terminals, reps and managers talk to, in
    the service's one event loop. Each time the ROUTER is readable it drains
    up to `batch_max` waiting commands, decides them (submissions as one
    group-committed batch, updates one by one), and only then sends every
    reply. A timer keeps the store connected (reconnecting with backoff)
    and /readyz in step with it. */
#ifndef INTAKE_SERVER_H
#define INTAKE_SERVER_H
#include <czmq.h>
#include "intake.h"
#include "ll_http.h"

typedef struct intake_server intake_server_t;

//  Binds the ROUTER on `endpoint`. `http` may be NULL. NULL after logging.
intake_server_t *intake_server_new (intake_ctx_t *ctx, ll_http_t *http,
                                    const char *endpoint, int batch_max);
void intake_server_destroy (intake_server_t **self_p);
int intake_server_attach (intake_server_t *self, zloop_t *loop);

//  Readiness needs more than the store when the relay runs: a function the
//  server asks on each tick (NULL = store only).
typedef bool (intake_ready_fn) (void *arg, const char **why);
void intake_server_set_ready_fn (intake_server_t *self, intake_ready_fn *fn, void *arg);

//  Called after the replies of a batch that stored something have gone
//  out (it is committed by then).
typedef void (intake_batch_fn) (void *arg);
void intake_server_on_batch (intake_server_t *self, intake_batch_fn *fn, void *arg);

#endif
