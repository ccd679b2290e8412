// mempool.dat: encoding, checks, atomic write and reload through admission; see mempool_file.h.
#include "node/mempool_file.h"

#include "node/mempool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <tuple>

namespace finch::node {

namespace {

constexpr std::array<uint8_t, 8> kFileTag = {'F', 'I', 'N', 'C', 'H', 'M', 'P', 0};
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr size_t kEntrySize = 8 + Transaction::kSerializedSize;
constexpr size_t kChecksumSize = 32;

MempoolFileContents fault(MempoolFileFault f, std::string detail) {
    MempoolFileContents c;
    c.fault = f;
    c.detail = std::move(detail);
    return c;
}

std::string hex4(const uint8_t* p) { return to_hex(ByteSpan(p, 4)); }

// Writes all of `data` to fd; false on any error.
bool write_all(int fd, const Bytes& data) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

std::string_view mempool_file_fault_name(MempoolFileFault f) {
    switch (f) {
        case MempoolFileFault::None: return "ok";
        case MempoolFileFault::Missing: return "missing";
        case MempoolFileFault::Unreadable: return "unreadable";
        case MempoolFileFault::TooLarge: return "too large";
        case MempoolFileFault::Truncated: return "truncated";
        case MempoolFileFault::NotMempoolFile: return "not a mempool file";
        case MempoolFileFault::UnknownVersion: return "unknown version";
        case MempoolFileFault::ForeignNetwork: return "another network's file";
        case MempoolFileFault::TooManyEntries: return "too many entries";
        case MempoolFileFault::TrailingBytes: return "trailing bytes";
        case MempoolFileFault::BadChecksum: return "bad checksum";
    }
    return "unknown";
}

Bytes encode_mempool_file(const ChainParams& params, const std::vector<SavedTransaction>& entries) {
    Writer w(kHeaderSize + entries.size() * kEntrySize + kChecksumSize);
    w.bytes(ByteSpan(kFileTag.data(), kFileTag.size()));
    w.u32(kMempoolFileVersion);
    w.bytes(ByteSpan(params.magic.data(), params.magic.size()));
    w.u64(entries.size());
    for (const auto& e : entries) {
        w.u64(e.time);
        e.tx.encode(w);
    }
    const Hash256 checksum = sha256d(w.data());
    w.array(checksum);
    return w.take();
}

MempoolFileContents decode_mempool_file(ByteSpan data, const ChainParams& params) {
    if (data.size() < kHeaderSize + kChecksumSize)
        return fault(MempoolFileFault::Truncated, std::to_string(data.size()) + " bytes, shorter than a header");
    if (!std::equal(kFileTag.begin(), kFileTag.end(), data.begin()))
        return fault(MempoolFileFault::NotMempoolFile, "the file does not start with FINCHMP");
    Reader header(data.subspan(8, kHeaderSize - 8));
    const uint32_t version = header.u32();
    if (version != kMempoolFileVersion)
        return fault(MempoolFileFault::UnknownVersion, "version " + std::to_string(version) + ", this finchd reads " +
                                                           std::to_string(kMempoolFileVersion));
    if (!std::equal(params.magic.begin(), params.magic.end(), data.begin() + 12))
        return fault(MempoolFileFault::ForeignNetwork, "network magic " + hex4(data.data() + 12) + ", " +
                                                           params.name + " is " + hex4(params.magic.data()));
    header.bytes(4);
    const uint64_t count = header.u64();
    if (count > kMaxMempoolFileEntries)
        return fault(MempoolFileFault::TooManyEntries, std::to_string(count) + " entries, at most " +
                                                           std::to_string(kMaxMempoolFileEntries));
    const size_t expected = kHeaderSize + count * kEntrySize + kChecksumSize;
    if (data.size() < expected)
        return fault(MempoolFileFault::Truncated, std::to_string(data.size()) + " bytes, " + std::to_string(count) +
                                                      " entries need " + std::to_string(expected));
    if (data.size() > expected)
        return fault(MempoolFileFault::TrailingBytes, std::to_string(data.size() - expected) + " bytes after the checksum");
    const size_t body = expected - kChecksumSize;
    const Hash256 checksum = sha256d(data.subspan(0, body));
    if (!std::equal(checksum.span().begin(), checksum.span().end(), data.begin() + static_cast<long>(body)))
        return fault(MempoolFileFault::BadChecksum, "the contents do not match the checksum");

    MempoolFileContents out;
    out.entries.reserve(count);
    Reader r(data.subspan(kHeaderSize, body - kHeaderSize));
    for (uint64_t i = 0; i < count; ++i) {
        SavedTransaction e;
        e.time = r.u64();
        e.tx = Transaction::decode(r);
        out.entries.push_back(std::move(e));
    }
    r.expect_end();
    if (!r.ok()) return fault(MempoolFileFault::Truncated, r.error().to_string());  // unreachable: sizes checked
    return out;
}

std::vector<SavedTransaction> mempool_snapshot(const Mempool& mempool) {
    std::vector<std::pair<Hash256, SavedTransaction>> by_txid;
    for (const auto& txid : mempool.txids())
        if (auto e = mempool.get(txid)) by_txid.push_back({txid, {e->time, e->tx}});
    // Ties broken by txid: the same file in every run (the pool's own order is per process).
    std::sort(by_txid.begin(), by_txid.end(), [](const auto& a, const auto& b) {
        return std::tie(a.second.tx.nonce, a.second.time, a.first) < std::tie(b.second.tx.nonce, b.second.time, b.first);
    });
    std::vector<SavedTransaction> out;
    out.reserve(by_txid.size());
    for (auto& [txid, saved] : by_txid) out.push_back(std::move(saved));
    return out;
}

bool write_mempool_file(const std::filesystem::path& file, const Bytes& data, std::string& error) {
    const auto temp = std::filesystem::path(file.string() + ".new");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + temp.string() + ": " + std::strerror(errno);
        return false;
    }
    const bool written = write_all(fd, data) && ::fsync(fd) == 0;
    const int saved_errno = errno;
    ::close(fd);
    std::error_code ec;
    if (!written) {
        error = "cannot write " + temp.string() + ": " + std::strerror(saved_errno);
        std::filesystem::remove(temp, ec);
        return false;
    }
    std::filesystem::rename(temp, file, ec);
    if (ec) {
        error = "cannot rename " + temp.string() + " to " + file.string() + ": " + ec.message();
        std::filesystem::remove(temp, ec);
        return false;
    }
    // The rename itself is durable once the folder is synced.
    if (const int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
    }
    return true;
}

MempoolFileContents read_mempool_file(const std::filesystem::path& file, const ChainParams& params) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status)) return fault(MempoolFileFault::Missing, "no " + file.string());
    // A FIFO would block the start; a directory cannot be read.
    if (!std::filesystem::is_regular_file(status))
        return fault(MempoolFileFault::Unreadable, file.string() + " is not a regular file");
    const uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec) return fault(MempoolFileFault::Unreadable, "cannot read " + file.string() + ": " + ec.message());
    constexpr uintmax_t kMaxSize = kHeaderSize + kMaxMempoolFileEntries * kEntrySize + kChecksumSize;
    if (size > kMaxSize)
        return fault(MempoolFileFault::TooLarge, std::to_string(size) + " bytes, at most " + std::to_string(kMaxSize));
    std::ifstream in(file, std::ios::binary);
    if (!in.is_open()) return fault(MempoolFileFault::Unreadable, "cannot open " + file.string());
    Bytes data(static_cast<size_t>(size));
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<size_t>(in.gcount()));  // a file cut meanwhile decodes as truncated
    if (in.bad()) return fault(MempoolFileFault::Unreadable, "cannot read " + file.string());
    return decode_mempool_file(data, params);
}

MempoolLoadReport load_mempool(Mempool& mempool, const ChainParams& params, const std::filesystem::path& file,
                               uint64_t now, uint64_t tip_height) {
    MempoolLoadReport report;
    MempoolFileContents contents = read_mempool_file(file, params);
    report.fault = contents.fault;
    report.detail = std::move(contents.detail);
    report.read = contents.entries.size();
    const uint64_t expiry = mempool.limits().expiry_seconds;
    for (const auto& e : contents.entries) {
        const uint64_t time = std::min(e.time, now);  // a time from the future would never expire
        if (now - time > expiry) {
            ++report.expired;
            continue;
        }
        if (mempool.accept(e.tx, time, tip_height).ok()) ++report.accepted;
        else ++report.rejected;
    }
    return report;
}

std::string describe(const MempoolLoadReport& r) {
    if (r.fault != MempoolFileFault::None)
        return std::string("mempool.dat skipped (") + std::string(mempool_file_fault_name(r.fault)) + "): " + r.detail;
    return "mempool.dat: " + std::to_string(r.accepted) + " of " + std::to_string(r.read) + " transactions loaded, " +
           std::to_string(r.rejected) + " no longer valid, " + std::to_string(r.expired) + " expired";
}

}  // namespace finch::node
