#include "storage/address_index.h"

#include <cstring>

namespace finch::storage {

namespace {

void put_be(uint8_t* out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}
uint64_t get_be(const uint8_t* in, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | in[i];
    return v;
}

}  // namespace

std::string_view role_name(AddressRole role) {
    switch (role) {
        case AddressRole::Mined: return "mined";
        case AddressRole::Sent: return "sent";
        case AddressRole::Received: return "received";
    }
    return "unknown";
}

std::array<uint8_t, AddressEntry::kKeySize> AddressEntry::key() const {
    std::array<uint8_t, kKeySize> k{};
    std::memcpy(k.data(), account.data(), 20);
    put_be(k.data() + 20, ~height, 8);
    put_be(k.data() + 28, static_cast<uint32_t>(~position), 4);
    k[32] = static_cast<uint8_t>(role);
    return k;
}

std::array<uint8_t, AddressEntry::kValueSize> AddressEntry::value() const {
    std::array<uint8_t, kValueSize> v{};
    std::memcpy(v.data(), txid.data(), 32);
    put_be(v.data() + 32, amount, 8);
    put_be(v.data() + 40, fee, 8);
    std::memcpy(v.data() + 48, counterparty.data(), 20);
    return v;
}

std::optional<AddressEntry> AddressEntry::decode(ByteSpan key, ByteSpan value) {
    if (key.size() != kKeySize || value.size() != kValueSize) return std::nullopt;
    if (key[32] > static_cast<uint8_t>(AddressRole::Received)) return std::nullopt;
    AddressEntry e;
    std::memcpy(e.account.data(), key.data(), 20);
    e.height = ~get_be(key.data() + 20, 8);
    e.position = static_cast<uint32_t>(~get_be(key.data() + 28, 4));
    e.role = static_cast<AddressRole>(key[32]);
    std::memcpy(e.txid.data(), value.data(), 32);
    e.amount = get_be(value.data() + 32, 8);
    e.fee = get_be(value.data() + 40, 8);
    std::memcpy(e.counterparty.data(), value.data() + 48, 20);
    return e;
}

std::vector<AddressEntry> address_entries(const Block& block, const std::vector<Hash256>& txids, uint64_t height) {
    std::vector<AddressEntry> out;
    out.reserve(1 + 2 * block.txs.size());
    AddressEntry mined;
    mined.account = block.coinbase.recipient;
    mined.height = height;
    mined.position = 0;
    mined.role = AddressRole::Mined;
    mined.txid = txids.at(0);
    mined.amount = block.coinbase.amount;
    out.push_back(mined);
    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        AddressEntry sent;
        sent.account = tx.sender_id();
        sent.height = height;
        sent.position = static_cast<uint32_t>(i + 1);
        sent.role = AddressRole::Sent;
        sent.txid = txids.at(i + 1);
        sent.amount = tx.amount;
        sent.fee = tx.fee;
        sent.counterparty = tx.recipient;
        AddressEntry received = sent;
        received.account = tx.recipient;
        received.role = AddressRole::Received;
        received.counterparty = sent.account;
        out.push_back(sent);
        out.push_back(received);
    }
    return out;
}

}  // namespace finch::storage
