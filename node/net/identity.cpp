// The node identity key: strict PKCS#8 PEM parsing, owner-only permissions, atomic creation.
#include "node/net/identity.h"

#include "consensus/hash.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace finch::net {

namespace {

// An Ed25519 PKCS#8 PEM is 119 bytes; anything this large is not a node key.
constexpr size_t kMaxKeyFileBytes = 16 * 1024;
constexpr std::string_view kWhitespace = " \t\r\n";
constexpr const char* kExpected = "expected one unencrypted PKCS#8 '-----BEGIN PRIVATE KEY-----' block";

// Failures leave reasons on OpenSSL's per-thread error queue; clear it so that they are not
// reported later against an unrelated call (the TLS layer reads that queue).
struct ClearOpenSslErrors {
    ~ClearOpenSslErrors() { ERR_clear_error(); }
};

// Key material in memory is wiped once read.
struct SecretText {
    std::string text;
    SecretText() = default;
    SecretText(SecretText&&) = default;
    ~SecretText() { OPENSSL_cleanse(text.data(), text.size()); }
};

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct P8Free {
    void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
using P8Ptr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, P8Free>;

// What PEM_read_bio_ex hands back with PEM_FLAG_SECURE (its line buffers are wiped too):
// freed, and the DER wiped, on every path.
struct PemBlock {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long der_len = 0;
    ~PemBlock() {
        OPENSSL_secure_free(name);
        OPENSSL_secure_free(header);
        OPENSSL_secure_clear_free(der, static_cast<size_t>(der_len));
    }
};

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Rejection decode_error(const char* code, std::string problem) { return reject(code, std::move(problem), Fault::Decode); }

Rejection file_error(const char* code, const std::string& what, const std::filesystem::path& path, int err) {
    return reject(code, what + " " + path.string() + ": " + std::strerror(err), Fault::Policy);
}

bool only_whitespace(std::string_view s) { return s.find_first_not_of(kWhitespace) == std::string_view::npos; }

std::string algorithm_name(const ASN1_OBJECT* alg) {
    if (const int nid = OBJ_obj2nid(alg); nid != NID_undef) return OBJ_nid2sn(nid);
    char oid[80] = {};
    OBJ_obj2txt(oid, sizeof oid, alg, 1);
    return oid;
}

std::string mode_text(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// Reads the whole file after checking it is a regular file only its owner may read.
Status read_key_file(const std::filesystem::path& file, std::string& out) {
    Fd f;
    // O_NONBLOCK: a FIFO in the key's place must not hang start-up (no effect on regular files).
    f.fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (f.fd < 0) return file_error("nodekey-read", "cannot read the node key", file, errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return file_error("nodekey-read", "cannot read the node key", file, errno);
    if (!S_ISREG(st.st_mode))
        return reject("nodekey-read", "the node key " + file.string() + " is not a regular file", Fault::Policy);
    if ((st.st_mode & 077) != 0)
        return reject("nodekey-mode",
                      file.string() + " has mode " + mode_text(st.st_mode) +
                          ": it must be readable by its owner only (chmod 600)",
                      Fault::Policy);
    out.resize(kMaxKeyFileBytes + 1);  // read in place: no reallocation leaves a copy behind
    size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return file_error("nodekey-read", "cannot read the node key", file, errno);
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    return Status::accepted();
}

bool write_all(int fd, std::string_view text) {
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

// PKCS#8 PEM of a private key, in OpenSSL's secure heap.
Result<SecretText> to_pem(EVP_PKEY* key) {
    ClearOpenSslErrors clear_errors;
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return reject("nodekey-create", "OpenSSL could not encode the new node key", Fault::Policy);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    SecretText pem;
    pem.text.assign(data, static_cast<size_t>(len));
    return pem;
}

// Moves tmp to file unless file exists. Falls back to a plain rename on file systems without
// RENAME_NOREPLACE (the caller saw no file, and finchd holds the data folder's lock).
int rename_no_replace(const std::filesystem::path& tmp, const std::filesystem::path& file) {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, file.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    return ::rename(tmp.c_str(), file.c_str());
}

void sync_parent_directory(const std::filesystem::path& file) {
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    Fd d;
    d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd >= 0) (void)::fsync(d.fd);  // durability only: the rename is already visible
}

// Writes a new key file: never readable by anyone else, not even for a moment, and complete
// or absent after a crash. If another file took the name meanwhile, that one stays.
Status write_new_key(const std::filesystem::path& file, std::string_view pem) {
    const std::filesystem::path tmp = file.string() + ".tmp";
    ::unlink(tmp.c_str());  // a leftover from a crash: its key was never used
    Fd f;
    f.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f.fd < 0) return file_error("nodekey-create", "cannot create the node key", tmp, errno);
    // The umask may have taken bits from 0600 (an owner-unreadable key would be refused at
    // the next start); it can never have added any.
    const bool written = ::fchmod(f.fd, 0600) == 0 && write_all(f.fd, pem) && ::fsync(f.fd) == 0;
    const int write_errno = errno;
    ::close(f.fd);
    f.fd = -1;
    if (!written) {
        ::unlink(tmp.c_str());
        return file_error("nodekey-create", "cannot write the node key", tmp, write_errno);
    }
    if (rename_no_replace(tmp, file) != 0) {
        const int rename_errno = errno;
        ::unlink(tmp.c_str());
        if (rename_errno == EEXIST) return Status::accepted();
        return file_error("nodekey-create", "cannot rename the new node key to", file, rename_errno);
    }
    sync_parent_directory(file);
    return Status::accepted();
}

}  // namespace

std::string identity_of(std::span<const uint8_t, 32> raw_public_key) {
    return to_hex(sha256(ByteSpan(raw_public_key.data(), raw_public_key.size())).span());
}

void NodeIdentity::KeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

NodeIdentity::NodeIdentity(KeyPtr key, const std::array<uint8_t, 32>& public_key)
    : m_key(std::move(key)), m_public_key(public_key), m_identity(identity_of(m_public_key)) {}

Result<NodeIdentity> NodeIdentity::from_key(KeyPtr key) {
    if (!key || !EVP_PKEY_is_a(key.get(), "ED25519"))
        return decode_error("nodekey-not-ed25519", "the key is not an Ed25519 key");
    std::array<uint8_t, 32> public_key{};
    size_t len = public_key.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &len) != 1 || len != public_key.size())
        return decode_error("nodekey-corrupt", "the Ed25519 public key cannot be derived");
    return NodeIdentity(std::move(key), public_key);
}

