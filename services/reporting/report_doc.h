/*  report_doc — a report as data: a title, facts about it (who, which
    period), tables of typed cells, charts and notes. The report builders
    (report_carrier.c, report_station.c, report_district.c,
    report_campaign.c) fill one; the formatters (report_format_*.c) render
    any of them as a text table, CSV, JSON or printable HTML with SVG
    charts. Everything a report holds is freed with it. */
#ifndef REPORT_DOC_H
#define REPORT_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    REPORT_COL_TEXT = 0,
    REPORT_COL_INT,        // a count
    REPORT_COL_MONEY,      // cents, shown as dollars
    REPORT_COL_PCT,        // a share in percent (0..100), one decimal
    REPORT_COL_BOOL,       // yes / no
    REPORT_COL_DECIMAL,    // a number with one decimal (a score)
} report_col_type_t;

typedef struct {
    bool null;             // "not applicable" or "no data": shown as "-"
    char *text;            // REPORT_COL_TEXT
    int64_t n;             // INT, MONEY (cents), BOOL
    double pct;            // PCT, DECIMAL
} report_cell_t;

typedef struct {
    char *id;              // machine name: JSON key, CSV/HTML class
    char *label;           // for people
    report_col_type_t type;
} report_col_t;

typedef struct {
    char *id;
    char *title;
    char *note;            // one line under the title, or NULL
    report_col_t *cols;
    size_t ncols;
    report_cell_t *cells;  // row-major, nrows * ncols
    size_t nrows;
    size_t cap;            // rows allocated
    size_t fill;           // next cell of the current row
} report_table_t;

typedef enum { REPORT_CHART_BAR = 0, REPORT_CHART_LINE } report_chart_kind_t;

typedef struct {
    char *label;
    double value;
} report_point_t;

typedef struct {
    char *id;
    char *title;
    report_chart_kind_t kind;
    char *unit;            // "%", "leads", "$"
    bool has_target;
    double target;
    char *target_label;
    report_point_t *points;
    size_t npoints;
} report_chart_t;

typedef struct {
    char *key;
    char *label;
    char *value;
} report_meta_t;

typedef struct {
    char *kind;            // "carrier", "station", "district", "campaign"
    char *title;
    char *subtitle;
    char *generated;       // when, in the report's time zone
    report_meta_t *meta;
    size_t nmeta;
    report_table_t **tables;
    size_t ntables;
    report_chart_t **charts;
    size_t ncharts;
    char **notes;
    size_t nnotes;
} report_t;

typedef enum {
    REPORT_FORMAT_TEXT = 0,
    REPORT_FORMAT_CSV,
    REPORT_FORMAT_JSON,
    REPORT_FORMAT_HTML,
} report_format_t;

report_t *report_new (const char *kind, const char *title);
void report_destroy (report_t **self_p);

void report_subtitle (report_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void report_generated (report_t *self, const char *when);
void report_meta (report_t *self, const char *key, const char *label, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
void report_note (report_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

report_table_t *report_table (report_t *self, const char *id, const char *title);
void report_table_note (report_table_t *table, const char *note);
void report_col (report_table_t *table, const char *id, const char *label, report_col_type_t type);
//  Starts a row; then one report_cell_* per column, in order.
void report_row (report_table_t *table);
void report_cell_text (report_table_t *table, const char *text);
void report_cell_textf (report_table_t *table, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void report_cell_int (report_table_t *table, int64_t n);
void report_cell_money (report_table_t *table, int64_t cents);
void report_cell_bool (report_table_t *table, bool yes);
//  100 * num / den, or "no data" when den is 0.
void report_cell_share (report_table_t *table, int64_t num, int64_t den);
void report_cell_pct (report_table_t *table, double pct);
void report_cell_decimal (report_table_t *table, double value);
void report_cell_null (report_table_t *table);
//  The cell at (row, col) of a table, for builders that read back.
const report_cell_t *report_cell_at (const report_table_t *table, size_t row, size_t col);

report_chart_t *report_chart (report_t *self, const char *id, const char *title,
                              report_chart_kind_t kind, const char *unit);
void report_chart_target (report_chart_t *chart, double target, const char *label);
void report_chart_point (report_chart_t *chart, const char *label, double value);

//  Renders the report; the caller frees the result. NULL on out of memory.
char *report_render (const report_t *self, report_format_t format, size_t *len);
char *report_format_text (const report_t *self, size_t *len);
char *report_format_csv (const report_t *self, size_t *len);
char *report_format_json (const report_t *self, size_t *len);
char *report_format_html (const report_t *self, size_t *len);

//  "text", "csv", "json", "html" -> format; -1 if unknown.
int report_format_parse (const char *name);
const char *report_format_content_type (report_format_t format);

//  Helpers the formatters share: "$1,234.56" / "1234.56", "35.2".
void report_money_human (int64_t cents, char *buf, size_t len);
void report_money_plain (int64_t cents, char *buf, size_t len);
void report_pct_plain (double pct, char *buf, size_t len);
//  A cell as text for people ("-" when null) or for machines ("" when null).
void report_cell_human (const report_col_t *col, const report_cell_t *cell, char *buf, size_t len);
void report_cell_plain (const report_col_t *col, const report_cell_t *cell, char *buf, size_t len);

#endif
