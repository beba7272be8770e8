/*
 * scaleout-client.c — the metadata side of the scale-out test, over libnfs (a client whose
 * protocol code we did not write). Compiled by scaleout.test.ts with gcc.
 *
 *   scaleout-client URL mkdir DIR
 *   scaleout-client URL create DIR PREFIX FIRST COUNT
 *       creates DIR/PREFIX<FIRST..FIRST+COUNT-1> with O_CREAT|O_EXCL and prints one character per
 *       name: 'c' created, 'e' EEXIST (another client created it first). Exit 1 on other errors.
 *   scaleout-client URL rename DIR PREFIX FIRST COUNT TOPREFIX
 *       renames DIR/PREFIX<i> to DIR/TOPREFIX<i>, one character per name: 'r' renamed, 'n' ENOENT.
 *   scaleout-client URL unlink DIR PREFIX FIRST COUNT
 *       removes DIR/PREFIX<i>, one character per name: 'u' removed, 'n' ENOENT.
 *   scaleout-client URL count DIR
 *       prints the number of entries of DIR other than "." and "..".
 *   scaleout-client URL xfer PATH IN URL2 OUT [KILLPID]
 *       with a second mount on URL2 already open: writes file IN to PATH through URL (open with
 *       O_CREAT|O_TRUNC, UNSTABLE WRITEs, fsync = COMMIT); when KILLPID is given, SIGKILLs that
 *       process the moment the COMMIT reply arrives (the server behind URL); then, with no gap,
 *       reads PATH back through URL2 into OUT (its last MiB first, then all of it in order).
 *
 * URL names the export (nfs://127.0.0.1/share?version=3&nfsport=P&mountport=P). The directory
 * cache is off so every answer comes from the server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <nfsc/libnfs.h>

/* Bytes per WRITE/READ call; libnfs splits them to the server's wsize/rsize. */
#define IO (1024 * 1024)

static void die(struct nfs_context *nfs, const char *what) {
  fprintf(stderr, "scaleout-client: %s: %s\n", what, nfs ? nfs_get_error(nfs) : "");
  exit(1);
}

static int create_files(struct nfs_context *nfs, const char *dir, const char *prefix, long first,
                        long count) {
  char path[1024];
  for (long i = first; i < first + count; i++) {
    snprintf(path, sizeof path, "%s/%s%ld", dir, prefix, i);
    struct nfsfh *fh = NULL;
    int r = nfs_create(nfs, path, O_CREAT | O_EXCL | O_WRONLY, 0644, &fh);
    if (r == -EEXIST) {
      putchar('e');
      continue;
    }
    if (r != 0) die(nfs, path);
    if (nfs_close(nfs, fh) != 0) die(nfs, "close");
    putchar('c');
  }
  putchar('\n');
  return 0;
}

/* rename (to != NULL) or unlink each DIR/PREFIX<i>: `ok` on success, 'n' on ENOENT. */
static int each_name(struct nfs_context *nfs, const char *dir, const char *prefix, long first, long count,
                     const char *to, char ok) {
  char path[1024], target[1024];
  for (long i = first; i < first + count; i++) {
    snprintf(path, sizeof path, "%s/%s%ld", dir, prefix, i);
    int r;
    if (to != NULL) {
      snprintf(target, sizeof target, "%s/%s%ld", dir, to, i);
      r = nfs_rename(nfs, path, target);
    } else {
      r = nfs_unlink(nfs, path);
    }
    if (r == -ENOENT) {
      putchar('n');
      continue;
    }
    if (r != 0) die(nfs, path);
    putchar(ok);
  }
  putchar('\n');
  return 0;
}

static int count_entries(struct nfs_context *nfs, const char *dir) {
  struct nfsdir *d;
  if (nfs_opendir(nfs, dir, &d) != 0) die(nfs, "opendir");
  long n = 0;
  struct nfsdirent *e;
  while ((e = nfs_readdir(nfs, d)) != NULL) {
    if (strcmp(e->name, ".") != 0 && strcmp(e->name, "..") != 0) n++;
  }
  nfs_closedir(nfs, d);
  printf("%ld\n", n);
  return 0;
}

