#include "snapshot/value_codec.h"

#include <liblzf/lzf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <vector>

#include "base/crc64.h"
#include "base/string_util.h"
#include "snapshot/legacy_encodings.h"
#include "snapshot/rdb_format.h"
#include "types/intset.h"
#include "types/listpack.h"
#include "types/quicklist.h"
#include "types/stream.h"

namespace cairn::snapshot {

namespace {

using types::Encoding;
using types::Value;
using types::ValueType;

// Redis's lpSafeToAdd: a collection's listpack never grows past 1 GiB (it
// converts to its big encoding instead).
constexpr uint64_t kListpackSafeBytes = uint64_t{1} << 30;
// The most a listpack can hold (its size field is 32 bits), with room for
// the header, an entry's encoding and backlen and the end byte.
constexpr uint64_t kListpackMaxBytes = UINT32_MAX;
constexpr uint64_t kListpackEntryOverhead = 16;
// quicklist.c: a node is kept compressed only if it is at least this big
// and compression saves more than this.
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;
// quicklist.c clamps list-max-listpack-size to [-5, 2^15 - 1].
constexpr int64_t kMinFill = -5;
constexpr int64_t kMaxFill = (1 << 15) - 1;
// Redis's compress depth is 16 bits.
constexpr int64_t kMaxCompressDepth = (1 << 16) - 1;

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); i++) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  }
  return v;
}

uint64_t GetBe(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string_view Blob(const unsigned char* p, size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

// Redis's rdbTryIntegerEncoding: only a string that is exactly the decimal
// form of its value (no leading zeros, no "+") is stored as an integer.
bool TryIntEncoding(std::string* out, std::string_view s) {
  if (s.size() > 11) return false;
  auto v = base::ParseInt64(s);
  if (!v || std::to_string(*v) != s) return false;
  if (*v >= INT8_MIN && *v <= INT8_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt8));
    PutLe(out, static_cast<uint64_t>(*v), 1);
  } else if (*v >= INT16_MIN && *v <= INT16_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt16));
    PutLe(out, static_cast<uint64_t>(*v), 2);
  } else if (*v >= INT32_MIN && *v <= INT32_MAX) {
    out->push_back(static_cast<char>(0xC0 | kEncInt32));
    PutLe(out, static_cast<uint64_t>(*v), 4);
  } else {
    return false;
  }
  return true;
}

// Appends `s` LZF-compressed (the 0xC3 form) when liblzf fits it in `cap`
// bytes and `accept(compressed size)` says it is worth it.
// Debian's liblzf 3.6 gives the same bytes as the copy bundled in Redis 7.0
// (checked on 3,600 DUMP payloads of redis-server 7.0.15), so payloads and
// files are byte-identical.
template <typename Accept>
bool TryLzf(std::string* out, std::string_view s, size_t cap, Accept&& accept) {
  if (s.size() <= 4 || s.size() > UINT32_MAX || cap == 0) return false;
  std::string buf(cap, '\0');
  const unsigned int n = lzf_compress(s.data(), static_cast<unsigned>(s.size()), buf.data(),
                                      static_cast<unsigned>(cap));
  if (n == 0 || !accept(size_t{n})) return false;
  out->push_back(static_cast<char>(0xC0 | kEncLzf));
  EncodeLength(out, n);
  EncodeLength(out, s.size());
  out->append(buf.data(), n);
  return true;
}

void EncodeList(std::string* out, const types::Quicklist& ql, bool compress) {
  const uint64_t nodes = ql.node_count();
  const uint64_t d = static_cast<uint64_t>(ql.compress());
  EncodeLength(out, nodes);
  uint64_t i = 0;
  ql.ForEachNode([&](const unsigned char* lp) {
    EncodeLength(out, kQuicklistNodePacked);
    const std::string_view bytes = Blob(lp, types::lp::Bytes(lp));
    // With list-compress-depth d, Redis holds every node but the d at each
    // end LZF-compressed (quicklist.c __quicklistCompressNode: output room
    // of the node's size, kept only if big enough and worth it) and writes
    // those bytes as they are, even with rdbcompression no.
    const bool interior = d > 0 && i >= d && nodes - i > d;
    const bool written =
        interior && bytes.size() >= kMinCompressBytes &&
        TryLzf(out, bytes, bytes.size(),
               [&](size_t n) { return n + kMinCompressImprove < bytes.size(); });
    if (!written) EncodeString(out, bytes, compress);
    i++;
  });
}

void EncodeDouble(std::string* out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  PutLe(out, bits, 8);
}

}  // namespace

void EncodeLength(std::string* out, uint64_t len) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; i--) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

void EncodeString(std::string* out, std::string_view s, bool compress) {
  if (TryIntEncoding(out, s)) return;
  // rdbSaveLzfStringObject: output room of len - 4, so it saves >= 4 bytes.
  if (compress && s.size() > 20 &&
      TryLzf(out, s, s.size() - 4, [](size_t) { return true; })) {
    return;
  }
  EncodeLength(out, s.size());
  out->append(s);
}

