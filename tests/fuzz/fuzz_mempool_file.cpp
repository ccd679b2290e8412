// libFuzzer target: mempool.dat as finchd reads it at start (decode_mempool_file, regtest).
// The first byte picks how much of the file the fuzzer may get wrong: 0 as it is, 1 with
// the checksum recomputed, 2 with the entry count and the checksum made to fit the size (the
// fuzzer cannot forge a SHA-256, and without this it would never reach the entries). A file
// that decodes must encode back to the same bytes, and that encoding decode to the same
// entries.
#include "consensus/hash.h"
#include "node/mempool_file.h"

#include <cstdlib>
#include <cstring>

namespace {

using namespace finch;

constexpr size_t kHeaderSize = 8 + 4 + 4 + 8;
constexpr size_t kEntrySize = 8 + Transaction::kSerializedSize;
constexpr size_t kChecksumSize = 32;

void fix_checksum(Bytes& file) {
    if (file.size() < kChecksumSize) return;
    const size_t body = file.size() - kChecksumSize;
    const Hash256 checksum = sha256d(ByteSpan(file.data(), body));
    std::memcpy(file.data() + body, checksum.data(), kChecksumSize);
}

void fit_count(Bytes& file) {
    if (file.size() < kHeaderSize + kChecksumSize) return;
    const uint64_t count = (file.size() - kHeaderSize - kChecksumSize) / kEntrySize;
    file.resize(kHeaderSize + count * kEntrySize + kChecksumSize);
    for (size_t i = 0; i < 8; ++i) file[16 + i] = static_cast<uint8_t>(count >> (8 * i));  // little-endian u64
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ChainParams& params = chain_params(Network::Regtest);
    Bytes file(data + 1, data + size);
    const int mode = data[0] % 3;
    if (mode == 2) fit_count(file);
    if (mode >= 1) fix_checksum(file);

    const node::MempoolFileContents contents = node::decode_mempool_file(file, params);
    if (!contents.ok()) {
        if (contents.detail.empty() || !contents.entries.empty()) std::abort();
        (void)node::mempool_file_fault_name(contents.fault);
        return 0;
    }
    const Bytes again = node::encode_mempool_file(params, contents.entries);
    if (again != file) std::abort();
    const node::MempoolFileContents reread = node::decode_mempool_file(again, params);
    if (!reread.ok() || reread.entries != contents.entries) std::abort();
    return 0;
}
