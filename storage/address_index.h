// The address index: for every account, each transfer and coinbase that touched it, newest
// first. Its entries are written by the same batch that connects a block and deleted by the
// one that disconnects it, so the index always matches the active chain (design.md section 7,
// "Explorer"). This header holds the entry and its encoding; rocksdb_store.cpp stores it.
#pragma once

#include "consensus/block.h"

#include <array>
#include <functional>
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
    // fee is kept for Sent entries only (Received and Mined decode it as 0).

    // Key: account (20) | ~height (4, big-endian) | ~(position << 2 | role) (2, big-endian), so
    // a forward scan of one account's keys runs newest first. Heights fit 32 bits for 136 years
    // of one block a second; positions (at most 10,000 transfers) fit 14 bits.
    static constexpr size_t kKeySize = 20 + 4 + 2;
    // Value: txid (32) | counterparty (20, not for Mined) | amount (varint) | fee (varint, Sent only).
    // Small on purpose: every entry goes through the write-ahead log of a synced batch.
    static constexpr size_t kMaxValueSize = 32 + 20 + 10 + 10;
    std::array<uint8_t, kKeySize> key() const;
    // Writes the value into `out` (kMaxValueSize bytes), returns its size.
    size_t value(uint8_t* out) const;
    // nullopt when either part has the wrong size or an unknown role.
    static std::optional<AddressEntry> decode(ByteSpan key, ByteSpan value);
    bool operator==(const AddressEntry&) const = default;
};

// Which part of an account's history to read: entries older than `after` (an entry's place:
// height, position, role; the account field is ignored) when set, then `skip` more, then at
// most `count`. Skipping walks the entries one by one; `after` seeks straight to its place.
struct AddressQuery {
    std::optional<AddressEntry> after;
    uint64_t skip = 0;
    size_t count = 100;
};

// Every entry a block adds at `height`: its coinbase's recipient, then each transfer's sender
// and recipient (a transfer to oneself gives both). txids are block.txids().
std::vector<AddressEntry> address_entries(const Block& block, const std::vector<Hash256>& txids, uint64_t height);
// The same, each handed to f(key, value) as encoded bytes, without building the list. With
// txids == nullptr only the keys are made (the value is empty): enough to delete them.
void for_each_address_record(const Block& block, const std::vector<Hash256>* txids, uint64_t height,
                             const std::function<void(ByteSpan key, ByteSpan value)>& f);

// Keys pack the height into 32 bits and (position << 2 | role) into 16.
static_assert(kMaxBlockTransactions + 1 < (1u << 14), "a block position must fit the address index key");

}  // namespace finch::storage
