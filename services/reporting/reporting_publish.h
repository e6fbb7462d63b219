/*  reporting_publish — at the end of each two-week period (by ll_clock, in
    each district's time zone) every station's report is generated, stored
    in reporting.published_report in all four formats, and announced with a
    ReportPublished event on stream "reporting", written through the outbox
    in the same transaction (the notifier tells the coordinators). Runs in
    the event loop on its own connection, a few stations per tick so the
    loop stays responsive. */
#ifndef REPORTING_PUBLISH_H
#define REPORTING_PUBLISH_H
#include <stdbool.h>

typedef struct reporting_publisher reporting_publisher_t;

reporting_publisher_t *reporting_publisher_new (const char *conninfo, double target_pct,
                                                double deadline_goal, int batch);
void reporting_publisher_destroy (reporting_publisher_t **self_p);

//  Publishes up to `batch` due reports. Returns how many, or -1 when the
//  store cannot be reached (it retries on the next tick).
int reporting_publisher_tick (reporting_publisher_t *self);
bool reporting_publisher_ready (reporting_publisher_t *self);

#endif
