/*
 * nfs-workload.c — the client side of bench/nfs.ts: one NFSv3 workload over libnfs (a client
 * whose protocol code we did not write), run against any server on loopback.
 *
 *   nfs-workload URL [seq_mib] [small_files] [rand_reads] [queue_depth] [phases]
 *
 * `phases` (default "seq,rand,small") limits the run, e.g. "small" to profile only the
 * small-file phases; skipped phases report 0.
 *
 * Phases (wall clock, CLOCK_MONOTONIC):
 *   seq_write   create + seq_mib x 1 MiB pwrite (queue_depth in flight) + fsync (COMMIT) + close
 *   seq_read    open + 1 MiB preads to EOF (queue_depth in flight) + close; bytes checked
 *   rand_read   rand_reads x 4 KiB pread at random 4 KiB-aligned offsets, one at a time
 *   create      small_files x (creat + 1 KiB write + close) in a fresh directory
 *   stat        nfs_stat64 of each small file
 *   readdir     opendir + iterate all entries
 *   unlink      unlink every small file (cleanup, also timed)
 * Prints one JSON line. Exit 1 on any error or data mismatch.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <nfsc/libnfs.h>

#define IO (1024 * 1024)
#define SMALL 1024
#define RAND_IO 4096

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(struct nfs_context *nfs, const char *what) {
  fprintf(stderr, "nfs-workload: %s: %s\n", what, nfs ? nfs_get_error(nfs) : "");
  exit(1);
}

/* Byte i of the sequential file: a pattern cheap to make and check. */
static unsigned char pat(uint64_t i) { return (unsigned char)((i * 2654435761u) >> 13); }

struct pipe_state {
  int inflight, failed;
  uint64_t done_bytes;
  char *rbuf; /* read buffer of the whole chunk table */
};

static void wcb(int err, struct nfs_context *nfs, void *data, void *priv) {
  struct pipe_state *s = priv;
  s->inflight--;
  if (err < 0) s->failed = 1;
  else s->done_bytes += (uint64_t)err;
}

struct rreq {
  struct pipe_state *s;
  uint64_t off;
};

static void rcb(int err, struct nfs_context *nfs, void *data, void *priv) {
  struct rreq *r = priv;
  r->s->inflight--;
  if (err < 0) { r->s->failed = 1; free(r); return; }
  const unsigned char *d = data;
  for (int i = 0; i < err; i += 4093)
    if (d[i] != pat(r->off + i)) { fprintf(stderr, "mismatch at %" PRIu64 "\n", r->off + i); r->s->failed = 1; break; }
  r->s->done_bytes += (uint64_t)err;
  free(r);
}

