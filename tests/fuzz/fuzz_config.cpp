// libFuzzer target: finchd's command line and finch.conf. The input is the arguments,
// NUL-separated, then an empty argument (two NULs in a row), then the text of the config
// file. The text is written to a file in a temporary folder made once per process, and
// parse_config(argc, argv) reads it through a trailing --conf=<file>, so the real
// file-reading path runs; --datadir points at the same folder, so nothing else on the
// machine is read. Errors are expected; a crash, a hang or an accepted configuration that
// breaks the documented ranges is a bug.
#include "node/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

struct TempFolder {
    std::filesystem::path dir;
    std::filesystem::path conf;
    TempFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "fuzz_config.XXXXXX").string();
        if (!::mkdtemp(pattern.data())) std::abort();
        dir = pattern;
        conf = dir / "finch.conf";
    }
    ~TempFolder() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

const TempFolder& temp() {
    static const TempFolder folder;
    return folder;
}

void check(const finch::node::Config& c) {
    if (c.port == 0 || c.rpcport == 0) std::abort();
    if (c.rpcthreads < 1 || c.rpcthreads > 64) std::abort();
    if (c.miner_threads < 1 || c.miner_threads > 256) std::abort();
    if (c.rpcuser.empty() != c.rpcpassword.empty()) std::abort();
    if (c.mine && c.miner_address.empty()) std::abort();
    (void)c.network_dir();
    (void)c.pid_file();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const size_t split = in.find(std::string_view("\0\0", 2));
    const std::string_view args_text = in.substr(0, split);
    const std::string_view conf_text = split == std::string_view::npos ? std::string_view() : in.substr(split + 2);

    std::vector<std::string> args;
    if (!args_text.empty()) {
        for (size_t start = 0;;) {
            const size_t end = args_text.find('\0', start);
            args.emplace_back(args_text.substr(start, end - start));
            if (end == std::string_view::npos) break;
            start = end + 1;
        }
    }
    {
        std::ofstream out(temp().conf, std::ios::binary | std::ios::trunc);
        out.write(conf_text.data(), static_cast<std::streamsize>(conf_text.size()));
        if (!out) std::abort();
    }
    // The last --conf wins; --datadir (which a fuzzed "--flag" may swallow as its value)
    // comes first so that --conf is never swallowed.
    std::vector<std::string> argv_storage{"finchd"};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    argv_storage.push_back("--datadir=" + temp().dir.string());
    argv_storage.push_back("--conf=" + temp().conf.string());
    std::vector<const char*> argv;
    for (const auto& a : argv_storage) argv.push_back(a.c_str());
    argv.push_back(nullptr);

    auto config = finch::node::parse_config(static_cast<int>(argv_storage.size()), argv.data());
    if (config) check(*config);
    // The in-memory overload on the same input (as the tests use it) must agree, except
    // that --help and --version skip the file on the command-line path.
    if (config && (config->help || config->version)) return 0;
    const std::string text(conf_text);
    std::vector<std::string> all(argv_storage.begin() + 1, argv_storage.end());
    auto again = finch::node::parse_config(all, &text, temp().conf.string());
    if (config.ok() != again.ok()) std::abort();
    return 0;
}
