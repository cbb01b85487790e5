// SPDX-License-Identifier: MIT
// expand - $name expansion of main.cf values, as Postfix does it.
// See expand.h for the forms that are understood and the diagnostics.
#include "config/expand.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <vector>

#include "dgram/config.h"
#include "config/main_cf_reader.h"

namespace dgram::detail {

namespace {

// is_name_char - a character of a parameter name: ASCII letter, digit or '_'.
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// skip_space - drop leading white space.
std::string_view skip_space(std::string_view s) {
  while (!s.empty() && is_config_space(s.front())) s.remove_prefix(1);
  return s;
}

// all_digits - non-empty and only decimal digits.
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// quoted - text in double quotes, shortened when long.
std::string quoted(std::string_view s) {
  constexpr std::size_t limit = 60;
  std::string q = "\"";
  q += s.substr(0, limit);
  if (s.size() > limit) q += "...";
  return q + "\"";
}

// One expansion: the lookup, and the parameters whose values are being
// expanded (outermost first) for loop detection and for messages.
//
// Each parameter's expansion is remembered for the rest of the expansion, so
// that a value referenced many times (p2 = ${{$p1} == {$p1}}, p3 = ... $p2
// twice ...) is expanded once, not once per path to it: the work is linear
// in the text, where Postfix's doubles at each such level. The expansion of
// a name depends only on the raw values, except for the limits on nesting
// and on parse levels, which depend on where it is used; so with each
// remembered value go the deepest nesting and parse level it reached,
// relative to where it started, and a use that would pass a limit expands
// the value again (and meets the error where Postfix meets it). A use never
// meets a loop that the first expansion did not: a name reached from N
// cannot reach N, or N's first expansion would have failed.
class Expansion {
 public:
  Expansion(const RawLookup& lookup, std::string_view owner) : lookup_(lookup) {
    if (!owner.empty()) active_.emplace_back(owner);
  }

  std::string run(std::string_view text) {
    std::string out;
    parse(text, 0, out);
    return out;
  }

 private:
  // parse - split text into literal pieces and $references and expand each;
  // depth counts the expansions that enclose the pieces of this text.
  void parse(std::string_view text, int depth, std::string& out) {
    // Postfix's count starts over inside comparisons; this one never does,
    // so that no text can exhaust the stack.
    if (++frames_ > max_frames) fail("$name references and {text} nested too deeply");
    frames_peak_ = std::max(frames_peak_, frames_);
    count_steps(1 + text.size());
    std::string literal;
    auto flush_literal = [&] {
      if (literal.empty()) return;
      check_depth(depth);
      out += literal;
      literal.clear();
      check_size(out);
    };
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$') {
        literal += text[i++];
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '$') {
        literal += '$';
        i += 2;
        continue;
      }
      flush_literal();
      ++i;
      std::string_view expr;
      if (i < text.size() && (text[i] == '{' || text[i] == '(')) {
        const char open = text[i];
        const char close = open == '{' ? '}' : ')';
        std::size_t j = i + 1;
        for (int level = 1; level > 0; ++j) {
          if (j == text.size())
            fail(std::string("unterminated \"$") + open + "\" reference in " + quoted(text));
          if (text[j] == open) ++level;
          if (text[j] == close) --level;
        }
        expr = text.substr(i + 1, j - i - 2);
        i = j;
      } else {
        std::size_t j = i;
        while (j < text.size() && is_name_char(text[j])) ++j;
        expr = text.substr(i, j - i);
        i = j;
      }
      if (expr.empty()) fail("\"$\" without a parameter name in " + quoted(text));
      check_depth(depth);
      expression(expr, depth, out);
      check_size(out);
    }
    flush_literal();
    --frames_;
  }

