/* Test-only LD_PRELOAD shim for the sanlock daemon: sanlock 3.8 always raises RLIMIT_MEMLOCK
 * to unlimited and exits when that fails, which it does where CAP_SYS_RESOURCE is dropped (CI
 * containers). On EPERM this retries with the limit clamped to the current hard limit. Real
 * hosts have the capability and never load this. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>

typedef int (*setrlimit_fn)(__rlimit_resource_t, const struct rlimit *);

int setrlimit(__rlimit_resource_t which, const struct rlimit *want) {
  setrlimit_fn next = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit");
  int rv = next(which, want);
  if (rv == 0 || errno != EPERM) return rv;
  struct rlimit have;
  if (getrlimit(which, &have) != 0) return rv;
  struct rlimit clamped = *want;
  if (clamped.rlim_max > have.rlim_max) clamped.rlim_max = have.rlim_max;
  if (clamped.rlim_cur > clamped.rlim_max) clamped.rlim_cur = clamped.rlim_max;
  return next(which, &clamped);
}
