// BIP340 Schnorr keys and signatures over secp256k1, through libsecp256k1.
#pragma once

#include "consensus/hash.h"

#include <array>
#include <optional>

namespace finch {

struct SecretKey : ByteArray<32> {};
struct PublicKey : ByteArray<32> {};  // x-only (BIP340)
struct Signature : ByteArray<64> {};

// A fresh random secret key from the operating system's random source.
SecretKey generate_secret_key();
// Nullopt when the 32 bytes are not a valid scalar (zero or >= group order).
std::optional<PublicKey> derive_public_key(const SecretKey& secret);
bool is_valid_secret_key(const SecretKey& secret);
// BIP340 signature of a 32-byte message. aux_rand defaults to fresh randomness.
std::optional<Signature> sign(const SecretKey& secret, const Hash256& message,
                              const ByteArray<32>* aux_rand = nullptr);
// True when sig is a valid BIP340 signature of message under pubkey.
bool verify(const PublicKey& pubkey, const Hash256& message, const Signature& sig);

// A public key decoded to its curve point, ready for verification. Decoding takes a square
// root (about an eighth of a verification), so a node that sees the same sender often keeps
// the decoded form (node::PublicKeyCache).
struct ParsedPublicKey {
    std::array<unsigned char, 64> point;  // libsecp256k1's secp256k1_xonly_pubkey
};
// Nullopt when the 32 bytes are not the x coordinate of a curve point.
std::optional<ParsedPublicKey> parse_public_key(const PublicKey& pubkey);
bool verify(const ParsedPublicKey& pubkey, const Hash256& message, const Signature& sig);
// Whether 32 bytes are the x coordinate of a curve point.
bool is_valid_public_key(const PublicKey& pubkey);

}  // namespace finch