  // expression - one reference: the text after "$", or inside ${} or $().
  void expression(std::string_view expr, int depth, std::string& out) {
    std::string_view rest = skip_space(expr);
    std::optional<std::string> value;  // what a condition tests; nullopt = undefined
    char op = 0;

    if (!rest.empty() && rest.front() == '{') {
      value = relational(rest);
      if (!rest.empty()) {
        op = rest.front();
        if (op != '?' && op != ':')
          fail("\"?\" or \":\" expected after a comparison, at " + quoted(rest));
        rest.remove_prefix(1);
      }
    } else {
      // The name, then optional white space, then the end, '?' or ':'.
      std::size_t k = 0;
      for (;;) {
        std::size_t after = k;
        while (after < rest.size() && is_config_space(rest[after])) ++after;
        if (after == rest.size() || rest[after] == '?' || rest[after] == ':') {
          std::string_view name = rest.substr(0, k);
          if (after == rest.size()) {
            use_name(name, depth, out);
            return;
          }
          op = rest[after];
          if (const std::string* raw = lookup_(name)) value = *raw;
          rest.remove_prefix(after + 1);
          break;
        }
        if (!is_name_char(rest[k]))
          fail("bad parameter name in \"${" + std::string(expr) + "}\" at " +
               quoted(rest.substr(k)));
        ++k;
      }
    }

    const bool nonempty = value && !value->empty();
    switch (op) {
      case '?': {
        std::string_view text = operand(rest);
        if (nonempty) parse(text, depth + 1, out);
        if (rest.empty()) return;
        if (rest.front() != ':') fail("\":\" expected after {" + std::string(text) + "} at " +
                                      quoted(rest));
        rest.remove_prefix(1);
        [[fallthrough]];
      }
      case ':': {
        std::string_view text = operand(rest);
        if (!nonempty) parse(text, depth + 1, out);
        if (!rest.empty())
          fail("unexpected text after {" + std::string(text) + "} at " + quoted(rest));
        return;
      }
      default:  // a comparison on its own: "true" or nothing
        if (nonempty) parse(*value, depth + 1, out);
        return;
    }
  }

  // use_name - the value of a parameter, expanded; nothing when undefined.
  void use_name(std::string_view name, int depth, std::string& out) {
    const std::string* raw = lookup_(name);
    if (raw == nullptr || raw->empty()) return;
    auto seen = std::find(active_.begin(), active_.end(), name);
    if (seen != active_.end()) {
      std::string path;
      for (auto it = seen; it != active_.end(); ++it) path += *it + " -> ";
      path += std::string(name);
      throw ConfigError(prefix(true) + "reference loop: " + path);
    }
    auto known = expanded_.find(std::string(name));
    if (known != expanded_.end() && reuse(known->second, depth, out)) return;

    // Expand it, noting the deepest nesting and parse level reached inside.
    const int outer_deepest = deepest_, outer_peak = frames_peak_;
    deepest_ = no_depth;
    frames_peak_ = frames_;
    const std::size_t start = out.size();
    active_.emplace_back(name);
    parse(std::string(*raw), depth + 1, out);
    active_.pop_back();
    Expanded done{out.substr(start), deepest_ == no_depth ? no_depth : deepest_ - depth,
                  frames_peak_ - frames_};
    deepest_ = std::max(outer_deepest, deepest_);
    frames_peak_ = std::max(outer_peak, frames_peak_);
    expanded_.insert_or_assign(std::string(name), std::move(done));
  }

  // What a parameter expanded to, with the deepest nesting (no_depth when no
  // text was placed) and parse level its expansion reached, relative to the
  // depth and parse level of its use.
  struct Expanded {
    std::string value;
    int depth = 0;
    int frames = 0;
  };
  static constexpr int no_depth = -1'000'000;

  // reuse - the remembered expansion, when using it here stays within the
  // limits (else false: the caller expands again and meets the limit).
  bool reuse(const Expanded& known, int depth, std::string& out) {
    if (known.depth != no_depth && depth + known.depth > max_nesting) return false;
    if (frames_ + known.frames > max_frames) return false;
    if (known.depth != no_depth) deepest_ = std::max(deepest_, depth + known.depth);
    frames_peak_ = std::max(frames_peak_, frames_ + known.frames);
    count_steps(1 + known.value.size());
    out += known.value;
    check_size(out);
    return true;
  }

  // operand - the text of a ?/: branch: {text} (white space around it
  // skipped) or plain text up to the end. Advances rest past it.
  std::string_view operand(std::string_view& rest) {
    std::string_view after_space = skip_space(rest);
    if (!after_space.empty() && after_space.front() == '{') {
      rest = after_space;
      return braced(rest);
    }
    std::string_view text = rest;
    rest = {};
    return text;
  }

  // braced - the content of {...} at the start of rest, braces balanced;
  // rest is advanced past the '}' and the white space after it.
  std::string_view braced(std::string_view& rest) {
    int level = 0;
    for (std::size_t j = 0; j < rest.size(); ++j) {
      if (rest[j] == '{') ++level;
      if (rest[j] == '}' && --level == 0) {
        std::string_view content = rest.substr(1, j - 1);
        rest = skip_space(rest.substr(j + 1));
        return content;
      }
    }
    fail("unbalanced {} in " + quoted(rest));
  }

