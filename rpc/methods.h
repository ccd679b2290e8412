// The one table of RPC methods. It drives dispatch, the mapping of named parameters, the
// checks of parameter types and counts, and `help`, so none of them can drift apart.
#pragma once

#include "rpc/node_interface.h"
#include "rpc/protocol.h"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace finch::rpc {

enum class ParamType {
    Integer,        // a non-negative integer
    Bool,           // true or false
    IntegerOrBool,  // getblock's verbosity: 0/1/2 or false/true
    String,         // any string, or one of `choices`
    Hash,           // 64 hex characters, display order
    Address,        // a bech32m address of this node's network
    Object,
};

struct ParamSpec {
    std::string_view name;
    ParamType type;
    bool required = true;
    std::string_view default_value;  // shown in help for optional parameters
    std::string_view description;
    std::vector<std::string_view> choices = {};  // the allowed strings, when restricted
};

// The checked parameters of one call, in the table's order. Getters assume the type that
// the table declares; an omitted optional parameter reads as the fallback.
class Args {
public:
    using Value = std::variant<std::monostate, uint64_t, bool, std::string, Hash256, AccountId, Json>;

    Args() = default;
    explicit Args(std::vector<Value> values) : m_values(std::move(values)) {}

    bool has(size_t i) const { return i < m_values.size() && m_values[i].index() != 0; }
    uint64_t integer(size_t i, uint64_t fallback = 0) const;
    bool boolean(size_t i, bool fallback) const;
    const std::string& string(size_t i) const;  // "" when omitted
    const Hash256& hash(size_t i) const;
    const AccountId& account(size_t i) const;
    const Json& object(size_t i) const;  // null when omitted

private:
    std::vector<Value> m_values;
};

using MethodHandler = CallResult (*)(NodeInterface& node, const Args& args);

struct MethodSpec {
    std::string_view name;
    std::string_view group;  // "Blockchain", "Mempool", "Mining", "Network", "Control"
    std::vector<ParamSpec> params;
    std::string_view description;
    std::string_view result;        // what the result looks like, for help
    std::string_view example_args;  // finch-cli arguments for the help example, space-separated
    MethodHandler handler;
};

const std::vector<MethodSpec>& method_table();
const MethodSpec* find_method(std::string_view name);

// Checks `params` (array, object or null) against the method's table entry.
std::variant<Args, RpcError> check_params(const MethodSpec& method, const Json& params, const ChainParams& chain);

// Looks the method up, checks its parameters and runs it.
CallResult call_method(NodeInterface& node, const std::string& name, const Json& params);
MethodDispatcher make_dispatcher(NodeInterface& node);

// "help": every method's one-line usage, grouped; "help METHOD": the full usage text.
std::string help_overview();
std::string help_text(const MethodSpec& method);
// "getblock "blockhash" ( verbosity )"
std::string usage_line(const MethodSpec& method);

// finch-cli's rule for an argument: JSON when it parses as JSON, a string otherwise.
Json parse_cli_argument(const std::string& text);

}  // namespace finch::rpc
