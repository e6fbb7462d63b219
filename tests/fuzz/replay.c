/*  Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without
    libFuzzer, so any compiler (and the ASan build) can run a committed
    corpus as a regression test:
        fuzz_NAME_replay DIR_OR_FILE...
    Directories are read in name order, hidden files skipped. Each input is
    copied into a buffer of exactly its size, so an over-read is caught.
    Exits 1 if there was nothing to replay: a missing corpus must not pass. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
__attribute__ ((weak)) int LLVMFuzzerInitialize (int *argc, char ***argv);

static int
s_run_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file) {
        perror (path);
        return -1;
    }
    struct stat st;
    if (fstat (fileno (file), &st) != 0) {
        perror (path);
        fclose (file);
        return -1;
    }
    size_t size = (size_t) st.st_size;
    uint8_t *data = malloc (size ? size : 1);
    if (!data || fread (data, 1, size, file) != size) {
        fprintf (stderr, "%s: cannot read\n", path);
        free (data);
        fclose (file);
        return -1;
    }
    fclose (file);
    fprintf (stderr, "replay: %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput (data, size);
    free (data);
    return 0;
}

static int
s_visible (const struct dirent *entry)
{
    return entry->d_name [0] != '.';
}

int
main (int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize (&argc, &argv);
    if (argc < 2) {
        fprintf (stderr, "usage: %s DIR_OR_FILE...\n", argv [0]);
        return 2;
    }
    int count = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat (argv [i], &st) != 0) {
            perror (argv [i]);
            failed++;
            continue;
        }
        if (!S_ISDIR (st.st_mode)) {
            failed += s_run_file (argv [i]) != 0;
            count++;
            continue;
        }
        struct dirent **entries;
        int n = scandir (argv [i], &entries, s_visible, alphasort);
        if (n < 0) {
            perror (argv [i]);
            failed++;
            continue;
        }
        for (int e = 0; e < n; e++) {
            char path [4096];
            snprintf (path, sizeof path, "%s/%s", argv [i], entries [e]->d_name);
            if (stat (path, &st) == 0 && S_ISREG (st.st_mode)) {
                failed += s_run_file (path) != 0;
                count++;
            }
            free (entries [e]);
        }
        free (entries);
    }
    fprintf (stderr, "replay: %d inputs, %d unreadable\n", count, failed);
    return count == 0 || failed ? 1 : 0;
}
