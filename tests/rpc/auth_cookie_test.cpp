// Base64, the constant-time Basic auth check, and the cookie file (format, mode 0600,
// atomic replacement, removal, reading).
#include "rpc/auth.h"
#include "rpc/cookie.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace finch::rpc {
namespace {

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                           {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                           {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(plain), encoded);
        EXPECT_EQ(base64_decode(encoded), std::optional<std::string>(plain)) << encoded;
    }
    EXPECT_EQ(base64_decode(base64_encode(std::string("\x00\xff\x80:x", 5))), std::string("\x00\xff\x80:x", 5));
}

TEST(Base64, RejectsMalformedInput) {
    // (QR== and Zm9= have bits set past their last byte: non-canonical spellings.)
    for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=", "Zm=v", "Zm9v\n", "abc", "QR==", "Zm9="})
        EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(BasicAuth, AcceptsOnlyTheExactCredentials) {
    const Credentials good{"__cookie__", "pass:with:colons"};
    BasicAuthChecker checker(good);
    EXPECT_TRUE(checker.accepts(basic_authorization(good)));
    EXPECT_TRUE(checker.accepts("basic " + base64_encode("__cookie__:pass:with:colons")));
    EXPECT_TRUE(checker.accepts("BASIC  " + base64_encode("__cookie__:pass:with:colons") + " "));
    EXPECT_FALSE(checker.accepts(basic_authorization({"__cookie__", "pass:with:colon"})));
    EXPECT_FALSE(checker.accepts(basic_authorization({"__cookie_", "pass:with:colons"})));
    EXPECT_FALSE(checker.accepts(basic_authorization({"__cookie__", "pass:with:colonsX"})));
    EXPECT_FALSE(checker.accepts("Bearer " + base64_encode("__cookie__:pass:with:colons")));
    EXPECT_FALSE(checker.accepts(""));
    EXPECT_FALSE(checker.accepts("Basic"));
    EXPECT_FALSE(checker.accepts("Basic !!!!"));
}

class CookieTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/finch-cookie-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(CookieTest, GeneratedCookiesAreFreshHex) {
    auto a = generate_cookie(), b = generate_cookie();
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->user, "__cookie__");
    EXPECT_EQ(a->password.size(), 64u);
    EXPECT_EQ(a->password.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a->password, b->password);
}

TEST_F(CookieTest, WriteIsMode0600AndReadsBack) {
    const auto path = dir / ".cookie";
    auto c = generate_cookie().value();
    ASSERT_TRUE(write_cookie(path, c));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text, "__cookie__:" + c.password);
    auto back = read_cookie(path);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->user, c.user);
    EXPECT_EQ(back->password, c.password);
    EXPECT_FALSE(std::filesystem::exists(dir / ".cookie.tmp"));
}

TEST_F(CookieTest, WriteReplacesAnOldCookieAndALeftoverTemp) {
    const auto path = dir / ".cookie";
    std::ofstream(dir / ".cookie.tmp") << "junk";
    ASSERT_TRUE(write_cookie(path, {"__cookie__", "old"}));
    ASSERT_TRUE(write_cookie(path, {"__cookie__", "new"}));
    EXPECT_EQ(read_cookie(path)->password, "new");
}

TEST_F(CookieTest, RemoveIsIdempotent) {
    const auto path = dir / ".cookie";
    ASSERT_TRUE(write_cookie(path, {"__cookie__", "x"}));
    EXPECT_TRUE(remove_cookie(path));
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(remove_cookie(path));
}

TEST_F(CookieTest, Failures) {
    auto missing = read_cookie(dir / "nope");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, "cookie-read");
    std::ofstream(dir / "bad") << "no colon here";
    EXPECT_FALSE(read_cookie(dir / "bad"));
    Status s = write_cookie(dir / "no" / "such" / "dir" / ".cookie", {"u", "p"});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, "cookie-write");
}

TEST_F(CookieTest, ReadToleratesATrailingNewline) {
    std::ofstream(dir / "c") << "user:pw\n";
    auto c = read_cookie(dir / "c");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->password, "pw");
}

TEST(CookiePath, IsDatadirNetworkDotCookie) {
    EXPECT_EQ(cookie_path("/data", "regtest"), std::filesystem::path("/data/regtest/.cookie"));
}

}  // namespace
}  // namespace finch::rpc