uint8_t RdbTypeOf(const Value& v) {
  switch (v.type) {
    case ValueType::kString:
      return kRdbTypeString;
    case ValueType::kList:
      return kRdbTypeListQuicklist2;
    case ValueType::kSet:
      return v.enc == Encoding::kIntset ? kRdbTypeSetIntset : kRdbTypeSet;
    case ValueType::kZSet:
      return v.enc == Encoding::kListpack ? kRdbTypeZSetListpack : kRdbTypeZSet2;
    case ValueType::kHash:
      return v.enc == Encoding::kListpack ? kRdbTypeHashListpack : kRdbTypeHash;
    case ValueType::kStream:
      return kRdbTypeStreamListpacks2;
  }
  return kRdbTypeString;
}

namespace {

// STREAM_LISTPACKS_2, as Redis 7.0 writes it (doc/stream-rdb.md): the
// nodes (master ID, listpack), the stream's IDs and counters, then each
// consumer group with its PEL and consumers, every map in key order.
void EncodeStream(std::string* out, const types::Stream& s, bool compress) {
  EncodeLength(out, s.nodes().size());
  for (const auto& [master, lp] : s.nodes()) {
    EncodeString(out, master.Encode(), compress);
    EncodeString(out, Blob(lp, types::lp::Bytes(lp)), compress);
  }
  auto id = [&](types::StreamID i) {
    EncodeLength(out, i.ms);
    EncodeLength(out, i.seq);
  };
  EncodeLength(out, s.length());
  id(s.last_id());
  id(s.first_id());
  id(s.max_deleted_id());
  EncodeLength(out, s.entries_added());
  EncodeLength(out, s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    EncodeString(out, name, compress);
    id(g->last_id);
    EncodeLength(out, static_cast<uint64_t>(g->entries_read));
    EncodeLength(out, g->pel.size());
    for (const auto& [pid, nack] : g->pel) {
      out->append(pid.Encode());
      PutLe(out, static_cast<uint64_t>(nack.delivery_time), 8);
      EncodeLength(out, nack.delivery_count);
    }
    EncodeLength(out, g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      EncodeString(out, cname, compress);
      PutLe(out, static_cast<uint64_t>(c->seen_time), 8);
      EncodeLength(out, c->pel.size());
      for (const auto& [pid, unused] : c->pel) out->append(pid.Encode());
    }
  }
}

}  // namespace

void EncodeValue(std::string* out, const Value& v, bool compress) {
  switch (v.type) {
    case ValueType::kString:
      EncodeString(out, v.str, compress);
      return;
    case ValueType::kList:
      EncodeList(out, *v.quicklist(), compress);
      return;
    case ValueType::kSet:
      if (v.enc == Encoding::kIntset) {
        EncodeString(out, Blob(v.intset(), types::intset::Bytes(v.intset())), compress);
        return;
      }
      EncodeLength(out, v.set_table()->size());
      for (const auto& [member, unused] : *v.set_table()) EncodeString(out, member, compress);
      return;
    case ValueType::kZSet:
      if (v.enc == Encoding::kListpack) {
        EncodeString(out, Blob(v.listpack(), types::lp::Bytes(v.listpack())), compress);
        return;
      }
      // ZSET_2, from the highest score down, as Redis writes it (so that
      // loading inserts each member at the head of the skiplist).
      EncodeLength(out, v.zset_index()->order.size());
      for (auto* n = v.zset_index()->order.Last(); n != nullptr; n = n->backward) {
        EncodeString(out, n->member, compress);
        EncodeDouble(out, n->score);
      }
      return;
    case ValueType::kHash:
      if (v.enc == Encoding::kListpack) {
        EncodeString(out, Blob(v.listpack(), types::lp::Bytes(v.listpack())), compress);
        return;
      }
      EncodeLength(out, v.hash_table()->size());
      for (const auto& [field, value] : *v.hash_table()) {
        EncodeString(out, field, compress);
        EncodeString(out, value, compress);
      }
      return;
    case ValueType::kStream:
      EncodeStream(out, *v.stream(), compress);
      return;
  }
}

std::string DumpPayload(const Value& v, bool compress) {
  std::string out;
  out.push_back(static_cast<char>(RdbTypeOf(v)));
  EncodeValue(&out, v, compress);
  PutLe(&out, kRdbVersion, 2);
  PutLe(&out, base::Crc64(0, out.data(), out.size()), 8);
  return out;
}

base::Status RdbInput::ErrorAt(size_t pos, const std::string& what) const {
  return base::Status::Corruption(name_ + ": " + what + " at offset " +
                                  std::to_string(base_ + pos));
}

base::Status RdbInput::Error(const std::string& what) const { return ErrorAt(pos_, what); }

base::Result<uint8_t> RdbInput::Byte() {
  if (pos_ >= data_.size()) return Error("unexpected end of file");
  return static_cast<uint8_t>(data_[pos_++]);
}

base::Result<std::string_view> RdbInput::Bytes(size_t n) {
  if (n > data_.size() - pos_) return Error("unexpected end of file");
  std::string_view b = data_.substr(pos_, n);
  pos_ += n;
  return b;
}

base::Result<uint64_t> RdbInput::Length(bool* encoded) {
  if (encoded) *encoded = false;
  auto first = Byte();
  if (!first.ok()) return first.status();
  const uint8_t b = first.value();
  switch (b >> 6) {
    case 0:
      return b & 0x3f;
    case 1: {
      auto next = Byte();
      if (!next.ok()) return next.status();
      return (static_cast<uint64_t>(b & 0x3f) << 8) | next.value();
    }
    case 2: {
      size_t n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
      if (n == 0) return ErrorAt(pos_ - 1, "bad length encoding");
      auto bytes = Bytes(n);
      if (!bytes.ok()) return bytes.status();
      return GetBe(bytes.value());
    }
    default:
      if (encoded == nullptr) return ErrorAt(pos_ - 1, "unexpected encoded length");
      *encoded = true;
      return b & 0x3f;
  }
}

