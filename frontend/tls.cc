#include "frontend/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cstring>
#include <sstream>

#include "base/logging.h"
#include "base/string_util.h"

namespace cairn::frontend {

namespace {

constexpr const char* kTlsOptions[] = {
    "tls-cert-file",         "tls-key-file",           "tls-key-file-pass",
    "tls-ca-cert-file",      "tls-ca-cert-dir",        "tls-dh-params-file",
    "tls-protocols",         "tls-ciphers",            "tls-ciphersuites",
    "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
    "tls-session-cache-timeout", "tls-auth-clients",    "tls-replication",
    "tls-cluster",
};

// tls-protocols: OpenSSL's "no" options for the versions not named (Redis
// allows TLSv1.2 and TLSv1.3 when none is).
base::Result<long> ProtocolOptions(const std::string& spec) {
  bool v10 = false, v11 = false, v12 = false, v13 = false;
  if (spec.empty()) {
    v12 = v13 = true;
  } else {
    std::istringstream words(spec);
    for (std::string word; words >> word;) {
      const std::string p = base::ToLower(word);
      if (p == "tlsv1") {
        v10 = true;
      } else if (p == "tlsv1.1") {
        v11 = true;
      } else if (p == "tlsv1.2") {
        v12 = true;
      } else if (p == "tlsv1.3") {
        v13 = true;
      } else {
        return base::Status::InvalidArgument(
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' "
            "and 'TLSv1.3'.");
      }
    }
  }
  long no = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3;
  if (!v10) no |= SSL_OP_NO_TLSv1;
  if (!v11) no |= SSL_OP_NO_TLSv1_1;
  if (!v12) no |= SSL_OP_NO_TLSv1_2;
  if (!v13) no |= SSL_OP_NO_TLSv1_3;
  return no;
}

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || pass->empty() || static_cast<int>(pass->size()) >= size) return 0;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

}  // namespace

std::string TlsErrorText() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "(no OpenSSL error)";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

bool TlsContext::Wanted(const engine::ConfigValues& v) {
  return v.tls_port != 0 || v.Other("tls-replication") == "yes" || v.Other("tls-cluster") == "yes";
}

std::string TlsContext::Changed(const engine::ConfigValues& a, const engine::ConfigValues& b) {
  if (a.tls_port != b.tls_port) return "tls-port";
  for (const char* name : kTlsOptions) {
    if (a.Other(name) != b.Other(name)) return name;
  }
  return "";
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

base::Result<std::shared_ptr<TlsContext>> TlsContext::Create(const engine::ConfigValues& v) {
  const std::string cert = v.Other("tls-cert-file"), key = v.Other("tls-key-file");
  const std::string ca_file = v.Other("tls-ca-cert-file"), ca_dir = v.Other("tls-ca-cert-dir");
  const std::string auth = v.Other("tls-auth-clients");
  if (cert.empty()) return base::Status::InvalidArgument("No tls-cert-file configured!");
  if (key.empty()) return base::Status::InvalidArgument("No tls-key-file configured!");
  if ((auth != "no" || v.Other("tls-replication") == "yes" || v.Other("tls-cluster") == "yes") &&
      ca_file.empty() && ca_dir.empty()) {
    return base::Status::InvalidArgument(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!");
  }
  auto no = ProtocolOptions(v.Other("tls-protocols"));
  if (!no.ok()) return no.status();

  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return base::Status::IoError("Failed to create SSL context: " + TlsErrorText());
  std::shared_ptr<TlsContext> ctx(new TlsContext(raw));
  auto fail = [](const std::string& what) {
    return base::Status::InvalidArgument(what + ": " + TlsErrorText());
  };
  SSL_CTX_set_options(raw, no.value() | SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE |
                               SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (v.Other("tls-prefer-server-ciphers") == "yes") {
    SSL_CTX_set_options(raw, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
  // Replies are written from a buffer that grows and moves between tries.
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One recv per readiness takes whole records (without it OpenSSL reads a
  // record's header and body separately); Connection drains what it
  // buffered (SSL_has_pending).
  SSL_CTX_set_read_ahead(raw, 1);
  if (v.Other("tls-session-caching") == "yes") {
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(raw, std::stol(v.Other("tls-session-cache-size")));
    SSL_CTX_set_timeout(raw, std::stol(v.Other("tls-session-cache-timeout")));
    SSL_CTX_set_session_id_context(raw, reinterpret_cast<const unsigned char*>("cairn"), 5);
  } else {
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
  }
  // The key's password is needed only while the key loads.
  const std::string pass = v.Other("tls-key-file-pass");
  SSL_CTX_set_default_passwd_cb(raw, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(raw, const_cast<std::string*>(&pass));
  const bool cert_ok = SSL_CTX_use_certificate_chain_file(raw, cert.c_str()) > 0;
  if (!cert_ok) return fail("Failed to load certificate: " + cert);
  const bool key_ok = SSL_CTX_use_PrivateKey_file(raw, key.c_str(), SSL_FILETYPE_PEM) > 0;
  SSL_CTX_set_default_passwd_cb_userdata(raw, nullptr);
  if (!key_ok) return fail("Failed to load private key: " + key);
  if ((!ca_file.empty() || !ca_dir.empty()) &&
      SSL_CTX_load_verify_locations(raw, ca_file.empty() ? nullptr : ca_file.c_str(),
                                    ca_dir.empty() ? nullptr : ca_dir.c_str()) <= 0) {
    return fail("Failed to configure CA certificate(s) file/directory");
  }
  if (const std::string c = v.Other("tls-ciphers"); !c.empty() &&
                                                    !SSL_CTX_set_cipher_list(raw, c.c_str())) {
    return fail("Failed to configure ciphers");
  }
  if (const std::string c = v.Other("tls-ciphersuites");
      !c.empty() && !SSL_CTX_set_ciphersuites(raw, c.c_str())) {
    return fail("Failed to configure ciphersuites");
  }
  if (const std::string dh = v.Other("tls-dh-params-file"); !dh.empty()) {
    BIO* bio = BIO_new_file(dh.c_str(), "r");
    if (bio == nullptr) return fail("Failed to load " + dh);
    EVP_PKEY* params = PEM_read_bio_Parameters(bio, nullptr);
    BIO_free(bio);
    if (params == nullptr) return fail("Failed to load DH params file: " + dh);
    if (SSL_CTX_set0_tmp_dh_pkey(raw, params) <= 0) {
      EVP_PKEY_free(params);
      return fail("Failed to load DH params file: " + dh);
    }
  } else {
    SSL_CTX_set_dh_auto(raw, 1);
  }
  // tls-auth-clients: yes requires a certificate the CA signed, optional
  // checks one if given, no asks for none.
  SSL_CTX_set_verify(raw,
                     auth == "yes"        ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                     : auth == "optional" ? SSL_VERIFY_PEER
                                          : SSL_VERIFY_NONE,
                     nullptr);
  return ctx;
}

SSL* TlsContext::NewSession(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return nullptr;
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

}  // namespace cairn::frontend
