// SPDX-License-Identifier: MIT
// privileges - the chroot and user switch of -c and -u.
#include "start/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "dgram/error.h"

namespace dgram {

namespace {

struct Account {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
};

Account look_up(const std::string& user_name) {
  errno = 0;
  passwd* pw = ::getpwnam(user_name.c_str());
  if (pw == nullptr) {
    if (errno != 0) throw_errno("look up user " + user_name);
    throw Fatal("unknown user: " + user_name + " (mail_owner)");
  }
  if (pw->pw_uid == 0) throw Fatal("user " + user_name + " has privileged user ID 0");
  Account account{pw->pw_uid, pw->pw_gid, {}};
  int count = 16;
  for (int attempt = 0; attempt < 8; ++attempt) {
    account.groups.resize(static_cast<std::size_t>(count));
    int wanted = count;
    if (::getgrouplist(user_name.c_str(), account.gid, account.groups.data(), &wanted) >= 0) {
      account.groups.resize(static_cast<std::size_t>(wanted));
      return account;
    }
    count = wanted > count ? wanted : count * 2;
  }
  throw Fatal("getgrouplist " + user_name + ": too many groups");
}

void switch_to(const Account& account, const std::string& user_name) {
  if (::setgroups(account.groups.size(), account.groups.data()) < 0) {
    throw_errno("setgroups for user " + user_name);
  }
  if (::setresgid(account.gid, account.gid, account.gid) < 0) {
    throw_errno("setresgid(" + std::to_string(account.gid) + ")");
  }
  if (::setresuid(account.uid, account.uid, account.uid) < 0) {
    throw_errno("setresuid(" + std::to_string(account.uid) + ")");
  }
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) < 0) throw_errno("getresuid");
  if (::getresgid(&rgid, &egid, &sgid) < 0) throw_errno("getresgid");
  if (ruid != account.uid || euid != account.uid || suid != account.uid ||
      rgid != account.gid || egid != account.gid || sgid != account.gid) {
    throw Fatal("switch to user " + user_name + " left a privileged user or group ID");
  }
  if (::setuid(0) == 0 || ::seteuid(0) == 0) {
    throw Fatal("switch to user " + user_name + " can be undone: refusing to continue");
  }
}

}  // namespace

void drop_privileges(const std::optional<std::string>& root_directory,
                     const std::optional<std::string>& user_name) {
  std::optional<Account> account;
  if (user_name) account = look_up(*user_name);
  if (root_directory) {
    if (::chroot(root_directory->c_str()) < 0) throw_errno("chroot(\"" + *root_directory + "\")");
    if (::chdir("/") < 0) throw_errno("chdir(\"/\") after chroot to " + *root_directory);
  }
  if (account) switch_to(*account, *user_name);
}

}  // namespace dgram
