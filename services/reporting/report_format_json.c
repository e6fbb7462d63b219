/*  report_format_json — a report as one JSON object:
      { "report": kind, "title", "subtitle", "generated",
        "meta": { key: value, ... },
        "tables": [ { "id", "title", "note",
                      "columns": [ { "id", "label", "type" } ],
                      "rows": [ { column id: value } ] } ],
        "charts": [ { "id", "title", "kind", "unit", "target",
                      "points": [ { "label", "value" } ] } ],
        "notes": [ text ] }
    Counts are integers, money is dollars with two decimals, shares are
    percent with one decimal; "no data" is null. */
#include "report_doc.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

//  Characters that need no escape go out in runs, one fwrite each: a
//  character at a time was most of the time spent rendering a report.
static void
s_string (FILE *out, const char *s)
{
    fputc ('"', out);
    const unsigned char *run = (const unsigned char *) (s ? s : ""), *c = run;
    for (; *c; c++) {
        if (*c >= 0x20 && *c != '"' && *c != '\\')
            continue;
        fwrite (run, 1, (size_t) (c - run), out);
        run = c + 1;
        switch (*c) {
            case '"': fputs ("\\\"", out); break;
            case '\\': fputs ("\\\\", out); break;
            case '\n': fputs ("\\n", out); break;
            case '\r': fputs ("\\r", out); break;
            case '\t': fputs ("\\t", out); break;
            default: fprintf (out, "\\u%04x", *c);
        }
    }
    fwrite (run, 1, (size_t) (c - run), out);
    fputc ('"', out);
}

static void
s_number (FILE *out, double v)
{
    if (isnan (v) || isinf (v)) {
        fputs ("null", out);
        return;
    }
    char buf [64];
    report_pct_plain (v, buf, sizeof buf);
    fputs (buf, out);
}

static void
s_cell (FILE *out, const report_col_t *col, const report_cell_t *cell)
{
    if (cell->null) {
        fputs ("null", out);
        return;
    }
    char buf [64];
    switch (col->type) {
        case REPORT_COL_TEXT: s_string (out, cell->text); break;
        case REPORT_COL_INT: fprintf (out, "%" PRId64, cell->n); break;
        case REPORT_COL_MONEY:
            report_money_plain (cell->n, buf, sizeof buf);
            fputs (buf, out);
            break;
        case REPORT_COL_BOOL: fputs (cell->n ? "true" : "false", out); break;
        case REPORT_COL_PCT:
        case REPORT_COL_DECIMAL: s_number (out, cell->pct); break;
    }
}

static const char *
s_type_name (report_col_type_t type)
{
    switch (type) {
        case REPORT_COL_INT: return "int";
        case REPORT_COL_MONEY: return "money";
        case REPORT_COL_PCT: return "percent";
        case REPORT_COL_BOOL: return "bool";
        case REPORT_COL_DECIMAL: return "decimal";
        default: return "text";
    }
}

char *
report_format_json (const report_t *self, size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    if (!out)
        return NULL;
    fputs ("{\"report\":", out);
    s_string (out, self->kind);
    fputs (",\"title\":", out);
    s_string (out, self->title);
    fputs (",\"subtitle\":", out);
    if (self->subtitle)
        s_string (out, self->subtitle);
    else
        fputs ("null", out);
    fputs (",\"generated\":", out);
    if (self->generated)
        s_string (out, self->generated);
    else
        fputs ("null", out);
    fputs (",\n\"meta\":{", out);
    for (size_t i = 0; i < self->nmeta; i++) {
        if (i)
            fputc (',', out);
        s_string (out, self->meta [i].key);
        fputc (':', out);
        s_string (out, self->meta [i].value);
    }
    fputs ("},\n\"tables\":[", out);
    for (size_t i = 0; i < self->ntables; i++) {
        const report_table_t *t = self->tables [i];
        fputs (i ? ",\n{\"id\":" : "\n{\"id\":", out);
        s_string (out, t->id);
        fputs (",\"title\":", out);
        s_string (out, t->title);
        fputs (",\"note\":", out);
        if (t->note)
            s_string (out, t->note);
        else
            fputs ("null", out);
        fputs (",\"columns\":[", out);
        for (size_t c = 0; c < t->ncols; c++) {
            fputs (c ? ",{\"id\":" : "{\"id\":", out);
            s_string (out, t->cols [c].id);
            fputs (",\"label\":", out);
            s_string (out, t->cols [c].label);
            fputs (",\"type\":", out);
            s_string (out, s_type_name (t->cols [c].type));
            fputc ('}', out);
        }
        fputs ("],\"rows\":[", out);
        for (size_t r = 0; r < t->nrows; r++) {
            fputs (r ? ",\n{" : "\n{", out);
            for (size_t c = 0; c < t->ncols; c++) {
                if (c)
                    fputc (',', out);
                s_string (out, t->cols [c].id);
                fputc (':', out);
                s_cell (out, &t->cols [c], report_cell_at (t, r, c));
            }
            fputc ('}', out);
        }
        fputs ("]}", out);
    }
    fputs ("],\n\"charts\":[", out);
    for (size_t i = 0; i < self->ncharts; i++) {
        const report_chart_t *ch = self->charts [i];
        fputs (i ? ",\n{\"id\":" : "\n{\"id\":", out);
        s_string (out, ch->id);
        fputs (",\"title\":", out);
        s_string (out, ch->title);
        fputs (",\"kind\":", out);
        s_string (out, ch->kind == REPORT_CHART_LINE ? "line" : "bar");
        fputs (",\"unit\":", out);
        s_string (out, ch->unit);
        fputs (",\"target\":", out);
        if (ch->has_target)
            s_number (out, ch->target);
        else
            fputs ("null", out);
        fputs (",\"points\":[", out);
        for (size_t p = 0; p < ch->npoints; p++) {
            fputs (p ? ",{\"label\":" : "{\"label\":", out);
            s_string (out, ch->points [p].label);
            fputs (",\"value\":", out);
            s_number (out, ch->points [p].value);
            fputc ('}', out);
        }
        fputs ("]}", out);
    }
    fputs ("],\n\"notes\":[", out);
    for (size_t i = 0; i < self->nnotes; i++) {
        if (i)
            fputc (',', out);
        s_string (out, self->notes [i]);
    }
    fputs ("]}\n", out);
    fclose (out);
    *len = size;
    return text;
}
