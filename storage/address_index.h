// The address index: for every account, each transfer and coinbase that touched it, newest
// first. Its entries are written by the same batch that connects a block and deleted by the
// one that disconnects it, so the index always matches the active chain (design.md section 7,
// "Explorer"). This header holds the entry and its encoding; rocksdb_store.cpp stores it.
#pragma once

#include "consensus/block.h"

#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace finch::storage {

// Metadata key set to "1" while the index covers the active chain; absent when it must be
// (re)built, e.g. on a ledger written before the index existed.
inline constexpr const char* kAddressIndexKey = "addrindex";

enum class AddressRole : uint8_t {
    Mined = 0,     // the block's coinbase paid this account
    Sent = 1,      // this account signed the transfer
    Received = 2,  // this account is the transfer's recipient
};
std::string_view role_name(AddressRole role);

struct AddressEntry {
    AccountId account;
    uint64_t height = 0;
    uint32_t position = 0;  // 0 is the coinbase, i >= 1 is transfer i - 1 (as TxLocation)
    AddressRole role = AddressRole::Received;
    Hash256 txid;
    Amount amount = 0;
    Amount fee = 0;            // transfers only
    AccountId counterparty;    // the recipient of a sent transfer, the sender of a received one; zero for a coinbase

    // Key: account (20) | ~height (8, big-endian) | ~position (4, big-endian) | role (1), so a
    // forward scan of one account's keys runs newest first.
    static constexpr size_t kKeySize = 20 + 8 + 4 + 1;
    static constexpr size_t kValueSize = 32 + 8 + 8 + 20;
    std::array<uint8_t, kKeySize> key() const;
    std::array<uint8_t, kValueSize> value() const;
    // nullopt when either part has the wrong size or an unknown role.
    static std::optional<AddressEntry> decode(ByteSpan key, ByteSpan value);
    bool operator==(const AddressEntry&) const = default;
};

// Every entry a block adds at `height`: its coinbase's recipient, then each transfer's sender
// and recipient (a transfer to oneself gives both). txids are block.txids().
std::vector<AddressEntry> address_entries(const Block& block, const std::vector<Hash256>& txids, uint64_t height);

}  // namespace finch::storage
