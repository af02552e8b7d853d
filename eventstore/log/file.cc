#include "eventstore/log/file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace cairn::eventstore {
namespace {

std::error_code last_error(const char* call, const std::string& path) {
  std::error_code ec(errno, std::system_category());
  spdlog::error("{}({}) failed: {}", call, path, ec.message());
  return ec;
}

}  // namespace

result<file> file::open(const std::string& path, mode m) {
  int flags = O_CLOEXEC | (m == mode::read_only ? O_RDONLY : O_RDWR | O_CREAT);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return last_error("open", path);
  return file(fd, path);
}

file::file(file&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

file& file::operator=(file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

file::~file() {
  if (fd_ >= 0) ::close(fd_);
}

result<std::int64_t> file::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return last_error("fstat", path_);
  return static_cast<std::int64_t>(st.st_size);
}

result<std::size_t> file::pread(std::int64_t position, char* out, std::size_t size) const {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, out + done, size - done, position + static_cast<std::int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error("pread", path_);
    }
    if (n == 0) break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return done;
}

result<void> file::pwrite_all(std::int64_t position, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                         position + static_cast<std::int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error("pwrite", path_);
    }
    done += static_cast<std::size_t>(n);
  }
  return success();
}

result<void> file::truncate(std::int64_t size) {
  if (::ftruncate(fd_, size) != 0) return last_error("ftruncate", path_);
  return success();
}

result<void> file::datasync() const {
  if (::fdatasync(fd_) != 0) return last_error("fdatasync", path_);
  return success();
}

result<bool> file::try_lock_exclusive() const {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
  if (errno == EWOULDBLOCK) return false;
  return last_error("flock", path_);
}

result<void> sync_directory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error("open", path);
  int rc = ::fsync(fd);
  auto ec = rc != 0 ? last_error("fsync", path) : std::error_code{};
  ::close(fd);
  if (ec) return ec;
  return success();
}

result<void> rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return last_error("rename", from + " -> " + to);
  return success();
}

result<void> remove_file_if_exists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return last_error("unlink", path);
  return success();
}

result<void> write_file_atomically(const std::string& path, std::string_view bytes) {
  std::string temporary = path + ".tmp";
  {
    CAIRN_TRY(auto f, file::open(temporary, file::mode::read_write_create));
    CAIRN_TRY(f.truncate(0));
    CAIRN_TRY(f.pwrite_all(0, bytes));
    CAIRN_TRY(f.datasync());
  }
  CAIRN_TRY(rename_file(temporary, path));
  return sync_directory(std::filesystem::path(path).parent_path().string());
}

}  // namespace cairn::eventstore
