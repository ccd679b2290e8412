// The RPC method table: names, parameters, help text and handlers of every method.
#include "rpc/handlers.h"

namespace finch::rpc {

namespace {

using enum ParamType;
namespace h = handlers;

std::vector<MethodSpec> build_table() {
    return {
        // ---- Blockchain
        {"getblockchaininfo", "Blockchain", {}, "Returns the state of the active chain.",
         R"({ "chain", "blocks", "headers", "bestblockhash", "bits", "target", "difficulty", "time",
  "mediantime", "verificationprogress", "initialblockdownload", "chainwork", "size_on_disk",
  "pruned": false, "accounts", "transactions", "orphan_blocks", "warnings" })",
         "", h::getblockchaininfo},
        {"getblockcount", "Blockchain", {}, "Returns the height of the active chain's tip.", "n (integer)", "",
         h::getblockcount},
        {"getbestblockhash", "Blockchain", {}, "Returns the hash of the active chain's tip.", "\"hex\" (string)", "",
         h::getbestblockhash},
        {"getblockhash", "Blockchain", {{"height", Integer, true, "", "height of a block on the active chain"}},
         "Returns the hash of the active chain's block at a height.", "\"hex\" (string)", "0", h::getblockhash},
        {"getblock", "Blockchain",
         {{"blockhash", Hash, true, "", "the block hash"},
          {"verbosity", IntegerOrBool, false, "1",
           "0 for the serialized block as hex, 1 for JSON with txids, 2 for JSON with transaction objects"}},
         "Returns a block.",
         R"(verbosity 0: "hex" (string)
verbosity 1: { "hash", "confirmations", "height", "version", "versionHex", "merkleroot", "time",
  "mediantime", "nonce", "bits", "target", "difficulty", "chainwork", "nTx",
  "previousblockhash", "nextblockhash", "size", "tx": [ "txid", ... ] }
verbosity 2: as 1, with "tx": [ transaction objects; the first is the coinbase ])",
         "<blockhash> 1", h::getblock},
        {"getblockheader", "Blockchain",
         {{"blockhash", Hash, true, "", "the block hash"},
          {"verbose", Bool, false, "true", "true for JSON, false for the serialized header as hex"}},
         "Returns a block header.",
         R"(verbose true: { "hash", "confirmations", "height", "version", "versionHex", "merkleroot",
  "time", "mediantime", "nonce", "bits", "target", "difficulty", "chainwork", "nTx",
  "previousblockhash", "nextblockhash" }
verbose false: "hex" (string))",
         "<blockhash>", h::getblockheader},
        {"getchaintips", "Blockchain", {}, "Returns every known tip of the block tree, the active one included.",
         R"([ { "height", "hash", "branchlen", "status": "active" | "valid-fork" | "valid-headers" | "invalid" } ])",
         "", h::getchaintips},
        {"getdifficulty", "Blockchain", {}, "Returns the tip's difficulty relative to the network's easiest target.",
         "n (number)", "", h::getdifficulty},
        {"gettransaction", "Blockchain", {{"txid", Hash, true, "", "the transaction id"}},
         "Returns a transaction from the mempool or the chain.",
         R"({ transaction fields (see docs/rpc.md), "in_mempool", and when confirmed
  "blockhash", "blockheight", "blocktime", "confirmations" })",
         "<txid>", h::gettransaction},
        {"getaccount", "Blockchain", {{"address", Address, true, "", "the account's address"}},
         "Returns an account's confirmed balance and nonce, and the values counting the mempool.",
         R"({ "address", "balance", "nonce", "pending_balance", "pending_nonce" } (amounts in base units))",
         "<address>", h::getaccount},
        {"getaddresshistory", "Blockchain",
         {{"address", Address, true, "", "the account's address"},
          {"skip", Integer, false, "0", "how many of the newest entries to skip"},
          {"count", Integer, false, "100", "how many entries to return, 1 to 1000"}},
         "Returns an address's confirmed transfers and coinbases from the address index, newest first.",
         R"([ { "txid", "height", "blockhash", "time", "position", "role": "mined" | "sent" | "received",
  "amount", "fee", "counterparty" (address, or null for a coinbase) } ])",
         "<address> 0 1", h::getaddresshistory},
        {"getbalance", "Blockchain", {{"address", Address, true, "", "the account's address"}},
         "Returns an account's confirmed balance in base units.", "n (integer)", "<address>", h::getbalance},
        {"getstatehash", "Blockchain", {},
         "Returns a digest of the whole account state at the tip; equal on two nodes exactly when their states are.",
         R"({ "height", "bestblockhash", "statehash", "accounts" })", "", h::getstatehash},

        // ---- Mempool
        {"sendrawtransaction", "Mempool", {{"hexstring", String, true, "", "the serialized transaction as hex"}},
         "Submits a signed transaction to the mempool and relays it.", "\"txid\" (string)", "<hex>",
         h::sendrawtransaction},
        {"getrawmempool", "Mempool", {{"verbose", Bool, false, "false", "true for an object of entries by txid"}},
         "Returns the ids of the mempool's transactions.",
         R"(verbose false: [ "txid", ... ]
verbose true: { "txid": { mempool entry }, ... })",
         "", h::getrawmempool},
        {"getmempoolinfo", "Mempool", {}, "Returns the mempool's size and limits.",
         R"({ "loaded", "size", "bytes", "usage", "total_fee", "maxmempool", "mempoolminfee", "minrelaytxfee" })", "",
         h::getmempoolinfo},
        {"getmempoolentry", "Mempool", {{"txid", Hash, true, "", "the transaction id"}},
         "Returns one mempool entry.",
         R"({ "txid", "size", "fee", "time", "height", "from", "to", "amount", "nonce" })", "<txid>",
         h::getmempoolentry},

        // ---- Mining
        {"getmininginfo", "Mining", {}, "Returns mining-related information.",
         R"({ "blocks", "bits", "difficulty", "networkhashps", "localhashps", "pooledtx", "chain", "mining",
  "minerthreads", "warnings" })",
         "", h::getmininginfo},
        {"generatetoaddress", "Mining",
         {{"nblocks", Integer, true, "", "how many blocks to mine"},
          {"address", Address, true, "", "the address that receives the rewards"}},
         "Mines blocks at once (regtest only) and returns their hashes.", R"([ "blockhash", ... ])", "1 <address>",
         h::generatetoaddress},
        {"getblocktemplate", "Mining", {{"address", Address, true, "", "the address the coinbase pays"}},
         "Returns a block to mine on: coinbase and transactions filled in, nonce 0. In \"hex\", the "
         "header is the first 88 bytes and its nonce the last 8 of those (little-endian); grind it until "
         "the header's double SHA-256 meets the target, then call submitblock.",
         R"({ "version", "previousblockhash", "merkleroot", "transactions": [ { "data", "txid", "fee" } ],
  "coinbasetxn": { "data", "txid" }, "coinbasevalue", "target", "mintime", "curtime", "bits",
  "height", "noncerange", "sizelimit", "txlimit", "hex" (the whole block, serialized) })",
         "<address>", h::getblocktemplate},
        {"submitblock", "Mining", {{"hexdata", String, true, "", "the serialized block as hex"}},
         "Submits a solved block.",
         "null when accepted, else a string: \"duplicate\", \"inconclusive\" or the rule it broke", "<hex>",
         h::submitblock},

        // ---- Network
        {"getpeerinfo", "Network", {}, "Returns one object per connected peer.",
         R"([ { "id", "addr", "addrlocal", "identity" (64 hex, proven by TLS), "transport" ("tls1.3"),
    "cipher", "inbound", "conntime", "lastsend", "lastrecv", "bytessent",
    "bytesrecv", "pingtime", "version", "subver", "startingheight", "synced_headers", "synced_blocks",
    "bip152_hb_to", "bip152_hb_from", "whitelisted", "score" (nuisance, decaying: 100 disconnects),
    "discouraged", "misbehavior",
    "bytessent_per_msg": { "<msg>": n }, "bytesrecv_per_msg": { "<msg>": n } } ])",
         "", h::getpeerinfo},
        {"getnetworkinfo", "Network", {}, "Returns the state of the p2p network.",
         R"({ "version", "subversion", "protocolversion", "identity" (64 hex: SHA-256 of the node's
  Ed25519 public key), "connections", "connections_in", "connections_out", "networkactive",
  "listening", "port", "localaddresses", "warnings",
  "compactblocks": { "received", "rebuilt_without_round_trip", "rebuilt_after_getblocktxn",
  "fell_back_to_full_block" } })",
         "", h::getnetworkinfo},
        {"getconnectioncount", "Network", {}, "Returns the number of peer connections.", "n (integer)", "",
         h::getconnectioncount},
        {"getnettotals", "Network", {}, "Returns bytes received and sent on every p2p socket since start-up.",
         R"({ "totalbytesrecv", "totalbytessent", "timemillis" })", "", h::getnettotals},
        {"getdhtinfo", "Network", {}, "Returns the state of the DHT (structured discovery over UDP on the p2p port).",
         R"({ "identity", "endpoint" (where our signed record says we are), "buckets" (non-empty), "nodes",
    "bytes_sent", "bytes_received" })",
         "", h::getdhtinfo},
        {"dhtfind", "Network", {{"identity", String, true, "", "the node's identity (64 hex)"}},
         "Looks a node up in the DHT: always a lookup on the network, for its freshest signed record. An identity "
         "nobody knows: error -5.",
         R"({ "identity", "endpoint", "hops" (rounds of queries, at least 1) })",
         "<identity>", h::dhtfind},
        {"addnode", "Network",
         {{"node", String, true, "", "the peer as [IDENTITY@]HOST[:PORT] (with IDENTITY@ it must prove that identity)"},
          {"command", String, true, "", "add to the list, remove from it, or try once", {"add", "remove", "onetry"}}},
         "Adds a peer to connect to, removes it, or tries it once.", "null", "127.0.0.1:19444 add", h::addnode},
        {"disconnectnode", "Network",
         {{"address", String, false, "\"\"", "the peer's address (give this or nodeid)"},
          {"nodeid", Integer, false, "", "the peer's id from getpeerinfo"}},
         "Disconnects a peer.", "null", "127.0.0.1:19444", h::disconnectnode},
        {"setban", "Network",
         {{"subnet", String, true, "", "an IP address or a subnet in CIDR form (10.0.0.0/8, 2001:db8::/32); a bare address is a /32 or /128"},
          {"command", String, true, "", "add or remove the ban", {"add", "remove"}},
          {"bantime", Integer, false, "0", "seconds (0 means the node's default) or, with absolute, a Unix time"},
          {"absolute", Bool, false, "false", "bantime is an absolute Unix time"}},
         "Bans or unbans an address or subnet.", "null", "10.0.0.0/24 add 3600", h::setban},
        {"listbanned", "Network", {}, "Lists the banned addresses and subnets.",
         R"([ { "address", "ban_created", "banned_until", "ban_duration", "time_remaining", "reason" } ])", "",
         h::listbanned},
        {"clearbanned", "Network", {}, "Removes every ban.", "null", "", h::clearbanned},

        // ---- Control
        {"help", "Control", {{"command", String, false, "", "a method to describe"}},
         "Lists the methods, or describes one.", "\"text\" (string)", "getblock", h::help},
        {"stop", "Control", {}, "Shuts the node down.", "\"finchd stopping\" (string)", "", h::stop},
        {"uptime", "Control", {}, "Returns how long the node has been running, in seconds.", "n (integer)", "",
         h::uptime},
        {"validateaddress", "Control", {{"address", String, true, "", "the address to check"}},
         "Says whether a string is a valid address of this network, and if not, why.",
         R"({ "isvalid", "address", "network" (when the prefix names a known network),
  "accountid" (hex, when valid), "error" (a code such as "address-bad-checksum") and
  "error_message" (when invalid) })",
         "<address>", h::validateaddress},
    };
}

}  // namespace

const std::vector<MethodSpec>& method_table() {
    static const std::vector<MethodSpec> kTable = build_table();
    return kTable;
}

}  // namespace finch::rpc
