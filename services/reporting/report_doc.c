/*  report_doc — building a report. Allocation failures here are treated
    as fatal (the process cannot do anything useful without memory), so
    builders stay free of error paths for every cell. */
#include "report_doc.h"
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
s_alloc (void *ptr, size_t size)
{
    void *p = realloc (ptr, size ? size : 1);
    if (!p) {
        fprintf (stderr, "report: out of memory\n");
        abort ();
    }
    return p;
}

static char *
s_dup (const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen (s) + 1;
    char *d = s_alloc (NULL, n);
    memcpy (d, s, n);
    return d;
}

static char *
s_vfmt (const char *fmt, va_list args)
{
    char *text = NULL;
    if (vasprintf (&text, fmt, args) < 0) {
        fprintf (stderr, "report: out of memory\n");
        abort ();
    }
    return text;
}

report_t *
report_new (const char *kind, const char *title)
{
    report_t *self = s_alloc (NULL, sizeof *self);
    memset (self, 0, sizeof *self);
    self->kind = s_dup (kind);
    self->title = s_dup (title);
    return self;
}

static void
s_table_free (report_table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free (t->cells [i].text);
    for (size_t i = 0; i < t->ncols; i++) {
        free (t->cols [i].id);
        free (t->cols [i].label);
    }
    free (t->cells);
    free (t->cols);
    free (t->id);
    free (t->title);
    free (t->note);
    free (t);
}

void
report_destroy (report_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    report_t *self = *self_p;
    for (size_t i = 0; i < self->nmeta; i++) {
        free (self->meta [i].key);
        free (self->meta [i].label);
        free (self->meta [i].value);
    }
    for (size_t i = 0; i < self->ntables; i++)
        s_table_free (self->tables [i]);
    for (size_t i = 0; i < self->ncharts; i++) {
        report_chart_t *c = self->charts [i];
        for (size_t j = 0; j < c->npoints; j++)
            free (c->points [j].label);
        free (c->points);
        free (c->id);
        free (c->title);
        free (c->unit);
        free (c->target_label);
        free (c);
    }
    for (size_t i = 0; i < self->nnotes; i++)
        free (self->notes [i]);
    free (self->meta);
    free (self->tables);
    free (self->charts);
    free (self->notes);
    free (self->kind);
    free (self->title);
    free (self->subtitle);
    free (self->generated);
    free (self);
    *self_p = NULL;
}

void
report_subtitle (report_t *self, const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    free (self->subtitle);
    self->subtitle = s_vfmt (fmt, args);
    va_end (args);
}

void
report_generated (report_t *self, const char *when)
{
    free (self->generated);
    self->generated = s_dup (when);
}

void
report_meta (report_t *self, const char *key, const char *label, const char *fmt, ...)
{
    self->meta = s_alloc (self->meta, (self->nmeta + 1) * sizeof *self->meta);
    report_meta_t *m = &self->meta [self->nmeta++];
    m->key = s_dup (key);
    m->label = s_dup (label);
    va_list args;
    va_start (args, fmt);
    m->value = s_vfmt (fmt, args);
    va_end (args);
}

void
report_note (report_t *self, const char *fmt, ...)
{
    self->notes = s_alloc (self->notes, (self->nnotes + 1) * sizeof *self->notes);
    va_list args;
    va_start (args, fmt);
    self->notes [self->nnotes++] = s_vfmt (fmt, args);
    va_end (args);
}

report_table_t *
report_table (report_t *self, const char *id, const char *title)
{
    report_table_t *t = s_alloc (NULL, sizeof *t);
    memset (t, 0, sizeof *t);
    t->id = s_dup (id);
    t->title = s_dup (title);
    self->tables = s_alloc (self->tables, (self->ntables + 1) * sizeof *self->tables);
    self->tables [self->ntables++] = t;
    return t;
}

void
report_table_note (report_table_t *table, const char *note)
{
    free (table->note);
    table->note = s_dup (note);
}

