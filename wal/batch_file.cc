#include "wal/batch_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/file_util.h"
#include "wal/format.h"

namespace cairn::wal {

namespace {
constexpr size_t kBatchBytes = 1 << 20;
}

BatchFile::~BatchFile() {
  if (fd_ >= 0) close(fd_);
}

base::Status BatchFile::Open(const std::string& path) {
  path_ = path;
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return base::Status::IoErrorFromErrno("creating " + path, errno);
  return base::Status::Ok();
}

base::Status BatchFile::Append(int db, std::span<const std::string> argv) {
  if (db != pending_db_) {
    AppendSelect(&pending_, db);
    pending_db_ = db;
  }
  AppendCommand(&pending_, argv);
  if (pending_.size() >= kBatchBytes) return WriteBatch();
  return base::Status::Ok();
}

base::Status BatchFile::WriteBatch() {
  if (pending_.empty()) return base::Status::Ok();
  std::string bytes = FormatAnnotation(
      {.first_seq = 0, .length = pending_.size(), .checksum = Checksum(pending_)});
  bytes += pending_;
  pending_.clear();
  pending_db_ = -1;  // the next batch starts with its own SELECT
  CAIRN_RETURN_IF_ERROR(base::WriteAll(fd_, bytes, path_));
  written_ += bytes.size();
  return base::Status::Ok();
}

base::Status BatchFile::Finish() {
  CAIRN_RETURN_IF_ERROR(WriteBatch());
  if (fsync(fd_) != 0) return base::Status::IoErrorFromErrno("fsync of " + path_, errno);
  close(fd_);
  fd_ = -1;
  return base::Status::Ok();
}

}  // namespace cairn::wal
