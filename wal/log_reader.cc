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

// Start of the last annotated batch in `in` that verifies, or npos.
size_t LastVerifiedBatch(std::string_view in) {
  size_t from = in.size();
  while (from > 0) {
    size_t at = in.rfind("#cairn ", from - 1);
    if (at == std::string_view::npos) return at;
    from = at;
    if (at > 0 && in[at - 1] != '\n') continue;
    size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) continue;
    std::string_view line = in.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto ann = ParseAnnotation(line);
    if (ann && ann->length <= in.size() - (nl + 1) &&
        Checksum(in.substr(nl + 1, ann->length)) == ann->checksum) {
      return at;
    }
  }
  return std::string_view::npos;
}

}  // namespace

base::Result<ScanResult> ScanLogFile(const std::string& path, const std::string& name,
                                     const CommandFn& fn) {
  MappedFile file;
  CAIRN_RETURN_IF_ERROR(file.Open(path));
  ScanResult r;
  r.file_bytes = file.view().size();
  // Preallocated filler after the content is not part of the log.
  const std::string_view in = file.view().substr(0, ContentEnd(file.view()));
  r.content_bytes = in.size();
  const bool preallocated = r.content_bytes < r.file_bytes;
  protocol::ParserLimits limits;
  limits.max_bulk_len = LLONG_MAX;
  limits.max_inline_len = SIZE_MAX;
  size_t pos = 0;
  auto torn = [&](std::string why) {
    r.torn_tail = true;
    r.torn_reason = why + " at offset " + std::to_string(pos);
    return r;
  };
  // Whether a whole batch still follows `pos`, computed once when needed.
  // Cairn writes every record in a batch, and nothing is acknowledged after
  // a batch that did not reach the disk; so in a file of Cairn's, damage
  // with no verifiable batch after it is what a crash left of the batches
  // in flight (a torn tail), while damage before a good batch is corruption.
  size_t last_good = 0;
  bool last_good_known = false;
  auto good_batch_after = [&](size_t at) {
    if (!last_good_known) {
      last_good = LastVerifiedBatch(in);
      last_good_known = true;
    }
    return last_good != std::string_view::npos && last_good > at;
  };
  auto damaged = [&](std::string why, std::string message) -> base::Result<ScanResult> {
    if ((r.batches > 0 || preallocated) && !good_batch_after(pos)) return torn(std::move(why));
    return base::Status::Corruption(name + ": " + message);
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
        // Filler, or another tool's annotation (Redis writes "#TS:..."). In
        // the preallocated tail, anything but filler is a torn annotation.
        if (preallocated && line.find_first_not_of('#') != std::string_view::npos &&
            !good_batch_after(pos)) {
          return torn("damaged annotation");
        }
        pos = nl + 1;
        continue;
      }
      const size_t body = nl + 1;
      if (ann->length > in.size() - body) return torn("incomplete batch");
      std::string_view bytes = in.substr(body, ann->length);
      if (Checksum(bytes) != ann->checksum) {
        return damaged("batch failing its checksum",
                       "checksum mismatch in batch at offset " + std::to_string(pos) + " (seq " +
                           std::to_string(ann->first_seq) + ")");
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
    // Records outside batches in the preallocated tail of a file of Cairn's
    // are the remains of a batch whose annotation was lost, not records.
    // (Redis, appending to such a file, writes after the filler.)
    if (preallocated && !good_batch_after(pos)) return torn("record outside a batch");
    // A plain record, as Redis writes them.
    protocol::RequestParser parser(limits);
    size_t p = pos;
    Parse res = ParseCommand(parser, in, &p, &argv);
    if (res == Parse::kIncomplete) return torn("incomplete command");
    if (res == Parse::kBad) {
      return damaged("bytes that are not a record", "bad file format at offset " + std::to_string(pos));
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
