// Typed outcomes for rule checks: a Rejection says which rule bad input broke.
// Rule violations travel as values; internal bugs are assertions (see FINCH_ASSERT).
#pragma once

#include <cstdio>
#include <optional>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace finch {

// Who is at fault when data is rejected.
enum class Fault {
    Consensus,  // the data breaks a consensus rule: whoever sent it misbehaved
    Mutated,    // a block body does not match its header: drop it, do not mark the header invalid
    Policy,     // local policy (fees, mempool limits): not a reason to punish a peer
    Decode,     // bytes that do not parse
    Timing,     // not valid yet by our clock (a block from the future): may become valid later,
                // so it is neither remembered as invalid nor held against the sender
    KnownInvalid,  // a block or header already found invalid: no news; the sender may have
                   // relayed it before validating it (compact blocks), so not punished alone
};

struct Rejection {
    std::string code;    // short stable reason, e.g. "bad-signature"
    std::string detail;  // human-readable explanation
    Fault fault = Fault::Consensus;

    std::string to_string() const { return detail.empty() ? code : code + ": " + detail; }
};

inline Rejection reject(std::string code, std::string detail = {}, Fault fault = Fault::Consensus) {
    return Rejection{std::move(code), std::move(detail), fault};
}

// A value or the rejection explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Rejection r) : m_v(std::move(r)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(m_v); }
    const T& value() const { return std::get<0>(m_v); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Rejection& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Rejection> m_v;
};

// Outcome of a check that produces nothing: empty means accepted.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Rejection r) : m_error(std::move(r)), m_ok(false) {}
    static Status accepted() { return {}; }
    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Rejection& error() const { return m_error; }

private:
    Rejection m_error;
    bool m_ok = true;
};

[[noreturn]] inline void assertion_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace finch

// An internal invariant: failing it is our bug, never a peer's fault.
#define FINCH_ASSERT(expr) ((expr) ? (void)0 : ::finch::assertion_failed(#expr, __FILE__, __LINE__))
