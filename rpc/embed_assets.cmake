# Writes OUT, a C++ file holding each of FILES (comma-separated, in DIR) as a byte array and
# find_explorer_asset() over them. Run by the build (cmake -P); needs nothing but CMake.
string(REPLACE "," ";" FILES "${FILES}")
set(arrays "")
set(table "")
set(i 0)
foreach(f IN LISTS FILES)
  file(READ "${DIR}/${f}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND arrays "const unsigned char k${i}[] = {${bytes}0};\n")
  if(f MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(f MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(f MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(f MATCHES "\\.svg$")
    set(type "image/svg+xml")
  else()
    set(type "application/octet-stream")
  endif()
  set(name "${f}")
  if(f STREQUAL "index.html")
    set(name "")
  endif()
  string(APPEND table "    {\"${name}\", \"${type}\", std::string_view(reinterpret_cast<const char*>(k${i}), ${size})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from rpc/explorer/ by rpc/embed_assets.cmake: do not edit.
#include \"rpc/explorer_assets.h\"

#include <iterator>

namespace finch::rpc {

namespace {
${arrays}
const ExplorerAsset kAssets[] = {
${table}};
}  // namespace

const ExplorerAsset* find_explorer_asset(std::string_view request_path) {
    constexpr std::string_view kRoot = \"/explorer/\";
    if (request_path.substr(0, kRoot.size()) != kRoot) return nullptr;
    request_path.remove_prefix(kRoot.size());
    for (const ExplorerAsset& a : kAssets)
        if (a.path == request_path) return &a;
    return nullptr;
}

}  // namespace finch::rpc
")
# Only a changed file is rewritten, so an unchanged one does not trigger a rebuild.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
