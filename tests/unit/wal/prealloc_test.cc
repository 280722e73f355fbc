// Preallocated segments (wal/format.h "Preallocated space"): what the writer
// leaves on disk must read back whole with Cairn's reader, stay loadable by
// Redis's line rules, survive a reopen, and tear like any other tail.
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/wal/fake_io.h"
#include "tests/unit/wal/temp_files.h"
#include "wal/format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace cairn::wal {
namespace {

using Cmd = std::vector<std::string>;

// Reads `bytes` the way Redis 7.0's AOF loader does (fgets into a 1024-byte
// buffer; a line starting with '#' is skipped; anything else must be a
// "*argc" line followed by "$len" lines and payloads). Returns the commands,
// or fails the test naming the offset.
std::vector<Cmd> LoadLikeRedis(const std::string& bytes) {
  std::vector<Cmd> out;
  size_t pos = 0;
  auto line = [&](std::string* l) {
    size_t nl = bytes.find('\n', pos);
    size_t end = nl == std::string::npos ? bytes.size() : nl + 1;
    end = std::min(end, pos + 1023);  // fgets with a 1024-byte buffer
    *l = bytes.substr(pos, end - pos);
    pos = end;
  };
  std::string l;
  while (pos < bytes.size()) {
    const size_t at = pos;
    line(&l);
    if (l[0] == '#') continue;
    EXPECT_EQ(l[0], '*') << "Redis would refuse the line at offset " << at;
    if (l[0] != '*') return out;
    const int argc = std::stoi(l.substr(1));
    Cmd cmd;
    for (int i = 0; i < argc; i++) {
      line(&l);
      EXPECT_EQ(l[0], '$') << "at offset " << pos;
      const size_t len = std::stoul(l.substr(1));
      cmd.push_back(bytes.substr(pos, len));
      pos += len + 2;
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

std::vector<Cmd> ScanCommands(const std::string& path, ScanResult* result = nullptr) {
  std::vector<Cmd> out;
  auto r = ScanLogFile(path, "t.aof", [&](std::vector<std::string>& argv, uint64_t) {
    out.push_back(argv);
    return base::Status::Ok();
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok() && result != nullptr) *result = r.value();
  return out;
}

// Drives a writer on the real io_uring until everything appended is durable.
void Drain(LogWriter& w) {
  w.Flush();
  while (!w.idle()) {
    pollfd p{.fd = w.event_fd(), .events = POLLIN, .revents = 0};
    ASSERT_GE(poll(&p, 1, 5000), 1) << "no completion within 5 s";
    w.OnIoEvent();
  }
}

// A writer over FakeIo (completions as the test says), opened on `path`.
std::unique_ptr<LogWriter> FakeWriter(const std::string& path, uint64_t chunk, FakeIo** io) {
  auto fake = std::make_unique<FakeIo>();
  *io = fake.get();
  auto w = std::make_unique<LogWriter>(std::move(fake));
  w->set_preallocate(chunk);
  EXPECT_TRUE(w->Open(path, 0, 1).ok());
  return w;
}

std::unique_ptr<LogWriter> RealWriter(uint64_t chunk) {
  auto io = NewUringIo();
  EXPECT_TRUE(io.ok()) << io.status().ToString();
  auto w = std::make_unique<LogWriter>(std::move(io).value());
  w->set_preallocate(chunk);
  return w;
}

TEST(FillTest, MakeFillPutsNewlinesOnTheGridAndNeverFirst) {
  EXPECT_EQ(MakeFill(0, 64), std::string(63, '#') + "\n");
  EXPECT_EQ(MakeFill(63, 128), std::string(64, '#') + "\n");
  EXPECT_EQ(MakeFill(62, 128), "#\n" + std::string(63, '#') + "\n");
  EXPECT_TRUE(IsFill(MakeFill(10, 4096), 10));
  EXPECT_FALSE(IsFill(MakeFill(10, 4096), 11));  // newlines off the grid
  EXPECT_FALSE(IsFill("\n" + MakeFill(64, 128), 63));
  EXPECT_FALSE(IsFill(std::string(64, '#'), 0));    // does not end a line
  EXPECT_FALSE(IsFill(std::string(300, '#') + "\n", 0));
  EXPECT_EQ(ContentEnd("*1\r\n$4\r\nPING\r\n" + MakeFill(14, 256)), 14u);
  // A damaged line is content; the filler after it still is filler.
  const std::string torn = "*1\r\n$4\r\nPI" + MakeFill(10, 256);
  EXPECT_EQ(ContentEnd(torn), 64u);
  EXPECT_EQ(ContentEnd(MakeFill(0, 256)), 0u);
  // '#' and newlines that are not the writer's filler are content: a record
  // of Redis's torn after "\r\n#", or '#' lines off the grid.
  EXPECT_EQ(ContentEnd("*1\r\n$4\r\nPING\r\n#"), 15u);
  EXPECT_EQ(ContentEnd("*1\r\n$4\r\nPI##\n####\n"), 18u);
}

// Batches whose ends fall on every offset modulo the filler line, with a
// small chunk so the file is extended many times along the way.
TEST(PreallocTest, EveryBatchEndKeepsTheFileValidForBothReaders) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  auto w = RealWriter(4096);
  ASSERT_TRUE(w->Open(path, 0, 1).ok());
  std::vector<Cmd> expect;
  for (int i = 0; i < 300; i++) {
    Cmd c{"SET", "k" + std::to_string(i), std::string(static_cast<size_t>(i % 130), 'v')};
    w->Append(i % 3, c);
    expect.push_back(c);
    Drain(*w);
    const std::string bytes = ReadAll(path);
    ASSERT_EQ(bytes.back(), '\n') << "Redis appends right after the last byte";
    ASSERT_GT(bytes.size(), w->segment_size()) << "no filler ahead of the records";
    ASSERT_TRUE(IsFill(bytes.substr(w->segment_size()), w->segment_size())) << "after batch " << i;
    std::vector<Cmd> redis;
    for (auto& cmd : LoadLikeRedis(bytes)) {
      if (cmd[0] != "SELECT") redis.push_back(cmd);
    }
    ASSERT_EQ(redis.size(), expect.size()) << "after batch " << i;
  }
  ScanResult r;
  std::vector<Cmd> got;
  for (auto& cmd : ScanCommands(path, &r)) {
    if (cmd[0] != "SELECT") got.push_back(cmd);
  }
  EXPECT_EQ(got, expect);
  EXPECT_FALSE(r.torn_tail);
  EXPECT_EQ(r.valid_bytes, w->segment_size());
  EXPECT_EQ(r.content_bytes, w->segment_size());
  EXPECT_GT(r.file_bytes, r.content_bytes);
}

TEST(PreallocTest, ReopeningKeepsTheFillerAndAppendsOverIt) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  {
    auto w = RealWriter(1 << 16);
    ASSERT_TRUE(w->Open(path, 0, 1).ok());
    w->Append(0, Cmd{"SET", "a", "1"});
    Drain(*w);
  }
  ScanResult r;
  ASSERT_EQ(ScanCommands(path, &r).size(), 2u);
  const uint64_t allocated = std::filesystem::file_size(path);
  auto w = RealWriter(1 << 16);
  ASSERT_TRUE(w->Open(path, r.valid_bytes, r.last_seq + 1).ok());
  w->Append(1, Cmd{"SET", "b", "2"});
  Drain(*w);
  EXPECT_EQ(std::filesystem::file_size(path), allocated) << "the second batch should overwrite";
  EXPECT_EQ(ScanCommands(path).size(), 4u);
  EXPECT_EQ(LoadLikeRedis(ReadAll(path)).size(), 4u);
}

TEST(PreallocTest, OpenCutsWhatIsNotFillerAfterTheValidEnd) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  std::string bytes;
  AppendSelect(&bytes, 0);
  AppendCommand(&bytes, Cmd{"SET", "a", "1"});
  WriteAll(path, bytes + "#cairn 9 1" + MakeFill(bytes.size() + 10, 1024));
  auto w = RealWriter(0);
  ASSERT_TRUE(w->Open(path, bytes.size(), 2).ok());
  EXPECT_EQ(ReadAll(path), bytes);
}

// A crash leaves the last batch torn over the filler it was written on:
// every such cut reads back as the batches before it.
TEST(PreallocTest, TornLastBatchOverFillerIsATornTail) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  uint64_t last_start = 0;
  {
    auto w = RealWriter(4096);
    ASSERT_TRUE(w->Open(path, 0, 1).ok());
    for (int b = 0; b < 3; b++) {
      last_start = w->segment_size();
      w->Append(b, Cmd{"SET", "k" + std::to_string(b), std::string(40, 'a')});
      w->Append(b, Cmd{"SET", "j" + std::to_string(b), "x"});
      Drain(*w);
    }
  }
  const std::string whole = ReadAll(path);
  ScanResult full;
  ASSERT_EQ(ScanCommands(path, &full).size(), 9u);
  const uint64_t end = full.valid_bytes;
  const std::string torn_path = dir.File("torn.aof");
  for (uint64_t cut = last_start + 1; cut < end; cut++) {
    const uint64_t line_end = (end / kFillLine + 1) * kFillLine;
    WriteAll(torn_path, whole.substr(0, cut) + MakeFill(cut, line_end) + whole.substr(line_end));
    ScanResult r;
    auto cmds = ScanCommands(torn_path, &r);
    ASSERT_EQ(cmds.size(), 6u) << "cut at " << cut;
    EXPECT_EQ(r.valid_bytes, last_start) << cut;
    if (cut > last_start + 1) {
      EXPECT_TRUE(r.torn_tail) << cut;
    }
  }
  // Damage before a batch that verifies is corruption, filler or not.
  std::string bad = whole;
  bad[last_start - 5] ^= 1;
  WriteAll(torn_path, bad);
  auto r = ScanLogFile(torn_path, "t.aof", [](std::vector<std::string>&, uint64_t) {
    return base::Status::Ok();
  });
  EXPECT_EQ(r.status().code(), base::StatusCode::kCorruption);
}

// The '#' after a batch that ends on the last newline of the file must not
// leave the file ending without one (Redis appends right there).
TEST(PreallocTest, ABatchEndingOnTheLastNewlineKeepsTheFileEndingInOne) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  FakeIo* io = nullptr;
  auto writer = FakeWriter(path, 1 << 20, &io);
  LogWriter& w = *writer;
  io->Complete(5000);  // the extension stops at 5000: kept up to 4992
  w.OnIoEvent();
  ASSERT_EQ(std::filesystem::file_size(path), 4992u);
  // A batch of exactly 4991 bytes ends where the file has its last '\n'.
  size_t value = 0;
  for (size_t v = 4000; v < 4991 && value == 0; v++) {
    std::string body;
    AppendSelect(&body, 0);
    AppendCommand(&body, Cmd{"SET", "k", std::string(v, 'v')});
    const std::string ann =
        FormatAnnotation(Annotation{.first_seq = 1, .length = body.size(), .checksum = 0,
                                    .durable = 0, .sealed_ms = 1764539681123});  // 13 digits, as now
    if (ann.size() + body.size() == 4991) value = v;
  }
  ASSERT_NE(value, 0u);
  w.Append(0, Cmd{"SET", "k", std::string(value, 'v')});
  w.Flush();
  io->Complete();
  w.OnIoEvent();
  ASSERT_EQ(w.segment_size(), 4991u);
  const std::string bytes = ReadAll(path);
  EXPECT_EQ(bytes.back(), '\n');
  EXPECT_TRUE(IsFill(bytes.substr(4991), 4991));
  EXPECT_EQ(LoadLikeRedis(bytes + "*1\r\n$4\r\nPING\r\n").size(), 3u);
}

