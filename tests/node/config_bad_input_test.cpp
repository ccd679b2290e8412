// The bad-input corpus for finchd's configuration, driven by its own help text: every option
// that takes a number refuses non-numbers, negatives, fractions, exponents, values past its
// range and past 64 bits; every on/off option refuses words other than 0/1; every option
// refuses a missing value where it needs one; the same values in finch.conf are refused with
// the file and line named. Nothing throws; each refusal is one clear message.
#include "node/config.h"

#include <gtest/gtest.h>

#include <sstream>

namespace finch::node {
namespace {

struct Option {
    std::string name;
    std::string argument;  // "" for a plain flag, "0|1", "N", "SECONDS", "DIR", ...
};

// "  --name ARG   description" lines of finchd --help.
std::vector<Option> options_from_help() {
    std::vector<Option> out;
    std::istringstream in(config_help());
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("  --", 0) != 0) continue;
        std::istringstream words(line.substr(4));
        Option o;
        words >> o.name;
        std::string next;
        if (words >> next && !next.empty() && (std::isupper(static_cast<unsigned char>(next[0])) || next == "0|1" ||
                                               next[0] == '[' || next == "main|test|regtest"))
            o.argument = next;
        out.push_back(o);
    }
    return out;
}

bool numeric(const Option& o) {
    return o.argument == "N" || o.argument == "SECONDS" || o.argument == "MB" || o.argument == "HOURS";
}

void expect_refused(const std::vector<std::string>& args, const std::string* conf = nullptr,
                    const std::string& must_mention = "") {
    SCOPED_TRACE(::testing::PrintToString(args) + (conf ? " conf: " + *conf : ""));
    Result<Config> r = Config{};
    ASSERT_NO_THROW(r = parse_config(args, conf, "finch.conf"));
    ASSERT_FALSE(r.ok());
    EXPECT_FALSE(r.error().detail.empty());
    EXPECT_EQ(r.error().detail.find('\n'), std::string::npos) << r.error().detail;
    if (!must_mention.empty()) {
        EXPECT_NE(r.error().detail.find(must_mention), std::string::npos) << r.error().detail;
    }
}

TEST(ConfigBadInput, HelpListsTheOptions) {
    const auto options = options_from_help();
    EXPECT_GT(options.size(), 30u);
    size_t numbers = 0;
    for (const auto& o : options) numbers += numeric(o);
    EXPECT_GT(numbers, 10u);
}

TEST(ConfigBadInput, NumbersRefuseEveryMalformedValue) {
    // (Spaces around a value are trimmed in finch.conf, as in bitcoin.conf; on the command
    // line they are part of the value and refused.)
    const std::vector<std::string> bad = {"abc", "-1", "1.5", "1e3", "0x10", "99999999999999999999", "+5", "5x",
                                          "", std::string(10'000, '9')};
    for (const auto& o : options_from_help()) {
        if (!numeric(o)) continue;
        for (const auto& v : bad) {
            expect_refused({"--" + o.name + "=" + v}, nullptr, o.name);
            const std::string conf = o.name + "=" + v + "\n";
            expect_refused({}, &conf, "finch.conf:1");
        }
        // Past the option's own range (every range is far below 2^63).
        expect_refused({"--" + o.name + "=9223372036854775807"}, nullptr, o.name);
        expect_refused({"--" + o.name + "= 5"}, nullptr, o.name);
        const std::string bare = o.name + "\n";
        expect_refused({}, &bare, "needs a value");
    }
}

TEST(ConfigBadInput, OnOffOptionsRefuseOtherWords) {
    for (const auto& o : options_from_help()) {
        if (o.argument != "0|1" && !o.argument.empty()) continue;
        if (o.name == "help" || o.name == "version" || o.name == "regtest" || o.name == "testnet") continue;
        for (const char* v : {"yes", "2", "-1", "true1", ""}) {
            if (std::string(v).empty() && o.argument.empty()) continue;  // --flag= with nothing: see below
            expect_refused({"--" + o.name + "=" + v}, nullptr, o.name);
        }
    }
}

TEST(ConfigBadInput, ValuesAreRequiredWhereTheyAreExpected) {
    for (const auto& o : options_from_help()) {
        if (o.argument.empty() || o.argument == "0|1") continue;
        expect_refused({"--" + o.name}, nullptr, o.name);  // the value is missing at the end
    }
}

TEST(ConfigBadInput, UnknownKeysAndGarbageLines) {
    expect_refused({"--nosuchoption=1"}, nullptr, "nosuchoption");
    expect_refused({"-"}, nullptr);
    expect_refused({"---port=1"}, nullptr);
    for (const std::string& conf : std::vector<std::string>{"nosuchkey=1\n", "port\n", "[nosuchnetwork]\nport=1\n", "=5\n", "[main\n",
                                   std::string("port=1\0\n", 8), "conf=/other\n", "help=1\n"})
        expect_refused({}, &conf, "finch.conf");
    // A huge file of garbage: one error, no crash.
    const std::string huge(1'000'000, 'x');
    expect_refused({}, &huge, "finch.conf:1");
}

}  // namespace
}  // namespace finch::node
