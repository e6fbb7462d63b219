/*  terminal_json — recursive descent over the RFC 8259 grammar, with a depth
    limit so a hostile file cannot exhaust the stack, and every allocation
    checked. See terminal_json.h. */
#include "terminal_json.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

typedef struct {
    const char *data;
    size_t size;
    size_t pos;
    int line;
    size_t line_start;
    char *err;
    size_t errlen;
    bool failed;
} s_parser_t;

static void
s_error (s_parser_t *p, const char *what)
{
    if (!p->failed)
        snprintf (p->err, p->errlen, "line %d, column %zu: %s",
                  p->line, p->pos - p->line_start + 1, what);
    p->failed = true;
}

static void
s_skip_space (s_parser_t *p)
{
    while (p->pos < p->size) {
        char c = p->data [p->pos];
        if (c == '\n') {
            p->line++;
            p->line_start = p->pos + 1;
        }
        else
        if (c != ' ' && c != '\t' && c != '\r')
            return;
        p->pos++;
    }
}

static terminal_json_t *
s_new_value (s_parser_t *p, terminal_json_type_t type)
{
    terminal_json_t *value = calloc (1, sizeof (terminal_json_t));
    if (!value) {
        s_error (p, "out of memory");
        return NULL;
    }
    value->type = type;
    value->line = p->line;
    return value;
}

void
terminal_json_destroy (terminal_json_t **self_p)
{
    if (self_p && *self_p) {
        terminal_json_t *self = *self_p;
        for (size_t i = 0; i < self->count; i++) {
            terminal_json_destroy (&self->items [i]);
            if (self->keys)
                free (self->keys [i]);
        }
        free (self->items);
        free (self->keys);
        free (self->text);
        free (self);
        *self_p = NULL;
    }
}

const char *
terminal_json_type_name (terminal_json_type_t type)
{
    switch (type) {
        case TERMINAL_JSON_NULL:   return "null";
        case TERMINAL_JSON_BOOL:   return "true/false";
        case TERMINAL_JSON_NUMBER: return "a number";
        case TERMINAL_JSON_STRING: return "a string";
        case TERMINAL_JSON_ARRAY:  return "an array";
        case TERMINAL_JSON_OBJECT: return "an object";
    }
    return "?";
}

static terminal_json_t *s_value (s_parser_t *p, int depth);

static int
s_hex4 (s_parser_t *p, unsigned *out)
{
    if (p->pos + 4 > p->size) {
        s_error (p, "\\u needs four hex digits");
        return -1;
    }
    unsigned value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->data [p->pos++];
        value <<= 4;
        if (c >= '0' && c <= '9')
            value |= (unsigned) (c - '0');
        else
        if (c >= 'a' && c <= 'f')
            value |= (unsigned) (c - 'a' + 10);
        else
        if (c >= 'A' && c <= 'F')
            value |= (unsigned) (c - 'A' + 10);
        else {
            s_error (p, "\\u needs four hex digits");
            return -1;
        }
    }
    *out = value;
    return 0;
}