// A segment rotated away gets no more filler, and one last fdatasync once
// its writes are done (a file that is not the last must not tear).
TEST(PreallocTest, RotatedSegmentDropsQueuedFillerAndGetsALastSync) {
  TempDir dir;
  const std::string old_path = dir.File("old.aof");
  FakeIo* io = nullptr;
  auto writer = FakeWriter(old_path, 4096, &io);
  LogWriter& w = *writer;
  io->Complete();  // the first extension
  w.OnIoEvent();
  w.Append(0, Cmd{"SET", "a", "1"});
  w.Flush();
  ASSERT_EQ(io->pending(), 1u);  // batch a in flight, a second extension queued behind it
  ASSERT_TRUE(w.Rotate(dir.File("new.aof")).ok());
  io->Complete();  // batch a and its sync
  w.OnIoEvent();
  ASSERT_GE(io->pending(), 1u);
  EXPECT_TRUE(io->front().sync_only) << "the old segment's last sync";
  EXPECT_FALSE(w.idle());
  while (io->pending() > 0) {
    io->Complete();
    w.OnIoEvent();
  }
  EXPECT_TRUE(w.idle());
  EXPECT_EQ(std::filesystem::file_size(old_path), 4096u) << "no filler after the rotation";
  EXPECT_EQ(ScanCommands(old_path).size(), 2u);
  EXPECT_GT(std::filesystem::file_size(dir.File("new.aof")), 0u);
}

