// TLS 1.3 with Ed25519 node identities; see tls.h.
#include "node/net/tls.h"

#include <boost/asio/ssl.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace finch::net {

namespace {

constexpr long kMaxCertificateList = 4'096;  // bytes; our certificate is about 330
constexpr size_t kMaxCertificateDer = 16'384;

Rejection cert_error(const std::string& code, const std::string& detail) {
    return reject(code, detail, Fault::Policy);
}

struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
};

}  // namespace

void CertificateFree::operator()(X509* cert) const { X509_free(cert); }

Result<CertificatePtr> make_certificate(const NodeIdentity& key, int64_t not_before, int64_t not_after) {
    ClearErrors clear;
    CertificatePtr cert(X509_new());
    if (!cert) return cert_error("tls-cert-create", "out of memory");
    uint8_t serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) return cert_error("tls-cert-create", "no randomness for the serial");
    serial[0] &= 0x7f;  // a positive INTEGER
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
    BN_free(bn);
    X509_NAME* name = X509_get_subject_name(cert.get());
    const auto* cn = reinterpret_cast<const unsigned char*>(key.identity().c_str());
    const bool ok = serial_ok && X509_set_version(cert.get(), 2) == 1 &&
                    ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) != nullptr &&
                    ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) != nullptr &&
                    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1 &&
                    X509_set_issuer_name(cert.get(), name) == 1 && X509_set_pubkey(cert.get(), key.key()) == 1 &&
                    X509_sign(cert.get(), key.key(), nullptr) > 0;  // Ed25519 takes no digest
    if (!ok) return cert_error("tls-cert-create", "OpenSSL could not build the certificate");
    return cert;
}

Result<CertificatePtr> certificate_from_der(ByteSpan der) {
    ClearErrors clear;
    if (der.empty() || der.size() > kMaxCertificateDer)
        return reject("tls-cert-decode", "a certificate is 1 to " + std::to_string(kMaxCertificateDer) + " bytes",
                      Fault::Decode);
    const unsigned char* p = der.data();
    CertificatePtr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert || p != der.data() + der.size())
        return reject("tls-cert-decode", "not one DER certificate", Fault::Decode);
    return cert;
}

namespace {

// The identity a certificate names: SHA-256 of its raw Ed25519 key (nothing else checked).
Result<std::string> certificate_identity(X509* cert) {
    if (!cert) return cert_error("tls-cert-missing", "the peer presented no certificate");
    EVP_PKEY* key = X509_get0_pubkey(cert);
    if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
        return cert_error("tls-cert-not-ed25519", "the certificate's key is not an Ed25519 key");
    std::array<uint8_t, 32> raw{};
    size_t len = raw.size();
    if (EVP_PKEY_get_raw_public_key(key, raw.data(), &len) != 1 || len != raw.size())
        return cert_error("tls-cert-not-ed25519", "the certificate's Ed25519 key cannot be read");
    return identity_of(raw);
}

}  // namespace

Result<std::string> check_peer_certificate(X509* cert, int64_t now) {
    ClearErrors clear;
    auto identity = certificate_identity(cert);
    if (!identity) return identity;
    if (X509_verify(cert, X509_get0_pubkey(cert)) != 1)
        return cert_error("tls-cert-signature", "the certificate is not signed by its own key");
    time_t t = static_cast<time_t>(now);
    const int after_start = X509_cmp_time(X509_get0_notBefore(cert), &t);  // -1: starts before now
    const int before_end = X509_cmp_time(X509_get0_notAfter(cert), &t);     // 1: ends after now
    if (after_start != -1) return cert_error("tls-cert-not-yet-valid", "the certificate is not valid yet");
    if (before_end != 1) return cert_error("tls-cert-expired", "the certificate has expired");
    return identity;
}

TlsContext::TlsContext(std::string identity)
    : m_context(boost::asio::ssl::context::tls), m_identity(std::move(identity)) {}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const NodeIdentity& key) {
    ClearErrors clear;
    const auto now = static_cast<int64_t>(std::time(nullptr));
    auto cert = make_certificate(key, kCertificateNotBefore, now + kCertificateYears * 365 * 86400);
    if (!cert) return cert.error();
    std::shared_ptr<TlsContext> tls(new TlsContext(key.identity()));
    SSL_CTX* ctx = tls->m_context.native_handle();
    const bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
                    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
                    SSL_CTX_set1_groups_list(ctx, "X25519") == 1 && SSL_CTX_use_certificate(ctx, cert->get()) == 1 &&
                    SSL_CTX_use_PrivateKey(ctx, key.key()) == 1 && SSL_CTX_check_private_key(ctx) == 1 &&
                    SSL_CTX_set_num_tickets(ctx, 0) == 1;
    if (!ok) return cert_error("tls-context", "OpenSSL refused the TLS settings or the identity key");
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_max_cert_list(ctx, kMaxCertificateList);
    tls->m_context.set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
    // No authority vouches for anyone: a certificate is acceptable when it is a chain of one,
    // self-signed, over an Ed25519 key, within its validity. Which identity is welcome is
    // decided after the handshake (pins, --peerallow, duplicates).
    tls->m_context.set_verify_callback([](bool preverified, boost::asio::ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return false;
        const int error = X509_STORE_CTX_get_error(store);
        if (!preverified && error != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) return false;
        STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store);
        if (chain && sk_X509_num(chain) != 1) return false;
        const auto proven =
            check_peer_certificate(X509_STORE_CTX_get_current_cert(store), static_cast<int64_t>(std::time(nullptr)));
        return static_cast<bool>(proven);
    });
    return tls;
}

Result<TlsPeer> tls_peer_of(SSL* ssl) {
    if (SSL_version(ssl) != TLS1_3_VERSION) return cert_error("tls-version", "the session is not TLS 1.3");
    // The verify callback ran check_peer_certificate during the handshake (the context
    // requires a peer certificate): here only the identity it proved is read.
    auto identity = certificate_identity(SSL_get0_peer_certificate(ssl));
    if (!identity) return identity.error();
    const char* cipher = SSL_get_cipher_name(ssl);
    static constexpr char kLabel[] = "finchain duplicate connection";
    uint8_t tag[8] = {};
    if (SSL_export_keying_material(ssl, tag, sizeof tag, kLabel, sizeof kLabel - 1, nullptr, 0, 0) != 1)
        return cert_error("tls-export", "the session's keying material cannot be exported");
    uint64_t session_tag = 0;
    for (uint8_t b : tag) session_tag = (session_tag << 8) | b;
    return TlsPeer{*identity, cipher ? cipher : "unknown", session_tag};
}

}  // namespace finch::net
