// bench_rpc_sendraw: sendrawtransaction throughput against a running regtest node, one
// transaction per request or in JSON-RPC batches. The mempool holds at most 64 pending
// transfers per sender, so the tool first funds fresh senders from --secret (two levels of
// fan-out, each confirmed with generatetoaddress), pre-signs every transfer, then times only
// the submission. Prints accepted transactions per second.
#include "consensus/keys.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "rpc/auth.h"
#include "rpc/protocol.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using finch::rpc::Json;
using namespace finch;

constexpr size_t kFanOut = 60;  // below the mempool's 64 pending transfers per sender
constexpr Amount kFee = 1000;
constexpr Amount kFundingFee = 10'000;  // above kFee, so funding transfers are mined first

struct Options {
    std::string host = "127.0.0.1";
    std::string port;
    rpc::Credentials credentials{"user", "pass"};
    std::string secret_hex;
    size_t txs = 20'000;
    size_t batch = 1000;
    size_t connections = 4;
    size_t per_sender = 50;
};

// One keep-alive HTTP connection with synchronous calls (a benchmark client, not a model).
class Connection {
public:
    explicit Connection(const Options& o) : m_o(o), m_socket(m_ioc) {
        tcp::resolver resolver(m_ioc);
        net::connect(m_socket, resolver.resolve(o.host, o.port));
    }

    Json post(const Json& body) {
        http::request<http::string_body> req{http::verb::post, "/", 11};
        req.set(http::field::host, m_o.host);
        req.set(http::field::authorization, rpc::basic_authorization(m_o.credentials));
        req.body() = rpc::dump_json(body);
        req.prepare_payload();
        http::write(m_socket, req);
        http::response_parser<http::string_body> parser;
        parser.body_limit(1ull << 30);
        http::read(m_socket, m_buffer, parser);
        if (parser.get().result_int() == 401) throw std::runtime_error("authorization failed");
        return Json::parse(parser.get().body());
    }

    Json call(const std::string& method, Json params) {
        Json reply = post(rpc::make_request(method, std::move(params), 1, true));
        if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
        return reply["result"];
    }

private:
    const Options& m_o;
    net::io_context m_ioc;
    tcp::socket m_socket;
    beast::flat_buffer m_buffer;
};

struct Sender {
    SecretKey secret;
    PublicKey pub;
    AccountId id;
};

Sender make_sender(const SecretKey& secret) { return {secret, *derive_public_key(secret), account_id(*derive_public_key(secret))}; }

// Fresh senders for this run: keys hashed from a random salt and an index.
std::vector<Sender> derive_senders(size_t n) {
    const SecretKey salt = generate_secret_key();
    std::vector<Sender> out;
    for (uint32_t i = 0; out.size() < n; ++i) {
        Bytes seed(salt.bytes.begin(), salt.bytes.end());
        seed.insert(seed.end(), reinterpret_cast<uint8_t*>(&i), reinterpret_cast<uint8_t*>(&i) + 4);
        SecretKey k;
        k.bytes = sha256(seed).bytes;
        if (is_valid_secret_key(k)) out.push_back(make_sender(k));
    }
    return out;
}

Transaction transfer(const Sender& from, const AccountId& to, Amount amount, uint64_t nonce, const Hash256& genesis,
                     Amount fee = kFee) {
    return signed_transfer(from.secret, from.pub, to, amount, fee, nonce, genesis);
}

Json batch_of(const std::vector<Transaction>& txs, size_t begin, size_t end) {
    Json batch = Json::array();
    for (size_t i = begin; i < end; ++i)
        batch.push_back(rpc::make_request("sendrawtransaction", Json::array({to_hex(txs[i].serialize())}), i, true));
    return batch;
}

uint64_t pending_nonce(Connection& c, const Sender& s, const ChainParams& params) {
    return c.call("getaccount", Json::array({encode_address(s.id, params)}))["pending_nonce"].get<uint64_t>();
}

// Pays `amount` from `from` to each of `to` in one batch (at most kFanOut recipients).
void pay_each(Connection& c, const Sender& from, const std::vector<Sender>& to, Amount amount, const ChainParams& params) {
    std::vector<Transaction> txs;
    uint64_t nonce = pending_nonce(c, from, params);
    for (const Sender& s : to) txs.push_back(transfer(from, s.id, amount, nonce++, params.genesis_hash, kFundingFee));
    for (const Json& r : c.post(batch_of(txs, 0, txs.size())))
        if (r.contains("error")) throw std::runtime_error("funding transfer rejected: " + r["error"].dump());
}

void mine_one(Connection& c, const Sender& miner, const ChainParams& params) {
    c.call("generatetoaddress", Json::array({1, encode_address(miner.id, params)}));
}

// Mines until the mempool is empty (a previous run leaves its transfers there).
void clear_mempool(Connection& c, const Sender& miner, const ChainParams& params) {
    for (int i = 0; i < 100 && c.call("getmempoolinfo", Json::array())["size"].get<uint64_t>() > 0; ++i)
        mine_one(c, miner, params);
}

