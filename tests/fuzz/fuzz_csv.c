/*  Fuzz target: the CSV reader of `leadline admin import` (cli/admin_csv.c)
    on arbitrary bytes. No crash, leak or out-of-bounds access; a refusal
    names the place ("FILE:LINE:COL: ..." or the NUL-byte message); every
    record and field has a position that makes sense; and what was read,
    written back as CSV with every field quoted, reads back to the same
    fields (but for CRLF inside quotes, which reads as LF). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin_csv.h"

static void
s_die (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_csv: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err [512] = "";
    admin_csv_t *csv = admin_csv_parse ("in.csv", (const char *) data, size, err, sizeof err);
    if (!csv) {
        if (strncmp (err, "in.csv:", 7) != 0)
            s_die ("a refusal that does not name the file", err);
        return 0;
    }
    //  Written back, every field quoted and its quotes doubled.
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&text, &len);
    if (!out)
        abort ();
    int last_line = 0;
    for (size_t r = 0; r < csv->count; r++) {
        admin_csv_record_t *rec = &csv->records [r];
        if (rec->line < 1 || rec->line < last_line || rec->count == 0)
            s_die ("a record without a sensible line or fields", NULL);
        last_line = rec->line;
        for (size_t f = 0; f < rec->count; f++) {
            if (rec->lines [f] < rec->line || rec->columns [f] < 1)
                s_die ("a field without a sensible position", rec->fields [f]);
            fputs (f ? ",\"" : "\"", out);
            for (const char *p = rec->fields [f]; *p; p++)
                fputs (*p == '"' ? "\"\"" : (char []) { *p, 0 }, out);
            fputc ('"', out);
        }
        fputc ('\n', out);
    }
    fclose (out);
    admin_csv_t *again = admin_csv_parse ("again.csv", text, len, err, sizeof err);
    if (!again)
        s_die ("what was read does not read back", err);
    if (again->count != csv->count)
        s_die ("the number of records changed on the way back", NULL);
    for (size_t r = 0; r < csv->count; r++) {
        if (again->records [r].count != csv->records [r].count)
            s_die ("the number of fields changed on the way back", NULL);
        for (size_t f = 0; f < csv->records [r].count; f++) {
            //  Inside quotes CRLF reads as LF, so a field that holds CR CR LF
            //  comes back with one CR fewer: the one change allowed.
            const char *in = csv->records [r].fields [f];
            char *want = strdup (in);
            if (!want)
                abort ();
            size_t w = 0;
            for (const char *p = in; *p; p++)
                if (!(p [0] == '\r' && p [1] == '\n'))
                    want [w++] = *p;
            want [w] = 0;
            if (strcmp (again->records [r].fields [f], want) != 0)
                s_die ("a field changed on the way back", in);
            free (want);
        }
    }
    admin_csv_destroy (&again);
    admin_csv_destroy (&csv);
    free (text);
    return 0;
}
