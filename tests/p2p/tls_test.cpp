// The TLS layer: the certificate profile, each certificate a peer may not present with the
// rejection it gets, and whole handshakes between two contexts over an in-memory BIO pair
// (mutual authentication, a peer without a certificate, TLS 1.2, a bad certificate).
#include "node/net/tls.h"

#include <boost/asio/ssl.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <ctime>

namespace finch::net {
namespace {

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

// What a node makes (TlsContext::create's dates).
Result<CertificatePtr> node_certificate(const NodeIdentity& key) {
    return make_certificate(key, kCertificateNotBefore, now() + kCertificateYears * 365 * 86400);
}

NodeIdentity fresh_key() {
    auto key = NodeIdentity::generate();
    EXPECT_TRUE(key);
    return std::move(*key);
}

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// A self-signed-looking certificate whose subject key and signing key may differ.
CertificatePtr odd_certificate(EVP_PKEY* subject, EVP_PKEY* signer, const EVP_MD* md) {
    CertificatePtr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("odd"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), subject);
    EXPECT_GT(X509_sign(cert.get(), signer, md), 0);
    return cert;
}

Bytes der_of(X509* cert) {
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert, &out);
    Bytes der(out, out + n);
    OPENSSL_free(out);
    return der;
}

TEST(TlsCertificate, OwnCertificateProvesTheKeysIdentity) {
    NodeIdentity key = fresh_key();
    auto cert = node_certificate(key);
    ASSERT_TRUE(cert);
    auto proven = check_peer_certificate(cert->get(), now());
    ASSERT_TRUE(proven) << proven.error().to_string();
    EXPECT_EQ(*proven, key.identity());
    // It survives a round trip through DER (what goes on the wire).
    auto parsed = certificate_from_der(der_of(cert->get()));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*check_peer_certificate(parsed->get(), now()), key.identity());
}

TEST(TlsCertificate, ValidFromAFixedPastDateForAHundredYears) {
    NodeIdentity key = fresh_key();
    auto cert = node_certificate(key);
    ASSERT_TRUE(cert);
    // Clock skew: a peer whose clock is a year behind still accepts it.
    EXPECT_TRUE(check_peer_certificate(cert->get(), now() - 365 * 86400));
    EXPECT_FALSE(check_peer_certificate(cert->get(), kCertificateNotBefore - 1));
    EXPECT_TRUE(check_peer_certificate(cert->get(), now() + 99LL * 365 * 86400));
}

