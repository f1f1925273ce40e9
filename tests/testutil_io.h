/* File-system fault injection for the checkpoint tests: a pg__file_io whose
** open (of the temporary file or of the folder), write (torn, short or
** interrupted), fsync (of the file or of the folder), close and rename can
** fail; a driver that runs a save function through every fault; and a
** count of the entries in a folder (no temporary file left behind). */
#ifndef PG_TESTUTIL_IO_H
#define PG_TESTUTIL_IO_H

#include "pg_serial.h"

typedef struct pg_test_fault {
  long fail_write_after; /* bytes written before a write fails (ENOSPC); -1 = never */
  int fail_open;         /* creating the temporary file fails (EACCES) */
  int collide;           /* the first N temporary names exist already (EEXIST) */
  int short_writes;      /* each write takes at most 7 bytes, every third EINTR */
  int fail_sync;         /* fsync of the temporary file fails (EIO) */
  int fail_close;        /* close of the temporary file fails (EIO) */
  int fail_rename;       /* rename fails (EXDEV) */
  int fail_dir_open;     /* opening the folder to fsync it fails (EACCES) */
  int fail_dir_sync;     /* fsync of the folder fails (EIO) */
  long written;          /* bytes written so far */
  int calls;             /* write calls so far */
  int dir_fd;            /* the folder's fd while it is open, else -1 */
} pg_test_fault;

/* A fault that never fires: set one field, then use it. */
pg_test_fault pg_test_no_fault(void);

/* The injecting I/O table for fault f (f must outlive its use). */
pg__file_io pg_test_fault_io(pg_test_fault *f);

/* A save under test: returns its status. */
typedef pg_status (*pg_test_save_fn)(const void *obj, const char *path);

/* Runs save(obj, path) through every fault, with the table installed for
** the public functions (pg__set_file_io). path must name an existing file,
** the only entry of its folder, that differs from what save writes. A
** fault before the rename must give PG_ERR_IO and leave the file's bytes
** and mode as they were and no other entry; short writes, name collisions
** and folder faults (after the rename) must give PG_OK and the bytes of a
** clean save. The file is put back between cases and at the end. */
void pg_test_save_under_faults(pg_test_save_fn save, const void *obj, const char *path);

/* The whole of a file, from malloc (free it): size in *size. */
unsigned char *pg_test_read_all(const char *path, size_t *size);

/* Makes a fresh folder $TMPDIR/<prefix>_XXXXXX (TMPDIR defaults to /tmp)
** and writes its path into dir (size bytes). */
void pg_test_make_tmpdir(char *dir, size_t size, const char *prefix);

/* Entries of dir other than "." and "..". */
int pg_test_count_entries(const char *dir);

#endif
