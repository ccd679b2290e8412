// The reads the explorer and getaddresshistory add to RpcAdapter: the address index and the
// newest mempool entries.
#include "node/rpc_adapter.h"

namespace finch::node {

namespace {

rpc::TransferRole to_rpc(storage::AddressRole role) {
    switch (role) {
        case storage::AddressRole::Mined: return rpc::TransferRole::Mined;
        case storage::AddressRole::Sent: return rpc::TransferRole::Sent;
        case storage::AddressRole::Received: return rpc::TransferRole::Received;
    }
    return rpc::TransferRole::Received;
}

}  // namespace

std::optional<std::vector<rpc::AddressTransfer>> RpcAdapter::address_history(const AccountId& id, uint64_t skip,
                                                                             size_t count) {
    auto entries = m_chain.store().address_history(id, skip, count);
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
            // The index and the height table are written by the same batch; a block connected
            // or disconnected between the two reads leaves the hash unknown for a moment.
            const auto hash = m_chain.store().hash_at_height(e.height);
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