void
report_col (report_table_t *table, const char *id, const char *label, report_col_type_t type)
{
    assert (table->nrows == 0);     // columns first, then rows
    table->cols = s_alloc (table->cols, (table->ncols + 1) * sizeof *table->cols);
    report_col_t *c = &table->cols [table->ncols++];
    c->id = s_dup (id);
    c->label = s_dup (label);
    c->type = type;
}

void
report_row (report_table_t *table)
{
    assert (table->ncols > 0);
    //  A row left short (a builder bug) is padded with "no data".
    while (table->nrows > 0 && table->fill < table->ncols)
        report_cell_null (table);
    if (table->nrows == table->cap) {
        table->cap = table->cap ? table->cap * 2 : 16;
        table->cells = s_alloc (table->cells, table->cap * table->ncols * sizeof *table->cells);
    }
    memset (&table->cells [table->nrows * table->ncols], 0, table->ncols * sizeof *table->cells);
    table->nrows++;
    table->fill = 0;
}

static report_cell_t *
s_next (report_table_t *table)
{
    assert (table->nrows > 0 && table->fill < table->ncols);
    return &table->cells [(table->nrows - 1) * table->ncols + table->fill++];
}

void
report_cell_text (report_table_t *table, const char *text)
{
    report_cell_t *c = s_next (table);
    c->text = s_dup (text ? text : "");
}

void
report_cell_textf (report_table_t *table, const char *fmt, ...)
{
    report_cell_t *c = s_next (table);
    va_list args;
    va_start (args, fmt);
    c->text = s_vfmt (fmt, args);
    va_end (args);
}

void
report_cell_int (report_table_t *table, int64_t n)
{
    s_next (table)->n = n;
}

void
report_cell_money (report_table_t *table, int64_t cents)
{
    s_next (table)->n = cents;
}

void
report_cell_bool (report_table_t *table, bool yes)
{
    s_next (table)->n = yes;
}

void
report_cell_share (report_table_t *table, int64_t num, int64_t den)
{
    report_cell_t *c = s_next (table);
    if (den <= 0)
        c->null = true;
    else
        c->pct = 100.0 * (double) num / (double) den;
}

void
report_cell_pct (report_table_t *table, double pct)
{
    report_cell_t *c = s_next (table);
    if (isnan (pct))
        c->null = true;
    else
        c->pct = pct;
}

void
report_cell_decimal (report_table_t *table, double value)
{
    report_cell_pct (table, value);
}

void
report_cell_null (report_table_t *table)
{
    s_next (table)->null = true;
}

const report_cell_t *
report_cell_at (const report_table_t *table, size_t row, size_t col)
{
    assert (row < table->nrows && col < table->ncols);
    return &table->cells [row * table->ncols + col];
}

report_chart_t *
report_chart (report_t *self, const char *id, const char *title,
              report_chart_kind_t kind, const char *unit)
{
    report_chart_t *c = s_alloc (NULL, sizeof *c);
    memset (c, 0, sizeof *c);
    c->id = s_dup (id);
    c->title = s_dup (title);
    c->kind = kind;
    c->unit = s_dup (unit ? unit : "");
    self->charts = s_alloc (self->charts, (self->ncharts + 1) * sizeof *self->charts);
    self->charts [self->ncharts++] = c;
    return c;
}

void
report_chart_target (report_chart_t *chart, double target, const char *label)
{
    chart->has_target = true;
    chart->target = target;
    free (chart->target_label);
    chart->target_label = s_dup (label);
}

void
report_chart_point (report_chart_t *chart, const char *label, double value)
{
    chart->points = s_alloc (chart->points, (chart->npoints + 1) * sizeof *chart->points);
    chart->points [chart->npoints].label = s_dup (label);
    chart->points [chart->npoints].value = isnan (value) ? 0 : value;
    chart->npoints++;
}

char *
report_render (const report_t *self, report_format_t format, size_t *len)
{
    switch (format) {
        case REPORT_FORMAT_TEXT: return report_format_text (self, len);
        case REPORT_FORMAT_CSV: return report_format_csv (self, len);
        case REPORT_FORMAT_JSON: return report_format_json (self, len);
        case REPORT_FORMAT_HTML: return report_format_html (self, len);
    }
    return NULL;
}