// Two levels of fan-out so no sender ever has more than kFanOut transfers pending.
void fund(Connection& c, const Sender& root, const std::vector<Sender>& leaves, Amount per_leaf, const ChainParams& params) {
    const size_t groups = (leaves.size() + kFanOut - 1) / kFanOut;
    if (groups > kFanOut) throw std::runtime_error("too many senders for two levels of funding");
    std::vector<Sender> middle = derive_senders(groups);
    clear_mempool(c, root, params);
    pay_each(c, root, middle, kFanOut * (per_leaf + kFundingFee), params);
    mine_one(c, root, params);
    for (size_t g = 0; g < groups; ++g) {
        const size_t begin = g * kFanOut, end = std::min(leaves.size(), begin + kFanOut);
        pay_each(c, middle[g], std::vector<Sender>(leaves.begin() + static_cast<long>(begin), leaves.begin() + static_cast<long>(end)),
                 per_leaf, params);
    }
    mine_one(c, root, params);
}

// Pre-signs per_sender transfers from every sender (nonces from 0), on every core.
std::vector<std::vector<Transaction>> sign_all(const std::vector<Sender>& senders, size_t per_sender, const ChainParams& params) {
    std::vector<std::vector<Transaction>> out(senders.size());
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::max(1u, std::thread::hardware_concurrency()); ++t)
        threads.emplace_back([&] {
            for (size_t i; (i = next++) < senders.size();)
                for (uint64_t n = 0; n < per_sender; ++n)
                    out[i].push_back(transfer(senders[i], senders[(i + 1) % senders.size()].id, 1, n, params.genesis_hash));
        });
    for (auto& t : threads) t.join();
    return out;
}

struct Tally {
    std::atomic<size_t> accepted{0};
    std::mutex mutex;
    std::map<std::string, size_t> errors;

    void count(const Json& reply) {
        if (!reply.contains("error")) return void(++accepted);
        std::lock_guard lock(mutex);
        ++errors[reply["error"].value("message", "?")];
    }
};

// One connection submits its share, in nonce order per sender.
void submit(const Options& o, const std::vector<Transaction>& txs, Tally& tally) {
    Connection c(o);
    for (size_t begin = 0; begin < txs.size(); begin += o.batch) {
        const size_t end = std::min(txs.size(), begin + o.batch);
        if (o.batch == 1) {
            tally.count(c.post(rpc::make_request("sendrawtransaction", Json::array({to_hex(txs[begin].serialize())}), 1, true)));
            continue;
        }
        for (const Json& r : c.post(batch_of(txs, begin, end))) tally.count(r);
    }
}

bool parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--host") o.host = v;
        else if (a == "--port") o.port = v;
        else if (a == "--auth") o.credentials = {v.substr(0, v.find(':')), v.substr(v.find(':') + 1)};
        else if (a == "--secret") o.secret_hex = v;
        else if (a == "--txs") o.txs = std::stoul(v);
        else if (a == "--batch") o.batch = std::max<size_t>(1, std::stoul(v));
        else if (a == "--connections") o.connections = std::max<size_t>(1, std::stoul(v));
        else if (a == "--per-sender") o.per_sender = std::clamp<size_t>(std::stoul(v), 1, kFanOut);
        else return false;
    }
    return argc % 2 == 1 && !o.port.empty() && o.secret_hex.size() == 64;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        std::cerr << "Usage: bench_rpc_sendraw --port P --secret HEX [--auth user:pass] [--host H] [--txs N]\n"
                     "                         [--batch B] [--connections C] [--per-sender K]\n"
                     "--secret: a funded regtest key (e.g. finch-cli keygen, then generatetoaddress 2 to it)\n";
        return 2;
    }
    const ChainParams& params = chain_params(Network::Regtest);
    try {
        SecretKey root_key;
        auto bytes = from_hex(o.secret_hex);
        if (!bytes || bytes->size() != 32) throw std::runtime_error("--secret must be 64 hex characters");
        std::copy(bytes->begin(), bytes->end(), root_key.bytes.begin());
        const Sender root = make_sender(root_key);
        const std::vector<Sender> senders = derive_senders((o.txs + o.per_sender - 1) / o.per_sender);
        Connection setup(o);
        fund(setup, root, senders, o.per_sender * (1 + kFee), params);
        const auto signed_txs = sign_all(senders, o.per_sender, params);

        std::vector<std::vector<Transaction>> shares(o.connections);
        for (size_t i = 0; i < signed_txs.size(); ++i)
            shares[i % o.connections].insert(shares[i % o.connections].end(), signed_txs[i].begin(), signed_txs[i].end());
        Tally tally;
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<std::thread> threads;
        for (const auto& share : shares) threads.emplace_back([&, share_ptr = &share] { submit(o, *share_ptr, tally); });
        for (auto& t : threads) t.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cout << "sendrawtransaction, batch " << o.batch << ", " << o.connections << " connections: "
                  << tally.accepted << " of " << senders.size() * o.per_sender << " accepted in " << seconds << " s = "
                  << static_cast<uint64_t>(static_cast<double>(tally.accepted) / seconds) << " tx/s\n";
        for (const auto& [message, n] : tally.errors) std::cout << "  rejected " << n << "x: " << message << "\n";
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
