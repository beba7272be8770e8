/*
 * guest-reclaim: the lock holder of the kernel-client restart test
 * (e2e/real/nfs-kernel-v4-restart.test.ts), compiled statically because the busybox guest has no
 * libc of its own.
 *
 *   guest-reclaim FILE PART1 PART2 HELD RESTARTED WRITTEN RELEASE
 *
 * Opens FILE read-write (created, truncated), takes an fcntl write lock on the whole file,
 * writes PART1 and fsyncs (WRITE + COMMIT), creates HELD and waits for RESTARTED (the host
 * SIGKILLed and restarted the server meanwhile), writes PART2 through the same descriptor and
 * fsyncs again — the client must have reclaimed its open and lock for these to succeed —, creates
 * WRITTEN, waits for RELEASE, unlocks and closes. Prints "reclaimed" and exits 0; any failure
 * names the step and exits 2. /share/abort ends a wait at once (the host failed).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WAIT_TENTHS_MAX 6000

static int fail(const char *step) {
    perror(step);
    return 2;
}

static int copy(const char *from, int to) {
    char buf[65536];
    int in = open(from, O_RDONLY);
    if (in < 0) return -1;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) return -1;
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(to, buf + off, (size_t)(n - off));
            if (w < 0) return -1;
            off += w;
        }
    }
    close(in);
    return fsync(to);
}

static int touch(const char *path) {
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return -1;
    return close(fd);
}

static int wait_for(const char *path) {
    for (int i = 0; i < WAIT_TENTHS_MAX; i++) {
        if (access(path, F_OK) == 0) return 0;
        if (access("/share/abort", F_OK) == 0) break;
        usleep(100000);
    }
    fprintf(stderr, "no %s\n", path);
    return -1;
}

static int set_lock(int fd, short type) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, F_SETLK, &fl);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: guest-reclaim FILE PART1 PART2 HELD RESTARTED WRITTEN RELEASE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("open");
    if (set_lock(fd, F_WRLCK) != 0) return fail("lock");
    if (copy(argv[2], fd) != 0) return fail("write before the restart");
    if (touch(argv[4]) != 0) return fail("held marker");
    if (wait_for(argv[5]) != 0) return 2;
    if (copy(argv[3], fd) != 0) return fail("write after the restart");
    if (touch(argv[6]) != 0) return fail("written marker");
    if (wait_for(argv[7]) != 0) return 2;
    if (set_lock(fd, F_UNLCK) != 0) return fail("unlock");
    if (close(fd) != 0) return fail("close");
    puts("reclaimed");
    return 0;
}
