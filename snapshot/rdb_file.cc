#include "snapshot/rdb_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/crc64.h"
#include "base/file_util.h"
#include "base/logging.h"
#include "snapshot/rdb_format.h"
#include "snapshot/value_codec.h"
#include "types/value_access.h"

namespace cairn::snapshot {

namespace {
constexpr size_t kBufferBytes = 1 << 20;
}

RdbFileWriter::~RdbFileWriter() {
  if (fd_ >= 0) close(fd_);
}

base::Status RdbFileWriter::Open(const std::string& path, const RdbWriteOptions& options) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("creating " + path, errno);
  CAIRN_RETURN_IF_ERROR(Attach(fd, path, options));
  sync_ = true;
  return base::Status::Ok();
}

base::Status RdbFileWriter::Attach(int fd, std::string name, const RdbWriteOptions& options) {
  fd_ = fd;
  sync_ = false;
  path_ = std::move(name);
  options_ = options;
  now_ms_ = base::NowMs();
  buf_ = "REDIS00" + std::to_string(kRdbVersion);
  for (const auto& [k, v] : options_.aux) {
    buf_.push_back(static_cast<char>(kOpAux));
    EncodeString(&buf_, k, false);
    EncodeString(&buf_, v, false);
  }
  // FUNCTION libraries (RDB_OPCODE_FUNCTION2), before the data, as Redis
  // 7.0 writes them.
  for (const std::string& code : options_.functions) {
    buf_.push_back(static_cast<char>(kOpFunction2));
    EncodeString(&buf_, code, options_.compress);
  }
  return base::Status::Ok();
}

base::Status RdbFileWriter::BeginDb(int db, uint64_t size, uint64_t expires) {
  buf_.push_back(static_cast<char>(kOpSelectDb));
  EncodeLength(&buf_, static_cast<uint64_t>(db));
  buf_.push_back(static_cast<char>(kOpResizeDb));
  EncodeLength(&buf_, size);
  EncodeLength(&buf_, expires);
  return base::Status::Ok();
}

void RdbFileWriter::PutPrefix(uint32_t access, int64_t expire_ms) {
  if (expire_ms >= 0) {
    buf_.push_back(static_cast<char>(kOpExpireTimeMs));
    for (int i = 0; i < 8; i++) {
      buf_.push_back(static_cast<char>((static_cast<uint64_t>(expire_ms) >> (8 * i)) & 0xff));
    }
  }
  if (options_.access == RdbWriteOptions::Access::kIdle) {
    buf_.push_back(static_cast<char>(kOpIdle));
    EncodeLength(&buf_, static_cast<uint64_t>(types::LruIdleSeconds(access, now_ms_)));
  } else if (options_.access == RdbWriteOptions::Access::kFreq) {
    buf_.push_back(static_cast<char>(kOpFreq));
    buf_.push_back(
        static_cast<char>(types::lfu::Counter(access, now_ms_, options_.lfu_decay_time)));
  }
}

base::Status RdbFileWriter::Put(std::string_view key, const types::Value& value,
                                int64_t expire_ms) {
  PutPrefix(value.lru, expire_ms);
  buf_.push_back(static_cast<char>(RdbTypeOf(value)));
  EncodeString(&buf_, key, options_.compress);
  EncodeValue(&buf_, value, options_.compress);
  if (buf_.size() >= kBufferBytes) return FlushBuffer();
  return base::Status::Ok();
}

base::Status RdbFileWriter::PutEncoded(std::string_view key, std::string_view encoded,
                                       uint32_t access, int64_t expire_ms) {
  if (encoded.empty()) return base::Status::InvalidArgument("an encoded value without its type");
  PutPrefix(access, expire_ms);
  buf_.push_back(encoded[0]);
  EncodeString(&buf_, key, options_.compress);
  buf_.append(encoded.substr(1));
  if (buf_.size() >= kBufferBytes) return FlushBuffer();
  return base::Status::Ok();
}

