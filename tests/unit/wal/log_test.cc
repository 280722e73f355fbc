#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <xxhash.h>

#include "tests/unit/wal/fake_io.h"
#include "tests/unit/wal/temp_files.h"
#include "wal/batch_file.h"
#include "wal/format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"
#include "wal/manifest.h"

namespace cairn::wal {
namespace {

using Cmd = std::vector<std::string>;

struct Scanned {
  std::vector<Cmd> commands;
  ScanResult result;
  base::Status status;
};

Scanned Scan(const std::string& path) {
  Scanned s;
  auto r = ScanLogFile(path, "test.aof", [&](std::vector<std::string>& argv, uint64_t) {
    s.commands.push_back(argv);
    return base::Status::Ok();
  });
  if (r.ok()) {
    s.result = r.value();
  } else {
    s.status = r.status();
  }
  return s;
}

// A writer over FakeIo on a real file.
struct WriterFixture {
  TempDir dir;
  FakeIo* io = nullptr;
  std::unique_ptr<LogWriter> writer;
  std::vector<uint64_t> durable;

  explicit WriterFixture(SyncPolicy policy = SyncPolicy::kAlways) {
    auto fake = std::make_unique<FakeIo>();
    io = fake.get();
    writer = std::make_unique<LogWriter>(std::move(fake));
    writer->set_policy(policy);
    writer->set_on_durable([this](uint64_t s) { durable.push_back(s); });
    EXPECT_TRUE(writer->Open(dir.File("log.aof"), 0, 1).ok());
  }
  void CompleteAll() {
    while (io->pending() > 0) {
      if (io->pending_syncs() > 0 && io->pending() == io->pending_syncs()) {
        io->CompleteSync(0);  // only syncs whose write already completed are left
      } else {
        io->Complete();
      }
      writer->OnIoEvent();
    }
  }
  std::string path() const { return dir.File("log.aof"); }
};

TEST(FormatTest, AnnotationRoundTrip) {
  Annotation a{.first_seq = 42, .length = 4096, .checksum = 0xdeadbeef12345678ULL};
  std::string line = FormatAnnotation(a);
  EXPECT_EQ(line, "#cairn 42 4096 deadbeef12345678\r\n");
  auto back = ParseAnnotation(line.substr(0, line.size() - 2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->first_seq, 42u);
  EXPECT_EQ(back->length, 4096u);
  EXPECT_EQ(back->checksum, a.checksum);
}

TEST(FormatTest, TheDurableFieldIsOptional) {
  Annotation a{.first_seq = 5, .length = 10, .checksum = 1, .durable = 4};
  std::string line = FormatAnnotation(a);
  EXPECT_EQ(line, "#cairn 5 10 0000000000000001 4\r\n");
  auto back = ParseAnnotation(line.substr(0, line.size() - 2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->durable, std::optional<uint64_t>(4));
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001").value().durable.has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 5").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 x").has_value());
}

TEST(FormatTest, TheHistoryFieldFollowsTheDurableOne) {
  const std::string id(40, 'a');
  Annotation a{.first_seq = 5, .length = 10, .checksum = 1, .durable = 4,
               .history = History{.kind = History::kApplied, .offset = 5120, .db = 3, .replid = id}};
  std::string line = FormatAnnotation(a);
  EXPECT_EQ(line, "#cairn 5 10 0000000000000001 4 r5120.3." + id + "\r\n");
  auto back = ParseAnnotation(line.substr(0, line.size() - 2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->history, a.history);
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 x5.0." + id).has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 p5.0.").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 p-5.0." + id).has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 p5." + id).has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 p5.0." + id + " 1").has_value());
}

TEST(FormatTest, TheSealTimeSitsBetweenDurableAndHistoryAndIsChecksummed) {
  const std::string id(40, 'a');
  Annotation a{.first_seq = 5, .length = 2, .durable = 4, .sealed_ms = 1764539681123,
               .history = History{.kind = History::kStream, .offset = 70, .db = 0, .replid = id}};
  a.checksum = BatchChecksum("ab", a);
  std::string line = FormatAnnotation(a);
  char sum[17];
  std::snprintf(sum, sizeof(sum), "%016llx", static_cast<unsigned long long>(a.checksum));
  EXPECT_EQ(line, "#cairn 5 2 " + std::string(sum) + " 4 t1764539681123 p70.0." + id + "\r\n");
  auto back = ParseAnnotation(line.substr(0, line.size() - 2));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->sealed_ms, a.sealed_ms);
  EXPECT_EQ(back->history, a.history);
  EXPECT_EQ(BatchChecksum("ab", *back), a.checksum);
  // Damage to the time is damage to the batch.
  Annotation other = *back;
  other.sealed_ms = 1764539681124;
  EXPECT_NE(BatchChecksum("ab", other), a.checksum);
  // Without a time, a History seeds the checksum as it did before times were
  // added, so older logs still verify.
  Annotation old = *back;
  old.sealed_ms.reset();
  EXPECT_EQ(BatchChecksum("ab", old),
            XXH3_64bits_withSeed("ab", 2, Checksum("p70.0." + id)));
  auto time_only = ParseAnnotation("#cairn 5 10 0000000000000001 4 t17");
  ASSERT_TRUE(time_only.has_value());
  EXPECT_EQ(time_only->sealed_ms, std::optional<int64_t>(17));
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 t").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 t-1").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 5 10 0000000000000001 4 t1 t2").has_value());
}

