#include "hooks/tsig/tsig_key.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "core/file_io.h"

namespace hawatch::alerting::failover {
namespace {

struct AlgorithmName {
  TsigAlgorithm algorithm;
  std::string_view name;
  std::string_view wire;
};

constexpr std::array<AlgorithmName, 6> kAlgorithms{{
    {TsigAlgorithm::hmac_md5, "hmac-md5", "hmac-md5.sig-alg.reg.int."},
    {TsigAlgorithm::hmac_sha1, "hmac-sha1", "hmac-sha1."},
    {TsigAlgorithm::hmac_sha224, "hmac-sha224", "hmac-sha224."},
    {TsigAlgorithm::hmac_sha256, "hmac-sha256", "hmac-sha256."},
    {TsigAlgorithm::hmac_sha384, "hmac-sha384", "hmac-sha384."},
    {TsigAlgorithm::hmac_sha512, "hmac-sha512", "hmac-sha512."},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Token {
  enum class Kind { word, string, open, close, semicolon, end } kind = Kind::end;
  std::string text;
  int line = 1;
};

// The named.conf subset a key file uses: words, "strings", { } ; and the three comment styles.
class Lexer {
 public:
  Lexer(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  std::optional<Token> next(std::string& error) {
    if (!skip_blanks(error)) return std::nullopt;
    Token t;
    t.line = line_;
    if (pos_ >= text_.size()) return t;
    const char c = text_[pos_];
    if (c == '{' || c == '}' || c == ';') {
      ++pos_;
      t.kind = c == '{'   ? Token::Kind::open
               : c == '}' ? Token::Kind::close
                          : Token::Kind::semicolon;
      return t;
    }
    if (c == '"') return quoted(t, error);
    while (pos_ < text_.size() && word_char(text_[pos_])) t.text += text_[pos_++];
    if (t.text.empty()) {
      error = at(line_) + "unexpected character " + shown(c);
      return std::nullopt;
    }
    t.kind = Token::Kind::word;
    return t;
  }

  std::string at(int line) const { return source_ + ":" + std::to_string(line) + ": "; }

 private:
  static bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '+' || c == '/' || c == '=';
  }
  static std::string shown(char c) {
    if (std::isprint(static_cast<unsigned char>(c))) return std::string("'") + c + "'";
    return "byte " + std::to_string(static_cast<unsigned char>(c));
  }

  std::optional<Token> quoted(Token& t, std::string& error) {
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\n') {
        error = at(t.line) + "string not closed on its line";
        return std::nullopt;
      }
      if (c == '\\' && pos_ < text_.size()) c = text_[pos_++];
      t.text += c;
    }
    if (pos_ >= text_.size()) {
      error = at(t.line) + "string not closed";
      return std::nullopt;
    }
    ++pos_;
    t.kind = Token::Kind::string;
    return t;
  }

  bool skip_blanks(std::string& error) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#' || text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const int start = line_;
        const std::size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          error = at(start) + "comment not closed";
          return false;
        }
        line_ += static_cast<int>(std::count(text_.begin() + pos_, text_.begin() + end, '\n'));
        pos_ = end + 2;
      } else {
        return true;
      }
    }
    return true;
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

// Strict base64 (RFC 4648, padding required): what tsig-keygen writes.
std::optional<std::vector<std::uint8_t>> decode_base64(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxSecretBytes * 2)
    return std::nullopt;
  const std::size_t pad = text.size() - text.find_last_not_of('=') - 1;
  if (pad > 2 || text.find('=') < text.size() - pad) return std::nullopt;
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool valid_key_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label == 0 && !(i + 1 == name.size() && i > 0)) return false;
      label = 0;
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    } else if (++label > 63) {
      return false;
    }
  }
  return true;
}

class KeyFileParser {
 public:
  KeyFileParser(std::string_view text, const std::string& source) : lex_(text, source) {}

  std::optional<std::vector<TsigKey>> parse(std::string& error) {
    std::vector<TsigKey> keys;
    while (true) {
      auto t = lex_.next(error);
      if (!t) return std::nullopt;
      if (t->kind == Token::Kind::end) break;
      if (t->kind != Token::Kind::word || lower(t->text) != "key")
        return fail(error, t->line, "expected a key statement (key \"name\" { ... };)");
      auto key = key_statement(error);
      if (!key) return std::nullopt;
      for (const TsigKey& k : keys)
        if (k.name == key->name) return fail(error, t->line, "key \"" + k.name + "\" twice");
      if (keys.size() == kMaxKeysPerFile)
        return fail(error, t->line, "more than " + std::to_string(kMaxKeysPerFile) + " keys");
      keys.push_back(std::move(*key));
    }
    if (keys.empty()) return fail(error, 1, "no key statement");
    return keys;
  }