base::Status RdbFileWriter::FlushBuffer() {
  crc_ = base::Crc64(crc_, buf_.data(), buf_.size());
  CAIRN_RETURN_IF_ERROR(base::WriteAll(fd_, buf_, path_));
  written_ += buf_.size();
  buf_.clear();
  return base::Status::Ok();
}

base::Status RdbFileWriter::Finish() {
  buf_.push_back(static_cast<char>(kOpEof));
  CAIRN_RETURN_IF_ERROR(FlushBuffer());
  uint64_t crc = options_.checksum ? crc_ : 0;
  for (int i = 0; i < 8; i++) buf_.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  CAIRN_RETURN_IF_ERROR(FlushBuffer());
  if (sync_ && fsync(fd_) != 0) return base::Status::IoErrorFromErrno("fsync of " + path_, errno);
  close(fd_);
  fd_ = -1;
  return base::Status::Ok();
}

namespace {

// A key for a message: printable, at most 64 bytes.
std::string Printable(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    }
  }
  return key.size() > 64 ? out + "..." : out;
}

// Walks the file; with `scan` null it only validates (every value decoded).
// `release(pos)`, when set, is told the bytes before `pos` will not be read
// again.
base::Result<RdbInfo> Walk(RdbInput& in, const std::string& name, const RdbScan* scan,
                           const LoadLimits& limits,
                           const std::function<void(size_t)>& release = nullptr) {
  RdbInfo info;
  auto magic = in.Bytes(9);
  if (!magic.ok() || magic.value().substr(0, 5) != "REDIS") {
    if (in.data().starts_with("REDIS")) {
      return base::Status::Corruption(name + ": unexpected end of file at offset " +
                                      std::to_string(in.data().size()) + " (in the header)");
    }
    return base::Status::Corruption(name + ": not an RDB file (bad magic at offset 0)");
  }
  std::string_view digits = magic.value().substr(5);
  int version = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return base::Status::Corruption(name + ": bad RDB version field");
    version = version * 10 + (c - '0');
  }
  if (version < 1 || version > kRdbMaxReadVersion) {
    return base::Status::NotSupported(name + ": can't handle RDB format version " +
                                      std::to_string(version));
  }
  info.version = version;
  int db = 0;
  int64_t expire_ms = -1;
  int64_t idle = -1, freq = -1;  // RDB_OPCODE_IDLE / FREQ for the next key
  const int64_t now_ms = base::NowMs();
  while (true) {
    const size_t op_pos = in.pos();
    auto op = in.Byte();
    if (!op.ok()) return op.status();
    switch (op.value()) {
      case kOpEof:
        return info;
      case kOpSelectDb: {
        auto n = in.Length();
        if (!n.ok()) return n.status();
        if (n.value() > INT32_MAX) return in.ErrorAt(op_pos, "bad database number");
        db = static_cast<int>(n.value());
        continue;
      }
      case kOpResizeDb: {
        auto a = in.Length();
        if (!a.ok()) return a.status();
        auto b = in.Length();
        if (!b.ok()) return b.status();
        continue;
      }
      case kOpAux: {
        auto k = in.String();
        if (!k.ok()) return k.status();
        auto v = in.String();
        if (!v.ok()) return v.status();
        if (scan != nullptr && scan->aux) CAIRN_RETURN_IF_ERROR(scan->aux(k.value(), v.value()));
        info.aux.emplace_back(std::move(k).value(), std::move(v).value());
        continue;  // unknown aux fields are ignored, as Redis does
      }
      case kOpExpireTimeMs: {
        auto b = in.Bytes(8);
        if (!b.ok()) return b.status();
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(b.value()[i]);
        expire_ms = static_cast<int64_t>(v);
        continue;
      }
      case kOpExpireTime: {
        auto b = in.Bytes(4);
        if (!b.ok()) return b.status();
        uint64_t v = 0;
        for (int i = 3; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(b.value()[i]);
        expire_ms = static_cast<int64_t>(v) * 1000;
        continue;
      }
      case kOpIdle: {
        auto n = in.Length();
        if (!n.ok()) return n.status();
        idle = static_cast<int64_t>(std::min<uint64_t>(n.value(), INT32_MAX));
        continue;
      }
      case kOpFreq: {
        auto b = in.Byte();
        if (!b.ok()) return b.status();
        freq = b.value();
        continue;
      }
      case kOpModuleAux:
        return base::Status::NotSupported(in.ErrorAt(op_pos, "module data").message() +
                                          " is not supported");
      case kOpFunction2: {
        auto code = in.String();
        if (!code.ok()) return code.status();
        if (scan != nullptr && scan->function) CAIRN_RETURN_IF_ERROR(scan->function(code.value()));
        info.functions.push_back(std::move(code).value());
        continue;
      }
      case kOpFunction:  // the 7.0 release candidates' format, never in a release
        return base::Status::NotSupported(in.ErrorAt(op_pos, "a pre-release function library").message() +
                                          " is not supported");
      default: {
        CAIRN_RETURN_IF_ERROR(CheckLoadableType(in, op_pos, op.value()));
        auto key = in.String();
        if (!key.ok()) return key.status();
        const size_t body_pos = in.pos();
        auto value = DecodeValue(in, op.value(), limits);
        if (!value.ok()) {
          return value.status().Appended(" (key '" + Printable(key.value()) + "')");
        }
        if (!value.value().has_value()) {
          // An empty collection: skipped, as Redis 7.0 does.
          if (scan != nullptr && info.empty_keys_skipped < 10) {
            CAIRN_LOG_NOTICE("%s: skipping empty key '%s' at offset %zu", name.c_str(),
                             key.value().c_str(), op_pos);
          }
          info.empty_keys_skipped++;
          expire_ms = idle = freq = -1;
          continue;
        }
        info.keys++;
        // The access it had, kept as the policy in force keeps it (Redis's
        // objectSetLRUOrLFU): a counter under LFU, an idle time otherwise.
        if (limits.lfu && freq >= 0) {
          value.value()->lru = types::lfu::Field(static_cast<uint8_t>(freq), now_ms);
        } else if (!limits.lfu && idle >= 0) {
          value.value()->lru = types::LruFieldIdle(idle, now_ms);
        }
        idle = freq = -1;
        if (scan != nullptr) {
          RdbEntry e{.db = db,
                     .key = std::move(key).value(),
                     .value = std::move(*value.value()),
                     .expire_ms = expire_ms,
                     .offset = op_pos,
                     .value_bytes = 1 + (in.pos() - body_pos)};
          CAIRN_RETURN_IF_ERROR(scan->entry(e));
          if (release) release(op_pos);
        }
        expire_ms = -1;
        continue;
      }
    }
  }
}

}  // namespace

