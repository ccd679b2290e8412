// One SHA-256 compression on a raw state: SHA-NI when the CPU has it, OpenSSL otherwise.
// Only the miner's nonce loop needs this level; everything else uses hash.h.
#pragma once

#include <cstdint>

namespace finch {

// state: 8 words (a..h) in host order; block: 64 bytes of message.
void sha256_compress(uint32_t state[8], const uint8_t block[64]);
// Two independent compressions at once (faster than two calls on SHA-NI).
void sha256_compress2(uint32_t state_a[8], const uint8_t block_a[64], uint32_t state_b[8], const uint8_t block_b[64]);
// Whether sha256_compress uses the SHA-NI instructions on this machine.
bool sha256_uses_shani();

}  // namespace finch
