// Transfers that arrived before an earlier nonce of their sender (the mempool refused them
// with nonce-gap): the account model's orphans. Relay does not keep a sender's transfers in
// order across paths (nonce 5 may come through one peer before nonce 4 through another,
// slowed by packet loss), so such a transfer waits here instead of being marked rejected,
// and is tried again when its sender's nonce moves (a transfer of the sender accepted, a
// block connected). Bounded in count, per sender and in age, as Bitcoin Core's orphanage.
#pragma once

#include "consensus/address.h"
#include "consensus/transaction.h"

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

namespace finch::net {

class NonceGapPool {
public:
    struct Limits {
        size_t max_total = 1'000;
        size_t max_per_sender = 64;     // the mempool's pending limit per sender
        uint64_t max_age_seconds = 20 * 60;
    };
    explicit NonceGapPool(Limits limits) : m_limits(limits) {}
    NonceGapPool() : NonceGapPool(Limits{}) {}

    // False when it is not kept (a limit is reached, or that sender and nonce wait already).
    bool add(const Transaction& tx, const AccountId& sender, uint64_t now);
    // Removes and returns the sender's waiting transfers in nonce order.
    std::vector<Transaction> take(const AccountId& sender);
    // Removes and returns every waiting transfer (senders in any order, each in nonce order).
    std::vector<Transaction> take_all();
    // Drops entries older than the age limit; returns how many.
    size_t expire(uint64_t now);
    size_t size() const { return m_total; }

private:
    struct Entry {
        Transaction tx;
        uint64_t added = 0;
    };
    Limits m_limits;
    std::unordered_map<AccountId, std::map<uint64_t, Entry>, AccountIdHasher> m_by_sender;
    size_t m_total = 0;
};

}  // namespace finch::net
