/* Replays a fuzz target's seed corpus: runs LLVMFuzzerTestOneInput once on
 * every regular file in the directory named by argv[1]. Used as a ctest so
 * the targets run in every build, without clang or libFuzzer.
 *
 * Exit status: 0 when every input ran, 2 on a usage error or an empty or
 * unreadable corpus (a corpus that exercises nothing is a failure, not a
 * pass). A finding aborts the process. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

static int replay_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    static uint8_t input[1 << 20];
    size_t n = fread(input, 1, sizeof input, fp);
    int failed = ferror(fp) || !feof(fp);
    fclose(fp);
    if (failed) {
        fprintf(stderr, "%s: unreadable or larger than %zu bytes\n", path, sizeof input);
        return -1;
    }
    /* Hand libFuzzer-like exact-size storage to the target so ASan sees
     * any read past the input. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact)
        return -1;
    memcpy(exact, input, n);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    unsigned ran = 0;
    int status = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char path[4096];
        int len = snprintf(path, sizeof path, "%s/%s", argv[1], entry->d_name);
        if (len < 0 || (size_t)len >= sizeof path) {
            status = 2;
            continue;
        }
        if (replay_file(path) != 0)
            status = 2;
        else
            ran++;
    }
    closedir(dir);
    if (ran == 0) {
        fprintf(stderr, "%s: empty corpus\n", argv[1]);
        return 2;
    }
    printf("%u inputs replayed from %s\n", ran, argv[1]);
    return status;
}
