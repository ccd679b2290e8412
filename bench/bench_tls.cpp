// The cost of the TLS 1.3 transport (node/net/tls.h), each figure beside a limit measured in
// the same run:
//   - handshake on loopback TCP (connect + mutual TLS 1.3 with Ed25519 certificates): median
//     and p99 wall time, CPU per handshake (both sides), against the cost of the public-key
//     operations a handshake cannot avoid (2 X25519 key pairs and derivations, 2 Ed25519
//     signatures and 2 verifications);
//   - records: frames through SSL_write/SSL_read over memory (encrypt + decrypt in one
//     thread) against AES-256-GCM alone, and wire bytes per frame for typical frame sizes.
// Usage: bench_tls [handshakes (default 300)]
#include "node/net/tls.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

using namespace finch;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

net::NodeIdentity key() {
    auto k = net::NodeIdentity::generate();
    if (!k) std::abort();
    return std::move(*k);
}

std::shared_ptr<net::TlsContext> context(const net::NodeIdentity& k) {
    auto c = net::TlsContext::create(k);
    if (!c) std::abort();
    return *c;
}

double handshakes_on_loopback(int n) {
    auto server_key = key(), client_key = key();
    auto server_tls = context(server_key), client_tls = context(client_key);
    asio::io_context server_io, client_io;
    tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto endpoint = acceptor.local_endpoint();
    std::thread server([&] {
        for (int i = 0; i < n; ++i) {
            asio::ssl::stream<tcp::socket> s(server_io, server_tls->context());
            acceptor.accept(s.lowest_layer());
            boost::system::error_code ec;
            s.handshake(asio::ssl::stream_base::server, ec);
            if (ec) std::fprintf(stderr, "server handshake: %s\n", ec.message().c_str());
            char byte = 0;
            asio::read(s, asio::buffer(&byte, 1), ec);  // the client's "done": its first record
        }
    });
    std::vector<double> times;
    const double cpu0 = cpu_seconds();
    const auto wall0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        asio::ssl::stream<tcp::socket> c(client_io, client_tls->context());
        const auto t = Clock::now();
        c.lowest_layer().connect(endpoint);
        c.handshake(asio::ssl::stream_base::client);
        times.push_back(ms_since(t));
        const char byte = 1;
        asio::write(c, asio::buffer(&byte, 1));
    }
    server.join();
    const double wall = ms_since(wall0) / 1000;
    const double cpu = cpu_seconds() - cpu0;
    std::sort(times.begin(), times.end());
    std::printf("handshake on loopback (%d, connect + TLS 1.3, both sides in this process):\n", n);
    std::printf("  median %.2f ms, p99 %.2f ms, CPU per handshake (both sides) %.2f ms, %.0f handshakes/s\n",
                times[times.size() / 2], times[std::min(times.size() - 1, times.size() * 99 / 100)],
                cpu / n * 1000, n / wall);
    return cpu / n * 1000;
}

// The public-key work of one handshake: each side makes an X25519 pair and derives, signs
// the transcript with Ed25519 and verifies the other's signature and self-signed certificate.
double public_key_floor_ms(int rounds) {
    auto a = key(), b = key();
    const unsigned char msg[64] = {1, 2, 3};
    const auto t = Clock::now();
    for (int i = 0; i < rounds; ++i) {
        for (int side = 0; side < 2; ++side) {
            EVP_PKEY* mine = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
            EVP_PKEY* theirs = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
            EVP_PKEY_CTX* d = EVP_PKEY_CTX_new(mine, nullptr);
            unsigned char secret[32];
            size_t len = sizeof secret;
            EVP_PKEY_derive_init(d);
            EVP_PKEY_derive_set_peer(d, theirs);
            EVP_PKEY_derive(d, secret, &len);
            EVP_PKEY_CTX_free(d);
            EVP_PKEY_free(mine);
            EVP_PKEY_free(theirs);
            const net::NodeIdentity& signer = side ? a : b;
            unsigned char sig[64];
            size_t sig_len = sizeof sig;
            EVP_MD_CTX* s = EVP_MD_CTX_new();
            EVP_DigestSignInit(s, nullptr, nullptr, nullptr, signer.key());
            EVP_DigestSign(s, sig, &sig_len, msg, sizeof msg);
            EVP_MD_CTX_free(s);
            for (int v = 0; v < 2; ++v) {  // the transcript signature and the certificate's
                EVP_MD_CTX* ver = EVP_MD_CTX_new();
                EVP_DigestVerifyInit(ver, nullptr, nullptr, nullptr, signer.key());
                if (EVP_DigestVerify(ver, sig, sig_len, msg, sizeof msg) != 1) std::abort();
                EVP_MD_CTX_free(ver);
            }
        }
    }
    return ms_since(t) / rounds;
}

