#include "engine/memory/cold_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cairn::engine {
namespace {

class ColdStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn-cold-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<ColdStore> OpenStore() {
    auto s = ColdStore::Open({.dir = root_ + "/cold", .block_cache_bytes = 1 << 20});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::string root_;
};

std::string ValueFor(uint64_t id) { return "value-" + std::to_string(id) + std::string(id % 300, 'x'); }

TEST_F(ColdStoreTest, PutGetDeleteByIdAndNotFound) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<uint64_t> ids;
  for (int i = 0; i < 1000; i++) {
    const uint64_t id = store->NewId();
    ids.push_back(id);
    ASSERT_TRUE(store->Put(id, ValueFor(id)).ok());
  }
  for (uint64_t id : ids) {
    auto got = store->Get(id);
    ASSERT_TRUE(got.ok()) << id;
    EXPECT_EQ(got.value(), ValueFor(id));
  }
  ASSERT_TRUE(store->Delete(ids[10]).ok());
  auto gone = store->Get(ids[10]);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), base::StatusCode::kNotFound);
  // Ids are fresh each time.
  EXPECT_GT(store->NewId(), ids.back());
  const ColdStore::Stats st = store->stats();
  EXPECT_EQ(st.puts, 1000u);
  EXPECT_EQ(st.deletes, 1u);
  EXPECT_GT(st.disk_bytes, 0u);
}

TEST_F(ColdStoreTest, OpeningEmptiesWhatAnEarlierRunLeft) {
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put(1, "left behind").ok());
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->Get(1).ok());
}

TEST_F(ColdStoreTest, RefusesToEmptyAFolderThatIsNotAColdTier) {
  const std::string dir = root_ + "/precious";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/dump.rdb") << "data";
  auto s = ColdStore::Open({.dir = dir});
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/dump.rdb"));
}

TEST_F(ColdStoreTest, ACheckpointIsReadInAForkedChildAsItWas) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (uint64_t id = 1; id <= 500; id++) ASSERT_TRUE(store->Put(id, ValueFor(id)).ok());
  const std::string cp = root_ + "/checkpoint";
  ASSERT_TRUE(store->Checkpoint(cp).ok());
  store->PauseBackgroundWork();  // (after the checkpoint: it flushes)
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: its own read-only instance over the checkpoint; never the
    // parent's handle.
    auto r = ColdReader::Open(cp);
    if (!r.ok()) _exit(10);
    for (uint64_t id = 1; id <= 500; id++) {
      auto got = r.value()->Get(id);
      if (!got.ok() || got.value() != ValueFor(id)) _exit(11);
    }
    if (r.value()->Get(501).ok()) _exit(12);
    _exit(0);
  }
  store->ContinueBackgroundWork();
  // The parent goes on meanwhile: none of this reaches the checkpoint.
  ASSERT_TRUE(store->Put(501, "later").ok());
  ASSERT_TRUE(store->Delete(7).ok());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(store->Get(7).ok());
  EXPECT_EQ(store->Get(501).value(), "later");
}

}  // namespace
}  // namespace cairn::engine
