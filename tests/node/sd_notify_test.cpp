// sd_notify: datagrams reach a listening socket by path and by abstract name; addresses that
// cannot work leave the notifier inactive with the reason; nothing listening is a send fault.
#include "node/sd_notify.h"
#include "tests/ledger/ledger_test_util.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

namespace finch::test {
namespace {

using node::NotifyFault;
using node::SystemdNotifier;

// A datagram socket bound to `address` ("@name" for abstract), as systemd listens.
class Listener {
public:
    explicit Listener(const std::string& address) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, address.data(), address.size());
        socklen_t len = offsetof(sockaddr_un, sun_path) + address.size();
        if (address[0] == '@') addr.sun_path[0] = '\0';
        else len += 1;
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
        timeval tv{2, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Listener() { ::close(m_fd); }
    bool bound() const { return m_bound; }
    std::string receive() {
        char buf[4096];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
    }

private:
    int m_fd = -1;
    bool m_bound = false;
};

TEST(SdNotify, SendsToAPathSocket) {
    TempDir dir;
    const std::string path = (dir.path() / "notify").string();
    Listener listener(path);
    ASSERT_TRUE(listener.bound());
    SystemdNotifier n(path);
    ASSERT_TRUE(n.active());
    EXPECT_EQ(n.fault(), NotifyFault::None);
    EXPECT_EQ(n.ready("height 5, 2 peers"), NotifyFault::None);
    EXPECT_EQ(listener.receive(), "READY=1\nSTATUS=height 5, 2 peers");
    EXPECT_EQ(n.status("height 6, 2 peers"), NotifyFault::None);
    EXPECT_EQ(listener.receive(), "STATUS=height 6, 2 peers");
    EXPECT_EQ(n.stopping("shutting down"), NotifyFault::None);
    EXPECT_EQ(listener.receive(), "STOPPING=1\nSTATUS=shutting down");
}

TEST(SdNotify, SendsToAnAbstractSocket) {
    const std::string name = "@finch-sd-notify-test-" + std::to_string(::getpid());
    Listener listener(name);
    ASSERT_TRUE(listener.bound());
    SystemdNotifier n(name);
    ASSERT_TRUE(n.active());
    EXPECT_EQ(n.send("READY=1"), NotifyFault::None);
    EXPECT_EQ(listener.receive(), "READY=1");
}

TEST(SdNotify, AnEmptyAddressIsNotConfigured) {
    SystemdNotifier n("");
    EXPECT_FALSE(n.active());
    EXPECT_EQ(n.fault(), NotifyFault::NotConfigured);
    EXPECT_EQ(n.send("READY=1"), NotifyFault::NotConfigured);
}

TEST(SdNotify, RejectsARelativePathAndABareAt) {
    for (const char* bad : {"notify.sock", "@", "/", "vsock:2:1234"}) {
        SystemdNotifier n(bad);
        EXPECT_FALSE(n.active()) << bad;
        EXPECT_EQ(n.fault(), NotifyFault::BadAddress) << bad;
    }
}

TEST(SdNotify, RejectsAnAddressTooLongForSunPath) {
    SystemdNotifier n("/" + std::string(200, 'a'));
    EXPECT_FALSE(n.active());
    EXPECT_EQ(n.fault(), NotifyFault::AddressTooLong);
}

TEST(SdNotify, NobodyListeningIsASendFaultNotACrash) {
    TempDir dir;
    SystemdNotifier n((dir.path() / "absent").string());
    ASSERT_TRUE(n.active());
    EXPECT_EQ(n.send("READY=1"), NotifyFault::SendFailed);
}

TEST(SdNotify, ReadsTheEnvironment) {
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_EQ(SystemdNotifier::from_environment().fault(), NotifyFault::NotConfigured);
    ::setenv("NOTIFY_SOCKET", "relative", 1);
    EXPECT_EQ(SystemdNotifier::from_environment().fault(), NotifyFault::BadAddress);
    ::setenv("NOTIFY_SOCKET", "@finch-env", 1);
    EXPECT_TRUE(SystemdNotifier::from_environment().active());
    ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace finch::test
