#include "types/value.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "types/hash.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "types/set.h"
#include "types/zset.h"

namespace cairn::types {
namespace {

Value ListOf(std::initializer_list<const char*> elements) {
  auto* q = new Quicklist(-2);
  for (const char* e : elements) q->PushBack(e);
  return Value(ValueType::kList, Encoding::kQuicklist, q);
}

std::vector<std::string> ListContents(const Value& v) {
  std::vector<std::string> out;
  const Quicklist* q = v.quicklist();
  if (q->size() > 0) {
    q->Range(0, static_cast<int64_t>(q->size()) - 1, [&](std::string_view s) {
      out.emplace_back(s);
      return true;
    });
  }
  return out;
}

TEST(ValueTest, EncodingNames) {
  const hash::Limits hl;
  const set::Limits sl;
  Value h = hash::New();
  EXPECT_STREQ(h.EncodingName(), "listpack");
  hash::Set(h, "f", std::string(100, 'v'), hl);
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  Value s = set::NewFor("1");
  EXPECT_STREQ(s.EncodingName(), "intset");
  set::Add(s, "x", sl);
  EXPECT_STREQ(s.EncodingName(), "hashtable");
  EXPECT_STREQ(zset::New(1, 1, zset::Limits{}).EncodingName(), "listpack");
  EXPECT_STREQ(zset::New(1000, 1, zset::Limits{}).EncodingName(), "skiplist");
  EXPECT_STREQ(ListOf({"a"}).EncodingName(), "quicklist");
}

TEST(ValueTest, StringsCopyAndMoveInlineAndOnTheHeap) {
  for (size_t len : {size_t{0}, size_t{5}, size_t{32}, size_t{33}, size_t{1000}}) {
    const std::string bytes(len, 'q');
    Value v(ValueType::kString, bytes, StringForm::kRaw);
    v.lru = 77;
    Value copy(v);
    EXPECT_EQ(copy.str.view(), bytes);
    EXPECT_EQ(copy.form, StringForm::kRaw);
    EXPECT_EQ(copy.lru, 77u);
    EXPECT_FALSE(copy.is_collection());
    if (len > 0) {
      EXPECT_NE(copy.str.data(), v.str.data());
    }
    Value moved(std::move(copy));
    EXPECT_EQ(moved.str.view(), bytes);
    Value assigned;
    assigned = moved;
    EXPECT_EQ(assigned.str.view(), bytes);
    EXPECT_EQ(moved.str.view(), bytes);
    assigned = std::move(moved);
    EXPECT_EQ(assigned.str.view(), bytes);
  }
}

TEST(ValueTest, StringsEditedInPlaceKeepTheirBytesThroughEveryForm) {
  // Set whole (one exact block), then edited (a std::string kept with its
  // capacity), then copied and set whole again: the bytes never change,
  // and an edited value's buffer is reused by the next edit.
  for (size_t len : {size_t{10}, size_t{32}, size_t{33}, size_t{200}, size_t{5000}}) {
    std::string want(len, 'a');
    ValueString s(want);
    EXPECT_EQ(s.view(), want);
    {
      StringEdit e(&s);
      e->resize(len + 100, 'b');
    }
    want.resize(len + 100, 'b');
    EXPECT_EQ(s.view(), want);
    const char* before = s.data();
    {
      StringEdit e(&s);
      (*e)[0] = 'z';
    }
    want[0] = 'z';
    EXPECT_EQ(s.view(), want);
    EXPECT_EQ(s.data(), before) << "an edit moved the bytes of a " << len << "-byte value";
    s += "tail";
    want += "tail";
    EXPECT_EQ(s.view(), want);
    ValueString copy(s);
    EXPECT_EQ(copy.view(), want);
    ValueString moved(std::move(copy));
    EXPECT_EQ(moved.view(), want);
    EXPECT_EQ(moved.Take(), want);
    EXPECT_TRUE(moved.empty());
    s = std::string(len, 'c');
    EXPECT_EQ(s.view(), std::string(len, 'c'));
  }
}

TEST(ValueTest, CopiesOfCollectionsAreDeep) {
  const hash::Limits hl;
  const set::Limits sl;
  const zset::Limits zl;

  Value lp_hash = hash::New();
  hash::Set(lp_hash, "f", "1", hl);
  Value table_hash = hash::New();
  hash::Set(table_hash, "f", std::string(100, 'v'), hl);
  Value ints = set::NewFor("1");
  set::Add(ints, "1", sl);
  Value strings = set::NewFor("a");
  set::Add(strings, "a", sl);
  Value small_z = zset::New(1, 1, zl);
  zset::Add(small_z, 1, "m", 0, nullptr, zl);
  Value big_z = zset::New(1000, 1, zl);
  zset::Add(big_z, 1, "m", 0, nullptr, zl);
  zset::Add(big_z, 2, "n", 0, nullptr, zl);
  Value list = ListOf({"a", "b"});

  Value lp_hash2(lp_hash), table_hash2(table_hash), ints2(ints), strings2(strings),
      small_z2(small_z), big_z2(big_z), list2(list);
  EXPECT_NE(lp_hash2.listpack(), lp_hash.listpack());
  EXPECT_EQ(lp_hash2.enc, Encoding::kListpack);
  EXPECT_EQ(table_hash2.enc, Encoding::kHashtable);
  EXPECT_EQ(ints2.enc, Encoding::kIntset);
  EXPECT_EQ(big_z2.enc, Encoding::kSkiplist);
  EXPECT_EQ(list2.type, ValueType::kList);

  hash::Set(lp_hash2, "f", "2", hl);
  hash::Set(table_hash2, "f", "2", hl);
  set::Add(ints2, "2", sl);
  set::Add(strings2, "b", sl);
  zset::Add(small_z2, 5, "m", 0, nullptr, zl);
  zset::Add(big_z2, 5, "m", 0, nullptr, zl);
  zset::Remove(big_z2, "n");
  list2.quicklist()->PushBack("c");

  EXPECT_EQ(hash::Get(lp_hash, "f"), "1");
  EXPECT_EQ(hash::Get(table_hash, "f"), std::string(100, 'v'));
  EXPECT_FALSE(set::Contains(ints, "2"));
  EXPECT_FALSE(set::Contains(strings, "b"));
  EXPECT_EQ(zset::Score(small_z, "m"), 1);
  EXPECT_EQ(zset::Score(big_z, "m"), 1);
  EXPECT_EQ(zset::Card(big_z), 2u);
  EXPECT_EQ(zset::Rank(big_z, "n", false), 1u);
  EXPECT_EQ(ListContents(list), (std::vector<std::string>{"a", "b"}));

  EXPECT_EQ(hash::Get(lp_hash2, "f"), "2");
  EXPECT_EQ(zset::Score(big_z2, "m"), 5);
  EXPECT_EQ(zset::Rank(big_z2, "m", false), 0u);
  EXPECT_EQ(ListContents(list2), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ValueTest, MoveLeavesAnEmptyString) {
  Value list = ListOf({"a", "b"});
  Quicklist* q = list.quicklist();
  Value moved(std::move(list));
  EXPECT_EQ(moved.quicklist(), q);
  EXPECT_EQ(moved.enc, Encoding::kQuicklist);
  EXPECT_EQ(list.type, ValueType::kString);  // NOLINT(bugprone-use-after-move): the contract
  EXPECT_EQ(list.enc, Encoding::kNone);
  EXPECT_FALSE(list.str.is_ptr());

  Value target = set::NewFor("1");
  target = std::move(moved);
  EXPECT_EQ(target.type, ValueType::kList);
  EXPECT_EQ(target.quicklist(), q);
  EXPECT_EQ(ListContents(target), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(moved.type, ValueType::kString);  // NOLINT(bugprone-use-after-move)
}

TEST(ValueTest, AssignmentReplacesTheRepresentation) {
  Value v(ValueType::kString, std::string(100, 's'));
  const Value list = ListOf({"x"});
  v = list;
  EXPECT_EQ(v.type, ValueType::kList);
  EXPECT_NE(v.quicklist(), list.quicklist());
  EXPECT_EQ(ListContents(v), (std::vector<std::string>{"x"}));
  const Value& self = v;
  v = self;
  EXPECT_EQ(ListContents(v), (std::vector<std::string>{"x"}));
  v = Value(ValueType::kString, "back to a string");
  EXPECT_EQ(v.type, ValueType::kString);
  EXPECT_EQ(v.enc, Encoding::kNone);
  EXPECT_FALSE(v.str.is_ptr());
  EXPECT_EQ(v.str.view(), "back to a string");
}

TEST(ValueTest, ResetSwapsEncodingAndKeepsType) {
  Value h = hash::New();
  hash::Set(h, "a", "1", hash::Limits{});
  hash::ConvertToTable(h);
  EXPECT_EQ(h.type, ValueType::kHash);
  EXPECT_EQ(h.enc, Encoding::kHashtable);
  EXPECT_EQ(hash::Get(h, "a"), "1");
  EXPECT_GT(h.MemoryUsage(), 0u);
}

// A stub's record is the cold tier's: freeing a stub hands its id back
// once, copying one gets a record of its own, moving one passes it on.
class RecordingHooks : public ColdHooks {
 public:
  void Release(uint64_t id) override { released.push_back(id); }
  uint64_t Duplicate(uint64_t id) override {
    duplicated.push_back(id);
    return next++;
  }
  std::vector<uint64_t> released, duplicated;
  uint64_t next = 100;
};

TEST(ValueTest, ColdStubsHandTheirRecordsToTheTier) {
  RecordingHooks hooks;
  SetColdHooks(&hooks);
  {
    Value stub = Value::Cold(ValueType::kHash, StringForm::kByContent, 77, {.id = 5, .bytes = 900});
    EXPECT_TRUE(stub.is_cold());
    EXPECT_EQ(stub.type, ValueType::kHash);
    EXPECT_EQ(stub.lru, 77u);
    EXPECT_EQ(stub.cold_ref().id, 5u);
    EXPECT_EQ(stub.cold_ref().bytes, 900u);
    EXPECT_STREQ(stub.EncodingName(), "cold");

    Value copy(stub);
    EXPECT_EQ(hooks.duplicated, std::vector<uint64_t>{5});
    EXPECT_EQ(copy.cold_ref().id, 100u);
    EXPECT_EQ(copy.cold_ref().bytes, 900u);

    Value moved(std::move(copy));
    EXPECT_TRUE(hooks.released.empty());
    EXPECT_EQ(moved.cold_ref().id, 100u);

    // Overwritten: the stub's record goes, once.
    moved = Value(ValueType::kString, std::string("hot again"));
    EXPECT_EQ(hooks.released, std::vector<uint64_t>{100});
  }
  // `stub` went out of scope.
  EXPECT_EQ(hooks.released, (std::vector<uint64_t>{100, 5}));
  SetColdHooks(nullptr);
  // What the value comes back with rides along, through copies too.
  Value orphan = Value::Cold(
      ValueType::kList, StringForm::kByContent, 0,
      {.id = 9, .bytes = 1, .enc = Encoding::kQuicklist, .list_fill = -5, .list_compress = 300});
  Value plain_copy(orphan);  // no tier: the bytes are copied as they are
  EXPECT_EQ(plain_copy.cold_ref().id, 9u);
  EXPECT_EQ(plain_copy.cold_ref().enc, Encoding::kQuicklist);
  EXPECT_EQ(plain_copy.cold_ref().list_fill, -5);
  EXPECT_EQ(plain_copy.cold_ref().list_compress, 300);
}

}  // namespace
}  // namespace cairn::types