int
report_format_parse (const char *name)
{
    if (!name || !*name || strcmp (name, "text") == 0 || strcmp (name, "txt") == 0)
        return REPORT_FORMAT_TEXT;
    if (strcmp (name, "csv") == 0)
        return REPORT_FORMAT_CSV;
    if (strcmp (name, "json") == 0)
        return REPORT_FORMAT_JSON;
    if (strcmp (name, "html") == 0)
        return REPORT_FORMAT_HTML;
    return -1;
}

const char *
report_format_content_type (report_format_t format)
{
    switch (format) {
        case REPORT_FORMAT_CSV: return "text/csv; charset=utf-8";
        case REPORT_FORMAT_JSON: return "application/json";
        case REPORT_FORMAT_HTML: return "text/html; charset=utf-8";
        default: return "text/plain; charset=utf-8";
    }
}

void
report_money_human (int64_t cents, char *buf, size_t len)
{
    bool neg = cents < 0;
    uint64_t v = neg ? (uint64_t) (-(cents + 1)) + 1 : (uint64_t) cents;
    uint64_t dollars = v / 100;
    char digits [32], grouped [48];
    snprintf (digits, sizeof digits, "%" PRIu64, dollars);
    size_t n = strlen (digits), o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped [o++] = ',';
        grouped [o++] = digits [i];
    }
    grouped [o] = 0;
    snprintf (buf, len, "%s$%s.%02u", neg ? "-" : "", grouped, (unsigned) (v % 100));
}

void
report_money_plain (int64_t cents, char *buf, size_t len)
{
    bool neg = cents < 0;
    uint64_t v = neg ? (uint64_t) (-(cents + 1)) + 1 : (uint64_t) cents;
    snprintf (buf, len, "%s%" PRIu64 ".%02u", neg ? "-" : "", v / 100, (unsigned) (v % 100));
}

void
report_pct_plain (double pct, char *buf, size_t len)
{
    //  Round half away from zero at one decimal, the same on every libc.
    double r = floor (fabs (pct) * 10.0 + 0.5) / 10.0;
    snprintf (buf, len, "%s%.1f", pct < 0 && r > 0 ? "-" : "", r);
}

void
report_cell_human (const report_col_t *col, const report_cell_t *cell, char *buf, size_t len)
{
    if (cell->null) {
        snprintf (buf, len, "-");
        return;
    }
    switch (col->type) {
        case REPORT_COL_TEXT: snprintf (buf, len, "%s", cell->text ? cell->text : ""); break;
        case REPORT_COL_INT: snprintf (buf, len, "%" PRId64, cell->n); break;
        case REPORT_COL_MONEY: report_money_human (cell->n, buf, len); break;
        case REPORT_COL_BOOL: snprintf (buf, len, "%s", cell->n ? "yes" : "no"); break;
        case REPORT_COL_PCT: {
            char p [32];
            report_pct_plain (cell->pct, p, sizeof p);
            snprintf (buf, len, "%s%%", p);
            break;
        }
        case REPORT_COL_DECIMAL: report_pct_plain (cell->pct, buf, len); break;
    }
}

void
report_cell_plain (const report_col_t *col, const report_cell_t *cell, char *buf, size_t len)
{
    if (cell->null) {
        snprintf (buf, len, "%s", "");
        return;
    }
    switch (col->type) {
        case REPORT_COL_TEXT: snprintf (buf, len, "%s", cell->text ? cell->text : ""); break;
        case REPORT_COL_INT: snprintf (buf, len, "%" PRId64, cell->n); break;
        case REPORT_COL_MONEY: report_money_plain (cell->n, buf, len); break;
        case REPORT_COL_BOOL: snprintf (buf, len, "%s", cell->n ? "yes" : "no"); break;
        case REPORT_COL_PCT:
        case REPORT_COL_DECIMAL: report_pct_plain (cell->pct, buf, len); break;
    }
}
