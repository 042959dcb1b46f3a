// The tls module: HTTPS server sockets with Poco NetSSL over OpenSSL. Built as tls.so and loaded
// only when the web config has a tls_server_config (see ../tls_socket.h), so that OpenSSL and
// Poco NetSSL/Crypto/Util are mapped only by daemons that serve TLS.

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "http/tls_socket.h"

namespace hawatch {
namespace {

int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

Poco::Net::Context::Protocols poco_protocol(TlsVersion v) {
  switch (v) {
    case TlsVersion::tls10: return Poco::Net::Context::PROTO_TLSV1;
    case TlsVersion::tls11: return Poco::Net::Context::PROTO_TLSV1_1;
    case TlsVersion::tls12: return Poco::Net::Context::PROTO_TLSV1_2;
    case TlsVersion::tls13: return Poco::Net::Context::PROTO_TLSV1_3;
  }
  return Poco::Net::Context::PROTO_TLSV1_2;
}

Poco::Net::Context::VerificationMode verification_mode(ClientAuth auth) {
  using Poco::Net::Context;
  switch (auth) {
    case ClientAuth::none: return Context::VERIFY_NONE;
    case ClientAuth::verify_if_given: return Context::VERIFY_RELAXED;
    case ClientAuth::require_and_verify: return Context::VERIFY_STRICT;
    case ClientAuth::request:
    case ClientAuth::require_any: return Context::VERIFY_RELAXED;  // overridden below
  }
  return Context::VERIFY_STRICT;
}

void limit_protocols(Poco::Net::Context& ctx, const TlsServerConfig& tls) {
  ctx.requireMinimumProtocol(poco_protocol(tls.min_version));
  if (!tls.max_version) return;
  int disable = 0;
  for (auto v : {TlsVersion::tls10, TlsVersion::tls11, TlsVersion::tls12, TlsVersion::tls13})
    if (v > *tls.max_version) disable |= poco_protocol(v);
  if (disable) ctx.disableProtocols(disable);
}

Poco::Net::Context::Ptr make_tls_context(const TlsServerConfig& tls) {
  static const bool ssl_initialised = [] {
    Poco::Net::initializeSSL();
    return true;
  }();
  (void)ssl_initialised;
  using Poco::Net::Context;
  Context::Params params;
  params.privateKeyFile = tls.key_file;
  params.certificateFile = tls.cert_file;
  params.caLocation = tls.client_ca_file;
  params.loadDefaultCAs = false;
  params.verificationDepth = 9;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  params.verificationMode = verification_mode(tls.client_auth);
  Context::Ptr ctx;
  try {
    ctx = new Context(Context::TLS_SERVER_USE, params);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("TLS setup failed: " + e.displayText());
  }
  // OpenSSL keeps a key that does not belong to the certificate without complaint, and then fails
  // every handshake; exporter-toolkit (Go's tls.LoadX509KeyPair) refuses the pair at start-up.
  if (SSL_CTX_check_private_key(ctx->sslContext()) != 1)
    throw std::runtime_error("TLS setup failed: the private key in " + tls.key_file +
                             " does not match the certificate in " + tls.cert_file);
  // Poco's "extended" verification matches the peer certificate against the peer's host name —
  // on a server, the client's IP address — which a client certificate never names. Chain
  // verification against client_ca_file (OpenSSL's) is all that exporter-toolkit does.
  ctx->enableExtendedCertificateVerification(false);
  limit_protocols(*ctx, tls);
  // Requesting without verifying is not a Poco mode; set it on the OpenSSL context directly.
  if (tls.client_auth == ClientAuth::request)
    SSL_CTX_set_verify(ctx->sslContext(), SSL_VERIFY_PEER, accept_any_certificate);
  if (tls.client_auth == ClientAuth::require_any)
    SSL_CTX_set_verify(ctx->sslContext(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       accept_any_certificate);
  return ctx;
}

Poco::Net::ServerSocket make_secure_server_socket(const TlsServerConfig& tls) {
  // A SecureServerSocket is a handle to its TLS implementation: the copy into a plain
  // ServerSocket keeps it, as Poco's own HTTPServer relies on.
  return Poco::Net::SecureServerSocket(make_tls_context(tls));
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_TLS_SOCKET_FACTORY(::hawatch::make_secure_server_socket);
