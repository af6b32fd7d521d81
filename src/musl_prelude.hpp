// SPDX-License-Identifier: MIT
// musl_prelude: pre-included (-include) into every file of the musl build only, before any
// libstdc++ header. Adapts libstdc++'s glibc-configured headers to musl; must not declare anything
// unroot's own code uses.
#pragma once

// libstdc++'s os_defines.h (configured for glibc) tests glibc versions with __GLIBC_PREREQ, which
// musl's <features.h> does not define. musl is not glibc: every such test is false.
#ifndef __GLIBC_PREREQ
#define __GLIBC_PREREQ(major, minor) 0
#endif

// libstdc++'s c++locale.h names glibc's internal __locale_t; musl calls the same type locale_t.
// Nothing in unroot uses locales (no iostreams), the headers merely mention the type.
#include <locale.h>
typedef locale_t __locale_t;

// libstdc++ was configured against glibc 2.36, so its <mutex>/<condition_variable> internals
// (reached from <atomic> through atomic_wait.h) call glibc's pthread_*_clock* functions, which
// musl 1.2.3 lacks. Declared here so that the headers parse; nothing in src/ calls them, and a
// use would fail at link time rather than silently misbehave.
#include <pthread.h>
#include <time.h>
extern "C" {
int pthread_cond_clockwait(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
int pthread_mutex_clocklock(pthread_mutex_t*, clockid_t, const struct timespec*);
int pthread_rwlock_clockrdlock(pthread_rwlock_t*, clockid_t, const struct timespec*);
int pthread_rwlock_clockwrlock(pthread_rwlock_t*, clockid_t, const struct timespec*);
}
