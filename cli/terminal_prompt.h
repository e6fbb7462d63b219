/*  terminal_prompt — interactive mode: prompts a clerk field by field,
    sends the card, shows intake's field errors under the card and asks
    again for the failing fields only. Works the same when the input is a
    pipe (scripts and tests): answers are then echoed after each prompt so
    the transcript reads like a session. */
#ifndef TERMINAL_PROMPT_H
#define TERMINAL_PROMPT_H
#include <stdio.h>
#include "terminal_args.h"
#include "terminal_link.h"
#include "terminal_spool.h"

//  Runs until the clerk stops (EOF, or "n" to "another card?"). Returns the
//  exit code: 0 all cards entered, 3 some spooled, 1 a card abandoned or
//  refused.
int terminal_prompt_run (const terminal_args_t *args, terminal_spool_t *spool,
                         terminal_link_t *link, FILE *in, FILE *out);

#endif