TEST(FormatTest, OtherAnnotationsAreNotOurs) {
  EXPECT_FALSE(ParseAnnotation("#TS:1700000000").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 1 2").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn 1 2 xyz").has_value());
  EXPECT_FALSE(ParseAnnotation("#cairn -1 2 0000000000000000").has_value());
}

TEST(FormatTest, CommandsAreRespArrays) {
  std::string out;
  std::string argv[3] = {"SET", "k", std::string("a\0b", 3)};
  AppendCommand(&out, argv);
  EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n", 29));
}

TEST(LogWriterTest, RecordsAppendedDuringAWriteFormTheNextBatch) {
  WriterFixture f;
  EXPECT_EQ(f.writer->Append(0, Cmd{"SET", "a", "1"}), 1u);
  f.writer->Flush();
  ASSERT_EQ(f.io->pending(), 1u);
  EXPECT_TRUE(f.io->front().sync);  // always: write and fdatasync linked
  EXPECT_EQ(f.writer->Append(0, Cmd{"SET", "b", "2"}), 2u);
  EXPECT_EQ(f.writer->Append(3, Cmd{"SET", "c", "3"}), 3u);
  f.writer->Flush();
  EXPECT_EQ(f.io->pending(), 1u);  // one batch in flight at a time
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  f.io->Complete();
  f.writer->OnIoEvent();
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{1}));
  ASSERT_EQ(f.io->pending(), 1u);  // the group of two went out at once
  f.CompleteAll();
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{1, 3}));
  auto s = Scan(f.path());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.result.batches, 2u);
  EXPECT_EQ(s.commands, (std::vector<Cmd>{{"SELECT", "0"},
                                          {"SET", "a", "1"},
                                          {"SELECT", "0"},
                                          {"SET", "b", "2"},
                                          {"SELECT", "3"},
                                          {"SET", "c", "3"}}));
  EXPECT_EQ(s.result.last_seq, 3u);
}

TEST(LogWriterTest, NextBatchGoesWhileASyncRunsAndALaterSyncCoversEarlierBatches) {
  WriterFixture f;
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Flush();
  f.io->CompleteWrite();  // batch 1 written, its sync still running
  f.writer->OnIoEvent();
  f.writer->Append(0, Cmd{"SET", "b", "2"});
  f.writer->Flush();
  ASSERT_EQ(f.io->pending(), 2u);  // batch 2's write went out meanwhile
  f.io->CompleteWrite();
  f.writer->OnIoEvent();
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  f.io->CompleteSync(1);  // batch 2's sync finishes first: it covers batch 1
  f.writer->OnIoEvent();
  EXPECT_EQ(f.writer->durable_seq(), 2u);
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{2}));
  f.io->CompleteSync(0);
  f.writer->OnIoEvent();
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{2}));
  EXPECT_TRUE(f.writer->idle());
}

