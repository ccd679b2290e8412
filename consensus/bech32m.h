// bech32m (BIP350) encoding of 5-bit data with a human-readable prefix.
#pragma once

#include "consensus/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace finch::bech32m {

inline constexpr size_t kMaxLength = 90;

struct Decoded {
    std::string hrp;            // lower case
    std::vector<uint8_t> data;  // 5-bit values, checksum removed
};

// Encodes lower-case hrp and 5-bit data; the caller keeps the total within kMaxLength.
std::string encode(std::string_view hrp, const std::vector<uint8_t>& data);
// Error codes: too-long, mixed-case, invalid-character, no-separator, empty-hrp,
// checksum-too-short, bad-checksum.
Result<Decoded> decode(std::string_view str);

// Regroups bits (8->5 with padding, 5->8 requiring zero padding of < 5 bits).
std::optional<std::vector<uint8_t>> convert_bits(const std::vector<uint8_t>& in, int from, int to, bool pad);

}  // namespace finch::bech32m
