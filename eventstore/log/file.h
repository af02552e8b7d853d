// file: an owned file descriptor with the few positional calls the log needs. Every failure comes
// back as the errno wrapped in std::error_code, and is logged with the call and the path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/base/result.h"

namespace cairn::eventstore {

class file {
 public:
  enum class mode { read_only, read_write_create };

  static result<file> open(const std::string& path, mode m);

  file() = default;
  file(file&& other) noexcept;
  file& operator=(file&& other) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file();

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Records that the file was renamed (the descriptor is unchanged), for messages.
  void renamed_to(std::string path) { path_ = std::move(path); }

  result<std::int64_t> size() const;
  // Reads exactly `size` bytes at `position` unless the file ends first; returns bytes read.
  result<std::size_t> pread(std::int64_t position, char* out, std::size_t size) const;
  result<void> pwrite_all(std::int64_t position, std::string_view bytes);
  result<void> truncate(std::int64_t size);
  result<void> datasync() const;
  // Takes an exclusive advisory lock (flock) without waiting; false when someone else holds it.
  result<bool> try_lock_exclusive() const;

 private:
  file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Filesystem helpers with the same error convention.
result<void> sync_directory(const std::string& path);
result<void> rename_file(const std::string& from, const std::string& to);
result<void> remove_file_if_exists(const std::string& path);
// Writes `bytes` to `path` via a temporary file, fsync and rename, so readers see old or new.
result<void> write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace cairn::eventstore