  // relational - {t1} OP {t2} at the start of rest: "true" or "".
  std::string relational(std::string_view& rest) {
    std::string_view left = braced(rest);
    std::size_t op_len = 0;
    while (op_len < rest.size() &&
           std::string_view("<>!=?+-*/~&|%").find(rest[op_len]) != std::string_view::npos)
      ++op_len;
    const std::string_view op = rest.substr(0, op_len);
    if (op != "==" && op != "!=" && op != "<" && op != "<=" && op != ">=" && op != ">")
      fail("one of == != < <= >= > expected after {" + std::string(left) + "} at " +
           quoted(rest));
    rest.remove_prefix(op_len);
    rest = skip_space(rest);
    if (rest.empty() || rest.front() != '{')
      fail("{text} expected after \"" + std::string(op) + "\" at " + quoted(rest));
    std::string_view right = braced(rest);

    // Postfix expands each side as a new expansion: the nesting count starts over.
    // Nesting seen inside does not depend on where the comparison is.
    const int outer_deepest = deepest_;
    std::string l, r;
    parse(left, 0, l);
    parse(right, 0, r);
    deepest_ = outer_deepest;
    count_steps(l.size() + r.size());
    long diff = 0;
    if (all_digits(l) && all_digits(r)) {
      diff = number(l) - number(r);
    } else {
      int c = l.compare(r);
      diff = c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    bool result = op == "==" ? diff == 0 : op == "!=" ? diff != 0 : op == "<"  ? diff < 0
                : op == "<=" ? diff <= 0 : op == ">=" ? diff >= 0 : diff > 0;
    return result ? "true" : "";
  }

  // number - a comparison operand of digits only, within the range of long.
  long number(const std::string& digits) {
    errno = 0;
    long n = std::strtol(digits.c_str(), nullptr, 10);
    if (errno == ERANGE) fail("number out of range in comparison: " + digits);
    // Both sides are at most LONG_MAX, so their difference cannot overflow.
    return n;
  }

  // check_size - stop references that double at each level before they
  // exhaust memory (Postfix has no such limit; no sane value comes near it).
  void check_size(const std::string& out) const {
    if (out.size() > max_expanded_size)
      throw ConfigError(prefix(true) + "expanded value is longer than " +
                        std::to_string(max_expanded_size) + " bytes");
  }

  void check_depth(int depth) {
    if (depth > max_nesting)
      throw ConfigError(prefix(true) + "$name references nested more than " +
                        std::to_string(max_nesting) + " levels deep");
    deepest_ = std::max(deepest_, depth);
  }

  // count_steps - the work done so far (text scanned, bytes copied) stays
  // below max_steps: a bound on time that no sane configuration comes near.
  void count_steps(std::size_t n) {
    steps_ += static_cast<long>(n);
    if (steps_ > max_steps)
      throw ConfigError("expansion of " + (active_.empty() ? std::string("text") : active_.front()) +
                        " takes too many steps (more than " + std::to_string(max_steps) + ")");
  }

  // prefix - "parameter NAME: " naming the outermost parameter (top) or the
  // one whose value holds the text being read.
  std::string prefix(bool top) const {
    if (active_.empty()) return "";
    return "parameter " + (top ? active_.front() : active_.back()) + ": ";
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string line = prefix(false) + what;
    if (active_.size() > 1) line += " (while expanding " + active_.front() + ")";
    throw ConfigError(line);
  }

  static constexpr int max_frames = 250;  // parse() calls; Postfix's limit needs about 102
  static constexpr std::size_t max_expanded_size = 16 << 20;
  static constexpr long max_steps = 1L << 28;

  const RawLookup& lookup_;
  std::vector<std::string> active_;
  std::unordered_map<std::string, Expanded> expanded_;  // by parameter name
  int frames_ = 0;
  int frames_peak_ = 0;       // the highest frames_ since the innermost use_name began
  int deepest_ = no_depth;    // the deepest check_depth() at this comparison level, likewise
  long steps_ = 0;
};

}  // namespace

std::string expand_value(std::string_view text, std::string_view owner, const RawLookup& lookup) {
  return Expansion(lookup, owner).run(text);
}

}  // namespace dgram::detail