namespace {

// The checksum after the EOF opcode at `eof_end` (files of version 5 on;
// zero means none was written); `crc` computes it over data[0, eof_end).
base::Status VerifyChecksum(std::string_view data, const std::string& name, int version,
                            size_t eof_end, const std::function<uint64_t()>& crc) {
  if (version < 5) return base::Status::Ok();
  if (data.size() - eof_end < 8) {
    return base::Status::Corruption(name + ": unexpected end of file at offset " +
                                    std::to_string(data.size()) + " (checksum missing)");
  }
  uint64_t stored = 0;
  for (int i = 7; i >= 0; i--) stored = (stored << 8) | static_cast<uint8_t>(data[eof_end + i]);
  if (stored != 0 && crc() != stored) {
    return base::Status::Corruption(name + ": RDB checksum mismatch: damage between offset 0 and " +
                                    std::to_string(eof_end) + " (file of " +
                                    std::to_string(data.size()) + " bytes)");
  }
  return base::Status::Ok();
}

// A file mapped for reading; an empty one is no RDB.
base::Status Map(base::MappedFile& m, const std::string& path, const std::string& name) {
  base::Status s = m.Open(path);
  if (s.code() == base::StatusCode::kNotFound) return base::Status::NotFound(path);
  CAIRN_RETURN_IF_ERROR(s);
  if (m.view().empty()) return base::Status::Corruption(name + ": empty file");
  return base::Status::Ok();
}

// What a single-pass scan is done with: the CRC-64 runs a little behind the
// scan, over bytes it has just read, and (for a mapped file) the pages
// behind it are released, so nothing is read twice and memory stays flat.
class Consumed {
 public:
  Consumed(std::string_view data, base::MappedFile* map) : data_(data), map_(map) {}
  void Advance(size_t pos) {
    if (pos < done_ + kStep) return;
    crc_ = base::Crc64(crc_, data_.data() + done_, pos - done_);
    done_ = pos;
    if (map_ != nullptr) map_->Release(pos);
  }
  uint64_t CrcTo(size_t end) {
    crc_ = base::Crc64(crc_, data_.data() + done_, end - done_);
    done_ = end;
    return crc_;
  }

