// The silences' state file: JSON written with the project's writer, read with Poco::JSON.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "model/json_writer.h"
#include "silence/silences.h"

namespace hawatch::alerting {

namespace {

std::int64_t to_ms(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Time from_ms(std::int64_t ms) {
  if (auto t = time_from_unix_ms(ms)) return *t;
  throw std::runtime_error("time " + std::to_string(ms) + " ms is out of range");
}

MatchType match_type(const std::string& op) {
  if (op == "=") return MatchType::equal;
  if (op == "!=") return MatchType::not_equal;
  if (op == "=~") return MatchType::regex;
  if (op == "!~") return MatchType::not_regex;
  throw std::runtime_error("unknown matcher type " + op);
}

}  // namespace

std::string encode_silences(const std::vector<Silence>& silences) {
  JsonWriter w;
  w.begin_object().key("version").value(1).key("silences").begin_array();
  for (const Silence& s : silences) {
    w.begin_object().key("id").value(s.id).key("matchers").begin_array();
    for (const Matcher& m : s.matchers) {
      w.begin_object().key("name").value(m.name()).key("type").value(to_string(m.type()));
      w.key("value").value(m.value()).end_object();
    }
    w.end_array();
    w.key("startsAt").value(to_ms(s.starts_at)).key("endsAt").value(to_ms(s.ends_at));
    w.key("updatedAt").value(to_ms(s.updated_at));
    w.key("createdBy").value(s.created_by).key("comment").value(s.comment);
    w.end_object();
  }
  w.end_array().end_object();
  return w.take() + "\n";
}

std::vector<Silence> decode_silences(const std::string& text) {
  std::vector<Silence> out;
  try {
    Poco::JSON::Parser parser;
    const auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    if (root->getValue<int>("version") != 1) throw std::runtime_error("unknown version");
    const auto list = root->getArray("silences");
    if (!list) throw std::runtime_error("no silences list");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto o = list->getObject(static_cast<unsigned>(i));
      if (!o) throw std::runtime_error("silence " + std::to_string(i) + " is not an object");
      Silence s;
      s.id = o->getValue<std::string>("id");
      const auto ms = o->getArray("matchers");
      if (!ms) throw std::runtime_error("silence " + s.id + ": no matchers");
      for (std::size_t k = 0; k < ms->size(); ++k) {
        const auto m = ms->getObject(static_cast<unsigned>(k));
        if (!m) throw std::runtime_error("silence " + s.id + ": bad matcher");
        s.matchers.emplace_back(match_type(m->getValue<std::string>("type")),
                                m->getValue<std::string>("name"),
                                m->getValue<std::string>("value"));
      }
      s.starts_at = from_ms(o->getValue<std::int64_t>("startsAt"));
      s.ends_at = from_ms(o->getValue<std::int64_t>("endsAt"));
      s.updated_at = from_ms(o->getValue<std::int64_t>("updatedAt"));
      s.created_by = o->getValue<std::string>("createdBy");
      s.comment = o->getValue<std::string>("comment");
      out.push_back(std::move(s));
    }
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("bad silences file: " + e.displayText());
  } catch (const MatcherError& e) {
    throw std::runtime_error(std::string("bad silences file: ") + e.what());
  }
  return out;
}

}  // namespace hawatch::alerting
