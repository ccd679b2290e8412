// The node identity key: the identity's derivation, the key file's creation, permissions and
// reload, and each unusable key file with the rejection it gets.
#include "node/net/identity.h"

#include "consensus/hash.h"

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace finch::net {
namespace {

// Made once with `openssl genpkey -algorithm ed25519`. Its identity, from the command line:
// openssl pkey -in k.pem -pubout -outform DER | tail -c 32 | sha256sum
const std::string kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEILjbbV3IgiB5KtAhzcBZv8CWfN1Q4utITEQttintNLFC\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEd25519PublicKey = "48101fa32b69474a11298e8de9f2025c822638efff928e4c959f13dad6d47d13";
const std::string kEd25519Identity = "6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310";

// Keys of other kinds, each a valid PEM that is not an Ed25519 PKCS#8 key.
const std::string kRsaPkcs8Pem =  // openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA32oFXCiE2+no4W8j\n"
    "tiP9h3Bt2kjMlDeG1Y49QtreuH+a9Z3zg17nhmDQHUIEOWF89GItfi6E5KzeXK5b\n"
    "enoz5QIDAQABAkBlcOFAKBGzPLEF8w22/P53yb/HVji1r8SkILKGMZThFg5GCHrp\n"
    "M+7tIfls4zUfruQyVVeM7PgR7eFWyEd3+d7dAiEA9e7hY4ms5sHz+yV5Tiw4nCCT\n"
    "UR6Qg+DGjAupbzGD44sCIQDojypUK3/hddiUdH8cureCOgZD6JTVS6qfdm/h1IR0\n"
    "TwIhAMF33s9TKzWNNsZHwJoCp7YK2lliVgWo+giJ1AypQzvpAiEA2iUpHIktTK0B\n"
    "esgIUEepSYPqSpsJuUZgB3LOojR6BqsCIQCmxhuK6yojL42+sUismqf0/F08eV3T\n"
    "JxkZc49AMlnQjQ==\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEcPkcs8Pem =  // openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgz26oEAlmMmzidtqf\n"
    "BfLmnqJGlA46qjGJOGWlEpxorVqhRANCAAQc/AKcgsgLre8G15zAo2TqF4Y4xteh\n"
    "IqhOJ0w//VpXuE6M9cEieNGfdi8ic9XyXZDVFx41EXJl1oxoVaVURgpU\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEcTraditionalPem =  // the same key: openssl pkey -traditional
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIM9uqBAJZjJs4nbanwXy5p6iRpQOOqoxiThlpRKcaK1aoAoGCCqGSM49\n"
    "AwEHoUQDQgAEHPwCnILIC63vBtecwKNk6heGOMbXoSKoTidMP/1aV7hOjPXBInjR\n"
    "n3YvInPV8l2Q1RceNRFyZdaMaFWlVEYKVA==\n"
    "-----END EC PRIVATE KEY-----\n";
const std::string kX25519Pem =  // the key-agreement twin of Ed25519: same size, wrong algorithm
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VuBCIEIHi+xQORyqVRDkIlOGzlS20RCtamnv4xcfADrXttIK1B\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEd448Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MEcCAQAwBQYDK2VxBDsEOaNICmjDQAX2ZVHZPTVqub4fng3hv+VG2O7I/enSTMZd\n"
    "us5+t08fVQv52/pHlQi3EZ6QWFygs7Jaww==\n"
    "-----END PRIVATE KEY-----\n";
const std::string kEd25519PublicPem =  // the fixed key's public half
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEASBAfoytpR0oRKY6N6fICXIImOO//ko5MlZ8T2tbUfRM=\n"
    "-----END PUBLIC KEY-----\n";
const std::string kEd25519EncryptedPem =  // the fixed key: openssl pkey -aes256 -passout pass:x
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiKsmfmznjvpgICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEECawQPm3ti/rB5QzcyYYs8wEQLdG\n"
    "xy2ourtgGJlky2vn/b1hnU521G665dFaVpAmC5O6XQVc8DMDn2w8woED0jYctTq3\n"
    "uYfHRQxCbJ2Evq5Z5tg=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

struct BadKey {
    const char* what;
    std::string pem;
    const char* code;
};

std::vector<BadKey> bad_keys() {
    const std::string begin = "-----BEGIN PRIVATE KEY-----\n";
    const std::string end = "-----END PRIVATE KEY-----\n";
    return {
        {"empty", "", "nodekey-empty"},
        {"only whitespace", " \n\t\r\n", "nodekey-empty"},
        {"garbage text", "this is not a key\n", "nodekey-not-pem"},
        {"binary garbage", std::string("\x00\x01\xff\xfe\x30\x2e", 6), "nodekey-not-pem"},
        {"raw DER, not PEM", std::string("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70", 12), "nodekey-not-pem"},
        {"hex secret, not PEM", "b8db6d5dc88220792ad021cdc059bfc0967cdd50e2eb484c442db629ed34b142\n", "nodekey-not-pem"},
        {"truncated: no END line", kEd25519Pem.substr(0, 60), "nodekey-corrupt"},
        {"truncated: cut in the END line", kEd25519Pem.substr(0, kEd25519Pem.size() - 8), "nodekey-corrupt"},
        {"truncated: only the BEGIN line", begin, "nodekey-corrupt"},
        {"truncated DER inside a whole PEM block", begin + "MC4CAQAwBQYDK2VwBCIEILjbbV3IgiB5\n" + end, "nodekey-corrupt"},
        {"empty PEM block", begin + end, "nodekey-corrupt"},
        {"NUL byte inside the block",
         begin + std::string("MC4CAQAwBQYDK2VwBCIE\0LjbbV3IgiB5KtAhzcBZv8CWfN1Q4utITEQttintNLFC\n", 65) + end,
         "nodekey-corrupt"},
        {"bad base64", begin + "MC4CAQAwBQYDK2VwBCIEILjbbV3IgiB5KtAhzcBZv8CWfN1Q4utITEQttint!!!!\n" + end,
         "nodekey-corrupt"},
        // The same 32-byte secret wrapped in a structure that is one byte longer than it says.
        {"trailing byte after the PKCS#8 structure",
         begin + "MC4CAQAwBQYDK2VwBCIEILjbbV3IgiB5KtAhzcBZv8CWfN1Q4utITEQttintNLFCAA==\n" + end, "nodekey-corrupt"},
        {"a DER that is not PKCS#8", begin + "MAMCAQA=\n" + end, "nodekey-corrupt"},
        {"text before the block", "my node key\n" + kEd25519Pem, "nodekey-corrupt"},
        {"text after the block", kEd25519Pem + "and more\n", "nodekey-corrupt"},
        {"two keys", kEd25519Pem + kEd25519Pem, "nodekey-corrupt"},
        {"END label mismatch", begin + "MC4CAQAwBQYDK2VwBCIEILjbbV3IgiB5KtAhzcBZv8CWfN1Q4utITEQttintNLFC\n" +
                                   "-----END PUBLIC KEY-----\n",
         "nodekey-corrupt"},
        {"RSA PKCS#8 key", kRsaPkcs8Pem, "nodekey-not-ed25519"},
        {"EC P-256 PKCS#8 key", kEcPkcs8Pem, "nodekey-not-ed25519"},
        {"X25519 key", kX25519Pem, "nodekey-not-ed25519"},
        {"Ed448 key", kEd448Pem, "nodekey-not-ed25519"},
        {"EC key in the traditional format", kEcTraditionalPem, "nodekey-not-pkcs8"},
        {"public key", kEd25519PublicPem, "nodekey-not-pkcs8"},
        {"encrypted PKCS#8 key", kEd25519EncryptedPem, "nodekey-not-pkcs8"},
        {"too large", kEd25519Pem + std::string(20'000, '\n'), "nodekey-corrupt"},
    };
}

std::string hex(const std::array<uint8_t, 32>& bytes) { return to_hex(ByteSpan(bytes.data(), bytes.size())); }

class IdentityFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/finch-identity-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
        file = dir / "nodekey";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    void write(const std::string& text, mode_t mode = 0600) const {
        std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
        ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    }
    std::string contents() const {
        std::ifstream in(file, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    mode_t mode() const {
        struct stat st {};
        EXPECT_EQ(::stat(file.c_str(), &st), 0);
        return st.st_mode & 07777;
    }

    std::filesystem::path dir;
    std::filesystem::path file;
};

TEST(Identity, KnownAnswerFromAFixedKey) {
    auto id = NodeIdentity::from_pem(kEd25519Pem);
    ASSERT_TRUE(id) << id.error().to_string();
    EXPECT_EQ(hex(id->public_key()), kEd25519PublicKey);
    EXPECT_EQ(id->identity(), kEd25519Identity);
    EXPECT_EQ(identity_of(id->public_key()), kEd25519Identity);
    ASSERT_NE(id->key(), nullptr);
    EXPECT_TRUE(EVP_PKEY_is_a(id->key(), "ED25519"));
}

TEST(Identity, IsTheLowercaseHexSha256OfTheRawPublicKey) {
    const std::array<uint8_t, 32> zero{};
    EXPECT_EQ(identity_of(zero), "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
    auto pk = from_hex(kEd25519PublicKey);
    ASSERT_TRUE(pk && pk->size() == 32);
    const std::string id = identity_of(std::span<const uint8_t, 32>(pk->data(), 32));
    EXPECT_EQ(id, kEd25519Identity);
    EXPECT_EQ(id, to_hex(sha256(*pk).span()));  // natural byte order, not the reversed display order
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Identity, WhitespaceAroundTheBlockAndCrlfLinesAreAccepted) {
    auto padded = NodeIdentity::from_pem("\n\n  " + kEd25519Pem + "\n\n");
    ASSERT_TRUE(padded) << padded.error().to_string();
    EXPECT_EQ(padded->identity(), kEd25519Identity);
    std::string crlf;
    for (char c : kEd25519Pem) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    auto windows = NodeIdentity::from_pem(crlf);
    ASSERT_TRUE(windows) << windows.error().to_string();
    EXPECT_EQ(windows->identity(), kEd25519Identity);
    auto no_final_newline = NodeIdentity::from_pem(kEd25519Pem.substr(0, kEd25519Pem.size() - 1));
    ASSERT_TRUE(no_final_newline) << no_final_newline.error().to_string();
}

TEST(Identity, EachUnusableKeyIsRefusedWithItsCode) {
    for (const BadKey& bad : bad_keys()) {
        auto r = NodeIdentity::from_pem(bad.pem);
        ASSERT_FALSE(r) << bad.what << " was accepted";
        EXPECT_EQ(r.error().code, bad.code) << bad.what << ": " << r.error().to_string();
        EXPECT_EQ(r.error().fault, Fault::Decode) << bad.what;
        EXPECT_FALSE(r.error().detail.empty()) << bad.what;
    }
}

TEST(Identity, OtherAlgorithmsAreNamed) {
    auto rsa = NodeIdentity::from_pem(kRsaPkcs8Pem);
    ASSERT_FALSE(rsa);
    EXPECT_NE(rsa.error().detail.find("rsaEncryption"), std::string::npos) << rsa.error().detail;
    auto x25519 = NodeIdentity::from_pem(kX25519Pem);
    ASSERT_FALSE(x25519);
    EXPECT_NE(x25519.error().detail.find("X25519"), std::string::npos) << x25519.error().detail;
    auto traditional = NodeIdentity::from_pem(kEcTraditionalPem);
    ASSERT_FALSE(traditional);
    EXPECT_NE(traditional.error().detail.find("EC PRIVATE KEY"), std::string::npos) << traditional.error().detail;
}

TEST(Identity, GeneratedKeysAreFreshAndUsable) {
    auto a = NodeIdentity::generate(), b = NodeIdentity::generate();
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->identity(), b->identity());
    EXPECT_EQ(a->identity(), identity_of(a->public_key()));
    // key() signs, and the raw public key verifies: what the TLS layer will rely on.
    const std::string message = "finchain";
    std::array<uint8_t, 64> signature{};
    size_t sig_len = signature.size();
    EVP_MD_CTX* sign = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestSignInit(sign, nullptr, nullptr, nullptr, a->key()), 1);
    ASSERT_EQ(EVP_DigestSign(sign, signature.data(), &sig_len, reinterpret_cast<const uint8_t*>(message.data()),
                             message.size()),
              1);
    EVP_MD_CTX_free(sign);
    EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, a->public_key().data(), 32);
    ASSERT_NE(pub, nullptr);
    EVP_MD_CTX* verify = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(verify, nullptr, nullptr, nullptr, pub), 1);
    EXPECT_EQ(EVP_DigestVerify(verify, signature.data(), sig_len, reinterpret_cast<const uint8_t*>(message.data()),
                               message.size()),
              1);
    EVP_MD_CTX_free(verify);
    EVP_PKEY_free(pub);
}

TEST_F(IdentityFile, FirstStartCreatesAnOwnerOnlyPkcs8KeyThatReloadsToTheSameIdentity) {
    auto created = NodeIdentity::load_or_create(file);
    ASSERT_TRUE(created) << created.error().to_string();
    EXPECT_EQ(mode(), 0600u);
    const std::string pem = contents();
    EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;
    EXPECT_FALSE(std::filesystem::exists(dir / "nodekey.tmp"));

    auto again = NodeIdentity::load_or_create(file);
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(again->identity(), created->identity());
    EXPECT_EQ(again->public_key(), created->public_key());
    EXPECT_EQ(contents(), pem) << "a restart must not rewrite the key";
    auto loaded = NodeIdentity::load(file);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->identity(), created->identity());
    auto parsed = NodeIdentity::from_pem(pem);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->identity(), created->identity());
}

