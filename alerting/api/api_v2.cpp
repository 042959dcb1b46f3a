#include "api/api_v2.h"

#include <algorithm>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "model/json_writer.h"
#include "model/utf8.h"

namespace hawatch::alerting {

namespace {

constexpr std::size_t kMaxBody = 16u << 20;

Poco::Dynamic::Var parse(const std::string& body) {
  if (body.size() > kMaxBody) throw ApiError("body larger than 16 MiB");
  try {
    Poco::JSON::Parser parser;
    return parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw ApiError("not JSON: " + e.displayText());
  }
}

bool valid_label_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

LabelSet read_string_map(const Poco::JSON::Object::Ptr& obj, const std::string& what) {
  LabelSet out;
  if (!obj) return out;
  for (const auto& [k, v] : *obj) {
    if (!v.isString()) throw ApiError(what + " \"" + k + "\" is not a string");
    out[k] = v.extract<std::string>();
  }
  return out;
}

std::optional<Time> read_time(const Poco::JSON::Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->isNull(key)) return std::nullopt;
  const std::string text = o->getValue<std::string>(key);
  // Go's zero time means "unset" in Alertmanager's API too.
  if (text.empty() || text.rfind("0001-01-01T00:00:00", 0) == 0) return std::nullopt;
  auto t = parse_rfc3339(text);
  if (!t) throw ApiError(key + " \"" + text + "\" is not an RFC 3339 time between 1970 and 2200");
  return t;
}

Alert read_alert(const Poco::JSON::Object::Ptr& o, Time now, Duration resolve_timeout) {
  Alert a;
  a.labels = read_string_map(o->getObject("labels"), "label");
  a.annotations = read_string_map(o->getObject("annotations"), "annotation");
  if (o->has("generatorURL")) a.generator_url = o->getValue<std::string>("generatorURL");
  if (a.labels.empty()) throw ApiError("at least one label pair required");
  for (const auto& [k, v] : a.labels) {
    if (!valid_label_name(k)) throw ApiError("invalid label name \"" + k + "\"");
    if (v.empty()) throw ApiError("empty value for label \"" + k + "\"");
    if (!valid_utf8(v)) throw ApiError("value of label \"" + k + "\" is not UTF-8");
  }
  const auto starts = read_time(o, "startsAt");
  const auto ends = read_time(o, "endsAt");
  a.updated_at = now;
  a.starts_at = starts ? *starts : (ends ? *ends : now);
  if (ends) {
    a.ends_at = *ends;
  } else {
    a.timeout = true;
    a.ends_at = now + resolve_timeout;
  }
  if (a.ends_at < a.starts_at) throw ApiError("end time must not be before start time");
  return a;
}

}  // namespace

PostedAlerts parse_postable_alerts(const std::string& body, Time now, Duration resolve_timeout) {
  const auto value = parse(body);
  Poco::JSON::Array::Ptr list;
  try {
    list = value.extract<Poco::JSON::Array::Ptr>();
  } catch (const Poco::Exception&) {
    throw ApiError("expected a list of alerts");
  }
  PostedAlerts out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    try {
      const auto o = list->getObject(static_cast<unsigned>(i));
      if (!o) throw ApiError("not an object");
      out.alerts.push_back(read_alert(o, now, resolve_timeout));
    } catch (const ApiError& e) {
      out.errors.push_back("alert " + std::to_string(i) + ": " + e.what());
    } catch (const Poco::Exception& e) {
      out.errors.push_back("alert " + std::to_string(i) + ": " + e.displayText());
    }
  }
  return out;
}

