// libFuzzer target: arbitrary UDP datagrams into the DHT. Every input goes through the
// decoder (a decoded message must encode back to the same bytes) and then into an engine's
// receive(), which may answer through its send callback but must never crash or send more
// than 1,280 bytes in one datagram. Seeds: one datagram of each type (wire version 2) and
// a version 1 PING (refused with dht-bad-version).
#include "node/net/dht/dht.h"

#include <array>
#include <cstdlib>

namespace {

using namespace finch::net::dht;

const Magic kMagic{0xf1, 0x9c, 0x4e, 0x01};

// The request id of the engine's latest PING to each of the four fuzzed senders.
std::array<uint64_t, 4>& last_ping() {
    static std::array<uint64_t, 4> ids{};
    return ids;
}

Dht& engine() {
    static Dht* dht = [] {
        auto key = SigningKey::generate();
        if (!key) std::abort();
        Options options;
        options.rng_seed = 1;
        return new Dht(*key, Endpoint::v4(30, 0, 0, 1, 30303), 1, kMagic, options, [](const Endpoint& to, finch::Bytes d) {
            if (d.size() > kMaxDatagram) std::abort();
            auto sent = decode_message(d, kMagic);
            if (!sent) std::abort();  // everything we send decodes
            if (auto* ping = std::get_if<Ping>(&*sent)) last_ping()[to.ip[15] % 4] = ping->request_id;
        });
    }();
    return *dht;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const finch::ByteSpan in(data, size);
    auto m = decode_message(in, kMagic);
    if (m) {
        const finch::Bytes again = encode_message(*m, kMagic);
        if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
    }
    // The sender's endpoint varies with the input, so proofs and answers get exercised.
    const Endpoint from = Endpoint::v4(20, 0, 0, static_cast<uint8_t>(size % 4), 30303);
    static TimePoint now = Clock::now();
    now += std::chrono::milliseconds(100);
    Dht& dht = engine();
    // A FINDNODE whose token starts with 0 gets the engine's real token for `from`, so the
    // answer path past the token check is reached too (the fuzzer cannot forge an HMAC).
    // Likewise a PONG with request id 0 answers the engine's latest PING to `from`, so
    // endpoints get proven (and FINDNODE answered).
    if (m) {
        if (auto* p = std::get_if<Pong>(&*m); p != nullptr && p->request_id == 0) {
            Pong answer = *p;
            answer.request_id = last_ping()[from.ip[15] % 4];
            dht.handle(encode_message(answer, kMagic), from, now);
        }
        if (auto* f = std::get_if<FindNode>(&*m); f != nullptr && f->token[0] == 0) {
            FindNode signed_find = *f;
            signed_find.token = dht.token_for(from, now);
            dht.handle(encode_message(signed_find, kMagic), from, now);
        }
    }
    dht.handle(in, from, now);
    dht.tick(now);
    return 0;
}