//  Length of a valid UTF-8 sequence starting at s (max n bytes), or 0.
static size_t
s_utf8_len (const unsigned char *s, size_t n)
{
    unsigned c = s [0];
    size_t extra;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) { extra = 1; min = 0x80; cp = c & 0x1F; }
    else
    if ((c & 0xF0) == 0xE0) { extra = 2; min = 0x800; cp = c & 0x0F; }
    else
    if ((c & 0xF8) == 0xF0) { extra = 3; min = 0x10000; cp = c & 0x07; }
    else
        return 0;
    if (extra >= n)
        return 0;
    for (size_t i = 1; i <= extra; i++) {
        if ((s [i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s [i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return extra + 1;
}

//  Parses a string starting at the opening quote; returns it malloc'd.
static char *
s_string (s_parser_t *p)
{
    p->pos++;                            // opening quote
    size_t cap = 64, len = 0;
    char *buf = malloc (cap);
    if (!buf) {
        s_error (p, "out of memory");
        return NULL;
    }
    while (true) {
        if (p->pos >= p->size) {
            s_error (p, "a string is never closed: add the closing \"");
            goto fail;
        }
        if (len + 8 >= cap) {
            char *bigger = realloc (buf, cap *= 2);
            if (!bigger) {
                s_error (p, "out of memory");
                goto fail;
            }
            buf = bigger;
        }
        unsigned char c = (unsigned char) p->data [p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            s_error (p, c == '\n' ? "a string runs past the end of the line: close it "
                                    "with \" or write a line break as \\n"
                                  : "a control character inside a string: escape it");
            goto fail;
        }
        if (c == '\\') {
            p->pos++;
            if (p->pos >= p->size) {
                s_error (p, "a string is never closed: add the closing \"");
                goto fail;
            }
            char e = p->data [p->pos++];
            switch (e) {
                case '"':  buf [len++] = '"'; break;
                case '\\': buf [len++] = '\\'; break;
                case '/':  buf [len++] = '/'; break;
                case 'b':  buf [len++] = '\b'; break;
                case 'f':  buf [len++] = '\f'; break;
                case 'n':  buf [len++] = '\n'; break;
                case 'r':  buf [len++] = '\r'; break;
                case 't':  buf [len++] = '\t'; break;
                case 'u': {
                    unsigned cp;
                    if (s_hex4 (p, &cp))
                        goto fail;
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        unsigned low;
                        if (p->pos + 2 > p->size || p->data [p->pos] != '\\'
                        ||  p->data [p->pos + 1] != 'u') {
                            s_error (p, "a \\u surrogate pair is missing its second half");
                            goto fail;
                        }
                        p->pos += 2;
                        if (s_hex4 (p, &low))
                            goto fail;
                        if (low < 0xDC00 || low > 0xDFFF) {
                            s_error (p, "a \\u surrogate pair has a bad second half");
                            goto fail;
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    else
                    if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        s_error (p, "a lone \\u surrogate half is not a character");
                        goto fail;
                    }
                    if (cp == 0) {
                        s_error (p, "\\u0000 is not allowed in a card");
                        goto fail;
                    }
                    if (cp < 0x80)
                        buf [len++] = (char) cp;
                    else
                    if (cp < 0x800) {
                        buf [len++] = (char) (0xC0 | (cp >> 6));
                        buf [len++] = (char) (0x80 | (cp & 0x3F));
                    }
                    else
                    if (cp < 0x10000) {
                        buf [len++] = (char) (0xE0 | (cp >> 12));
                        buf [len++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                        buf [len++] = (char) (0x80 | (cp & 0x3F));
                    }
                    else {
                        buf [len++] = (char) (0xF0 | (cp >> 18));
                        buf [len++] = (char) (0x80 | ((cp >> 12) & 0x3F));
                        buf [len++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                        buf [len++] = (char) (0x80 | (cp & 0x3F));
                    }
                    break;
                }
                default:
                    p->pos--;
                    s_error (p, "unknown escape in a string: use \\\" \\\\ \\/ \\b \\f "
                                "\\n \\r \\t or \\uXXXX");
                    goto fail;
            }
            continue;
        }
        size_t n = s_utf8_len ((const unsigned char *) p->data + p->pos, p->size - p->pos);
        if (n == 0) {
            s_error (p, "text that is not UTF-8: save the file as UTF-8");
            goto fail;
        }
        memcpy (buf + len, p->data + p->pos, n);
        len += n;
        p->pos += n;
    }
    buf [len] = 0;
    return buf;
fail:
    free (buf);
    return NULL;
}

static terminal_json_t *
s_number (s_parser_t *p)
{
    size_t start = p->pos;
    const char *d = p->data;
    size_t n = p->size;
    if (p->pos < n && d [p->pos] == '-')
        p->pos++;
    if (p->pos < n && d [p->pos] == '0')
        p->pos++;
    else
    if (p->pos < n && d [p->pos] >= '1' && d [p->pos] <= '9')
        while (p->pos < n && d [p->pos] >= '0' && d [p->pos] <= '9')
            p->pos++;
    else {
        s_error (p, "expected a value (a string, number, object, array, true, false or null)");
        return NULL;
    }
    if (p->pos < n && d [p->pos] == '.') {
        p->pos++;
        if (p->pos >= n || d [p->pos] < '0' || d [p->pos] > '9') {
            s_error (p, "a number needs digits after the decimal point");
            return NULL;
        }
        while (p->pos < n && d [p->pos] >= '0' && d [p->pos] <= '9')
            p->pos++;
    }
    if (p->pos < n && (d [p->pos] == 'e' || d [p->pos] == 'E')) {
        p->pos++;
        if (p->pos < n && (d [p->pos] == '+' || d [p->pos] == '-'))
            p->pos++;
        if (p->pos >= n || d [p->pos] < '0' || d [p->pos] > '9') {
            s_error (p, "a number needs digits in its exponent");
            return NULL;
        }
        while (p->pos < n && d [p->pos] >= '0' && d [p->pos] <= '9')
            p->pos++;
    }
    terminal_json_t *value = s_new_value (p, TERMINAL_JSON_NUMBER);
    if (value && !(value->text = strndup (d + start, p->pos - start))) {
        s_error (p, "out of memory");
        terminal_json_destroy (&value);
    }
    return value;
}

static int
s_append (s_parser_t *p, terminal_json_t *parent, char *key, terminal_json_t *item,
          size_t *cap)
{
    if (parent->count == *cap) {
        size_t bigger = *cap ? *cap * 2 : 8;
        terminal_json_t **items = realloc (parent->items, bigger * sizeof *items);
        if (!items)
            goto oom;
        parent->items = items;
        if (parent->type == TERMINAL_JSON_OBJECT) {
            char **keys = realloc (parent->keys, bigger * sizeof *keys);
            if (!keys)
                goto oom;
            parent->keys = keys;
        }
        *cap = bigger;
    }
    parent->items [parent->count] = item;
    if (parent->keys)
        parent->keys [parent->count] = key;
    parent->count++;
    return 0;
oom:
    s_error (p, "out of memory");
    free (key);
    terminal_json_destroy (&item);
    return -1;
}

static terminal_json_t *
s_container (s_parser_t *p, int depth, bool object)
{
    if (depth >= MAX_DEPTH) {
        s_error (p, "nested too deeply");
        return NULL;
    }
    terminal_json_t *self = s_new_value (p, object ? TERMINAL_JSON_OBJECT : TERMINAL_JSON_ARRAY);
    if (!self)
        return NULL;
    char close = object ? '}' : ']';
    size_t cap = 0;
    p->pos++;
    s_skip_space (p);
    if (p->pos < p->size && p->data [p->pos] == close) {
        p->pos++;
        return self;
    }
    while (true) {
        char *key = NULL;
        s_skip_space (p);
        if (object) {
            if (p->pos >= p->size || p->data [p->pos] != '"') {
                s_error (p, "expected a member name in double quotes");
                goto fail;
            }
            if (!(key = s_string (p)))
                goto fail;
            s_skip_space (p);
            if (p->pos >= p->size || p->data [p->pos] != ':') {
                free (key);
                s_error (p, "expected ':' after the member name");
                goto fail;
            }
            p->pos++;
        }
        terminal_json_t *item = s_value (p, depth + 1);
        if (!item) {
            free (key);
            goto fail;
        }
        if (s_append (p, self, key, item, &cap))
            goto fail;
        s_skip_space (p);
        if (p->pos < p->size && p->data [p->pos] == ',') {
            p->pos++;
            s_skip_space (p);
            if (p->pos < p->size && p->data [p->pos] == close) {
                s_error (p, "a trailing comma before the closing bracket: remove it");
                goto fail;
            }
            continue;
        }
        if (p->pos < p->size && p->data [p->pos] == close) {
            p->pos++;
            return self;
        }
        s_error (p, object ? "expected ',' or '}' after a member"
                           : "expected ',' or ']' after an item");
        goto fail;
    }
fail:
    terminal_json_destroy (&self);
    return NULL;
}

static terminal_json_t *
s_literal (s_parser_t *p, const char *word, terminal_json_type_t type, bool boolean)
{
    size_t len = strlen (word);
    if (p->pos + len > p->size || memcmp (p->data + p->pos, word, len) != 0) {
        s_error (p, "expected a value (a string, number, object, array, true, false or null)");
        return NULL;
    }
    p->pos += len;
    terminal_json_t *value = s_new_value (p, type);
    if (value)
        value->boolean = boolean;
    return value;
}

static terminal_json_t *
s_value (s_parser_t *p, int depth)
{
    s_skip_space (p);
    if (p->pos >= p->size) {
        s_error (p, "the file ends where a value was expected");
        return NULL;
    }
    char c = p->data [p->pos];
    switch (c) {
        case '{': return s_container (p, depth, true);
        case '[': return s_container (p, depth, false);
        case 't': return s_literal (p, "true", TERMINAL_JSON_BOOL, true);
        case 'f': return s_literal (p, "false", TERMINAL_JSON_BOOL, false);
        case 'n': return s_literal (p, "null", TERMINAL_JSON_NULL, false);
        case '"': {
            int line = p->line;
            char *text = s_string (p);
            if (!text)
                return NULL;
            terminal_json_t *value = s_new_value (p, TERMINAL_JSON_STRING);
            if (!value) {
                free (text);
                return NULL;
            }
            value->text = text;
            value->line = line;
            return value;
        }
        default:
            return s_number (p);
    }
}

terminal_json_t *
terminal_json_parse (const char *data, size_t size, char *err, size_t errlen)
{
    s_parser_t p = { .data = data, .size = size, .line = 1, .err = err, .errlen = errlen };
    if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
        p.pos = p.line_start = 3;
    if (memchr (data, 0, size)) {
        snprintf (err, errlen, "the file holds a NUL byte: is it a JSON text file?");
        return NULL;
    }
    terminal_json_t *root = s_value (&p, 0);
    if (!root)
        return NULL;
    s_skip_space (&p);
    if (p.pos < p.size) {
        s_error (&p, "text after the end of the JSON document");
        terminal_json_destroy (&root);
    }
    return root;
}
