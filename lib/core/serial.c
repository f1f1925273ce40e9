/* Checkpoint plumbing: CRC-32, little-endian writer and reader, section
** framing, whole-file reads and atomic file writes (see pg_serial.h and
** docs/FORMAT.md). */
#include "pg_serial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The fuzz build (tests/CMakeLists.txt, PG_FUZZ) ignores CRC mismatches so
** that the fuzzer reaches the parsers behind them. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define PG__FUZZING 1
#else
#define PG__FUZZING 0
#endif

/* ---- CRC-32 (nibble table: 16 constants, 2 lookups per byte) ------------ */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t pg__crc32(uint32_t crc, const void *data, size_t size) {
  const unsigned char *p = data;
  crc = ~crc;
  for (size_t i = 0; i < size; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ crc_nibble[crc & 15u];
    crc = (crc >> 4) ^ crc_nibble[crc & 15u];
  }
  return ~crc;
}

/* ---- little-endian codecs ---------------------------------------------- */
static void put_u32(unsigned char *b, uint32_t v) {
  b[0] = (unsigned char)v;
  b[1] = (unsigned char)(v >> 8);
  b[2] = (unsigned char)(v >> 16);
  b[3] = (unsigned char)(v >> 24);
}
static uint32_t get_u32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}
static uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* ---- writer ------------------------------------------------------------- */
void pg__w_init(pg__writer *w, pg_write_fn fn, void *user) {
  w->fn = fn;
  w->user = user;
  w->total = 0;
  w->crc = 0;
  w->failed = false;
  w->used = 0;
}

bool pg__w_flush(pg__writer *w) {
  if (w->fn && w->used && !w->failed) {
    if (w->fn(w->user, w->buf, w->used) != 0) w->failed = true;
  }
  w->used = 0;
  return !w->failed;
}

void pg__w_bytes(pg__writer *w, const void *data, size_t size) {
  w->total += size;
  if (!w->fn || w->failed) return;
  w->crc = pg__crc32(w->crc, data, size);
  const unsigned char *p = data;
  while (size) {
    if (w->used == sizeof w->buf && !pg__w_flush(w)) return;
    size_t n = sizeof w->buf - w->used;
    if (n > size) n = size;
    memcpy(w->buf + w->used, p, n);
    w->used += n;
    p += n;
    size -= n;
  }
}

void pg__w_u32(pg__writer *w, uint32_t v) {
  unsigned char b[4];
  put_u32(b, v);
  pg__w_bytes(w, b, 4);
}

void pg__w_u64(pg__writer *w, uint64_t v) {
  unsigned char b[8];
  put_u32(b, (uint32_t)v);
  put_u32(b + 4, (uint32_t)(v >> 32));
  pg__w_bytes(w, b, 8);
}

void pg__w_f32(pg__writer *w, float v) { pg__w_u32(w, f32_bits(v)); }

void pg__w_f64(pg__writer *w, double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  pg__w_u64(w, u);
}

void pg__w_f32s(pg__writer *w, const float *v, size_t n) {
  unsigned char b[256];
  while (n) {
    size_t k = n < 64 ? n : 64;
    for (size_t i = 0; i < k; i++) put_u32(b + 4 * i, f32_bits(v[i]));
    pg__w_bytes(w, b, 4 * k);
    v += k;
    n -= k;
  }
}

void pg__w_header(pg__writer *w, uint32_t kind, uint32_t n_sections) {
  pg__w_header_version(w, PG__FORMAT_VERSION_BASE, kind, n_sections);
}

void pg__w_header_version(pg__writer *w, uint32_t version, uint32_t kind,
                          uint32_t n_sections) {
  unsigned char h[PG__HEADER_SIZE];
  memcpy(h, "PGCK", 4);
  put_u32(h + 4, version);
  put_u32(h + 8, kind);
  put_u32(h + 12, n_sections);
  put_u32(h + 16, 0); /* flags */
  put_u32(h + 20, pg__crc32(0, h, 20));
  pg__w_bytes(w, h, sizeof h);
}

