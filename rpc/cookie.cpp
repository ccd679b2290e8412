// Cookie generation, atomic 0600 writes, removal and reading.
#include "rpc/cookie.h"

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace finch::rpc {

namespace {

Rejection io_error(const char* code, const std::string& what, const std::filesystem::path& path) {
    return reject(code, what + " " + path.string() + ": " + std::strerror(errno), Fault::Policy);
}

bool write_all(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

Result<Credentials> generate_cookie() {
    unsigned char secret[32];
    if (RAND_bytes(secret, sizeof secret) != 1)
        return reject("cookie-random", "the random number generator failed", Fault::Policy);
    return Credentials{kCookieUser, to_hex({secret, sizeof secret})};
}

Status write_cookie(const std::filesystem::path& path, const Credentials& credentials) {
    const std::filesystem::path tmp = path.string() + ".tmp";
    ::unlink(tmp.c_str());  // a leftover from a crash
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("cookie-write", "cannot create", tmp);
    const bool written = write_all(fd, credentials.user + ":" + credentials.password) && ::fsync(fd) == 0;
    const int saved_errno = errno;
    ::close(fd);
    if (!written) {
        ::unlink(tmp.c_str());
        errno = saved_errno;
        return io_error("cookie-write", "cannot write", tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        Rejection r = io_error("cookie-write", "cannot rename to", path);
        ::unlink(tmp.c_str());
        return r;
    }
    return Status::accepted();
}

Status remove_cookie(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("cookie-remove", "cannot remove", path);
    return Status::accepted();
}

Result<Credentials> read_cookie(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return io_error("cookie-read", "cannot read", path);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos)
        return reject("cookie-read", "malformed cookie file " + path.string() + " (expected user:password)",
                      Fault::Decode);
    return Credentials{line.substr(0, colon), line.substr(colon + 1)};
}

std::filesystem::path cookie_path(const std::filesystem::path& datadir, const std::string& network_name) {
    return datadir / network_name / kCookieFileName;
}

}  // namespace finch::rpc
