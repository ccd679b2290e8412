// The mempool's reaction to the chain: confirmed transfers leave, those of disconnected blocks
// return at the tip change, and every sender whose account changed is re-validated.
#include "node/mempool_impl.h"

namespace finch::node {

std::vector<AccountId> Mempool::Impl::touched_accounts(const Block& block) {
    std::vector<AccountId> ids{block.coinbase.recipient};
    ids.reserve(2 * block.txs.size() + 1);
    for (const auto& tx : block.txs) {
        ids.push_back(tx.sender_id());
        ids.push_back(tx.recipient);
    }
    return ids;
}

void Mempool::Impl::block_connected(const Block& block) {
    const std::vector<Hash256> txids = block.txids();  // hashed before taking the lock
    const std::vector<AccountId> touched = touched_accounts(block);
    util::LockGuard lock(mutex);
    const size_t before = entries.size();
    bool changed = false;
    for (size_t i = 1; i < txids.size(); ++i) {
        if (!entries.count(txids[i])) continue;
        erase_entry(txids[i]);
        changed = true;
    }
    dirty.insert(touched.begin(), touched.end());
    ++chain_epoch;
    if (changed) ++generation;
    FINCH_DEBUG(Mempool, "block " + block.hash().to_hex() + " confirmed " + std::to_string(before - entries.size()) +
                             " pool transactions; " + std::to_string(entries.size()) + " left");
}

void Mempool::Impl::block_disconnected(const Block& block) {
    const std::vector<AccountId> touched = touched_accounts(block);
    util::LockGuard lock(mutex);
    stash.insert(stash.end(), block.txs.begin(), block.txs.end());
    dirty.insert(touched.begin(), touched.end());
    ++chain_epoch;
    FINCH_DEBUG(Mempool, "block " + block.hash().to_hex() + " disconnected: " + std::to_string(block.txs.size()) +
                             " transfers return to the pool");
}

void Mempool::Impl::tip_changed(const TipInfo& tip) {
    util::LockGuard lock(mutex);
    if (stash.empty() && dirty.empty()) return;
    std::vector<Transaction> returning = std::move(stash);
    stash.clear();
    const auto accounts = read_accounts(returning);
    readmit(returning, accounts, tip.height);
    for (const auto& [id, account] : accounts) revalidate(id, account);
    trim_to_size();
    dirty.clear();
    ++generation;
}

// Confirmed accounts of the dirty senders that matter: those with pending entries and
// those whose transfers return (mutex held; one batched read).
Mempool::Impl::AccountMap Mempool::Impl::read_accounts(const std::vector<Transaction>& returning) const {
    std::vector<AccountId> ids;
    for (const auto& id : dirty)
        if (senders.count(id)) ids.push_back(id);
    for (const auto& tx : returning) ids.push_back(tx.sender_id());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const auto found = store.get_many(ids);
    AccountMap out;
    out.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) out.emplace(ids[i], found[i].value_or(Account{}));
    return out;
}

// Transfers of disconnected blocks come back, each sender's in nonce order. Their
// signatures verified when their block connected, on this network, so they are not
// verified again (and go to the signature cache for the next connection). They skip
// the minimum fee (a miner already took them) and the size cap: Bitcoin Core does the
// same and then trims the pool by fee rate, which is what trim_to_size() does after.
// The nonce-gap, per-sender and funds rules are not checked here but by revalidate(),
// which walks each sender's queue in nonce order, so an earlier nonce wins the funds
// over a later one. A pending entry already at the same nonce keeps its place unless
// the returning one pays the replacement increment more.
void Mempool::Impl::readmit(const std::vector<Transaction>& returning, const AccountMap& accounts,
                            uint64_t tip_height) {
    std::vector<const Transaction*> order;
    for (const auto& tx : returning) order.push_back(&tx);
    std::sort(order.begin(), order.end(), [](const Transaction* a, const Transaction* b) {
        return std::tie(a->sender, a->nonce) < std::tie(b->sender, b->nonce);
    });
    for (const Transaction* tx : order) {
        const Candidate c = candidate(*tx);
        const Account& account = accounts.at(c.sender);
        if (entries.count(c.txid) || tx->nonce < account.nonce || store.find_transaction(c.txid)) continue;
        if (const MempoolEntry* old = at_nonce(queue(c.sender), tx->nonce)) {
            if (!check_replacement(c, *old)) continue;
            erase_entry(Hash256(old->txid));
        }
        add_entry(c, account, clock(), tip_height);
        if (sigcache) sigcache->add(c.txid);
    }
}

// Re-checks a sender's queue against its new confirmed account: entries below the
// confirmed nonce leave; from the first that no longer fits (gap, count, funds) on, all go.
void Mempool::Impl::revalidate(const AccountId& sender, const Account& account) {
    SenderQueue* q = queue(sender);
    if (!q) return;
    q->confirmed = account;
    while (q && !q->by_nonce.empty() && q->by_nonce.begin()->first < account.nonce) {
        erase_entry(Hash256(q->by_nonce.begin()->second->txid));
        q = queue(sender);
    }
    if (!q) return;
    if (auto bad = first_unfit(*q, account)) erase_from(sender, *bad);
}

// The nonce of the first entry (in nonce order) that breaks a rule, if any.
std::optional<uint64_t> Mempool::Impl::first_unfit(const SenderQueue& q, const Account& account) const {
    uint64_t next = account.nonce;
    size_t count = 0;
    std::optional<Amount> spent = 0;
    for (const auto& [nonce, e] : q.by_nonce) {
        spent = checked_add(*spent, e->tx.amount);
        if (spent) spent = checked_add(*spent, e->tx.fee);
        const bool gapped = nonce > next && nonce - next > limits.max_nonce_gap;
        if (gapped || ++count > limits.max_per_sender || !spent || *spent > account.balance) return nonce;
        if (nonce == next) ++next;
    }
    return std::nullopt;
}

}  // namespace finch::node