TEST(PreallocTest, AFailedExtensionFallsBackToAppending) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  FakeIo* io = nullptr;
  auto writer = FakeWriter(path, 1 << 20, &io);
  LogWriter& w = *writer;
  ASSERT_EQ(io->pending(), 1u);  // the first extension
  EXPECT_EQ(io->front().data.size(), 1u << 20);
  io->Complete(5000);  // the file size limit stops it part way
  w.OnIoEvent();
  EXPECT_EQ(w.write_error(), 0) << "a failed extension must not refuse writes";
  EXPECT_EQ(std::filesystem::file_size(path) % kFillLine, 0u);
  w.Append(0, Cmd{"SET", "a", "1"});
  w.Flush();
  ASSERT_EQ(io->pending(), 1u);
  io->Complete();
  w.OnIoEvent();
  EXPECT_EQ(w.durable_seq(), 1u);
  EXPECT_EQ(ScanCommands(path).size(), 2u);
  EXPECT_EQ(LoadLikeRedis(ReadAll(path)).size(), 2u);
  EXPECT_EQ(io->pending(), 0u) << "no new extension right after a failed one";
}

// A batch of one SET, as the writer frames it.
std::string Batch(uint64_t seq, const std::string& key) {
  std::string body;
  AppendSelect(&body, 0);
  AppendCommand(&body, Cmd{"SET", key, "v"});
  return FormatAnnotation(
             Annotation{.first_seq = seq, .length = body.size(), .checksum = Checksum(body)}) +
         body;
}