PostedAlerts parse_webhook_message(const std::string& body, Time now, Duration resolve_timeout) {
  const auto value = parse(body);
  Poco::JSON::Object::Ptr message;
  try {
    message = value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    throw ApiError("expected a webhook message (an object)");
  }
  const auto version = message->get("version");
  if (!version.isString() || version.extract<std::string>() != "4")
    throw ApiError("expected a webhook message of version \"4\"");
  Poco::JSON::Array::Ptr list = message->getArray("alerts");
  if (!list) throw ApiError("webhook message without an alerts list");
  PostedAlerts out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    try {
      const auto o = list->getObject(static_cast<unsigned>(i));
      if (!o) throw ApiError("not an object");
      const bool resolved = o->has("status") && o->get("status").isString() &&
                            o->getValue<std::string>("status") == "resolved";
      Alert a = read_alert(o, now, resolve_timeout);
      if (resolved && a.timeout) {
        a.ends_at = std::max(now, a.starts_at);
        a.timeout = false;
      }
      out.alerts.push_back(std::move(a));
    } catch (const ApiError& e) {
      out.errors.push_back("alert " + std::to_string(i) + ": " + e.what());
    } catch (const Poco::Exception& e) {
      out.errors.push_back("alert " + std::to_string(i) + ": " + e.displayText());
    }
  }
  return out;
}

Silence parse_postable_silence(const std::string& body) {
  const auto value = parse(body);
  try {
    const auto o = value.extract<Poco::JSON::Object::Ptr>();
    Silence s;
    if (o->has("id") && !o->isNull("id")) s.id = o->getValue<std::string>("id");
    const auto ms = o->getArray("matchers");
    if (!ms) throw ApiError("matchers missing");
    for (std::size_t i = 0; i < ms->size(); ++i) {
      const auto m = ms->getObject(static_cast<unsigned>(i));
      if (!m) throw ApiError("matcher " + std::to_string(i) + " is not an object");
      const bool regex = m->getValue<bool>("isRegex");
      const bool equal = m->has("isEqual") ? m->getValue<bool>("isEqual") : true;
      const MatchType type = regex ? (equal ? MatchType::regex : MatchType::not_regex)
                                   : (equal ? MatchType::equal : MatchType::not_equal);
      s.matchers.emplace_back(type, m->getValue<std::string>("name"),
                              m->getValue<std::string>("value"));
    }
    const auto starts = read_time(o, "startsAt");
    const auto ends = read_time(o, "endsAt");
    if (!starts || !ends) throw ApiError("startsAt and endsAt are required");
    s.starts_at = *starts;
    s.ends_at = *ends;
    s.created_by = o->has("createdBy") ? o->getValue<std::string>("createdBy") : "";
    s.comment = o->has("comment") ? o->getValue<std::string>("comment") : "";
    return s;
  } catch (const MatcherError& e) {
    throw ApiError(e.what());
  } catch (const Poco::Exception& e) {
    throw ApiError("bad silence: " + e.displayText());
  }
}

namespace {
void write_silence(JsonWriter& w, const Silence& s, Time now) {
  w.begin_object().key("id").value(s.id);
  w.key("status").begin_object().key("state").value(to_string(s.state(now))).end_object();
  w.key("updatedAt").value(format_rfc3339(s.updated_at));
  w.key("matchers").begin_array();
  for (const Matcher& m : s.matchers) {
    const bool regex = m.type() == MatchType::regex || m.type() == MatchType::not_regex;
    const bool equal = m.type() == MatchType::equal || m.type() == MatchType::regex;
    w.begin_object().key("name").value(m.name()).key("value").value(m.value());
    w.key("isRegex").value(regex).key("isEqual").value(equal).end_object();
  }
  w.end_array();
  w.key("startsAt").value(format_rfc3339(s.starts_at));
  w.key("endsAt").value(format_rfc3339(s.ends_at));
  w.key("createdBy").value(s.created_by).key("comment").value(s.comment);
  w.end_object();
}
}  // namespace

std::string encode_gettable_silences(const std::vector<Silence>& silences, Time now) {
  JsonWriter w;
  w.begin_array();
  for (const Silence& s : silences) write_silence(w, s, now);
  w.end_array();
  return w.take();
}

std::string encode_gettable_silence(const Silence& silence, Time now) {
  JsonWriter w;
  write_silence(w, silence, now);
  return w.take();
}

}  // namespace hawatch::alerting
