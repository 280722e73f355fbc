// Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
// BITFIELD_RO. A bitmap is a plain string; bit 0 is the most significant bit
// of the first byte, and bits past the end of the string read as 0.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "engine/command_context.h"
#include "engine/commands/registry.h"

namespace cairn::engine {
namespace {

constexpr std::string_view kBitOffsetError = "bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "bit is not an integer or out of range";
constexpr std::string_view kBitfieldTypeError =
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";

// Redis compares option names with strcasecmp, which stops at a NUL byte:
// "bit\0junk" is BIT to Redis 7.0, and so it is here.
bool TokenIs(std::string_view arg, std::string_view name) {
  return base::EqualsIgnoreCase(arg.substr(0, arg.find('\0')), name);
}

// Redis's getBitOffsetFromArgument. With `hash_bits` > 0 the "#N" form is
// accepted and means N * hash_bits; the product wraps as Redis's signed
// multiply does on x86-64 (so "#2305843009213693952" with u8 is offset 0).
// Offsets must address a byte below proto-max-bulk-len.
std::optional<uint64_t> ParseBitOffset(CommandContext& ctx, std::string_view arg, int hash_bits) {
  const bool hash = hash_bits > 0 && !arg.empty() && arg[0] == '#';
  auto v = base::ParseInt64(hash ? arg.substr(1) : arg);
  int64_t offset = v.value_or(-1);
  if (v && hash) {
    offset = static_cast<int64_t>(static_cast<uint64_t>(offset) * static_cast<uint64_t>(hash_bits));
  }
  if (offset < 0 || (offset >> 3) >= ctx.config.values().proto_max_bulk_len) {
    ctx.Error(kBitOffsetError);
    return std::nullopt;
  }
  return static_cast<uint64_t>(offset);
}

struct BitfieldType {
  bool sign = false;
  int bits = 0;
};

// Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63 (a u64 could not
// be replied as a RESP integer). The width is read up to the first NUL.
std::optional<BitfieldType> ParseBitfieldType(CommandContext& ctx, std::string_view arg) {
  if (!arg.empty() && (arg[0] == 'i' || arg[0] == 'u')) {
    const bool sign = arg[0] == 'i';
    std::string_view width = arg.substr(1);
    auto bits = base::ParseInt64(width.substr(0, width.find('\0')));
    if (bits && *bits >= 1 && *bits <= (sign ? 64 : 63)) {
      return BitfieldType{sign, static_cast<int>(*bits)};
    }
  }
  ctx.Error(kBitfieldTypeError);
  return std::nullopt;
}

// A read lookup (counted in keyspace hits/misses, as Redis's lookupKeyRead):
// nullptr when missing; on a value of another type replies WRONGTYPE and
// sets *failed.
Entry* LookupRead(CommandContext& ctx, std::string_view key, bool* failed) {
  *failed = false;
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e == nullptr) {
    ctx.server.stats.keyspace_misses++;
    return nullptr;
  }
  ctx.server.stats.keyspace_hits++;
  if (e->value.type != ValueType::kString) {
    ctx.WrongType();
    *failed = true;
    return nullptr;
  }
  return e;
}

// Redis's lookupStringForBitCommand: the string at `key`, created or padded
// with zero bytes so that bit `max_bit` exists. *grew says whether the key
// was created or lengthened. nullptr after replying WRONGTYPE.
types::ValueString* StringForBitWrite(CommandContext& ctx, std::string_view key,
                                      uint64_t max_bit, bool* grew) {
  const size_t need = static_cast<size_t>(max_bit >> 3) + 1;
  Entry* e = ctx.db().Find(key, ctx.now_ms);
  if (e == nullptr) {
    *grew = true;
    return &ctx.db()
                .Put(key, Value{ValueType::kString, std::string(need, '\0'), types::StringForm::kRaw},
                     -1)
                .value.str;
  }
  if (e->value.type != ValueType::kString) {
    ctx.WrongType();
    return nullptr;
  }
  e->value.form = types::StringForm::kRaw;  // Redis unshares it into a raw string
  *grew = e->value.str.size() < need;
  if (*grew) {
    types::StringEdit s(&e->value.str, need);
    s->resize(need, '\0');
  }
  return &e->value.str;
}

int BitAt(std::string_view s, uint64_t offset) {
  const uint64_t byte = offset >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1;
}

// Set bits among bits [first, last] of s. REQUIRES: first <= last < 8 * size.
int64_t CountBits(std::string_view s, uint64_t first, uint64_t last) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t first_byte = first >> 3, last_byte = last >> 3;
  const uint8_t head_mask = 0xFF >> (first & 7);
  const uint8_t tail_mask = static_cast<uint8_t>(0xFF << (7 - (last & 7)));
  if (first_byte == last_byte) return std::popcount<uint8_t>(p[first_byte] & head_mask & tail_mask);
  int64_t count = std::popcount<uint8_t>(p[first_byte] & head_mask) +
                  std::popcount<uint8_t>(p[last_byte] & tail_mask);
  uint64_t i = first_byte + 1;
  for (; i + 8 <= last_byte; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    count += std::popcount(w);
  }
  for (; i < last_byte; i++) count += std::popcount(p[i]);
  return count;
}

