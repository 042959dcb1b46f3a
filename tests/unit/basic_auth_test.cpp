// HTTP basic auth against bcrypt hashes: the right password gets in, everything else (wrong
// password, unknown user, malformed header) stays out, and the result cache never changes an
// answer, including across its size limit and under concurrent checks.
#define BOOST_TEST_MODULE basic_auth
#include "http/basic_auth.h"

#include <crypt.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace hawatch;

namespace {

// From tests/fixtures/http/htpasswd (htpasswd -nbBC 10 user secret).
const std::string kUserHash = "$2y$10$KvkqcCWqeUYB9HQTZVapWujZAGZqgIUwGZQRhLXObOknt.y0dWEea";
// From tests/fixtures/web/README.md (htpasswd -nbBC 10 prometheus scrape-pass).
const std::string kPromHash = "$2y$10$uTqTT8AqFfLvoCM.T2fJ5.1kdCJXoYSIjbf1mTSYsUh0IlYLpIzlm";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Standard base64 with padding, written out here so the test does not trust the decoder's library.
std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64(user + ":" + password);
}

// A cheap (cost 4) bcrypt hash made by libcrypt itself, for tests that need many checks.
std::string cheap_hash(const std::string& password, const char* prefix = "$2b$") {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  BOOST_REQUIRE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof salt) != nullptr);
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* hash = crypt_rn(password.c_str(), salt, data.get(), sizeof(crypt_data));
  BOOST_REQUIRE(hash != nullptr);
  BOOST_REQUIRE(hash[0] != '*');
  return hash;
}

}  // namespace

BOOST_AUTO_TEST_CASE(base64_helper_is_standard) {
  BOOST_TEST(base64("user:secret") == "dXNlcjpzZWNyZXQ=");
  BOOST_TEST(base64("a:bc") == "YTpiYw==");
  BOOST_TEST(base64("ab:c") == "YWI6Yw==");
  BOOST_TEST(base64("abc:de") == "YWJjOmRl");
}

BOOST_AUTO_TEST_CASE(fixture_hashes_match_the_htpasswd_file) {
  const std::string htpasswd = slurp(fs::path(HAWATCH_FIXTURES) / "http" / "htpasswd");
  BOOST_TEST(htpasswd.find("user:" + kUserHash) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(verify_hash_with_htpasswd_hashes) {
  BOOST_TEST(BasicAuth::verify_hash("secret", kUserHash));
  BOOST_TEST(BasicAuth::verify_hash("scrape-pass", kPromHash));
  BOOST_TEST(!BasicAuth::verify_hash("Secret", kUserHash));
  BOOST_TEST(!BasicAuth::verify_hash("secret ", kUserHash));
  BOOST_TEST(!BasicAuth::verify_hash("", kUserHash));
  BOOST_TEST(!BasicAuth::verify_hash("scrape-pass", kUserHash));
}

BOOST_AUTO_TEST_CASE(verify_hash_with_other_bcrypt_prefixes) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    BOOST_TEST_CONTEXT(prefix) {
      const std::string hash = cheap_hash("pa:ss word", prefix);
      BOOST_TEST(hash.rfind(prefix, 0) == 0u);
      BOOST_TEST(BasicAuth::verify_hash("pa:ss word", hash));
      BOOST_TEST(!BasicAuth::verify_hash("pa:ss wore", hash));
    }
  }
}

BOOST_AUTO_TEST_CASE(verify_hash_rejects_broken_hashes) {
  for (const std::string hash : {"", "*", "*0", "secret", "$2y$10$", "$2y$10$short",
                                 "$2y$99$KvkqcCWqeUYB9HQTZVapWujZAGZqgIUwGZQRhLXObOknt.y0dWEea"}) {
    BOOST_TEST_CONTEXT(hash) {
      BOOST_TEST(!BasicAuth::verify_hash("secret", hash));
      BOOST_TEST(!BasicAuth::verify_hash("", hash));
    }
  }
  // A hash must match in full: a prefix of the right hash is not the right hash.
  BOOST_TEST(!BasicAuth::verify_hash("secret", kUserHash.substr(0, 59)));
  BOOST_TEST(!BasicAuth::verify_hash("secret", kUserHash + "x"));
}

