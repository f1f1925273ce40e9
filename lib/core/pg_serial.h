/*
** Checkpoint format plumbing shared by every component that saves state
** (docs/FORMAT.md): CRC-32, a little-endian writer over a byte sink, a
** bounds-checked little-endian reader, section framing, whole-file reads
** and the atomic (temporary file + fsync + rename) file write.
**
** Writing never allocates: a section's length is measured by running its
** body function once on a counting writer, then the header, the body and
** the CRC are streamed to the sink. Reading works on an in-memory image and
** every count is bounded by the bytes left before anything is allocated.
*/
#ifndef PG_SERIAL_H
#define PG_SERIAL_H

#include "pg_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Version 2 (release 0.2): per-kind layer records in ARCH (lib/nn/arch.c).
** Version 3: a policy's ONRM section (observation normalization, which an
** older reader must not skip); only such policies are written as 3, every
** other file as PG__FORMAT_VERSION_BASE. Version 4: a policy's SQSH
** section (tanh-squashed actions), likewise only such policies. Version 5:
** a Gaussian head with a state-dependent log-std (a log_std layer in ARCH),
** any file holding such a net (pg__netdef_file_version). Readers accept
** every version from 1 up to PG__FORMAT_VERSION. */
#define PG__FORMAT_VERSION 5u
#define PG__FORMAT_VERSION_BASE 2u
#define PG__HEADER_SIZE 24u

/* File kinds (header field 3). Numbers are part of the format. */
enum { PG__KIND_NET = 1, PG__KIND_POLICY = 2, PG__KIND_AGENT = 3 };

