// sync_file_range(2) is Linux's alone, so Swift's Glibc module leaves it out.
#ifndef CFILESYNC_SHIM_H
#define CFILESYNC_SHIM_H
#define _GNU_SOURCE 1
#include <fcntl.h>

/// Asks the kernel to start writing the dirty pages of [offset, offset + count) (count 0:
/// to the end of the file) to disk now, without waiting for them.
static inline int cfilesync_start_writeback(int fd, long offset, long count) {
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
}
#endif
