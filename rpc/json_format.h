// JSON shapes of chain objects in RPC replies (Bitcoin Core's field names where it has them).
// Amounts are integers in base units, hashes display-order hex, addresses bech32m.
#pragma once

#include "rpc/node_interface.h"
#include "rpc/protocol.h"

#include <string>

namespace finch::rpc {

// Compact bits as 8 hex digits, as bitcoind prints them ("1d00ffff").
std::string bits_hex(uint32_t bits);
// How much harder the target is than the network's easiest one (1.0 at the limit).
double difficulty_of(uint32_t bits, const ChainParams& params);

// {txid, from, sender_pubkey, to, amount, fee, nonce, signature, size, hex}
Json transaction_json(const Transaction& tx, const ChainParams& params);
// {txid, coinbase: true, height, to, amount, extra, size, hex}
Json coinbase_json(const Coinbase& coinbase, const ChainParams& params);

// getblockheader's verbose shape.
Json header_json(const HeaderInfo& info, const ChainParams& params);
// getblock's shape; verbosity 1 lists txids, 2 full transaction objects.
Json block_json(const BlockInfo& info, int verbosity, const ChainParams& params);

// getaddresshistory's entry: {txid, height, blockhash, time, position, role, amount, fee, counterparty}.
Json address_transfer_json(const AddressTransfer& t, const ChainParams& params);
const char* role_name(TransferRole role);

Json mempool_entry_json(const MempoolEntry& entry, const ChainParams& params);
Json peer_json(const PeerInfo& peer);

}  // namespace finch::rpc
