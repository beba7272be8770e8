/*
 * Per-call latency of a synchronous libnfs client (used by bench/nfs-calls.ts):
 *
 *   nfs-calls URL MODE N [SECONDS]   MODE = null | stat | fstat | read | write | seqwrite | create | small | readdir
 *
 *   null    NFSPROC3_NULL (RFC 1813 §3.3.0): no arguments, no work, an empty reply: the fixed cost of
 *           one RPC round trip from socket readable to reply written (framing, call header, dispatch)
 *   stat    nfs_stat64 of /calls.<pid>/a/f: a path walk (LOOKUP per component) + GETATTR
 *   fstat   nfs_fstat64 of an open handle: one GETATTR per call
 *   read    nfs_pread of 4 KiB from a 64 KiB file: one READ per call
 *   create  nfs_creat + nfs_close + nfs_unlink of a fresh name: CREATE, (COMMIT), LOOKUP, REMOVE
 *   small   as create with a 4 KiB pwrite before the close: + WRITE (UNSTABLE) and COMMIT
 *   write   nfs_pwrite of 4 KiB into the open file (offsets cycle over 64 KiB): one WRITE per call
 *   seqwrite  nfs_pwrite of 1 MiB at offset i MiB (one WRITE per call), fsync (COMMIT) every 256
 *           calls and after the last: N MiB streamed into one file
 *   readdir nfs_opendir + nfs_readdir to the end of a directory of 1,000 empty files (made first):
 *           READDIRPLUS calls; us_per_op is per listed entry
 *
 * Prints one JSON line: {"mode":..,"n":..,"us_per_op":..,"p50_us":..,"p99_us":..} (percentiles of
 * each op; 0 for readdir). One call in flight at a time, so the number is the round trip a
 * synchronous application sees. SECONDS stops the loop early after that much wall time (n is then
 * the ops made): a probe beside other load.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <poll.h>
#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>

static double now(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec + tv.tv_usec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void null_done(struct rpc_context *rpc, int status, void *data, void *private_data) {
  (void)rpc; (void)data;
  *(int *)private_data = status == RPC_STATUS_SUCCESS ? 1 : -1;
}

/* One NULL call, waited for as libnfs's synchronous calls wait for theirs. */
static int null_call(struct nfs_context *nfs) {
  int done = 0;
  if (rpc_nfs3_null_async(nfs_get_rpc_context(nfs), null_done, &done) != 0) return -1;
  while (done == 0) {
    struct pollfd p = {.fd = nfs_get_fd(nfs), .events = nfs_which_events(nfs)};
    if (poll(&p, 1, -1) < 0 || nfs_service(nfs, p.revents) < 0) return -1;
  }
  return done == 1 ? 0 : -1;
}