struct Pair {
    SSL* client = nullptr;
    SSL* server = nullptr;
    BIO* client_bio = nullptr;  // the client's end: what it writes is the wire
};

Pair connected_pair(net::TlsContext& c, net::TlsContext& s) {
    Pair p;
    p.client = SSL_new(c.context().native_handle());
    p.server = SSL_new(s.context().native_handle());
    BIO *a = nullptr, *b = nullptr;
    BIO_new_bio_pair(&a, 1 << 20, &b, 1 << 20);
    SSL_set_bio(p.client, a, a);
    SSL_set_bio(p.server, b, b);
    p.client_bio = a;
    SSL_set_connect_state(p.client);
    SSL_set_accept_state(p.server);
    for (int i = 0; i < 20; ++i) {
        const int rc = SSL_do_handshake(p.client), rs = SSL_do_handshake(p.server);
        if (rc == 1 && rs == 1) return p;
    }
    std::abort();
}

void records(int megabytes) {
    auto ck = key(), sk = key();
    auto c = context(ck), s = context(sk);
    Pair p = connected_pair(*c, *s);
    std::vector<unsigned char> frame(16'384, 0x5a), back(16'384);
    // Through TLS: write a frame, read it on the other side.
    const size_t frames = static_cast<size_t>(megabytes) * 64;
    auto t = Clock::now();
    for (size_t i = 0; i < frames; ++i) {
        if (SSL_write(p.client, frame.data(), static_cast<int>(frame.size())) <= 0) std::abort();
        size_t got = 0;
        while (got < frame.size()) {
            const int r = SSL_read(p.server, back.data() + got, static_cast<int>(back.size() - got));
            if (r <= 0) std::abort();
            got += static_cast<size_t>(r);
        }
    }
    const double tls_mb_s = static_cast<double>(frames * frame.size()) / 1e6 / (ms_since(t) / 1000);
    // The cipher alone: AES-256-GCM over the same bytes, encrypt and decrypt.
    unsigned char k[32] = {7}, iv[12] = {9}, tag[16];
    std::vector<unsigned char> out(frame.size() + 16);
    t = Clock::now();
    for (size_t i = 0; i < frames; ++i) {
        for (int dir = 0; dir < 2; ++dir) {
            EVP_CIPHER_CTX* x = EVP_CIPHER_CTX_new();
            int len = 0;
            if (dir == 0) {
                EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), nullptr, k, iv);
                EVP_EncryptUpdate(x, out.data(), &len, frame.data(), static_cast<int>(frame.size()));
                EVP_EncryptFinal_ex(x, out.data() + len, &len);
                EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, tag);
            } else {
                EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), nullptr, k, iv);
                EVP_DecryptUpdate(x, back.data(), &len, out.data(), static_cast<int>(frame.size()));
                EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, tag);
                if (EVP_DecryptFinal_ex(x, back.data() + len, &len) != 1) std::abort();
            }
            EVP_CIPHER_CTX_free(x);
        }
    }
    const double gcm_mb_s = static_cast<double>(frames * frame.size()) / 1e6 / (ms_since(t) / 1000);
    std::printf("records (%d MB in 16 KB frames, encrypt + decrypt in one thread, %s):\n", megabytes,
                SSL_get_cipher_name(p.client));
    std::printf("  through TLS %.0f MB/s; AES-256-GCM alone %.0f MB/s (limit); ratio %.2f\n", tls_mb_s, gcm_mb_s,
                tls_mb_s / gcm_mb_s);
    // Wire bytes per frame: what the client's BIO carries for one SSL_write of each size.
    std::printf("wire bytes per frame (one frame per record):\n");
    for (size_t size : {21UL, 153UL, 1'000UL, 16'384UL, 150'000UL}) {
        std::vector<unsigned char> f(size, 1), sink(size);
        const uint64_t before = BIO_number_written(p.client_bio);
        if (SSL_write(p.client, f.data(), static_cast<int>(size)) <= 0) std::abort();
        const uint64_t wire = BIO_number_written(p.client_bio) - before;
        size_t got = 0;
        while (got < size) got += static_cast<size_t>(SSL_read(p.server, sink.data() + got, static_cast<int>(size - got)));
        std::printf("  frame %7zu bytes -> %7llu on the wire (%.2f%% overhead)\n", size,
                    static_cast<unsigned long long>(wire), 100.0 * static_cast<double>(wire - size) / static_cast<double>(size));
    }
    SSL_free(p.client);
    SSL_free(p.server);
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 300;
    const double cpu_ms = handshakes_on_loopback(n);
    const double floor_ms = public_key_floor_ms(200);
    std::printf("public-key floor of one handshake (X25519 x2, Ed25519 sign x2 and verify x4): %.2f ms CPU (limit); "
                "handshake CPU / floor %.2f\n",
                floor_ms, cpu_ms / floor_ms);
    records(64);
    return 0;
}