void pg__w_section(pg__writer *w, uint32_t tag, pg__body_fn body, const void *obj) {
  pg__writer count;
  pg__w_init(&count, NULL, NULL);
  body(&count, obj);
  w->crc = 0;
  pg__w_u32(w, tag);
  pg__w_u64(w, count.total);
  body(w, obj);
  pg__w_u32(w, w->crc);
}

uint64_t pg__ckpt_size(pg__ckpt_fn fn, const void *obj) {
  pg__writer count;
  pg__w_init(&count, NULL, NULL);
  fn(&count, obj);
  return count.total;
}

pg_status pg__ckpt_save_cb(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                           const void *obj, pg_write_fn write, void *user) {
  pg__writer w;
  pg__w_init(&w, write, user);
  fn(&w, obj);
  if (!pg__w_flush(&w))
    return pg__fail(ctx, PG_ERR_CALLBACK, "%s: the write callback returned non-zero",
                    fname);
  return PG_OK;
}

typedef struct mem_sink {
  unsigned char *p;
  size_t left;
} mem_sink;

static int mem_write(void *user, const void *data, size_t size) {
  mem_sink *m = user;
  if (size > m->left) return -1;
  memcpy(m->p, data, size);
  m->p += size;
  m->left -= size;
  return 0;
}

pg_status pg__ckpt_save_memory(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                               const void *obj, void *buf, size_t capacity,
                               size_t *out_size) {
  uint64_t need = pg__ckpt_size(fn, obj);
  if (need > SIZE_MAX)
    return pg__fail(ctx, PG_ERR_OUT_OF_RANGE, "%s: checkpoint too large", fname);
  *out_size = (size_t)need;
  if (!buf) return PG_OK;
  if (capacity < need)
    return pg__fail(ctx, PG_ERR_SHAPE, "%s: capacity %zu < %zu bytes needed", fname,
                    capacity, (size_t)need);
  mem_sink m = {buf, capacity};
  pg__writer w;
  pg__w_init(&w, mem_write, &m);
  fn(&w, obj);
  if (!pg__w_flush(&w) || w.total != need)
    return pg__fail(ctx, PG_ERR_INTERNAL, "%s: checkpoint size changed while writing",
                    fname);
  return PG_OK;
}

/* ---- files -------------------------------------------------------------- */
void pg__errno_text(int err, char *buf, size_t len) {
  buf[0] = '\0';
  if (strerror_r(err, buf, len) != 0 || !buf[0]) snprintf(buf, len, "errno %d", err);
}

static int posix_open(void *user, const char *path, int flags, unsigned mode) {
  (void)user;
  return open(path, flags, (mode_t)mode);
}
static ssize_t posix_write(void *user, int fd, const void *data, size_t size) {
  (void)user;
  return write(fd, data, size);
}
static int posix_sync(void *user, int fd) {
  (void)user;
  return fsync(fd);
}
static int posix_close(void *user, int fd) {
  (void)user;
  return close(fd);
}
static int posix_rename(void *user, const char *from, const char *to) {
  (void)user;
  return rename(from, to);
}
static const pg__file_io posix_io = {posix_open,  posix_write,  posix_sync,
                                     posix_close, posix_rename, NULL};

/* Tests only (pg__set_file_io): the table the public save functions use. */
static const pg__file_io *default_io = &posix_io;

void pg__set_file_io(const pg__file_io *io) { default_io = io ? io : &posix_io; }

/* All `size` bytes through io->write, retried on EINTR and short writes. */
static int io_write_all(const pg__file_io *io, int fd, const void *data, size_t size) {
  const unsigned char *p = data;
  while (size) {
    ssize_t n = io->write(io->user, fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) { /* no progress: treat as a full device rather than spin */
      errno = ENOSPC;
      return -1;
    }
    p += n;
    size -= (size_t)n;
  }
  return 0;
}

int pg__fd_write_all(int fd, const void *data, size_t size) {
  return io_write_all(&posix_io, fd, data, size);
}

typedef struct fd_sink {
  const pg__file_io *io;
  int fd;
  int err; /* errno of the first failure */
} fd_sink;

static int fd_write(void *user, const void *data, size_t size) {
  fd_sink *s = user;
  errno = 0;
  if (io_write_all(s->io, s->fd, data, size) != 0) {
    s->err = errno ? errno : EIO;
    return -1;
  }
  return 0;
}