/* Section tags: four ASCII characters, stored as a little-endian u32. */
#define PG__TAG(a, b, c, d)                                            \
  ((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |      \
   ((uint32_t)(d) << 24))

/* Largest file pg__read_file accepts (1 GiB). */
#define PG__MAX_FILE_SIZE ((uint64_t)1 << 30)

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib's crc32()). Start with
** crc = 0; feed pieces in order. */
uint32_t pg__crc32(uint32_t crc, const void *data, size_t size);

/* ---- writer ------------------------------------------------------------ */
typedef struct pg__writer {
  pg_write_fn fn;      /* NULL: count only */
  void *user;
  uint64_t total;      /* bytes produced so far */
  uint32_t crc;        /* running CRC of the current section */
  bool failed;         /* the sink returned non-zero */
  size_t used;
  unsigned char buf[2048];
} pg__writer;

void pg__w_init(pg__writer *w, pg_write_fn fn, void *user);
void pg__w_bytes(pg__writer *w, const void *data, size_t size);
void pg__w_u32(pg__writer *w, uint32_t v);
void pg__w_u64(pg__writer *w, uint64_t v);
void pg__w_f32(pg__writer *w, float v);
void pg__w_f64(pg__writer *w, double v);
void pg__w_f32s(pg__writer *w, const float *v, size_t n);
/* Flushes the buffer to the sink; returns false if the sink ever failed. */
bool pg__w_flush(pg__writer *w);

/* The 24-byte file header, of format version PG__FORMAT_VERSION_BASE or of an
** explicit (older) one: tests craft version-1 files with it. */
void pg__w_header(pg__writer *w, uint32_t kind, uint32_t n_sections);
void pg__w_header_version(pg__writer *w, uint32_t version, uint32_t kind,
                          uint32_t n_sections);

/* A section: tag, u64 body length, body, CRC-32 of (tag, length, body).
** body(w, obj) must write the same bytes each time it is called. */
typedef void (*pg__body_fn)(pg__writer *w, const void *obj);
void pg__w_section(pg__writer *w, uint32_t tag, pg__body_fn body, const void *obj);

/* ---- whole checkpoints ---------------------------------------------------
** A checkpoint writer: writes the header and every section to w. */
typedef void (*pg__ckpt_fn)(pg__writer *w, const void *obj);

/* Bytes the checkpoint takes. */
uint64_t pg__ckpt_size(pg__ckpt_fn fn, const void *obj);

/* To a callback: PG_ERR_CALLBACK when it returns non-zero. */
pg_status pg__ckpt_save_cb(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                           const void *obj, pg_write_fn write, void *user);
/* To memory, with the size query rules of pg_net_save_memory. */
pg_status pg__ckpt_save_memory(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                               const void *obj, void *buf, size_t capacity,
                               size_t *out_size);

/* File operations behind the atomic save; tests substitute them to inject
** failures (tests/testutil_io.c). Each behaves as its POSIX call: open(2)
** for the temporary file (O_CREAT | O_EXCL) and for the folder
** (O_DIRECTORY); write(2), which may write fewer bytes than asked; fsync(2)
** of the file and of the folder; close(2); rename(2). -1 with errno set on
** failure. */
typedef struct pg__file_io {
  int (*open)(void *user, const char *path, int flags, unsigned mode);
  ssize_t (*write)(void *user, int fd, const void *data, size_t size);
  int (*sync)(void *user, int fd);
  int (*close)(void *user, int fd);
  int (*rename)(void *user, const char *from, const char *to);
  void *user;
} pg__file_io;

/* Tests only, not thread-safe: the table every save uses when given none
** (the public pg_*_save_file functions); NULL restores the POSIX calls. */
void pg__set_file_io(const pg__file_io *io);

/* write(2) of all `size` bytes, retried on EINTR and short writes: 0, or
** -1 with errno set. Also used by the training log (lib/agents/train_log.c). */
int pg__fd_write_all(int fd, const void *data, size_t size);
/* The text of errno value err (strerror_r) into buf; "errno N" if none. */
void pg__errno_text(int err, char *buf, size_t len);

/* Writes the checkpoint to a temporary file next to path, fsyncs it and
** renames it over path (then fsyncs the folder, best effort). path may be
** a symbolic link: the chain is followed and the file it names is
** replaced (the links stay). The new file keeps the mode of the file it
** replaces, else gets 0666 less the umask. On any failure the temporary
** file is removed and path is untouched: PG_ERR_IO. io NULL = the table of
** pg__set_file_io (the POSIX calls). Allocates only the temporary name. */
pg_status pg__ckpt_save_file(pg_ctx *ctx, const char *fname, pg__ckpt_fn fn,
                             const void *obj, const char *path,
                             const pg__file_io *io);

/* Reads a whole file (at most PG__MAX_FILE_SIZE bytes) into a block from
** pg__malloc (free with pg__free). PG_ERR_IO, PG_ERR_FORMAT (too large),
** PG_ERR_NOMEM. An empty file gives size 0 and a 1-byte block. */
pg_status pg__read_file(pg_ctx *ctx, const char *fname, const char *path,
                        unsigned char **out_data, size_t *out_size);

/* The public load functions of every checkpoint kind: argument checks, then
** `load` (the kind's parser, writing a new handle to `out`, which points to
** the caller's handle pointer) on the memory image or on the file's bytes.
** The caller sets its *out to NULL first when out is not NULL. */
typedef pg_status (*pg__image_loader)(pg_ctx *ctx, const char *fname,
                                      const void *data, size_t size,
                                      void *out);
pg_status pg__load_memory(pg_ctx *ctx, const char *fname, const void *data,
                          size_t size, pg__image_loader load, void *out);
pg_status pg__load_file(pg_ctx *ctx, const char *fname, const char *path,
                        pg__image_loader load, void *out);

/* ---- reader ------------------------------------------------------------ */
typedef struct pg__reader {
  const unsigned char *p;
  size_t left;
  bool bad;            /* a read ran past the end */
} pg__reader;

void pg__r_init(pg__reader *r, const void *data, size_t size);
uint32_t pg__r_u32(pg__reader *r);
uint64_t pg__r_u64(pg__reader *r);
float pg__r_f32(pg__reader *r);
double pg__r_f64(pg__reader *r);
/* n floats; false (and r->bad) if fewer than 4n bytes are left. */
bool pg__r_f32s(pg__reader *r, float *out, size_t n);
/* Skips n bytes. */
bool pg__r_skip(pg__reader *r, size_t n);

/* Checks magic, version and header CRC; gives kind and section count.
** PG_ERR_FORMAT / PG_ERR_VERSION with a message naming fname. */
pg_status pg__r_header(pg_ctx *ctx, const char *fname, pg__reader *r,
                       uint32_t *kind, uint32_t *n_sections);
/* The same, also giving the file's format version (1..PG__FORMAT_VERSION)
** for readers whose section layout changed between versions. */
pg_status pg__r_header_version(pg_ctx *ctx, const char *fname, pg__reader *r,
                               uint32_t *version, uint32_t *kind,
                               uint32_t *n_sections);

/* Reads one section frame, checks its CRC, and gives its body as a reader.
** PG_ERR_FORMAT on truncation or a CRC mismatch. */
pg_status pg__r_section(pg_ctx *ctx, const char *fname, pg__reader *r,
                        uint32_t *tag, pg__reader *body);

/* Printable form of a tag for messages (5 bytes incl. NUL). */
void pg__tag_name(uint32_t tag, char out[5]);


#endif /* PG_SERIAL_H */
