// The chainstate: the block tree, fork choice (most work, first seen on ties), reorgs and
// the only place where the ledger's state changes, one block at a time.
#pragma once

#include "consensus/params.h"
#include "node/notifications.h"
#include "util/metrics.h"
#include "node/orphan_pool.h"
#include "node/signature_cache.h"
#include "node/signature_checker.h"
#include "storage/ledger_store.h"
#include "util/thread_annotations.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace finch::node {

struct BlockNode {
    Hash256 hash;
    BlockHeader header;
    uint64_t height = 0;
    Uint256 chain_work;
    uint32_t status = 0;
    uint64_t sequence = 0;
    BlockNode* parent = nullptr;
    BlockNode* skip = nullptr;  // an earlier ancestor, so ancestor() takes O(log n) steps

    bool failed() const { return status & (storage::kFailed | storage::kFailedParent); }
    bool has_data() const { return status & storage::kHaveData; }
    // The ancestor at `h` (this node when h == height); nullptr when h > height.
    BlockNode* ancestor(uint64_t h);
    const BlockNode* ancestor(uint64_t h) const { return const_cast<BlockNode*>(this)->ancestor(h); }
    void build_skip();
    storage::BlockIndexRecord record() const { return {header, hash, height, chain_work, status, sequence}; }
};

enum class BlockOutcome {
    Connected,  // stored and now on the active chain (or a descendant of it is)
    Stored,     // valid so far and stored, on a side branch with less work
    Orphan,     // parent unknown: held until it arrives
    Duplicate,  // already known
    Rejected,   // see rejection
};

struct BlockAcceptance {
    BlockOutcome outcome = BlockOutcome::Rejected;
    std::optional<Rejection> rejection;
    bool ok() const { return outcome != BlockOutcome::Rejected; }
};

// How a run of headers fared (Chainstate::accept_headers).
enum class HeadersOutcome {
    Accepted,       // every header is known now (new or not)
    UnknownParent,  // the first header's parent is unknown: ask for the headers before it
    Rejected,       // see rejection; by its fault, the sender misbehaved (Consensus, Decode) or not
};

struct HeadersAcceptance {
    HeadersOutcome outcome = HeadersOutcome::Rejected;
    std::optional<Rejection> rejection;
    size_t added = 0;            // headers that were new
    std::optional<Hash256> last;  // the last header accepted (a peer that sent them holds it)
};

// A node of the header tree as readers see it.
struct HeaderEntry {
    Hash256 hash;
    Hash256 prev_hash;
    uint64_t height = 0;
    Uint256 chain_work;
    bool have_data = false;
    bool body_waiting = false;  // the body arrived and waits in the orphan pool for its parent's
    bool failed = false;
    bool on_active_chain = false;
};

struct ChainTipEntry {  // for getchaintips
    Hash256 hash;
    uint64_t height = 0;
    uint64_t branch_length = 0;
    std::string status;  // active, valid-fork, valid-headers, invalid
};

// Header-only nodes the tree holds before it takes only runs with more work (see
// Chainstate::accept_headers).
inline constexpr size_t kMaxHeaderOnly = 200'000;

class Chainstate {
public:
    struct Options {
        size_t max_orphans = 100;
        size_t max_orphan_bytes = 20'000'000;
        size_t max_header_only = kMaxHeaderOnly;  // see accept_headers
        unsigned verify_threads = 0;  // 0: one per core
        std::function<uint64_t()> clock;  // seconds since the epoch; defaults to the system clock
    };

    Chainstate(storage::LedgerStore& store, const ChainParams& params, SignatureCache* sigcache, Options options);
    Chainstate(storage::LedgerStore& store, const ChainParams& params, SignatureCache* sigcache = nullptr)
        : Chainstate(store, params, sigcache, Options{}) {}

