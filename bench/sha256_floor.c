/* bench/sha256_floor FILE: libsodium's SHA-256 of FILE alone, read in 1 MiB
 * pieces, on one thread: the least any one-pass package add or upload can
 * take, since SHA-256 is one sequential chain and libsodium is the
 * project's SHA-256.  Prints the seconds (bench/package.sh and
 * bench/upload.sh set it against their budgets). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: sha256_floor FILE\n");
        return 2;
    }
    static unsigned char buf[1 << 20];
    double t0 = now();
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        crypto_hash_sha256_update(&st, buf, (size_t)n);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    close(fd);
    printf("%.6f\n", now() - t0);
    return n < 0;
}