std::string Records(const std::vector<Cmd>& cmds) {
  std::string out;
  for (const auto& c : cmds) AppendCommand(&out, c);
  return out;
}

// `bytes` then filler to the next multiple of `to`.
std::string PadWithFill(std::string bytes, uint64_t to) {
  const uint64_t end = (bytes.size() / to + 1) * to;
  return bytes + MakeFill(bytes.size(), end);
}

struct Read {
  std::vector<Cmd> sets;  // SET commands applied
  std::vector<Cmd> all;   // every command applied
  ScanResult result;
  base::Status status;
};

Read ReadBytes(const TempDir& dir, const std::string& bytes) {
  const std::string path = dir.File("r.aof");
  WriteAll(path, bytes);
  Read out;
  auto r = ScanLogFile(path, "r.aof", [&](std::vector<std::string>& argv, uint64_t) {
    if (argv[0] == "SET") out.sets.push_back(argv);
    out.all.push_back(argv);
    return base::Status::Ok();
  });
  if (r.ok()) {
    out.result = r.value();
  } else {
    out.status = r.status();
  }
  return out;
}

// A page that did not reach the disk reads as the filler it overwrote: a
// batch missing between two good ones shows in the sequence numbers.
TEST(PreallocReaderTest, AMissingBatchIsSeenInTheSequence) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  std::string file = PadWithFill(b1, 4096) + Batch(3, "c");  // seq 2 lost
  auto r = ReadBytes(dir, PadWithFill(file, 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, b1.size());
  EXPECT_EQ(r.sets, (std::vector<Cmd>{{"SET", "a", "v"}}));
  // Another good batch after it: not a crash's tail, corruption.
  file = PadWithFill(file, 4096) + Batch(4, "d");
  r = ReadBytes(dir, PadWithFill(file, 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  EXPECT_NE(r.status.message().find("seq 3, not 2"), std::string::npos) << r.status.message();
}

// The remains of a batch whose first page was lost are not records: nothing
// of them is applied.
TEST(PreallocReaderTest, RemainsOfATornBatchAreNotApplied) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  const std::string remains = Records({{"SET", "b", "v"}, {"SET", "c", "v"}});
  auto r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + remains, 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, b1.size());
  EXPECT_EQ(r.sets, (std::vector<Cmd>{{"SET", "a", "v"}}));
  // ... nor when a batch follows them directly.
  r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + remains + Batch(4, "d"), 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  EXPECT_TRUE(r.sets.size() <= 1u);
}

