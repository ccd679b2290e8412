// Transfers that arrived before an earlier nonce of their sender (the mempool refused them
// with nonce-gap): the account model's orphans. Relay does not keep a sender's transfers in
// order across paths (nonce 5 may come through one peer before nonce 4 through another,
// slowed by packet loss), so such a transfer waits here instead of being marked rejected,
// and is tried again when its sender's nonce moves (a transfer of the sender accepted, a
// block connected). Bounded in count, per sender, per peer and in age, as Bitcoin Core's
// orphanage; when full, a random entry makes room. The caller keeps junk out: only
// transfers with a valid signature from a funded account are offered (peer_manager_relay.cpp).
#pragma once

#include "consensus/address.h"
#include "consensus/transaction.h"

#include <cstdint>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

namespace finch::net {

class NonceGapPool {
public:
    struct Limits {
        size_t max_total = 1'000;
        size_t max_per_sender = 64;  // the mempool's pending limit per sender
        size_t max_per_peer = 100;
        uint64_t max_age_seconds = 20 * 60;
    };
    struct Waiting {
        Transaction tx;
        uint64_t peer = 0;   // who sent it (its entries go when it leaves)
        uint64_t added = 0;  // kept across retries, so the age limit holds
    };
    explicit NonceGapPool(Limits limits, uint64_t seed = std::random_device{}()) : m_limits(limits), m_rng(seed) {}
    NonceGapPool() : NonceGapPool(Limits{}) {}

    // False when it is not kept: that sender and nonce wait already, or the sender's or the
    // peer's share is used up. A full pool evicts a random entry first.
    bool add(Waiting w, const AccountId& sender);
    // Removes and returns the sender's waiting transfers in nonce order.
    std::vector<Waiting> take(const AccountId& sender);
    // Removes and returns every waiting transfer (each sender's in nonce order).
    std::vector<Waiting> take_all();
    // Drops what a peer sent (it disconnected); returns how many.
    size_t erase_peer(uint64_t peer);
    // Drops entries older than the age limit; returns how many.
    size_t expire(uint64_t now);
    size_t size() const { return m_total; }

private:
    void erase_one(std::unordered_map<AccountId, std::map<uint64_t, Waiting>, AccountIdHasher>::iterator sender,
                   std::map<uint64_t, Waiting>::iterator entry);
    template <typename Pred>
    size_t erase_where(Pred&& doomed);
    Limits m_limits;
    std::mt19937_64 m_rng;
    std::unordered_map<AccountId, std::map<uint64_t, Waiting>, AccountIdHasher> m_by_sender;
    std::unordered_map<uint64_t, size_t> m_per_peer;
    size_t m_total = 0;
};

}  // namespace finch::net