static void wait_below(struct nfs_context *nfs, struct pipe_state *s, int limit) {
  while (s->inflight > limit) {
    struct pollfd p = {.fd = nfs_get_fd(nfs), .events = nfs_which_events(nfs)};
    if (poll(&p, 1, 10000) < 0) die(nfs, "poll");
    if (nfs_service(nfs, p.revents) < 0) die(nfs, "service");
  }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: nfs-workload URL [seq_mib] [files] [rand] [qd]\n"); return 2; }
  int seq_mib = argc > 2 ? atoi(argv[2]) : 256, files = argc > 3 ? atoi(argv[3]) : 2000;
  int rands = argc > 4 ? atoi(argv[4]) : 5000, qd = argc > 5 ? atoi(argv[5]) : 8;
  const char *phases = argc > 6 ? argv[6] : "seq,rand,small";
  int do_seq = strstr(phases, "seq") != NULL, do_rand = strstr(phases, "rand") != NULL;
  int do_small = strstr(phases, "small") != NULL;
  if (!do_seq) seq_mib = 0;
  if (!do_seq || !do_rand) rands = 0;
  if (!do_small) files = 0;
  struct nfs_context *nfs = nfs_init_context();
  struct nfs_url *url = nfs_parse_url_dir(nfs, argv[1]);
  if (!url) die(nfs, "url");
  if (nfs_mount(nfs, url->server, url->path) != 0) die(nfs, "mount");
  nfs_set_dircache(nfs, 0);
  char dir[64], path[128];
  snprintf(dir, sizeof dir, "/wl.%d", (int)getpid());
  if (nfs_mkdir(nfs, dir) != 0) die(nfs, "mkdir");

  /* seq_write */
  char *buf = malloc(IO);
  uint64_t total = (uint64_t)seq_mib * IO;
  char *all = malloc(total);
  for (uint64_t i = 0; i < total; i++) all[i] = pat(i);
  snprintf(path, sizeof path, "%s/seq.bin", dir);
  struct nfsfh *fh;
  double t0 = now();
  if (nfs_creat(nfs, path, 0644, &fh) != 0) die(nfs, "creat");
  struct pipe_state s = {0};
  for (uint64_t off = 0; off < total; off += IO) {
    wait_below(nfs, &s, qd - 1);
    s.inflight++;
    if (nfs_pwrite_async(nfs, fh, off, IO, all + off, wcb, &s) != 0) die(nfs, "pwrite_async");
  }
  wait_below(nfs, &s, 0);
  if (s.failed || s.done_bytes != total) die(nfs, "seq write");
  if (nfs_fsync(nfs, fh) != 0) die(nfs, "fsync");
  nfs_close(nfs, fh);
  double seq_write = now() - t0;

  /* seq_read */
  t0 = now();
  if (nfs_open(nfs, path, O_RDONLY, &fh) != 0) die(nfs, "open");
  struct pipe_state rs = {0};
  for (uint64_t off = 0; off < total; off += IO) {
    wait_below(nfs, &rs, qd - 1);
    struct rreq *r = malloc(sizeof *r);
    r->s = &rs;
    r->off = off;
    rs.inflight++;
    if (nfs_pread_async(nfs, fh, off, IO, rcb, r) != 0) die(nfs, "pread_async");
  }
  wait_below(nfs, &rs, 0);
  nfs_close(nfs, fh);
  double seq_read = now() - t0;
  if (rs.failed || rs.done_bytes != total) die(nfs, "seq read");

  /* rand_read */
  if (nfs_open(nfs, path, O_RDONLY, &fh) != 0) die(nfs, "open");
  srand(1);
  t0 = now();
  for (int i = 0; i < rands && total > 0; i++) {
    uint64_t off = ((uint64_t)rand() % (total / RAND_IO)) * RAND_IO;
    if (nfs_pread(nfs, fh, off, RAND_IO, buf) != RAND_IO) die(nfs, "rand pread");
    if ((unsigned char)buf[17] != pat(off + 17)) die(NULL, "rand read mismatch");
  }
  double rand_read = rands > 0 ? now() - t0 : 1;
  nfs_close(nfs, fh);

  /* create */
  char sdir[96];
  snprintf(sdir, sizeof sdir, "%s/small", dir);
  if (nfs_mkdir(nfs, sdir) != 0) die(nfs, "mkdir small");
  memset(buf, 'x', SMALL);
  t0 = now();
  for (int i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f%06d", sdir, i);
    if (nfs_creat(nfs, path, 0644, &fh) != 0) die(nfs, "creat small");
    if (nfs_write(nfs, fh, SMALL, buf) != SMALL) die(nfs, "write small");
    nfs_close(nfs, fh);
  }
  double create = now() - t0;

  /* stat */
  t0 = now();
  for (int i = 0; i < files; i++) {
    struct nfs_stat_64 st;
    snprintf(path, sizeof path, "%s/f%06d", sdir, i);
    if (nfs_stat64(nfs, path, &st) != 0 || st.nfs_size != SMALL) die(nfs, "stat");
  }
  double stat_s = now() - t0;

  /* readdir */
  t0 = now();
  struct nfsdir *d;
  if (nfs_opendir(nfs, sdir, &d) != 0) die(nfs, "opendir");
  int n = 0;
  struct nfsdirent *e;
  while ((e = nfs_readdir(nfs, d)) != NULL)
    if (e->name[0] != '.') n++;
  nfs_closedir(nfs, d);
  double readdir_s = now() - t0;
  if (n != files) { fprintf(stderr, "readdir saw %d of %d\n", n, files); return 1; }

  /* unlink */
  t0 = now();
  for (int i = 0; i < files; i++) {
    snprintf(path, sizeof path, "%s/f%06d", sdir, i);
    if (nfs_unlink(nfs, path) != 0) die(nfs, "unlink");
  }
  double unlink_s = now() - t0;
  nfs_rmdir(nfs, sdir);
  snprintf(path, sizeof path, "%s/seq.bin", dir);
  nfs_unlink(nfs, path);
  nfs_rmdir(nfs, dir);

  printf("{\"seq_write_mibs\":%.1f,\"seq_read_mibs\":%.1f,\"rand_read_iops\":%.0f,\"create_ops\":%.0f,"
         "\"stat_ops\":%.0f,\"readdir_entries_s\":%.0f,\"unlink_ops\":%.0f,\"seq_mib\":%d,\"files\":%d,\"qd\":%d}\n",
         seq_mib / seq_write, seq_mib / seq_read, rands / rand_read, files / create, files / stat_s,
         files / readdir_s, files / unlink_s, seq_mib, files, qd);
  nfs_destroy_url(url);
  nfs_destroy_context(nfs);
  free(all);
  free(buf);
  return 0;
}
