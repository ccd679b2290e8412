// Canonical binary encoding: fixed-width little-endian integers and compact-size lengths.
// The Reader is strict: truncated input, trailing bytes, non-minimal lengths and sizes
// above the caller's limit are typed decode errors, never out-of-bounds reads.
#pragma once

#include "consensus/hash.h"
#include "consensus/result.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace finch {

// Decode error codes (Rejection::code, with Fault::Decode).
namespace decode_error {
inline constexpr const char* kTruncated = "truncated";
inline constexpr const char* kTrailingBytes = "trailing-bytes";
inline constexpr const char* kNonMinimalSize = "non-minimal-size";
inline constexpr const char* kSizeTooLarge = "size-too-large";
inline constexpr const char* kBadValue = "bad-value";
}  // namespace decode_error

class Writer {
public:
    Writer() = default;
    explicit Writer(size_t reserve) { m_out.reserve(reserve); }

    void u8(uint8_t v) { m_out.push_back(v); }
    void u16(uint16_t v) { put_le(v, 2); }
    void u32(uint32_t v) { put_le(v, 4); }
    void u64(uint64_t v) { put_le(v, 8); }
    void compact_size(uint64_t n);
    void bytes(ByteSpan b) { m_out.insert(m_out.end(), b.begin(), b.end()); }
    template <size_t N>
    void array(const ByteArray<N>& a) { bytes(a.span()); }
    // A length-prefixed byte string.
    void var_bytes(ByteSpan b) {
        compact_size(b.size());
        bytes(b);
    }

    const Bytes& data() const { return m_out; }
    Bytes take() { return std::move(m_out); }

private:
    void put_le(uint64_t v, int n) {
        for (int i = 0; i < n; ++i) m_out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    Bytes m_out;
};

size_t compact_size_length(uint64_t n);

class Reader {
public:
    explicit Reader(ByteSpan in) : m_in(in) {}

    uint8_t u8() { return static_cast<uint8_t>(get_le(1)); }
    uint16_t u16() { return static_cast<uint16_t>(get_le(2)); }
    uint32_t u32() { return static_cast<uint32_t>(get_le(4)); }
    uint64_t u64() { return get_le(8); }
    // A compact-size integer that must be minimally encoded and at most `max`.
    uint64_t compact_size(uint64_t max);
    // Reads n bytes; returns an empty span (and fails) if fewer remain.
    ByteSpan bytes(size_t n);
    template <size_t N>
    void array(ByteArray<N>& out) {
        ByteSpan b = bytes(N);
        if (ok()) std::memcpy(out.data(), b.data(), N);
    }
    Bytes var_bytes(size_t max_len);

    void fail(const char* code, std::string detail = {}) {
        if (!m_error) m_error = reject(code, std::move(detail), Fault::Decode);
    }
    bool ok() const { return !m_error.has_value(); }
    size_t remaining() const { return m_in.size() - m_pos; }
    size_t position() const { return m_pos; }
    // Fails with trailing-bytes unless everything was consumed.
    void expect_end();
    const Rejection& error() const { return *m_error; }

private:
    uint64_t get_le(int n);

    ByteSpan m_in;
    size_t m_pos = 0;
    std::optional<Rejection> m_error;
};

// Decodes a whole buffer with T::decode(Reader&), requiring that every byte is used.
template <typename T>
Result<T> decode_all(ByteSpan in) {
    Reader r(in);
    T value = T::decode(r);
    r.expect_end();
    if (!r.ok()) return r.error();
    return value;
}

template <typename T>
Bytes encode(const T& value) {
    Writer w;
    value.encode(w);
    return w.take();
}

}  // namespace finch
