// Silences: validation as Alertmanager's, states by time, update in place or expire-and-replace,
// expiry, muting, retention; the state file is written atomically on every change (no temp file
// left, the old file intact when writing fails) and read back by a new instance.
#define BOOST_TEST_MODULE alert_silences
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>

#include "contains.h"
#include "core/file_io.h"
#include "matchers/parse.h"
#include "silence/silences.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};

Silence silence(const std::string& matchers, Time start, Time end) {
  Silence s;
  s.matchers = parse_matchers(matchers, "test");
  s.starts_at = start;
  s.ends_at = end;
  s.created_by = "ops";
  s.comment = "maintenance \"window\"\n\x01";
  return s;
}

std::size_t files_in(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

BOOST_AUTO_TEST_CASE(validation_as_alertmanager) {
  Silences s({});
  auto rejects = [&](Silence sil, const std::string& what) {
    try {
      s.set(sil, t0);
      BOOST_ERROR("accepted: " << what);
    } catch (const SilenceError& e) {
      BOOST_TEST(contains(e.what(), what), e.what());
    }
  };
  rejects(silence("", t0, t0 + 1h), "at least one matcher");
  rejects(silence("a=~\".*\"", t0, t0 + 1h), "must not match the empty string");
  rejects(silence("a=b", t0 + 1h, t0), "endsAt is before startsAt");
  rejects(silence("a=b", Time{}, t0), "required");
  Silence unknown = silence("a=b", t0, t0 + 1h);
  unknown.id = "no-such-id";
  try {
    s.set(unknown, t0);
    BOOST_ERROR("unknown id accepted");
  } catch (const SilenceError& e) {
    BOOST_TEST((e.kind() == SilenceError::Kind::not_found));
  }
}

BOOST_AUTO_TEST_CASE(states_muting_and_expiry) {
  Silences s({});
  const std::string id = s.set(silence("job=\"node\", instance=~\"pi.*\"", t0, t0 + 1h), t0);
  BOOST_TEST(id.size() == 36u);  // a UUID
  BOOST_TEST(id[14] == '4');     // random (version 4)
  const LabelSet hit{{"job", "node"}, {"instance", "pi1"}};
  BOOST_TEST(s.mutes(hit, t0 + 1min));
  BOOST_TEST(!s.mutes({{"job", "node"}, {"instance", "x1"}}, t0 + 1min));
  BOOST_TEST(!s.mutes(hit, t0 + 1h + 1s));  // ended
  const std::string later = s.set(silence("a=b", t0 + 1h, t0 + 2h), t0);
  BOOST_TEST((s.get(later)->state(t0) == SilenceState::pending));
  BOOST_TEST(!s.mutes({{"a", "b"}}, t0));
  s.expire(id, t0 + 10min);
  BOOST_TEST(!s.mutes(hit, t0 + 11min));
  BOOST_TEST((s.get(id)->state(t0 + 11min) == SilenceState::expired));
  BOOST_CHECK_THROW(s.expire(id, t0 + 11min), SilenceError);
  s.expire(later, t0 + 11min);  // pending: starts and ends now
  BOOST_TEST((s.get(later)->starts_at == t0 + 11min));
  BOOST_TEST(s.list().size() == 2u);
}

BOOST_AUTO_TEST_CASE(update_in_place_or_replace) {
  Silences s({});
  Silence sil = silence("a=b", t0, t0 + 1h);
  sil.id = s.set(sil, t0);
  // Extending an active silence keeps its id.
  Silence longer = *s.get(sil.id);
  longer.ends_at = t0 + 2h;
  BOOST_TEST(s.set(longer, t0 + 1min) == sil.id);
  BOOST_TEST((s.get(sil.id)->ends_at == t0 + 2h));
  // Changing its matchers expires it and creates another.
  Silence other = *s.get(sil.id);
  other.matchers = parse_matchers("a=c", "test");
  const std::string new_id = s.set(other, t0 + 2min);
  BOOST_TEST(new_id != sil.id);
  BOOST_TEST((s.get(sil.id)->ends_at == t0 + 2min));
  BOOST_TEST(s.mutes({{"a", "c"}}, t0 + 3min));
  BOOST_TEST(!s.mutes({{"a", "b"}}, t0 + 3min));
}

BOOST_AUTO_TEST_CASE(persisted_atomically_and_reloaded) {
  test::TempDir dir;
  const auto file = dir.path / "state" / "silences.json";  // the directory is made
  std::string id;
  {
    Silences s({file, 120h, 100});
    id = s.set(silence("a=\"x\\\"y\", b!~\"z|w\"", t0, t0 + 1h), t0);
    BOOST_TEST(files_in(dir.path / "state") == 1u);  // no temporary file left
  }
  Silences again({file, 120h, 100}, t0);
  const auto got = again.get(id);
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->matchers.size() == 2u);
  BOOST_TEST(got->matchers[0].value() == "x\"y");
  BOOST_TEST((got->matchers[1].type() == MatchType::not_regex));
  BOOST_TEST(got->comment == "maintenance \"window\"\n\x01");
  BOOST_TEST((got->ends_at == t0 + 1h));
  BOOST_TEST(again.mutes({{"a", "x\"y"}}, t0 + 1s));
}