TEST_F(IdentityFile, AnExistingKeyIsLoadedAsIs) {
    write(kEd25519Pem);
    auto id = NodeIdentity::load_or_create(file);
    ASSERT_TRUE(id) << id.error().to_string();
    EXPECT_EQ(id->identity(), kEd25519Identity);
    EXPECT_EQ(contents(), kEd25519Pem);
}

TEST_F(IdentityFile, CreatedKeyIsMode0600WhateverTheUmask) {
    for (mode_t mask : {mode_t{0}, mode_t{0022}, mode_t{0277}}) {
        std::filesystem::remove(file);
        const mode_t old = ::umask(mask);
        auto id = NodeIdentity::load_or_create(file);
        ::umask(old);
        ASSERT_TRUE(id) << "umask " << mask << ": " << id.error().to_string();
        EXPECT_EQ(mode(), 0600u) << "umask " << mask;
    }
}

TEST_F(IdentityFile, ALeftoverTemporaryFileIsReplaced) {
    std::ofstream(dir / "nodekey.tmp") << "half a key from a crash";
    auto id = NodeIdentity::load_or_create(file);
    ASSERT_TRUE(id) << id.error().to_string();
    EXPECT_FALSE(std::filesystem::exists(dir / "nodekey.tmp"));
    EXPECT_EQ(mode(), 0600u);
}

