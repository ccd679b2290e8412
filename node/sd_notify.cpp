// sd_notify without libsystemd; see sd_notify.h.
#include "node/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace finch::node {

std::string_view notify_fault_name(NotifyFault f) {
    switch (f) {
        case NotifyFault::None: return "none";
        case NotifyFault::NotConfigured: return "NOTIFY_SOCKET is not set";
        case NotifyFault::BadAddress: return "NOTIFY_SOCKET is neither an absolute path nor @name";
        case NotifyFault::AddressTooLong: return "NOTIFY_SOCKET is too long for a unix socket address";
        case NotifyFault::SocketFailed: return "cannot create a unix datagram socket";
        case NotifyFault::SendFailed: return "cannot send to NOTIFY_SOCKET";
    }
    return "unknown";
}

SystemdNotifier SystemdNotifier::from_environment() {
    const char* value = std::getenv("NOTIFY_SOCKET");
    SystemdNotifier n;
    if (value && *value) n.open(value);
    return n;
}

SystemdNotifier::SystemdNotifier(std::string_view address) {
    if (!address.empty()) open(address);
}

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : m_fd(other.m_fd), m_fault(other.m_fault), m_address(std::move(other.m_address)),
      m_sockaddr(std::move(other.m_sockaddr)) {
    other.m_fd = -1;
    other.m_fault = NotifyFault::NotConfigured;
}

SystemdNotifier::~SystemdNotifier() {
    if (m_fd >= 0) ::close(m_fd);
}

void SystemdNotifier::open(std::string_view address) {
    m_address = std::string(address);
    if (address.size() < 2 || (address[0] != '/' && address[0] != '@')) {
        m_fault = NotifyFault::BadAddress;
        return;
    }
    if (address.size() >= sizeof(sockaddr_un::sun_path)) {
        m_fault = NotifyFault::AddressTooLong;
        return;
    }
    m_sockaddr = m_address;
    if (m_sockaddr[0] == '@') m_sockaddr[0] = '\0';  // Linux abstract namespace
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    m_fault = m_fd >= 0 ? NotifyFault::None : NotifyFault::SocketFailed;
}

NotifyFault SystemdNotifier::send(std::string_view state) const {
    if (m_fd < 0) return m_fault;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, m_sockaddr.data(), m_sockaddr.size());
    // An abstract name's length is exactly its bytes; a path may include its terminator.
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_sockaddr.size() +
                                            (m_sockaddr[0] == '\0' ? 0 : 1));
    const ssize_t sent = ::sendto(m_fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                  reinterpret_cast<const sockaddr*>(&addr), len);
    return sent == static_cast<ssize_t>(state.size()) ? NotifyFault::None : NotifyFault::SendFailed;
}

NotifyFault SystemdNotifier::ready(std::string_view status) const {
    return send("READY=1\nSTATUS=" + std::string(status));
}

NotifyFault SystemdNotifier::status(std::string_view status) const { return send("STATUS=" + std::string(status)); }

NotifyFault SystemdNotifier::stopping(std::string_view status) const {
    return send("STOPPING=1\nSTATUS=" + std::string(status));
}

}  // namespace finch::node
