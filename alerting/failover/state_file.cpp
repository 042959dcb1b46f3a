#include "state_file.h"

#include <Poco/JSON/Parser.h>

#include <cerrno>

#include "core/file_io.h"
#include "model/json_writer.h"
#include "persist/atomic_file.h"

namespace hawatch::alerting::failover {

std::filesystem::path state_file_path(const std::filesystem::path& state_directory,
                                      const std::string& group) {
  return state_directory / ("failover-" + group + ".state");
}

void write_state_file(const std::filesystem::path& path, const std::string& group,
                      const PersistedState& state) {
  JsonWriter w;
  w.begin_object()
      .key("version")
      .value(1)
      .key("group")
      .value(group)
      .key("state")
      .value(to_string(state.state))
      .key("last_change_ms")
      .value(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           state.last_change.time_since_epoch())
                                           .count()))
      .key("transitions")
      .value(state.transitions);
  if (state.intent_at != Time{})
    w.key("intent_reason")
        .value(state.intent_reason)
        .key("intent_at_ms")
        .value(static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             state.intent_at.time_since_epoch())
                                             .count()));
  w.end_object();
  write_file_atomically(path, w.str() + "\n");
}

std::optional<PersistedState> read_state_file(const std::filesystem::path& path,
                                              std::string& problem) {
  std::string text;
  int err = 0;
  if (!read_file_into(path, text, err, 64 * 1024)) {
    if (err != ENOENT) problem = path.string() + ": " + std::strerror(err);
    return std::nullopt;
  }
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    if (!root || root->getValue<int>("version") != 1) throw std::runtime_error("unknown version");
    PersistedState s;
    const auto state = parse_state(root->getValue<std::string>("state"));
    if (!state) throw std::runtime_error("unknown state");
    s.state = *state;
    s.last_change = Time{std::chrono::milliseconds(root->getValue<std::int64_t>("last_change_ms"))};
    s.transitions = root->getValue<std::uint64_t>("transitions");
    if (root->has("intent_at_ms")) {
      s.intent_reason = root->getValue<std::string>("intent_reason");
      s.intent_at = Time{std::chrono::milliseconds(root->getValue<std::int64_t>("intent_at_ms"))};
    }
    return s;
  } catch (const Poco::Exception& e) {
    problem = path.string() + ": damaged state file ignored (" + e.displayText() + ")";
  } catch (const std::exception& e) {
    problem = path.string() + ": damaged state file ignored (" + e.what() + ")";
  }
  return std::nullopt;
}

}  // namespace hawatch::alerting::failover