    // Loads the block tree from the store (creating genesis on an empty store) and resumes
    // at the stored tip. Fails on a corrupt store or a genesis that does not match.
    Status load() EXCLUDES(m_mutex);
    // Rebuilds accounts and indexes from the stored block bodies.
    Status reindex() EXCLUDES(m_mutex);

    void subscribe(ChainNotifications* n) EXCLUDES(m_mutex);

    // Validates, stores and (if it has the most work) connects a block.
    BlockAcceptance accept_block(const Block& block) EXCLUDES(m_mutex);
    // Adds a run of consecutive headers (each the parent of the next) to the header tree
    // after the header rules (proof of work, difficulty for its place, time); bodies follow
    // later through accept_block. Header-only nodes live in memory: after a restart they
    // are fetched again (bounded: see below).
    // Past `Options::max_header_only` header-only nodes, a run is accepted only when its last header
    // has more work than the best header so far (the chain everyone follows always does;
    // a pile of cheap side branches does not), so the tree stays bounded without ever
    // refusing the most-work chain.
    HeadersAcceptance accept_headers(std::span<const BlockHeader> headers) EXCLUDES(m_mutex);

    // Header tree readers (they wait for an activation in progress).
    std::optional<HeaderEntry> header(const Hash256& hash) const EXCLUDES(m_mutex);
    // The ancestors of `best` at heights [from, from + count), bounded by best's height.
    std::vector<HeaderEntry> branch(const Hash256& best, uint64_t from, size_t count) const EXCLUDES(m_mutex);
    // The highest block of the active chain that is an ancestor of `best`.
    std::optional<HeaderEntry> fork_point(const Hash256& best) const EXCLUDES(m_mutex);

    // Readers: these never wait for a block being validated.
    TipInfo tip() const EXCLUDES(m_tip_mutex);
    // Bits and minimum time for a block on top of the current tip.
    uint32_t next_bits() const EXCLUDES(m_tip_mutex);
    uint64_t orphan_count() const;
    // Height of the most-work header that is not known invalid (its body may be missing).
    uint64_t best_header_height() const { return m_best_height.load(); }
    // True while the tip is more than a day old (still catching up).
    bool initial_block_download() const { return m_initial_download.load(); }
    std::vector<ChainTipEntry> chain_tips() const EXCLUDES(m_mutex);
    std::optional<storage::BlockIndexRecord> lookup(const Hash256& hash) const EXCLUDES(m_mutex);
    bool is_on_active_chain(const Hash256& hash) const EXCLUDES(m_mutex);
    storage::LedgerStore& store() { return m_store; }
    const ChainParams& params() const { return m_params; }

