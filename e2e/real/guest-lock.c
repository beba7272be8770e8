/*
 * guest-lock: one non-blocking lock attempt for the kernel-client lock test
 * (e2e/real/nfs-kernel-v4-locks.test.ts), compiled statically because the busybox guest has no
 * flock applet and no libc of its own.
 *
 *   guest-lock KIND MODE FILE START LEN [MARKER RELEASE]
 *
 * KIND is "flock" (flock(2), whole file; START and LEN are ignored) or "posix" (fcntl F_SETLK on
 * START..START+LEN, LEN 0 = to the end). MODE is "x" (exclusive/write) or "s" (shared/read).
 * Prints "got" or "denied" (EWOULDBLOCK/EAGAIN/EACCES) and exits 0; any other error exits 2.
 * With MARKER and RELEASE, a granted lock is held: MARKER is created, then the lock is kept until
 * RELEASE exists (polled), then unlocked explicitly before exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int try_lock(const char *kind, int exclusive, int fd, off_t start, off_t len, int unlock) {
    if (strcmp(kind, "flock") == 0)
        return flock(fd, unlock ? LOCK_UN : (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
    struct flock fl = {0};
    fl.l_type = unlock ? F_UNLCK : (exclusive ? F_WRLCK : F_RDLCK);
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, F_SETLK, &fl);
}

int main(int argc, char **argv) {
    if (argc != 6 && argc != 8) {
        fprintf(stderr, "usage: guest-lock flock|posix x|s FILE START LEN [MARKER RELEASE]\n");
        return 2;
    }
    const char *kind = argv[1];
    int exclusive = strcmp(argv[2], "x") == 0;
    off_t start = strtoll(argv[4], NULL, 10), len = strtoll(argv[5], NULL, 10);
    /* Read-write: the Linux NFS client refuses a write lock on a read-only descriptor (EBADF). */
    int fd = open(argv[3], O_RDWR);
    if (fd < 0) {
        perror("open");
        return 2;
    }
    if (try_lock(kind, exclusive, fd, start, len, 0) != 0) {
        if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES) {
            puts("denied");
            return 0;
        }
        perror("lock");
        return 2;
    }
    puts("got");
    fflush(stdout);
    if (argc == 8) {
        int m = open(argv[6], O_CREAT | O_WRONLY, 0644);
        if (m < 0) {
            perror("marker");
            return 2;
        }
        close(m);
        while (access(argv[7], F_OK) != 0) usleep(50 * 1000);
        if (try_lock(kind, exclusive, fd, start, len, 1) != 0) {
            perror("unlock");
            return 2;
        }
    }
    close(fd);
    return 0;
}
