/* File-system fault injection for the checkpoint tests: a pg__file_io whose
** write can tear after a number of bytes and whose fsync or rename can fail,
** and a count of the entries in a folder (no temporary file left behind). */
#ifndef PG_TESTUTIL_IO_H
#define PG_TESTUTIL_IO_H

#include "pg_serial.h"

typedef struct pg_test_fault {
  long fail_write_after; /* bytes written before the write fails; -1 = never */
  int fail_sync, fail_rename;
  long written;
} pg_test_fault;

/* The injecting I/O table for fault f (f must outlive its use). */
pg__file_io pg_test_fault_io(pg_test_fault *f);

/* Makes a fresh folder $TMPDIR/<prefix>_XXXXXX (TMPDIR defaults to /tmp)
** and writes its path into dir (size bytes). */
void pg_test_make_tmpdir(char *dir, size_t size, const char *prefix);

/* Entries of dir other than "." and "..". */
int pg_test_count_entries(const char *dir);

#endif
