// libFuzzer target: runs of headers (and a few bodies) into a regtest Chainstate over a
// RocksDB LedgerStore. Headers are built from the input structurally, so most of them pass
// the proof-of-work and context rules and the fuzzer reaches deep into the tree (forks,
// reorgs of the best header, the header-only cap) instead of stopping at high-hash.
//
// The input is a sequence of 12-byte records, one header each:
//   byte 0  bits 0-1  parent: 0 the previous header of this input (genesis at first),
//                     1 genesis, 2 an earlier header of this input (byte 1 picks it),
//                     3 a hash nobody knows (unknown-parent)
//           bits 2-3  bits: 0-1 the valid next bits, 2 the valid bits with one bit flipped
//                     (byte 1 picks it), 3 bytes 4-7 as bits
//           bit 4     grind the nonce until the proof of work FAILS (else until it passes)
//           bit 5     end the run after this header (accept_headers is called with it)
//           bit 6     also deliver this header's body through accept_block after the run
//           bit 7     version 0 (bad-version)
//   byte 1  bit 6: keep the run going even though the parent is not the previous header
//           (a run that is not continuous); bit 7: time delta in hours, not seconds
//   bytes 2-3   time delta from the parent (signed 16 bits)
//   bytes 4-11  the starting nonce
// A header whose parent is not the previous one starts a new run (unless byte 1 bit 6).
// Every header has a body: a coinbase paying the subsidy at its height, so delivered bodies
// are mostly valid and connect.
//
// State: one temporary folder per process (in /dev/shm when there is one). Each input gets a
// fresh Chainstate, so the header-only tree (memory only) always starts empty. Bodies are
// written to the RocksDB store, and reopening a store costs about half a second under ASan,
// so the store is replaced by an empty one only after every kStoreResetEvery inputs that
// stored a body: an input may start on top of bodies earlier inputs stored (the chainstate
// loads them, as finchd does at start-up). A crash that depends on them may need those inputs
// too; FINCH_FUZZ_HEADERS_RESET=1 replaces the store after every such input (slow, exact).
// Checks (what chainstate.h documents): an accepted run makes every header in it known, on
// top of its parent, and `last` is its last header; an unknown parent adds nothing; a refused
// run keeps what came before the refusal; the best header height never decreases while no
// body was refused; past Options::max_header_only header-only nodes, a run adds headers only
// when it ends with more work than the best header.
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/chainstate.h"
#include "storage/ledger_store.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <unordered_set>
#include <vector>

namespace {

using namespace finch;

constexpr size_t kRecordSize = 12;
constexpr size_t kMaxHeaderOnly = 12;  // small, so inputs reach the cap
constexpr size_t kMaxRecords = 256;    // bounds the work per input
constexpr unsigned kStoreResetEvery = 64;
constexpr uint64_t kClock = 1795478400 + 1'000'000;  // regtest genesis time + ~11.5 days

const ChainParams& params() { return chain_params(Network::Regtest); }

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_headers: invariant broken: %s\n", what.c_str());
    std::abort();
}

struct Store {
    std::filesystem::path root;
    unsigned generation = 0;
    unsigned dirty_inputs = 0;  // inputs that stored a body since the last reopen
    unsigned reset_every = std::getenv("FINCH_FUZZ_HEADERS_RESET") ? 1 : kStoreResetEvery;
    std::unique_ptr<storage::LedgerStore> store;

