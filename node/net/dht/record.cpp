#include "node/net/dht/record.h"

#include <openssl/evp.h>

namespace finch::net::dht {

Bytes NodeRecord::signing_message(const Magic& magic) const {
    Writer w(kRecordDomain.size() + 4 + 58);
    w.bytes(ByteSpan(reinterpret_cast<const uint8_t*>(kRecordDomain.data()), kRecordDomain.size()));
    w.bytes(magic);
    w.bytes(public_key);
    w.bytes(endpoint.ip);
    w.u16(endpoint.port);
    w.u64(seq);
    return w.take();
}

void NodeRecord::encode(Writer& w) const {
    w.bytes(public_key);
    w.bytes(endpoint.ip);
    w.u16(endpoint.port);
    w.u64(seq);
    w.bytes(signature);
}

NodeRecord NodeRecord::decode(Reader& r) {
    NodeRecord rec;
    auto copy = [&r](auto& out) {
        ByteSpan b = r.bytes(out.size());
        if (r.ok()) std::copy(b.begin(), b.end(), out.begin());
    };
    copy(rec.public_key);
    copy(rec.endpoint.ip);
    rec.endpoint.port = r.u16();
    rec.seq = r.u64();
    copy(rec.signature);
    return rec;
}

bool verify_record(const NodeRecord& record, const Magic& magic) {
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, record.public_key.data(), 32);
    if (key == nullptr) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = false;
    if (ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1) {
        const Bytes msg = record.signing_message(magic);
        ok = EVP_DigestVerify(ctx, record.signature.data(), record.signature.size(), msg.data(), msg.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

void SigningKey::KeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Result<SigningKey> SigningKey::from_pkey(EVP_PKEY* key) {
    if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
        return reject("dht-bad-key", "not an Ed25519 key", Fault::Policy);
    SigningKey out;
    size_t len = 32;
    if (EVP_PKEY_get_raw_public_key(key, out.m_public_key.data(), &len) != 1 || len != 32)
        return reject("dht-bad-key", "no raw public key", Fault::Policy);
    uint8_t priv[32];
    size_t priv_len = sizeof(priv);
    if (EVP_PKEY_get_raw_private_key(key, priv, &priv_len) != 1)
        return reject("dht-bad-key", "not a private key", Fault::Policy);
    OPENSSL_cleanse(priv, sizeof(priv));
    if (EVP_PKEY_up_ref(key) != 1) return reject("dht-bad-key", "cannot reference the key", Fault::Policy);
    out.m_key = std::shared_ptr<EVP_PKEY>(key, KeyFree{});
    return out;
}

Result<SigningKey> SigningKey::generate() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (key == nullptr) return reject("dht-bad-key", "cannot generate a key", Fault::Policy);
    auto out = from_pkey(key);
    EVP_PKEY_free(key);
    return out;
}

NodeRecord SigningKey::sign(const Endpoint& endpoint, uint64_t seq, const Magic& magic) const {
    NodeRecord rec;
    rec.public_key = m_public_key;
    rec.endpoint = endpoint;
    rec.seq = seq;
    const Bytes msg = rec.signing_message(magic);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t sig_len = rec.signature.size();
    const bool ok = ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, m_key.get()) == 1 &&
                    EVP_DigestSign(ctx, rec.signature.data(), &sig_len, msg.data(), msg.size()) == 1 &&
                    sig_len == rec.signature.size();
    EVP_MD_CTX_free(ctx);
    FINCH_ASSERT(ok);
    return rec;
}

bool VerifyCache::verify(const NodeRecord& record, const Magic& magic) {
    Writer w(4 + kRecordSize);
    w.bytes(magic);
    record.encode(w);
    const Hash256 key = sha256(w.data());
    {
        util::LockGuard lock(m_mutex);
        auto it = m_seen.find(key);
        if (it != m_seen.end()) {
            ++m_hits;
            return it->second;
        }
        ++m_misses;
    }
    const bool ok = verify_record(record, magic);
    util::LockGuard lock(m_mutex);
    if (m_seen.size() >= m_capacity) m_seen.clear();
    m_seen.emplace(key, ok);
    return ok;
}

}  // namespace finch::net::dht
