// Amounts in base units and checked arithmetic on them.
#pragma once

#include <cstdint>
#include <optional>

namespace finch {

using Amount = uint64_t;

inline constexpr Amount kCoin = 100'000'000;
// No amount, fee, balance or total supply may exceed this.
inline constexpr Amount kMaxMoney = 21'000'000 * kCoin;

inline bool money_range(Amount a) { return a <= kMaxMoney; }

inline std::optional<Amount> checked_add(Amount a, Amount b) {
    Amount r;
    if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
    return r;
}

}  // namespace finch