/* Longest path the save resolves (symbolic links, folder names). */
#define PG__PATH_CAP 4096
/* Links followed before giving up (as the kernel's ELOOP limit). */
#define PG__MAX_LINKS 40

/* Follows path through symbolic links to the file they name (which may not
** exist yet): the save writes through a link, as editors do. 0, or -1 with
** errno (ELOOP, ENAMETOOLONG, or readlink's). */
static int resolve_links(const char *path, char out[PG__PATH_CAP]) {
  size_t len = strlen(path);
  if (len >= PG__PATH_CAP) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(out, path, len + 1);
  for (int hops = 0;; hops++) {
    struct stat st;
    if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode)) return 0; /* a file or nothing */
    if (hops == PG__MAX_LINKS) {
      errno = ELOOP;
      return -1;
    }
    char link[PG__PATH_CAP];
    ssize_t n = readlink(out, link, sizeof link - 1);
    if (n < 0) return -1;
    if ((size_t)n >= sizeof link - 1) {
      errno = ENAMETOOLONG;
      return -1;
    }
    link[n] = '\0';
    const char *slash = strrchr(out, '/');
    size_t keep = link[0] == '/' || !slash ? 0 : (size_t)(slash - out) + 1;
    if (keep + (size_t)n >= PG__PATH_CAP) {
      errno = ENAMETOOLONG;
      return -1;
    }
    memcpy(out + keep, link, (size_t)n + 1); /* relative targets: the link's folder */
  }
}