static void die(struct nfs_context *nfs, const char *what) {
  fprintf(stderr, "%s failed: %s\n", what, nfs ? nfs_get_error(nfs) : "");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: nfs-calls URL null|stat|fstat|read|write|seqwrite|create|small N\n"); return 2; }
  const char *mode = argv[2];
  int n = atoi(argv[3]);
  double limit = argc > 4 ? atof(argv[4]) : 0;
  double *lat = malloc(sizeof(double) * (n > 0 ? n : 1));
  int done = 0;
  if (!lat) die(NULL, "malloc");
  struct nfs_context *nfs = nfs_init_context();
  struct nfs_url *url = nfs_parse_url_dir(nfs, argv[1]);
  if (!url) die(nfs, "url");
  if (nfs_mount(nfs, url->server, url->path) != 0) die(nfs, "mount");
  nfs_set_dircache(nfs, 0);
  char dir[64], sub[96], path[160];
  snprintf(dir, sizeof dir, "/calls.%d", (int)getpid());
  snprintf(sub, sizeof sub, "%s/a", dir);
  snprintf(path, sizeof path, "%s/f", sub);
  if (nfs_mkdir(nfs, dir) != 0 || nfs_mkdir(nfs, sub) != 0) die(nfs, "mkdir");
  struct nfsfh *fh;
  if (nfs_creat(nfs, path, 0644, &fh) != 0) die(nfs, "creat");
  static char data[64 * 1024];
  static char big[1024 * 1024];
  memset(data, 'r', sizeof data);
  memset(big, 'w', sizeof big);
  if (strcmp(mode, "read") == 0 && nfs_pwrite(nfs, fh, 0, sizeof data, data) != (int)sizeof data)
    die(nfs, "pwrite");
  enum { DIR_FILES = 1000 };
  if (strcmp(mode, "readdir") == 0) {
    for (int i = 0; i < DIR_FILES; i++) {
      char p[200];
      struct nfsfh *f2;
      snprintf(p, sizeof p, "%s/d%d", sub, i);
      if (nfs_creat(nfs, p, 0644, &f2) != 0) die(nfs, "creat");
      nfs_close(nfs, f2);
    }
  }
  double t0 = now();
  int listed = 0;
  for (int i = 0; i < n && strcmp(mode, "readdir") == 0; i++) {
    struct nfsdir *d;
    if (nfs_opendir(nfs, sub, &d) != 0) die(nfs, "opendir");
    while (nfs_readdir(nfs, d) != NULL) listed++;
    nfs_closedir(nfs, d);
  }
  for (int i = 0; i < n && strcmp(mode, "readdir") != 0; i++) {
    double t1 = now();
    if (limit > 0 && t1 - t0 > limit) break;
    struct nfs_stat_64 st;
    if (strcmp(mode, "null") == 0) {
      if (null_call(nfs) != 0) die(nfs, "null");
    } else if (strcmp(mode, "stat") == 0) {
      if (nfs_stat64(nfs, path, &st) != 0) die(nfs, "stat");
    } else if (strcmp(mode, "fstat") == 0) {
      if (nfs_fstat64(nfs, fh, &st) != 0) die(nfs, "fstat");
    } else if (strcmp(mode, "read") == 0) {
      char b[4096];
      if (nfs_pread(nfs, fh, (uint64_t)(i % 16) * 4096, sizeof b, b) != (int)sizeof b) die(nfs, "pread");
    } else if (strcmp(mode, "write") == 0) {
      if (nfs_pwrite(nfs, fh, (uint64_t)(i % 16) * 4096, 4096, data) != 4096) die(nfs, "pwrite");
    } else if (strcmp(mode, "seqwrite") == 0) {
      /* 1 MiB UNSTABLE WRITEs streaming one file, a COMMIT every 256 MiB and at the end */
      if (nfs_pwrite(nfs, fh, (uint64_t)i << 20, sizeof big, big) != (int)sizeof big) die(nfs, "pwrite");
      if (((i + 1) % 256 == 0 || i + 1 == n) && nfs_fsync(nfs, fh) != 0) die(nfs, "fsync");
    } else {
      char p[200];
      struct nfsfh *f2;
      snprintf(p, sizeof p, "%s/c%d", sub, i);
      if (nfs_creat(nfs, p, 0644, &f2) != 0) die(nfs, "creat");
      if (strcmp(mode, "small") == 0 && nfs_pwrite(nfs, f2, 0, 4096, data) != 4096) die(nfs, "pwrite");
      nfs_close(nfs, f2);
      if (nfs_unlink(nfs, p) != 0) die(nfs, "unlink");
    }
    lat[done++] = now() - t1;
  }
  double dt = now() - t0;
  if (strcmp(mode, "readdir") != 0) n = done;
  qsort(lat, done, sizeof(double), by_value);
  double p50 = done > 0 ? lat[(done - 1) / 2] : 0, p99 = done > 0 ? lat[(int)((done - 1) * 0.99)] : 0;
  if (strcmp(mode, "readdir") == 0) {
    n = listed;
    for (int i = 0; i < DIR_FILES; i++) {
      char p[200];
      snprintf(p, sizeof p, "%s/d%d", sub, i);
      nfs_unlink(nfs, p);
    }
  }
  nfs_close(nfs, fh);
  nfs_unlink(nfs, path);
  nfs_rmdir(nfs, sub);
  nfs_rmdir(nfs, dir);
  printf("{\"mode\":\"%s\",\"n\":%d,\"us_per_op\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n", mode, n,
         dt * 1e6 / (n > 0 ? n : 1), p50 * 1e6, p99 * 1e6);
  nfs_destroy_url(url);
  nfs_destroy_context(nfs);
  return 0;
}