// Each batch says how far the log was synced when it was sealed.
TEST(LogWriterTest, BatchesCarryTheSyncedSeq) {
  WriterFixture f;
  auto durable_of = [&](const FakeIo::Op& op) {
    auto ann = ParseAnnotation(op.data.substr(0, op.data.find("\r\n")));
    EXPECT_TRUE(ann.has_value());
    return ann ? ann->durable : std::nullopt;
  };
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Flush();
  EXPECT_EQ(durable_of(f.io->front()), std::optional<uint64_t>(0));
  f.io->CompleteWrite();  // batch 1 written, its sync still running
  f.writer->OnIoEvent();
  f.writer->Append(0, Cmd{"SET", "b", "2"});
  f.writer->Flush();
  EXPECT_EQ(durable_of(f.io->front()), std::optional<uint64_t>(0));  // 1 not synced yet
  f.io->CompleteWrite();
  f.writer->OnIoEvent();
  f.io->CompleteSync(1);  // batch 2's sync covers batch 1
  f.io->CompleteSync(0);
  f.writer->OnIoEvent();
  ASSERT_EQ(f.writer->durable_seq(), 2u);
  f.writer->Append(0, Cmd{"SET", "c", "3"});
  f.writer->Flush();
  EXPECT_EQ(durable_of(f.io->front()), std::optional<uint64_t>(2));
  f.CompleteAll();
}

TEST(LogWriterTest, ShortWriteResumesWhereItStopped) {
  WriterFixture f;
  f.writer->Append(0, Cmd{"SET", "key", std::string(1000, 'v')});
  f.writer->Flush();
  f.io->Complete(100);  // only 100 bytes made it
  f.writer->OnIoEvent();
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  ASSERT_EQ(f.io->pending(), 1u);
  EXPECT_EQ(f.io->front().offset, 100u);
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 1u);
  auto s = Scan(f.path());
  ASSERT_TRUE(s.status.ok());
  EXPECT_EQ(s.commands.back()[2], std::string(1000, 'v'));
}

TEST(LogWriterTest, BufferMemoryHoldsRecordsUntilTheyAreDurable) {
  WriterFixture f;
  const size_t empty = f.writer->buffer_memory();
  f.writer->Append(0, Cmd{"SET", "key", std::string(10000, 'v')});
  EXPECT_GE(f.writer->buffer_memory(), empty + 10000);  // appended, not sealed
  f.writer->Flush();
  EXPECT_GE(f.writer->buffer_memory(), 10000u);  // sealed, its write in flight
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 1u);
  // The open buffer keeps its allocation, as Redis's aof_buf does; the
  // batch written and synced is let go.
  EXPECT_LT(f.writer->buffer_memory(), 2 * 10000u + 4096);
  f.writer->Append(0, Cmd{"SET", "key", std::string(10000, 'w')});
  f.writer->Flush();
  f.CompleteAll();
  EXPECT_LT(f.writer->buffer_memory(), 2 * 10000u + 4096);
}

TEST(LogWriterTest, FailedWritesAreRetriedAndNothingIsAcknowledgedMeanwhile) {
  WriterFixture f;
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Flush();
  f.io->Complete(SIZE_MAX, ENOSPC);
  f.writer->OnIoEvent();
  EXPECT_EQ(f.writer->write_error(), ENOSPC);
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  EXPECT_EQ(f.io->pending(), 0u);
  f.writer->Tick(0);  // too early to retry
  EXPECT_EQ(f.io->pending(), 0u);
  f.writer->Tick(INT64_MAX);
  ASSERT_EQ(f.io->pending(), 1u);
  f.CompleteAll();
  EXPECT_EQ(f.writer->write_error(), 0);
  EXPECT_EQ(f.writer->durable_seq(), 1u);
  EXPECT_EQ(Scan(f.path()).commands.size(), 2u);
}