    Store() {
        // In memory where there is a tmpfs: RocksDB syncs its files when it creates a store.
        std::error_code ec;
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                          : std::filesystem::temp_directory_path();
        root = base / ("finch-fuzz-headers-" + std::to_string(::getpid()));
        std::filesystem::remove_all(root, ec);
        reopen();
    }
    ~Store() {
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
    void reopen() {
        dirty_inputs = 0;
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
        storage::LedgerStore::OpenOptions o;
        o.sync_writes = false;
        o.memory_bytes = size_t{8} << 20;
        auto s = storage::LedgerStore::open(root / std::to_string(generation++), "regtest", o);
        if (!s) fail("cannot open the store: " + s.error().to_string());
        store = std::move(*s);
    }
};

Store& shared_store() {
    static Store s;
    return s;
}

struct Made {
    Block block;  // the header and a body for it
    Hash256 hash;
    uint64_t height = 0;  // by our count (1 for an unknown parent)
};

// What the tree holds, read back through the public readers.
struct TreeView {
    size_t header_only = 0;
    Uint256 best_work;
};

// `floor`: the most work among the bodies loaded from the store (the tip's: the chainstate
// connects the most-work stored chain when it loads).
TreeView view(const node::Chainstate& chain, const std::vector<Made>& made, const Uint256& floor) {
    TreeView v;
    v.best_work = floor;
    std::unordered_set<Hash256, Hash256Hasher> seen;  // an input may make one header twice
    for (const Made& m : made) {
        if (!seen.insert(m.hash).second) continue;
        auto e = chain.header(m.hash);
        if (!e || e->failed) continue;
        if (!e->have_data) ++v.header_only;
        if (e->chain_work > v.best_work) v.best_work = e->chain_work;
    }
    return v;
}

bool grind(BlockHeader& h, bool want_valid) {
    for (int i = 0; i < 64; ++i) {
        if (static_cast<bool>(check_proof_of_work(h.hash(), h.bits, params().pow_limit)) == want_valid) return true;
        ++h.nonce;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Store& store = shared_store();
    node::Chainstate::Options options;
    options.max_header_only = kMaxHeaderOnly;
    options.max_orphans = 8;
    options.verify_threads = 1;
    options.clock = [] { return kClock; };
    node::Chainstate chain(*store.store, params(), nullptr, options);
    if (auto s = chain.load(); !s) fail("load: " + s.error().to_string());

    const AccountId miner{};  // the coinbase recipient of every body
    std::vector<Made> made;
    std::vector<BlockHeader> run;
    std::vector<size_t> bodies;    // bodies to deliver after the run
    uint64_t best_height = chain.best_header_height();
    const Uint256 loaded_work = chain.tip().chain_work;
    bool stored_a_body = false;
    bool body_refused = false;  // a refused body may fail stored blocks: the floor no longer holds

    auto flush = [&] {
        if (run.empty()) return;
        const bool parent_known = chain.header(run.front().prev_hash).has_value();
        std::vector<bool> known_before;
        for (const BlockHeader& h : run) known_before.push_back(chain.header(h.hash()).has_value());
        const TreeView before = view(chain, made, loaded_work);
        Uint256 claimed;  // the work the run says it ends with
        if (auto p = chain.header(run.front().prev_hash)) claimed = p->chain_work;
        for (const BlockHeader& h : run) claimed += block_work(h.bits);

        const node::HeadersAcceptance r = chain.accept_headers(run);
        switch (r.outcome) {
            case node::HeadersOutcome::Accepted: {
                if (!parent_known) fail("accepted a run whose parent is unknown");
                if (r.rejection) fail("accepted with a rejection");
                if (!r.last || *r.last != run.back().hash()) fail("accepted run: last is not its last header");
                size_t fresh = 0;
                for (size_t i = 0; i < run.size(); ++i) {
                    auto e = chain.header(run[i].hash());
                    if (!e) fail("accepted run: a header is unknown afterwards");
                    auto parent = chain.header(run[i].prev_hash);
                    if (!parent || e->height != parent->height + 1) fail("accepted run: a header not on its parent");
                    fresh += !known_before[i];
                }
                if (r.added != fresh) fail("accepted run: added does not count the new headers");
                break;
            }
            case node::HeadersOutcome::UnknownParent:
                if (parent_known) fail("unknown-parent for a known parent");
                if (r.added != 0 || r.last) fail("unknown-parent added headers");
                break;
            case node::HeadersOutcome::Rejected:
                if (!r.rejection) fail("rejected without a rejection");
                if (r.added > run.size()) fail("rejected run added more than it had");
                if (r.last && !chain.header(*r.last)) fail("rejected run: the last accepted header is unknown");
                break;
        }
        const TreeView after = view(chain, made, loaded_work);
        if (!body_refused && after.header_only > kMaxHeaderOnly && after.header_only > before.header_only &&
            before.header_only >= kMaxHeaderOnly && !(claimed > before.best_work))
            fail("the header-only tree grew past its cap with a run of no more work");
        if (after.header_only > kMaxHeaderOnly && after.header_only > before.header_only && before.header_only < kMaxHeaderOnly)
            fail("the header-only tree grew past its cap from below it");
        const uint64_t height = chain.best_header_height();
        if (height < best_height) fail("the best header height decreased");
        best_height = height;

        for (size_t i : bodies) {
            const node::BlockAcceptance a = chain.accept_block(made[i].block);
            if (a.outcome == node::BlockOutcome::Rejected) {
                if (!a.rejection) fail("block rejected without a rejection");
                body_refused = true;
            }
            if (a.outcome == node::BlockOutcome::Connected || a.outcome == node::BlockOutcome::Stored) {
                stored_a_body = true;
                auto e = chain.header(made[i].hash);
                if (!e || !e->have_data) fail("a stored block has no body in the tree");
            }
            // A refused body may fail its header's branch: the best header may go down.
            best_height = chain.best_header_height();
        }
        run.clear();
        bodies.clear();
    };

    for (size_t at = 0; at + kRecordSize <= size && made.size() < kMaxRecords; at += kRecordSize) {
        const uint8_t* rec = data + at;
        const uint8_t flags = rec[0], extra = rec[1];
        const int16_t delta = static_cast<int16_t>(rec[2] | (rec[3] << 8));
        uint64_t raw = 0;
        for (int i = 0; i < 8; ++i) raw |= static_cast<uint64_t>(rec[4 + i]) << (8 * i);

        // The parent.
        Hash256 parent_hash = params().genesis_hash;
        uint64_t parent_height = 0, parent_time = params().genesis.header.time;
        const Made* parent = nullptr;
        switch (flags & 3) {
            case 0:
                if (!made.empty()) parent = &made.back();
                break;
            case 1: break;
            case 2:
                if (!made.empty()) parent = &made[extra % made.size()];
                break;
            case 3:
                parent_hash = sha256(ByteSpan(rec, kRecordSize));
                parent_height = 0;
                break;
        }
        if (parent) {
            parent_hash = parent->hash;
            parent_height = parent->height;
            parent_time = parent->block.header.time;
        }
        if (!run.empty() && run.back().hash() != parent_hash && !(extra & 0x40)) flush();

        Block b;
        b.header.version = (flags & 0x80) ? 0 : 1;
        b.header.prev_hash = parent_hash;
        const int64_t step = (extra & 0x80) ? int64_t{delta} * 3600 : int64_t{delta};
        b.header.time = static_cast<uint64_t>(static_cast<int64_t>(parent_time) + step);
        const uint32_t valid_bits = params().genesis.header.bits;
        switch ((flags >> 2) & 3) {
            case 0:
            case 1: b.header.bits = valid_bits; break;
            case 2: b.header.bits = valid_bits ^ (1u << (extra % 32)); break;
            case 3: b.header.bits = static_cast<uint32_t>(raw); break;
        }
        b.coinbase.height = parent_height + 1;
        b.coinbase.recipient = miner;
        b.coinbase.amount = block_subsidy(parent_height + 1, params());
        b.coinbase.extra = {static_cast<uint8_t>(made.size()), static_cast<uint8_t>(made.size() >> 8)};
        b.header.merkle_root = b.compute_merkle_root();
        b.header.nonce = raw;
        (void)grind(b.header, !(flags & 0x10));

        Made m{std::move(b), {}, parent_height + 1};
        m.hash = m.block.hash();
        made.push_back(std::move(m));
        run.push_back(made.back().block.header);
        if (flags & 0x40) bodies.push_back(made.size() - 1);
        if (flags & 0x20) flush();
    }
    flush();

    // Readers over whatever the input built.
    (void)chain.chain_tips();
    if (!made.empty()) {
        (void)chain.branch(made.back().hash, 0, 16);
        (void)chain.fork_point(made.back().hash);
    }
    if (stored_a_body && ++store.dirty_inputs >= store.reset_every) store.reopen();
    return 0;
}