    // Counted since start-up, for /metrics. Updated with relaxed atomics while connecting.
    struct Metrics {
        util::Counter blocks_connected;
        util::Counter blocks_disconnected;
        util::Counter reorgs;  // activations that disconnected at least one block
        util::Histogram connect_seconds{util::latency_buckets()};  // apply, signatures, write
    };
    const Metrics& metrics() const { return m_metrics; }

private:
    // A block body on its way to connection, its txids and its signature checks.
    struct PreparedBlock {
        std::shared_ptr<const Block> block;
        std::vector<Hash256> txids;
        std::shared_ptr<SignatureJob> signatures;
        bool store_body = false;  // not stored yet: the connecting batch writes it
    };
    Status reindex_locked() REQUIRES(m_mutex);
    BlockNode* add_node(const BlockHeader& header, const Hash256& hash, BlockNode* parent, uint32_t status) REQUIRES(m_mutex);
    HeaderEntry entry_of(const BlockNode* node) const REQUIRES(m_mutex);
    // Recomputes the header-only count and the best header by a scan (after load, reindex
    // and failures, which are rare).
    void recount_headers() REQUIRES(m_mutex);
    void note_header(BlockNode* node) REQUIRES(m_mutex);
    Status check_header_in_context(const BlockHeader& header, const BlockNode* parent) const;
    // `checked`: the block's signature job, started while it waited in the orphan pool.
    BlockAcceptance accept_one(const Block& block, std::vector<Hash256>& connected_parents,
                               std::shared_ptr<SignatureJob> checked = nullptr) REQUIRES(m_mutex);
    // `fresh`, if given, is the block just received (its body need not be read back).
    Status activate_best_chain(PreparedBlock* fresh) REQUIRES(m_mutex);
    BlockNode* best_candidate() REQUIRES(m_mutex);
    std::optional<PreparedBlock> prepare(BlockNode* node, PreparedBlock* fresh) REQUIRES(m_mutex);
    Status connect_tip(BlockNode* node, PreparedBlock& prepared, bool& rule_failure) REQUIRES(m_mutex);
    Status disconnect_tip() REQUIRES(m_mutex);
    void mark_failed(BlockNode* node) REQUIRES(m_mutex);
    void publish_tip() REQUIRES(m_mutex) EXCLUDES(m_tip_mutex);
    void log_tip_change(const BlockNode* old_tip, size_t disconnected, size_t connected,
                        std::chrono::steady_clock::time_point started) const REQUIRES(m_mutex);
    uint64_t median_time_past(const BlockNode* node) const;
    Status persist(BlockNode* node) REQUIRES(m_mutex);
    uint64_t now() const;
    bool is_on_active_chain_locked(const BlockNode* node) const REQUIRES(m_mutex);

    storage::LedgerStore& m_store;
    const ChainParams& m_params;
    SignatureCache* m_sigcache;
    Options m_options;

    // The tree, the active chain, the candidates, the orphans, activation. Also, by convention
    // (the analysis cannot see through pointers), every BlockNode the tree owns.
    mutable util::Mutex m_mutex;
    std::unordered_map<Hash256, std::unique_ptr<BlockNode>, Hash256Hasher> m_nodes GUARDED_BY(m_mutex);
    std::vector<BlockNode*> m_chain GUARDED_BY(m_mutex);  // active chain by height
    struct MoreWork {
        bool operator()(const BlockNode* a, const BlockNode* b) const {
            if (a->chain_work != b->chain_work) return a->chain_work > b->chain_work;
            return a->sequence < b->sequence;
        }
    };
    std::set<BlockNode*, MoreWork> m_candidates GUARDED_BY(m_mutex);  // possible tips with at least the tip's work
    OrphanPool m_orphans GUARDED_BY(m_mutex);
    // Signature checks of the orphans, run while they wait for their parents.
    std::unordered_map<Hash256, std::shared_ptr<SignatureJob>, Hash256Hasher> m_orphan_checks GUARDED_BY(m_mutex);
    std::atomic<size_t> m_orphan_count{0};
    std::atomic<uint64_t> m_best_height{0};
    std::atomic<bool> m_initial_download{true};
    std::optional<std::pair<Hash256, Rejection>> m_last_failure GUARDED_BY(m_mutex);  // why the last block failed to connect
    uint64_t m_next_sequence GUARDED_BY(m_mutex) = 1;
    size_t m_last_connected_transfers GUARDED_BY(m_mutex) = 0;
    size_t m_header_only GUARDED_BY(m_mutex) = 0;  // nodes in m_nodes without a body that are not failed
    BlockNode* m_best_header GUARDED_BY(m_mutex) = nullptr;  // most work, not failed
    storage::LedgerCounts m_counts GUARDED_BY(m_mutex);
    std::vector<ChainNotifications*> m_subscribers GUARDED_BY(m_mutex);
    std::unique_ptr<SignatureChecker> m_checker;
    Metrics m_metrics;

    // Guards only m_tip, so readers never wait on activation. Taken after m_mutex.
    mutable util::Mutex m_tip_mutex ACQUIRED_AFTER(m_mutex);
    std::shared_ptr<const TipInfo> m_tip GUARDED_BY(m_tip_mutex);
};

}  // namespace finch::node
