// libFuzzer target: bech32m and addresses, both directions. The first byte picks the mode.
// Even: the rest is a string; whatever decodes must encode back to the same string in lower
// case, as a bech32m string and, when it is an address, as an address. Odd: the rest is data;
// a prefix and 5-bit values built from it encode and decode back to themselves (upper case
// too), and so do 8-to-5-bit regrouping and a 20-byte account id as an address.
#include "consensus/address.h"
#include "consensus/bech32m.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using namespace finch;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

void decode_then_encode(std::string_view text) {
    auto decoded = bech32m::decode(text);
    if (!decoded) {
        if (decode_address(text, "fcrt")) std::abort();  // an address is a bech32m string
        return;
    }
    for (uint8_t v : decoded->data)
        if (v > 31) std::abort();
    if (bech32m::encode(decoded->hrp, decoded->data) != lower(text)) std::abort();
    auto id = decode_address(text, decoded->hrp);
    if (id && encode_address(*id, decoded->hrp) != lower(text)) std::abort();
}

void encode_then_decode(ByteSpan in) {
    if (in.empty()) return;
    // A prefix of 1-16 characters in 33-126 without upper case, as decode() returns them.
    const size_t hrp_size = in[0] % 16 + 1;
    if (in.size() < 1 + hrp_size) return;
    std::string hrp;
    for (size_t i = 0; i < hrp_size; ++i) {
        char c = static_cast<char>(33 + in[1 + i] % 94);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        hrp += c;
    }
    const ByteSpan rest = in.subspan(1 + hrp_size);
    std::vector<uint8_t> values;
    for (size_t i = 0; i < rest.size() && hrp.size() + 1 + values.size() + 6 < bech32m::kMaxLength; ++i)
        values.push_back(rest[i] & 31);
    const std::string text = bech32m::encode(hrp, values);
    for (const std::string& spelling : {text, upper(text)}) {
        auto back = bech32m::decode(spelling);
        if (!back || back->hrp != hrp || back->data != values) std::abort();
    }

    const std::vector<uint8_t> bytes(rest.begin(), rest.end());
    auto groups = bech32m::convert_bits(bytes, 8, 5, true);
    if (!groups) std::abort();
    auto regrouped = bech32m::convert_bits(*groups, 5, 8, false);
    if (!regrouped || *regrouped != bytes) std::abort();

    if (rest.size() < AccountId::size()) return;
    AccountId id;
    std::memcpy(id.data(), rest.data(), id.size());
    const std::string address = encode_address(id, hrp);
    for (const std::string& spelling : {address, upper(address)}) {
        auto decoded = decode_address(spelling, hrp);
        if (!decoded || *decoded != id) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteSpan rest(data + 1, size - 1);
    if (data[0] % 2 == 0) decode_then_encode(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
    else encode_then_decode(rest);
    return 0;
}
