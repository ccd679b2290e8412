// The explorer's page, script and style sheet (rpc/explorer/), embedded in the binary at
// build time by rpc/embed_assets.cmake: nothing is read from disk or fetched at run time.
#pragma once

#include <string_view>

namespace finch::rpc {

struct ExplorerAsset {
    std::string_view path;          // under /explorer/, e.g. "app.js"; "" is the page itself
    std::string_view content_type;
    std::string_view body;
};

// The asset served at a request path ("/explorer/", "/explorer/app.js"); nullptr for others.
const ExplorerAsset* find_explorer_asset(std::string_view request_path);

}  // namespace finch::rpc
