// SPDX-License-Identifier: MIT
// version_test - dgram::version(), the pkg-config file and meson's project
// version all say the same.
#include "dgram/version.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

TEST(Version, IsMesonsProjectVersion) { EXPECT_EQ(dgram::version(), DGRAM_EXPECTED_VERSION); }

TEST(Version, ThePkgConfigFileSaysTheSame) {
  const char* path = std::getenv("PKG_CONFIG_PATH");
  ASSERT_NE(path, nullptr) << "meson sets PKG_CONFIG_PATH to the uninstalled .pc files";
  FILE* out = ::popen("pkg-config --modversion dgram-server 2>&1", "r");
  ASSERT_NE(out, nullptr);
  std::string text;
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), out) != nullptr) text += buffer;
  int status = ::pclose(out);
  ASSERT_EQ(status, 0) << text;
  EXPECT_EQ(text, std::string(DGRAM_EXPECTED_VERSION) + "\n");
}

}  // namespace