// The first bit equal to `bit` among bits [first, last] of s, or -1.
// REQUIRES: first <= last < 8 * size.
int64_t FindBit(std::string_view s, uint64_t first, uint64_t last, int bit) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t skip = bit ? 0x00 : 0xFF;  // a byte holding no wanted bit
  uint64_t pos = first;
  // Bit by bit up to a byte boundary, then whole bytes (and words) that
  // hold no wanted bit are skipped.
  while (pos <= last) {
    if ((pos & 7) == 0) {
      const uint64_t word_skip = bit ? 0 : ~uint64_t{0};
      while (pos + 64 <= last + 1) {
        uint64_t w;
        std::memcpy(&w, p + (pos >> 3), 8);
        if (w != word_skip) break;
        pos += 64;
      }
      while (pos + 8 <= last + 1 && p[pos >> 3] == skip) pos += 8;
      if (pos > last) break;
    }
    if (BitAt(s, pos) == bit) return static_cast<int64_t>(pos);
    pos++;
  }
  return -1;
}

// BITCOUNT/BITPOS ranges, after Redis 7.0: negative indexes count from the
// end, then both ends are clamped to the string. Units are bytes or bits
// (`total` is the length in that unit). Returns false for an empty range.
bool ClampRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end;
}

void SetBit(CommandContext& ctx, ArgList args) {
  auto offset = ParseBitOffset(ctx, args[2], 0);
  if (!offset) return;
  auto on = base::ParseInt64(args[3]);
  if (!on || (*on & ~int64_t{1}) != 0) return ctx.Error(kBitValueError);
  bool grew = false;
  types::ValueString* slot = StringForBitWrite(ctx, args[1], *offset, &grew);
  if (slot == nullptr) return;
  types::StringEdit s(slot);
  auto& byte = reinterpret_cast<uint8_t&>((*s)[*offset >> 3]);
  const uint8_t mask = static_cast<uint8_t>(1 << (7 - (*offset & 7)));
  const int old = (byte & mask) != 0;
  // Redis 7.0 counts a change only when the key was created or grew, or
  // the bit flipped.
  if (grew || old != *on) {
    byte = static_cast<uint8_t>(*on ? byte | mask : byte & ~mask);
    ctx.Dirty();
    ctx.Notify(notify::kString, "setbit", args[1]);
  }
  ctx.reply.Int(old);
}

void GetBit(CommandContext& ctx, ArgList args) {
  auto offset = ParseBitOffset(ctx, args[2], 0);
  if (!offset) return;
  bool failed;
  Entry* e = LookupRead(ctx, args[1], &failed);
  if (failed) return;
  ctx.reply.Int(e == nullptr ? 0 : BitAt(e->value.str, *offset));
}

// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before
// it reads the range, so a missing key answers 0 whatever follows it.
void BitCount(CommandContext& ctx, ArgList args) {
  bool failed;
  Entry* e = LookupRead(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx.reply.Int(0);
  const std::string_view s = e->value.str;
  if (args.size() == 2) {
    return ctx.reply.Int(s.empty() ? 0 : CountBits(s, 0, s.size() * 8 - 1));
  }
  if (args.size() != 4 && args.size() != 5) return ctx.Error(errors::kSyntax);
  auto start = ctx.IntArg(args[2]);
  if (!start) return;
  auto end = ctx.IntArg(args[3]);
  if (!end) return;
  // As Redis: two negative indexes in the wrong order are empty before any
  // clamping, and before the unit is read (so a bad unit is not an error).
  if (*start < 0 && *end < 0 && *start > *end) return ctx.reply.Int(0);
  bool isbit = false;
  if (args.size() == 5) {
    if (TokenIs(args[4], "bit")) {
      isbit = true;
    } else if (!TokenIs(args[4], "byte")) {
      return ctx.Error(errors::kSyntax);
    }
  }
  const int64_t total = static_cast<int64_t>(s.size()) * (isbit ? 8 : 1);
  int64_t a = *start, b = *end;
  if (!ClampRange(total, &a, &b)) return ctx.reply.Int(0);
  const uint64_t first = isbit ? a : a * 8, last = isbit ? b : b * 8 + 7;
  ctx.reply.Int(CountBits(s, first, last));
}

// BITPOS key bit [start [end [BYTE|BIT]]]. Redis 7.0 answers a missing key
// (bit ? -1 : 0) before it reads the range.
void BitPos(CommandContext& ctx, ArgList args) {
  auto bit = ctx.IntArg(args[2]);
  if (!bit) return;
  if (*bit != 0 && *bit != 1) return ctx.Error("The bit argument must be 1 or 0.");
  bool failed;
  Entry* e = LookupRead(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx.reply.Int(*bit ? -1 : 0);
  const std::string_view s = e->value.str;
  const int64_t len = static_cast<int64_t>(s.size());
  int64_t start = 0, end = len - 1;
  bool isbit = false, end_given = false;
  if (args.size() >= 4 && args.size() <= 6) {
    auto v = ctx.IntArg(args[3]);
    if (!v) return;
    start = *v;
    // The unit is read before the end, as Redis does.
    if (args.size() == 6) {
      if (TokenIs(args[5], "bit")) {
        isbit = true;
      } else if (!TokenIs(args[5], "byte")) {
        return ctx.Error(errors::kSyntax);
      }
    }
    if (args.size() >= 5) {
      auto w = ctx.IntArg(args[4]);
      if (!w) return;
      end = *w;
      end_given = true;
    }
    if (!ClampRange(isbit ? len * 8 : len, &start, &end)) return ctx.reply.Int(-1);
  } else if (args.size() != 3) {
    return ctx.Error(errors::kSyntax);
  } else if (len == 0) {
    return ctx.reply.Int(-1);
  }
  const uint64_t first = isbit ? start : start * 8, last = isbit ? end : end * 8 + 7;
  const int64_t pos = FindBit(s, first, last, static_cast<int>(*bit));
  // Without an explicit end the string is taken as padded with zeros on
  // the right, so a search for 0 finds the bit after the range.
  if (pos < 0 && *bit == 0 && !end_given) return ctx.reply.Int(static_cast<int64_t>(last + 1));
  ctx.reply.Int(pos);
}

enum class BitOpKind { kAnd, kOr, kXor, kNot };

// BITOP op destkey key [key ...]: missing keys are empty strings and
// shorter strings are padded with zeros. An empty result deletes destkey.
void BitOp(CommandContext& ctx, ArgList args) {
  BitOpKind op;
  if (TokenIs(args[1], "and")) {
    op = BitOpKind::kAnd;
  } else if (TokenIs(args[1], "or")) {
    op = BitOpKind::kOr;
  } else if (TokenIs(args[1], "xor")) {
    op = BitOpKind::kXor;
  } else if (TokenIs(args[1], "not")) {
    op = BitOpKind::kNot;
  } else {
    return ctx.Error(errors::kSyntax);
  }
  if (op == BitOpKind::kNot && args.size() != 4) {
    return ctx.Error("BITOP NOT must be called with a single source key.");
  }
  std::vector<std::string_view> sources;
  size_t maxlen = 0;
  for (size_t j = 3; j < args.size(); j++) {
    bool failed;
    Entry* e = LookupRead(ctx, args[j], &failed);
    if (failed) return;
    sources.push_back(e == nullptr ? std::string_view() : std::string_view(e->value.str));
    maxlen = std::max(maxlen, sources.back().size());
  }
  Db& db = ctx.db();
  if (maxlen == 0) {
    if (db.FindKey(args[2], ctx.now_ms) != nullptr && db.Erase(args[2])) {
      ctx.Dirty();
      ctx.Notify(notify::kGeneric, "del", args[2]);
    }
    return ctx.reply.Int(0);
  }
  std::string result(maxlen, '\0');
  std::memcpy(result.data(), sources[0].data(), sources[0].size());
  auto* r = reinterpret_cast<uint8_t*>(result.data());
  if (op == BitOpKind::kNot) {
    for (size_t i = 0; i < maxlen; i++) r[i] = static_cast<uint8_t>(~r[i]);
  }
  for (size_t k = 1; k < sources.size(); k++) {
    const auto* src = reinterpret_cast<const uint8_t*>(sources[k].data());
    const size_t n = sources[k].size();
    switch (op) {
      case BitOpKind::kAnd:
        for (size_t i = 0; i < n; i++) r[i] &= src[i];
        std::memset(r + n, 0, maxlen - n);
        break;
      case BitOpKind::kOr:
        for (size_t i = 0; i < n; i++) r[i] |= src[i];
        break;
      case BitOpKind::kXor:
        for (size_t i = 0; i < n; i++) r[i] ^= src[i];
        break;
      case BitOpKind::kNot:
        break;
    }
  }
  // Redis's setKey: the destination is replaced and loses any TTL.
  db.Put(args[2], Value{ValueType::kString, std::move(result), types::StringForm::kRaw}, -1);
  ctx.Dirty();
  ctx.Notify(notify::kString, "set", args[2]);
  ctx.reply.Int(static_cast<int64_t>(maxlen));
}

// --- BITFIELD ---------------------------------------------------------------

enum class BitfieldOpcode { kGet, kSet, kIncrBy };
enum class Overflow { kWrap, kSat, kFail };

struct BitfieldOp {
  BitfieldOpcode opcode;
  Overflow overflow;
  BitfieldType type;
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
};

uint64_t GetUnsigned(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; j++) v = (v << 1) | static_cast<uint64_t>(BitAt(s, offset + j));
  return v;
}

int64_t GetSigned(std::string_view s, uint64_t offset, int bits) {
  uint64_t v = GetUnsigned(s, offset, bits);
  if (bits < 64 && ((v >> (bits - 1)) & 1)) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

// REQUIRES: the string holds bits [offset, offset + bits).
void SetBits(std::string& s, uint64_t offset, int bits, uint64_t v) {
  for (int j = 0; j < bits; j++) {
    const uint64_t pos = offset + j;
    auto& byte = reinterpret_cast<uint8_t&>(s[pos >> 3]);
    const uint8_t mask = static_cast<uint8_t>(1 << (7 - (pos & 7)));
    const bool on = (v >> (bits - 1 - j)) & 1;
    byte = static_cast<uint8_t>(on ? byte | mask : byte & ~mask);
  }
}

// The outcome of value + incr in a field: whether it overflowed and, for
// WRAP and SAT, the value to store instead.
struct FieldResult {
  bool overflow = false;
  uint64_t stored = 0;
};

// Redis 7.0's checkUnsignedBitfieldOverflow. A SET checks its value with
// incr 0, so a negative value (huge once unsigned) overflows upwards.
FieldResult UnsignedField(uint64_t value, int64_t incr, int bits, Overflow ow) {
  const uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  const auto max_incr = static_cast<int64_t>(max - value);
  const auto min_incr = static_cast<int64_t>(0 - value);
  const bool up = value > max || (incr > 0 && incr > max_incr);
  const bool down = !up && incr < 0 && incr < min_incr;
  if (!up && !down) return {false, value + static_cast<uint64_t>(incr)};
  if (ow == Overflow::kSat) return {true, up ? max : 0};
  return {true, (value + static_cast<uint64_t>(incr)) & max};
}

// Redis 7.0's checkSignedBitfieldOverflow, its expressions kept (computed
// without signed overflow): for fields under 64 bits the headroom max - value
// wraps when value is near INT64_MIN, so SET i8 to such a value saturates
// to the maximum, as in Redis.
FieldResult SignedField(int64_t value, int64_t incr, int bits, Overflow ow) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const auto max_incr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const auto min_incr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  const bool up =
      value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr);
  const bool down = !up && (value < min || (bits != 64 && incr < min_incr) ||
                            (value < 0 && incr < 0 && incr < min_incr));
  uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
  if (!up && !down) return {false, sum};
  if (ow == Overflow::kSat) return {true, static_cast<uint64_t>(up ? max : min)};
  if (bits < 64) {
    const uint64_t high = ~uint64_t{0} << bits;
    sum = ((sum >> (bits - 1)) & 1) ? sum | high : sum & ~high;
  }
  return {true, sum};
}

