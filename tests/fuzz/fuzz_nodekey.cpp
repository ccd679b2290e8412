// libFuzzer target: the node key file (<datadir>/<network>/nodekey) as finchd loads it. The
// input is written to a file with mode 0600 in a temporary folder made once per process and
// loaded with NodeIdentity::load_or_create; an empty input removes the file first, so the
// create path runs too. Refusals are expected. A loaded key must agree with from_pem on the
// same text, its identity must be the hash of its public key, and a signature made with it
// must verify under that public key (and not under a changed message).
#include "node/net/identity.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

struct TempFolder {
    std::filesystem::path dir;
    std::filesystem::path key;
    TempFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "fuzz_nodekey.XXXXXX").string();
        if (!::mkdtemp(pattern.data())) std::abort();
        dir = pattern;
        key = dir / finch::net::kNodeKeyFileName;
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

void write_key_file(const uint8_t* data, size_t size) {
    const int fd = ::open(temp().key.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::fchmod(fd, 0600) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n <= 0) std::abort();
        done += static_cast<size_t>(n);
    }
    ::close(fd);
}

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Signs with the loaded key; verifies with a key built from the raw public key alone.
void check_signing(const finch::net::NodeIdentity& id) {
    static const std::string_view kMessage = "finchain fuzz_nodekey";
    std::unique_ptr<EVP_MD_CTX, MdFree> sign(EVP_MD_CTX_new());
    unsigned char signature[64];
    size_t signature_size = sizeof signature;
    if (!sign || EVP_DigestSignInit(sign.get(), nullptr, nullptr, nullptr, id.key()) != 1 ||
        EVP_DigestSign(sign.get(), signature, &signature_size,
                       reinterpret_cast<const unsigned char*>(kMessage.data()), kMessage.size()) != 1 ||
        signature_size != sizeof signature)
        std::abort();
    std::unique_ptr<EVP_PKEY, PkeyFree> pub(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, id.public_key().data(), id.public_key().size()));
    if (!pub) std::abort();
    auto verifies = [&](std::string_view message) {
        std::unique_ptr<EVP_MD_CTX, MdFree> verify(EVP_MD_CTX_new());
        return verify && EVP_DigestVerifyInit(verify.get(), nullptr, nullptr, nullptr, pub.get()) == 1 &&
               EVP_DigestVerify(verify.get(), signature, signature_size,
                                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
    };
    if (!verifies(kMessage)) std::abort();
    if (verifies(kMessage.substr(1))) std::abort();
    ERR_clear_error();
}

void check_identity(const finch::net::NodeIdentity& id) {
    if (id.key() == nullptr) std::abort();
    if (id.identity() != finch::net::identity_of(id.public_key())) std::abort();
    if (id.identity().size() != 64 || id.identity().find_first_not_of("0123456789abcdef") != std::string::npos)
        std::abort();
    check_signing(id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        std::error_code ec;
        std::filesystem::remove(temp().key, ec);
        auto made = finch::net::NodeIdentity::load_or_create(temp().key);
        if (!made) std::abort();  // a writable folder with no key in it: a new key
        check_identity(*made);
        auto reloaded = finch::net::NodeIdentity::load_or_create(temp().key);
        if (!reloaded || reloaded->identity() != made->identity()) std::abort();
        return 0;
    }
    write_key_file(data, size);
    auto loaded = finch::net::NodeIdentity::load_or_create(temp().key);
    auto parsed = finch::net::NodeIdentity::from_pem(std::string_view(reinterpret_cast<const char*>(data), size));
    if (loaded.ok() != parsed.ok()) {
        // Only the size limit may differ: load reads at most 16 KiB + 1 bytes.
        if (size <= 16 * 1024) std::abort();
        return 0;
    }
    if (!loaded) {
        if (loaded.error().code.rfind("nodekey-", 0) != 0) std::abort();
        return 0;
    }
    if (loaded->identity() != parsed->identity()) std::abort();
    check_identity(*loaded);
    return 0;
}
