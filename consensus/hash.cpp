// SHA-256 through OpenSSL; the low-level context API is the fastest path for small inputs.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "consensus/hash.h"
#include "consensus/siphash.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace finch {

static_assert(sizeof(SHA256_CTX) <= 128, "Sha256 storage too small");

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string to_hex(ByteSpan data) {
    std::string out(data.size() * 2, '0');
    for (size_t i = 0; i < data.size(); ++i) {
        out[2 * i] = kHexDigits[data[i] >> 4];
        out[2 * i + 1] = kHexDigits[data[i] & 0xf];
    }
    return out;
}

std::optional<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    Bytes out(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::string Hash256::to_hex() const {
    std::array<uint8_t, 32> rev = bytes;
    std::reverse(rev.begin(), rev.end());
    return finch::to_hex(rev);
}

std::optional<Hash256> Hash256::from_hex(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    auto raw = finch::from_hex(hex);
    if (!raw) return std::nullopt;
    Hash256 h;
    std::reverse_copy(raw->begin(), raw->end(), h.bytes.begin());
    return h;
}

Hash256 Hash256::from_bytes(ByteSpan b) {
    Hash256 h;
    std::memcpy(h.data(), b.data(), std::min<size_t>(b.size(), 32));
    return h;
}

// OpenSSL 3's one-shot SHA256() goes through a provider fetch on every call; the context
// functions run the same compression code without that cost.
Hash256 sha256(ByteSpan data) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data.data(), data.size());
    Hash256 h;
    SHA256_Final(h.data(), &ctx);
    return h;
}

Hash256 sha256d(ByteSpan data) {
    Hash256 once = sha256(data);
    return sha256(once.span());
}

Sha256::Sha256() { SHA256_Init(reinterpret_cast<SHA256_CTX*>(m_ctx)); }

Sha256& Sha256::write(ByteSpan data) {
    SHA256_Update(reinterpret_cast<SHA256_CTX*>(m_ctx), data.data(), data.size());
    return *this;
}

Hash256 Sha256::finish() {
    Hash256 h;
    SHA256_Final(h.data(), reinterpret_cast<SHA256_CTX*>(m_ctx));
    return h;
}

Sha256 Sha256::tagged(std::string_view tag) {
    Hash256 t = sha256(ByteSpan(reinterpret_cast<const uint8_t*>(tag.data()), tag.size()));
    Sha256 s;
    s.write(t.span()).write(t.span());
    return s;
}

Hash256 tagged_hash(std::string_view tag, ByteSpan data) { return Sha256::tagged(tag).write(data).finish(); }

namespace {

struct SipKey {
    uint64_t k0, k1;
};

const SipKey& bucket_key() {
    static const SipKey key = [] {
        std::random_device rd;
        auto word = [&rd] { return (uint64_t{rd()} << 32) ^ rd(); };
        return SipKey{word(), word()};
    }();
    return key;
}

}  // namespace

size_t Hash256Hasher::operator()(const Hash256& h) const {
    const SipKey& k = bucket_key();
    return static_cast<size_t>(siphash<1, 3>(k.k0, k.k1, h));
}

}  // namespace finch
