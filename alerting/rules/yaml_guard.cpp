#include "yaml_guard.h"

#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hawatch::rules {
namespace {

struct Refused {
  YAML::Mark mark;
  std::string message;
};

// A first pass over the event stream: counts nodes, refuses anchors and aliases.
class Guard final : public YAML::EventHandler {
 public:
  explicit Guard(std::size_t max_nodes) : max_nodes_(max_nodes) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) throw Refused{mark, "a rule file holds one YAML document, found more"};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { node(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Refused{mark, "YAML aliases (*name) are not accepted in this file"};
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    node(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    node(mark, anchor);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    node(mark, anchor);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor)
      throw Refused{mark, "YAML anchors (&name) are not accepted in this file"};
    if (++nodes_ > max_nodes_)
      throw Refused{mark, "more than " + std::to_string(max_nodes_) + " YAML nodes"};
  }
  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
  int documents_ = 0;
};

FileError at(const std::string& file, const YAML::Mark& mark, std::string message) {
  return FileError{file, mark.line + 1, mark.column + 1, std::move(message)};
}

}  // namespace

std::variant<YAML::Node, FileError> load_yaml(std::string_view text, const std::string& file,
                                              const YamlLimits& limits) {
  if (text.size() > limits.max_bytes)
    return FileError{file, 0, 0,
                     "file is larger than " + std::to_string(limits.max_bytes) + " bytes"};
  const std::string owned(text);
  try {
    std::istringstream in(owned);
    YAML::Parser parser(in);
    Guard guard(limits.max_nodes);
    while (parser.HandleNextDocument(guard)) {
    }
    return YAML::Load(owned);
  } catch (const Refused& r) {
    return at(file, r.mark, r.message);
  } catch (const YAML::Exception& e) {
    return at(file, e.mark, e.msg);
  }
}

std::variant<std::string, FileError> read_bounded(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError{path, 0, 0, std::string("cannot open: ") + std::strerror(errno)};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return FileError{path, 0, 0, "file is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  if (in.bad()) return FileError{path, 0, 0, "read error"};
  return text;
}

}  // namespace hawatch::rules
