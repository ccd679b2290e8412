// libFuzzer target: the server side of our TLS handshake and the peer certificate check on
// arbitrary bytes. Mode byte 0: the input is a DER certificate, parsed and checked. Mode 1:
// the input is what a client sends, fed through memory BIOs to a server SSL built from our
// TlsContext (Debian's libssl is not instrumented, so coverage stops at its boundary; what
// this finds is a crash or leak in our verify callback, context settings and checks).
#include "node/net/tls.h"

#include <boost/asio/ssl.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <ctime>

namespace {

finch::net::TlsContext& server_context() {
    static auto key = finch::net::NodeIdentity::generate();
    static auto tls = finch::net::TlsContext::create(*key);
    if (!tls) std::abort();
    return **tls;
}

void handshake_bytes(const uint8_t* data, size_t size) {
    SSL* ssl = SSL_new(server_context().context().native_handle());
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_write(in, data, static_cast<int>(size));
    BIO_set_mem_eof_return(in, 0);
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    for (int i = 0; i < 4; ++i) {
        if (SSL_do_handshake(ssl) == 1) {
            // Only a real client with a valid certificate gets here; its identity must check.
            if (!finch::net::tls_peer_of(ssl)) std::abort();
            break;
        }
    }
    SSL_free(ssl);
    ERR_clear_error();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const finch::ByteSpan in(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        auto cert = finch::net::certificate_from_der(in);
        if (cert) (void)finch::net::check_peer_certificate(cert->get(), static_cast<int64_t>(std::time(nullptr)));
    } else {
        handshake_bytes(in.data(), in.size());
    }
    return 0;
}
