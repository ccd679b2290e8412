// Mempool and mining methods: submitting transactions and blocks, templates, regtest mining.
#include "rpc/handlers.h"
#include "rpc/json_format.h"

namespace finch::rpc::handlers {

namespace {

RpcError decode_error(std::string what, const std::string& why) {
    return RpcError{code::kDeserializationError, what + " decode failed: " + why, false, nullptr};
}

// Decodes hex into T, or the -22 error bitcoind gives for undecodable data.
template <typename T>
std::variant<T, RpcError> decode_hex(const std::string& hex, const char* what) {
    auto raw = from_hex(hex);
    if (!raw) return decode_error(what, "not a hex string");
    auto value = decode_all<T>(*raw);
    if (!value) return decode_error(what, value.error().to_string());
    return std::move(*value);
}

// A nonce too far ahead may become valid once the missing transfers arrive, like bitcoind's
// "missing inputs" (-25); every other rejection is final (-26).
int rejection_code(const std::string& reason) {
    return reason == "nonce-gap" || reason == "nonce-too-high" ? code::kVerifyError : code::kVerifyRejected;
}

CallResult submit_result(const SubmitResult& r) {
    switch (r.kind) {
        case SubmitResult::Kind::Accepted:
        case SubmitResult::Kind::AlreadyInMempool: return Json(r.txid.to_hex());
        case SubmitResult::Kind::AlreadyInChain:
            return RpcError{code::kVerifyAlreadyInChain, "Transaction already in block chain", false, nullptr};
        case SubmitResult::Kind::Rejected: break;
    }
    const std::string reason = r.reason.empty() ? "rejected" : r.reason;
    return RpcError{rejection_code(reason), reason, false, r.detail.empty() ? Json(nullptr) : Json(r.detail)};
}

Json template_json(const BlockTemplate& t) {
    const BlockHeader& h = t.block.header;
    Json out = Json::object();
    out["version"] = h.version;
    out["previousblockhash"] = h.prev_hash.to_hex();
    out["merkleroot"] = h.merkle_root.to_hex();
    Json txs = Json::array();
    for (size_t i = 0; i < t.block.txs.size(); ++i) {
        const Bytes raw = t.block.txs[i].serialize();
        Json tx = Json::object();
        tx["data"] = to_hex(raw);
        tx["txid"] = sha256(raw).to_hex();
        tx["fee"] = i < t.fees.size() ? t.fees[i] : t.block.txs[i].fee;
        txs.push_back(std::move(tx));
    }
    out["transactions"] = std::move(txs);
    Json cb = Json::object();
    cb["data"] = to_hex(encode(t.block.coinbase));
    cb["txid"] = t.block.coinbase.txid().to_hex();
    out["coinbasetxn"] = std::move(cb);
    out["coinbasevalue"] = t.coinbase_value;
    out["target"] = t.target.to_hex();
    out["mintime"] = t.min_time;
    out["curtime"] = t.cur_time;
    out["bits"] = bits_hex(h.bits);
    out["height"] = t.height;
    out["noncerange"] = "0000000000000000ffffffffffffffff";
    out["sizelimit"] = kMaxBlockBytes;
    out["txlimit"] = kMaxBlockTransactions;
    out["hex"] = to_hex(t.block.serialize());
    return out;
}

}  // namespace

CallResult sendrawtransaction(NodeInterface& node, const Args& args) {
    auto tx = decode_hex<Transaction>(args.string(0), "TX");
    if (auto* err = std::get_if<RpcError>(&tx)) return std::move(*err);
    return submit_result(node.submit_transaction(std::get<Transaction>(tx)));
}

CallResult getrawmempool(NodeInterface& node, const Args& args) {
    const std::vector<Hash256> ids = node.mempool_txids();
    if (!args.boolean(0, false)) {
        Json out = Json::array();
        for (const Hash256& id : ids) out.push_back(id.to_hex());
        return out;
    }
    Json out = Json::object();
    for (const Hash256& id : ids)
        if (auto e = node.mempool_entry(id)) out[id.to_hex()] = mempool_entry_json(*e, node.params());
    return out;
}

CallResult getmempoolinfo(NodeInterface& node, const Args&) {
    const MempoolInfo m = node.mempool_info();
    Json out = Json::object();
    out["loaded"] = true;
    out["size"] = m.size;
    out["bytes"] = m.bytes;
    out["usage"] = m.usage;
    out["total_fee"] = m.total_fee;
    out["maxmempool"] = m.max_bytes;
    out["mempoolminfee"] = m.mempool_min_fee;
    out["minrelaytxfee"] = m.min_relay_fee;
    return out;
}

CallResult getmempoolentry(NodeInterface& node, const Args& args) {
    auto e = node.mempool_entry(args.hash(0));
    if (!e) return RpcError{code::kInvalidAddressOrKey, "Transaction not in mempool", false, nullptr};
    return mempool_entry_json(*e, node.params());
}

CallResult getmininginfo(NodeInterface& node, const Args&) {
    const MiningInfo m = node.mining_info();
    Json out = Json::object();
    out["blocks"] = m.blocks;
    out["bits"] = bits_hex(m.bits);
    out["difficulty"] = m.difficulty;
    out["networkhashps"] = m.network_hashps;
    out["localhashps"] = m.local_hashps;
    out["pooledtx"] = m.pooled_tx;
    out["chain"] = m.chain;
    out["mining"] = m.mining;
    out["minerthreads"] = m.miner_threads;
    out["warnings"] = "";
    return out;
}

CallResult generatetoaddress(NodeInterface& node, const Args& args) {
    if (node.params().network != Network::Regtest)
        return RpcError{code::kMethodNotFound, "generatetoaddress is only available on regtest", false, nullptr};
    auto hashes = node.generate(args.integer(0), args.account(1));
    if (!hashes) return RpcError{code::kMiscError, hashes.error().to_string(), false, nullptr};
    Json out = Json::array();
    for (const Hash256& h : *hashes) out.push_back(h.to_hex());
    return out;
}

CallResult getblocktemplate(NodeInterface& node, const Args& args) {
    auto t = node.block_template(args.account(0));
    if (!t) return RpcError{code::kMiscError, t.error().to_string(), false, nullptr};
    return template_json(*t);
}

CallResult submitblock(NodeInterface& node, const Args& args) {
    auto block = decode_hex<Block>(args.string(0), "Block");
    if (auto* err = std::get_if<RpcError>(&block)) return std::move(*err);
    const BlockSubmitResult r = node.submit_block(std::get<Block>(block));
    if (r.duplicate) return Json("duplicate");
    if (r.accepted) return r.reason.empty() ? Json(nullptr) : Json(r.reason);
    return Json(r.reason.empty() ? "rejected" : r.reason);
}

}  // namespace finch::rpc::handlers
