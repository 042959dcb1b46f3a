#include "local_addresses.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>

namespace hawatch {
namespace {

struct MnlClose {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("rtnetlink: " + what + ": " + std::strerror(errno));
}

struct AddressAttributes {
  const nlattr* local = nullptr;    // IFA_LOCAL: the local end of a point-to-point address
  const nlattr* address = nullptr;  // IFA_ADDRESS: the address (or the peer's, point-to-point)
  const nlattr* label = nullptr;
  std::uint32_t flags = 0;
  bool has_flags = false;
};

int on_attribute(const nlattr* attr, void* data) {
  auto& a = *static_cast<AddressAttributes*>(data);
  switch (mnl_attr_get_type(attr)) {
    case IFA_LOCAL:
      a.local = attr;
      break;
    case IFA_ADDRESS:
      a.address = attr;
      break;
    case IFA_LABEL:
      if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) a.label = attr;
      break;
    case IFA_FLAGS:  // the full 32-bit flags; ifa_flags holds only the low 8
      if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
        a.flags = mnl_attr_get_u32(attr);
        a.has_flags = true;
      }
      break;
    default:
      break;
  }
  return MNL_CB_OK;
}

int on_address(const nlmsghdr* nlh, void* data) {
  auto& out = *static_cast<std::vector<LocalAddress>*>(data);
  if (nlh->nlmsg_type != RTM_NEWADDR) return MNL_CB_OK;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  AddressAttributes attrs;
  if (mnl_attr_parse(nlh, sizeof(*ifa), on_attribute, &attrs) < 0) return MNL_CB_OK;
  const nlattr* value = attrs.local ? attrs.local : attrs.address;
  const std::size_t size = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
  if (value == nullptr || size == 0 || mnl_attr_get_payload_len(value) != size) return MNL_CB_OK;
  LocalAddress a;
  a.family = ifa->ifa_family;
  std::memcpy(a.bytes.data(), mnl_attr_get_payload(value), size);
  const std::uint32_t flags = attrs.has_flags ? attrs.flags : ifa->ifa_flags;
  a.usable = (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0;
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(ifa->ifa_index, name) != nullptr) {
    a.interface = name;
  } else if (attrs.label != nullptr) {  // the interface went away during the dump
    a.interface = mnl_attr_get_str(attrs.label);
  }
  out.push_back(std::move(a));
  return MNL_CB_OK;
}

}  // namespace

std::vector<LocalAddress> read_local_addresses(std::chrono::milliseconds timeout) {
  std::unique_ptr<mnl_socket, MnlClose> nl(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
  if (!nl) fail("socket");
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) fail("bind");
  const auto ms = std::max<long long>(timeout.count(), 1);
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  if (setsockopt(mnl_socket_get_fd(nl.get()), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    fail("setting a receive timeout");

  // Large enough for one dump message batch; the kernel splits a dump across recv() calls.
  std::vector<char> buffer(32768);
  nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
  request->nlmsg_type = RTM_GETADDR;
  request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  const auto seq = static_cast<unsigned>(std::time(nullptr));
  request->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(request, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  if (mnl_socket_sendto(nl.get(), request, request->nlmsg_len) < 0) fail("sending RTM_GETADDR");

  std::vector<LocalAddress> out;
  const unsigned portid = mnl_socket_get_portid(nl.get());
  for (;;) {
    const auto n = mnl_socket_recvfrom(nl.get(), buffer.data(), buffer.size());
    if (n < 0) fail(errno == EAGAIN || errno == EWOULDBLOCK ? "no answer in time" : "receiving");
    const int r =
        mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), seq, portid, on_address, &out);
    if (r < 0) fail("reading the address dump");
    if (r == MNL_CB_STOP) break;
  }
  return out;
}

}  // namespace hawatch
