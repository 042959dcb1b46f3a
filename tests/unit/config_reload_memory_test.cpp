// A Config assigned a new one (every SIGHUP) lets the old document go: yaml-cpp's
// Node::operator= would write into the old node and merge the two documents' memory, so a
// daemon's config kept every document it had ever read (issue 18's soak: ~90 KiB per reload).
#define BOOST_TEST_MODULE config_reload_memory
#include <malloc.h>

#include <boost/test/unit_test.hpp>

#include "core/config.h"

using namespace hawatch;

namespace {
std::string config_text(const std::string& receiver) {
  std::string text = "plugins:\n  exec:\n";
  for (int i = 0; i < 200; ++i) {
    text += "    - { name: check" + std::to_string(i) +
            ", command: [/bin/true, a, b, c], interval: 30s, timeout: 10s }\n";
  }
  text += "alerting:\n  route: { receiver: " + receiver + ", group_by: [alertname] }\n";
  text += "failover: []\n";
  return text;
}

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}
}  // namespace

BOOST_AUTO_TEST_CASE(reassigning_the_config_frees_the_old_document) {
  const std::string text = config_text("a");
  Config held = parse_config(text, "t.yml");
  for (int i = 0; i < 3; ++i) held = parse_config(text, "t.yml");  // allocator warm-up
  const std::size_t before = heap_in_use();
  for (int i = 0; i < 100; ++i) held = parse_config(text, "t.yml");
  const std::size_t after = heap_in_use();
  // One document of this text holds well over 100 KiB of nodes: keeping 100 of them would be
  // megabytes; a bounded config stays within allocator noise.
  BOOST_TEST(after < before + (256u << 10), "heap grew from " << before << " to " << after);
}

BOOST_AUTO_TEST_CASE(a_copy_of_the_old_section_keeps_its_content) {
  Config held = parse_config(config_text("a"), "t.yml");
  const YAML::Node old_alerting = held.alerting;
  held = parse_config(config_text("b"), "t.yml");
  BOOST_TEST(held.alerting["route"]["receiver"].as<std::string>() == "b");
  // Assigning into the node would have changed this one too.
  BOOST_TEST(old_alerting["route"]["receiver"].as<std::string>() == "a");
  Config moved_from = parse_config(config_text("c"), "t.yml");
  held = moved_from;  // copy assignment too
  BOOST_TEST(held.alerting["route"]["receiver"].as<std::string>() == "c");
  BOOST_TEST(old_alerting["route"]["receiver"].as<std::string>() == "a");
}

BOOST_AUTO_TEST_CASE(a_section_of_only_scheduling_keys_is_not_overwritten_in_the_document) {
  ConfigContext ctx("t.yml");
  const YAML::Node doc = parse_yaml("collectors:\n  node: { interval: 2s }\n", ctx);
  CollectorDescriptor d;
  d.name = "node";
  const CollectorConfig cfg = read_collector_config(d, doc["collectors"]["node"], ctx);
  BOOST_TEST(cfg.interval == Duration(std::chrono::seconds(2)));
  BOOST_TEST(cfg.options.IsNull());
  // Assigning the null into cfg.options (which referred to the section) made the document's node
  // null too, and merged the null's memory into the document's.
  BOOST_TEST(doc["collectors"]["node"].IsMap());
}
