// Block tree, fork choice and reorgs; see chainstate.h.
#include "node/chainstate.h"

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

namespace finch::node {

using storage::BlockIndexRecord;

namespace {

// Accounts a block created (they were absent before it).
uint64_t created_accounts(const BlockUndo& undo) {
    return static_cast<uint64_t>(
        std::count_if(undo.previous.begin(), undo.previous.end(), [](const auto& e) { return !e.second; }));
}

// The accounts a block touches, read from the store in one batch before it is applied
// and kept sorted for lookups.
class PrefetchedView : public AccountView {
public:
    PrefetchedView(const storage::LedgerStore& store, const Block& block) : m_store(store) {
        m_ids.reserve(2 * block.txs.size() + 1);
        m_ids.push_back(block.coinbase.recipient);
        for (const auto& tx : block.txs) {
            m_ids.push_back(tx.sender_id());
            m_ids.push_back(tx.recipient);
        }
        std::sort(m_ids.begin(), m_ids.end());
        m_ids.erase(std::unique(m_ids.begin(), m_ids.end()), m_ids.end());
        m_accounts = store.get_many(m_ids);
    }
    std::optional<Account> get(const AccountId& id) const override {
        auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        if (it != m_ids.end() && *it == id) return m_accounts[static_cast<size_t>(it - m_ids.begin())];
        return m_store.get(id);
    }

private:
    const storage::LedgerStore& m_store;
    std::vector<AccountId> m_ids;
    std::vector<std::optional<Account>> m_accounts;
};

}  // namespace

Chainstate::Chainstate(storage::LedgerStore& store, const ChainParams& params, SignatureCache* sigcache,
                       Options options)
    : m_store(store),
      m_params(params),
      m_sigcache(sigcache),
      m_options(std::move(options)),
      m_orphans(m_options.max_orphans, m_options.max_orphan_bytes) {
    if (m_options.verify_threads == 0) m_options.verify_threads = std::max(1u, std::thread::hardware_concurrency());
    // The connecting thread verifies too, so the pool takes one thread fewer than there are
    // cores: more threads than cores only trade the signature tables in and out of cache.
    m_checker = std::make_unique<SignatureChecker>(m_params.genesis_hash, m_sigcache,
                                                   std::max(1u, m_options.verify_threads - 1));
}

uint64_t Chainstate::now() const {
    if (m_options.clock) return m_options.clock();
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void Chainstate::subscribe(ChainNotifications* n) {
    util::LockGuard lock(m_mutex);
    m_subscribers.push_back(n);
}

BlockNode* Chainstate::add_node(const BlockHeader& header, const Hash256& hash, BlockNode* parent, uint32_t status) {
    auto node = std::make_unique<BlockNode>();
    node->hash = hash;
    node->header = header;
    node->parent = parent;
    node->height = parent ? parent->height + 1 : 0;
    node->chain_work = (parent ? parent->chain_work : Uint256()) + block_work(header.bits);
    node->status = status;
    node->sequence = m_next_sequence++;
    node->build_skip();
    BlockNode* raw = node.get();
    m_nodes.emplace(hash, std::move(node));
    if (!raw->has_data() && !raw->failed()) ++m_header_only;
    note_header(raw);
    return raw;
}

Status Chainstate::persist(BlockNode* node) { return m_store.put_index({node->record()}); }

Status Chainstate::load() {
    if (auto s = check_genesis(m_params); !s) return s;
    util::LockGuard lock(m_mutex);
    auto records = m_store.load_block_index();
    if (!records) return records.error();
    std::sort(records->begin(), records->end(),
              [](const BlockIndexRecord& a, const BlockIndexRecord& b) { return a.height < b.height; });
    for (const auto& rec : *records) {
        BlockNode* parent = nullptr;
        if (rec.height > 0) {
            auto it = m_nodes.find(rec.header.prev_hash);
            // A header marked invalid whose parent was never stored (header-only nodes live in
            // memory) is simply forgotten; anything else must have its parent.
            if (it == m_nodes.end() && !(rec.status & storage::kHaveData) &&
                (rec.status & (storage::kFailed | storage::kFailedParent)))
                continue;
            if (it == m_nodes.end()) return reject("store-corrupt", "block index entry without its parent", Fault::Decode);
            parent = it->second.get();
        } else if (rec.hash != m_params.genesis_hash) {
            return reject("store-corrupt", "stored genesis is not this network's genesis", Fault::Decode);
        }
        auto node = std::make_unique<BlockNode>();
        node->hash = rec.hash;
        node->header = rec.header;
        node->height = rec.height;
        node->chain_work = rec.chain_work;
        node->status = rec.status;
        node->sequence = rec.sequence;
        node->parent = parent;
        node->build_skip();
        m_next_sequence = std::max(m_next_sequence, rec.sequence + 1);
        m_nodes.emplace(rec.hash, std::move(node));
    }
    recount_headers();

    if (m_nodes.empty()) {
        BlockNode* g = add_node(m_params.genesis.header, m_params.genesis_hash, nullptr, storage::kHaveData);
        if (auto s = m_store.put_block(m_params.genesis, g->record()); !s) return s;
    }

    // A reindex that did not finish (the process died) starts over.
    if (auto flag = m_store.get_meta(storage::kReindexingKey); flag && !flag->empty()) return reindex_locked();
    m_counts = m_store.counts();
    if (auto t = m_store.tip()) {
        auto it = m_nodes.find(t->hash);
        if (it == m_nodes.end()) return reject("store-corrupt", "stored tip is not in the block index", Fault::Decode);
        for (BlockNode* n = it->second.get(); n; n = n->parent) m_chain.push_back(n);
        std::reverse(m_chain.begin(), m_chain.end());
    }
    const Uint256 tip_work = m_chain.empty() ? Uint256() : m_chain.back()->chain_work;
    for (auto& [hash, node] : m_nodes)
        if (!node->failed() && (node->status & storage::kHaveData) && (m_chain.empty() || node->chain_work >= tip_work))
            m_candidates.insert(node.get());
    // Connects anything stored but not yet connected (e.g. after a crash between the two).
    return activate_best_chain(nullptr);
}

Status Chainstate::reindex() {
    util::LockGuard lock(m_mutex);
    return reindex_locked();
}

Status Chainstate::reindex_locked() {
    if (auto s = m_store.wipe_chain_state(); !s) return s;
    m_chain.clear();
    m_counts = {};
    m_candidates.clear();
    std::vector<BlockIndexRecord> records;
    for (auto& [hash, node] : m_nodes) {
        node->status &= storage::kHaveData;  // every rule is checked again
        records.push_back(node->record());
        if (node->status & storage::kHaveData) m_candidates.insert(node.get());
    }
    if (auto s = m_store.put_index(records); !s) return s;
    recount_headers();
    if (auto s = activate_best_chain(nullptr); !s) return s;
    return m_store.put_meta(storage::kReindexingKey, {});  // the rebuild is complete
}

BlockAcceptance Chainstate::accept_block(const Block& block) {
    util::LockGuard lock(m_mutex);
    std::vector<Hash256> parents;
    BlockAcceptance first = accept_one(block, parents);
    // Orphans waiting for a block that was just stored can follow it now.
    while (!parents.empty()) {
        Hash256 parent = parents.back();
        parents.pop_back();
        for (const auto& child : m_orphans.take_children(parent)) {
            std::shared_ptr<SignatureJob> checked;
            if (auto it = m_orphan_checks.find(child->hash()); it != m_orphan_checks.end()) {
                checked = std::move(it->second);
                m_orphan_checks.erase(it);
            }
            (void)accept_one(*child, parents, checked);
            if (checked) checked->cancel();  // unused if the child was refused early
        }
    }
    m_orphan_count = m_orphans.size();
    return first;
}

BlockAcceptance Chainstate::accept_one(const Block& block, std::vector<Hash256>& stored,
                                       std::shared_ptr<SignatureJob> checked) {
    const Hash256 hash = block.hash();
    // A node without a body is a header we accepted earlier: its body completes it.
    BlockNode* known = nullptr;
    if (auto it = m_nodes.find(hash); it != m_nodes.end()) {
        if (it->second->failed())
            return {BlockOutcome::Rejected, reject("duplicate-invalid", "block is known invalid", Fault::KnownInvalid)};
        if (it->second->has_data()) return {BlockOutcome::Duplicate, std::nullopt};
        known = it->second.get();
    }
    if (m_orphans.contains(hash)) return {BlockOutcome::Duplicate, std::nullopt};

    // Context-free rules. A merkle mismatch (Fault::Mutated) is only dropped: the header
    // may be valid with its real body.
    std::vector<Hash256> txids;
    if (auto s = check_block(block, m_params, &txids); !s) {
        // The merkle root matched (else the fault is Mutated), so the header commits to a
        // body that breaks a rule: the header itself is invalid.
        if (known && s.error().fault == Fault::Consensus) mark_failed(known);
        return {BlockOutcome::Rejected, s.error()};
    }

    auto parent_it = m_nodes.find(block.header.prev_hash);
    if (parent_it == m_nodes.end() || !parent_it->second->has_data()) {
        if (parent_it != m_nodes.end() && parent_it->second->failed()) {
            if (!known) (void)persist(add_node(block.header, hash, parent_it->second.get(), storage::kFailedParent));
            return {BlockOutcome::Rejected, reject("bad-prevblk", "block descends from an invalid block")};
        }
        auto shared = std::make_shared<const Block>(block);
        const bool added = m_orphans.add(shared);
        m_orphan_count = m_orphans.size();
        // Signatures do not depend on the parent: the pool checks them while the orphan waits
        // (blocks downloaded from several peers arrive out of order). Checks of orphans the
        // pool evicted are dropped.
        if (added) m_orphan_checks[hash] = m_checker->submit(shared, txids, false);
        for (auto it = m_orphan_checks.begin(); it != m_orphan_checks.end();) {
            if (m_orphans.contains(it->first)) {
                ++it;
                continue;
            }
            it->second->cancel();
            it = m_orphan_checks.erase(it);
        }
        if (!added)
            return {BlockOutcome::Rejected, reject("orphan-too-large", "orphan block exceeds the pool", Fault::Policy)};
        FINCH_DEBUG(Chain, "block " + hash.to_hex() + " waits for its parent " + block.header.prev_hash.to_hex() + " (" +
                               std::to_string(m_orphans.size()) + " orphans)");
        return {BlockOutcome::Orphan, std::nullopt};
    }
    BlockNode* parent = parent_it->second.get();
    if (parent->failed() && !known) {
        BlockNode* node = add_node(block.header, hash, parent, storage::kFailedParent);
        (void)persist(node);
        stored.push_back(hash);  // its waiting orphans are refused in turn, not left to linger
        return {BlockOutcome::Rejected, reject("bad-prevblk", "block descends from an invalid block")};
    }

    if (auto s = check_header_in_context(block.header, parent); !s) {
        // A block too far in the future may become valid later: do not remember it as failed.
        if (s.error().fault != Fault::Timing && !known) {
            BlockNode* node = add_node(block.header, hash, parent, storage::kFailed);
            (void)persist(node);
            stored.push_back(hash);
        }
        return {BlockOutcome::Rejected, s.error()};
    }

    BlockNode* node = known;
    if (node) {
        node->status |= storage::kHaveData;
        node->sequence = m_next_sequence++;  // first seen counts from the body, as for a new block
        --m_header_only;
    } else {
        node = add_node(block.header, hash, parent, storage::kHaveData);
    }
    const Uint256 tip_work = m_chain.empty() ? Uint256() : m_chain.back()->chain_work;
    // A block that will be connected now has its signatures checked on the pool while it
    // is stored and its accounts are read. The job points at `block` without owning it, so
    // it is always finished or abandoned before this function returns.
    PreparedBlock fresh{std::shared_ptr<const Block>(std::shared_ptr<const Block>(), &block), std::move(txids), nullptr};
    struct Abandon {
        SignatureChecker& checker;
        PreparedBlock& prepared;
        ~Abandon() {
            if (prepared.signatures) checker.abandon(*prepared.signatures);
        }
    } abandon{*m_checker, fresh};
    if (checked) fresh.signatures = std::move(checked);  // started while it was an orphan
    else if (node->chain_work > tip_work) fresh.signatures = m_checker->submit(fresh.block, fresh.txids, true);

    // A block that extends the tip is stored by the same batch that connects it; any other
    // is stored now.
    fresh.store_body = !m_chain.empty() && parent == m_chain.back() && node->chain_work > tip_work;
    auto store_body = [&]() REQUIRES(m_mutex) -> Status {
        if (auto s = m_store.put_block(block, node->record()); !s) {
            for (auto* sub : m_subscribers) sub->fatal_error(s.error().to_string());
            return s;
        }
        return Status::accepted();
    };
    if (!fresh.store_body) {
        if (auto s = store_body(); !s) {
            if (known) {  // back to a header: nodes below it may point at it
                node->status &= ~static_cast<uint32_t>(storage::kHaveData);
                ++m_header_only;
            } else {
                m_nodes.erase(hash);
            }
            return {BlockOutcome::Rejected, s.error()};
        }
    }
    stored.push_back(hash);
    if (node->chain_work >= tip_work) m_candidates.insert(node);

    if (auto s = activate_best_chain(&fresh); !s) {
        if (s.error().code.rfind("store-", 0) == 0) return {BlockOutcome::Rejected, s.error()};
    }
    // Not connected after all (its connection failed, or the store did): keep the body.
    if (fresh.store_body && !is_on_active_chain_locked(node) && !(node->status & storage::kValid)) {
        if (auto s = store_body(); !s) return {BlockOutcome::Rejected, s.error()};
    }
    m_orphan_count = m_orphans.size();
    if (node->failed()) {
        if (m_last_failure && m_last_failure->first == hash) return {BlockOutcome::Rejected, m_last_failure->second};
        return {BlockOutcome::Rejected, reject("bad-prevblk", "block descends from a block that failed to connect")};
    }
    if (is_on_active_chain_locked(node)) return {BlockOutcome::Connected, std::nullopt};
    return {BlockOutcome::Stored, std::nullopt};
}

bool Chainstate::is_on_active_chain_locked(const BlockNode* node) const {
    return node->height < m_chain.size() && m_chain[node->height] == node;
}

BlockNode* Chainstate::best_candidate() {
    for (auto it = m_candidates.begin(); it != m_candidates.end();) {
        if ((*it)->failed()) {
            it = m_candidates.erase(it);
            continue;
        }
        return *it;
    }
    return nullptr;
}

Status Chainstate::activate_best_chain(PreparedBlock* fresh) {
    // Blocks about to be connected, read ahead so their signatures are checked on the pool
    // while earlier blocks are disconnected, applied and written. Whatever is left when
    // this returns (a failure, a store error) is abandoned.
    constexpr size_t kReadAhead = 8;
    struct ReadAhead {
        SignatureChecker& checker;
        std::deque<PreparedBlock> blocks;
        ~ReadAhead() { clear(); }
        void clear() {
            for (auto& p : blocks)
                if (p.signatures) checker.abandon(*p.signatures);
            blocks.clear();
        }
    } ahead{*m_checker, {}};

    bool changed = false;
    const auto started = std::chrono::steady_clock::now();
    const BlockNode* old_tip = m_chain.empty() ? nullptr : m_chain.back();
    size_t disconnected = 0, connected = 0;
    // Each round either reaches the best candidate or marks one block failed, so the
    // loop ends after at most (number of candidates + 1) rounds.
    for (;;) {
        BlockNode* best = best_candidate();
        BlockNode* tip = m_chain.empty() ? nullptr : m_chain.back();
        if (!best || best == tip) break;
        if (tip && best->chain_work <= tip->chain_work && !tip->failed()) break;  // ties: first seen stays

        // The fork point: the last block of the active chain that is an ancestor of best.
        std::vector<BlockNode*> path;
        BlockNode* fork = best;
        while (fork && !is_on_active_chain_locked(fork)) {
            path.push_back(fork);
            fork = fork->parent;
        }
        std::reverse(path.begin(), path.end());  // in connection order
        ahead.clear();
        size_t prepared = 0;
        auto fill = [&]() REQUIRES(m_mutex) {
            while (ahead.blocks.size() < kReadAhead && prepared < path.size()) {
                auto p = prepare(path[prepared], fresh);
                if (!p) break;  // the body is missing: reported when its turn comes
                ahead.blocks.push_back(std::move(*p));
                ++prepared;
            }
        };
        fill();
        while (!m_chain.empty() && m_chain.back() != fork) {
            if (auto s = disconnect_tip(); !s) return s;
            changed = true;
            ++disconnected;
        }
        bool rule_failure = false;
        for (BlockNode* node : path) {
            fill();
            if (ahead.blocks.empty())
                return reject("store-corrupt", "block body " + node->hash.to_hex() + " missing", Fault::Decode);
            PreparedBlock current = std::move(ahead.blocks.front());
            ahead.blocks.pop_front();
            auto s = connect_tip(node, current, rule_failure);
            if (!s) {
                if (!rule_failure) return s;  // the store failed
                FINCH_LOG("chain: block " + node->hash.to_hex() + " at height " + std::to_string(node->height) +
                          " is invalid: " + s.error().to_string());
                break;  // marked failed: choose again
            }
            changed = true;
            ++connected;
        }
    }
    if (disconnected > 0) m_metrics.reorgs.inc();
    if (changed && !m_chain.empty()) log_tip_change(old_tip, disconnected, connected, started);
    // Candidates with less work than the new tip can never win again.
    if (!m_chain.empty()) {
        const Uint256 tip_work = m_chain.back()->chain_work;
        for (auto it = m_candidates.begin(); it != m_candidates.end();)
            it = ((*it)->chain_work < tip_work) ? m_candidates.erase(it) : std::next(it);
    }
    bool published;
    {
        util::LockGuard lock(m_tip_mutex);
        published = m_tip != nullptr;
    }
    if (changed || !published) publish_tip();
    return Status::accepted();
}

std::optional<Chainstate::PreparedBlock> Chainstate::prepare(BlockNode* node, PreparedBlock* fresh) {
    if (fresh && fresh->block && fresh->block->hash() == node->hash) {
        PreparedBlock p = *fresh;  // shares its job; the caller of accept_one owns the body
        if (!p.signatures) p.signatures = m_checker->submit(p.block, p.txids, true);
        fresh->signatures = p.signatures;
        return p;
    }
    auto loaded = m_store.read_block(node->hash);
    if (!loaded) return std::nullopt;
    PreparedBlock p;
    p.block = std::make_shared<const Block>(std::move(*loaded));
    p.txids = p.block->txids();
    p.signatures = m_checker->submit(p.block, p.txids, false);
    return p;
}

Status Chainstate::connect_tip(BlockNode* node, PreparedBlock& prepared, bool& rule_failure) {
    rule_failure = false;
    const auto started = std::chrono::steady_clock::now();
    const Block& block = *prepared.block;
    const std::vector<Hash256>& txids = prepared.txids;
    // Signatures are checked on the pool while this thread applies the block; the result
    // is written only if both succeed.
    PrefetchedView view(m_store, block);
    StateOverlay overlay(view);
    Result<BlockUndo> undo = apply_block(block, node->height, overlay, m_params);
    if (Status verdict = m_checker->wait(*prepared.signatures); !verdict) undo = verdict.error();
    if (!undo) {
        rule_failure = true;
        m_last_failure = {node->hash, undo.error()};
        mark_failed(node);
        return undo.error();
    }

    node->status |= storage::kValid;
    storage::LedgerCounts counts = m_counts;
    counts.accounts += created_accounts(*undo);
    counts.transactions += block.txs.size() + 1;
    BlockIndexRecord rec = node->record();
    storage::TipChange change{node->hash, node->height, &block, &txids, &overlay.changes(), &*undo, &rec,
                              prepared.store_body, {node->hash, node->height}, counts};
    const auto write_started = std::chrono::steady_clock::now();
    if (auto s = m_store.connect(change); !s) {
        for (auto* sub : m_subscribers) sub->fatal_error(s.error().to_string());
        return s;
    }
    FINCH_DEBUG(Store, "wrote block " + std::to_string(node->height) + " (" + std::to_string(overlay.changes().size()) +
                           " accounts) in one synced batch, " +
                           std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - write_started)
                                              .count()) +
                           " us");
    m_counts = counts;
    m_chain.push_back(node);
    m_last_connected_transfers = block.txs.size();
    m_metrics.blocks_connected.inc();
    m_metrics.connect_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    FINCH_DEBUG(Chain, "connected block " + node->hash.to_hex() + " at height " + std::to_string(node->height) + " (" +
                           std::to_string(block.txs.size()) + " transfers)");
    for (auto* sub : m_subscribers) sub->block_connected(block, node->height);
    return Status::accepted();
}