/* A fresh, exclusive temporary file tmp = target + ".tmp-XXXXXX" (the X
** replaced), created with `mode` (the umask applies): an fd or -1. */
static int create_temp(const pg__file_io *io, char *tmp, size_t xpos, unsigned mode) {
  static _Atomic uint32_t counter;
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; attempt++) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid() << 32 ^
                 (uint64_t)++counter * 0xBF58476D1CE4E5B9u;
    x ^= x >> 29;
    for (int i = 0; i < 6; i++, x /= 36) tmp[xpos + (size_t)i] = digits[x % 36];
    int fd = io->open(io->user, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* The folder part of path, in place ("." when there is none). */
static const char *folder_of(char *path) {
  char *slash = strrchr(path, '/');
  if (!slash) return ".";
  if (slash == path) slash[1] = '\0';
  else slash[0] = '\0';
  return path;
}

pg_status pg__ckpt_save_file(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                             const void *obj, const char *path,
                             const pg__file_io *io) {
  if (!io) io = default_io;
  if (path[0] == '\0') return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: path is empty", fname);
  char msg[128];
  char target[PG__PATH_CAP];
  if (resolve_links(path, target) != 0) {
    pg__errno_text(errno, msg, sizeof msg);
    return pg__fail(ctx, PG_ERR_IO, "%s: cannot follow the symbolic link '%s': %s", fname,
                    path, msg);
  }
  /* Keep the mode of the file being replaced; a new file gets 0666 less
  ** the umask (open applies it), as any other program's new file. */
  struct stat old;
  bool replacing = stat(target, &old) == 0;
  if (replacing && !S_ISREG(old.st_mode))
    return pg__fail(ctx, PG_ERR_IO, "%s: '%s' exists and is not a regular file", fname,
                    target);
  size_t tlen = strlen(target);
  static const char suffix[] = ".tmp-XXXXXX";
  char *tmp = pg__malloc(ctx, tlen + sizeof suffix);
  if (!tmp) return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for the temporary name", fname);
  memcpy(tmp, target, tlen);
  memcpy(tmp + tlen, suffix, sizeof suffix);
  int fd = create_temp(io, tmp, tlen + sizeof suffix - 7, replacing ? 0600u : 0666u);
  if (fd < 0) {
    pg__errno_text(errno, msg, sizeof msg);
    pg__free(ctx, tmp);
    return pg__fail(ctx, PG_ERR_IO, "%s: cannot create a temporary file next to '%s': %s",
                    fname, target, msg);
  }
  const char *stage = NULL;
  int e = 0;
  fd_sink s = {io, fd, 0};
  pg__writer w;
  pg__w_init(&w, fd_write, &s);
  if (replacing && fchmod(fd, old.st_mode & 07777) != 0) {
    stage = "chmod";
    e = errno;
  } else if (fn(&w, obj), !pg__w_flush(&w)) {
    stage = "write";
    e = s.err;
  } else if (io->sync(io->user, fd) != 0) {
    stage = "fsync";
    e = errno;
  }
  if (io->close(io->user, fd) != 0 && !stage) {
    stage = "close";
    e = errno;
  }
  if (!stage && io->rename(io->user, tmp, target) != 0) {
    stage = "rename";
    e = errno;
  }
  if (stage) {
    (void)unlink(tmp);
    pg__free(ctx, tmp);
    pg__errno_text(e ? e : EIO, msg, sizeof msg);
    return pg__fail(ctx, PG_ERR_IO, "%s: %s of '%s' failed (%s); the previous file is unchanged",
                    fname, stage, target, msg);
  }
  /* Make the rename itself durable: fsync the folder. Best effort: the new
  ** file is in place whatever happens here, so failures are not errors. */
  int dfd = io->open(io->user, folder_of(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dfd >= 0) {
    (void)io->sync(io->user, dfd);
    (void)io->close(io->user, dfd);
  }
  pg__free(ctx, tmp);
  return PG_OK;
}

pg_status pg__read_file(pg_ctx *ctx, const char *fname, const char *path,
                        unsigned char **out_data, size_t *out_size) {
  char msg[128];
  *out_data = NULL;
  *out_size = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    pg__errno_text(errno, msg, sizeof msg);
    return pg__fail(ctx, PG_ERR_IO, "%s: cannot open '%s': %s", fname, path, msg);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    (void)close(fd);
    return pg__fail(ctx, PG_ERR_IO, "%s: '%s' is not a regular file", fname, path);
  }
  if ((uint64_t)st.st_size > PG__MAX_FILE_SIZE) {
    (void)close(fd);
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: '%s' is larger than 1 GiB: not a checkpoint",
                    fname, path);
  }
  size_t size = (size_t)st.st_size;
  unsigned char *data = pg__malloc(ctx, size ? size : 1);
  if (!data) {
    (void)close(fd);
    return pg__fail(ctx, PG_ERR_NOMEM, "%s: out of memory for %zu bytes of '%s'", fname,
                    size, path);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, data + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : 0;
      (void)close(fd);
      pg__free(ctx, data);
      if (!e)
        return pg__fail(ctx, PG_ERR_IO, "%s: '%s' shrank while being read", fname, path);
      pg__errno_text(e, msg, sizeof msg);
      return pg__fail(ctx, PG_ERR_IO, "%s: cannot read '%s': %s", fname, path, msg);
    }
    got += (size_t)n;
  }
  (void)close(fd);
  *out_data = data;
  *out_size = size;
  return PG_OK;
}

/* ---- reader ------------------------------------------------------------- */
void pg__r_init(pg__reader *r, const void *data, size_t size) {
  r->p = data;
  r->left = size;
  r->bad = false;
}

static const unsigned char *take(pg__reader *r, size_t n) {
  if (r->bad || r->left < n) {
    r->bad = true;
    return NULL;
  }
  const unsigned char *p = r->p;
  r->p += n;
  r->left -= n;
  return p;
}

uint32_t pg__r_u32(pg__reader *r) {
  const unsigned char *p = take(r, 4);
  return p ? get_u32(p) : 0;
}

