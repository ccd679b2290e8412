// Address = bech32m(hrp, [version] ++ 20-byte account id regrouped into 5-bit groups).
#include "consensus/address.h"

#include "consensus/bech32m.h"

#include <cstring>

namespace finch {

AccountId account_id(const PublicKey& pubkey) {
    static const Sha256 kTag = Sha256::tagged("finchain/account");  // the tag's midstate, computed once
    Hash256 h = Sha256(kTag).write(pubkey.span()).finish();
    AccountId id;
    std::memcpy(id.data(), h.data(), id.size());
    return id;
}

std::string encode_address(const AccountId& id, std::string_view hrp) {
    std::vector<uint8_t> data{kAddressVersion};
    auto groups = bech32m::convert_bits(std::vector<uint8_t>(id.bytes.begin(), id.bytes.end()), 8, 5, true);
    data.insert(data.end(), groups->begin(), groups->end());
    return bech32m::encode(hrp, data);
}

Result<AccountId> decode_address(std::string_view address, std::string_view expected_hrp) {
    auto decoded = bech32m::decode(address);
    if (!decoded) {
        const std::string& code = decoded.error().code;
        std::string mapped = code == "mixed-case"          ? "address-mixed-case"
                             : code == "bad-checksum"      ? "address-bad-checksum"
                             : code == "invalid-character" ? "address-invalid-character"
                                                           : "address-malformed";
        return reject(mapped, decoded.error().detail, Fault::Decode);
    }
    if (decoded->hrp != expected_hrp)
        return reject("address-wrong-network",
                      "address prefix '" + decoded->hrp + "' is not this network's '" + std::string(expected_hrp) + "'",
                      Fault::Decode);
    const auto& data = decoded->data;
    if (data.empty()) return reject("address-wrong-length", "no payload", Fault::Decode);
    if (data[0] != kAddressVersion)
        return reject("address-bad-version", "unknown address version " + std::to_string(data[0]), Fault::Decode);
    auto payload = bech32m::convert_bits(std::vector<uint8_t>(data.begin() + 1, data.end()), 5, 8, false);
    if (!payload || payload->size() != AccountId::size())
        return reject("address-wrong-length", "payload is not " + std::to_string(AccountId::size()) + " bytes",
                      Fault::Decode);
    AccountId id;
    std::memcpy(id.data(), payload->data(), id.size());
    return id;
}

}  // namespace finch