base::Result<std::string> RdbInput::String() {
  const size_t start = pos_;
  bool encoded = false;
  auto len = Length(&encoded);
  if (!len.ok()) return len.status();
  if (!encoded) {
    if (len.value() > remaining()) return Error("string length " + std::to_string(len.value()) +
                                                " beyond the end of the file");
    auto b = Bytes(len.value());
    if (!b.ok()) return b.status();
    return std::string(b.value());
  }
  switch (len.value()) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      const size_t n = len.value() == kEncInt8 ? 1 : len.value() == kEncInt16 ? 2 : 4;
      auto b = Bytes(n);
      if (!b.ok()) return b.status();
      uint64_t raw = GetLe(b.value());
      int64_t v = n == 1 ? static_cast<int8_t>(raw) : n == 2 ? static_cast<int16_t>(raw)
                                                             : static_cast<int32_t>(raw);
      return std::to_string(v);
    }
    case kEncLzf: {
      auto clen = Length();
      if (!clen.ok()) return clen.status();
      auto ulen = Length();
      if (!ulen.ok()) return ulen.status();
      if (clen.value() > remaining()) return Error("compressed string beyond the end of the file");
      if (ulen.value() > (1ULL << 32) - 1 || clen.value() == 0) {
        return ErrorAt(start, "bad compressed string lengths");
      }
      auto b = Bytes(clen.value());
      if (!b.ok()) return b.status();
      std::string out(ulen.value(), '\0');
      unsigned int n = lzf_decompress(b.value().data(), static_cast<unsigned>(clen.value()),
                                      out.data(), static_cast<unsigned>(out.size()));
      if (n != ulen.value()) return ErrorAt(start, "invalid LZF compressed string");
      return out;
    }
    default:
      return ErrorAt(start, "unknown string encoding " + std::to_string(len.value()));
  }
}

base::Status CheckLoadableType(const RdbInput& in, size_t pos, uint8_t type) {
  const RdbTypeInfo* info = FindRdbType(type);
  if (info == nullptr) return in.ErrorAt(pos, "unknown value type " + std::to_string(type));
  if (!info->loadable) {
    return base::Status::NotSupported(
        in.ErrorAt(pos, "a value of type '" + std::string(info->name) +
                            "', which this version of Cairn cannot hold yet,")
            .message());
  }
  return base::Status::Ok();
}

namespace {

namespace lp = types::lp;
using Decoded = base::Result<std::optional<Value>>;

Decoded Some(Value v) { return std::optional<Value>(std::move(v)); }
// An empty collection: Redis skips the key in a file, RESTORE refuses it.
Decoded Empty() { return std::optional<Value>(); }

// Decodes one value body; every error names the value's type and the
// offset where its body starts.
class ValueDecoder {
 public:
  ValueDecoder(RdbInput& in, uint8_t type, const LoadLimits& limits)
      : in_(in), type_(type), limits_(limits), start_(in.pos()) {}

  Decoded Decode();

 private:
  base::Status Bad(const std::string& what) const {
    const RdbTypeInfo* info = FindRdbType(type_);
    return in_.ErrorAt(start_, what + " in a value of type '" +
                                   std::string(info ? info->name : "?") + "'");
  }
  // A count read before that many elements: reserving for it is bounded by
  // the bytes left, as every element takes at least one.
  size_t ReserveFor(uint64_t n) const {
    return static_cast<size_t>(std::min<uint64_t>(n, in_.remaining()));
  }
  // Appends `s` to a listpack being built, refusing what a listpack cannot
  // hold (4 GiB; only files that big can get there).
  base::Status Append(unsigned char** lp, std::string_view s) const;

  Value NewList() const;
  Decoded ListOfStrings();
  Decoded ListZiplist();
  Decoded ListQuicklist();
  Decoded ListQuicklist2();
  Decoded SetOfStrings();
  Decoded SetIntset();
  Decoded SetListpack();
  Decoded ZSetOfPairs(bool binary_scores);
  Decoded ZSetZiplist();
  Decoded ZSetListpack();
  Decoded HashOfPairs();
  Decoded HashZipmap();
  Decoded HashZiplist();
  Decoded HashListpack();
  Decoded Stream();
  // The pair encodings of sorted sets and hashes, which differ only in the
  // type, the entry limit and the conversion beyond it.
  Decoded PairsZiplist(ValueType type, size_t max_entries, void (*convert)(Value&));
  Decoded PairsListpack(ValueType type, size_t max_entries, void (*convert)(Value&));

  base::Result<double> StringScore();
  // Checks a (field or member, value or score) sequence: an even count, no
  // field twice (compared as strings, integers in decimal, as Redis's
  // deep check does) and, for a sorted set, no NaN score.
  base::Status CheckPairs(const std::vector<std::string>& entries) const;
  base::Status CheckListpackPairs(std::string_view blob, size_t count) const;
  // The listpack holding `entries` (ziplists and zipmaps become listpacks).
  base::Result<unsigned char*> ListpackOf(const std::vector<std::string>& entries) const;

