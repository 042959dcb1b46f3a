#pragma once
// One HTTP connection: Poco's HTTPServerConnection loop, with one difference. When a client
// closes a kept-alive connection, Poco's loop reads the end of the stream as a request, throws
// NoMessageException and catches it: one C++ exception per closed connection. In a daemon that
// otherwise throws nothing in steady state, that keeps the unwinder and the unwind tables of
// libstdc++, libgcc_s and Poco resident (~0.3 MiB of a ~5 MiB RSS) and costs a few microseconds
// per connection. This loop notices the end of a plain-TCP stream first and ends quietly.

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

namespace hawatch {

// The connections being served, so that stopping the server can end the idle ones at once
// instead of after their keep-alive wait (Poco's HTTPServer::stopAll(true) does the same).
class ConnectionRegistry {
 public:
  void add(Poco::Net::StreamSocket* socket);
  void remove(Poco::Net::StreamSocket* socket);
  // Marks the server stopped and shuts every registered socket down.
  void stop_all();
  bool stopped() const { return stopped_.load(); }

 private:
  std::mutex mutex_;
  std::set<Poco::Net::StreamSocket*> sockets_;
  std::atomic<bool> stopped_{false};
};

class HttpConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                        Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                        std::shared_ptr<ConnectionRegistry> registry);
  // Poco's interface returns an owning raw pointer; TCPServerDispatcher deletes it.
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  std::shared_ptr<ConnectionRegistry> registry_;
};

// True when the peer has closed a plain-TCP connection and nothing is left to read.
bool peer_closed(const Poco::Net::StreamSocket& socket);

}  // namespace hawatch
