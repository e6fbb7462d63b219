/*  ll_metrics — a process-wide registry of counters, gauges and histograms,
    rendered in the Prometheus text format by ll_http at /metrics.
    Values are atomics: the event loop updates them, the HTTP thread reads. */
#ifndef LL_METRICS_H
#define LL_METRICS_H
#include <stdint.h>

typedef struct ll_metric ll_metric_t;

//  Gets or creates a metric. `labels` is the Prometheus label set without
//  braces, e.g. `reason="too_big"`, or NULL. Names should end in _total for
//  counters. The returned pointer lives as long as the process.
ll_metric_t *ll_metric_counter (const char *name, const char *labels, const char *help);
ll_metric_t *ll_metric_gauge (const char *name, const char *labels, const char *help);
//  A histogram with the default buckets (1,2,5,10,...,10000 in the metric's
//  unit, e.g. milliseconds or batch size).
ll_metric_t *ll_metric_histogram (const char *name, const char *labels, const char *help);

void ll_metric_add (ll_metric_t *self, int64_t n);
void ll_metric_set (ll_metric_t *self, int64_t value);
void ll_metric_observe (ll_metric_t *self, double value);
int64_t ll_metric_value (ll_metric_t *self);

//  Shorthand: counter `name`{labels} += 1.
void ll_metric_inc (const char *name, const char *labels, const char *help);

//  The whole registry as Prometheus text; the caller frees it.
char *ll_metrics_render (void);

#endif
