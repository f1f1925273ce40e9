#define _POSIX_C_SOURCE 200809L
#include "testutil_io.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fault_write(void *user, int fd, const void *data, size_t size) {
  pg_test_fault *f = user;
  if (f->fail_write_after >= 0 && f->written + (long)size > f->fail_write_after) {
    size_t part = (size_t)(f->fail_write_after - f->written);
    if (part) ck_assert_int_eq(write(fd, data, part), (ssize_t)part); /* a torn write */
    f->written += (long)part;
    errno = ENOSPC;
    return -1;
  }
  ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
  f->written += (long)size;
  return 0;
}

static int fault_sync(void *user, int fd) {
  pg_test_fault *f = user;
  if (f->fail_sync) {
    errno = EIO;
    return -1;
  }
  return fsync(fd);
}

static int fault_rename(void *user, const char *from, const char *to) {
  pg_test_fault *f = user;
  if (f->fail_rename) {
    errno = EXDEV;
    return -1;
  }
  return rename(from, to);
}

pg__file_io pg_test_fault_io(pg_test_fault *f) {
  pg__file_io io = {fault_write, fault_sync, fault_rename, f};
  return io;
}

int pg_test_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

void pg_test_make_tmpdir(char *dir, size_t size, const char *prefix) {
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  ck_assert_int_lt(snprintf(dir, size, "%s/%s_XXXXXX", tmp, prefix), (int)size);
  ck_assert_ptr_nonnull(mkdtemp(dir));
}
