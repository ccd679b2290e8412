// SHA-256 compression with the x86 SHA extensions (four rounds per pair of sha256rnds2),
// selected once at run time, with OpenSSL's block function as the portable fallback.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "consensus/sha256_compress.h"

#include <openssl/sha.h>

#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace finch {

namespace {

void compress_openssl(uint32_t state[8], const uint8_t block[64]) {
    SHA256_CTX ctx;
    std::memcpy(ctx.h, state, 32);
    SHA256_Transform(&ctx, block);
    std::memcpy(state, ctx.h, 32);
}

#if defined(__x86_64__)

alignas(16) constexpr uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The instructions want the state as ABEF and CDGH.
__attribute__((target("sha,sse4.1,ssse3"))) inline void load_state(const uint32_t state[8], __m128i& s0, __m128i& s1) {
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0xB1);  // CDAB
    s1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4)), 0x1B);       // EFGH
    s0 = _mm_alignr_epi8(tmp, s1, 8);  // ABEF
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);  // CDGH
}

__attribute__((target("sha,sse4.1,ssse3"))) inline void store_state(uint32_t state[8], __m128i s0, __m128i s1) {
    __m128i tmp = _mm_shuffle_epi32(s0, 0x1B);  // FEBA
    s1 = _mm_shuffle_epi32(s1, 0xB1);           // DCHG
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);        // DCBA
    s1 = _mm_alignr_epi8(s1, tmp, 8);           // HGFE
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state), s0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), s1);
}

// Message schedule group g (four words) from the previous four groups.
__attribute__((target("sha,sse4.1,ssse3"))) inline void schedule(__m128i w[4], int g, const uint8_t* block) {
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i& cur = w[g & 3];
    if (g < 4) {
        cur = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * g)), byte_swap);
        return;
    }
    // W[g] = msg2(msg1(W[g-4], W[g-3]) + (W[g-2]:W[g-1] shifted by one word), W[g-1])
    const __m128i prev1 = w[(g - 1) & 3], prev2 = w[(g - 2) & 3], prev3 = w[(g - 3) & 3];
    __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(cur, prev3), _mm_alignr_epi8(prev1, prev2, 4));
    cur = _mm_sha256msg2_epu32(t, prev1);
}

__attribute__((target("sha,sse4.1,ssse3"))) inline void rounds(__m128i& s0, __m128i& s1, __m128i w, int g) {
    __m128i msg = _mm_add_epi32(w, _mm_load_si128(reinterpret_cast<const __m128i*>(kRound + 4 * g)));
    s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
    s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
}

__attribute__((target("sha,sse4.1,ssse3"))) void compress_shani(uint32_t state[8], const uint8_t block[64]) {
    __m128i s0, s1, w[4];
    load_state(state, s0, s1);
    const __m128i abef = s0, cdgh = s1;
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
        schedule(w, g, block);
        rounds(s0, s1, w[g & 3], g);
    }
    store_state(state, _mm_add_epi32(s0, abef), _mm_add_epi32(s1, cdgh));
}

// Two independent compressions interleaved: each round depends on the previous one, so
// a second stream fills the pipeline while the first waits.
__attribute__((target("sha,sse4.1,ssse3"))) void compress2_shani(uint32_t state_a[8], const uint8_t block_a[64],
                                                                 uint32_t state_b[8], const uint8_t block_b[64]) {
    __m128i a0, a1, b0, b1, wa[4], wb[4];
    load_state(state_a, a0, a1);
    load_state(state_b, b0, b1);
    const __m128i a_abef = a0, a_cdgh = a1, b_abef = b0, b_cdgh = b1;
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
        schedule(wa, g, block_a);
        schedule(wb, g, block_b);
        rounds(a0, a1, wa[g & 3], g);
        rounds(b0, b1, wb[g & 3], g);
    }
    store_state(state_a, _mm_add_epi32(a0, a_abef), _mm_add_epi32(a1, a_cdgh));
    store_state(state_b, _mm_add_epi32(b0, b_abef), _mm_add_epi32(b1, b_cdgh));
}

bool cpu_has_shani() {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    const bool sse41 = c & (1u << 19), ssse3 = c & (1u << 9);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return sse41 && ssse3 && (b & (1u << 29));
}

#else
bool cpu_has_shani() { return false; }
void compress_shani(uint32_t state[8], const uint8_t block[64]) { compress_openssl(state, block); }
void compress2_shani(uint32_t a[8], const uint8_t ba[64], uint32_t b[8], const uint8_t bb[64]) {
    compress_openssl(a, ba);
    compress_openssl(b, bb);
}
#endif

void compress2_openssl(uint32_t a[8], const uint8_t ba[64], uint32_t b[8], const uint8_t bb[64]) {
    compress_openssl(a, ba);
    compress_openssl(b, bb);
}

const bool kHasShani = cpu_has_shani();

}  // namespace

void sha256_compress(uint32_t state[8], const uint8_t block[64]) {
    kHasShani ? compress_shani(state, block) : compress_openssl(state, block);
}

void sha256_compress2(uint32_t state_a[8], const uint8_t block_a[64], uint32_t state_b[8], const uint8_t block_b[64]) {
    kHasShani ? compress2_shani(state_a, block_a, state_b, block_b)
              : compress2_openssl(state_a, block_a, state_b, block_b);
}

bool sha256_uses_shani() { return kHasShani; }

}  // namespace finch
