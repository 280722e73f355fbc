#include "wal/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "base/file_util.h"
#include "base/string_util.h"
#include "protocol/request_parser.h"

namespace cairn::wal {

const ManifestEntry* Manifest::base() const {
  for (const auto& f : files) {
    if (f.type == FileType::kBase) return &f;
  }
  return nullptr;
}

std::vector<const ManifestEntry*> Manifest::incrs() const {
  std::vector<const ManifestEntry*> out;
  for (const auto& f : files) {
    if (f.type == FileType::kIncr) out.push_back(&f);
  }
  return out;
}

uint64_t Manifest::max_incr_seq() const {
  uint64_t m = 0;
  for (const auto& f : files) {
    if (f.type == FileType::kIncr && f.seq > m) m = f.seq;
  }
  return m;
}

uint64_t Manifest::base_seq() const {
  const ManifestEntry* b = base();
  return b ? b->seq : 0;
}

std::string Manifest::Serialize() const {
  std::string out;
  for (const auto& f : files) {
    out += "file " + f.name + " seq " + std::to_string(f.seq) + " type " +
           static_cast<char>(f.type) + "\n";
  }
  return out;
}

base::Result<Manifest> Manifest::Parse(const std::string& text, const std::string& name) {
  Manifest m;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    line_no++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto fail = [&](const std::string& why) {
      return base::Status::Corruption(name + ": line " + std::to_string(line_no) + ": " + why);
    };
    std::vector<std::string> args;
    if (!protocol::SplitInlineArgs(line, &args) || args.size() % 2 != 0) {
      return fail("invalid manifest line '" + line + "'");
    }
    ManifestEntry e;
    bool have_name = false, have_seq = false, have_type = false;
    for (size_t i = 0; i < args.size(); i += 2) {
      const std::string& k = args[i];
      const std::string& v = args[i + 1];
      if (k == "file") {
        if (v.empty() || v.find('/') != std::string::npos) return fail("invalid file name");
        e.name = v;
        have_name = true;
      } else if (k == "seq") {
        auto n = base::ParseInt64(v);
        if (!n || *n < 1) return fail("invalid seq '" + v + "'");
        e.seq = static_cast<uint64_t>(*n);
        have_seq = true;
      } else if (k == "type") {
        if (v != "b" && v != "i" && v != "h") return fail("invalid type '" + v + "'");
        e.type = static_cast<FileType>(v[0]);
        have_type = true;
      }
      // Unknown keys are ignored, as Redis 7 does.
    }
    if (!have_name || !have_seq || !have_type) return fail("missing file, seq or type");
    m.files.push_back(std::move(e));
  }
  int bases = 0;
  for (const auto& f : m.files) bases += f.type == FileType::kBase;
  if (bases > 1) return base::Status::Corruption(name + ": more than one base file");
  return m;
}

std::string BaseFileName(const std::string& prefix, uint64_t seq, bool rdb) {
  return prefix + "." + std::to_string(seq) + ".base." + (rdb ? "rdb" : "aof");
}

std::string IncrFileName(const std::string& prefix, uint64_t seq) {
  return prefix + "." + std::to_string(seq) + ".incr.aof";
}

std::string ManifestFileName(const std::string& prefix) { return prefix + ".manifest"; }

base::Result<Manifest> ReadManifest(const std::string& dir, const std::string& name) {
  std::ifstream in(dir + "/" + name, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return base::Status::NotFound(dir + "/" + name);
    return base::Status::IoErrorFromErrno("opening " + dir + "/" + name, errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return Manifest::Parse(ss.str(), name);
}

base::Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return base::Status::IoErrorFromErrno("opening directory " + dir, errno);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return base::Status::IoErrorFromErrno("fsync of directory " + dir, err);
  return base::Status::Ok();
}

base::Status WriteManifest(const std::string& dir, const std::string& name, const Manifest& m) {
  std::string tmp = dir + "/temp-" + name;
  std::string text = m.Serialize();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return base::Status::IoErrorFromErrno("creating " + tmp, errno);
  if (base::Status s = base::WriteAll(fd, text, tmp); !s.ok()) {
    close(fd);
    return s;
  }
  if (fsync(fd) != 0) {
    int err = errno;
    close(fd);
    return base::Status::IoErrorFromErrno("fsync of " + tmp, err);
  }
  close(fd);
  if (rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
    return base::Status::IoErrorFromErrno("renaming " + tmp, errno);
  }
  return SyncDir(dir);
}

}  // namespace cairn::wal