Result<NodeIdentity> NodeIdentity::from_pem(std::string_view pem) {
    ClearOpenSslErrors clear_errors;
    const size_t first = pem.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos) return decode_error("nodekey-empty", "empty: there is no key in it");
    if (pem.size() > kMaxKeyFileBytes)
        return decode_error("nodekey-corrupt", "larger than " + std::to_string(kMaxKeyFileBytes) + " bytes");
    const size_t begin = pem.find("-----BEGIN ");
    if (begin == std::string_view::npos)
        return decode_error("nodekey-not-pem", std::string("not PEM: ") + kExpected);
    if (begin != first) return decode_error("nodekey-corrupt", "text before the PEM block");

    BioPtr bio(BIO_new_mem_buf(pem.data() + begin, static_cast<int>(pem.size() - begin)));
    if (!bio) return decode_error("nodekey-corrupt", "out of memory reading the PEM block");
    PemBlock block;
    if (PEM_read_bio_ex(bio.get(), &block.name, &block.header, &block.der, &block.der_len,
                        PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1)
        return decode_error("nodekey-corrupt", "the PEM block is truncated or damaged");
    if (std::string_view(block.name) != "PRIVATE KEY")
        return decode_error("nodekey-not-pkcs8", "the PEM block is '" + std::string(block.name) + "': " + kExpected);
    if (block.header && *block.header)
        return decode_error("nodekey-not-pkcs8", std::string("an encrypted PEM block: ") + kExpected);
    char* rest = nullptr;
    const long rest_len = BIO_get_mem_data(bio.get(), &rest);
    if (rest_len > 0 && !only_whitespace(std::string_view(rest, static_cast<size_t>(rest_len))))
        return decode_error("nodekey-corrupt", "text after the PEM block");

    const unsigned char* p = block.der;
    P8Ptr p8(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, block.der_len));
    if (!p8 || p != block.der + block.der_len)
        return decode_error("nodekey-corrupt", "the PKCS#8 structure is truncated or damaged");
    const ASN1_OBJECT* alg = nullptr;
    if (PKCS8_pkey_get0(&alg, nullptr, nullptr, nullptr, p8.get()) != 1 || !alg)
        return decode_error("nodekey-corrupt", "the PKCS#8 structure has no algorithm");
    if (OBJ_obj2nid(alg) != NID_ED25519)
        return decode_error("nodekey-not-ed25519", "the key's algorithm is " + algorithm_name(alg) + ", not Ed25519");
    KeyPtr key(EVP_PKCS82PKEY(p8.get()));
    if (!key) return decode_error("nodekey-corrupt", "the Ed25519 key inside the PKCS#8 structure is damaged");
    return from_key(std::move(key));
}

Result<NodeIdentity> NodeIdentity::generate() {
    ClearOpenSslErrors clear_errors;
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) return reject("nodekey-create", "OpenSSL could not generate an Ed25519 key", Fault::Policy);
    auto made = from_key(std::move(key));
    if (!made) return reject("nodekey-create", "the new key is unusable: " + made.error().detail, Fault::Policy);
    return made;
}

Result<NodeIdentity> NodeIdentity::load(const std::filesystem::path& file) {
    SecretText text;
    if (auto read = read_key_file(file, text.text); !read) return read.error();
    auto parsed = from_pem(text.text);
    if (parsed) return parsed;
    Rejection r = parsed.error();
    r.detail = "the node key " + file.string() + " is unusable: " + r.detail +
               " (restore it from a backup, or move it away to make a new identity)";
    return r;
}

Result<NodeIdentity> NodeIdentity::load_or_create(const std::filesystem::path& file) {
    struct stat st {};
    // Anything in the key's place, even a dangling link, is loaded (and refused if unusable),
    // never replaced: losing an identity is not something to do silently.
    if (::lstat(file.c_str(), &st) == 0 || errno != ENOENT) return load(file);
    auto fresh = generate();
    if (!fresh) return fresh;
    auto pem = to_pem(fresh->key());
    if (!pem) return pem.error();
    if (auto written = write_new_key(file, pem->text); !written) return written.error();
    // Read back what is on disk, so the identity in use is the one the file holds (also when
    // another process created the file first).
    return load(file);
}

}  // namespace finch::net
