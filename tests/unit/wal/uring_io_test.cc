// The io_uring implementation of AsyncFileIo on a real file: writes split
// into page pieces land whole and report as one write, a linked sync
// reports after its write, and a write cut short part-way through its
// pieces reports the bytes that landed and a canceled sync.
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <fcntl.h>

#include <gtest/gtest.h>

#include "tests/unit/wal/temp_files.h"
#include "wal/file_io.h"

namespace cairn::wal {
namespace {

// Reaps until `n` completions have arrived.
std::vector<IoCompletion> ReapN(AsyncFileIo& io, size_t n) {
  std::vector<IoCompletion> all;
  while (all.size() < n) {
    pollfd p{.fd = io.event_fd(), .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 5000) < 1) {
      ADD_FAILURE() << "no completion within 5 s";
      break;
    }
    for (auto& c : io.Reap()) all.push_back(c);
  }
  return all;
}

struct UringFixture {
  TempDir dir;
  std::unique_ptr<AsyncFileIo> io;
  int fd = -1;
  UringFixture() {
    auto r = NewUringIo();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    io = std::move(r).value();
    fd = open(dir.File("f").c_str(), O_RDWR | O_CREAT, 0644);
  }
  ~UringFixture() { close(fd); }
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + i % 23);
  return s;
}

TEST(UringIoTest, WriteAcrossPagesWithSyncReportsOneWholeWriteThenTheSync) {
  UringFixture f;
  const std::string data = Pattern(10000);
  ASSERT_TRUE(f.io->SubmitWrite(f.fd, data.data(), data.size(), 100, true, 7).ok());
  auto c = ReapN(*f.io, 2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].kind, IoKind::kWrite);
  EXPECT_EQ(c[0].tag, 7u);
  EXPECT_EQ(c[0].written, data.size());
  EXPECT_EQ(c[0].error, 0);
  EXPECT_EQ(c[1].kind, IoKind::kSync);
  EXPECT_FALSE(c[1].canceled);
  EXPECT_EQ(c[1].error, 0);
  EXPECT_EQ(ReadAll(f.dir.File("f")), std::string(100, '\0') + data);
}

TEST(UringIoTest, UnsyncedWriteAcrossPagesReportsOnce) {
  UringFixture f;
  const std::string data = Pattern(3 * 4096);
  ASSERT_TRUE(f.io->SubmitWrite(f.fd, data.data(), data.size(), 0, false, 9).ok());
  auto c = ReapN(*f.io, 1);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].written, data.size());
  usleep(20000);
  EXPECT_TRUE(f.io->Reap().empty());  // no stray completions for the pieces
  EXPECT_EQ(ReadAll(f.dir.File("f")), data);
}

// A file size limit stops the chain part-way: the pieces before it landed.
TEST(UringIoTest, WriteCutPartWayReportsWhatLandedAndCancelsTheSync) {
  UringFixture f;
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit lim = old;
  lim.rlim_cur = 8192;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  const std::string data = Pattern(20000);
  base::Status s = f.io->SubmitWrite(f.fd, data.data(), data.size(), 0, true, 3);
  auto c = ReapN(*f.io, 2);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].kind, IoKind::kWrite);
  EXPECT_EQ(c[0].error, 0);
  EXPECT_EQ(c[0].written, 8192u);
  EXPECT_EQ(c[1].kind, IoKind::kSync);
  EXPECT_TRUE(c[1].canceled);
  usleep(20000);
  EXPECT_TRUE(f.io->Reap().empty());
  // Nothing at all fits: the error itself is reported.
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  s = f.io->SubmitWrite(f.fd, data.data(), 100, 8192, true, 4);
  c = ReapN(*f.io, 2);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].error, EFBIG);
  EXPECT_TRUE(c[1].canceled);
}

TEST(UringIoTest, WriteAndSyncNowWritesInPiecesAndReportsLikeTheLinkedPair) {
  UringFixture f;
  const std::string data = Pattern(9000);
  auto c = f.io->WriteAndSyncNow(f.fd, data.data(), data.size(), 50, 11);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].written, data.size());
  EXPECT_FALSE(c[1].canceled);
  EXPECT_EQ(c[1].error, 0);
  EXPECT_EQ(ReadAll(f.dir.File("f")), std::string(50, '\0') + data);
}

}  // namespace
}  // namespace cairn::wal
