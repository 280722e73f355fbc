// The manifest of a Redis 7 multi-part AOF (doc/aof.md):
//   file appendonly.aof.1.base.rdb seq 1 type b
//   file appendonly.aof.1.incr.aof seq 1 type i
// names the base file, the incr segments in order, and history files that
// are about to be deleted. Written atomically: temp file, fsync, rename,
// fsync of the directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace cairn::wal {

enum class FileType : char { kBase = 'b', kIncr = 'i', kHistory = 'h' };

struct ManifestEntry {
  std::string name;
  uint64_t seq = 0;
  FileType type = FileType::kIncr;
  bool operator==(const ManifestEntry&) const = default;
};

struct Manifest {
  std::vector<ManifestEntry> files;

  const ManifestEntry* base() const;
  std::vector<const ManifestEntry*> incrs() const;
  uint64_t max_incr_seq() const;
  uint64_t base_seq() const;

  std::string Serialize() const;
  // Errors name the line: "appendonly.aof.manifest: line 2: invalid type 'x'".
  static base::Result<Manifest> Parse(const std::string& text, const std::string& name);
};

// File names, as Redis 7 builds them from appendfilename.
std::string BaseFileName(const std::string& prefix, uint64_t seq, bool rdb);
std::string IncrFileName(const std::string& prefix, uint64_t seq);
std::string ManifestFileName(const std::string& prefix);

// Reads DIR/NAME. kNotFound when it does not exist.
base::Result<Manifest> ReadManifest(const std::string& dir, const std::string& name);
// Replaces DIR/NAME atomically and durably (synchronous I/O).
base::Status WriteManifest(const std::string& dir, const std::string& name, const Manifest& m);

// fsync of a directory, after a rename or create in it.
base::Status SyncDir(const std::string& dir);

}  // namespace cairn::wal
