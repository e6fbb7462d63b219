/*  terminal_args — the command line of `leadline terminal`: a subcommand
    word, card fields as flags (--zip 12345 or --zip=12345), and options,
    with defaults from the environment. Parsing is separate from running so
    it can be tested on its own. */
#ifndef TERMINAL_ARGS_H
#define TERMINAL_ARGS_H
#include <stdbool.h>
#include <stddef.h>
#include "terminal_card.h"

typedef enum {
    TERMINAL_CMD_AUTO = 0,       // no word: a card from flags, else interactive on a TTY
    TERMINAL_CMD_SUBMIT,         // submit: one card from flags
    TERMINAL_CMD_FILE,           // --file FILE (or submit --file FILE)
    TERMINAL_CMD_INTERACTIVE,    // interactive: prompt field by field
    TERMINAL_CMD_FLUSH,          // flush: send the spool
    TERMINAL_CMD_SPOOL,          // spool: list what is waiting
    TERMINAL_CMD_HELP,           // --help
} terminal_cmd_t;

#define TERMINAL_DEFAULT_ENDPOINT "tcp://127.0.0.1:7100"
#define TERMINAL_DEFAULT_TIMEOUT_MS 3000
#define TERMINAL_DEFAULT_IN_FLIGHT 32

typedef struct {
    terminal_cmd_t cmd;
    terminal_card_t *card;       // fields given as flags
    int n_card_flags;            // of them, fields other than station/employee
    char *file;
    char *format;                // "csv", "json" or NULL
    char *endpoint;
    char *spool_dir;             // NULL: terminal_spool_default_dir ()
    int timeout_ms;
    int in_flight;
    bool verbose;
} terminal_args_t;

//  Parses argv (argv[0] is "terminal"). Returns 0, or -1 with a message
//  for the person typing it in err (exit code 2).
int terminal_args_parse (terminal_args_t *args, int argc, char **argv,
                         char *err, size_t errlen);
void terminal_args_clear (terminal_args_t *args);

#endif