// BITFIELD / BITFIELD_RO, after Redis 7.0's bitfieldGeneric: every
// operation is parsed first; then, if any writes, the string is grown once
// to the farthest bit written (even when every write then FAILs), and the
// operations run in order.
void BitfieldGeneric(CommandContext& ctx, ArgList args, bool readonly_command) {
  std::vector<BitfieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_write = 0;
  for (size_t j = 2; j < args.size(); j++) {
    const size_t remaining = args.size() - j - 1;
    BitfieldOpcode opcode;
    if (TokenIs(args[j], "get") && remaining >= 2) {
      opcode = BitfieldOpcode::kGet;
    } else if (TokenIs(args[j], "set") && remaining >= 3) {
      opcode = BitfieldOpcode::kSet;
    } else if (TokenIs(args[j], "incrby") && remaining >= 3) {
      opcode = BitfieldOpcode::kIncrBy;
    } else if (TokenIs(args[j], "overflow") && remaining >= 1) {
      const std::string& name = args[++j];
      if (TokenIs(name, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (TokenIs(name, "sat")) {
        overflow = Overflow::kSat;
      } else if (TokenIs(name, "fail")) {
        overflow = Overflow::kFail;
      } else {
        return ctx.Error("Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return ctx.Error(errors::kSyntax);
    }
    auto type = ParseBitfieldType(ctx, args[j + 1]);
    if (!type) return;
    auto offset = ParseBitOffset(ctx, args[j + 2], type->bits);
    if (!offset) return;
    int64_t value = 0;
    if (opcode != BitfieldOpcode::kGet) {
      writes = true;
      highest_write = std::max(highest_write, *offset + type->bits - 1);
      auto v = ctx.IntArg(args[j + 3]);
      if (!v) return;
      value = *v;
    }
    ops.push_back({opcode, overflow, *type, *offset, value});
    j += opcode == BitfieldOpcode::kGet ? 2 : 3;
  }

  std::string read_copy;  // GET-only: the value as it is
  std::string* str = nullptr;
  std::optional<types::StringEdit> edit;
  bool grew = false;
  if (!writes) {
    bool failed;
    Entry* e = LookupRead(ctx, args[1], &failed);
    if (failed) return;
    if (e != nullptr) {
      read_copy.assign(e->value.str.view());
      str = &read_copy;
    }
  } else {
    if (readonly_command) return ctx.Error("BITFIELD_RO only supports the GET subcommand");
    types::ValueString* slot = StringForBitWrite(ctx, args[1], highest_write, &grew);
    if (slot == nullptr) return;
    edit.emplace(slot);
    str = &**edit;
  }

  const std::string_view empty;
  uint64_t changes = 0;
  ctx.reply.Array(ops.size());
  for (const BitfieldOp& op : ops) {
    const int bits = op.type.bits;
    if (op.opcode == BitfieldOpcode::kGet) {
      const std::string_view s = str == nullptr ? empty : std::string_view(*str);
      ctx.reply.Int(op.type.sign ? GetSigned(s, op.offset, bits)
                                 : static_cast<int64_t>(GetUnsigned(s, op.offset, bits)));
      continue;
    }
    const bool incr = op.opcode == BitfieldOpcode::kIncrBy;
    uint64_t old;
    FieldResult r;
    if (op.type.sign) {
      old = static_cast<uint64_t>(GetSigned(*str, op.offset, bits));
      r = incr ? SignedField(static_cast<int64_t>(old), op.value, bits, op.overflow)
               : SignedField(op.value, 0, bits, op.overflow);
    } else {
      old = GetUnsigned(*str, op.offset, bits);
      r = incr ? UnsignedField(old, op.value, bits, op.overflow)
               : UnsignedField(static_cast<uint64_t>(op.value), 0, bits, op.overflow);
    }
    if (r.overflow && op.overflow == Overflow::kFail) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Int(static_cast<int64_t>(incr ? r.stored : old));
    SetBits(*str, op.offset, bits, r.stored);
    // Redis 7.0 counts a write that grew the string or changed the field.
    if (grew || r.stored != old) changes++;
  }
  ctx.Dirty(changes);
  if (changes > 0) ctx.Notify(notify::kString, "setbit", args[1]);
}

void Bitfield(CommandContext& ctx, ArgList args) { BitfieldGeneric(ctx, args, false); }
void BitfieldRo(CommandContext& ctx, ArgList args) { BitfieldGeneric(ctx, args, true); }

ArgDoc KeyArg(int spec = 0) { return {.name = "key", .type = "key", .key_spec_index = spec}; }

ArgDoc Plain(std::string_view name, std::string_view type,
             std::optional<std::string_view> token = std::nullopt) {
  return {.name = name, .type = type, .token = token};
}

// BITCOUNT's and BITPOS's BYTE|BIT.
ArgDoc IndexUnit() {
  return {.name = "index_unit",
          .type = "oneof",
          .since = "7.0.0",
          .flags = kArgOptional,
          .arguments = {Plain("byte", "pure-token", "BYTE"), Plain("bit", "pure-token", "BIT")}};
}

KeySpec Spec(uint32_t flags, std::string_view notes = "") {
  return {.notes = notes, .flags = flags, .index = 1};
}

}  // namespace

void RegisterBitmapCommands(CommandTable& t) {
  t.Add({
      {.name = "setbit", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = SetBit,
       .doc = {.summary = "Sets or clears the bit at offset in the string value stored at key",
               .since = "2.2.0", .group = "bitmap", .complexity = "O(1)",
               .arguments = {KeyArg(), Plain("offset", "integer"), Plain("value", "integer")}},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate)}},
      {.name = "getbit", .arity = 3, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = GetBit,
       .doc = {.summary = "Returns the bit value at offset in the string value stored at key",
               .since = "2.2.0", .group = "bitmap", .complexity = "O(1)",
               .arguments = {KeyArg(), Plain("offset", "integer")}},
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
      {.name = "bitcount", .arity = -2, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = BitCount,
       .doc = {.summary = "Count set bits in a string", .since = "2.6.0", .group = "bitmap",
               .complexity = "O(N)",
               .history = {{"7.0.0", "Added the `BYTE|BIT` option."}},
               .arguments = {KeyArg(),
                             {.name = "index", .type = "block", .flags = kArgOptional,
                              .arguments = {Plain("start", "integer"), Plain("end", "integer"),
                                            IndexUnit()}}}},
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
      {.name = "bitpos", .arity = -3, .flags = kReadonly, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = BitPos,
       .doc = {.summary = "Find first bit set or clear in a string", .since = "2.8.7",
               .group = "bitmap", .complexity = "O(N)",
               .history = {{"7.0.0", "Added the `BYTE|BIT` option."}},
               .arguments = {KeyArg(), Plain("bit", "integer"),
                             {.name = "index", .type = "block", .flags = kArgOptional,
                              .arguments = {Plain("start", "integer"),
                                            {.name = "end_index", .type = "block",
                                             .flags = kArgOptional,
                                             .arguments = {Plain("end", "integer"),
                                                           IndexUnit()}}}}}},
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
      {.name = "bitop", .arity = -4, .flags = kWrite | kDenyOom, .keys = {2, -1, 1},
       .acl = acl::kBitmap, .handler = BitOp,
       .doc = {.summary = "Perform bitwise operations between strings", .since = "2.6.0",
               .group = "bitmap", .complexity = "O(N)",
               .arguments = {Plain("operation", "string"),
                             {.name = "destkey", .type = "key", .key_spec_index = 0},
                             {.name = "key", .type = "key", .flags = kArgMultiple,
                              .key_spec_index = 1}}},
       .key_specs = {{.flags = ks::kOW | ks::kUpdate, .index = 2},
                     {.flags = ks::kRO | ks::kAccess, .index = 3, .lastkey = -1}}},
      {.name = "bitfield", .arity = -2, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = Bitfield,
       .doc = {.summary = "Perform arbitrary bitfield integer operations on strings",
               .since = "3.2.0", .group = "bitmap",
               .complexity = "O(1) for each subcommand specified",
               .arguments =
                   {KeyArg(),
                    {.name = "operation", .type = "oneof",
                     .flags = kArgOptional | kArgMultiple,
                     .arguments =
                         {{.name = "encoding_offset", .type = "block", .token = "GET",
                           .arguments = {Plain("encoding", "string"),
                                         Plain("offset", "integer")}},
                          {.name = "write", .type = "block",
                           .arguments =
                               {{.name = "wrap_sat_fail", .type = "oneof", .token = "OVERFLOW",
                                 .flags = kArgOptional,
                                 .arguments = {Plain("wrap", "pure-token", "WRAP"),
                                               Plain("sat", "pure-token", "SAT"),
                                               Plain("fail", "pure-token", "FAIL")}},
                                {.name = "write_operation", .type = "oneof",
                                 .arguments =
                                     {{.name = "encoding_offset_value", .type = "block",
                                       .token = "SET",
                                       .arguments = {Plain("encoding", "string"),
                                                     Plain("offset", "integer"),
                                                     Plain("value", "integer")}},
                                      {.name = "encoding_offset_increment", .type = "block",
                                       .token = "INCRBY",
                                       .arguments = {Plain("encoding", "string"),
                                                     Plain("offset", "integer"),
                                                     Plain("increment", "integer")}}}}}}}}}},
       .key_specs = {Spec(ks::kRW | ks::kAccess | ks::kUpdate | ks::kVariableFlags,
                          "This command allows both access and modification of the key")}},
      {.name = "bitfield_ro", .arity = -2, .flags = kReadonly | kFast, .keys = {1, 1, 1},
       .acl = acl::kBitmap, .handler = BitfieldRo,
       .doc = {.summary = "Perform arbitrary bitfield integer operations on strings. "
                          "Read-only variant of BITFIELD",
               .since = "6.0.0", .group = "bitmap",
               .complexity = "O(1) for each subcommand specified",
               .arguments = {KeyArg(),
                             {.name = "encoding_offset", .type = "block", .token = "GET",
                              .flags = kArgOptional | kArgMultiple | kArgMultipleToken,
                              .arguments = {Plain("encoding", "string"),
                                            Plain("offset", "integer")}}}},
       .key_specs = {Spec(ks::kRO | ks::kAccess)}},
  });
}

}  // namespace cairn::engine
