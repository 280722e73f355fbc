// Text the tools write: JSON strings (UTF-8, or base64 when a string is
// not), CSV fields (RFC 4180).
#pragma once

#include <string>
#include <string_view>

namespace cairn::tools {

bool ValidUtf8(std::string_view s);
void Base64(std::string* out, std::string_view s);

// Writes JSON into `out`. In text mode a string that is not UTF-8 makes
// ok() false: the caller writes the whole entry again in base64 mode, where
// every string is base64 (doc/tools.md).
class Json {
 public:
  Json(std::string* out, bool base64) : out_(out), base64_(base64) {}
  bool ok() const { return ok_; }

  void Str(std::string_view s);
  void Raw(std::string_view s) { out_->append(s); }
  void Score(double d);  // a number, or "inf" / "-inf" as strings

 private:
  std::string* out_;
  bool base64_;
  bool ok_ = true;
};

// `s` as a JSON string; when it is not UTF-8, in base64 and *base64 set.
std::string JsonString(std::string_view s, bool* base64);

// `s` as one CSV field, quoted when it must be.
void CsvField(std::string* out, std::string_view s);

}  // namespace cairn::tools
