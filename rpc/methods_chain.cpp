// Blockchain methods: tip, blocks, headers, tips, transactions, accounts and the state digest.
#include "rpc/block_text_cache.h"
#include "rpc/handlers.h"
#include "rpc/json_format.h"

namespace finch::rpc::handlers {

namespace {

RpcError not_found(std::string message) { return RpcError{code::kInvalidAddressOrKey, std::move(message), false, nullptr}; }

}  // namespace

CallResult getblockchaininfo(NodeInterface& node, const Args&) {
    const ChainInfo c = node.chain_info();
    Json out = Json::object();
    out["chain"] = c.network;
    out["blocks"] = c.blocks;
    out["headers"] = c.headers;
    out["bestblockhash"] = c.best_block_hash.to_hex();
    out["bits"] = bits_hex(c.bits);
    out["target"] = Uint256::from_compact(c.bits).to_hex();
    out["difficulty"] = c.difficulty;
    out["time"] = c.time;
    out["mediantime"] = c.median_time;
    out["verificationprogress"] = c.verification_progress;
    out["initialblockdownload"] = c.initial_block_download;
    out["chainwork"] = c.chain_work.to_hex();
    out["size_on_disk"] = c.size_on_disk;
    out["pruned"] = false;
    out["accounts"] = c.accounts;
    out["transactions"] = c.transactions;
    out["orphan_blocks"] = c.orphan_blocks;
    out["warnings"] = "";
    return out;
}

CallResult getblockcount(NodeInterface& node, const Args&) { return Json(node.tip_summary().height); }

CallResult getbestblockhash(NodeInterface& node, const Args&) { return Json(node.tip_summary().hash.to_hex()); }

CallResult getblockhash(NodeInterface& node, const Args& args) {
    auto hash = node.block_hash_at(args.integer(0));
    if (!hash) return RpcError{code::kInvalidParameter, "Block height out of range", false, nullptr};
    return Json(hash->to_hex());
}

// Verbosity 1 and 2 answer from the cache of serialized blocks (block_text_cache.h) when the
// block is there: only its place in the chain is read, and no tree is built.
CallResult getblock(NodeInterface& node, const Args& args) {
    const uint64_t verbosity = args.integer(1, 1);
    if (verbosity > 2) return RpcError::params(code::kInvalidParameter, "verbosity must be 0, 1 or 2");
    const Hash256 hash = args.hash(0);
    const BlockTextCache::Key key{node.params().genesis_hash, hash, static_cast<int>(verbosity)};
    if (verbosity > 0)
        if (auto parts = block_text_cache().get(key))
            if (auto place = node.block_place(hash); place && place->have_data)
                return RawJson(block_text_pieces(parts, place->confirmations, place->next_hash));
    auto info = node.block(hash);
    if (!info) return not_found("Block not found");
    if (!info->have_data) return RpcError{code::kMiscError, "Block not available (no data stored)", false, nullptr};
    if (verbosity == 0) return Json(to_hex(info->block.serialize()));
    // Written once without the two fields that change, split, cached, then joined.
    const int64_t confirmations = info->confirmations;
    const std::optional<Hash256> next = info->next_hash;
    info->confirmations = 0;
    info->next_hash.reset();
    auto parts = split_block_text(dump_json(block_json(*info, static_cast<int>(verbosity), node.params())));
    if (!parts) {  // cannot happen with block_json's shape; answer without the cache
        info->confirmations = confirmations;
        info->next_hash = next;
        return block_json(*info, static_cast<int>(verbosity), node.params());
    }
    auto shared = std::make_shared<const BlockTextParts>(std::move(*parts));
    block_text_cache().put(key, shared);
    return RawJson(block_text_pieces(shared, confirmations, next));
}

CallResult getblockheader(NodeInterface& node, const Args& args) {
    auto info = node.header(args.hash(0));
    if (!info) return not_found("Block not found");
    if (!args.boolean(1, true)) return Json(to_hex(encode(info->header)));
    return header_json(*info, node.params());
}

CallResult getchaintips(NodeInterface& node, const Args&) {
    Json out = Json::array();
    for (const ChainTip& t : node.chain_tips()) {
        Json tip = Json::object();
        tip["height"] = t.height;
        tip["hash"] = t.hash.to_hex();
        tip["branchlen"] = t.branch_length;
        tip["status"] = t.status;
        out.push_back(std::move(tip));
    }
    return out;
}

CallResult getdifficulty(NodeInterface& node, const Args&) { return Json(node.tip_summary().difficulty); }

CallResult gettransaction(NodeInterface& node, const Args& args) {
    auto info = node.transaction(args.hash(0));
    if (!info) return not_found("No such mempool or blockchain transaction");
    Json out = info->coinbase ? coinbase_json(*info->coinbase, node.params())
                              : transaction_json(info->transfer.value(), node.params());
    out["in_mempool"] = info->in_mempool;
    out["confirmations"] = info->confirmations;
    if (info->block_hash) {
        out["blockhash"] = info->block_hash->to_hex();
        out["blockheight"] = info->block_height;
        out["blocktime"] = info->block_time;
    }
    return out;
}

CallResult getaccount(NodeInterface& node, const Args& args) {
    const AccountInfo a = node.account(args.account(0));
    Json out = Json::object();
    out["address"] = encode_address(args.account(0), node.params());
    out["balance"] = a.balance;
    out["nonce"] = a.nonce;
    out["pending_balance"] = a.pending_balance;
    out["pending_nonce"] = a.pending_nonce;
    return out;
}

CallResult getaddresshistory(NodeInterface& node, const Args& args) {
    constexpr uint64_t kMaxCount = 1000;
    const uint64_t count = args.integer(2, 100);
    if (count == 0 || count > kMaxCount)
        return RpcError::params(code::kInvalidParameter, "count must be from 1 to " + std::to_string(kMaxCount));
    HistoryQuery query;
    query.skip = args.integer(1, 0);
    query.count = count;
    auto history = node.address_history(args.account(0), query);
    if (!history)
        return RpcError{code::kMiscError, "The address index is off (finchd runs with --addressindex=0)", false, nullptr};
    Json out = Json::array();
    for (const AddressTransfer& t : *history) out.push_back(address_transfer_json(t, node.params()));
    return out;
}

CallResult getbalance(NodeInterface& node, const Args& args) { return Json(node.account(args.account(0)).balance); }

CallResult getstatehash(NodeInterface& node, const Args&) {
    const StateHashInfo s = node.state_hash();
    Json out = Json::object();
    out["height"] = s.height;
    out["bestblockhash"] = s.best_block_hash.to_hex();
    out["statehash"] = s.state_hash.to_hex();
    out["accounts"] = s.accounts;
    return out;
}

}  // namespace finch::rpc::handlers