uint64_t pg__r_u64(pg__reader *r) {
  const unsigned char *p = take(r, 8);
  return p ? (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32 : 0;
}

float pg__r_f32(pg__reader *r) {
  uint32_t u = pg__r_u32(r);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

double pg__r_f64(pg__reader *r) {
  uint64_t u = pg__r_u64(r);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

bool pg__r_f32s(pg__reader *r, float *out, size_t n) {
  if (r->bad || n > r->left / 4) {
    r->bad = true;
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t u = get_u32(r->p + 4 * i);
    memcpy(&out[i], &u, sizeof u);
  }
  r->p += 4 * n;
  r->left -= 4 * n;
  return true;
}

bool pg__r_skip(pg__reader *r, size_t n) { return take(r, n) != NULL || n == 0; }

void pg__tag_name(uint32_t tag, char out[5]) {
  for (int i = 0; i < 4; i++) {
    unsigned char c = (unsigned char)(tag >> (8 * i));
    out[i] = c >= 32 && c < 127 ? (char)c : '?';
  }
  out[4] = '\0';
}

pg_status pg__r_header(pg_ctx *ctx, const char *fname, pg__reader *r,
                       uint32_t *kind, uint32_t *n_sections) {
  uint32_t version;
  return pg__r_header_version(ctx, fname, r, &version, kind, n_sections);
}

pg_status pg__r_header_version(pg_ctx *ctx, const char *fname, pg__reader *r,
                               uint32_t *version_out, uint32_t *kind,
                               uint32_t *n_sections) {
  if (r->left < 8 || memcmp(r->p, "PGCK", 4) != 0)
    return pg__fail(ctx, PG_ERR_FORMAT,
                    "%s: not a libpolicygrad checkpoint (no \"PGCK\" magic)", fname);
  uint32_t version = get_u32(r->p + 4);
  if (version == 0)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: format version 0 is invalid", fname);
  if (version > PG__FORMAT_VERSION)
    return pg__fail(ctx, PG_ERR_VERSION,
                    "%s: format version %u is newer than this library's (%u); "
                    "upgrade libpolicygrad to load it", fname, version, PG__FORMAT_VERSION);
  if (r->left < PG__HEADER_SIZE)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: truncated header (%zu bytes)", fname, r->left);
  const unsigned char *h = take(r, PG__HEADER_SIZE);
  if (get_u32(h + 20) != pg__crc32(0, h, 20) && !PG__FUZZING)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: header CRC mismatch (corrupt file)", fname);
  if (get_u32(h + 16) != 0)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: unknown header flags 0x%x", fname,
                    (unsigned)get_u32(h + 16));
  *version_out = version;
  *kind = get_u32(h + 8);
  *n_sections = get_u32(h + 12);
  return PG_OK;
}

pg_status pg__r_section(pg_ctx *ctx, const char *fname, pg__reader *r,
                        uint32_t *tag, pg__reader *body) {
  if (r->left < 12)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: truncated section header (%zu bytes left)",
                    fname, r->left);
  const unsigned char *start = r->p;
  *tag = pg__r_u32(r);
  uint64_t len = pg__r_u64(r);
  char name[5];
  pg__tag_name(*tag, name);
  if (len > r->left || r->left - (size_t)len < 4)
    return pg__fail(ctx, PG_ERR_FORMAT,
                    "%s: section '%s' claims %llu bytes but only %zu remain (truncated?)",
                    fname, name, (unsigned long long)len, r->left);
  const unsigned char *b = take(r, (size_t)len);
  uint32_t want = pg__r_u32(r);
  uint32_t got = pg__crc32(0, start, 12 + (size_t)len);
  if (want != got && !PG__FUZZING)
    return pg__fail(ctx, PG_ERR_FORMAT, "%s: CRC mismatch in section '%s' (corrupt file)",
                    fname, name);
  pg__r_init(body, b, (size_t)len);
  return PG_OK;
}

pg_status pg__load_memory(pg_ctx *ctx, const char *fname, const void *data,
                          size_t size, pg__image_loader load, void *out) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fname);
  if (!data && size) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: data is NULL", fname);
  return load(ctx, fname, data ? data : "", size, out);
}

pg_status pg__load_file(pg_ctx *ctx, const char *fname, const char *path,
                        pg__image_loader load, void *out) {
  if (!ctx) return PG_ERR_INVALID_ARG;
  if (!out) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: out is NULL", fname);
  if (!path) return pg__fail(ctx, PG_ERR_INVALID_ARG, "%s: path is NULL", fname);
  unsigned char *data;
  size_t size;
  pg_status st = pg__read_file(ctx, fname, path, &data, &size);
  if (st != PG_OK) return st;
  st = load(ctx, fname, data, size, out);
  pg__free(ctx, data);
  return st;
}
