// The reads the explorer and getaddresshistory add to RpcAdapter: the address index and the
// newest mempool entries.
#include "node/rpc_adapter.h"

namespace finch::node {

namespace {

storage::AddressRole to_storage(rpc::TransferRole role) {
    switch (role) {
        case rpc::TransferRole::Mined: return storage::AddressRole::Mined;
        case rpc::TransferRole::Sent: return storage::AddressRole::Sent;
        case rpc::TransferRole::Received: return storage::AddressRole::Received;
    }
    return storage::AddressRole::Received;
}

rpc::TransferRole to_rpc(storage::AddressRole role) {
    switch (role) {
        case storage::AddressRole::Mined: return rpc::TransferRole::Mined;
        case storage::AddressRole::Sent: return rpc::TransferRole::Sent;
        case storage::AddressRole::Received: return rpc::TransferRole::Received;
    }
    return rpc::TransferRole::Received;
}

}  // namespace

std::optional<std::vector<rpc::AddressTransfer>> RpcAdapter::address_history(const AccountId& id,
                                                                             const rpc::HistoryQuery& query) {
    storage::AddressQuery q;
    q.skip = query.skip;
    q.count = query.count;
    if (query.after) {
        storage::AddressEntry place;
        place.height = query.after->height;
        place.position = query.after->position;
        place.role = to_storage(query.after->role);
        q.after = place;
    }
    // One snapshot for the entries and the heights' block hashes: a reorg between two reads
    // cannot pair an entry with the block that replaced its own.
    const auto snapshot = m_chain.store().snapshot();
    auto entries = snapshot->address_history(id, q);
    if (!entries) return std::nullopt;
    std::vector<rpc::AddressTransfer> out;
    out.reserve(entries->size());
    std::optional<std::pair<uint64_t, std::pair<Hash256, uint64_t>>> last_block;  // height -> (hash, time)
    for (const storage::AddressEntry& e : *entries) {
        rpc::AddressTransfer t;
        t.height = e.height;
        t.position = e.position;
        t.role = to_rpc(e.role);
        t.txid = e.txid;
        t.amount = e.amount;
        t.fee = e.fee;
        if (e.role != storage::AddressRole::Mined) t.counterparty = e.counterparty;
        if (!last_block || last_block->first != e.height) {
            const auto hash = snapshot->hash_at_height(e.height);
            const auto rec = hash ? m_chain.store().read_index(*hash) : std::nullopt;
            last_block = {e.height, {hash.value_or(Hash256{}), rec ? rec->header.time : 0}};
        }
        t.block_hash = last_block->second.first;
        t.block_time = last_block->second.second;
        out.push_back(t);
    }
    return out;
}

std::vector<rpc::MempoolEntry> RpcAdapter::mempool_latest(size_t max, const std::optional<AccountId>& involving) {
    std::vector<rpc::MempoolEntry> out;
    for (const MempoolEntry& e : m_mempool.latest(max, involving))
        out.push_back(rpc::MempoolEntry{e.tx, e.txid, e.size, e.tx.fee, e.time, e.height});
    return out;
}

}  // namespace finch::node
