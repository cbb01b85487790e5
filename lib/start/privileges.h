// SPDX-License-Identifier: MIT
// privileges - chroot to a directory and switch to an unprivileged user.
//
// The user is looked up before the chroot (its password and group files stay
// outside). The switch sets the group, the supplementary groups and the user,
// then checks that it cannot be undone: real, effective and saved ids are all
// the target's, and becoming root again fails. Each failure is Fatal.
#pragma once

#include <optional>
#include <string>

namespace dgram {

void drop_privileges(const std::optional<std::string>& root_directory,
                     const std::optional<std::string>& user_name);

}  // namespace dgram