 private:
  std::nullopt_t fail(std::string& error, int line, const std::string& message) {
    error = lex_.at(line) + message;
    return std::nullopt;
  }

  // Expects a token of `kind`; reports `what` was expected otherwise.
  std::optional<Token> expect(Token::Kind kind, const std::string& what, std::string& error) {
    auto t = lex_.next(error);
    if (!t) return std::nullopt;
    if (t->kind != kind) {
      fail(error, t->line, "expected " + what);
      return std::nullopt;
    }
    return t;
  }

  std::optional<TsigKey> key_statement(std::string& error) {
    auto name = lex_.next(error);
    if (!name) return std::nullopt;
    if (name->kind != Token::Kind::word && name->kind != Token::Kind::string)
      return fail(error, name->line, "expected the key's name after \"key\"");
    TsigKey key;
    key.name = lower(name->text);
    if (!key.name.empty() && key.name.back() != '.') key.name += '.';
    if (!valid_key_name(key.name))
      return fail(error, name->line, "\"" + name->text + "\" is not a valid key name");
    if (!expect(Token::Kind::open, "'{' after the key's name", error)) return std::nullopt;
    std::optional<int> algorithm_line, secret_line;
    while (true) {
      auto t = lex_.next(error);
      if (!t) return std::nullopt;
      if (t->kind == Token::Kind::close) break;
      if (t->kind != Token::Kind::word)
        return fail(error, t->line, "expected algorithm, secret or '}'");
      const std::string clause = lower(t->text);
      if (clause == "algorithm") {
        if (algorithm_line) return fail(error, t->line, "algorithm given twice");
        algorithm_line = t->line;
        auto value = expect(Token::Kind::word, "an algorithm name", error);
        if (!value) return std::nullopt;
        auto a = tsig_algorithm_from_name(lower(value->text));
        if (!a)
          return fail(error, value->line,
                      "unknown algorithm \"" + value->text +
                          "\" (hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, "
                          "hmac-sha512)");
        key.algorithm = *a;
      } else if (clause == "secret") {
        if (secret_line) return fail(error, t->line, "secret given twice");
        secret_line = t->line;
        auto value = expect(Token::Kind::string, "the secret as a quoted base64 string", error);
        if (!value) return std::nullopt;
        auto secret = decode_base64(value->text);
        if (!secret || secret->empty())
          return fail(error, value->line, "the secret is not valid base64 (or too long)");
        key.secret = std::move(*secret);
      } else {
        return fail(error, t->line, "unknown clause \"" + t->text + "\" in a key statement");
      }
      if (!expect(Token::Kind::semicolon, "';'", error)) return std::nullopt;
    }
    if (!expect(Token::Kind::semicolon, "';' after the key statement's '}'", error))
      return std::nullopt;
    if (!algorithm_line)
      return fail(error, name->line, "key \"" + name->text + "\" has no algorithm");
    if (!secret_line) return fail(error, name->line, "key \"" + name->text + "\" has no secret");
    return key;
  }

  Lexer lex_;
};

}  // namespace

std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view name) {
  for (const auto& a : kAlgorithms)
    if (a.name == name) return a.algorithm;
  return std::nullopt;
}

std::string_view tsig_algorithm_name(TsigAlgorithm algorithm) {
  for (const auto& a : kAlgorithms)
    if (a.algorithm == algorithm) return a.name;
  return "?";
}

std::string_view tsig_algorithm_wire_name(TsigAlgorithm algorithm) {
  for (const auto& a : kAlgorithms)
    if (a.algorithm == algorithm) return a.wire;
  return "?";
}

std::optional<std::vector<TsigKey>> parse_tsig_key_file(std::string_view text,
                                                        const std::string& source,
                                                        std::string& error) {
  if (text.size() > kMaxKeyFileBytes) {
    error = source + ": larger than " + std::to_string(kMaxKeyFileBytes) + " bytes";
    return std::nullopt;
  }
  return KeyFileParser(text, source).parse(error);
}

std::optional<TsigKey> read_tsig_key(const std::string& path, const std::string& key_name,
                                     std::string& error) {
  std::string text;
  std::string why;
  if (!read_regular_file_into(path, text, why, kMaxKeyFileBytes)) {
    error = path + ": " + why;
    return std::nullopt;
  }
  auto keys = parse_tsig_key_file(text, path, error);
  if (!keys) return std::nullopt;
  if (key_name.empty()) {
    if (keys->size() == 1) return std::move(keys->front());
    error = path + ": holds " + std::to_string(keys->size()) +
            " keys; say which one with tsig_key_name";
    return std::nullopt;
  }
  std::string wanted = lower(key_name);
  if (wanted.back() != '.') wanted += '.';
  for (TsigKey& k : *keys)
    if (k.name == wanted) return std::move(k);
  error = path + ": has no key \"" + key_name + "\"";
  return std::nullopt;
}

}  // namespace hawatch::alerting::failover
