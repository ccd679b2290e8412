// The node's identity key: an Ed25519 key in <datadir>/<network>/nodekey (PKCS#8 PEM, mode
// 0600), made at first start and kept across restarts. The identity peers know us by is the
// lowercase hex SHA-256 of the 32-byte raw public key. The TLS layer will sign its
// certificate with key(); nothing here touches sockets.
#pragma once

#include "consensus/result.h"

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace finch::net {

inline constexpr const char* kNodeKeyFileName = "nodekey";

// 64 lowercase hex digits: SHA-256 of the raw Ed25519 public key.
std::string identity_of(std::span<const uint8_t, 32> raw_public_key);

// Rejections, each with a detail that names the file (when there is one) and the problem:
//   nodekey-read        cannot open or read it, or it is not a regular file (Fault::Policy)
//   nodekey-mode        a group or other permission bit is set (Fault::Policy)
//   nodekey-create      cannot generate, write or rename a new key into place (Fault::Policy)
//   nodekey-empty       empty or only whitespace (Fault::Decode)
//   nodekey-not-pem     no PEM block at all (Fault::Decode)
//   nodekey-not-pkcs8   a PEM block other than an unencrypted PKCS#8 "PRIVATE KEY" (Fault::Decode)
//   nodekey-not-ed25519 a PKCS#8 key of another algorithm (Fault::Decode)
//   nodekey-corrupt     truncated or damaged PEM or DER, text around the block, too large (Fault::Decode)
class NodeIdentity {
public:
    // Loads `file`; if nothing is there (not even a dangling link), makes a new key and writes
    // it atomically (a 0600 temporary file created with O_EXCL, then renamed without replacing
    // anything). A file that is there but unusable is refused, never replaced. The parent
    // folder must exist.
    static Result<NodeIdentity> load_or_create(const std::filesystem::path& file);
    // Loads an existing key file: owner-only permissions, then exactly one PEM block.
    static Result<NodeIdentity> load(const std::filesystem::path& file);
    // Parses one unencrypted PKCS#8 PEM Ed25519 private key (whitespace around it allowed).
    static Result<NodeIdentity> from_pem(std::string_view pem);
    // A fresh random key (not written anywhere).
    static Result<NodeIdentity> generate();

    const std::string& identity() const { return m_identity; }
    const std::array<uint8_t, 32>& public_key() const { return m_public_key; }
    // The private key, owned by this object (for the TLS layer: certificate and handshake).
    EVP_PKEY* key() const { return m_key.get(); }

private:
    struct KeyFree {
        void operator()(EVP_PKEY* key) const;
    };
    using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

    static Result<NodeIdentity> from_key(KeyPtr key);
    NodeIdentity(KeyPtr key, const std::array<uint8_t, 32>& public_key);

    KeyPtr m_key;
    std::array<uint8_t, 32> m_public_key{};
    std::string m_identity;
};

}  // namespace finch::net
