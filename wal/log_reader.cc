#include "wal/log_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <optional>
#include <string_view>

#include "base/string_util.h"
#include "protocol/request_parser.h"
#include "wal/format.h"

namespace cairn::wal {
namespace {

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

// The annotation on the line at `at`, if it is one, and where its body
// starts.
std::optional<Annotation> AnnotationAt(std::string_view in, size_t at, size_t* body) {
  size_t nl = in.find('\n', at);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = in.substr(at, nl - at);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  *body = nl + 1;
  return ParseAnnotation(line);
}

// A '#' line that is not an annotation: the writer's filler, a damaged
// annotation of Cairn's, or another tool's (Redis writes "#TS:...").
enum class Comment { kFiller, kDamagedAnnotation, kOther };

Comment KindOf(std::string_view line) {
  if (line.find_first_not_of('#') == std::string_view::npos) return Comment::kFiller;
  return line.starts_with("#cairn") ? Comment::kDamagedAnnotation : Comment::kOther;
}

bool Verifies(std::string_view in, const Annotation& a, size_t body) {
  return a.length <= in.size() - body && BatchChecksum(in.substr(body, a.length), a) == a.checksum;
}

// Where the first batch after `from` starts that verifies and shows the log
// was durable up to `seq` when it was sealed (npos: none). Batches without
// that field (older files) count whatever their seq; so does every batch
// when `seq` is 0 (not known). Values may hold text that looks like a
// batch, so the search is bounded: past 64 candidates or 64 MiB of
// checksumming it answers kSomewhere, which makes the caller refuse the
// start rather than cut anything.
constexpr size_t kSomewhere = SIZE_MAX - 1;

// `later_only`: only a later batch (a higher seq) that says `seq` was
// synced counts, and kSomewhere is not an answer (npos instead): for a
// batch whose length runs past the end, where what follows is its own
// torn body, values that may look like batches.
size_t BatchProvingDurable(std::string_view in, size_t from, uint64_t seq,
                           bool later_only = false) {
  constexpr int kMaxCandidates = 64;
  constexpr uint64_t kMaxHashed = uint64_t{64} << 20;
  int candidates = 0;
  uint64_t hashed = 0;
  auto next = [&in](size_t after) {
    const size_t nl = in.find("\n#cairn ", after);
    return nl == std::string_view::npos ? nl : nl + 1;
  };
  for (size_t at = in.substr(from).starts_with("#cairn ") ? from : next(from);
       at != std::string_view::npos; at = next(at)) {
    size_t body = 0;
    auto ann = AnnotationAt(in, at, &body);
    if (!ann) continue;
    hashed += std::min<uint64_t>(ann->length, in.size() - body);
    if (++candidates > kMaxCandidates || hashed > kMaxHashed) {
      return later_only ? std::string_view::npos : kSomewhere;
    }
    if (!Verifies(in, *ann, body)) continue;
    if (later_only) {
      if (ann->first_seq > seq && ann->durable && *ann->durable >= seq) return at;
      continue;
    }
    if (at == from) {
      // The batch right after a gap proves only by what it says it found
      // synced (without that field, it may be what a crash kept of two).
      if (seq != 0 && ann->durable && *ann->durable >= seq) return at;
      continue;
    }
    // A batch from before the damage (a lower seq) is no crash's doing either.
    if (seq == 0 || !ann->durable || *ann->durable >= seq ||
        (ann->first_seq != 0 && ann->first_seq < seq)) {
      return at;
    }
  }
  return std::string_view::npos;
}

// What follows a run of records outside batches that starts at `pos`.
enum class RunEnd {
  kContentEnd,  // the records go to the end of the content
  kMark,        // an empty batch of the expected seq: Cairn's mark after
                // records Redis appended
  kBatch,       // a batch with records
  kFiller,      // filler, or an annotation that does not verify
  kBadRecord,   // bytes that are not a record
};

// `next_seq`: the seq the next batch must carry (0: any). `*end`: where
// the run ends. `*select_first`: the run starts with a SELECT, as every
// append session of Redis's does.
RunEnd ScanRun(std::string_view in, size_t pos, const protocol::ParserLimits& limits,
               uint64_t next_seq, size_t* end, bool* select_first) {
  *end = pos;
  *select_first = false;
  const size_t start = pos;
  std::vector<std::string> argv;
  while (pos < in.size()) {
    *end = pos;
    if (in[pos] == '#') {
      size_t body = 0;
      auto ann = AnnotationAt(in, pos, &body);
      if (ann) {
        if (!Verifies(in, *ann, body)) return RunEnd::kFiller;
        if (ann->length > 0) return RunEnd::kBatch;
        const bool mark = ann->first_seq != 0 && (next_seq == 0 || ann->first_seq == next_seq);
        return mark ? RunEnd::kMark : RunEnd::kFiller;
      }
      size_t nl = in.find('\n', pos);
      std::string_view line = in.substr(pos, nl == std::string_view::npos ? in.npos : nl - pos);
      if (KindOf(line) != Comment::kOther) return RunEnd::kFiller;
      if (nl == std::string_view::npos) return RunEnd::kContentEnd;
      pos = nl + 1;  // "#TS:..." and the like, among Redis's records
      continue;
    }
    protocol::RequestParser parser(limits);
    Parse res = ParseCommand(parser, in, &pos, &argv);
    if (res == Parse::kIncomplete) return RunEnd::kContentEnd;
    if (res == Parse::kBad) return RunEnd::kBadRecord;
    if (*end == start) *select_first = argv.size() == 2 && base::EqualsIgnoreCase(argv[0], "select");
  }
  *end = pos;
  return RunEnd::kContentEnd;
}

}  // namespace

base::Status BatchCursor::Open(const std::string& path, size_t from) {
  CAIRN_RETURN_IF_ERROR(file_.Open(path));
  in_ = file_.view().substr(0, ContentEnd(file_.view()));
  pos_ = std::min(from, in_.size());
  return base::Status::Ok();
}

BatchCursor::Next BatchCursor::Read(Annotation* a, std::string_view* body, bool verify) {
  while (pos_ < in_.size()) {
    if (in_[pos_] != '#') return Next::kDamaged;  // records outside batches
    size_t at = 0;
    auto ann = AnnotationAt(in_, pos_, &at);
    if (!ann) {
      const size_t nl = in_.find('\n', pos_);
      if (nl == std::string_view::npos) return Next::kDamaged;
      if (KindOf(in_.substr(pos_, nl - pos_)) == Comment::kDamagedAnnotation) return Next::kDamaged;
      pos_ = nl + 1;  // filler, or another tool's annotation
      continue;
    }
    if (ann->length > in_.size() - at || (verify && !Verifies(in_, *ann, at))) {
      return Next::kDamaged;
    }
    *a = *ann;
    *body = in_.substr(at, ann->length);
    pos_ = at + ann->length;
    return Next::kBatch;
  }
  return Next::kEnd;
}

size_t ForEachRecord(std::string_view bytes, const RecordFn& fn) {
  protocol::ParserLimits limits;
  limits.max_bulk_len = LLONG_MAX;
  limits.max_inline_len = SIZE_MAX;
  protocol::RequestParser parser(limits);
  std::vector<std::string> argv;
  size_t p = 0;
  while (p < bytes.size()) {
    if (ParseCommand(parser, bytes, &p, &argv) != Parse::kOk || !fn(argv, p)) break;
  }
  return p;
}

base::Result<ScanResult> ScanLogFile(const std::string& path, const std::string& name,
                                     const CommandFn& fn, const ScanHooks& hooks) {
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
  size_t pos = std::min<size_t>(hooks.start, in.size());
  r.valid_bytes = pos;
  auto stop = [&] {
    r.stopped = true;
    r.valid_bytes = pos;
    return r;
  };
  uint64_t next_seq = 0;        // the seq the next batch must carry (0: not known yet)
  // Corruption: what was valid before it, for the tools' salvage.
  // `seq`: the damaged batch's own, when the seq before it is not known.
  auto corrupt = [&](base::Status st, uint64_t seq = 0) -> base::Result<ScanResult> {
    if (hooks.damage != nullptr) {
      *hooks.damage = r;
      hooks.damage->damage_at = pos;
      hooks.damage->next_seq = next_seq != 0 ? next_seq : seq;
      hooks.damage->torn_reason = st.message();
    }
    return st;
  };
  auto torn = [&](std::string why) {
    r.torn_tail = true;
    r.torn_reason = why + " at offset " + std::to_string(pos);
    return r;
  };
  // Cairn writes every record in a batch, and acknowledges nothing after a
  // batch that did not reach the disk. So in a file of Cairn's (one with
  // batches, or preallocated), damage is what a crash left of the batches
  // in flight (a torn tail) unless a good batch after it shows that the
  // damaged part had been synced before (then it is corruption).
  auto cairns = [&] { return r.batches > 0 || preallocated; };
  size_t searched_from = 0;
  uint64_t searched_seq = 0;
  size_t found_at = std::string_view::npos;
  bool searched = false;
  auto synced_before = [&](size_t at, uint64_t seq) {
    const bool stale = !searched || seq != searched_seq || at < searched_from ||
                       (found_at != std::string_view::npos && found_at != kSomewhere &&
                        at >= found_at);
    if (stale) {
      found_at = BatchProvingDurable(in, at, seq);
      searched_from = at;
      searched_seq = seq;
      searched = true;
    }
    return found_at != std::string_view::npos;
  };
  // `seq`: the first seq of what is damaged.
  auto damaged = [&](std::string why, std::string message, std::string detail = "",
                     uint64_t seq = 0) -> base::Result<ScanResult> {
    if (cairns() && !synced_before(pos, seq != 0 ? seq : next_seq)) return torn(std::move(why));
    return corrupt(base::Status::Corruption(name + ": " + message + " at offset " +
                                            std::to_string(pos) + detail),
                   seq);
  };
  bool after_filler = false;    // the line before `pos` was filler
  bool redis_records = false;   // in records Redis appended (Redis's rules apply)
  std::vector<std::string> argv;
  std::vector<std::vector<std::string>> batch;
  while (pos < in.size()) {
    if (in[pos] == '#') {
      size_t body = 0;
      auto ann = AnnotationAt(in, pos, &body);
      if (!ann) {
        size_t nl = in.find('\n', pos);
        if (nl == std::string_view::npos) return torn("incomplete annotation");
        const Comment kind = KindOf(in.substr(pos, nl - pos));
        if (kind == Comment::kDamagedAnnotation) {
          return damaged("damaged annotation", "damaged annotation");
        }
        const bool filler = kind == Comment::kFiller;
        // In the preallocated tail, another tool's annotation is a torn one.
        if (preallocated && !filler && !redis_records && !synced_before(pos, next_seq)) {
          return torn("damaged annotation");
        }
        if (filler) {
          after_filler = true;
          redis_records = false;
        } else if (hooks.comment) {
          std::string_view line = in.substr(pos, nl - pos);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (!hooks.comment(line, pos)) return stop();
        }
        pos = nl + 1;
        continue;
      }
      if (ann->length > in.size() - body) {
        // A torn write, unless a later batch shows it had been synced (its
        // length field is then what is damaged).
        const uint64_t seq = next_seq != 0 ? next_seq : ann->first_seq;
        if (BatchProvingDurable(in, pos, seq, /*later_only=*/true) == std::string_view::npos) {
          return torn("incomplete batch");
        }
        return corrupt(base::Status::Corruption(name + ": a batch longer than the file at offset " +
                                                std::to_string(pos) + " (seq " +
                                                std::to_string(ann->first_seq) + ")"),
                       ann->first_seq);
      }
      std::string_view bytes = in.substr(body, ann->length);
      if (BatchChecksum(bytes, *ann) != ann->checksum) {
        return damaged("batch failing its checksum", "checksum mismatch in batch",
                       " (seq " + std::to_string(ann->first_seq) + ")",
                       next_seq != 0 ? next_seq : ann->first_seq);
      }
      // A batch missing before this one: a page of the file that did not
      // reach the disk reads as the filler it overwrote.
      if (ann->first_seq != 0 && next_seq != 0 && ann->first_seq != next_seq) {
        return damaged("batch missing", "a batch is missing: the batch starts at seq " +
                                            std::to_string(ann->first_seq) + ", not " +
                                            std::to_string(next_seq));
      }
      // Verified: parse every command before applying any of them.
      batch.clear();
      const size_t p = ForEachRecord(bytes, [&batch](std::vector<std::string>& cmd, size_t) {
        batch.push_back(std::move(cmd));
        return true;
      });
      if (p != bytes.size()) {
        return corrupt(base::Status::Corruption(name + ": malformed record inside a verified " +
                                                "batch at offset " + std::to_string(body + p)));
      }
      if (hooks.batch && !hooks.batch(*ann, pos, bytes)) return stop();
      for (auto& cmd : batch) {
        CAIRN_RETURN_IF_ERROR(fn(cmd, pos));
        r.commands++;
      }
      r.batches++;
      if (ann->history) r.last_history = ann->history;
      uint64_t n = 0;
      for (const auto& cmd : batch) n += !(cmd.size() == 2 && (cmd[0] == "SELECT"));
      if (n > 0) r.last_seq = ann->first_seq + n - 1;
      if (ann->first_seq != 0) next_seq = ann->first_seq + n;
      pos = body + ann->length;
      r.valid_bytes = pos;
      after_filler = false;
      redis_records = false;
      continue;
    }
    if (in[pos] == '\0' && in.find_first_not_of('\0', pos) == std::string_view::npos) {
      // Zeros to the end: what a crash leaves when the file size reached
      // the disk before the data did.
      return torn("zero-filled tail");
    }
    if (cairns() && !redis_records) {
      // Records outside batches in a file of Cairn's are either Redis's
      // (an append session of Redis's starts with SELECT, at what was the
      // end of the file, and Cairn closes it with an empty batch before it
      // writes after it), or the remains of a batch whose first page did
      // not reach the disk and reads as the filler it overwrote.
      if (in[pos] != '*') return damaged("bytes that are not a record", "bad file format");
      size_t run_end = 0;
      bool select_first = false;
      const RunEnd end = ScanRun(in, pos, limits, next_seq, &run_end, &select_first);
      const bool redis =
          select_first &&
          (end == RunEnd::kMark || (end == RunEnd::kBatch && !after_filler) ||
           (!preallocated && (end == RunEnd::kContentEnd || end == RunEnd::kBadRecord)));
      if (!redis) return damaged("records outside a batch", "records outside a batch");
      redis_records = true;
    }
    // A plain record, as Redis writes them, under Redis's rules.
    protocol::RequestParser parser(limits);
    size_t p = pos;
    Parse res = ParseCommand(parser, in, &p, &argv);
    if (res == Parse::kIncomplete) return torn("incomplete command");
    if (res == Parse::kBad) {
      return corrupt(
          base::Status::Corruption(name + ": bad file format at offset " + std::to_string(pos)));
    }
    CAIRN_RETURN_IF_ERROR(fn(argv, pos));
    r.commands++;
    pos = p;
    r.valid_bytes = pos;
    after_filler = false;
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