// Redis appends its records after the filler, at the end of the file.
TEST(PreallocReaderTest, RecordsRedisAppendedAfterTheFillerAreRecords) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  const std::string redis = Records({{"SELECT", "0"}, {"SET", "b", "v"}, {"SET", "c", "v"}});
  auto r = ReadBytes(dir, PadWithFill(b1, 4096) + redis);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_FALSE(r.result.torn_tail);
  EXPECT_EQ(r.sets.size(), 3u);
  // Cairn, opening such a file, closes them with an empty batch and goes on.
  const std::string marker =
      FormatAnnotation(Annotation{.first_seq = 2, .length = 0, .checksum = Checksum("")});
  r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + redis + marker + Batch(2, "d"), 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_FALSE(r.result.torn_tail);
  EXPECT_EQ(r.sets.size(), 4u);
  // Damage inside them is Redis's: corruption, never a cut of what follows.
  r = ReadBytes(dir, PadWithFill(b1, 4096) + redis + "garbage\r\n" + redis);
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  // A torn last record of Redis's is Redis's torn tail.
  r = ReadBytes(dir, PadWithFill(b1, 4096) + redis + "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$4\r\n#");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.sets.size(), 3u);
}

// As the live writer frames it: with the seq durable at sealing.
std::string LiveBatch(uint64_t seq, const std::string& key, uint64_t durable) {
  std::string body;
  AppendSelect(&body, 0);
  AppendCommand(&body, Cmd{"SET", key, "v"});
  return FormatAnnotation(Annotation{
             .first_seq = seq, .length = body.size(), .checksum = Checksum(body),
             .durable = durable}) +
         body;
}

