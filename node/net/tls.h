// The TLS 1.3 layer every p2p connection runs in: a self-signed certificate over the node's
// Ed25519 identity key, and the check a peer's certificate must pass. Both sides present a
// certificate and both check the other's; what a handshake proves is the peer's identity
// (SHA-256 of its certificate's raw public key). There is no certificate authority: trust
// in a particular identity comes from pinning (IDENTITY@HOST:PORT) or --peerallow.
// See docs/protocol.md ("Transport") for the profile and docs/security.md for the threat model.
#pragma once

#include "consensus/hash.h"
#include "consensus/result.h"
#include "node/net/identity.h"

#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace finch::net {

inline constexpr const char* kTransportName = "tls1.3";

struct CertificateFree {
    void operator()(X509* cert) const;
};
using CertificatePtr = std::unique_ptr<X509, CertificateFree>;

// A self-signed X.509 v3 certificate over `key` (Ed25519): subject and issuer CN = the
// identity, a random serial, valid from `not_before` to `not_after` (seconds since 1970).
Result<CertificatePtr> make_certificate(const NodeIdentity& key, int64_t not_before, int64_t not_after);
// The validity of the certificates nodes make: from a fixed date in the past (so no clock
// skew, however large, makes it "not yet valid") to 100 years after `now`. The identity is the
// key, not the certificate: its dates protect nothing and only have to be well-formed.
inline constexpr int64_t kCertificateNotBefore = 1'704'067'200;  // 2024-01-01T00:00:00Z
inline constexpr int64_t kCertificateYears = 100;

// Parses a DER certificate (tests and the fuzz target); the whole input must be one certificate.
Result<CertificatePtr> certificate_from_der(ByteSpan der);

// What a peer's certificate must be, checked during the handshake and again after it.
// Rejections (Fault::Policy), each naming the problem:
//   tls-cert-missing      no certificate
//   tls-cert-not-ed25519  another key type
//   tls-cert-signature    not signed by its own key (a forged or mismatched certificate)
//   tls-cert-not-yet-valid, tls-cert-expired   outside its validity period at `now`
// Returns the proven identity (64 lowercase hex).
Result<std::string> check_peer_certificate(X509* cert, int64_t now);

// The OpenSSL context shared by every connection: TLS 1.3 only, our certificate and key,
// a peer certificate required on both sides, no session resumption (a resumed session
// would prove no identity), X25519 key exchange.
class TlsContext {
public:
    static Result<std::shared_ptr<TlsContext>> create(const NodeIdentity& key);
    boost::asio::ssl::context& context() { return m_context; }
    const std::string& identity() const { return m_identity; }

private:
    explicit TlsContext(std::string identity);
    boost::asio::ssl::context m_context;
    std::string m_identity;
};

// After a handshake done with a TlsContext (whose verify callback checked the peer's
// certificate): the identity the peer proved and the negotiated cipher suite.
struct TlsPeer {
    std::string identity;
    std::string cipher;
    // A number both ends of one session derive alike (exported keying material), and two
    // sessions almost surely do not: it breaks ties between two connections to one node the
    // same way on both sides.
    uint64_t session_tag = 0;
};
Result<TlsPeer> tls_peer_of(SSL* ssl);

}  // namespace finch::net