BOOST_AUTO_TEST_CASE(expired_silences_kept_for_the_retention) {
  test::TempDir dir;
  const auto file = dir.path / "silences.json";
  Silences s({file, 24h, 100});
  const std::string id = s.set(silence("a=b", t0, t0 + 1h), t0);
  BOOST_TEST(s.gc(t0 + 25h - 1s) == 0u);
  BOOST_TEST(s.gc(t0 + 25h + 1s) == 1u);
  BOOST_TEST(!s.get(id).has_value());
  BOOST_TEST(Silences({file, 24h, 100}, t0).list().empty());  // the drop was persisted
  // A reload also drops what expired beyond the retention meanwhile.
  Silences s2({file, 24h, 100});
  s2.set(silence("a=b", t0, t0 + 1h), t0);
  BOOST_TEST(Silences({file, 24h, 100}, t0 + 30h).list().empty());
}

BOOST_AUTO_TEST_CASE(failed_write_changes_nothing) {
  test::TempDir dir;
  const auto file = dir.path / "silences.json";
  Silences s({file, 120h, 100});
  s.set(silence("a=b", t0, t0 + 1h), t0);
  const std::string before = read_file(file);
  // A file size limit makes write(2) fail as a full disk would (EFBIG instead of ENOSPC).
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tiny = old;
  tiny.rlim_cur = 16;
  setrlimit(RLIMIT_FSIZE, &tiny);
  BOOST_CHECK_THROW(s.set(silence("c=d", t0, t0 + 1h), t0), IoError);
  setrlimit(RLIMIT_FSIZE, &old);
  BOOST_TEST(s.list().size() == 1u);  // not taken
  BOOST_TEST(read_file(file) == before);
  BOOST_TEST(files_in(dir.path) == 1u);
}

BOOST_AUTO_TEST_CASE(corrupt_file_is_an_error_naming_it) {
  test::TempDir dir;
  const auto file = dir.path / "silences.json";
  std::ofstream(file) << "{\"version\":1,\"silences\":[{\"id\":";
  try {
    Silences s({file, 120h, 100});
    BOOST_ERROR("corrupt file accepted");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), file.string()), e.what());
  }
}

// Found by state_files_fuzz: a time in the file beyond what the nanosecond clock holds overflowed
// (undefined behaviour; in practice a silence with a wrapped, wrong time).
BOOST_AUTO_TEST_CASE(file_times_out_of_range_are_corruption) {
  const std::string good =
      R"({"version":1,"silences":[{"id":"a","matchers":[{"name":"n","type":"=","value":"v"}],)"
      R"("startsAt":1733000000000,"endsAt":1733003600000,"updatedAt":UPDATED,)"
      R"("createdBy":"ops","comment":"c"}]})";
  auto with = [&](const std::string& updated) {
    std::string text = good;
    return text.replace(text.find("UPDATED"), 7, updated);
  };
  const auto silences = decode_silences(with("1733000000000"));
  BOOST_TEST_REQUIRE(silences.size() == 1u);
  BOOST_TEST(encode_silences(silences) == encode_silences(decode_silences(encode_silences(silences))));
  for (const char* bad : {"17330000000000", "-1", "9223372036854775807"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_CHECK_EXCEPTION(decode_silences(with(bad)), std::runtime_error,
                            [](const std::runtime_error& e) {
                              return contains(e.what(), "out of range");
                            });
    }
  }
}
