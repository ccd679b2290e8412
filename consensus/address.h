// Account identifiers and their bech32m address strings.
#pragma once

#include "consensus/keys.h"
#include "consensus/result.h"

#include <string>
#include <string_view>

namespace finch {

// 20-byte account identifier: the truncated tagged hash of an x-only public key.
struct AccountId : ByteArray<20> {};

struct AccountIdHasher {
    size_t operator()(const AccountId& a) const {
        size_t v;
        __builtin_memcpy(&v, a.data(), sizeof(v));
        return v;
    }
};

inline constexpr uint8_t kAddressVersion = 0;

AccountId account_id(const PublicKey& pubkey);
std::string encode_address(const AccountId& id, std::string_view hrp);
// Error codes (Fault::Decode): address-mixed-case, address-bad-checksum,
// address-wrong-network, address-wrong-length, address-bad-version, address-invalid-character,
// address-malformed.
Result<AccountId> decode_address(std::string_view address, std::string_view expected_hrp);

}  // namespace finch
