// Strict canonical decoding; see serialize.h.
#include "consensus/serialize.h"

namespace finch {

void Writer::compact_size(uint64_t n) {
    if (n < 0xfd) {
        u8(static_cast<uint8_t>(n));
    } else if (n <= 0xffff) {
        u8(0xfd);
        u16(static_cast<uint16_t>(n));
    } else if (n <= 0xffffffff) {
        u8(0xfe);
        u32(static_cast<uint32_t>(n));
    } else {
        u8(0xff);
        u64(n);
    }
}

size_t compact_size_length(uint64_t n) {
    if (n < 0xfd) return 1;
    if (n <= 0xffff) return 3;
    if (n <= 0xffffffff) return 5;
    return 9;
}

uint64_t Reader::get_le(int n) {
    if (!ok()) return 0;
    if (remaining() < static_cast<size_t>(n)) {
        fail(decode_error::kTruncated, "need " + std::to_string(n) + " bytes, have " + std::to_string(remaining()));
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(m_in[m_pos + i]) << (8 * i);
    m_pos += n;
    return v;
}

uint64_t Reader::compact_size(uint64_t max) {
    uint8_t tag = u8();
    uint64_t n = tag;
    uint64_t minimum = 0;
    if (tag == 0xfd) {
        n = u16();
        minimum = 0xfd;
    } else if (tag == 0xfe) {
        n = u32();
        minimum = 0x10000;
    } else if (tag == 0xff) {
        n = u64();
        minimum = 0x100000000ULL;
    }
    if (!ok()) return 0;
    if (n < minimum) {
        fail(decode_error::kNonMinimalSize, "compact size " + std::to_string(n) + " not minimally encoded");
        return 0;
    }
    if (n > max) {
        fail(decode_error::kSizeTooLarge, "size " + std::to_string(n) + " above limit " + std::to_string(max));
        return 0;
    }
    return n;
}

ByteSpan Reader::bytes(size_t n) {
    if (!ok()) return {};
    if (remaining() < n) {
        fail(decode_error::kTruncated, "need " + std::to_string(n) + " bytes, have " + std::to_string(remaining()));
        return {};
    }
    ByteSpan out = m_in.subspan(m_pos, n);
    m_pos += n;
    return out;
}

Bytes Reader::var_bytes(size_t max_len) {
    uint64_t n = compact_size(max_len);
    ByteSpan b = bytes(static_cast<size_t>(n));
    return Bytes(b.begin(), b.end());
}

void Reader::expect_end() {
    if (ok() && remaining() != 0) fail(decode_error::kTrailingBytes, std::to_string(remaining()) + " bytes left over");
}

}  // namespace finch
