// The chainstate's tree and its readers: headers accepted ahead of their bodies, skip
// pointers for O(log n) ancestors, lookups, chain tips and what block download reads.
#include "node/chainstate.h"

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/log.h"

#include <cstdio>

#include <algorithm>
#include <unordered_set>

namespace finch::node {

namespace {

// The height a node's skip pointer jumps to: a mix of long and short jumps so that any
// ancestor is reached in O(log n) steps (the scheme of Bitcoin Core's block index).
uint64_t clear_lowest_bit(uint64_t n) { return n & (n - 1); }
uint64_t skip_height(uint64_t height) {
    if (height < 2) return 0;
    return (height & 1) ? clear_lowest_bit(clear_lowest_bit(height - 1)) + 1 : clear_lowest_bit(height);
}


}  // namespace

BlockNode* BlockNode::ancestor(uint64_t h) {
    if (h > height) return nullptr;
    BlockNode* walk = this;
    uint64_t walk_height = height;
    while (walk_height > h) {
        const uint64_t jump = skip_height(walk_height);
        const uint64_t jump_prev = skip_height(walk_height - 1);
        // Take the skip unless the parent's skip would land closer without overshooting.
        const bool take_skip = walk->skip && (jump == h || (jump > h && !(jump_prev + 2 < jump && jump_prev >= h)));
        if (take_skip) {
            walk = walk->skip;
            walk_height = jump;
        } else {
            walk = walk->parent;
            --walk_height;
        }
    }
    return walk;
}

void BlockNode::build_skip() { skip = parent ? parent->ancestor(skip_height(height)) : nullptr; }

// Most work; of equal work the first seen (lowest sequence), also when recount_headers visits
// the nodes in hash-table order.
void Chainstate::note_header(BlockNode* node) {
    if (node->failed()) return;
    if (m_best_header && (node->chain_work < m_best_header->chain_work ||
                          (node->chain_work == m_best_header->chain_work && node->sequence >= m_best_header->sequence)))
        return;
    m_best_header = node;
    m_best_height = node->height;
}

void Chainstate::recount_headers() {
    m_header_only = 0;
    m_best_header = nullptr;
    m_best_height = 0;
    for (auto& [hash, node] : m_nodes) {
        if (!node->has_data() && !node->failed()) ++m_header_only;
        note_header(node.get());
    }
}

Status Chainstate::check_header_in_context(const BlockHeader& header, const BlockNode* parent) const {
    HeaderContext ctx;
    ctx.height = parent->height + 1;
    ctx.expected_bits = next_work_required(parent->height, parent->header.time, m_params);
    ctx.median_time_past = median_time_past(parent);
    ctx.now = now();
    return contextual_check_header(header, ctx, m_params);
}

HeadersAcceptance Chainstate::accept_headers(std::span<const BlockHeader> headers) {
    HeadersAcceptance out;
    if (headers.empty()) {
        out.outcome = HeadersOutcome::Accepted;
        return out;
    }
    util::LockGuard lock(m_mutex);
    auto first_parent = m_nodes.find(headers.front().prev_hash);
    if (first_parent == m_nodes.end()) {
        out.outcome = HeadersOutcome::UnknownParent;
        return out;
    }
    BlockNode* parent = first_parent->second.get();
    // At the cap, only a run that ends with more work than the best header gets in.
    bool over_cap_allowed = false;
    if (m_header_only >= m_options.max_header_only) {
        Uint256 work = parent->chain_work;
        for (const BlockHeader& h : headers) work += block_work(h.bits);
        over_cap_allowed = !m_best_header || work > m_best_header->chain_work;
    }
    auto fail = [&](Rejection r) {
        out.outcome = HeadersOutcome::Rejected;
        out.rejection = std::move(r);
        return out;
    };
    for (const BlockHeader& header : headers) {
        if (header.prev_hash != parent->hash)
            return fail(reject("headers-not-continuous", "a header does not follow the one before it", Fault::Decode));
        const Hash256 hash = header.hash();
        if (auto it = m_nodes.find(hash); it != m_nodes.end()) {
            if (it->second->failed())
                return fail(reject("duplicate-invalid", "header of a block known invalid", Fault::KnownInvalid));
            parent = it->second.get();
            out.last = hash;
            continue;
        }
        if (parent->failed()) return fail(reject("bad-prevblk", "header descends from an invalid block"));
        if (auto s = check_block_header(header, m_params); !s) return fail(s.error());
        if (auto s = check_header_in_context(header, parent); !s) return fail(s.error());
        if (m_header_only >= m_options.max_header_only && !over_cap_allowed)
            return fail(reject("too-many-headers", "the header tree holds too many blocks without bodies", Fault::Policy));
        parent = add_node(header, hash, parent, 0);
        out.last = hash;
        ++out.added;
    }
    out.outcome = HeadersOutcome::Accepted;
    return out;
}

HeaderEntry Chainstate::entry_of(const BlockNode* node) const {
    HeaderEntry e;
    e.hash = node->hash;
    e.prev_hash = node->header.prev_hash;
    e.height = node->height;
    e.chain_work = node->chain_work;
    e.have_data = node->has_data();
    e.body_waiting = !e.have_data && m_orphans.contains(node->hash);
    e.failed = node->failed();
    e.on_active_chain = is_on_active_chain_locked(node);
    return e;
}

std::optional<HeaderEntry> Chainstate::header(const Hash256& hash) const {
    util::LockGuard lock(m_mutex);
    auto it = m_nodes.find(hash);
    if (it == m_nodes.end()) return std::nullopt;
    return entry_of(it->second.get());
}

std::vector<HeaderEntry> Chainstate::branch(const Hash256& best, uint64_t from, size_t count) const {
    std::vector<HeaderEntry> out;
    util::LockGuard lock(m_mutex);
    auto it = m_nodes.find(best);
    if (it == m_nodes.end() || count == 0 || from > it->second->height) return out;
    const uint64_t last = std::min(it->second->height, from + count - 1);
    for (const BlockNode* n = it->second->ancestor(last); n && n->height >= from; n = n->parent) {
        out.push_back(entry_of(n));
        if (n->height == 0) break;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::optional<HeaderEntry> Chainstate::fork_point(const Hash256& best) const {
    util::LockGuard lock(m_mutex);
    auto it = m_nodes.find(best);
    if (it == m_nodes.end() || m_chain.empty()) return std::nullopt;
    const BlockNode* n = it->second->ancestor(std::min(it->second->height, m_chain.back()->height));
    while (n && !is_on_active_chain_locked(n)) n = n->parent;
    if (!n) return std::nullopt;
    return entry_of(n);
}

std::optional<storage::BlockIndexRecord> Chainstate::lookup(const Hash256& hash) const {
    util::LockGuard lock(m_mutex);
    auto it = m_nodes.find(hash);
    if (it == m_nodes.end()) return std::nullopt;
    return it->second->record();
}

bool Chainstate::is_on_active_chain(const Hash256& hash) const {
    util::LockGuard lock(m_mutex);
    auto it = m_nodes.find(hash);
    return it != m_nodes.end() && is_on_active_chain_locked(it->second.get());
}

std::vector<ChainTipEntry> Chainstate::chain_tips() const {
    util::LockGuard lock(m_mutex);
    std::unordered_set<const BlockNode*> has_child;
    for (auto& [hash, node] : m_nodes)
        if (node->parent) has_child.insert(node->parent);
    std::vector<ChainTipEntry> out;
    for (auto& [hash, node] : m_nodes) {
        if (has_child.count(node.get())) continue;
        ChainTipEntry e{node->hash, node->height, 0, ""};
        const BlockNode* a = node.get();
        while (a && !is_on_active_chain_locked(a)) {
            ++e.branch_length;
            a = a->parent;
        }
        if (e.branch_length == 0) e.status = "active";
        else if (node->failed()) e.status = "invalid";
        else if (!node->has_data()) e.status = "headers-only";
        else if (node->status & storage::kValid) e.status = "valid-fork";
        else e.status = "valid-headers";
        out.push_back(e);
    }
    // Height first, then hash: the same tips come out in the same order in every run.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.height != b.height ? a.height > b.height : a.hash < b.hash;
    });
    return out;
}

// One line per new tip, and one per reorg (what bitcoind's UpdateTip lines tell an operator).
void Chainstate::log_tip_change(const BlockNode* old_tip, size_t disconnected, size_t connected,
                                std::chrono::steady_clock::time_point started) const {
    const BlockNode* tip = m_chain.back();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f ms", ms);
    if (disconnected > 0 && old_tip)
        FINCH_LOG("chain: reorg of depth " + std::to_string(disconnected) + ": old tip " + old_tip->hash.to_hex() +
                  " at height " + std::to_string(old_tip->height) + ", new tip " + tip->hash.to_hex() + " at height " +
                  std::to_string(tip->height) + " (" + std::to_string(connected) + " blocks connected)");
    FINCH_LOG("chain: new tip " + tip->hash.to_hex() + " height " + std::to_string(tip->height) + " transfers " +
              std::to_string(m_last_connected_transfers) + " in " + took +
              (connected > 1 ? " (" + std::to_string(connected) + " blocks)" : std::string()));
}

}  // namespace finch::node
