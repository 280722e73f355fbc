#include "wal/log_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string_view>

#include "protocol/request_parser.h"
#include "wal/format.h"

namespace cairn::wal {
namespace {

// A read-only mapping of a whole file.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr && size_ > 0) munmap(const_cast<char*>(data_), size_);
  }
  base::Status Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return base::Status::IoErrorFromErrno("opening " + path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return base::Status::IoErrorFromErrno("stat of " + path, err);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        close(fd);
        return base::Status::IoErrorFromErrno("mapping " + path, err);
      }
      data_ = static_cast<const char*>(p);
    }
    close(fd);
    return base::Status::Ok();
  }
  std::string_view view() const { return {data_ ? data_ : "", size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

enum class Parse { kOk, kIncomplete, kBad };

// Parses one RESP command array at in[*pos].
Parse ParseCommand(protocol::RequestParser& parser, std::string_view in, size_t* pos,
                   std::vector<std::string>* argv) {
  if (*pos >= in.size() || in[*pos] != '*') return Parse::kBad;
  size_t p = *pos;
  auto s = parser.Parse(in, &p);
  if (s == protocol::RequestParser::Status::kError) return Parse::kBad;
  if (s == protocol::RequestParser::Status::kNeedMore) return Parse::kIncomplete;
  *argv = std::move(parser.args());
  *pos = p;
  return Parse::kOk;
}

}  // namespace

base::Result<ScanResult> ScanLogFile(const std::string& path, const std::string& name,
                                     const CommandFn& fn) {
  MappedFile file;
  CAIRN_RETURN_IF_ERROR(file.Open(path));
  const std::string_view in = file.view();
  ScanResult r;
  r.file_bytes = in.size();
  protocol::ParserLimits limits;
  limits.max_bulk_len = LLONG_MAX;
  limits.max_inline_len = SIZE_MAX;
  size_t pos = 0;
  auto torn = [&](std::string why) {
    r.torn_tail = true;
    r.torn_reason = why + " at offset " + std::to_string(pos);
    r.valid_bytes = pos;
    return r;
  };
  std::vector<std::string> argv;
  std::vector<std::vector<std::string>> batch;
  while (pos < in.size()) {
    if (in[pos] == '#') {
      size_t nl = in.find('\n', pos);
      if (nl == std::string_view::npos) return torn("incomplete annotation");
      std::string_view line = in.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      auto ann = ParseAnnotation(line);
      if (!ann) {
        // Another tool's annotation (Redis writes "#TS:..."): skip it.
        pos = nl + 1;
        continue;
      }
      const size_t body = nl + 1;
      if (ann->length > in.size() - body) return torn("incomplete batch");
      std::string_view bytes = in.substr(body, ann->length);
      const bool last = body + ann->length == in.size();
      if (Checksum(bytes) != ann->checksum) {
        if (last) return torn("batch failing its checksum");
        return base::Status::Corruption(name + ": checksum mismatch in batch " + "at offset " + std::to_string(pos) +
                                        " (seq " + std::to_string(ann->first_seq) + ")");
      }
      // Verified: parse every command before applying any of them.
      protocol::RequestParser parser(limits);
      batch.clear();
      size_t p = 0;
      while (p < bytes.size()) {
        if (ParseCommand(parser, bytes, &p, &argv) != Parse::kOk) {
          return base::Status::Corruption(name + ": malformed record inside a verified batch " +
                                          "at offset " + std::to_string(body + p));
        }
        batch.push_back(std::move(argv));
      }
      for (auto& cmd : batch) {
        CAIRN_RETURN_IF_ERROR(fn(cmd, pos));
        r.commands++;
      }
      r.batches++;
      uint64_t n = 0;
      for (const auto& cmd : batch) n += !(cmd.size() == 2 && (cmd[0] == "SELECT"));
      if (n > 0) r.last_seq = ann->first_seq + n - 1;
      pos = body + ann->length;
      r.valid_bytes = pos;
      continue;
    }
    if (in[pos] == '\0' && in.find_first_not_of('\0', pos) == std::string_view::npos) {
      // Zeros to the end: what a crash leaves when the file size reached
      // the disk before the data did.
      return torn("zero-filled tail");
    }
    // A plain record, as Redis writes them.
    protocol::RequestParser parser(limits);
    size_t p = pos;
    Parse res = ParseCommand(parser, in, &p, &argv);
    if (res == Parse::kIncomplete) return torn("incomplete command");
    if (res == Parse::kBad) {
      return base::Status::Corruption(name + ": bad file format " + "at offset " + std::to_string(pos));
    }
    CAIRN_RETURN_IF_ERROR(fn(argv, pos));
    r.commands++;
    pos = p;
    r.valid_bytes = pos;
  }
  return r;
}

base::Status TruncateFile(const std::string& path, uint64_t length) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return base::Status::IoErrorFromErrno("opening " + path, errno);
  if (ftruncate(fd, static_cast<off_t>(length)) != 0 || fsync(fd) != 0) {
    int err = errno;
    close(fd);
    return base::Status::IoErrorFromErrno("truncating " + path, err);
  }
  close(fd);
  return base::Status::Ok();
}

}  // namespace cairn::wal
