// The networks' constants. Genesis nonces were found with bench/mine_genesis.
#include "consensus/params.h"

#include "consensus/pow.h"

namespace finch {

namespace {

constexpr uint64_t kGenesisTime = 1795478400;  // 2026-11-24T00:00:00Z

struct GenesisSpec {
    const char* message;
    uint32_t bits;
    uint64_t nonce;
    const char* hash_hex;
};

ChainParams build(Network network, std::string name, std::string hrp, std::array<uint8_t, 4> magic, uint16_t port,
                  uint16_t rpc_port, uint32_t pow_limit_bits, bool no_retarget, int64_t spacing, int64_t half_life,
                  uint64_t halving_interval, const GenesisSpec& spec) {
    ChainParams p{};
    p.network = network;
    p.name = std::move(name);
    p.hrp = std::move(hrp);
    p.magic = magic;
    p.default_port = port;
    p.default_rpc_port = rpc_port;
    p.pow_limit = Uint256::from_compact(pow_limit_bits);
    p.no_retarget = no_retarget;
    p.target_spacing = spacing;
    p.asert_half_life = half_life;
    p.max_future_drift = 2 * 60 * 60;
    p.initial_subsidy = 50 * kCoin;
    p.halving_interval = halving_interval;
    p.genesis = make_genesis(spec.message, kGenesisTime, spec.bits, spec.nonce);
    p.genesis_hash = *Hash256::from_hex(spec.hash_hex);
    return p;
}

}  // namespace

Block make_genesis(std::string_view message, uint64_t time, uint32_t bits, uint64_t nonce) {
    Block b;
    b.coinbase.height = 0;
    b.coinbase.amount = 0;
    b.coinbase.extra.assign(message.begin(), message.end());
    b.header.version = 1;
    b.header.time = time;
    b.header.bits = bits;
    b.header.nonce = nonce;
    b.header.merkle_root = b.compute_merkle_root();
    return b;
}

const ChainParams& chain_params(Network network) {
    static const ChainParams kMain =
        build(Network::Main, "main", "fc", {0xf1, 0x9c, 0xa1, 0x01}, 9333, 9332, 0x1f00ffff, false, 60, 2 * 60 * 60,
              210'000,
              {"finchain main genesis 2026-11-24", 0x1e0fffff, 3116194,
               "00000c8c8e3e92958bc4ec63b5ad73b674cb6e822830119f4435336918e5fb7a"});
    static const ChainParams kTest =
        build(Network::Test, "test", "tfc", {0xf1, 0x9c, 0xa1, 0x02}, 19333, 19332, 0x1f00ffff, false, 30, 60 * 60,
              210'000,
              {"finchain test genesis 2026-11-24", 0x1f00ffff, 97131,
               "0000c2532e44c0e75e6379dde1377eccc4d9b53f48a27cf55e014d5d69ece441"});
    static const ChainParams kRegtest =
        build(Network::Regtest, "regtest", "fcrt", {0xf1, 0x9c, 0xa1, 0x03}, 19444, 19443, 0x207fffff, true, 1, 60,
              150,
              {"finchain regtest genesis 2026-11-24", 0x207fffff, 0,
               "59f63fcda1bb31c1cf6ba73a0328e44a88cd2067deed6b0b99dbd9c219abf772"});
    switch (network) {
        case Network::Main: return kMain;
        case Network::Test: return kTest;
        case Network::Regtest: return kRegtest;
    }
    return kMain;
}

std::optional<Network> parse_network(std::string_view name) {
    if (name == "main" || name == "mainnet") return Network::Main;
    if (name == "test" || name == "testnet") return Network::Test;
    if (name == "regtest") return Network::Regtest;
    return std::nullopt;
}

std::optional<Network> network_for_hrp(std::string_view hrp) {
    for (Network n : {Network::Main, Network::Test, Network::Regtest})
        if (chain_params(n).hrp == hrp) return n;
    return std::nullopt;
}

Amount block_subsidy(uint64_t height, const ChainParams& params) {
    if (height == 0) return 0;
    uint64_t halvings = (height - 1) / params.halving_interval;
    if (halvings >= 64) return 0;
    return params.initial_subsidy >> halvings;
}

Result<AccountId> decode_address(std::string_view address, const ChainParams& params) {
    auto id = decode_address(address, std::string_view(params.hrp));
    if (!id && id.error().code == "address-wrong-network") {
        auto sep = address.rfind('1');
        std::string hrp(address.substr(0, sep == std::string_view::npos ? 0 : sep));
        for (auto& c : hrp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (auto other = network_for_hrp(hrp))
            return reject("address-wrong-network",
                          "address is for the " + chain_params(*other).name + " network, this is " + params.name,
                          Fault::Decode);
    }
    return id;
}

std::string encode_address(const AccountId& id, const ChainParams& params) { return encode_address(id, params.hrp); }

Status check_genesis(const ChainParams& params) {
    const Block& g = params.genesis;
    if (g.hash() != params.genesis_hash) return reject("bad-genesis", "genesis block does not hash to its constant");
    if (g.header.merkle_root != g.compute_merkle_root()) return reject("bad-genesis", "genesis merkle root mismatch");
    return check_proof_of_work(g.hash(), g.header.bits, params.pow_limit);
}

}  // namespace finch
