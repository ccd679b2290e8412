// JSON shapes of transactions, blocks, headers, mempool entries and peers.
#include "rpc/json_format.h"

#include <cmath>
#include <cstdio>

namespace finch::rpc {

// Eight lowercase hex digits.
std::string bits_hex(uint32_t bits) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", bits);
    return buf;
}

namespace {

// Header fields shared by getblock and getblockheader, in bitcoind's order.
void put_header_fields(Json& out, const BlockHeader& h) {
    out["version"] = h.version;
    out["versionHex"] = bits_hex(h.version);
    out["merkleroot"] = h.merkle_root.to_hex();
    out["time"] = h.time;
}

void put_pow_fields(Json& out, const BlockHeader& h, const ChainParams& params) {
    out["nonce"] = h.nonce;
    out["bits"] = bits_hex(h.bits);
    out["target"] = Uint256::from_compact(h.bits).to_hex();
    out["difficulty"] = difficulty_of(h.bits, params);
}

void put_links(Json& out, const BlockHeader& h, const std::optional<Hash256>& next) {
    if (!h.prev_hash.is_zero()) out["previousblockhash"] = h.prev_hash.to_hex();
    if (next) out["nextblockhash"] = next->to_hex();
}

}  // namespace

double difficulty_of(uint32_t bits, const ChainParams& params) {
    const double target = Uint256::from_compact(bits).to_double();
    return target > 0 ? params.pow_limit.to_double() / target : 0;
}

Json transaction_json(const Transaction& tx, const ChainParams& params) {
    const Bytes raw = tx.serialize();
    Json out = Json::object();
    out["txid"] = sha256(raw).to_hex();
    out["from"] = encode_address(tx.sender_id(), params);
    out["sender_pubkey"] = to_hex(tx.sender.span());
    out["to"] = encode_address(tx.recipient, params);
    out["amount"] = tx.amount;
    out["fee"] = tx.fee;
    out["nonce"] = tx.nonce;
    out["signature"] = to_hex(tx.signature.span());
    out["size"] = raw.size();
    out["hex"] = to_hex(raw);
    return out;
}

Json coinbase_json(const Coinbase& coinbase, const ChainParams& params) {
    const Bytes raw = encode(coinbase);
    Json out = Json::object();
    out["txid"] = coinbase.txid().to_hex();
    out["coinbase"] = true;
    out["height"] = coinbase.height;
    out["to"] = encode_address(coinbase.recipient, params);
    out["amount"] = coinbase.amount;
    out["extra"] = to_hex(coinbase.extra);
    out["size"] = raw.size();
    out["hex"] = to_hex(raw);
    return out;
}

Json header_json(const HeaderInfo& info, const ChainParams& params) {
    Json out = Json::object();
    out["hash"] = info.hash.to_hex();
    out["confirmations"] = info.confirmations;
    out["height"] = info.height;
    put_header_fields(out, info.header);
    out["mediantime"] = info.median_time;
    put_pow_fields(out, info.header, params);
    out["chainwork"] = info.chain_work.to_hex();
    out["nTx"] = info.tx_count;
    put_links(out, info.header, info.next_hash);
    return out;
}

Json block_json(const BlockInfo& info, int verbosity, const ChainParams& params) {
    const Block& b = info.block;
    Json out = Json::object();
    out["hash"] = b.hash().to_hex();
    out["confirmations"] = info.confirmations;
    out["height"] = info.height;
    put_header_fields(out, b.header);
    out["mediantime"] = info.median_time;
    put_pow_fields(out, b.header, params);
    out["chainwork"] = info.chain_work.to_hex();
    out["nTx"] = b.txs.size() + 1;
    put_links(out, b.header, info.next_hash);
    out["size"] = b.serialized_size();
    Json txs = Json::array();
    if (verbosity >= 2) {
        txs.push_back(coinbase_json(b.coinbase, params));
        for (const Transaction& tx : b.txs) txs.push_back(transaction_json(tx, params));
    } else {
        txs.push_back(b.coinbase.txid().to_hex());
        for (const Transaction& tx : b.txs) txs.push_back(tx.txid().to_hex());
    }
    out["tx"] = std::move(txs);
    return out;
}

Json mempool_entry_json(const MempoolEntry& entry, const ChainParams& params) {
    Json out = Json::object();
    out["txid"] = entry.txid.to_hex();
    out["size"] = entry.size;
    out["fee"] = entry.fee;
    out["time"] = entry.time;
    out["height"] = entry.height;
    out["from"] = encode_address(entry.tx.sender_id(), params);
    out["to"] = encode_address(entry.tx.recipient, params);
    out["amount"] = entry.tx.amount;
    out["nonce"] = entry.tx.nonce;
    return out;
}

Json peer_json(const PeerInfo& p) {
    Json out = Json::object();
    out["id"] = p.id;
    out["addr"] = p.addr;
    out["addrlocal"] = p.addr_local;
    out["identity"] = p.identity;
    out["transport"] = p.transport;
    out["cipher"] = p.cipher;
    out["inbound"] = p.inbound;
    out["conntime"] = p.conn_time;
    out["lastsend"] = p.last_send;
    out["lastrecv"] = p.last_recv;
    out["bytessent"] = p.bytes_sent;
    out["bytesrecv"] = p.bytes_recv;
    out["pingtime"] = p.ping_time;
    out["version"] = p.version;
    out["subver"] = p.user_agent;
    out["startingheight"] = p.starting_height;
    out["synced_headers"] = p.synced_headers;
    out["synced_blocks"] = p.synced_blocks;
    out["bip152_hb_to"] = p.bip152_hb_to;
    out["bip152_hb_from"] = p.bip152_hb_from;
    out["whitelisted"] = p.whitelisted;
    out["score"] = std::round(p.score * 100) / 100;
    out["discouraged"] = p.discouraged;
    out["misbehavior"] = p.misbehavior;
    out["bytessent_per_msg"] = p.bytes_sent_per_msg;
    out["bytesrecv_per_msg"] = p.bytes_recv_per_msg;
    return out;
}

const char* role_name(TransferRole role) {
    switch (role) {
        case TransferRole::Mined: return "mined";
        case TransferRole::Sent: return "sent";
        case TransferRole::Received: return "received";
    }
    return "unknown";
}

Json address_transfer_json(const AddressTransfer& t, const ChainParams& params) {
    Json out = Json::object();
    out["txid"] = t.txid.to_hex();
    out["height"] = t.height;
    out["blockhash"] = t.block_hash.to_hex();
    out["time"] = t.block_time;
    out["position"] = t.position;
    out["role"] = role_name(t.role);
    out["amount"] = t.amount;
    out["fee"] = t.fee;
    out["counterparty"] = t.counterparty ? Json(encode_address(*t.counterparty, params)) : Json(nullptr);
    return out;
}

}  // namespace finch::rpc
