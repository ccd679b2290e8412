// Proof of work and ASERT difficulty; see pow.h.
#include "consensus/pow.h"

#include "consensus/params.h"

namespace finch {

Result<Uint256> decode_target(uint32_t bits, const Uint256& pow_limit) {
    Uint256::Compact flags;
    Uint256 target = Uint256::from_compact(bits, &flags);
    if (flags.negative || flags.overflow || target.is_zero() || target > pow_limit)
        return reject("bad-diffbits", "target from bits is negative, zero, overflowing or above the limit");
    return target;
}

Status check_proof_of_work(const Hash256& hash, uint32_t bits, const Uint256& pow_limit) {
    auto target = decode_target(bits, pow_limit);
    if (!target) return target.error();
    if (Uint256::from_hash(hash) > *target) return reject("high-hash", "proof of work does not meet the target");
    return Status::accepted();
}

Uint256 block_work(uint32_t bits) {
    Uint256::Compact flags;
    Uint256 target = Uint256::from_compact(bits, &flags);
    if (flags.negative || flags.overflow || target.is_zero()) return Uint256();
    // 2^256 / (target + 1) == (~target / (target + 1)) + 1, which fits in 256 bits.
    return (~target / (target + Uint256(1))) + Uint256(1);
}

uint32_t asert_next_bits(const AsertAnchor& anchor, uint64_t prev_height, uint64_t prev_time,
                         int64_t target_spacing, int64_t half_life, const Uint256& pow_limit) {
    const Uint256 anchor_target = Uint256::from_compact(anchor.bits);
    const int64_t time_diff = static_cast<int64_t>(prev_time) - static_cast<int64_t>(anchor.time);
    const int64_t height_diff = static_cast<int64_t>(prev_height - anchor.height);
    // Integer division truncates toward zero, as aserti3-2d specifies; the arithmetic
    // shift below then floors, which keeps the result monotone in the time difference.
    const __int128 numerator = static_cast<__int128>(time_diff - target_spacing * height_diff) * 65536;
    const __int128 exponent128 = numerator / half_life;
    // Beyond +/-2^40 the result is clamped anyway; keep the shift arithmetic in range.
    const int64_t exponent = exponent128 > (1LL << 40)    ? (1LL << 40)
                             : exponent128 < -(1LL << 40) ? -(1LL << 40)
                                                          : static_cast<int64_t>(exponent128);
    int64_t shifts = exponent >> 16;
    const uint64_t frac = static_cast<uint16_t>(exponent);
    const uint64_t factor =
        65536 + ((195766423245049ULL * frac + 971821376ULL * frac * frac + 5127ULL * frac * frac * frac +
                  (1ULL << 47)) >>
                 48);

    // next = anchor_target * factor * 2^shifts / 2^16
    Uint256 next = anchor_target;
    // factor < 2^17: a target wider than 239 bits (the test network's anchor sits at its
    // 240-bit limit) would overflow the product, so shift it right first. This is exact:
    // such a compact target has at least 216 zero low bits.
    if (const unsigned width = next.bit_length() + 17; width > 256) {
        next >>= width - 256;
        shifts += width - 256;
    }
    bool overflow = false;
    next.mul64(factor, &overflow);
    if (overflow) return pow_limit.to_compact();
    shifts -= 16;
    if (shifts < 0) {
        next >>= static_cast<unsigned>(-shifts > 256 ? 256 : -shifts);
    } else if (shifts > 0) {
        if (next.bit_length() + static_cast<uint64_t>(shifts) > 256) return pow_limit.to_compact();
        next <<= static_cast<unsigned>(shifts);
    }
    if (next.is_zero()) next = Uint256(1);
    if (next > pow_limit) next = pow_limit;
    return next.to_compact();
}

uint32_t next_work_required(uint64_t prev_height, uint64_t prev_time, const ChainParams& params) {
    if (params.no_retarget) return params.genesis.header.bits;
    AsertAnchor anchor{0, params.genesis.header.time, params.genesis.header.bits};
    return asert_next_bits(anchor, prev_height, prev_time, params.target_spacing, params.asert_half_life,
                           params.pow_limit);
}

}  // namespace finch
