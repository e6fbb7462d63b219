/*  terminal_spool — see terminal_spool.h for the promises. The write path is
    the classic one: write a temp file in the same folder, fsync it, rename
    it to its final name (atomic within a file system), fsync the folder so
    the rename itself survives a power cut. A reader never sees a half
    written card: temp files start with '.' and are not listed. Removal is
    not fsynced: if a removal is lost in a crash the card is sent again with
    its original key and intake answers with its first answer. */
#include "terminal_spool.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct _terminal_spool_t {
    char *dir;
    char *held_dir;
    int lock_fd;
    unsigned counter;
};

#define SPOOL_SUFFIX ".card"
#define TEMP_PREFIX ".tmp-"

//  mkdir -p, mode 0700: a spool holds customers' phone numbers.
static int
s_mkdir_p (const char *path)
{
    char buf [4096];
    if (snprintf (buf, sizeof buf, "%s", path) >= (int) sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir (buf, 0700) && errno != EEXIST)
                return -1;
            *s = '/';
        }
    if (mkdir (buf, 0700) && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat (buf, &st))
        return -1;
    if (!S_ISDIR (st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int
s_fsync_dir (const char *dir)
{
    int fd = open (dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync (fd);
    close (fd);
    return rc;
}

//  Removes temp files whose writer is gone: their card was never renamed
//  into place, so it was never sent and the clerk was never told it was.
static void
s_remove_stale_temps (terminal_spool_t *self)
{
    DIR *dir = opendir (self->dir);
    if (!dir)
        return;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (strncmp (entry->d_name, TEMP_PREFIX, strlen (TEMP_PREFIX)) != 0)
            continue;
        long pid = strtol (entry->d_name + strlen (TEMP_PREFIX), NULL, 10);
        if (pid > 0 && pid != getpid () && kill ((pid_t) pid, 0) == 0)
            continue;           // its writer is still running
        if (pid > 0 && pid != getpid () && errno == EPERM)
            continue;           // someone else's live process
        char path [4096];
        snprintf (path, sizeof path, "%s/%s", self->dir, entry->d_name);
        unlink (path);
    }
    closedir (dir);
}

terminal_spool_t *
terminal_spool_new (const char *dir, char *err, size_t errlen)
{
    if (!dir || !*dir) {
        snprintf (err, errlen, "no spool folder: set LEADLINE_SPOOL_DIR or pass --spool-dir");
        return NULL;
    }
    if (s_mkdir_p (dir)) {
        snprintf (err, errlen, "cannot create the spool folder %s: %s; "
                  "set LEADLINE_SPOOL_DIR to a folder this user can write",
                  dir, strerror (errno));
        return NULL;
    }
    if (access (dir, W_OK | X_OK)) {
        snprintf (err, errlen, "cannot write to the spool folder %s: %s; "
                  "set LEADLINE_SPOOL_DIR to a folder this user can write",
                  dir, strerror (errno));
        return NULL;
    }
    terminal_spool_t *self = calloc (1, sizeof (terminal_spool_t));
    if (!self || !(self->dir = strdup (dir))
    ||  asprintf (&self->held_dir, "%s/held", dir) < 0) {
        if (self) {
            self->held_dir = NULL;
            terminal_spool_destroy (&self);
        }
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->lock_fd = -1;
    s_remove_stale_temps (self);
    return self;
}

void
terminal_spool_destroy (terminal_spool_t **self_p)
{
    if (self_p && *self_p) {
        terminal_spool_t *self = *self_p;
        terminal_spool_unlock (self);
        free (self->dir);
        free (self->held_dir);
        free (self);
        *self_p = NULL;
    }
}

const char *
terminal_spool_dir (terminal_spool_t *self)
{
    return self->dir;
}

char *
terminal_spool_default_dir (void)
{
    char *dir = NULL;
    const char *env = getenv ("LEADLINE_SPOOL_DIR");
    const char *xdg = getenv ("XDG_DATA_HOME");
    const char *home = getenv ("HOME");
    int rc;
    if (env && *env)
        rc = asprintf (&dir, "%s", env);
    else
    if (xdg && *xdg == '/')
        rc = asprintf (&dir, "%s/leadline/spool", xdg);
    else
    if (home && *home == '/')
        rc = asprintf (&dir, "%s/.local/share/leadline/spool", home);
    else
        rc = asprintf (&dir, "spool");
    return rc < 0 ? NULL : dir;
}

//  Writes all of `size` bytes. Returns 0 or -1.
static int
s_write_all (int fd, const uint8_t *data, size_t size)
{
    while (size) {
        ssize_t n = write (fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t) n;
    }
    return 0;
}

//  The file name for a card: time, pid and counter order it, the key is for
//  people reading the folder (anything unsafe in a name becomes '_').
static char *
s_card_name (terminal_spool_t *self, const char *key, unsigned *counter)
{
    char safe_key [129];
    size_t n = 0;
    for (const char *s = key ? key : ""; *s && n + 1 < sizeof safe_key; s++)
        safe_key [n++] = (strchr ("/\\ \t\n\r", *s) || (unsigned char) *s < 32) ? '_' : *s;
    safe_key [n] = 0;
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    long long now_us = (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    *counter = self->counter++;
    char *name;
    if (asprintf (&name, "%016lld-%07d-%06u-%s" SPOOL_SUFFIX,
                  now_us, (int) getpid (), *counter, safe_key) < 0)
        return NULL;
    return name;
}

int
terminal_spool_put_many (terminal_spool_t *self, size_t count, const char *const *keys,
                         uint8_t *const *data, const size_t *sizes, char **names,
                         char *err, size_t errlen)
{
    char **temps = calloc (count ? count : 1, sizeof (char *));
    if (!temps) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        names [i] = NULL;
    size_t written = 0;
    //  1. Each card into its temp file, fsynced
    for (; written < count; written++) {
        unsigned counter;
        names [written] = s_card_name (self, keys [written], &counter);
        if (!names [written]
        ||  asprintf (&temps [written], "%s/" TEMP_PREFIX "%d-%u", self->dir,
                      (int) getpid (), counter) < 0) {
            temps [written] = NULL;
            snprintf (err, errlen, "out of memory");
            goto fail;
        }
        int fd = open (temps [written], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf (err, errlen, "cannot write to the spool folder %s: %s; free some "
                      "space or set LEADLINE_SPOOL_DIR to a writable folder",
                      self->dir, strerror (errno));
            goto fail;
        }
        if (s_write_all (fd, data [written], sizes [written]) || fsync (fd)) {
            snprintf (err, errlen, "cannot write a card to the spool folder %s: %s; free "
                      "some space or set LEADLINE_SPOOL_DIR to a writable folder",
                      self->dir, strerror (errno));
            close (fd);
            written++;          // so its temp file is removed below
            goto fail;
        }
        close (fd);
    }
    //  2. All renamed into place, then the folder fsynced once for all
    for (size_t i = 0; i < count; i++) {
        char final [4096];
        snprintf (final, sizeof final, "%s/%s", self->dir, names [i]);
        if (rename (temps [i], final)) {
            snprintf (err, errlen, "cannot store a card in the spool folder %s: %s",
                      self->dir, strerror (errno));
            //  Undo the ones renamed: nothing of this call was sent yet
            for (size_t j = 0; j < i; j++) {
                snprintf (final, sizeof final, "%s/%s", self->dir, names [j]);
                unlink (final);
            }
            goto fail;
        }
    }
    if (s_fsync_dir (self->dir)) {
        snprintf (err, errlen, "cannot store cards in the spool folder %s: %s",
                  self->dir, strerror (errno));
        for (size_t i = 0; i < count; i++) {
            char final [4096];
            snprintf (final, sizeof final, "%s/%s", self->dir, names [i]);
            unlink (final);
        }
        written = count;
        goto fail;
    }
    for (size_t i = 0; i < count; i++)
        free (temps [i]);
    free (temps);
    return 0;

fail:
    for (size_t i = 0; i < count; i++) {
        if (i < written && temps [i])
            unlink (temps [i]);
        free (temps [i]);
        free (names [i]);
        names [i] = NULL;
    }
    free (temps);
    return -1;
}

char *
terminal_spool_put (terminal_spool_t *self, const char *key,
                    const uint8_t *data, size_t size, char *err, size_t errlen)
{
    char *name = NULL;
    uint8_t *bytes = (uint8_t *) data;
    if (terminal_spool_put_many (self, 1, &key, &bytes, &size, &name, err, errlen))
        return NULL;
    return name;
}

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

static void
s_destroy_name (void **item)
{
    free (*item);
    *item = NULL;
}

static zlistx_t *
s_list (const char *folder, const char *prefix)
{
    zlistx_t *list = zlistx_new ();
    if (!list)
        return NULL;
    zlistx_set_destructor (list, s_destroy_name);
    zlistx_set_comparator (list, s_compare_names);
    DIR *dir = opendir (folder);
    if (!dir) {
        if (errno == ENOENT)
            return list;
        zlistx_destroy (&list);
        return NULL;
    }
    struct dirent *entry;
    size_t suffix_len = strlen (SPOOL_SUFFIX);
    while ((entry = readdir (dir))) {
        size_t len = strlen (entry->d_name);
        if (entry->d_name [0] == '.' || len <= suffix_len
        ||  strcmp (entry->d_name + len - suffix_len, SPOOL_SUFFIX) != 0)
            continue;
        char *name;
        if (asprintf (&name, "%s%s", prefix, entry->d_name) < 0)
            continue;
        zlistx_add_end (list, name);
    }
    closedir (dir);
    zlistx_sort (list);
    return list;
}

zlistx_t *
terminal_spool_list (terminal_spool_t *self)
{
    return s_list (self->dir, "");
}

zlistx_t *
terminal_spool_list_held (terminal_spool_t *self)
{
    return s_list (self->held_dir, "held/");
}

//  Spool names are plain file names, or "held/" plus one; never a path that
//  climbs out of the folder.
static bool
s_name_ok (const char *name)
{
    if (!name || !*name || name [0] == '.')
        return false;
    if (strncmp (name, "held/", 5) == 0)
        name += 5;
    return *name && *name != '.' && !strchr (name, '/');
}

int
terminal_spool_read (terminal_spool_t *self, const char *name,
                     uint8_t **data, size_t *size, char *err, size_t errlen)
{
    if (!s_name_ok (name)) {
        snprintf (err, errlen, "'%s' is not a spooled card's name", name ? name : "");
        return -1;
    }
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", self->dir, name);
    int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf (err, errlen, "cannot open spooled card %s: %s", path, strerror (errno));
        return -1;
    }
    struct stat st;
    if (fstat (fd, &st) || st.st_size > 16 * 1024 * 1024) {
        snprintf (err, errlen, "spooled card %s is unreadable or too large", path);
        close (fd);
        return -1;
    }
    size_t len = (size_t) st.st_size;
    uint8_t *buf = malloc (len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t n = read (fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    if (!buf || got != len) {
        snprintf (err, errlen, "cannot read spooled card %s", path);
        free (buf);
        return -1;
    }
    *data = buf;
    *size = len;
    return 0;
}

int
terminal_spool_remove (terminal_spool_t *self, const char *name)
{
    if (!s_name_ok (name))
        return -1;
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", self->dir, name);
    if (unlink (path) && errno != ENOENT)
        return -1;
    if (strncmp (name, "held/", 5) == 0) {
        strncat (path, ".reason", sizeof path - strlen (path) - 1);
        unlink (path);
    }
    return 0;
}

int
terminal_spool_hold (terminal_spool_t *self, const char *name, const char *reason)
{
    if (!s_name_ok (name) || strncmp (name, "held/", 5) == 0)
        return -1;
    if (s_mkdir_p (self->held_dir))
        return -1;
    char from [4096], to [4096], why [4200];
    snprintf (from, sizeof from, "%s/%s", self->dir, name);
    snprintf (to, sizeof to, "%s/%s", self->held_dir, name);
    snprintf (why, sizeof why, "%s.reason", to);
    FILE *file = fopen (why, "w");
    if (file) {
        fprintf (file, "%s\n", reason ? reason : "");
        fclose (file);
    }
    if (rename (from, to))
        return errno == ENOENT ? 0 : -1;
    s_fsync_dir (self->held_dir);
    s_fsync_dir (self->dir);
    return 0;
}

char *
terminal_spool_held_reason (terminal_spool_t *self, const char *name)
{
    if (!s_name_ok (name))
        return NULL;
    char path [4096];
    snprintf (path, sizeof path, "%s/%s.reason", self->dir, name);
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char buf [1024];
    size_t n = fread (buf, 1, sizeof buf - 1, file);
    fclose (file);
    buf [n] = 0;
    while (n && (buf [n - 1] == '\n' || buf [n - 1] == '\r'))
        buf [--n] = 0;
    return strdup (buf);
}

int
terminal_spool_lock (terminal_spool_t *self, bool wait)
{
    if (self->lock_fd >= 0)
        return 0;
    char path [4096];
    snprintf (path, sizeof path, "%s/.lock", self->dir);
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (flock (fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
        if (errno == EINTR)
            continue;
        int busy = errno == EWOULDBLOCK;
        close (fd);
        return busy ? 1 : -1;
    }
    self->lock_fd = fd;
    return 0;
}

void
terminal_spool_unlock (terminal_spool_t *self)
{
    if (self->lock_fd >= 0) {
        flock (self->lock_fd, LOCK_UN);
        close (self->lock_fd);
        self->lock_fd = -1;
    }
}
