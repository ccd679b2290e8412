// libFuzzer target: arbitrary UDP datagrams into the DHT. Every input goes through the
// decoder (a decoded message must encode back to the same bytes) and then into an engine's
// receive(), which may answer through its send callback but must never crash or send more
// than 1,280 bytes in one datagram.
#include "node/net/dht/dht.h"

#include <cstdlib>

namespace {

using namespace finch::net::dht;

const Magic kMagic{0xf1, 0x9c, 0x4e, 0x01};

Dht& engine() {
    static Dht* dht = [] {
        auto key = SigningKey::generate();
        if (!key) std::abort();
        Options options;
        options.rng_seed = 1;
        return new Dht(*key, Endpoint::v4(30, 0, 0, 1, 30303), 1, kMagic, options, [](const Endpoint&, finch::Bytes d) {
            if (d.size() > kMaxDatagram) std::abort();
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
    dht.handle(in, from, now);
    dht.tick(now);
    return 0;
}
