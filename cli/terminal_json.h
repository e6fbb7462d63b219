/*  terminal_json — a small, strict JSON parser (RFC 8259) for card files.
    Builds a tree; every value remembers the line it starts on, so errors
    about a card can name its line. Limits: nesting depth 32; strings must
    be UTF-8 and may not contain \u0000 (cards are C strings). */
#ifndef TERMINAL_JSON_H
#define TERMINAL_JSON_H
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    TERMINAL_JSON_NULL = 0,
    TERMINAL_JSON_BOOL,
    TERMINAL_JSON_NUMBER,
    TERMINAL_JSON_STRING,
    TERMINAL_JSON_ARRAY,
    TERMINAL_JSON_OBJECT,
} terminal_json_type_t;

typedef struct _terminal_json_t terminal_json_t;
struct _terminal_json_t {
    terminal_json_type_t type;
    int line;
    bool boolean;
    char *text;                  // string value, or a number as written
    size_t count;                // array items or object members
    terminal_json_t **items;
    char **keys;                 // object member names, parallel to items
};

//  Parses one JSON document. Returns NULL with "line N, column M: what was
//  wrong" in err.
terminal_json_t *terminal_json_parse (const char *data, size_t size,
                                      char *err, size_t errlen);
void terminal_json_destroy (terminal_json_t **self_p);
const char *terminal_json_type_name (terminal_json_type_t type);

#endif
