/*  terminal_spool — the station terminal's offline spool: a folder holding
    every card that intake has not yet given a final answer for, one file per
    card, each file the packed Envelope exactly as it is sent (so a card sent
    later carries its original idempotency key and intake answers a resend
    with the first answer, never a second lead).

    A card is written (temp file, fsync, rename, fsync of the folder) before
    its first send attempt and removed only after a final reply. Files are
    named <microseconds>-<pid>-<counter>-<key>.card, so listing them in name
    order is oldest first. Cards intake refused for good for a reason the
    clerk cannot fix by editing a field (forbidden, conflict) are moved to
    held/ inside the folder with a .reason file beside them. */
#ifndef TERMINAL_SPOOL_H
#define TERMINAL_SPOOL_H
#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _terminal_spool_t terminal_spool_t;

//  Opens (creating, mode 0700) the spool folder. Removes temp files left by
//  terminals that died while writing (their cards were never sent).
//  Returns NULL with a message in err.
terminal_spool_t *terminal_spool_new (const char *dir, char *err, size_t errlen);
void terminal_spool_destroy (terminal_spool_t **self_p);
const char *terminal_spool_dir (terminal_spool_t *self);

//  The folder from LEADLINE_SPOOL_DIR, else $XDG_DATA_HOME/leadline/spool,
//  else ~/.local/share/leadline/spool, else ./spool. Caller frees.
char *terminal_spool_default_dir (void);

//  Writes one card durably. Returns its file name (caller frees), or NULL
//  with a message in err (disk full, no permission), in which case nothing
//  must be sent.
char *terminal_spool_put (terminal_spool_t *self, const char *key,
                          const uint8_t *data, size_t size, char *err, size_t errlen);
//  Writes several cards at once: each file fsynced, then all renamed and the
//  folder fsynced once (a third of the syncs of one at a time). Sets
//  names[i] (caller frees) and returns 0; or returns -1 with err, having
//  written none of them.
int terminal_spool_put_many (terminal_spool_t *self, size_t count, const char *const *keys,
                             uint8_t *const *data, const size_t *sizes, char **names,
                             char *err, size_t errlen);

//  The waiting cards' file names, oldest first (a list of char *, owned by
//  the list). held/ lists the held ones. Returns NULL on error.
zlistx_t *terminal_spool_list (terminal_spool_t *self);
zlistx_t *terminal_spool_list_held (terminal_spool_t *self);

//  Reads a waiting card (or a held one when name starts with "held/").
//  Returns 0 with *data (caller frees), or -1 with err.
int terminal_spool_read (terminal_spool_t *self, const char *name,
                         uint8_t **data, size_t *size, char *err, size_t errlen);

//  Removes a card after its final reply; a card already removed (by another
//  terminal flushing the same spool) is not an error. Returns 0 or -1.
int terminal_spool_remove (terminal_spool_t *self, const char *name);

//  Moves a card to held/ and writes `reason` beside it. Returns 0 or -1.
int terminal_spool_hold (terminal_spool_t *self, const char *name, const char *reason);

//  Reads the reason beside a held card (caller frees), or NULL.
char *terminal_spool_held_reason (terminal_spool_t *self, const char *name);

//  Takes the flush lock, so two terminals on one spool do not send the same
//  cards at once (intake would de-duplicate them, but it is wasted work).
//  Returns 0 when taken, 1 when another process holds it and `wait` is
//  false, -1 on error.
int terminal_spool_lock (terminal_spool_t *self, bool wait);
void terminal_spool_unlock (terminal_spool_t *self);

#endif
