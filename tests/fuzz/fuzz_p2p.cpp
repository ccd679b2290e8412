// libFuzzer target: p2p frame headers and every message payload on arbitrary bytes. A
// decoded message must re-encode to the same bytes.
#include "consensus/params.h"
#include "node/net/messages.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const auto& magic = finch::chain_params(finch::Network::Regtest).magic;
    const finch::ByteSpan in(data + 1, size - 1);
    if (in.size() >= finch::net::kFrameHeaderSize)
        (void)finch::net::decode_frame_header(in.first(finch::net::kFrameHeaderSize), magic);
    const auto commands = finch::net::all_commands();
    const finch::net::Command command = commands[data[0] % commands.size()];
    auto m = finch::net::decode_payload(command, in);
    if (m) {
        const finch::Bytes again = finch::net::encode_payload(*m);
        if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) std::abort();
    }
    return 0;
}