Status Chainstate::disconnect_tip() {
    BlockNode* node = m_chain.back();
    if (!node->parent) return reject("internal", "cannot disconnect genesis", Fault::Decode);
    auto block = m_store.read_block(node->hash);
    auto undo = m_store.read_undo(node->hash);
    if (!block || !undo)
        return reject("store-corrupt", "block or undo data of " + node->hash.to_hex() + " missing", Fault::Decode);
    StateOverlay overlay(m_store);
    undo_block(*undo, overlay);

    storage::LedgerCounts counts = m_counts;
    counts.accounts -= created_accounts(*undo);
    counts.transactions -= block->txs.size() + 1;
    storage::TipChange change{node->hash, node->height, &*block, nullptr, &overlay.changes(), &*undo, nullptr,
                              false, {node->parent->hash, node->parent->height}, counts};
    if (auto s = m_store.disconnect(change); !s) {
        for (auto* sub : m_subscribers) sub->fatal_error(s.error().to_string());
        return s;
    }
    m_counts = counts;
    m_chain.pop_back();
    m_metrics.blocks_disconnected.inc();
    FINCH_DEBUG(Chain, "disconnected block " + node->hash.to_hex() + " at height " + std::to_string(node->height));
    FINCH_DEBUG(Store, "undid block " + std::to_string(node->height) + " in one synced batch");
    // A disconnected block may win again later.
    m_candidates.insert(node);
    for (auto* sub : m_subscribers) sub->block_disconnected(*block, node->height);
    return Status::accepted();
}

