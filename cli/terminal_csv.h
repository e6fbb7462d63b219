/*  terminal_csv — a CSV reader (RFC 4180) over a buffer: comma separated,
    fields optionally in double quotes, "" for a quote inside quotes, line
    breaks inside quotes, CRLF or LF line ends, a UTF-8 byte order mark at
    the start ignored, blank lines skipped. A quote inside an unquoted field
    is kept as text (spreadsheets write such files). Errors name the line
    and column. */
#ifndef TERMINAL_CSV_H
#define TERMINAL_CSV_H
#include <stddef.h>

typedef struct _terminal_csv_t terminal_csv_t;

//  Reads from data (not copied: it must outlive the reader).
terminal_csv_t *terminal_csv_new (const char *data, size_t size);
void terminal_csv_destroy (terminal_csv_t **self_p);

//  Reads the next record. Returns its number of fields (at least 1) with
//  *fields pointing at them (valid until the next call) and *line the line
//  the record starts on; 0 at the end; -1 with a message in err.
int terminal_csv_next (terminal_csv_t *self, char ***fields, int *line,
                       char *err, size_t errlen);

#endif
