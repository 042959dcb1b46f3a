#include "http_connection.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <sys/socket.h>

#include <cerrno>

namespace hawatch {
namespace {

using Poco::Net::HTTPResponse;

// Tells whether Poco already read the next request's bytes off the socket (pipelining).
class Session final : public Poco::Net::HTTPServerSession {
 public:
  using HTTPServerSession::HTTPServerSession;
  using HTTPServerSession::buffered;
};

class HttpConnection final : public Poco::Net::TCPServerConnection {
 public:
  HttpConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                 Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                 std::shared_ptr<ConnectionRegistry> registry)
      : TCPServerConnection(socket),
        params_(std::move(params)),
        handlers_(std::move(handlers)),
        registry_(std::move(registry)) {}

  void run() override {
    registry_->add(&socket());
    try {
      serve();
    } catch (...) {
      registry_->remove(&socket());
      throw;  // TCPServerConnection::start() logs it, as for Poco's own connections
    }
    registry_->remove(&socket());
  }

 private:
  // Poco 1.11's HTTPServerConnection::run(), plus the peer_closed() check.
  void serve() {
    const std::string server = params_->getSoftwareVersion();
    Session session(socket(), params_);
    while (!registry_->stopped() && session.hasMoreRequests()) {
      if (session.buffered() == 0 && peer_closed(socket())) break;
      try {
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, params_);
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive() &&
                              session.canKeepAlive());
        if (!server.empty()) response.set("Server", server);
        try {
          std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
              handlers_->createRequestHandler(request));
          if (!handler) {
            send_error(session, HTTPResponse::HTTP_NOT_IMPLEMENTED);
            continue;
          }
          if (request.getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK)
            response.sendContinue();
          handler->handleRequest(request, response);
          session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() &&
                               session.canKeepAlive());
        } catch (const Poco::Exception&) {
          if (!response.sent()) {
            try {
              send_error(session, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
            } catch (...) {
            }
          }
          throw;
        }
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the peer closed (TLS) or sent nothing before the timeout
      } catch (const Poco::Net::MessageException&) {
        send_error(session, HTTPResponse::HTTP_BAD_REQUEST);
      } catch (const Poco::Exception&) {
        if (session.networkException()) session.networkException()->rethrow();
        throw;
      }
    }
  }

  void send_error(Poco::Net::HTTPServerSession& session, HTTPResponse::HTTPStatus status) {
    Poco::Net::HTTPServerResponseImpl response(session);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setStatusAndReason(status);
    response.setKeepAlive(false);
    response.send();
    session.setKeepAlive(false);
  }

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  std::shared_ptr<ConnectionRegistry> registry_;
};

}  // namespace

void ConnectionRegistry::add(Poco::Net::StreamSocket* socket) {
  std::lock_guard lock(mutex_);
  sockets_.insert(socket);
}

void ConnectionRegistry::remove(Poco::Net::StreamSocket* socket) {
  std::lock_guard lock(mutex_);
  sockets_.erase(socket);
}

void ConnectionRegistry::stop_all() {
  stopped_ = true;
  std::lock_guard lock(mutex_);
  for (auto* socket : sockets_) {
    try {
      socket->shutdown();
    } catch (const Poco::Exception&) {
      // Already closed by the peer: nothing to wake.
    }
  }
}

HttpConnectionFactory::HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                                             Poco::Net::HTTPRequestHandlerFactory::Ptr handlers,
                                             std::shared_ptr<ConnectionRegistry> registry)
    : params_(std::move(params)), handlers_(std::move(handlers)), registry_(std::move(registry)) {}

Poco::Net::TCPServerConnection* HttpConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  return new HttpConnection(socket, params_, handlers_, registry_);
}

bool peer_closed(const Poco::Net::StreamSocket& socket) {
  // Under TLS the raw stream holds records, not requests (a close_notify alert is data, and a
  // request may already sit decrypted in OpenSSL's buffer): leave those to Poco.
  if (socket.secure()) return false;
  char byte;
  ssize_t n;
  do {
    n = ::recv(socket.impl()->sockfd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n == 0;
}

}  // namespace hawatch
