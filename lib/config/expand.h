// SPDX-License-Identifier: MIT
// expand - $name expansion of main.cf values, as Postfix does it.
//
// SUMMARY
//   expand_value() replaces the references in a value by the values they name:
//   - $name, ${name}, $(name): the value of name, itself expanded; nothing
//     when name is undefined or empty. A bare $name ends at the first
//     character that is not a letter, digit or '_'.
//   - $$: a literal '$' (the result is not scanned again).
//   - ${name?text}: text (expanded) when the raw value of name is non-empty;
//     ${name:text}: text when it is empty or undefined. Plain text runs to the
//     closing brace, white space included.
//   - ${name?{text}}, ${name:{text}}, ${name?{t1}:{t2}}, ${name?{t1}:t2}:
//     the Postfix 3 forms; white space around {text} is ignored.
//   - ${{t1} OP {t2}}, optionally followed by ?{t3} and/or :{t4}: relational
//     expressions (OP is == != < <= >= >); numeric when both sides are all
//     digits, byte-wise otherwise. The expression itself yields "true" or "".
//   Conditions test the raw (unexpanded) value of the name, as Postfix does.
//   Text of a branch that is not taken is not examined.
//   Within one expand_value() call each parameter is expanded once and its
//   result reused, so the work grows with the text and the results, never
//   exponentially (Postfix expands a value again at each reference).
//
// DIAGNOSTICS
//   Every problem is a ConfigError with one line that names the parameter
//   being expanded: a reference loop (with its path), references nested more
//   than max_nesting levels deep (Postfix's limit, kept so that the same
//   configurations are accepted), text nested more than 250 levels deep
//   (which Postfix would crash on), a result longer than 16 MiB (references
//   that double at each level), more than 2^28 steps of work (text scanned
//   plus bytes copied: "expansion of NAME takes too many steps"), an
//   unterminated ${ or $(, a '$' without a name, a bad name inside ${...},
//   unbalanced {} or text where an operator, '?', ':' or {text} was expected.
//
// SEE ALSO
//   config.cpp (the store that supplies raw values), postconf(5).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace dgram::detail {

// The raw value of a parameter, or nullptr when it is not defined. The
// pointer must stay valid for the duration of one expand_value() call.
using RawLookup = std::function<const std::string*(std::string_view name)>;

// Postfix gives up when one piece of text is processed under more than this
// many nested expansions.
inline constexpr int max_nesting = 100;

// expand_value - expand text; owner names the parameter it came from (may be
// empty for free text) and is used in messages and for loop detection.
std::string expand_value(std::string_view text, std::string_view owner, const RawLookup& lookup);

}  // namespace dgram::detail
