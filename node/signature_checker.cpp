// Signature verification pool; see signature_checker.h.
#include "node/signature_checker.h"

#include "util/thread_name.h"

#include <algorithm>

namespace finch::node {

SignatureJob::SignatureJob(std::shared_ptr<const Block> block, const std::vector<Hash256>& txids,
                           const SignatureCache* cache, const Hash256& genesis)
    : m_block(std::move(block)), m_genesis(genesis), m_keys(cache ? &cache->keys() : nullptr) {
    m_todo.reserve(m_block->txs.size());
    const std::vector<bool> unchecked = cache ? cache->absent(txids) : std::vector<bool>();
    for (size_t i = 0; i < m_block->txs.size(); ++i)
        if (!cache || unchecked[i + 1]) m_todo.push_back(&m_block->txs[i]);
}

void SignatureJob::work(size_t max_items) {
    for (size_t i, n = 0; n < max_items && (i = m_next.fetch_add(1, std::memory_order_relaxed)) < m_todo.size(); ++n) {
        if (!m_cancelled.load(std::memory_order_relaxed) && !m_failed.load(std::memory_order_relaxed) &&
            !check_signature(*m_todo[i], m_genesis, m_keys)) {
            m_failed_index = i;
            m_failed = true;
        }
        if (m_finished.fetch_add(1, std::memory_order_acq_rel) + 1 == m_todo.size()) {
            util::LockGuard lock(m_mutex);
            m_done.notify_all();
        }
    }
}

SignatureChecker::SignatureChecker(const Hash256& genesis, const SignatureCache* cache, unsigned threads)
    : m_genesis(genesis), m_cache(cache) {
    for (unsigned t = 0; t < std::max(1u, threads); ++t)
        m_threads.emplace_back([this] {
            util::set_thread_name("finch-sigcheck");
            run();
        });
}

SignatureChecker::~SignatureChecker() {
    {
        util::LockGuard lock(m_mutex);
        m_stopping = true;
        for (auto& job : m_queue) job->cancel();
    }
    m_wake.notify_all();
    for (auto& t : m_threads) t.join();
}

std::shared_ptr<SignatureJob> SignatureChecker::submit(std::shared_ptr<const Block> block,
                                                       const std::vector<Hash256>& txids, bool urgent) {
    auto job = std::make_shared<SignatureJob>(std::move(block), txids, m_cache, m_genesis);
    if (job->size() == 0) return job;
    {
        util::LockGuard lock(m_mutex);
        if (urgent) m_queue.push_front(job);
        else m_queue.push_back(job);
    }
    // Small jobs are cheaper done by the caller alone than handed to a second thread.
    if (job->size() >= 32) m_wake.notify_all();
    else m_wake.notify_one();
    return job;
}

void SignatureChecker::run() {
    for (;;) {
        std::shared_ptr<SignatureJob> job;
        {
            util::UniqueLock lock(m_mutex);
            for (;;) {  // jobs whose checks are all claimed leave the queue
                while (!m_queue.empty() && m_queue.front()->exhausted()) m_queue.pop_front();
                if (m_stopping || !m_queue.empty()) break;
                lock.wait(m_wake);
            }
            if (m_stopping) return;
            job = m_queue.front();
        }
        job->work(8);  // then look again: an urgent job may have arrived
    }
}

void SignatureChecker::finish_wait(SignatureJob& job) {
    util::UniqueLock lock(job.m_mutex);
    while (job.m_finished.load(std::memory_order_acquire) < job.m_todo.size()) lock.wait(job.m_done);
}

Status SignatureChecker::wait(SignatureJob& job) {
    job.work();
    finish_wait(job);
    if (job.m_failed) {
        const Transaction* bad = job.m_todo[job.m_failed_index.load()];
        return reject("bad-signature", "transaction " + bad->txid().to_hex() + " has an invalid signature");
    }
    if (job.m_cancelled) return reject("internal", "signature checks were cancelled", Fault::Decode);
    return Status::accepted();
}

void SignatureChecker::abandon(SignatureJob& job) {
    job.cancel();
    job.work();  // claims what is left without checking it
    finish_wait(job);
}

size_t SignatureChecker::queued_jobs() const {
    util::LockGuard lock(m_mutex);
    return m_queue.size();
}

}  // namespace finch::node
