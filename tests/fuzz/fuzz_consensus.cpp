// libFuzzer target: every consensus decoder and the address parser on arbitrary bytes.
// The first byte picks the decoder; a decoded value must re-encode to the same bytes.
#include "consensus/params.h"
#include "consensus/state.h"
#include "consensus/validation.h"

#include <cstdlib>
#include <string_view>

namespace {

template <typename T>
void round_trip(finch::ByteSpan in) {
    auto r = finch::decode_all<T>(in);
    if (!r) return;
    const finch::Bytes again = finch::encode(*r);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const finch::ByteSpan in(data + 1, size - 1);
    switch (data[0] % 6) {
        case 0: round_trip<finch::Transaction>(in); break;
        case 1: round_trip<finch::Coinbase>(in); break;
        case 2: round_trip<finch::BlockHeader>(in); break;
        case 3: {
            round_trip<finch::Block>(in);
            if (auto b = finch::decode_all<finch::Block>(in))
                (void)finch::check_block(*b, finch::chain_params(finch::Network::Regtest));
            break;
        }
        case 4: round_trip<finch::BlockUndo>(in); break;
        case 5: {
            std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
            (void)finch::decode_address(text, finch::chain_params(finch::Network::Regtest));
            break;
        }
    }
    return 0;
}
