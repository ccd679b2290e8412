// systemd's readiness protocol without libsystemd: datagrams such as "READY=1" or
// "STATUS=..." written to the unix socket named by $NOTIFY_SOCKET (a path, or "@name" for
// an abstract socket), as sd_notify(3) does. Inactive, at no cost, when the variable is unset.
#pragma once

#include <string>
#include <string_view>

namespace finch::node {

// Why a notification socket cannot be used, or a message was not delivered.
enum class NotifyFault {
    None,
    NotConfigured,    // $NOTIFY_SOCKET unset or empty: not running under systemd's Type=notify
    BadAddress,       // neither an absolute path nor "@name" (vsock and relative paths are not supported)
    AddressTooLong,   // longer than a unix socket address holds (107 bytes)
    SocketFailed,     // socket(2) failed
    SendFailed,       // sendto(2) failed (no listener, or its queue is full)
};

std::string_view notify_fault_name(NotifyFault f);

class SystemdNotifier {
public:
    // Reads $NOTIFY_SOCKET. A bad address leaves the notifier inactive with fault() set.
    static SystemdNotifier from_environment();
    // For tests: the address as $NOTIFY_SOCKET would give it.
    explicit SystemdNotifier(std::string_view address);
    SystemdNotifier(SystemdNotifier&& other) noexcept;
    SystemdNotifier& operator=(SystemdNotifier&&) = delete;
    SystemdNotifier(const SystemdNotifier&) = delete;
    SystemdNotifier& operator=(const SystemdNotifier&) = delete;
    ~SystemdNotifier();

    bool active() const { return m_fd >= 0; }
    // Why the notifier is inactive (None when active).
    NotifyFault fault() const { return m_fault; }
    const std::string& address() const { return m_address; }

    // Sends one datagram of newline-separated KEY=VALUE assignments. Never blocks.
    NotifyFault send(std::string_view state) const;
    NotifyFault ready(std::string_view status) const;      // READY=1 and STATUS=
    NotifyFault status(std::string_view status) const;     // STATUS=
    NotifyFault stopping(std::string_view status) const;   // STOPPING=1 and STATUS=

private:
    SystemdNotifier() = default;
    void open(std::string_view address);

    int m_fd = -1;
    NotifyFault m_fault = NotifyFault::NotConfigured;
    std::string m_address;   // as given
    std::string m_sockaddr;  // sun_path bytes (a leading NUL for an abstract name)
};

}  // namespace finch::node
