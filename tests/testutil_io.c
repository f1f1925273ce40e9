#define _POSIX_C_SOURCE 200809L
#include "testutil_io.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pg_test_fault pg_test_no_fault(void) {
  pg_test_fault f;
  memset(&f, 0, sizeof f);
  f.fail_write_after = -1;
  f.dir_fd = -1;
  return f;
}

static int fault_open(void *user, const char *path, int flags, unsigned mode) {
  pg_test_fault *f = user;
  if (flags & O_DIRECTORY) {
    if (f->fail_dir_open) {
      errno = EACCES;
      return -1;
    }
    f->dir_fd = open(path, flags, (mode_t)mode);
    return f->dir_fd;
  }
  if (f->fail_open) {
    errno = EACCES;
    return -1;
  }
  if (f->collide > 0) {
    f->collide--;
    errno = EEXIST;
    return -1;
  }
  return open(path, flags, (mode_t)mode);
}

static ssize_t fault_write(void *user, int fd, const void *data, size_t size) {
  pg_test_fault *f = user;
  f->calls++;
  if (f->short_writes) {
    if (f->calls % 3 == 0) {
      errno = EINTR;
      return -1;
    }
    if (size > 7) size = 7;
  }
  if (f->fail_write_after >= 0 && f->written + (long)size > f->fail_write_after) {
    size_t part = (size_t)(f->fail_write_after - f->written);
    if (part == 0) {
      errno = ENOSPC;
      return -1;
    }
    size = part; /* a torn write: the next call fails */
  }
  ssize_t n = write(fd, data, size);
  ck_assert_int_eq(n, (ssize_t)size);
  f->written += (long)n;
  return n;
}

static int fault_sync(void *user, int fd) {
  pg_test_fault *f = user;
  if (fd == f->dir_fd ? f->fail_dir_sync : f->fail_sync) {
    errno = EIO;
    return -1;
  }
  return fsync(fd);
}

static int fault_close(void *user, int fd) {
  pg_test_fault *f = user;
  bool is_dir = fd == f->dir_fd;
  if (is_dir) f->dir_fd = -1;
  int rc = close(fd);
  if (!is_dir && f->fail_close) {
    errno = EIO; /* as NFS reports a failed write-back: the fd is closed */
    return -1;
  }
  return rc;
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
  pg__file_io io = {fault_open, fault_write, fault_sync, fault_close, fault_rename, f};
  return io;
}

unsigned char *pg_test_read_all(const char *path, size_t *size) {
  FILE *fp = fopen(path, "rb");
  ck_assert_msg(fp != NULL, "cannot open %s", path);
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  ck_assert_ptr_nonnull(buf);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      ck_assert_ptr_nonnull(buf);
    }
  }
  fclose(fp);
  *size = n;
  return buf;
}

static void write_back(const char *path, const unsigned char *data, size_t size,
                       mode_t mode) {
  FILE *fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  ck_assert_uint_eq(fwrite(data, 1, size, fp), size);
  ck_assert_int_eq(fclose(fp), 0);
  ck_assert_int_eq(chmod(path, mode), 0);
}

static bool same_bytes(const char *path, const unsigned char *data, size_t size) {
  size_t n;
  unsigned char *now = pg_test_read_all(path, &n);
  bool same = n == size && memcmp(now, data, size) == 0;
  free(now);
  return same;
}

void pg_test_save_under_faults(pg_test_save_fn save, const void *obj, const char *path) {
  char dir[512];
  ck_assert_int_lt(snprintf(dir, sizeof dir, "%s", path), (int)sizeof dir);
  char *slash = strrchr(dir, '/');
  ck_assert_ptr_nonnull(slash);
  *slash = '\0';
  ck_assert_int_eq(pg_test_count_entries(dir), 1);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  mode_t mode = st.st_mode & 07777;
  size_t old_size, new_size;
  unsigned char *old = pg_test_read_all(path, &old_size);
  /* The bytes of a clean save, for the cases that must succeed. */
  ck_assert_int_eq(save(obj, path), PG_OK);
  unsigned char *fresh = pg_test_read_all(path, &new_size);
  ck_assert_msg(new_size != old_size || memcmp(old, fresh, old_size) != 0,
                "the save must write something else than the file holds");
  write_back(path, old, old_size, mode);

  enum { FAILS = 9, PASSES = 5 };
  pg_test_fault cases[FAILS + PASSES];
  for (int i = 0; i < FAILS + PASSES; i++) cases[i] = pg_test_no_fault();
  cases[0].fail_open = 1;
  cases[1].collide = 1000; /* every name taken: gives up */
  cases[2].fail_write_after = 0;
  cases[3].fail_write_after = 10;
  cases[4].fail_write_after = (long)new_size - 1;
  cases[5].fail_write_after = 10, cases[5].short_writes = 1;
  cases[6].fail_sync = 1;
  cases[7].fail_close = 1;
  cases[8].fail_rename = 1;
  cases[FAILS + 0].short_writes = 1;
  cases[FAILS + 1].collide = 3;
  cases[FAILS + 2].fail_dir_open = 1;
  cases[FAILS + 3].fail_dir_sync = 1;
  /* FAILS + 4: no fault through the table */
  for (int c = 0; c < FAILS + PASSES; c++) {
    pg_test_fault f = cases[c];
    pg__file_io io = pg_test_fault_io(&f);
    pg__set_file_io(&io);
    pg_status st_save = save(obj, path);
    pg__set_file_io(NULL);
    ck_assert_int_eq(f.dir_fd, -1); /* the folder's fd was closed */
    ck_assert_msg(pg_test_count_entries(dir) == 1, "case %d left a temporary file", c);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, mode);
    if (c < FAILS) {
      ck_assert_msg(st_save == PG_ERR_IO, "case %d: status %d, not PG_ERR_IO", c, (int)st_save);
      ck_assert_msg(same_bytes(path, old, old_size), "case %d changed the previous file", c);
    } else {
      ck_assert_msg(st_save == PG_OK, "case %d: status %d, not PG_OK", c, (int)st_save);
      ck_assert_msg(same_bytes(path, fresh, new_size), "case %d wrote other bytes", c);
      write_back(path, old, old_size, mode);
    }
  }
  free(old);
  free(fresh);
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