 private:
  static constexpr size_t kStep = 4 << 20;
  std::string_view data_;
  base::MappedFile* map_;
  uint64_t crc_ = 0;
  size_t done_ = 0;
};

base::Result<RdbInfo> Scan(std::string_view data, const std::string& name, const RdbScan& scan,
                           const LoadLimits& limits, base::MappedFile* map) {
  RdbInput in(data, name);
  Consumed consumed(data, map);
  auto info = Walk(in, name, &scan, limits, [&consumed](size_t pos) { consumed.Advance(pos); });
  if (!info.ok()) return info.status();
  const size_t eof_end = in.pos();
  CAIRN_RETURN_IF_ERROR(VerifyChecksum(data, name, info.value().version, eof_end,
                                       [&] { return consumed.CrcTo(eof_end); }));
  info.value().end = std::min(data.size(), eof_end + (info.value().version >= 5 ? 8 : 0));
  return info;
}

}  // namespace

base::Result<RdbInfo> ReadRdb(std::string_view data, const std::string& name,
                              const RdbEntryFn& fn, const LoadLimits& limits) {
  // Structure first, then the checksum over everything up to EOF, and only
  // then the entries: a damaged file delivers nothing.
  RdbInput probe(data, name);
  auto info = Walk(probe, name, nullptr, limits);
  if (!info.ok()) return info.status();
  const size_t eof_end = probe.pos();
  CAIRN_RETURN_IF_ERROR(VerifyChecksum(data, name, info.value().version, eof_end,
                                       [&] { return base::Crc64(0, data.data(), eof_end); }));
  RdbScan scan{.entry = [&fn](RdbEntry& e) {
    return fn(e.db, std::move(e.key), std::move(e.value), e.expire_ms);
  }};
  RdbInput in(data, name);
  auto r = Walk(in, name, &scan, limits);
  if (r.ok()) r.value().end = std::min(data.size(), in.pos() + (r.value().version >= 5 ? 8 : 0));
  return r;
}

base::Result<RdbInfo> ReadRdbFile(const std::string& path, const std::string& name,
                                  const RdbEntryFn& fn, const LoadLimits& limits) {
  base::MappedFile m;
  CAIRN_RETURN_IF_ERROR(Map(m, path, name));
  return ReadRdb(m.view(), name, fn, limits);
}

base::Result<RdbInfo> ScanRdb(std::string_view data, const std::string& name,
                              const RdbScan& scan, const LoadLimits& limits) {
  return Scan(data, name, scan, limits, nullptr);
}

base::Result<RdbInfo> ScanRdbFile(const std::string& path, const std::string& name,
                                  const RdbScan& scan, const LoadLimits& limits) {
  base::MappedFile m;
  CAIRN_RETURN_IF_ERROR(Map(m, path, name));
  madvise(const_cast<char*>(m.view().data()), m.view().size(), MADV_SEQUENTIAL);
  return Scan(m.view(), name, scan, limits, &m);
}

}  // namespace cairn::snapshot
