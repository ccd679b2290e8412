// Block rules and the state transition; see validation.h.
#include "consensus/validation.h"

#include "consensus/pow.h"

#include <algorithm>
#include <unordered_set>

namespace finch {

Status check_block_header(const BlockHeader& header, const ChainParams& params) {
    return check_proof_of_work(header.hash(), header.bits, params.pow_limit);
}

Status check_block(const Block& block, const ChainParams& params, std::vector<Hash256>* txids) {
    if (auto s = check_block_header(block.header, params); !s) return s;
    // The merkle root first, as Bitcoin does: a body padded or altered in transit must be
    // reported as Mutated (dropped), never as a consensus failure that condemns its header.
    std::vector<Hash256> ids = block.txids();
    if (merkle_root(ids) != block.header.merkle_root)
        return reject("bad-txnmrklroot", "merkle root does not match the transactions", Fault::Mutated);
    if (block.txs.size() > kMaxBlockTransactions)
        return reject("bad-blk-tx-count", std::to_string(block.txs.size()) + " transfers, limit " +
                                              std::to_string(kMaxBlockTransactions));
    if (block.serialized_size() > kMaxBlockBytes)
        return reject("bad-blk-length", std::to_string(block.serialized_size()) + " bytes, limit " +
                                            std::to_string(kMaxBlockBytes));
    if (block.coinbase.extra.size() > Coinbase::kMaxExtra) return reject("bad-cb-extra", "coinbase extra data too long");

    std::unordered_set<Hash256, Hash256Hasher> seen;
    seen.reserve(ids.size());
    for (const auto& id : ids)
        if (!seen.insert(id).second) return reject("bad-txns-duplicate", "transaction " + id.to_hex() + " twice");
    for (const auto& tx : block.txs)
        if (auto s = check_transaction(tx); !s) return s;
    if (txids) *txids = std::move(ids);
    return Status::accepted();
}

Status check_block_signatures(const Block& block, const ChainParams& params) {
    for (const auto& tx : block.txs)
        if (auto s = check_signature(tx, params.genesis_hash); !s) return s;
    return Status::accepted();
}

uint64_t median_time_past(std::span<const uint64_t> times) {
    if (times.empty()) return 0;
    std::vector<uint64_t> sorted(times.begin(), times.end());
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
}

Status contextual_check_header(const BlockHeader& header, const HeaderContext& ctx, const ChainParams& params) {
    if (header.version < 1) return reject("bad-version", "block version " + std::to_string(header.version));
    if (header.bits != ctx.expected_bits) return reject("bad-diffbits", "incorrect proof of work target for its height");
    if (header.time <= ctx.median_time_past) return reject("time-too-old", "block time not above the median time past");
    if (header.time > ctx.now + static_cast<uint64_t>(params.max_future_drift))
        return reject("time-too-new", "block time too far in the future", Fault::Timing);
    return Status::accepted();
}

namespace {

// Records each account's state before its first change in this block.
class UndoRecorder {
public:
    explicit UndoRecorder(StateOverlay& state) : m_state(state) {}

    Account load(const AccountId& id) {
        auto current = m_state.get(id);
        m_before.try_emplace(id, current);
        return current.value_or(Account{});
    }
    void store(const AccountId& id, const Account& a) { m_state.set(id, a); }

    BlockUndo finish() {
        BlockUndo undo;
        undo.previous.assign(m_before.begin(), m_before.end());
        std::sort(undo.previous.begin(), undo.previous.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        return undo;
    }

private:
    StateOverlay& m_state;
    std::unordered_map<AccountId, std::optional<Account>, AccountIdHasher> m_before;
};

}  // namespace

Result<BlockUndo> apply_block(const Block& block, uint64_t height, StateOverlay& state, const ChainParams& params) {
    if (block.coinbase.height != height)
        return reject("bad-cb-height", "coinbase height " + std::to_string(block.coinbase.height) + ", expected " +
                                           std::to_string(height));
    UndoRecorder rec(state);
    Amount fees = 0;
    for (const auto& tx : block.txs) {
        const AccountId sender_id = tx.sender_id();
        Account sender = rec.load(sender_id);
        if (auto s = check_against_account(tx, sender); !s) return s.error();
        sender.balance -= tx.amount + tx.fee;  // covered: check_against_account checked the sum
        sender.nonce += 1;
        rec.store(sender_id, sender);

        Account recipient = rec.load(tx.recipient);
        auto balance = checked_add(recipient.balance, tx.amount);
        if (!balance || !money_range(*balance))
            return reject("bad-txn-balance-range", "recipient balance would exceed the money supply cap");
        recipient.balance = *balance;
        rec.store(tx.recipient, recipient);

        auto total_fees = checked_add(fees, tx.fee);
        if (!total_fees || !money_range(*total_fees)) return reject("bad-txn-fee-range", "fees above the supply cap");
        fees = *total_fees;
    }

    const Amount allowed = block_subsidy(height, params) + fees;  // both <= kMaxMoney: no overflow
    if (block.coinbase.amount > allowed)
        return reject("bad-cb-amount", "coinbase pays " + std::to_string(block.coinbase.amount) + ", allowed " +
                                           std::to_string(allowed));
    Account miner = rec.load(block.coinbase.recipient);
    auto miner_balance = checked_add(miner.balance, block.coinbase.amount);
    if (!miner_balance || !money_range(*miner_balance))
        return reject("bad-txn-balance-range", "miner balance would exceed the money supply cap");
    miner.balance = *miner_balance;
    rec.store(block.coinbase.recipient, miner);
    return rec.finish();
}

void undo_block(const BlockUndo& undo, StateOverlay& state) {
    for (const auto& [id, account] : undo.previous) {
        if (account) state.set(id, *account);
        else state.erase(id);
    }
}

}  // namespace finch