TEST(TlsCertificate, MissingIsRefused) {
    auto r = check_peer_certificate(nullptr, now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tls-cert-missing");
}

TEST(TlsCertificate, ExpiredIsRefused) {
    NodeIdentity key = fresh_key();
    auto cert = make_certificate(key, now() - 10 * 86400, now() - 9 * 86400);  // a day, ten days ago
    ASSERT_TRUE(cert);
    auto r = check_peer_certificate(cert->get(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tls-cert-expired");
}

TEST(TlsCertificate, NotYetValidIsRefused) {
    NodeIdentity key = fresh_key();
    auto cert = make_certificate(key, now() + 9 * 86400, now() + 20 * 86400);  // starts in nine days
    ASSERT_TRUE(cert);
    auto r = check_peer_certificate(cert->get(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tls-cert-not-yet-valid");
}

TEST(TlsCertificate, NonEd25519IsRefused) {
    KeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_TRUE(ec);
    auto cert = odd_certificate(ec.get(), ec.get(), EVP_sha256());
    auto r = check_peer_certificate(cert.get(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tls-cert-not-ed25519");
}

TEST(TlsCertificate, SignedByAnotherKeyIsRefused) {
    // A certificate that claims key A's identity but was signed by key B: whoever made it
    // does not hold A's private key.
    NodeIdentity a = fresh_key(), b = fresh_key();
    auto cert = odd_certificate(a.key(), b.key(), nullptr);
    auto r = check_peer_certificate(cert.get(), now());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "tls-cert-signature");
}

TEST(TlsCertificate, GarbageDerIsRefused) {
    EXPECT_EQ(certificate_from_der(Bytes{}).error().code, "tls-cert-decode");
    EXPECT_EQ(certificate_from_der(Bytes{0x30, 0x82, 0x01}).error().code, "tls-cert-decode");
    NodeIdentity key = fresh_key();
    Bytes der = der_of(node_certificate(key)->get());
    der.push_back(0);  // one certificate and then something
    EXPECT_EQ(certificate_from_der(der).error().code, "tls-cert-decode");
}

// ---- whole handshakes over memory ------------------------------------------------------

struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

struct Handshake {
    bool client_done = false, server_done = false;
};

// Runs both sides of a handshake over a BIO pair until both finish or one fails.
Handshake run_handshake(SSL* client, SSL* server) {
    BIO *a = nullptr, *b = nullptr;
    BIO_new_bio_pair(&a, 0, &b, 0);
    SSL_set_bio(client, a, a);
    SSL_set_bio(server, b, b);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    Handshake h;
    bool client_failed = false, server_failed = false;
    for (int round = 0; round < 20 && !(h.client_done && h.server_done) && !client_failed && !server_failed; ++round) {
        if (!h.client_done) {
            const int rc = SSL_do_handshake(client);
            h.client_done = rc == 1;
            const int e = SSL_get_error(client, rc);
            client_failed = rc != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
        }
        if (!h.server_done) {
            const int rc = SSL_do_handshake(server);
            h.server_done = rc == 1;
            const int e = SSL_get_error(server, rc);
            server_failed = rc != 1 && e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
        }
    }
    ERR_clear_error();
    return h;
}

TEST(TlsHandshake, BothSidesProveTheirIdentities) {
    NodeIdentity ck = fresh_key(), sk = fresh_key();
    auto client_ctx = TlsContext::create(ck), server_ctx = TlsContext::create(sk);
    ASSERT_TRUE(client_ctx && server_ctx);
    EXPECT_EQ((*client_ctx)->identity(), ck.identity());
    SslPtr client(SSL_new((*client_ctx)->context().native_handle()));
    SslPtr server(SSL_new((*server_ctx)->context().native_handle()));
    Handshake h = run_handshake(client.get(), server.get());
    ASSERT_TRUE(h.client_done && h.server_done);
    auto seen_by_client = tls_peer_of(client.get());
    auto seen_by_server = tls_peer_of(server.get());
    ASSERT_TRUE(seen_by_client && seen_by_server);
    EXPECT_EQ(seen_by_client->identity, sk.identity());
    EXPECT_EQ(seen_by_server->identity, ck.identity());
    EXPECT_EQ(seen_by_client->cipher, seen_by_server->cipher);
    EXPECT_EQ(SSL_version(client.get()), TLS1_3_VERSION);
    EXPECT_FALSE(SSL_session_reused(client.get()));
}

// A context of OpenSSL's defaults, for peers that do not follow the profile.
struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

TEST(TlsHandshake, ClientWithoutCertificateIsRefused) {
    NodeIdentity sk = fresh_key();
    auto server_ctx = TlsContext::create(sk);
    ASSERT_TRUE(server_ctx);
    CtxPtr anonymous(SSL_CTX_new(TLS_client_method()));
    SslPtr client(SSL_new(anonymous.get()));
    SslPtr server(SSL_new((*server_ctx)->context().native_handle()));
    Handshake h = run_handshake(client.get(), server.get());
    EXPECT_FALSE(h.server_done);
}

TEST(TlsHandshake, Tls12IsRefused) {
    NodeIdentity ck = fresh_key(), sk = fresh_key();
    auto server_ctx = TlsContext::create(sk);
    ASSERT_TRUE(server_ctx);
    CtxPtr old(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_max_proto_version(old.get(), TLS1_2_VERSION);
    auto cert = node_certificate(ck);
    SSL_CTX_use_certificate(old.get(), cert->get());
    SSL_CTX_use_PrivateKey(old.get(), ck.key());
    SslPtr client(SSL_new(old.get()));
    SslPtr server(SSL_new((*server_ctx)->context().native_handle()));
    Handshake h = run_handshake(client.get(), server.get());
    EXPECT_FALSE(h.server_done);
    EXPECT_FALSE(h.client_done);
}

TEST(TlsHandshake, ExpiredOrForeignCertificatesAreRefused) {
    NodeIdentity ck = fresh_key(), sk = fresh_key(), other = fresh_key();
    auto server_ctx = TlsContext::create(sk);
    ASSERT_TRUE(server_ctx);
    KeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    struct Case {
        const char* what;
        CertificatePtr cert;
        EVP_PKEY* key;
    };
    Case cases[] = {
        {"expired", std::move(*make_certificate(ck, now() - 10 * 86400, now() - 9 * 86400)), ck.key()},
        {"P-256", odd_certificate(ec.get(), ec.get(), EVP_sha256()), ec.get()},
        {"signed by another key", odd_certificate(ck.key(), other.key(), nullptr), ck.key()},
    };
    for (Case& c : cases) {
        CtxPtr ctx(SSL_CTX_new(TLS_client_method()));
        SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
        ASSERT_EQ(SSL_CTX_use_certificate(ctx.get(), c.cert.get()), 1) << c.what;
        ASSERT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), c.key), 1) << c.what;
        SslPtr client(SSL_new(ctx.get()));
        SslPtr server(SSL_new((*server_ctx)->context().native_handle()));
        Handshake h = run_handshake(client.get(), server.get());
        EXPECT_FALSE(h.server_done) << c.what;
    }
}

}  // namespace
}  // namespace finch::net
