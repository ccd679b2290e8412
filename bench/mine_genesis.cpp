// Mines a genesis block for given parameters and prints its nonce and hash.
// Used once to fix the constants in consensus/params.cpp; kept so they can be re-derived.
#include "consensus/params.h"
#include "consensus/pow.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: mine_genesis MESSAGE TIME BITS_HEX\n");
        return 2;
    }
    const uint64_t time = std::strtoull(argv[2], nullptr, 10);
    const uint32_t bits = static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 16));
    finch::Block g = finch::make_genesis(argv[1], time, bits, 0);
    const finch::Uint256 target = finch::Uint256::from_compact(bits);
    finch::HeaderHasher hasher(g.header);
    for (uint64_t nonce = 0;; ++nonce) {
        finch::Hash256 h = hasher.hash_with_nonce(nonce);
        if (finch::Uint256::from_hash(h) <= target) {
            g.header.nonce = nonce;
            std::printf("nonce %llu hash %s check %s\n", static_cast<unsigned long long>(nonce), h.to_hex().c_str(),
                        g.hash().to_hex().c_str());
            return 0;
        }
    }
}
