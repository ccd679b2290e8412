// Signature verification on a fixed pool of threads. A block's signatures do not depend on
// the ledger state (the signature hash commits only to the transaction and the network's
// genesis), so they can be checked before the block's turn to connect: as soon as it
// passes its header checks, or while earlier blocks of a reorg or reindex are being
// written. Connection then waits only for what is still unchecked, and helps with it.
#pragma once

#include "consensus/block.h"
#include "consensus/result.h"
#include "node/signature_cache.h"
#include "util/thread_annotations.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

namespace finch::node {

// The uncached signatures of one block. Shared by the pool's threads and the connecting
// thread; keeps the block alive until every claimed check has finished.
class SignatureJob {
public:
    SignatureJob(std::shared_ptr<const Block> block, const std::vector<Hash256>& txids, const SignatureCache* cache,
                 const Hash256& genesis);

    size_t size() const { return m_todo.size(); }
    // Checks up to `max_items` signatures (all that are left by default).
    void work(size_t max_items = SIZE_MAX);
    // Stops further checks (a verdict is no longer needed); claimed ones still finish.
    void cancel() { m_cancelled = true; }
    bool exhausted() const { return m_next.load(std::memory_order_relaxed) >= m_todo.size(); }

private:
    friend class SignatureChecker;
    std::shared_ptr<const Block> m_block;
    const Hash256 m_genesis;
    PublicKeyCache* m_keys;  // decoded sender keys, when a cache was given
    std::vector<const Transaction*> m_todo;
    std::atomic<size_t> m_next{0};
    std::atomic<size_t> m_finished{0};
    std::atomic<bool> m_failed{false};
    std::atomic<bool> m_cancelled{false};
    std::atomic<size_t> m_failed_index{0};
    // Guards no data: m_done is signalled under it when the last check finishes, so a waiter
    // that saw unfinished checks cannot miss the wake-up.
    util::Mutex m_mutex;
    std::condition_variable m_done;
};

class SignatureChecker {
public:
    // `threads` workers (at least one); the thread waiting for a verdict works too.
    SignatureChecker(const Hash256& genesis, const SignatureCache* cache, unsigned threads);
    ~SignatureChecker();
    SignatureChecker(const SignatureChecker&) = delete;
    SignatureChecker& operator=(const SignatureChecker&) = delete;

    // Queues a block's signatures (those not in the cache). `urgent` puts the job ahead of
    // read-ahead work: it is the block being connected now. `txids` includes the coinbase.
    std::shared_ptr<SignatureJob> submit(std::shared_ptr<const Block> block, const std::vector<Hash256>& txids,
                                         bool urgent) EXCLUDES(m_mutex);
    // Helps with the job until every signature is checked, then returns the verdict: the
    // first invalid signature found, or accepted.
    Status wait(SignatureJob& job) EXCLUDES(job.m_mutex);
    // Stops a job whose verdict is no longer wanted and waits for checks in progress, so
    // the block it points to may be released.
    void abandon(SignatureJob& job) EXCLUDES(job.m_mutex);

    size_t queued_jobs() const EXCLUDES(m_mutex);
    unsigned threads() const { return static_cast<unsigned>(m_threads.size()); }

private:
    void run() EXCLUDES(m_mutex);
    static void finish_wait(SignatureJob& job) EXCLUDES(job.m_mutex);

    const Hash256 m_genesis;
    const SignatureCache* m_cache;
    mutable util::Mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<SignatureJob>> m_queue GUARDED_BY(m_mutex);  // urgent first, then in submission order
    bool m_stopping GUARDED_BY(m_mutex) = false;
    std::vector<std::thread> m_threads;
};

}  // namespace finch::node