// The clients as the writer's tests script them.
struct ScriptedSignals : CommitSignals {
  bool waiting = true;
  bool returned = true;
  bool AllWaiting() const override { return waiting; }
  bool AllReturned() const override { return returned; }
};

// With every client waiting and nothing in flight, the batch is written and
// synced on the calling thread: acknowledged before Flush returns.
TEST(LogWriterTest, AllWaitingSyncsTheBatchOnTheCallingThread) {
  WriterFixture f;
  ScriptedSignals clients;
  f.writer->set_signals(&clients);
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Append(0, Cmd{"SET", "b", "2"});
  f.writer->Flush();
  EXPECT_EQ(f.io->inline_calls(), 1u);
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{2}));
  EXPECT_EQ(f.io->pending(), 0u);
  EXPECT_TRUE(f.writer->idle());
  EXPECT_EQ(f.writer->inline_batches(), 1u);
  auto s = Scan(f.path());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.result.batches, 1u);
  EXPECT_EQ(s.commands.size(), 3u);
}

// A batch never overtakes I/O in flight: while a write or sync runs, nothing
// is written inline; once it is done, the waiting batch may be.
TEST(LogWriterTest, InlineWaitsForTheIoInFlight) {
  WriterFixture f;
  ScriptedSignals clients;
  clients.waiting = false;
  f.writer->set_signals(&clients);
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Flush();  // someone could still send a command: submitted
  ASSERT_EQ(f.io->pending(), 1u);
  clients.waiting = true;
  f.writer->Append(0, Cmd{"SET", "b", "2"});
  f.writer->Flush();
  EXPECT_EQ(f.io->inline_calls(), 0u);
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  f.io->Complete();  // batch 1 done: batch 2 goes inline from the completion
  f.writer->OnIoEvent();
  EXPECT_EQ(f.io->inline_calls(), 1u);
  EXPECT_EQ(f.durable, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(f.io->pending(), 0u);
}

// The gathering window's clock, stepped by hand.
int64_t g_fake_now_us = 0;
int64_t FakeNowUs() { return g_fake_now_us; }

// While clients released by the last sync have not written again, records
// wait, for at most as long as that sync took (capped).
TEST(LogWriterTest, RecordsWaitForReturningClientsAtMostOneSync) {
  WriterFixture f;
  g_fake_now_us = 1000000;
  f.writer->set_clock(&FakeNowUs);
  ScriptedSignals clients;
  clients.waiting = false;
  f.writer->set_signals(&clients);
  std::vector<int64_t> asked_after;
  f.writer->set_request_flush_after([&](int64_t us) { asked_after.push_back(us); });
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  clients.returned = false;
  f.writer->Flush();  // no sync measured yet: no window
  ASSERT_EQ(f.io->pending(), 1u);
  g_fake_now_us += 300;  // the sync takes 300 us
  f.CompleteAll();
  f.writer->Append(0, Cmd{"SET", "b", "2"});
  f.writer->Flush();
  EXPECT_EQ(f.io->pending(), 0u);  // waiting for the clients to return
  EXPECT_EQ(asked_after, (std::vector<int64_t>{300}));
  g_fake_now_us += 100;
  f.writer->Append(0, Cmd{"SET", "c", "3"});
  f.writer->Flush();  // the same window: it closes at the same time
  EXPECT_EQ(f.io->pending(), 0u);
  EXPECT_EQ(asked_after.back(), 200);
  clients.returned = true;  // everyone is back: goes at once
  f.writer->Flush();
  ASSERT_EQ(f.io->pending(), 1u);
  g_fake_now_us += 5000;  // a slow sync: the next window is capped
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 3u);
  auto s = Scan(f.path());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.result.batches, 2u);  // b and c went together
  // A client that never comes back holds records only until the window
  // closes.
  clients.returned = false;
  f.writer->Append(0, Cmd{"SET", "d", "4"});
  f.writer->Flush();
  EXPECT_EQ(f.io->pending(), 0u);
  EXPECT_EQ(asked_after.back(), LogWriter::kMaxGatherUs);
  g_fake_now_us += LogWriter::kMaxGatherUs - 1;
  f.writer->Flush();
  EXPECT_EQ(f.io->pending(), 0u);
  g_fake_now_us += 1;
  f.writer->Flush();
  EXPECT_EQ(f.io->pending(), 1u);
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 4u);
  // Shutting down does not wait for anyone.
  f.writer->Append(0, Cmd{"SET", "e", "5"});
  ASSERT_TRUE(f.writer->SyncAll().ok());
  EXPECT_EQ(f.writer->durable_seq(), 5u);
}