BOOST_AUTO_TEST_CASE(dummy_hash_is_a_working_bcrypt_hash) {
  // Unknown users are checked against kDummyHash so that they take as long as known users; a
  // hash crypt(3) refuses would return at once and reveal which user names exist.
  const std::string source = slurp(fs::path(HAWATCH_FIXTURES).parent_path().parent_path() /
                                   "exporter" / "http" / "basic_auth.cpp");
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(source, m, std::regex(R"(kDummyHash\s*=\s*"([^"]*)\")")));
  const std::string dummy = m[1].str();
  BOOST_TEST(dummy.size() == 60u);
  BOOST_TEST(dummy.rfind("$2", 0) == 0u);
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn("any password", dummy.c_str(), data.get(), sizeof(crypt_data));
  BOOST_REQUIRE(out != nullptr);
  BOOST_TEST(out[0] != '*', "crypt_rn failed on kDummyHash: " << out);
  // Same algorithm, cost and salt: the work done is that of a real check.
  BOOST_TEST(std::string(out).substr(0, 29) == dummy.substr(0, 29));
}

BOOST_AUTO_TEST_CASE(disabled_without_users) {
  BasicAuth auth({});
  BOOST_TEST(!auth.enabled());
  BOOST_TEST(auth.check(""));
  BOOST_TEST(auth.check("Bearer x"));
}

BOOST_AUTO_TEST_CASE(right_password_gets_in) {
  BasicAuth auth({{"user", kUserHash}, {"prometheus", kPromHash}});
  BOOST_TEST(auth.enabled());
  BOOST_TEST(auth.check(basic("user", "secret")));
  BOOST_TEST(auth.check(basic("prometheus", "scrape-pass")));
  // The scheme name is case-insensitive (RFC 7235), as in the exporter-toolkit.
  BOOST_TEST(auth.check("basic " + base64("user:secret")));
  BOOST_TEST(auth.check("BASIC " + base64("user:secret")));
}

BOOST_AUTO_TEST_CASE(whitespace_inside_the_credentials_is_refused_as_upstream_does) {
  // Found by basic_auth_fuzz: Poco's decoder skips blanks, Go's (the exporter-toolkit's) does not.
  BasicAuth auth({{"user", kUserHash}});
  const std::string good = base64("user:secret");
  BOOST_TEST(!auth.check("Basic " + good.substr(0, 4) + "\t\t" + good.substr(4)));
  BOOST_TEST(!auth.check("Basic " + good.substr(0, 4) + " " + good.substr(4)));
  BOOST_TEST(!auth.check("Basic  " + good));
  BOOST_TEST(!auth.check("Basic " + good + "l"));  // after the padding
  BOOST_TEST(!auth.check("Basic " + good + "===="));
  BOOST_TEST(auth.check("Basic " + good));
}

BOOST_AUTO_TEST_CASE(wrong_password_stays_out) {
  BasicAuth auth({{"user", kUserHash}, {"prometheus", kPromHash}});
  BOOST_TEST(!auth.check(basic("user", "wrong")));
  BOOST_TEST(!auth.check(basic("user", "")));
  BOOST_TEST(!auth.check(basic("user", "secret\n")));
  // Another user's password is still the wrong password.
  BOOST_TEST(!auth.check(basic("user", "scrape-pass")));
  BOOST_TEST(!auth.check(basic("prometheus", "secret")));
  // User names are case-sensitive.
  BOOST_TEST(!auth.check(basic("User", "secret")));
}

BOOST_AUTO_TEST_CASE(a_password_with_a_nul_is_not_its_prefix) {
  // Found by basic_auth_fuzz ("Basic dXNlcjpzZWNyZXQAuser"): crypt reads a C string, so
  // "secret\0..." passed as "secret". Go's bcrypt compares every byte.
  BasicAuth auth({{"user", kUserHash}});
  BOOST_TEST(!auth.check(basic("user", std::string("secret\0anything", 15))));
  BOOST_TEST(!auth.check(basic("user", std::string("secret\0", 7))));
  BOOST_TEST(!auth.check("Basic dXNlcjpzZWNyZXQAuser"));
  BOOST_TEST(auth.check(basic("user", "secret")));
}

BOOST_AUTO_TEST_CASE(unknown_user_stays_out) {
  BasicAuth auth({{"user", kUserHash}});
  BOOST_TEST(!auth.check(basic("admin", "secret")));
  BOOST_TEST(!auth.check(basic("", "secret")));
  // Even when the unknown user's password and hash would match: the user is what is unknown.
  BasicAuth other({{"prometheus", kUserHash}});
  BOOST_TEST(!other.check(basic("user", "secret")));
  BOOST_TEST(other.check(basic("prometheus", "secret")));
}

BOOST_AUTO_TEST_CASE(malformed_headers_stay_out) {
  BasicAuth auth({{"user", kUserHash}});
  const std::string good = base64("user:secret");
  for (const std::string& header : {
           std::string(""), std::string("Basic"), std::string("Basic "), "Bearer " + good,
           std::string("Bearer x"), "Digest " + good,
           "Basic" + good,                              // no space
           "Basic !!!" + good,                          // not base64
           std::string("Basic %%%%"),                   // not base64
           "Basic " + good + "!!!",                     // valid prefix, then garbage
           "Basic " + good.substr(0, good.size() - 1),  // padding cut: "user:secr" + bad
           "Basic " + base64("usersecret"),             // no colon
           "Basic " + base64(""),                       // nothing
           "Basic " + base64(":"),                      // empty user, empty password
           "Basic " + base64("user:secret").substr(4),  // shifted: decodes to garbage
           " Basic " + good,                            // leading space
       }) {
    BOOST_TEST_CONTEXT("\"" << header << "\"") {
      BOOST_TEST(!auth.check(header));
    }
  }
  // Still fine after all that.
  BOOST_TEST(auth.check(basic("user", "secret")));
}

BOOST_AUTO_TEST_CASE(password_may_contain_colons) {
  // Only the first colon separates the user name: passwords may contain colons.
  const std::string hash = cheap_hash("a:b:c");
  BasicAuth auth({{"u", hash}});
  BOOST_TEST(auth.check(basic("u", "a:b:c")));
  BOOST_TEST(!auth.check(basic("u", "a")));
}

BOOST_AUTO_TEST_CASE(repeated_checks_give_the_same_answers) {
  // The second and later checks come from the cache; they must agree with the first.
  BasicAuth auth({{"user", kUserHash}});
  for (int i = 0; i < 20; ++i) {
    BOOST_TEST(auth.check(basic("user", "secret")));
    BOOST_TEST(!auth.check(basic("user", "wrong")));
    BOOST_TEST(!auth.check(basic("nobody", "secret")));
  }
}

BOOST_AUTO_TEST_CASE(cached_failure_does_not_block_the_right_password) {
  BasicAuth auth({{"user", kUserHash}});
  BOOST_TEST(!auth.check(basic("user", "wrong")));
  BOOST_TEST(!auth.check(basic("user", "wrong")));
  BOOST_TEST(auth.check(basic("user", "secret")));
  BOOST_TEST(!auth.check(basic("user", "wrong")));
}

BOOST_AUTO_TEST_CASE(cache_is_per_instance_and_per_hash) {
  // A config reload builds a new BasicAuth: a changed hash takes effect at once.
  const std::string old_hash = cheap_hash("old");
  const std::string new_hash = cheap_hash("new");
  BasicAuth before({{"u", old_hash}});
  BOOST_TEST(before.check(basic("u", "old")));
  BasicAuth after({{"u", new_hash}});
  BOOST_TEST(!after.check(basic("u", "old")));
  BOOST_TEST(after.check(basic("u", "new")));
  BOOST_TEST(before.check(basic("u", "old")));
}

BOOST_AUTO_TEST_CASE(answers_survive_the_cache_limit) {
  // More distinct credentials than the cache holds (1024): it is flushed on the way, and every
  // answer must still be right.
  const std::string hash = cheap_hash("right");
  BasicAuth auth({{"u", hash}});
  BOOST_TEST(auth.check(basic("u", "right")));
  int accepted = 0;
  for (int i = 0; i < 1100; ++i)
    if (auth.check(basic("u", "wrong" + std::to_string(i)))) ++accepted;
  BOOST_TEST(accepted == 0);
  BOOST_TEST(auth.check(basic("u", "right")));
  BOOST_TEST(!auth.check(basic("u", "wrong0")));
  BOOST_TEST(!auth.check(basic("u", "wrong1099")));
}

BOOST_AUTO_TEST_CASE(concurrent_checks_agree) {
  const std::string hash = cheap_hash("right");
  BasicAuth auth({{"u", hash}});
  std::vector<int> wrong_answers(8, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < wrong_answers.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!auth.check(basic("u", "right"))) ++wrong_answers[t];
        if (auth.check(basic("u", "wrong" + std::to_string(i % 7)))) ++wrong_answers[t];
        if (auth.check(basic("x", "right"))) ++wrong_answers[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : wrong_answers) BOOST_TEST(n == 0);
}

namespace {

std::string bcrypt(const std::string& password, int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  BOOST_REQUIRE(
      crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt));
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), salt, data.get(), sizeof(crypt_data));
  BOOST_REQUIRE(out && out[0] != '*');
  return out;
}