static struct nfs_context *mount_url(const char *u) {
  struct nfs_context *nfs = nfs_init_context();
  if (nfs == NULL) die(NULL, "init");
  struct nfs_url *url = nfs_parse_url_dir(nfs, u);
  if (url == NULL) die(nfs, "url");
  if (nfs_mount(nfs, url->server, url->path) != 0) die(nfs, "mount");
  nfs_destroy_url(url);
  nfs_set_dircache(nfs, 0);
  return nfs;
}

static char *slurp(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) die(NULL, path);
  fseek(f, 0, SEEK_END);
  *size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(*size > 0 ? *size : 1);
  if (buf == NULL || fread(buf, 1, *size, f) != (size_t)*size) die(NULL, "read input");
  fclose(f);
  return buf;
}

static int xfer(struct nfs_context *nfs, const char *path, const char *in, const char *url2,
                const char *out, long killpid) {
  struct nfs_context *other = mount_url(url2);
  long size;
  char *data = slurp(in, &size);
  struct nfsfh *fh;
  if (nfs_open2(nfs, path, O_CREAT | O_TRUNC | O_WRONLY, 0644, &fh) != 0) die(nfs, "open for write");
  for (long off = 0; off < size; off += IO) {
    long n = size - off < IO ? size - off : IO;
    if (nfs_pwrite(nfs, fh, off, n, data + off) != n) die(nfs, "pwrite");
  }
  if (nfs_fsync(nfs, fh) != 0) die(nfs, "fsync (COMMIT)");
  if (killpid > 0) {
    if (kill((pid_t)killpid, SIGKILL) != 0) die(NULL, "kill");
  } else if (nfs_close(nfs, fh) != 0) {
    die(nfs, "close");
  }
  struct nfsfh *rh;
  if (nfs_open(other, path, O_RDONLY, &rh) != 0) die(other, "open for read");
  FILE *f = fopen(out, "wb");
  if (f == NULL) die(NULL, out);
  char *buf = malloc(IO);
  /* The tail first: a reader that caches the last block before it reached the store would keep
   * serving that stale copy for the whole-file read below. */
  if (size > 0 && nfs_pread(other, rh, (uint64_t)((size - 1) / IO) * IO, IO, buf) < 0) die(other, "pread tail");
  for (uint64_t off = 0;; ) {
    int n = nfs_pread(other, rh, off, IO, buf);
    if (n < 0) die(other, "pread");
    if (n == 0) break;
    fwrite(buf, 1, n, f);
    off += n;
  }
  fclose(f);
  nfs_close(other, rh);
  nfs_destroy_context(other);
  free(buf);
  free(data);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: scaleout-client URL mkdir|create|count|xfer DIR [ARGS]\n");
    return 2;
  }
  struct nfs_context *nfs = mount_url(argv[1]);
  const char *cmd = argv[2];
  const char *dir = argv[3];
  int rc = 2;
  if (strcmp(cmd, "mkdir") == 0) {
    if (nfs_mkdir(nfs, dir) != 0) die(nfs, "mkdir");
    rc = 0;
  } else if (strcmp(cmd, "create") == 0 && argc == 7) {
    rc = create_files(nfs, dir, argv[4], atol(argv[5]), atol(argv[6]));
  } else if (strcmp(cmd, "xfer") == 0 && (argc == 7 || argc == 8)) {
    rc = xfer(nfs, dir, argv[4], argv[5], argv[6], argc == 8 ? atol(argv[7]) : 0);
  } else if (strcmp(cmd, "rename") == 0 && argc == 8) {
    rc = each_name(nfs, dir, argv[4], atol(argv[5]), atol(argv[6]), argv[7], 'r');
  } else if (strcmp(cmd, "unlink") == 0 && argc == 7) {
    rc = each_name(nfs, dir, argv[4], atol(argv[5]), atol(argv[6]), NULL, 'u');
  } else if (strcmp(cmd, "count") == 0) {
    rc = count_entries(nfs, dir);
  } else {
    fprintf(stderr, "scaleout-client: bad command\n");
  }
  /* After a kill the first server is gone: leave without a polite unmount. */
  if (strcmp(cmd, "xfer") != 0 || argc == 7) nfs_destroy_context(nfs);
  return rc;
}
