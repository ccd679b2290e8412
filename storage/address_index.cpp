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
    put_be(k.data() + 20, ~static_cast<uint32_t>(height) & 0xffffffffu, 4);
    put_be(k.data() + 24, ~((position << 2) | static_cast<uint32_t>(role)) & 0xffffu, 2);
    return k;
}

namespace {

size_t put_varint(uint8_t* out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    out[n++] = static_cast<uint8_t>(v);
    return n;
}

// nullopt when the bytes end early or the number takes more than 10 bytes / 64 bits.
std::optional<uint64_t> get_varint(ByteSpan in, size_t& pos) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
        const uint8_t b = in[pos++];
        if (shift == 63 && b > 1) return std::nullopt;
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    return std::nullopt;
}

}  // namespace

size_t AddressEntry::value(uint8_t* out) const {
    size_t n = 0;
    std::memcpy(out, txid.data(), 32);
    n += 32;
    if (role != AddressRole::Mined) {
        std::memcpy(out + n, counterparty.data(), 20);
        n += 20;
    }
    n += put_varint(out + n, amount);
    if (role == AddressRole::Sent) n += put_varint(out + n, fee);
    return n;
}

std::optional<AddressEntry> AddressEntry::decode(ByteSpan key, ByteSpan value) {
    if (key.size() != kKeySize || value.size() < 33) return std::nullopt;
    AddressEntry e;
    std::memcpy(e.account.data(), key.data(), 20);
    e.height = ~get_be(key.data() + 20, 4) & 0xffffffffu;
    const uint32_t low = static_cast<uint32_t>(~get_be(key.data() + 24, 2) & 0xffffu);
    if ((low & 3) > static_cast<uint32_t>(AddressRole::Received)) return std::nullopt;
    e.role = static_cast<AddressRole>(low & 3);
    e.position = low >> 2;
    size_t pos = 0;
    std::memcpy(e.txid.data(), value.data(), 32);
    pos += 32;
    if (e.role != AddressRole::Mined) {
        if (value.size() < pos + 20) return std::nullopt;
        std::memcpy(e.counterparty.data(), value.data() + pos, 20);
        pos += 20;
    }
    auto amount = get_varint(value, pos);
    if (!amount) return std::nullopt;
    e.amount = *amount;
    if (e.role == AddressRole::Sent) {
        auto fee = get_varint(value, pos);
        if (!fee) return std::nullopt;
        e.fee = *fee;
    }
    if (pos != value.size()) return std::nullopt;
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
        received.fee = 0;
        received.role = AddressRole::Received;
        received.counterparty = sent.account;
        out.push_back(sent);
        out.push_back(received);
    }
    return out;
}

void for_each_address_record(const Block& block, const std::vector<Hash256>* txids, uint64_t height,
                             const std::function<void(ByteSpan key, ByteSpan value)>& f) {
    uint8_t value[AddressEntry::kMaxValueSize];
    auto emit = [&](const AddressEntry& e) {
        const auto k = e.key();
        const size_t n = txids ? e.value(value) : 0;
        f(ByteSpan(k.data(), k.size()), ByteSpan(value, n));
    };
    AddressEntry e;
    e.account = block.coinbase.recipient;
    e.height = height;
    e.role = AddressRole::Mined;
    if (txids) e.txid = txids->at(0);
    e.amount = block.coinbase.amount;
    emit(e);
    for (size_t i = 0; i < block.txs.size(); ++i) {
        const Transaction& tx = block.txs[i];
        const AccountId sender = tx.sender_id();
        e.position = static_cast<uint32_t>(i + 1);
        if (txids) e.txid = txids->at(i + 1);
        e.amount = tx.amount;
        e.account = sender;
        e.role = AddressRole::Sent;
        e.fee = tx.fee;
        e.counterparty = tx.recipient;
        emit(e);
        e.account = tx.recipient;
        e.role = AddressRole::Received;
        e.fee = 0;
        e.counterparty = sender;
        emit(e);
    }
}

}  // namespace finch::storage