TEST_F(IdentityFile, AMissingParentDirectoryIsAnError) {
    const auto missing = dir / "no-such-dir" / "nodekey";
    auto r = NodeIdentity::load_or_create(missing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nodekey-create");
    EXPECT_EQ(r.error().fault, Fault::Policy);
    EXPECT_NE(r.error().detail.find(missing.string()), std::string::npos) << r.error().detail;
    EXPECT_FALSE(std::filesystem::exists(dir / "no-such-dir"));
}

TEST_F(IdentityFile, LoadWithoutAFileIsAnError) {
    auto r = NodeIdentity::load(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nodekey-read");
    EXPECT_NE(r.error().detail.find(file.string()), std::string::npos) << r.error().detail;
}

TEST_F(IdentityFile, AnyGroupOrOtherPermissionBitIsRefused) {
    for (mode_t bad : {0640, 0604, 0644, 0660, 0606, 0620, 0602, 0610, 0601, 0666, 0700 | 0040}) {
        write(kEd25519Pem, bad);
        auto r = NodeIdentity::load_or_create(file);
        ASSERT_FALSE(r) << std::oct << bad;
        EXPECT_EQ(r.error().code, "nodekey-mode") << std::oct << bad;
        EXPECT_EQ(r.error().fault, Fault::Policy);
        EXPECT_EQ(contents(), kEd25519Pem) << "a refused key is never replaced";
    }
    write(kEd25519Pem, 0644);
    auto r = NodeIdentity::load(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().detail,
              file.string() + " has mode 0644: it must be readable by its owner only (chmod 600)");
}

TEST_F(IdentityFile, OwnerOnlyModesAreAccepted) {
    for (mode_t good : {0600, 0400, 0700}) {
        write(kEd25519Pem, good);
        auto id = NodeIdentity::load_or_create(file);
        ASSERT_TRUE(id) << std::oct << good << ": " << id.error().to_string();
        EXPECT_EQ(id->identity(), kEd25519Identity);
    }
}

TEST_F(IdentityFile, ABadModeIsReportedBeforeTheContent) {
    write("garbage", 0644);
    auto r = NodeIdentity::load(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nodekey-mode");
}

TEST_F(IdentityFile, EachUnusableKeyFileIsRefusedNamingTheFileAndNeverReplaced) {
    for (const BadKey& bad : bad_keys()) {
        write(bad.pem);
        auto r = NodeIdentity::load_or_create(file);
        ASSERT_FALSE(r) << bad.what << " was accepted";
        EXPECT_EQ(r.error().code, bad.code) << bad.what << ": " << r.error().to_string();
        EXPECT_NE(r.error().detail.find(file.string()), std::string::npos) << r.error().detail;
        EXPECT_EQ(contents(), bad.pem) << bad.what << ": a refused key is never replaced";
    }
}

TEST_F(IdentityFile, ADirectoryInTheKeysPlaceIsRefused) {
    std::filesystem::create_directory(file);
    auto r = NodeIdentity::load_or_create(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nodekey-read");
    EXPECT_NE(r.error().detail.find("not a regular file"), std::string::npos) << r.error().detail;
}

TEST_F(IdentityFile, ADanglingLinkIsRefusedNotReplaced) {
    std::filesystem::create_symlink(dir / "elsewhere", file);
    auto r = NodeIdentity::load_or_create(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nodekey-read");
    EXPECT_TRUE(std::filesystem::is_symlink(file));
    EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere"));
}

TEST_F(IdentityFile, ALinkToAnOwnerOnlyKeyIsFollowed) {
    const auto target = dir / "key.pem";
    std::ofstream(target) << kEd25519Pem;
    ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
    std::filesystem::create_symlink(target, file);
    auto id = NodeIdentity::load_or_create(file);
    ASSERT_TRUE(id) << id.error().to_string();
    EXPECT_EQ(id->identity(), kEd25519Identity);
}

// Root reads any file, so as root the check runs in a child that drops to "nobody" (the
// folder is opened to it first); the child's exit code carries the verdict.
TEST_F(IdentityFile, AnUnreadableFileIsRefused) {
    write(kEd25519Pem, 0200);
    auto check = [&]() -> int {
        auto r = NodeIdentity::load_or_create(file);
        if (r) return 1;
        if (r.error().code != "nodekey-read") return 2;
        return r.error().detail.find(file.string()) == std::string::npos ? 3 : 0;
    };
    if (::geteuid() != 0) {
        EXPECT_EQ(check(), 0);
        return;
    }
    constexpr uid_t kNobody = 65534;
    ASSERT_EQ(::chown(file.c_str(), kNobody, kNobody), 0);
    for (auto dir = file.parent_path(); dir != dir.root_path() && dir.string().size() > 4; dir = dir.parent_path())
        std::filesystem::permissions(dir, std::filesystem::perms::others_exec, std::filesystem::perm_options::add);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(4);
        ::_exit(check());
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: loaded, 2: another code, 3: file not named, 4: could not drop root";
}

}  // namespace
}  // namespace finch::net
