/*
 * files: mkdir -p and write-then-rename (see files.h).
 */
#include "activempi/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int amp_mkdir_p(const char *dir) {
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path) return ENAMETOOLONG;
  memcpy(path, dir, n + 1);
  for (char *p = path + 1; ; ++p) {
    if (*p == '/' || *p == '\0') {
      char end = *p;
      *p = '\0';
      if (mkdir(path, 0777) && errno != EEXIST) return errno;
      *p = end;
      if (!end) break;
    }
  }
  struct stat st;
  if (stat(path, &st)) return errno;
  return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int amp_temp_name(const char *path, char *tmp, size_t size) {
  int n = snprintf(tmp, size, "%s.tmp.%ld", path, (long)getpid());
  return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* fsync a file by name: the data of a rename must be on disk before the name is. */
static int sync_file(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno;
  int status = fsync(fd) ? errno : 0;
  close(fd);
  return status;
}

int amp_publish(const char *tmp, const char *path) {
  int status = sync_file(tmp);
  if (!status && rename(tmp, path)) status = errno;
  if (status) unlink(tmp);
  return status;
}

FILE *amp_atomic_open(const char *path, char *tmp, size_t size) {
  if (amp_temp_name(path, tmp, size)) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  return fopen(tmp, "w");
}

int amp_atomic_commit(FILE *f, const char *tmp, const char *path) {
  int status = ferror(f) ? EIO : 0;
  if (fclose(f) && !status) status = errno;
  if (status) {
    unlink(tmp);
    return status;
  }
  return amp_publish(tmp, path);
}

int amp_file_checksum(const char *path, uint64_t *sum) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno;
  unsigned char buf[65536];
  uint64_t h = 14695981039346656037ULL; /* FNV offset basis */
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < n; ++i) h = (h ^ buf[i]) * 1099511628211ULL; /* FNV prime */
  int status = ferror(f) ? EIO : 0;
  fclose(f);
  *sum = h;
  return status;
}
