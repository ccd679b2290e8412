// libsecp256k1 wrapper with one shared, randomized context.
#include "consensus/keys.h"

#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>

namespace finch {

namespace {

void random_bytes(uint8_t* out, size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
        // Without randomness we cannot make keys safely: this is an environment failure.
        std::abort();
    }
}

// Created once; after randomization it is only read, so threads may share it.
const secp256k1_context* context() {
    static secp256k1_context* ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        uint8_t seed[32];
        random_bytes(seed, sizeof(seed));
        if (secp256k1_context_randomize(c, seed) != 1) std::abort();
        return c;
    }();
    return ctx;
}

}  // namespace

bool is_valid_secret_key(const SecretKey& secret) { return secp256k1_ec_seckey_verify(context(), secret.data()) == 1; }

SecretKey generate_secret_key() {
    SecretKey key;
    do {
        random_bytes(key.data(), key.size());
    } while (!is_valid_secret_key(key));
    return key;
}

std::optional<PublicKey> derive_public_key(const SecretKey& secret) {
    secp256k1_keypair keypair;
    if (!secp256k1_keypair_create(context(), &keypair, secret.data())) return std::nullopt;
    secp256k1_xonly_pubkey xonly;
    if (!secp256k1_keypair_xonly_pub(context(), &xonly, nullptr, &keypair)) return std::nullopt;
    PublicKey pub;
    secp256k1_xonly_pubkey_serialize(context(), pub.data(), &xonly);
    return pub;
}

std::optional<Signature> sign(const SecretKey& secret, const Hash256& message, const ByteArray<32>* aux_rand) {
    secp256k1_keypair keypair;
    if (!secp256k1_keypair_create(context(), &keypair, secret.data())) return std::nullopt;
    ByteArray<32> aux;
    if (aux_rand) aux = *aux_rand;
    else random_bytes(aux.data(), aux.size());
    Signature sig;
    if (!secp256k1_schnorrsig_sign32(context(), sig.data(), message.data(), &keypair, aux.data())) return std::nullopt;
    return sig;
}

bool is_valid_public_key(const PublicKey& pubkey) {
    secp256k1_xonly_pubkey xonly;
    return secp256k1_xonly_pubkey_parse(context(), &xonly, pubkey.data()) == 1;
}

bool verify(const PublicKey& pubkey, const Hash256& message, const Signature& sig) {
    auto parsed = parse_public_key(pubkey);
    return parsed && verify(*parsed, message, sig);
}

static_assert(sizeof(secp256k1_xonly_pubkey) == sizeof(ParsedPublicKey::point));

std::optional<ParsedPublicKey> parse_public_key(const PublicKey& pubkey) {
    secp256k1_xonly_pubkey xonly;
    if (!secp256k1_xonly_pubkey_parse(context(), &xonly, pubkey.data())) return std::nullopt;
    ParsedPublicKey out;
    std::memcpy(out.point.data(), xonly.data, out.point.size());
    return out;
}

bool verify(const ParsedPublicKey& pubkey, const Hash256& message, const Signature& sig) {
    secp256k1_xonly_pubkey xonly;
    std::memcpy(xonly.data, pubkey.point.data(), pubkey.point.size());
    return secp256k1_schnorrsig_verify(context(), sig.data(), message.data(), message.size(), &xonly) == 1;
}

}  // namespace finch
