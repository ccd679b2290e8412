// Template building and the nonce-grinding threads; see miner.h.
#include "node/miner.h"

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/log.h"
#include "util/thread_name.h"

#include <chrono>
#include <cstring>

namespace finch::node {

namespace {

constexpr uint64_t kHashesPerCheck = 1 << 16;  // between looks at the tip and the stop flag
constexpr uint64_t kTemplateRefreshSeconds = 5;  // rebuild this often when the mempool changed

int64_t steady_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

size_t max_block_transfers() {
    const size_t overhead = BlockHeader::kSerializedSize + 8 + 20 + 8 + 1 + Coinbase::kMaxExtra + 9;
    return std::min(kMaxBlockTransactions, (kMaxBlockBytes - overhead) / Transaction::kSerializedSize);
}

PaceStep pace_step(bool within_spacing, bool looked_for_full, size_t mempool_size) {
    if (!within_spacing) return PaceStep::Build;
    if (looked_for_full || mempool_size < max_block_transfers()) return PaceStep::Sleep;
    return PaceStep::BuildIfFull;
}

uint64_t unix_now() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

Miner::Miner(Chainstate& chain, Mempool& mempool) : m_chain(chain), m_mempool(mempool) {}

Miner::~Miner() { stop(); }

Template Miner::create_template(const AccountId& to, uint64_t now) const {
    const ChainParams& params = m_chain.params();
    // The parent and the state after it come from one snapshot: while a reorg is being
    // written, the published tip and the live store may briefly disagree.
    const auto snap = m_chain.store().snapshot();
    const auto tip = snap->tip();
    FINCH_ASSERT(tip.has_value());  // the chainstate connected genesis at load
    const auto parent = m_chain.store().read_index(tip->hash);
    FINCH_ASSERT(parent.has_value());
    std::vector<uint64_t> times;
    for (auto rec = parent; rec && times.size() < 11; rec = m_chain.store().read_index(rec->header.prev_hash)) {
        times.push_back(rec->header.time);
        if (rec->height == 0) break;
    }

    Template t;
    t.height = tip->height + 1;
    t.mempool_generation = m_mempool.generation();
    t.min_time = median_time_past(times) + 1;
    Block& b = t.block;
    b.header.version = 1;
    b.header.prev_hash = tip->hash;
    b.header.time = std::max(now, t.min_time);
    b.header.bits = next_work_required(tip->height, parent->header.time, params);
    t.target = Uint256::from_compact(b.header.bits);

    // Re-check each candidate against that state: the mempool may lag a block behind.
    StateOverlay state(*snap);
    Amount fees = 0;
    for (const MempoolEntry& e : m_mempool.select_for_block(max_block_transfers())) {
        Account sender = state.get(e.sender).value_or(Account{});
        if (!check_against_account(e.tx, sender)) continue;
        sender.balance -= e.tx.amount + e.tx.fee;
        sender.nonce += 1;
        state.set(e.sender, sender);
        Account recipient = state.get(e.tx.recipient).value_or(Account{});
        recipient.balance += e.tx.amount;
        state.set(e.tx.recipient, recipient);
        fees += e.tx.fee;
        t.fees.push_back(e.tx.fee);
        b.txs.push_back(e.tx);
    }
    t.coinbase_value = block_subsidy(t.height, params) + fees;
    b.coinbase.height = t.height;
    b.coinbase.recipient = to;
    b.coinbase.amount = t.coinbase_value;
    static constexpr std::string_view kTag = "finchd";
    b.coinbase.extra.assign(kTag.begin(), kTag.end());
    b.header.merkle_root = b.compute_merkle_root();
    return t;
}

std::optional<Block> Miner::solve(Template t, const std::atomic<bool>& stop) const {
    HeaderHasher hasher(t.block.header);
    Hash256 out[2];
    for (uint64_t nonce = 0; nonce < ~0ULL - 1; nonce += 2) {
        hasher.hash_pair(nonce, out);
        for (int i = 0; i < 2; ++i) {
            if (Uint256::from_hash(out[i]) <= t.target) {
                t.block.header.nonce = nonce + static_cast<uint64_t>(i);
                return t.block;
            }
        }
        if ((nonce & (kHashesPerCheck - 1)) == 0 && stop.load(std::memory_order_relaxed)) return std::nullopt;
    }
    return std::nullopt;
}

void Miner::start(const AccountId& to, unsigned threads) {
    if (!m_threads.empty()) return;
    m_stop = false;
    m_rate_window_start = steady_millis();
    for (unsigned i = 0; i < threads; ++i)
        m_threads.emplace_back([this, i, to] {
            util::set_thread_name("finch-miner");
            run(i, to);
        });
    m_thread_count = static_cast<unsigned>(m_threads.size());
    FINCH_LOG("miner started with " + std::to_string(threads) + " thread(s)");
}

void Miner::stop() {
    m_stop = true;
    for (auto& t : m_threads) t.join();
    if (!m_threads.empty()) FINCH_LOG("miner stopped");
    m_threads.clear();
    m_thread_count = 0;
    m_hashps = 0;
}

void Miner::account(uint64_t hashes) {
    m_hashes += hashes;
    m_rate_window_hashes += hashes;
    const int64_t now = steady_millis();
    int64_t start = m_rate_window_start.load();
    if (now - start >= 2000 && m_rate_window_start.compare_exchange_strong(start, now)) {
        m_hashps = static_cast<double>(m_rate_window_hashes.exchange(0)) * 1000.0 / static_cast<double>(now - start);
    }
}

void Miner::run(unsigned index, AccountId to) {
    const ChainParams& params = m_chain.params();
    // Threads search disjoint nonce ranges.
    const uint64_t range_start = static_cast<uint64_t>(index) << 56;
    uint64_t last_block_time = 0;
    bool early_tried = false;  // a full block was looked for since the last block
    while (!m_stop) {
        // Regtest's target is trivial: pace blocks at the target spacing instead of flooding,
        // unless the mempool fills a whole block (a load test then measures the node, not the
        // pacing: docs/node.md). A template that came out short (transfers waiting on a nonce
        // gap) is not retried before the spacing has passed.
        const bool within_spacing =
            params.no_retarget && unix_now() < last_block_time + static_cast<uint64_t>(params.target_spacing);
        // One thread looks for a full block early; more would each build the same block and
        // mine stale twins of it.
        const PaceStep step = pace_step(within_spacing, early_tried || index != 0, m_mempool.size());
        if (step == PaceStep::Sleep) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        Template t = create_template(to, unix_now());
        if (step == PaceStep::BuildIfFull && t.block.txs.size() < max_block_transfers()) {
            early_tried = true;
            continue;
        }
        const int64_t built = steady_millis();
        HeaderHasher hasher(t.block.header);
        Hash256 out[2];
        bool rebuild = false;
        for (uint64_t nonce = range_start; !rebuild && !m_stop; nonce += kHashesPerCheck) {
            for (uint64_t n = nonce; n < nonce + kHashesPerCheck; n += 2) {
                hasher.hash_pair(n, out);
                int hit = Uint256::from_hash(out[0]) <= t.target ? 0 : Uint256::from_hash(out[1]) <= t.target ? 1 : -1;
                if (hit < 0) continue;
                t.block.header.nonce = n + static_cast<uint64_t>(hit);
                auto result = m_chain.accept_block(t.block);
                if (result.outcome == BlockOutcome::Connected) {
                    FINCH_DEBUG(Miner, "mined block " + t.block.hash().to_hex() + " at height " +
                                           std::to_string(t.height) + " with " + std::to_string(t.block.txs.size()) +
                                           " transfers");
                    last_block_time = unix_now();
                    early_tried = false;
                    if (on_block_found) on_block_found(t.block);
                } else if (result.rejection) {
                    FINCH_LOG("mined block rejected: " + result.rejection->to_string());
                }
                rebuild = true;
                break;
            }
            account(kHashesPerCheck);
            const bool new_tip = m_chain.tip().hash != t.block.header.prev_hash;
            const bool stale = m_mempool.generation() != t.mempool_generation &&
                               steady_millis() - built > static_cast<int64_t>(kTemplateRefreshSeconds * 1000);
            rebuild = rebuild || new_tip || stale;
        }
    }
}

}  // namespace finch::node