  RdbInput& in_;
  const uint8_t type_;
  const LoadLimits& limits_;
  const size_t start_;
};

base::Status ValueDecoder::Append(unsigned char** lp, std::string_view s) const {
  if (lp::Bytes(*lp) + s.size() + kListpackEntryOverhead > kListpackMaxBytes) {
    return Bad("an element too big for a listpack");
  }
  *lp = lp::Append(*lp, s);
  return base::Status::Ok();
}

base::Result<unsigned char*> ValueDecoder::ListpackOf(
    const std::vector<std::string>& entries) const {
  unsigned char* lp = lp::New();
  for (const std::string& e : entries) {
    base::Status s = Append(&lp, e);
    if (!s.ok()) {
      lp::Free(lp);
      return s;
    }
  }
  return lp;
}

// A score that is NaN is refused: a sorted set cannot order it (Redis
// refuses it in ZSET and ZSET_2 bodies; Cairn in listpacks too).
bool IsNanScore(std::string_view s) {
  const std::string copy(s);
  return std::isnan(std::strtod(copy.c_str(), nullptr));
}

base::Status ValueDecoder::CheckPairs(const std::vector<std::string>& entries) const {
  if (entries.size() % 2 != 0) return Bad("an odd number of entries");
  std::unordered_set<std::string_view> seen;
  seen.reserve(entries.size() / 2);
  for (size_t i = 0; i < entries.size(); i += 2) {
    if (!seen.insert(entries[i]).second) return Bad("a duplicate field or member");
    if (type_ == kRdbTypeZSetZiplist && IsNanScore(entries[i + 1])) return Bad("a NaN score");
  }
  return base::Status::Ok();
}

base::Status ValueDecoder::CheckListpackPairs(std::string_view blob, size_t count) const {
  if (count % 2 != 0) return Bad("an odd number of entries");
  const auto* l = reinterpret_cast<const unsigned char*>(blob.data());
  std::unordered_set<std::string> seen;
  seen.reserve(count / 2);
  for (unsigned char* p = lp::First(l); p != nullptr;) {
    unsigned char* second = lp::Next(l, p);
    if (!seen.insert(lp::Get(p).ToString()).second) return Bad("a duplicate field or member");
    if (type_ == kRdbTypeZSetListpack) {
      const lp::Element score = lp::Get(second);
      if (!score.is_int && IsNanScore(score.sval)) return Bad("a NaN score");
    }
    p = lp::Next(l, second);
  }
  return base::Status::Ok();
}

Value ValueDecoder::NewList() const {
  const int fill = static_cast<int>(std::clamp(limits_.list_max_listpack_size, kMinFill, kMaxFill));
  const int depth = static_cast<int>(std::clamp<int64_t>(limits_.list_compress_depth, 0, kMaxCompressDepth));
  return Value(ValueType::kList, Encoding::kQuicklist, new types::Quicklist(fill, depth));
}

// LIST (1): elements pushed one by one, so nodes split by the current
// list-max-listpack-size, as Redis 7.0 loads them.
Decoded ValueDecoder::ListOfStrings() {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  Value v = NewList();
  for (uint64_t i = 0; i < n.value(); i++) {
    auto s = in_.String();
    if (!s.ok()) return s.status();
    if (s.value().size() + kListpackEntryOverhead * 2 > kListpackMaxBytes) {
      return Bad("an element too big for a listpack");
    }
    v.quicklist()->PushBack(s.value());
  }
  return Some(std::move(v));
}

// LIST_ZIPLIST (10): one ziplist, its elements pushed one by one.
Decoded ValueDecoder::ListZiplist() {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  auto entries = ZiplistEntries(blob.value());
  if (!entries) return Bad("an invalid ziplist");
  if (entries->empty()) return Empty();
  Value v = NewList();
  for (const std::string& e : *entries) {
    if (e.size() + kListpackEntryOverhead * 2 > kListpackMaxBytes) {
      return Bad("an element too big for a listpack");
    }
    v.quicklist()->PushBack(e);
  }
  return Some(std::move(v));
}

// LIST_QUICKLIST (14): one listpack node per ziplist node, not re-split;
// empty nodes are dropped.
Decoded ValueDecoder::ListQuicklist() {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  Value v = NewList();
  for (uint64_t i = 0; i < n.value(); i++) {
    auto blob = in_.String();
    if (!blob.ok()) return blob.status();
    auto entries = ZiplistEntries(blob.value());
    if (!entries) return Bad("an invalid ziplist node");
    if (entries->empty()) continue;
    auto node = ListpackOf(*entries);
    if (!node.ok()) return node.status();
    v.quicklist()->AppendNode(node.value());
  }
  if (v.quicklist()->size() == 0) return Empty();
  return Some(std::move(v));
}

// LIST_QUICKLIST_2 (18): nodes kept as they are stored, not re-split.
// Empty listpack nodes are dropped (as Redis does); a PLAIN node, which
// Redis uses for elements of 1 GiB or more, becomes a one-element listpack
// node since Cairn's quicklist holds listpacks only.
Decoded ValueDecoder::ListQuicklist2() {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  Value v = NewList();
  for (uint64_t i = 0; i < n.value(); i++) {
    auto container = in_.Length();
    if (!container.ok()) return container.status();
    if (container.value() != kQuicklistNodePlain && container.value() != kQuicklistNodePacked) {
      return Bad("a quicklist node of unknown container " + std::to_string(container.value()));
    }
    auto blob = in_.String();
    if (!blob.ok()) return blob.status();
    if (blob.value().empty()) return Bad("an empty quicklist node");
    if (container.value() == kQuicklistNodePlain) {
      unsigned char* node = lp::New();
      base::Status s = Append(&node, blob.value());
      if (!s.ok()) {
        lp::Free(node);
        return s;
      }
      v.quicklist()->AppendNode(node);
      continue;
    }
    size_t count = 0;
    if (!lp::Validate(blob.value(), &count)) return Bad("an invalid listpack node");
    if (count == 0) continue;
    v.quicklist()->AppendNode(lp::FromBytes(blob.value()));
  }
  if (v.quicklist()->size() == 0) return Empty();
  return Some(std::move(v));
}

// SET (2): an intset while every member is an integer and there are at
// most set-max-intset-entries of them, a hash table otherwise.
Decoded ValueDecoder::SetOfStrings() {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  Value v = types::set::NewIntset();
  if (n.value() > limits_.set.max_intset_entries) {
    auto* table = new types::SetTable;
    table->Reserve(ReserveFor(n.value()));
    v.Reset(Encoding::kHashtable, table);
  }
  for (uint64_t i = 0; i < n.value(); i++) {
    auto s = in_.String();
    if (!s.ok()) return s.status();
    if (!types::set::Add(v, s.value(), limits_.set)) return Bad("a duplicate member");
  }
  return Some(std::move(v));
}

// SET_INTSET (11): kept as it is (its width too); a hash table beyond
// set-max-intset-entries.
Decoded ValueDecoder::SetIntset() {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  // Validate refuses an empty intset: Redis 7.0 does too (a hard error,
  // not an empty key).
  if (!types::intset::Validate(blob.value())) return Bad("an invalid intset");
  Value v(ValueType::kSet, Encoding::kIntset, types::intset::FromBytes(blob.value()));
  if (types::intset::Length(v.intset()) > limits_.set.max_intset_entries) {
    types::set::ConvertToTable(v);
  }
  return Some(std::move(v));
}

// SET_LISTPACK (20, Redis 7.2): Redis 7.0 has no listpack sets, so the
// members go to an intset or a hash table as SET's do.
Decoded ValueDecoder::SetListpack() {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  size_t count = 0;
  if (!lp::Validate(blob.value(), &count)) return Bad("an invalid listpack");
  if (count == 0) return Empty();
  Value v = types::set::NewIntset();
  if (count > limits_.set.max_intset_entries) types::set::ConvertToTable(v);
  const auto* l = reinterpret_cast<const unsigned char*>(blob.value().data());
  for (unsigned char* p = lp::First(l); p != nullptr; p = lp::Next(l, p)) {
    if (!types::set::Add(v, lp::Get(p).ToString(), limits_.set)) return Bad("a duplicate member");
  }
  return Some(std::move(v));
}

// ZSET's score (type 3): a length byte, 253 NaN, 254 +inf, 255 -inf, else
// that many bytes of text, read as Redis reads it (sscanf "%lg": leading
// spaces, hex and trailing junk accepted).
base::Result<double> ValueDecoder::StringScore() {
  auto len = in_.Byte();
  if (!len.ok()) return len.status();
  switch (len.value()) {
    case 253: return std::nan("");
    case 254: return HUGE_VAL;
    case 255: return -HUGE_VAL;
    default: break;
  }
  auto text = in_.Bytes(len.value());
  if (!text.ok()) return text.status();
  const std::string copy(text.value());
  double d = 0;
  if (std::sscanf(copy.c_str(), "%lg", &d) != 1) return Bad("an unreadable score");
  return d;
}

// ZSET (3) and ZSET_2 (5): built as a skiplist, then a listpack when it
// fits zset-max-listpack-entries/-value (and 1 GiB), as Redis 7.0 loads it.
Decoded ValueDecoder::ZSetOfPairs(bool binary_scores) {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  auto* index = new types::ZSetIndex;
  Value v(ValueType::kZSet, Encoding::kSkiplist, index);
  index->scores.Reserve(ReserveFor(n.value()));
  size_t max_len = 0;
  uint64_t total_len = 0;
  for (uint64_t i = 0; i < n.value(); i++) {
    auto member = in_.String();
    if (!member.ok()) return member.status();
    double score;
    if (binary_scores) {
      auto b = in_.Bytes(8);
      if (!b.ok()) return b.status();
      const uint64_t bits = GetLe(b.value());
      std::memcpy(&score, &bits, sizeof(score));
    } else {
      auto s = StringScore();
      if (!s.ok()) return s.status();
      score = s.value();
    }
    if (std::isnan(score)) return Bad("a NaN score");
    if (!index->scores.Insert(member.value(), score)) return Bad("a duplicate member");
    index->order.Insert(score, member.value());
    max_len = std::max(max_len, member.value().size());
    total_len += member.value().size();
  }
  if (total_len <= kListpackSafeBytes) {
    types::zset::ConvertToListpackIfFits(v, max_len, limits_.zset);
  }
  return Some(std::move(v));
}

// ZSET_ZIPLIST (12): the entries copied into a listpack; a skiplist beyond
// zset-max-listpack-entries (member lengths are not checked, as in Redis).
Decoded ValueDecoder::ZSetZiplist() {
  return PairsZiplist(ValueType::kZSet, limits_.zset.max_listpack_entries,
                      types::zset::ConvertToSkiplist);
}

Decoded ValueDecoder::PairsZiplist(ValueType type, size_t max_entries, void (*convert)(Value&)) {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  auto entries = ZiplistEntries(blob.value());
  if (!entries) return Bad("an invalid ziplist");
  if (entries->empty()) return Empty();
  CAIRN_RETURN_IF_ERROR(CheckPairs(*entries));
  auto l = ListpackOf(*entries);
  if (!l.ok()) return l.status();
  Value v(type, Encoding::kListpack, l.value());
  if (entries->size() / 2 > max_entries) convert(v);
  return Some(std::move(v));
}

// ZSET_LISTPACK (17): kept as it is; a skiplist beyond
// zset-max-listpack-entries. The order is not checked (nor by Redis).
Decoded ValueDecoder::ZSetListpack() {
  return PairsListpack(ValueType::kZSet, limits_.zset.max_listpack_entries,
                       types::zset::ConvertToSkiplist);
}

Decoded ValueDecoder::PairsListpack(ValueType type, size_t max_entries, void (*convert)(Value&)) {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  size_t count = 0;
  if (!lp::Validate(blob.value(), &count)) return Bad("an invalid listpack");
  if (count == 0) return Empty();
  CAIRN_RETURN_IF_ERROR(CheckListpackPairs(blob.value(), count));
  Value v(type, Encoding::kListpack, lp::FromBytes(blob.value()));
  if (count / 2 > max_entries) convert(v);
  return Some(std::move(v));
}

// HASH (4): a hash table from the start beyond hash-max-listpack-entries;
// otherwise a listpack until a field or value is longer than
// hash-max-listpack-value (or the listpack would pass 1 GiB), then a hash
// table from there on, as Redis 7.0 loads it.
Decoded ValueDecoder::HashOfPairs() {
  auto n = in_.Length();
  if (!n.ok()) return n.status();
  if (n.value() == 0) return Empty();
  Value v = types::hash::New();
  if (n.value() > limits_.hash.max_listpack_entries) {
    auto* table = new types::HashMap;
    table->Reserve(ReserveFor(n.value()));
    v.Reset(Encoding::kHashtable, table);
  }
  // Fields seen while the hash is a listpack (a table finds its own).
  std::unordered_set<std::string> seen;
  for (uint64_t i = 0; i < n.value(); i++) {
    auto field = in_.String();
    if (!field.ok()) return field.status();
    auto value = in_.String();
    if (!value.ok()) return value.status();
    const std::string& f = field.value();
    const std::string& val = value.value();
    if (v.enc == Encoding::kListpack) {
      if (!seen.insert(f).second) return Bad("a duplicate field");
      if (f.size() > limits_.hash.max_listpack_value ||
          val.size() > limits_.hash.max_listpack_value ||
          lp::Bytes(v.listpack()) + f.size() + val.size() > kListpackSafeBytes) {
        types::hash::ConvertToTable(v);
        seen.clear();
      }
    }
    if (v.enc == Encoding::kListpack) {
      unsigned char* l = lp::Append(v.listpack(), f);
      v.set_rep(lp::Append(l, val));
    } else if (!v.hash_table()->Insert(f, val)) {
      return Bad("a duplicate field");
    }
  }
  return Some(std::move(v));
}

// HASH_ZIPMAP (9, Redis <= 2.4): a listpack, or a hash table when it has
// more than hash-max-listpack-entries pairs or a longer field or value.
Decoded ValueDecoder::HashZipmap() {
  auto blob = in_.String();
  if (!blob.ok()) return blob.status();
  auto pairs = ZipmapPairs(blob.value());
  if (!pairs) return Bad("an invalid zipmap");
  std::vector<std::string> entries;
  entries.reserve(pairs->size() * 2);
  size_t max_len = 0;
  uint64_t total = 0;
  for (auto& [f, val] : *pairs) {
    max_len = std::max({max_len, f.size(), val.size()});
    total += f.size() + val.size();
    entries.push_back(std::move(f));
    entries.push_back(std::move(val));
  }
  CAIRN_RETURN_IF_ERROR(CheckPairs(entries));
  if (total > kListpackSafeBytes) return Bad("a zipmap too big for a listpack");
  auto l = ListpackOf(entries);
  if (!l.ok()) return l.status();
  Value v(ValueType::kHash, Encoding::kListpack, l.value());
  if (pairs->size() > limits_.hash.max_listpack_entries ||
      max_len > limits_.hash.max_listpack_value) {
    types::hash::ConvertToTable(v);
  }
  return Some(std::move(v));
}

// HASH_ZIPLIST (13): the entries copied into a listpack; a hash table beyond
// hash-max-listpack-entries (lengths are not checked, as in Redis).
Decoded ValueDecoder::HashZiplist() {
  return PairsZiplist(ValueType::kHash, limits_.hash.max_listpack_entries,
                      types::hash::ConvertToTable);
}

// HASH_LISTPACK (16): kept as it is; a hash table beyond
// hash-max-listpack-entries (lengths are not checked, as in Redis).
Decoded ValueDecoder::HashListpack() {
  return PairsListpack(ValueType::kHash, limits_.hash.max_listpack_entries,
                       types::hash::ConvertToTable);
}

// STREAM_LISTPACKS (Redis 5, 6), _2 (7.0), _3 (7.2: consumers' active
// time). Every node is checked as a stream node, the counts against the
// entries, every PEL entry against its group's (Redis's deep check). The
// fields 7.0 added are derived for the older type as Redis 7.0 derives them.
Decoded ValueDecoder::Stream() {
  using types::StreamID;
  auto s = std::make_unique<types::Stream>();
  auto length = [&]() -> base::Result<uint64_t> { return in_.Length(); };
  auto read_id = [&](StreamID* id) -> base::Status {
    auto ms = length();
    if (!ms.ok()) return ms.status();
    auto seq = length();
    if (!seq.ok()) return seq.status();
    *id = StreamID{ms.value(), seq.value()};
    return base::Status::Ok();
  };
  auto raw_id = [&](StreamID* id) -> base::Status {
    auto b = in_.Bytes(16);
    if (!b.ok()) return b.status();
    *id = StreamID::Decode(b.value().data());
    return base::Status::Ok();
  };
  auto ms_time = [&](int64_t* t) -> base::Status {
    auto b = in_.Bytes(8);
    if (!b.ok()) return b.status();
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<unsigned char>(b.value()[i]);
    *t = static_cast<int64_t>(v);
    return base::Status::Ok();
  };
  auto nodes = length();
  if (!nodes.ok()) return nodes.status();
  uint64_t live = 0;
  StreamID prev_master;
  std::optional<StreamID> last_live;
  for (uint64_t i = 0; i < nodes.value(); i++) {
    auto key = in_.String();
    if (!key.ok()) return key.status();
    if (key.value().size() != 16) return Bad("a stream node key that is not 16 bytes");
    const StreamID master = StreamID::Decode(key.value().data());
    auto blob = in_.String();
    if (!blob.ok()) return blob.status();
    size_t count = 0;
    if (!lp::Validate(blob.value(), &count)) return Bad("a corrupt listpack");
    if (count == 0) return Bad("an empty listpack in a stream");
    unsigned char* node = lp::FromBytes(blob.value());
    uint64_t n = 0;
    StreamID first, last;
    if (!types::Stream::CheckNode(master, node, &n, &first, &last) ||
        (i > 0 && master <= prev_master) || (n > 0 && last_live && first <= *last_live)) {
      lp::Free(node);
      return Bad("a malformed stream node");
    }
    if (n > 0) last_live = last;
    prev_master = master;
    s->AdoptNode(master, node);
    live += n;
  }
  auto len = length();
  if (!len.ok()) return len.status();
  if (len.value() != live) return Bad("a stream length that is not its entries'");
  StreamID last_id, first_id, max_deleted;
  CAIRN_RETURN_IF_ERROR(read_id(&last_id));
  if (last_live && last_id < *last_live) return Bad("a last ID below the stream's entries");
  s->set_last_id(last_id);
  if (type_ == kRdbTypeStreamListpacks) {
    s->UpdateFirstId();
    // (Redis 7.0 leaves the "none found" ID there for an empty stream.)
    if (live == 0) s->set_first_id(StreamID::Max());
    s->set_entries_added(live);
  } else {
    CAIRN_RETURN_IF_ERROR(read_id(&first_id));
    CAIRN_RETURN_IF_ERROR(read_id(&max_deleted));
    auto added = length();
    if (!added.ok()) return added.status();
    s->set_first_id(first_id);  // (as stored: Redis keeps what it wrote)
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(added.value());
  }
  auto ngroups = length();
  if (!ngroups.ok()) return ngroups.status();
  for (uint64_t i = 0; i < ngroups.value(); i++) {
    auto name = in_.String();
    if (!name.ok()) return name.status();
    auto g = std::make_unique<types::StreamGroup>();
    CAIRN_RETURN_IF_ERROR(read_id(&g->last_id));
    if (type_ == kRdbTypeStreamListpacks) {
      g->entries_read = types::StreamEstimateDistance(*s, g->last_id);
    } else {
      auto read = length();
      if (!read.ok()) return read.status();
      g->entries_read = static_cast<int64_t>(read.value());
    }
    auto npel = length();
    if (!npel.ok()) return npel.status();
    for (uint64_t j = 0; j < npel.value(); j++) {
      StreamID id;
      CAIRN_RETURN_IF_ERROR(raw_id(&id));
      types::StreamNack nack;
      CAIRN_RETURN_IF_ERROR(ms_time(&nack.delivery_time));
      auto delivered = length();
      if (!delivered.ok()) return delivered.status();
      nack.delivery_count = delivered.value();
      if (!g->pel.emplace(id, nack).second) return Bad("a PEL entry twice in a consumer group");
    }
    auto nconsumers = length();
    if (!nconsumers.ok()) return nconsumers.status();
    for (uint64_t j = 0; j < nconsumers.value(); j++) {
      auto cname = in_.String();
      if (!cname.ok()) return cname.status();
      auto c = std::make_unique<types::StreamConsumer>();
      c->name = cname.value();
      CAIRN_RETURN_IF_ERROR(ms_time(&c->seen_time));
      if (type_ == kRdbTypeStreamListpacks3) CAIRN_RETURN_IF_ERROR(ms_time(&c->active_time));
      auto owned = length();
      if (!owned.ok()) return owned.status();
      for (uint64_t k = 0; k < owned.value(); k++) {
        StreamID id;
        CAIRN_RETURN_IF_ERROR(raw_id(&id));
        auto it = g->pel.find(id);
        if (it == g->pel.end() || it->second.consumer != nullptr) {
          return Bad("a consumer's pending entry missing from its group's PEL");
        }
        it->second.consumer = c.get();
        c->pel.emplace(id, &it->second);
      }
      if (!g->consumers.emplace(c->name, std::move(c)).second) {
        return Bad("a consumer twice in a consumer group");
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (nack.consumer == nullptr) return Bad("a PEL entry without a consumer");
    }
    if (!s->groups().emplace(name.value(), std::move(g)).second) {
      return Bad("a consumer group twice in a stream");
    }
  }
  return Some(Value(ValueType::kStream, Encoding::kStream, s.release()));
}

Decoded ValueDecoder::Decode() {
  switch (type_) {
    case kRdbTypeString: {
      auto s = in_.String();
      if (!s.ok()) return s.status();
      return Some(Value{ValueType::kString, std::move(s).value()});
    }
    case kRdbTypeList: return ListOfStrings();
    case kRdbTypeListZiplist: return ListZiplist();
    case kRdbTypeListQuicklist: return ListQuicklist();
    case kRdbTypeListQuicklist2: return ListQuicklist2();
    case kRdbTypeSet: return SetOfStrings();
    case kRdbTypeSetIntset: return SetIntset();
    case kRdbTypeSetListpack: return SetListpack();
    case kRdbTypeZSet: return ZSetOfPairs(/*binary_scores=*/false);
    case kRdbTypeZSet2: return ZSetOfPairs(/*binary_scores=*/true);
    case kRdbTypeZSetZiplist: return ZSetZiplist();
    case kRdbTypeZSetListpack: return ZSetListpack();
    case kRdbTypeHash: return HashOfPairs();
    case kRdbTypeHashZipmap: return HashZipmap();
    case kRdbTypeHashZiplist: return HashZiplist();
    case kRdbTypeHashListpack: return HashListpack();
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
    case kRdbTypeStreamListpacks3: return Stream();
    default: break;
  }
  // CheckLoadableType let through a type with no decoder: the table and
  // this switch disagree.
  return Bad("a type Cairn has no decoder for");
}

}  // namespace

base::Result<std::optional<Value>> DecodeValue(RdbInput& in, uint8_t type,
                                               const LoadLimits& limits) {
  CAIRN_RETURN_IF_ERROR(CheckLoadableType(in, in.pos(), type));
  return ValueDecoder(in, type, limits).Decode();
}

std::string FunctionsDumpPayload(const std::vector<std::string>& codes, bool compress) {
  std::string out;
  for (const std::string& code : codes) {
    out.push_back(static_cast<char>(kOpFunction2));
    EncodeString(&out, code, compress);
  }
  PutLe(&out, kRdbVersion, 2);
  PutLe(&out, base::Crc64(0, out.data(), out.size()), 8);
  return out;
}

base::Result<std::vector<std::string>> FunctionsRestorePayload(std::string_view payload) {
  if (payload.size() < 10) {
    return base::Status::InvalidArgument("DUMP payload version or checksum are wrong");
  }
  const uint64_t version = GetLe(payload.substr(payload.size() - 10, 2));
  const uint64_t crc = GetLe(payload.substr(payload.size() - 8, 8));
  if (version > kRdbVersion || base::Crc64(0, payload.data(), payload.size() - 8) != crc) {
    return base::Status::InvalidArgument("DUMP payload version or checksum are wrong");
  }
  RdbInput in(payload.substr(0, payload.size() - 10), "payload");
  std::vector<std::string> codes;
  while (in.remaining() > 0) {
    auto op = in.Byte();
    if (!op.ok() || op.value() != kOpFunction2) {
      return base::Status::InvalidArgument("given type is not a function");
    }
    auto code = in.String();
    if (!code.ok()) return base::Status::InvalidArgument("failed loading the given functions payload");
    codes.push_back(std::move(code).value());
  }
  return codes;
}

base::Result<Value> RestorePayload(std::string_view payload, const LoadLimits& limits) {
  // Footer: RDB version (2 bytes LE), then CRC-64 of everything before it.
  if (payload.size() < 10) return base::Status::InvalidArgument("payload too short");
  const uint64_t version = GetLe(payload.substr(payload.size() - 10, 2));
  const uint64_t crc = GetLe(payload.substr(payload.size() - 8, 8));
  if (version > kRdbVersion ||
      base::Crc64(0, payload.data(), payload.size() - 8) != crc) {
    return base::Status::InvalidArgument("DUMP payload version or checksum are wrong");
  }
  const base::Status bad = base::Status::Corruption("Bad data format");
  RdbInput in(payload.substr(0, payload.size() - 10), "payload");
  auto type = in.Byte();
  if (!type.ok()) return bad;
  // Redis 7.0's RESTORE knows no type newer than itself.
  const RdbTypeInfo* info = FindRdbType(type.value());
  if (info == nullptr || !info->redis70) return bad;
  auto v = DecodeValue(in, type.value(), limits);
  // An empty collection is refused too (Redis: "Bad data format").
  if (!v.ok() || !v.value().has_value() || in.remaining() != 0) return bad;
  return std::move(*std::move(v).value());
}

}  // namespace cairn::snapshot