void Chainstate::mark_failed(BlockNode* node) {
    node->status |= storage::kFailed;
    std::vector<BlockIndexRecord> records{node->record()};
    // Descendants fail with it. The tree is small enough to scan; this runs only on failure.
    for (auto& [hash, other] : m_nodes) {
        if (other.get() == node || other->height <= node->height) continue;
        for (BlockNode* a = other->parent; a && a->height >= node->height; a = a->parent) {
            if (a == node) {
                other->status |= storage::kFailedParent;
                records.push_back(other->record());
                break;
            }
        }
    }
    for (auto it = m_candidates.begin(); it != m_candidates.end();)
        it = (*it)->failed() ? m_candidates.erase(it) : std::next(it);
    recount_headers();
    (void)m_store.put_index(records);  // best effort: a lost mark only means re-validation
}

uint64_t Chainstate::median_time_past(const BlockNode* node) const {
    uint64_t times[11];
    size_t n = 0;
    for (; node && n < 11; node = node->parent) times[n++] = node->header.time;
    return finch::median_time_past(std::span<const uint64_t>(times, n));
}

void Chainstate::publish_tip() {
    auto info = std::make_shared<TipInfo>();
    if (!m_chain.empty()) {
        const BlockNode* t = m_chain.back();
        info->hash = t->hash;
        info->height = t->height;
        info->chain_work = t->chain_work;
        info->time = t->header.time;
        info->bits = t->header.bits;
        info->median_time_past = median_time_past(t);
    }
    {
        util::LockGuard lock(m_tip_mutex);
        m_tip = info;
    }
    const bool initial_download = info->time + 24 * 60 * 60 < now();
    m_initial_download = initial_download;
    for (auto* sub : m_subscribers) sub->tip_changed(*info, initial_download);
}

TipInfo Chainstate::tip() const {
    util::LockGuard lock(m_tip_mutex);
    return m_tip ? *m_tip : TipInfo{};
}

uint32_t Chainstate::next_bits() const {
    TipInfo t = tip();
    return next_work_required(t.height, t.time, m_params);
}

uint64_t Chainstate::orphan_count() const { return m_orphan_count.load(); }

}  // namespace finch::node
