// The RPC method handlers that the table in methods_table.cpp dispatches to, one per method.
// Each receives already-checked parameters and only calls NodeInterface.
#pragma once

#include "rpc/methods.h"

namespace finch::rpc::handlers {

#define FINCH_RPC_HANDLER(name) CallResult name(NodeInterface& node, const Args& args)

// methods_chain.cpp
FINCH_RPC_HANDLER(getblockchaininfo);
FINCH_RPC_HANDLER(getblockcount);
FINCH_RPC_HANDLER(getbestblockhash);
FINCH_RPC_HANDLER(getblockhash);
FINCH_RPC_HANDLER(getblock);
FINCH_RPC_HANDLER(getblockheader);
FINCH_RPC_HANDLER(getchaintips);
FINCH_RPC_HANDLER(getdifficulty);
FINCH_RPC_HANDLER(gettransaction);
FINCH_RPC_HANDLER(getaccount);
FINCH_RPC_HANDLER(getaddresshistory);
FINCH_RPC_HANDLER(getbalance);
FINCH_RPC_HANDLER(getstatehash);

// methods_mempool_mining.cpp
FINCH_RPC_HANDLER(sendrawtransaction);
FINCH_RPC_HANDLER(getrawmempool);
FINCH_RPC_HANDLER(getmempoolinfo);
FINCH_RPC_HANDLER(getmempoolentry);
FINCH_RPC_HANDLER(getmininginfo);
FINCH_RPC_HANDLER(generatetoaddress);
FINCH_RPC_HANDLER(getblocktemplate);
FINCH_RPC_HANDLER(submitblock);

// methods_network_control.cpp
FINCH_RPC_HANDLER(getpeerinfo);
FINCH_RPC_HANDLER(getnetworkinfo);
FINCH_RPC_HANDLER(getconnectioncount);
FINCH_RPC_HANDLER(getnettotals);
FINCH_RPC_HANDLER(getdhtinfo);
FINCH_RPC_HANDLER(dhtfind);
FINCH_RPC_HANDLER(addnode);
FINCH_RPC_HANDLER(disconnectnode);
FINCH_RPC_HANDLER(setban);
FINCH_RPC_HANDLER(listbanned);
FINCH_RPC_HANDLER(clearbanned);
FINCH_RPC_HANDLER(help);
FINCH_RPC_HANDLER(stop);
FINCH_RPC_HANDLER(uptime);
FINCH_RPC_HANDLER(validateaddress);

#undef FINCH_RPC_HANDLER

}  // namespace finch::rpc::handlers