TEST(LogWriterTest, InlineShortWriteResumesAsynchronously) {
  WriterFixture f;
  ScriptedSignals clients;
  f.writer->set_signals(&clients);
  f.writer->Append(0, Cmd{"SET", "key", std::string(1000, 'v')});
  f.io->FailNextInline(100);
  f.writer->Flush();
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  ASSERT_EQ(f.io->pending(), 1u);  // the rest, with a linked sync
  EXPECT_EQ(f.io->front().offset, 100u);
  EXPECT_TRUE(f.io->front().sync);
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 1u);
  auto s = Scan(f.path());
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_EQ(s.commands.back()[2], std::string(1000, 'v'));
}

TEST(LogWriterTest, InlineFailedWriteRefusesUntilARetrySucceeds) {
  WriterFixture f;
  ScriptedSignals clients;
  f.writer->set_signals(&clients);
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.io->FailNextInline(SIZE_MAX, ENOSPC);
  f.writer->Flush();
  EXPECT_EQ(f.writer->write_error(), ENOSPC);
  EXPECT_EQ(f.writer->durable_seq(), 0u);
  f.writer->Tick(INT64_MAX);  // the retry goes out on the asynchronous path
  f.CompleteAll();
  EXPECT_EQ(f.writer->write_error(), 0);
  EXPECT_EQ(f.writer->durable_seq(), 1u);
}

TEST(LogWriterDeathTest, FailedInlineFdatasyncIsFatal) {
  TempDir dir;
  EXPECT_EXIT(
      {
        auto fake = std::make_unique<FakeIo>();
        FakeIo* io = fake.get();
        LogWriter w(std::move(fake));
        (void)w.Open(dir.File("log.aof"), 0, 1);
        ScriptedSignals clients;
        w.set_signals(&clients);
        w.Append(0, Cmd{"SET", "a", "1"});
        io->FailNextInline(SIZE_MAX, 0, EIO);
        w.Flush();
      },
      ::testing::ExitedWithCode(1), "fdatasync of the append-only log failed");
}

TEST(LogWriterDeathTest, FailedFdatasyncIsFatal) {
  // The directory belongs to this process: the child exits without
  // running destructors.
  TempDir dir;
  EXPECT_EXIT(
      {
        auto fake = std::make_unique<FakeIo>();
        FakeIo* io = fake.get();
        LogWriter w(std::move(fake));
        (void)w.Open(dir.File("log.aof"), 0, 1);
        w.Append(0, Cmd{"SET", "a", "1"});
        w.Flush();
        io->Complete(SIZE_MAX, 0, EIO);
        w.OnIoEvent();
      },
      ::testing::ExitedWithCode(1), "fdatasync of the append-only log failed");
}

TEST(LogWriterTest, EverysecAcknowledgesOnWriteAndSyncsFromTick) {
  WriterFixture f(SyncPolicy::kEverysec);
  f.writer->Append(0, Cmd{"SET", "a", "1"});
  f.writer->Flush();
  ASSERT_EQ(f.io->pending(), 1u);
  EXPECT_FALSE(f.io->front().sync);
  f.CompleteAll();
  EXPECT_EQ(f.writer->durable_seq(), 1u);
  f.writer->Tick(5000);
  ASSERT_EQ(f.io->pending(), 1u);
  EXPECT_TRUE(f.io->front().sync_only);
  f.CompleteAll();
  EXPECT_TRUE(f.writer->idle());
}

