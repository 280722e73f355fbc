// TLS for client connections (tls-port), with OpenSSL (Debian's libssl-dev),
// as Redis 7.0 builds it with BUILD_TLS: the tls-* options make one server
// context; every connection accepted on tls-port gets an SSL object from
// it. A configuration change builds a new context, used by connections
// accepted from then on (open ones keep theirs).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "engine/config.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace cairn::frontend {

class TlsContext {
 public:
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // From tls-cert-file, tls-key-file(-pass), tls-ca-cert-file/-dir,
  // tls-dh-params-file, tls-protocols, tls-ciphers, tls-ciphersuites,
  // tls-prefer-server-ciphers, tls-session-caching/-cache-size/-timeout and
  // tls-auth-clients. The error is what Redis logs (e.g. "No tls-cert-file
  // configured!").
  static base::Result<std::shared_ptr<TlsContext>> Create(const engine::ConfigValues& v);

  // Whether TLS must be configured: tls-port, tls-replication or
  // tls-cluster asks for it (Redis configures it only then).
  static bool Wanted(const engine::ConfigValues& v);
  // The first tls-* option (tls-port included) that differs, or "".
  static std::string Changed(const engine::ConfigValues& a, const engine::ConfigValues& b);

  // A server-side SSL object for an accepted socket (nullptr on failure).
  SSL* NewSession(int fd) const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// The text of OpenSSL's most recent error on this thread, for logs.
std::string TlsErrorText();

}  // namespace cairn::frontend
