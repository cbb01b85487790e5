// SPDX-License-Identifier: MIT
// param_tables - typed tables of main.cf parameters a service declares.
//
// Each entry names a parameter, its default, where to store the value and,
// for numbers and strings, its bounds (0 = no bound). The skeleton loads the
// tables after main.cf and the command line are read, before the pre-init
// hook, exactly as Postfix's CONFIG_*_TABLE arrays are loaded.
#pragma once

#include "dgram/cxx20.h"
#if __cplusplus >= 202002L  // else cxx20.h has said why, once

#include <string>
#include <vector>

namespace dgram {

struct IntParam {
  std::string name;
  int default_value;
  int* target;
  int min = 0;
  int max = 0;
};

struct LongParam {
  std::string name;
  long default_value;
  long* target;
  long min = 0;
  long max = 0;
};

struct StrParam {
  std::string name;
  std::string default_value;  // expanded like a configured value
  std::string* target;
  int min_length = 0;
  int max_length = 0;
};

struct BoolParam {
  std::string name;
  bool default_value;
  bool* target;
};

struct TimeParam {
  std::string name;
  std::string default_value;  // e.g. "100s"; its unit is the default unit
  int* target;                // seconds, an int as in Postfix (not std::chrono, on purpose)
  int min = 0;
  int max = 0;
};

struct RawParam {  // never $-expanded
  std::string name;
  std::string default_value;
  std::string* target;
  int min_length = 0;
  int max_length = 0;
};

struct NintParam {  // int whose default is an expression, expanded first
  std::string name;
  std::string default_value;
  int* target;
  int min = 0;
  int max = 0;
};

struct NboolParam {  // bool whose default is an expression, expanded first
  std::string name;
  std::string default_value;
  bool* target;
};

struct ParamTables {
  std::vector<IntParam> ints;
  std::vector<LongParam> longs;
  std::vector<StrParam> strs;
  std::vector<BoolParam> bools;
  std::vector<TimeParam> times;
  std::vector<RawParam> raws;
  std::vector<NintParam> nints;
  std::vector<NboolParam> nbools;
};

}  // namespace dgram

#endif  // C++20
