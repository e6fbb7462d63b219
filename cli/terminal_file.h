/*  terminal_file — reads many cards from a CSV file (a header row naming
    the columns) or a JSON file (an array of objects, or one object). Column
    and member names are the terminal's field names (docs/terminal.md), with
    common spellings accepted. A structural problem in the file (bad quoting,
    an unknown column, a value of the wrong type) fails the whole load with
    the file, line and column; a bad value in one card (an unknown program)
    is found later, when the card is encoded, and rejects only that card. */
#ifndef TERMINAL_FILE_H
#define TERMINAL_FILE_H
#include <czmq.h>
#include <stddef.h>

//  Parses a buffer. `format` is "csv" or "json"; `name` is used in
//  messages. Returns a list of terminal_card_t * (owned by the list, each
//  with its line set) or NULL with a message in err.
zlistx_t *terminal_file_parse (const char *data, size_t size, const char *format,
                               const char *name, char *err, size_t errlen);

//  Reads a file ("-" is standard input). `format` may be NULL: the file's
//  extension decides, else its first character ('[' or '{' is JSON).
zlistx_t *terminal_file_load (const char *path, const char *format,
                              char *err, size_t errlen);

#endif