TEST(LogWriterTest, RotateKeepsEarlierRecordsInTheOldSegment) {
  WriterFixture f;
  f.writer->Append(0, Cmd{"SET", "old", "1"});
  ASSERT_TRUE(f.writer->Rotate(f.dir.File("next.aof")).ok());
  f.writer->Append(0, Cmd{"SET", "new", "2"});
  f.writer->Flush();
  f.CompleteAll();
  EXPECT_EQ(Scan(f.path()).commands.back(), (Cmd{"SET", "old", "1"}));
  EXPECT_EQ(Scan(f.dir.File("next.aof")).commands,
            (std::vector<Cmd>{{"SELECT", "0"}, {"SET", "new", "2"}}));
}

// A file of three batches; returns the offset where each batch starts.
std::vector<uint64_t> ThreeBatches(const std::string& path) {
  WriterFixture f;
  std::vector<uint64_t> starts;
  for (int b = 0; b < 3; b++) {
    starts.push_back(std::filesystem::exists(f.path()) ? std::filesystem::file_size(f.path())
                                                       : 0);
    f.writer->Append(b, Cmd{"SET", "k" + std::to_string(b), std::string(40, 'a' + b)});
    f.writer->Append(b, Cmd{"SET", "j" + std::to_string(b), "x"});
    f.writer->Flush();
    f.CompleteAll();
  }
  std::filesystem::copy_file(f.path(), path);
  return starts;
}

TEST(LogReaderTest, TornTailIsCutAtLastWholeBatch) {
  TempDir dir;
  const std::string whole = dir.File("whole.aof");
  auto starts = ThreeBatches(whole);
  const std::string bytes = ReadAll(whole);
  const size_t last = starts[2];
  for (size_t cut = last + 1; cut < bytes.size(); cut++) {
    const std::string torn = dir.File("torn.aof");
    WriteAll(torn, bytes.substr(0, cut));
    auto s = Scan(torn);
    ASSERT_TRUE(s.status.ok()) << "cut at " << cut << ": " << s.status.ToString();
    // A lone "#" reads as filler (wal/format.h): nothing torn, nothing lost.
    if (cut > last + 1) {
      EXPECT_TRUE(s.result.torn_tail) << cut;
    }
    EXPECT_EQ(s.result.valid_bytes, last) << cut;
    EXPECT_EQ(s.commands.size(), 6u) << cut;  // two whole batches: SELECT + 2 SETs each
  }
  auto full = Scan(whole);
  EXPECT_FALSE(full.result.torn_tail);
  EXPECT_EQ(full.commands.size(), 9u);
}

TEST(LogReaderTest, DamagedLastBatchIsATornTail) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  auto starts = ThreeBatches(path);
  std::string bytes = ReadAll(path);
  bytes[bytes.size() - 5] ^= 0x20;
  WriteAll(path, bytes);
  auto s = Scan(path);
  ASSERT_TRUE(s.status.ok());
  EXPECT_TRUE(s.result.torn_tail);
  EXPECT_EQ(s.result.valid_bytes, starts[2]);
}

TEST(LogReaderTest, MidFileCorruptionNamesTheOffset) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  auto starts = ThreeBatches(path);
  std::string bytes = ReadAll(path);
  bytes[starts[1] + 45] ^= 0x01;  // inside the second batch's records
  WriteAll(path, bytes);
  auto s = Scan(path);
  ASSERT_FALSE(s.status.ok());
  EXPECT_EQ(s.status.code(), base::StatusCode::kCorruption);
  EXPECT_EQ(s.status.message(), "test.aof: checksum mismatch in batch at offset " +
                                    std::to_string(starts[1]) + " (seq 3)");
  EXPECT_TRUE(s.commands.size() == 3u);  // the first batch only
}

