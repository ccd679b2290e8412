// Parameter checking, dispatch and help text, all driven by the method table.
#include "rpc/methods.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace finch::rpc {

namespace {

RpcError type_error(const ParamSpec& p, std::string_view what) {
    return RpcError::params(code::kTypeError, std::string(p.name) + " must be " + std::string(what));
}

RpcError value_error(const ParamSpec& p, std::string_view what) {
    return RpcError::params(code::kInvalidParameter, std::string(p.name) + " must be " + std::string(what));
}

// What a parameter's value must be, for type errors.
std::string_view expectation(ParamType t) {
    switch (t) {
        case ParamType::Integer: return "a non-negative integer";
        case ParamType::Bool: return "true or false";
        case ParamType::IntegerOrBool: return "a non-negative integer or a boolean";
        case ParamType::String: return "a string";
        case ParamType::Hash: return "a string of 64 hex characters";
        case ParamType::Address: return "a string";
        case ParamType::Object: return "a JSON object";
    }
    return "valid";
}

// Bitcoin Core answers a wrong number of arguments with RPC_MISC_ERROR and the method's
// help; the message here says what was wrong, then the usage line.
RpcError usage_error(const MethodSpec& m, const std::string& what) {
    return RpcError::params(code::kMiscError, what + "\nUsage: " + usage_line(m));
}

std::string plural(size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// A client's string in a message, cut short: a 10 MB argument must not come back.
std::string shorten(const std::string& s) {
    constexpr size_t kShown = 80;
    return s.size() <= kShown ? s : s.substr(0, kShown) + "...";
}

std::string quote_input(const std::string& s) { return "'" + shorten(s) + "'"; }

std::string join(const std::vector<std::string_view>& items, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + std::string(items[i]);
    return out;
}

// Parsed JSON holds non-negative integers as unsigned; built JSON may hold them as signed.
std::optional<uint64_t> as_unsigned(const Json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
    return std::nullopt;
}

// A number written as an integer but too large for 64 bits parses as a double; it is a
// value out of range (-8), not a wrong type. Fractions are the wrong type (-3).
bool out_of_range_integer(const Json& v) {
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9223372036854775808.0;
}

// Negative: a bad value (-8); not a number: a wrong type (-3).
std::variant<Args::Value, RpcError> convert_integer(const ParamSpec& p, const Json& v) {
    const std::string_view what = expectation(p.type);
    if (auto n = as_unsigned(v)) return Args::Value(*n);
    if (v.is_number_integer()) return value_error(p, what);
    if (out_of_range_integer(v)) return RpcError::params(code::kInvalidParameter, std::string(p.name) + " is out of range");
    return type_error(p, expectation(p.type));
}

std::variant<Args::Value, RpcError> convert_string(const ParamSpec& p, const Json& v) {
    if (!v.is_string()) return type_error(p, expectation(p.type));
    const std::string& s = v.get_ref<const std::string&>();
    if (!p.choices.empty() && std::find(p.choices.begin(), p.choices.end(), s) == p.choices.end())
        return value_error(p, "one of: " + join(p.choices, ", "));
    return Args::Value(s);
}

// Bitcoin Core's messages (ParseHashV), with the echoed input cut short.
std::variant<Args::Value, RpcError> convert_hash(const ParamSpec& p, const Json& v) {
    if (!v.is_string()) return type_error(p, expectation(p.type));
    const std::string& s = v.get_ref<const std::string&>();
    const std::string name(p.name);
    if (s.size() != 64)
        return RpcError::params(code::kInvalidParameter, name + " must be of length 64 (not " + std::to_string(s.size()) +
                                                             ", for " + quote_input(s) + ")");
    auto h = Hash256::from_hex(s);
    if (!h) return RpcError::params(code::kInvalidParameter, name + " must be hexadecimal string (not " + quote_input(s) + ")");
    return Args::Value(*h);
}

std::variant<Args::Value, RpcError> convert_address(const ParamSpec& p, const Json& v, const ChainParams& chain) {
    if (!v.is_string()) return type_error(p, expectation(p.type));
    auto id = decode_address(v.get_ref<const std::string&>(), chain);
    if (!id) return RpcError::params(code::kInvalidAddressOrKey, "Invalid " + std::string(p.name) + ": " + id.error().to_string());
    return Args::Value(*id);
}

std::variant<Args::Value, RpcError> convert(const ParamSpec& p, const Json& v, const ChainParams& chain) {
    switch (p.type) {
        case ParamType::Integer: return convert_integer(p, v);
        case ParamType::Bool:
            if (!v.is_boolean()) return type_error(p, expectation(p.type));
            return Args::Value(v.get<bool>());
        case ParamType::IntegerOrBool:
            if (v.is_boolean()) return Args::Value(uint64_t{v.get<bool>() ? 1u : 0u});
            return convert_integer(p, v);
        case ParamType::String: return convert_string(p, v);
        case ParamType::Hash: return convert_hash(p, v);
        case ParamType::Address: return convert_address(p, v, chain);
        case ParamType::Object:
            if (!v.is_object()) return type_error(p, expectation(p.type));
            return Args::Value(v);
    }
    return type_error(p, expectation(p.type));
}

// Lines up positional or named params with the table's parameter order.
std::variant<std::vector<const Json*>, RpcError> slot_params(const MethodSpec& m, const Json& params) {
    std::vector<const Json*> slots(m.params.size(), nullptr);
    if (params.is_array()) {
        if (params.size() > m.params.size())
            return usage_error(m, std::string(m.name) + " takes at most " + plural(m.params.size(), "parameter") +
                                      ", got " + std::to_string(params.size()));
        for (size_t i = 0; i < params.size(); ++i) slots[i] = &params[i];
        return slots;
    }
    if (!params.is_object()) return slots;
    for (auto it = params.begin(); it != params.end(); ++it) {
        auto p = std::find_if(m.params.begin(), m.params.end(), [&](const ParamSpec& s) { return s.name == it.key(); });
        if (p == m.params.end())
            return RpcError::params(code::kInvalidParameter, "Unknown named parameter " + shorten(it.key()));
        slots[static_cast<size_t>(p - m.params.begin())] = &it.value();
    }
    return slots;
}

std::string quoted_if_string(const ParamSpec& p) {
    const bool stringy = p.type == ParamType::String || p.type == ParamType::Hash || p.type == ParamType::Address;
    return stringy ? "\"" + std::string(p.name) + "\"" : std::string(p.name);
}

std::string_view type_name(ParamType t) {
    switch (t) {
        case ParamType::Integer: return "integer";
        case ParamType::Bool: return "boolean";
        case ParamType::IntegerOrBool: return "integer or boolean";
        case ParamType::String: return "string";
        case ParamType::Hash: return "string, hex";
        case ParamType::Address: return "string, address";
        case ParamType::Object: return "object";
    }
    return "";
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find(' ', i);
        if (j == std::string_view::npos) j = text.size();
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string examples(const MethodSpec& m) {
    std::vector<std::string> words = split_words(m.example_args);
    Json params = Json::array();
    std::string cli = "> finch-cli " + std::string(m.name);
    for (const std::string& w : words) {
        cli += " " + w;
        params.push_back(parse_cli_argument(w));
    }
    const std::string body = dump_json(make_request(std::string(m.name), params, "curltest", true));
    return cli + "\n> curl --user myusername --data-binary '" + body +
           "' -H 'content-type: application/json' http://127.0.0.1:9332/\n";
}

}  // namespace

uint64_t Args::integer(size_t i, uint64_t fallback) const { return has(i) ? std::get<uint64_t>(m_values[i]) : fallback; }
bool Args::boolean(size_t i, bool fallback) const { return has(i) ? std::get<bool>(m_values[i]) : fallback; }

const std::string& Args::string(size_t i) const {
    static const std::string kEmpty;
    return has(i) ? std::get<std::string>(m_values[i]) : kEmpty;
}

const Hash256& Args::hash(size_t i) const { return std::get<Hash256>(m_values.at(i)); }
const AccountId& Args::account(size_t i) const { return std::get<AccountId>(m_values.at(i)); }

const Json& Args::object(size_t i) const {
    static const Json kNull;
    return has(i) ? std::get<Json>(m_values[i]) : kNull;
}

const MethodSpec* find_method(std::string_view name) {
    static const std::map<std::string_view, const MethodSpec*> kIndex = [] {
        std::map<std::string_view, const MethodSpec*> index;
        for (const MethodSpec& m : method_table()) index.emplace(m.name, &m);
        return index;
    }();
    auto it = kIndex.find(name);
    return it == kIndex.end() ? nullptr : it->second;
}

std::variant<Args, RpcError> check_params(const MethodSpec& m, const Json& params, const ChainParams& chain) {
    auto slots = slot_params(m, params);
    if (auto* err = std::get_if<RpcError>(&slots)) return std::move(*err);
    const auto& given = std::get<std::vector<const Json*>>(slots);
    std::vector<Args::Value> values(m.params.size());
    for (size_t i = 0; i < m.params.size(); ++i) {
        const ParamSpec& p = m.params[i];
        // Absent (a short array, a name not given): a wrong number of arguments (-1, with the
        // usage). An explicit null where a value is required: a wrong type (-3), as in Core.
        if (!given[i]) {
            if (p.required) return usage_error(m, "Missing required parameter " + std::string(p.name));
            continue;
        }
        if (given[i]->is_null()) {
            if (p.required) return type_error(p, std::string(expectation(p.type)) + ", not null");
            continue;
        }
        auto v = convert(p, *given[i], chain);
        if (auto* err = std::get_if<RpcError>(&v)) return std::move(*err);
        values[i] = std::move(std::get<Args::Value>(v));
    }
    return Args(std::move(values));
}

CallResult call_method(NodeInterface& node, const std::string& name, const Json& params) {
    const MethodSpec* m = find_method(name);
    if (!m) return RpcError{code::kMethodNotFound, "Method not found", false, nullptr};
    auto args = check_params(*m, params, node.params());
    if (auto* err = std::get_if<RpcError>(&args)) return std::move(*err);
    return m->handler(node, std::get<Args>(args));
}

MethodDispatcher make_dispatcher(NodeInterface& node) {
    return [&node](const std::string& name, const Json& params) { return call_method(node, name, params); };
}

std::string usage_line(const MethodSpec& m) {
    std::string line(m.name);
    for (const ParamSpec& p : m.params) line += p.required ? " " + quoted_if_string(p) : " ( " + quoted_if_string(p) + " )";
    return line;
}

std::string help_overview() {
    std::string out;
    std::string_view group;
    for (const MethodSpec& m : method_table()) {
        if (m.group != group) {
            out += (out.empty() ? "== " : "\n== ") + std::string(m.group) + " ==\n";
            group = m.group;
        }
        out += usage_line(m) + "\n";
    }
    return out;
}

std::string help_text(const MethodSpec& m) {
    std::string out = usage_line(m) + "\n\n" + std::string(m.description) + "\n";
    if (!m.params.empty()) out += "\nArguments:\n";
    for (size_t i = 0; i < m.params.size(); ++i) {
        const ParamSpec& p = m.params[i];
        std::string attrs = std::string(type_name(p.type)) + ", " +
                            (p.required ? "required" : p.default_value.empty() ? "optional" : "optional, default=" + std::string(p.default_value));
        out += std::to_string(i + 1) + ". " + std::string(p.name) + "    (" + attrs + ") " + std::string(p.description);
        if (!p.choices.empty()) out += " (" + join(p.choices, " | ") + ")";
        out += "\n";
    }
    out += "\nResult:\n" + std::string(m.result) + "\n\nExamples:\n" + examples(m);
    return out;
}

Json parse_cli_argument(const std::string& text) {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? Json(text) : j;
}

}  // namespace finch::rpc
