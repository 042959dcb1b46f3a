#pragma once
// A small JSON writer whose output is valid JSON whatever the strings hold: control characters
// become \u00XX, and bytes that are not UTF-8 become U+FFFD (JSON text must be UTF-8, and a
// receiver rejecting a whole notification over one odd label byte would lose the alert).
// Hand-written rather than Poco::JSON because Poco passes invalid UTF-8 through unchanged.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::alerting {

// Appends `text` as a JSON string literal.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace hawatch::alerting