double seconds_for(BasicAuth& auth, const std::string& header) {
  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!auth.check(header));
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `fn` with stderr going to a file; returns what was written.
template <typename Fn>
std::string stderr_of(Fn fn) {
  const fs::path file =
      fs::temp_directory_path() / ("hawatch-auth-log-" + std::to_string(::getpid()));
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  const std::string text = slurp(file);
  fs::remove(file);
  return text;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

// With users of different bcrypt costs, an unknown user costs what the most expensive known one
// does: otherwise a fast "no" would tell that the name is not configured.
BOOST_AUTO_TEST_CASE(unknown_user_costs_the_highest_configured_cost) {
  BasicAuth auth({{"cheap", kUserHash}, {"dear", bcrypt("dear-pass", 12)}});
  BOOST_TEST(auth.dummy_hash().substr(0, 7) == "$2b$12$");
  BOOST_TEST(BasicAuth::verify_hash("x", auth.dummy_hash()) == false);
  const double known = seconds_for(auth, basic("dear", "wrong"));
  const double unknown = seconds_for(auth, basic("nobody", "wrong"));
  // The same work (cost 12, ~16x cost 10): loose bounds against a busy machine.
  BOOST_TEST(unknown > known / 3, "unknown " << unknown << " s, known " << known << " s");
  BasicAuth cost10({{"user", kUserHash}});
  BOOST_TEST(cost10.dummy_hash().substr(0, 7) == "$2y$10$");
}

BOOST_AUTO_TEST_CASE(failed_logins_are_logged_rate_limited_and_sanitised) {
  BasicAuth auth({{"user", kUserHash}});
  const std::string log = stderr_of([&] {
    BOOST_TEST(auth.check(basic("user", "secret"), "192.0.2.1:1000"));  // success: no line
    BOOST_TEST(!auth.check("", "192.0.2.1:1000"));                      // no credentials: no line
    BOOST_TEST(!auth.check(basic("ev\nil\"=x", "wrong"), "192.0.2.7:4242"));
    for (int i = 0; i < 7; ++i) BOOST_TEST(!auth.check(basic("user", "wrong"), "192.0.2.8:1"));
    auth.log_failure("la\"t\ner", "192.0.2.9:1",
                     std::chrono::steady_clock::now() + BasicAuth::kLogWindow);
  });
  BOOST_TEST(count_of(log, "msg=\"basic auth failed\"") == std::size_t(BasicAuth::kLogBurst) + 1,
             log);
  BOOST_TEST(log.find("level=warn") != std::string::npos, log);
  // An unknown name is not logged (it may be a password); a known one is, sanitised.
  BOOST_TEST(log.find("user=(unknown) remote=192.0.2.7:4242") != std::string::npos, log);
  BOOST_TEST(log.find("il\\\"=x") == std::string::npos, log);
  BOOST_TEST(log.find("msg=\"basic auth failures not logged\" count=3") != std::string::npos, log);
  BOOST_TEST(log.find("user=\"la\\\"t?er\"") != std::string::npos, log);
  BOOST_TEST(log.find("wrong") == std::string::npos, "a password was logged: " << log);
}
