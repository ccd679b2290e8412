// Clang's thread-safety analysis (-Wthread-safety): macros that name which mutex guards a
// member and which locks a function needs, and a mutex and lock guards that carry those
// annotations (libstdc++'s std::mutex and std::lock_guard carry none, so the analysis
// cannot see them). Under other compilers the macros expand to nothing and the classes
// are thin wrappers over std::mutex with the same cost.
//
//   util::Mutex m_mutex;
//   int m_count GUARDED_BY(m_mutex) = 0;
//   void bump_locked() REQUIRES(m_mutex);     // caller holds m_mutex
//   void bump() EXCLUDES(m_mutex) { util::LockGuard lock(m_mutex); bump_locked(); }
//
// util::SharedMutex (std::shared_mutex) takes util::SharedLock for readers and
// util::ExclusiveLock for writers.
//
// Condition variables: util::UniqueLock::wait() hands the lock to a std::condition_variable
// and holds it again on return, so the analysis sees the mutex held throughout. Write the
// predicate as a loop around wait(): a lambda is analysed as a function of its own, which
// does not know that the lock is held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define FINCH_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FINCH_THREAD_ANNOTATION(x)
#endif

// A type that is a lock ("mutex") or a scoped holder of one.
#define CAPABILITY(name) FINCH_THREAD_ANNOTATION(capability(name))
#define SCOPED_CAPABILITY FINCH_THREAD_ANNOTATION(scoped_lockable)
// Data members: read and written only with the mutex held (PT_: the data pointed to).
#define GUARDED_BY(m) FINCH_THREAD_ANNOTATION(guarded_by(m))
#define PT_GUARDED_BY(m) FINCH_THREAD_ANNOTATION(pt_guarded_by(m))
// Lock order: this mutex is taken after / before the ones named.
#define ACQUIRED_AFTER(...) FINCH_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) FINCH_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
// Functions: the caller must hold (REQUIRES) or must not hold (EXCLUDES) the mutexes.
#define REQUIRES(...) FINCH_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) FINCH_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) FINCH_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LOCKS_EXCLUDED(...) EXCLUDES(__VA_ARGS__)
// Functions that take or release a mutex and return with it so (no argument: `this`).
#define ACQUIRE(...) FINCH_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) FINCH_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) FINCH_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) FINCH_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) FINCH_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) FINCH_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) FINCH_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) FINCH_THREAD_ANNOTATION(lock_returned(x))
// Turns the analysis off for one function. Every use says why the pattern cannot be expressed.
#define NO_THREAD_SAFETY_ANALYSIS FINCH_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace finch::util {

// std::mutex, annotated.
class CAPABILITY("mutex") Mutex {
public:
    Mutex() = default;
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock() ACQUIRE() { m_mutex.lock(); }
    void unlock() RELEASE() { m_mutex.unlock(); }
    bool try_lock() TRY_ACQUIRE(true) { return m_mutex.try_lock(); }

    // For EXCLUDES(!m) style negative requirements, should they ever be enabled.
    const Mutex& operator!() const { return *this; }

private:
    friend class UniqueLock;
    std::mutex m_mutex;
};

// std::lock_guard for util::Mutex: holds it from construction to the end of the scope.
class SCOPED_CAPABILITY LockGuard {
public:
    explicit LockGuard(Mutex& mutex) ACQUIRE(mutex) : m_mutex(mutex) { m_mutex.lock(); }
    ~LockGuard() RELEASE() { m_mutex.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    Mutex& m_mutex;
};

// std::unique_lock for util::Mutex: may be unlocked and locked again within its scope, and
// waits on a std::condition_variable.
class SCOPED_CAPABILITY UniqueLock {
public:
    explicit UniqueLock(Mutex& mutex) ACQUIRE(mutex) : m_lock(mutex.m_mutex) {}
    ~UniqueLock() RELEASE() {}
    UniqueLock(const UniqueLock&) = delete;
    UniqueLock& operator=(const UniqueLock&) = delete;

    void lock() ACQUIRE() { m_lock.lock(); }
    void unlock() RELEASE() { m_lock.unlock(); }

    // Releases the mutex while waiting; it is held again when these return.
    void wait(std::condition_variable& cv) { cv.wait(m_lock); }
    template <typename Rep, typename Period>
    std::cv_status wait_for(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& timeout) {
        return cv.wait_for(m_lock, timeout);
    }

private:
    std::unique_lock<std::mutex> m_lock;
};

// std::shared_mutex, annotated: many readers (SharedLock) or one writer (ExclusiveLock).
class CAPABILITY("shared_mutex") SharedMutex {
public:
    SharedMutex() = default;
    SharedMutex(const SharedMutex&) = delete;
    SharedMutex& operator=(const SharedMutex&) = delete;

    void lock() ACQUIRE() { m_mutex.lock(); }
    void unlock() RELEASE() { m_mutex.unlock(); }
    void lock_shared() ACQUIRE_SHARED() { m_mutex.lock_shared(); }
    void unlock_shared() RELEASE_SHARED() { m_mutex.unlock_shared(); }

    const SharedMutex& operator!() const { return *this; }

private:
    std::shared_mutex m_mutex;
};

class SCOPED_CAPABILITY ExclusiveLock {
public:
    explicit ExclusiveLock(SharedMutex& mutex) ACQUIRE(mutex) : m_mutex(mutex) { m_mutex.lock(); }
    ~ExclusiveLock() RELEASE() { m_mutex.unlock(); }
    ExclusiveLock(const ExclusiveLock&) = delete;
    ExclusiveLock& operator=(const ExclusiveLock&) = delete;

private:
    SharedMutex& m_mutex;
};

class SCOPED_CAPABILITY SharedLock {
public:
    explicit SharedLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : m_mutex(mutex) { m_mutex.lock_shared(); }
    ~SharedLock() RELEASE() { m_mutex.unlock_shared(); }
    SharedLock(const SharedLock&) = delete;
    SharedLock& operator=(const SharedLock&) = delete;

private:
    SharedMutex& m_mutex;
};

}  // namespace finch::util