TEST(LogReaderTest, RedisStyleFilesWithoutAnnotations) {
  TempDir dir;
  const std::string path = dir.File("redis.aof");
  std::string bytes;
  AppendSelect(&bytes, 0);
  AppendCommand(&bytes, Cmd{"set", "a", "1"});
  bytes += "#TS:1700000000\r\n";  // Redis's own timestamp annotation
  AppendCommand(&bytes, Cmd{"set", "b", "2"});
  WriteAll(path, bytes + "*3\r\n$3\r\nset\r\n$1\r\nc");
  auto s = Scan(path);
  ASSERT_TRUE(s.status.ok());
  EXPECT_TRUE(s.result.torn_tail);
  EXPECT_EQ(s.result.valid_bytes, bytes.size());
  EXPECT_EQ(s.commands.size(), 3u);
  WriteAll(path, bytes + "garbage\r\n" + bytes);
  auto bad = Scan(path);
  EXPECT_EQ(bad.status.message(),
            "test.aof: bad file format at offset " + std::to_string(bytes.size()));
}

TEST(BatchFileTest, WritesVerifiableBatches) {
  TempDir dir;
  BatchFile f;
  ASSERT_TRUE(f.Open(dir.File("base.aof")).ok());
  for (int i = 0; i < 30000; i++) {
    ASSERT_TRUE(f.Append(i % 3, Cmd{"SET", "key" + std::to_string(i), std::string(50, 'x')}).ok());
  }
  ASSERT_TRUE(f.Finish().ok());
  auto s = Scan(dir.File("base.aof"));
  ASSERT_TRUE(s.status.ok());
  EXPECT_GT(s.result.batches, 1u);
  EXPECT_FALSE(s.result.torn_tail);
  size_t sets = 0;
  for (const auto& c : s.commands) sets += c[0] == "SET";
  EXPECT_EQ(sets, 30000u);
}

TEST(ManifestTest, ParsesAndWritesRedisLayout) {
  const std::string text =
      "file appendonly.aof.1.base.rdb seq 1 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type i\n"
      "file appendonly.aof.2.incr.aof seq 2 type i\n";
  auto m = Manifest::Parse(text, "m");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().base()->name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.value().incrs().size(), 2u);
  EXPECT_EQ(m.value().max_incr_seq(), 2u);
  EXPECT_EQ(m.value().Serialize(), text);
  TempDir dir;
  ASSERT_TRUE(WriteManifest(dir.path(), "x.manifest", m.value()).ok());
  EXPECT_EQ(ReadAll(dir.File("x.manifest")), text);
  EXPECT_FALSE(std::filesystem::exists(dir.File("temp-x.manifest")));
}

TEST(ManifestTest, BadLinesAreNamed) {
  auto m = Manifest::Parse("file a seq 1 type b\nfile b seq x type i\n", "m");
  EXPECT_EQ(m.status().message(), "m: line 2: invalid seq 'x'");
  EXPECT_EQ(ReadManifest("/nonexistent", "m").status().code(), base::StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn::wal

namespace cairn::wal {
namespace {

TEST(LogReaderTest, ZerosAfterTheLastBatchAreATornTail) {
  TempDir dir;
  const std::string path = dir.File("log.aof");
  ThreeBatches(path);
  const std::string bytes = ReadAll(path);
  WriteAll(path, bytes + std::string(4096, '\0'));
  auto s = Scan(path);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_TRUE(s.result.torn_tail);
  EXPECT_EQ(s.result.valid_bytes, bytes.size());
  EXPECT_EQ(s.result.torn_reason, "zero-filled tail at offset " + std::to_string(bytes.size()));
  // Zeros followed by data are not a tail.
  WriteAll(path, bytes + std::string(16, '\0') + bytes);
  EXPECT_EQ(Scan(path).status.code(), base::StatusCode::kCorruption);
}

}  // namespace
}  // namespace cairn::wal
