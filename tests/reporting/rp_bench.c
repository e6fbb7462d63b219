/*  rp_bench — times report requests for bench/report.sh: reads URLs, one a
    line, from the file named by its argument, GETs each over one kept-alive
    connection, and prints the latency percentiles in milliseconds:
        n=N errors=E p50=X p99=Y mean=Z max=W
    A reply other than 200 counts as an error. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t
s_discard (char *data, size_t size, size_t n, void *arg)
{
    size_t *bytes = arg;
    *bytes += size * n;
    return size * n;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: rp_bench URLFILE\n");
        return 2;
    }
    FILE *f = fopen (argv [1], "r");
    if (!f) {
        fprintf (stderr, "rp_bench: cannot open %s\n", argv [1]);
        return 1;
    }
    curl_global_init (CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init ();
    size_t bytes = 0;
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &bytes);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
    size_t cap = 1024, n = 0, errors = 0;
    double *lat = malloc (cap * sizeof *lat);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while (lat && (len = getline (&line, &lcap, f)) > 0) {
        while (len > 0 && (line [len - 1] == '\n' || line [len - 1] == '\r'))
            line [--len] = 0;
        if (!len)
            continue;
        curl_easy_setopt (curl, CURLOPT_URL, line);
        double t0 = s_now_ms ();
        CURLcode rc = curl_easy_perform (curl);
        double t1 = s_now_ms ();
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) {
            if (errors++ < 3)
                fprintf (stderr, "rp_bench: %s -> %s %ld\n", line,
                         rc == CURLE_OK ? "HTTP" : curl_easy_strerror (rc), status);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            double *more = realloc (lat, cap * sizeof *lat);
            if (!more)
                break;
            lat = more;
        }
        lat [n++] = t1 - t0;
    }
    free (line);
    fclose (f);
    curl_easy_cleanup (curl);
    curl_global_cleanup ();
    if (!lat || n == 0) {
        printf ("n=0 errors=%zu p50=0 p99=0 mean=0 max=0\n", errors);
        free (lat);
        return 1;
    }
    qsort (lat, n, sizeof *lat, s_cmp);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat [i];
    printf ("n=%zu errors=%zu p50=%.3f p99=%.3f mean=%.3f max=%.3f bytes=%zu\n", n, errors,
            lat [(n - 1) * 50 / 100], lat [(n - 1) * 99 / 100], sum / (double) n, lat [n - 1], bytes);
    free (lat);
    return errors ? 1 : 0;
}
