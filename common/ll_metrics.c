#include "ll_metrics.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LL_BUCKETS 14
static const double s_bounds [LL_BUCKETS] =
    { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e300 };

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

struct ll_metric {
    kind_t kind;
    char *name;
    char *labels;
    char *help;
    _Atomic int64_t value;                     // counter, gauge; histogram count
    _Atomic int64_t buckets [LL_BUCKETS];      // histogram, non-cumulative
    _Atomic double sum;                        // histogram
    struct ll_metric *next;
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static ll_metric_t *s_head;
static ll_metric_t *s_tail;

static ll_metric_t *
s_get (kind_t kind, const char *name, const char *labels, const char *help)
{
    pthread_mutex_lock (&s_lock);
    ll_metric_t *m;
    for (m = s_head; m; m = m->next)
        if (strcmp (m->name, name) == 0
        && strcmp (m->labels, labels ? labels : "") == 0)
            break;
    if (!m) {
        m = calloc (1, sizeof *m);
        if (m) {
            m->kind = kind;
            m->name = strdup (name);
            m->labels = strdup (labels ? labels : "");
            m->help = strdup (help ? help : "");
            //  Creation order; ll_metrics_render groups label sets by name.
            if (s_tail)
                s_tail->next = m;
            else
                s_head = m;
            s_tail = m;
        }
    }
    pthread_mutex_unlock (&s_lock);
    return m;
}

ll_metric_t *
ll_metric_counter (const char *name, const char *labels, const char *help)
{
    return s_get (KIND_COUNTER, name, labels, help);
}

ll_metric_t *
ll_metric_gauge (const char *name, const char *labels, const char *help)
{
    return s_get (KIND_GAUGE, name, labels, help);
}

ll_metric_t *
ll_metric_histogram (const char *name, const char *labels, const char *help)
{
    return s_get (KIND_HISTOGRAM, name, labels, help);
}

void
ll_metric_add (ll_metric_t *self, int64_t n)
{
    if (self)
        atomic_fetch_add (&self->value, n);
}

void
ll_metric_set (ll_metric_t *self, int64_t value)
{
    if (self)
        atomic_store (&self->value, value);
}

void
ll_metric_observe (ll_metric_t *self, double value)
{
    if (!self)
        return;
    int i = 0;
    while (i < LL_BUCKETS - 1 && value > s_bounds [i])
        i++;
    atomic_fetch_add (&self->buckets [i], 1);
    atomic_fetch_add (&self->value, 1);
    double old = atomic_load (&self->sum);
    while (!atomic_compare_exchange_weak (&self->sum, &old, old + value))
        ;
}

int64_t
ll_metric_value (ll_metric_t *self)
{
    return self ? atomic_load (&self->value) : 0;
}

void
ll_metric_inc (const char *name, const char *labels, const char *help)
{
    ll_metric_add (ll_metric_counter (name, labels, help), 1);
}

static void
s_series (FILE *out, const char *name, const char *suffix, const char *labels,
          const char *extra)
{
    bool any = (labels && *labels) || (extra && *extra);
    fprintf (out, "%s%s%s%s%s%s%s", name, suffix, any ? "{" : "",
             labels ? labels : "", labels && *labels && extra && *extra ? "," : "",
             extra ? extra : "", any ? "}" : "");
}

//  HELP text escapes backslash and newline, as the text format requires.
static void
s_help (FILE *out, const char *help)
{
    for (const char *c = help; *c; c++)
        if (*c == '\\')
            fputs ("\\\\", out);
        else
        if (*c == '\n')
            fputs ("\\n", out);
        else
            fputc (*c, out);
}

static void
s_sample (FILE *out, ll_metric_t *m)
{
    if (m->kind == KIND_HISTOGRAM) {
        int64_t cumulative = 0;
        for (int i = 0; i < LL_BUCKETS; i++) {
            cumulative += atomic_load (&m->buckets [i]);
            char le [48];
            if (i == LL_BUCKETS - 1)
                snprintf (le, sizeof le, "le=\"+Inf\"");
            else
                snprintf (le, sizeof le, "le=\"%g\"", s_bounds [i]);
            s_series (out, m->name, "_bucket", m->labels, le);
            fprintf (out, " %lld\n", (long long) cumulative);
        }
        s_series (out, m->name, "_sum", m->labels, NULL);
        fprintf (out, " %.17g\n", atomic_load (&m->sum));      // %g would round to 6 digits
        s_series (out, m->name, "_count", m->labels, NULL);
        fprintf (out, " %lld\n", (long long) atomic_load (&m->value));
    }
    else {
        s_series (out, m->name, "", m->labels, NULL);
        fprintf (out, " %lld\n", (long long) atomic_load (&m->value));
    }
}

//  The text format wants all samples of one name together under a single
//  HELP and TYPE, whatever order the label sets were created in.
char *
ll_metrics_render (void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    pthread_mutex_lock (&s_lock);
    for (ll_metric_t *m = s_head; m; m = m->next) {
        bool seen = false;
        for (ll_metric_t *p = s_head; p != m && !seen; p = p->next)
            seen = strcmp (p->name, m->name) == 0;
        if (seen)
            continue;           // rendered with the first of its name
        fprintf (out, "# HELP %s ", m->name);
        s_help (out, m->help);
        fprintf (out, "\n# TYPE %s %s\n", m->name,
                 m->kind == KIND_COUNTER ? "counter"
                 : m->kind == KIND_GAUGE ? "gauge" : "histogram");
        for (ll_metric_t *p = m; p; p = p->next)
            if (strcmp (p->name, m->name) == 0)
                s_sample (out, p);
    }
    pthread_mutex_unlock (&s_lock);
    fclose (out);
    return text;
}