// After a power loss with several syncs in flight, the disk may have kept a
// later batch and lost an earlier one. The later batch says the earlier one
// was not yet synced when it was sealed: a torn tail, cut. A batch saying
// it was synced proves the damage hit data that was on disk: corruption.
TEST(PreallocReaderTest, ALaterBatchTellsACrashFromDamage) {
  TempDir dir;
  const std::string b1 = LiveBatch(1, "a", 0);
  std::string b2 = LiveBatch(2, "b", 0);
  b2[b2.size() - 4] ^= 1;
  auto r = ReadBytes(dir, PadWithFill(b1 + b2 + LiveBatch(3, "c", 1) + LiveBatch(4, "d", 1), 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, b1.size());
  EXPECT_EQ(r.sets, (std::vector<Cmd>{{"SET", "a", "v"}}));
  r = ReadBytes(dir, PadWithFill(b1 + b2 + LiveBatch(3, "c", 1) + LiveBatch(4, "d", 2), 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  // The same for a batch lost whole (its page reads as filler).
  r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + LiveBatch(3, "c", 1) + LiveBatch(4, "d", 1), 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.sets.size(), 1u);
}

// The batch right after a gap, when it is the last, proves by itself that
// the missing one had been synced; and a damaged length that runs past the
// end is corruption when a later batch proves the same (found by cairn's
// tests: both were cut as torn tails).
TEST(PreallocReaderTest, TheBatchAfterAGapAndALaterOneProveALostBatchWasSynced) {
  TempDir dir;
  const std::string b1 = LiveBatch(1, "a", 0);
  // Batch 2 lost whole; batch 3 says 2 was synced when it was sealed.
  auto r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + LiveBatch(3, "c", 2), 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  // It says 2 was not: a crash's tail, cut.
  r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + LiveBatch(3, "c", 1), 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  // Batch 2's length damaged to run past the end, batch 3 proving it synced.
  std::string b2 = LiveBatch(2, "b", 1);
  const size_t len_at = b2.find(' ', 7) + 1;  // "#cairn 2 <length> ..."
  b2[len_at] = '9';
  b2.insert(len_at, "99");
  r = ReadBytes(dir, PadWithFill(b1 + b2 + LiveBatch(3, "c", 2), 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  // The last batch torn (nothing after it): a torn tail still.
  const std::string b2_whole = LiveBatch(2, "b", 1);
  r = ReadBytes(dir, b1 + b2_whole.substr(0, b2_whole.size() - 3));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, b1.size());
}

std::string Mark(uint64_t seq) {
  return FormatAnnotation(Annotation{.first_seq = seq, .length = 0, .checksum = Checksum("")});
}

// Redis's records (with its "#TS:" lines) closed by Cairn's mark, Cairn's
// batches after them, and the last batch torn over the filler: a torn tail,
// whatever was found while reading Redis's part.
TEST(PreallocReaderTest, ATornLastBatchAfterRedisRecordsIsATornTail) {
  TempDir dir;
  const std::string redis = Records({{"SELECT", "0"}, {"SET", "b", "v"}}) +
                            "#TS:1700000000\r\n" + Records({{"SET", "c", "v"}});
  const std::string good = PadWithFill(Batch(1, "a"), 4096) + redis + Mark(2) + Batch(2, "d");
  std::string last = Batch(3, "e");
  last[last.size() - 4] ^= 1;
  auto r = ReadBytes(dir, PadWithFill(good + last, 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, good.size());
  EXPECT_EQ(r.sets.size(), 4u);
}

// A batch longer than the preallocated space goes past the end of the file;
// if its first page is lost, what is left of it is not records either.
TEST(PreallocReaderTest, RemainsPastTheFillerAreNotRecords) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  const std::string remains = Records({{"SET", "b", "v"}, {"SET", "c", "v"}});
  auto r = ReadBytes(dir, PadWithFill(b1, 4096) + remains);  // no filler after
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.result.valid_bytes, b1.size());
  EXPECT_EQ(r.sets.size(), 1u);
  r = ReadBytes(dir, PadWithFill(b1, 4096) + remains.substr(5));  // from inside a record
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.result.torn_tail);
  EXPECT_EQ(r.sets.size(), 1u);
}

// Text in a value that looks like Redis's records and Cairn's mark is only
// a mark with the sequence number Cairn would have written.
TEST(PreallocReaderTest, AMarkMustCarryTheExpectedSeq) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  const std::string fake = Records({{"SELECT", "0"}, {"FLUSHALL"}});
  for (uint64_t seq : {0, 7}) {
    // Cut as a torn tail (seq 0: not a batch at all) or refused (seq 7: it
    // verifies, so it counts as a good batch after damage): never applied.
    auto r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + fake + Mark(seq), 4096));
    EXPECT_TRUE(r.status.ok() ? r.result.torn_tail
                              : r.status.code() == base::StatusCode::kCorruption)
        << seq << ": " << r.status.ToString();
    for (const auto& c : r.all) EXPECT_NE(c[0], "FLUSHALL") << "applied with mark seq " << seq;
  }
  // With the right seq it is a mark, and the records before it Redis's.
  auto r = ReadBytes(dir, PadWithFill(PadWithFill(b1, 4096) + fake + Mark(2), 4096));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.all.back(), (Cmd{"FLUSHALL"}));
}

// A damaged annotation before a good batch is corruption; its body is not
// applied as records.
TEST(PreallocReaderTest, ADamagedAnnotationBeforeAGoodBatchIsCorruption) {
  TempDir dir;
  const std::string b1 = Batch(1, "a");
  std::string b2 = Batch(2, "b");
  b2[8] = 'x';  // inside "#cairn 2 ...": no longer an annotation
  auto r = ReadBytes(dir, PadWithFill(b1 + b2 + Batch(3, "c"), 4096));
  EXPECT_EQ(r.status.code(), base::StatusCode::kCorruption) << r.status.ToString();
  EXPECT_EQ(r.sets.size(), 1u);
}

}  // namespace
}  // namespace cairn::wal
