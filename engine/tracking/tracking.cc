#include "engine/tracking/tracking.h"

#include <algorithm>

#include "engine/client_state.h"

namespace cairn::engine {

namespace {

void AppendBulk(std::string* out, std::string_view s) {
  *out += '$';
  *out += std::to_string(s.size());
  *out += "\r\n";
  out->append(s);
  *out += "\r\n";
}

bool Overlap(std::string_view a, std::string_view b) {
  return a.starts_with(b) || b.starts_with(a);
}

}  // namespace

std::string KeyTracking::Enable(ClientState& c, const Options& o) {
  ClientTracking& t = c.tracking;
  if (!o.bcast && !o.prefixes.empty()) return "PREFIX option requires BCAST mode to be enabled";
  if (t.on && t.bcast != o.bcast) {
    return "You can't switch BCAST mode on/off before disabling tracking for this client, and "
           "then re-enabling it with a different mode.";
  }
  if (o.bcast && (o.optin || o.optout)) return "OPTIN and OPTOUT are not compatible with BCAST";
  if (o.optin && o.optout) return "You can't specify both OPTIN mode and OPTOUT mode";
  if ((o.optin && t.optout) || (o.optout && t.optin)) {
    return "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
           "then re-enabling it with a different mode.";
  }
  if (o.bcast) {
    for (size_t i = 0; i < o.prefixes.size(); i++) {
      for (const std::string& have : t.prefixes) {
        if (Overlap(have, o.prefixes[i])) {
          return "Prefix '" + o.prefixes[i] + "' overlaps with an existing prefix '" + have +
                 "'. Prefixes for a single client must not overlap.";
        }
      }
      for (size_t j = i + 1; j < o.prefixes.size(); j++) {
        if (Overlap(o.prefixes[i], o.prefixes[j])) {
          return "Prefix '" + o.prefixes[i] + "' overlaps with another provided prefix '" +
                 o.prefixes[j] + "'. Prefixes for a single client must not overlap.";
        }
      }
    }
  }

  if (!t.on) tracking_clients_++;
  t.on = true;
  t.broken_redirect = false;
  t.redirect = o.redirect;
  t.bcast = o.bcast;
  t.optin = o.optin;
  t.optout = o.optout;
  t.noloop = o.noloop;
  if (o.bcast) {
    // Without PREFIX a BCAST client hears of every key: the empty prefix.
    // Either way, prefixes add to what it had (as Redis does).
    std::vector<std::string> add = o.prefixes;
    if (add.empty()) add.emplace_back();
    for (std::string& p : add) {
      if (!t.prefixes.insert(p).second) continue;
      prefixes_[std::move(p)].clients.push_back(&c);
    }
  }
  return "";
}

void KeyTracking::Disable(ClientState& c) {
  ClientTracking& t = c.tracking;
  for (const std::string& p : t.prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    std::erase(it->second.clients, &c);
    if (it->second.clients.empty()) prefixes_.erase(it);
  }
  t.prefixes.clear();
  if (t.on) tracking_clients_--;
  t.on = t.bcast = t.optin = t.optout = t.noloop = t.caching = t.broken_redirect = false;
}

bool KeyTracking::WantsKeys(const ClientState& c) {
  const ClientTracking& t = c.tracking;
  if (!t.on || t.bcast) return false;
  return !((t.optin && !t.caching) || (t.optout && t.caching));
}

void KeyTracking::Remember(const ClientState& c, std::string_view key, int64_t max_keys) {
  auto it = table_.find(key);
  if (it == table_.end()) it = table_.emplace(std::string(key), std::vector<uint64_t>{}).first;
  std::vector<uint64_t>& ids = it->second;
  // Usually few readers per key: a scan beats a set's memory.
  if (std::find(ids.begin(), ids.end(), c.id) == ids.end()) {
    ids.push_back(c.id);
    items_++;
  }
  if (max_keys > 0 && table_.size() > static_cast<size_t>(max_keys)) flush_wanted_ = true;
}

ClientState* KeyTracking::Find(uint64_t id) const {
  auto it = clients_->find(id);
  return it == clients_->end() ? nullptr : it->second;
}

void KeyTracking::Invalidate(std::string_view key) {
  for (auto& [prefix, st] : prefixes_) {
    if (!key.starts_with(prefix)) continue;
    auto [it, added] = st.keys.try_emplace(std::string(key), current_);
    if (!added && it->second != current_) it->second = nullptr;
    flush_wanted_ = true;
  }
  InvalidateTracked(key);
}

void KeyTracking::InvalidateTracked(std::string_view key) {
  auto it = table_.find(key);
  if (it == table_.end()) return;
  std::string payload = "*1\r\n";
  AppendBulk(&payload, key);
  for (uint64_t id : it->second) {
    ClientState* t = Find(id);
    // Gone, stopped tracking, or switched to BCAST since it read the key.
    if (t == nullptr || !t->tracking.on || t->tracking.bcast) continue;
    if (t->tracking.noloop && t == current_) continue;
    Send(*t, payload);
  }
  items_ -= it->second.size();
  table_.erase(it);
}

void KeyTracking::InvalidateAll() {
  if (tracking_clients_ > 0) {
    for (const auto& [id, c] : *clients_) {
      if (c->tracking.on) Send(*c, "");
    }
  }
  table_.clear();
  items_ = 0;
}

void KeyTracking::Send(ClientState& c, std::string_view payload) {
  ClientState* to = &c;
  const bool redirected = c.tracking.redirect != 0;
  if (redirected) to = Find(c.tracking.redirect);
  // Whatever goes to the client whose command runs (the broken-redirect
  // notice included) waits for End.
  if (current_ != nullptr && (to == current_ || (to == nullptr && &c == current_))) {
    pending_.push_back({&c, std::string(payload)});
    return;
  }
  if (redirected) {
    if (to == nullptr) {
      // The client it redirects to has gone: a RESP3 client hears so (each
      // time), a RESP2 one cannot.
      c.tracking.broken_redirect = true;
      if (c.resp > 2) {
        Deliver(c, ">2\r\n$21\r\ntracking-redir-broken\r\n:" +
                       std::to_string(c.tracking.redirect) + "\r\n");
      }
      return;
    }
  }
  std::string bytes;
  if (to->resp > 2) {
    bytes = ">2\r\n$10\r\ninvalidate\r\n";
  } else if (redirected && to->subs.any()) {
    // RESP2 has no push type: a subscribed client gets a pub/sub message.
    bytes = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  } else {
    return;
  }
  // (The null is the tracking client's, even on a RESP2 link it redirects
  // to: Redis 7.0's shared.null[c->resp].)
  bytes += payload.empty() ? std::string_view(c.resp > 2 ? "_\r\n" : "$-1\r\n") : payload;
  Deliver(*to, std::move(bytes));
}

void KeyTracking::Deliver(ClientState& to, std::string bytes) {
  if (to.conn != nullptr) to.conn->Push(std::move(bytes));
}

KeyTracking::Scope KeyTracking::Begin(ClientState* c) {
  Scope outer{current_, std::move(pending_)};
  pending_.clear();
  current_ = c;
  return outer;
}

void KeyTracking::End(Scope outer) {
  // Never inside a reply being written: the current client's messages
  // follow its reply (Redis 7.0 holds them as tracking_pending_keys).
  std::vector<Pending> now = std::move(pending_);
  pending_ = std::move(outer.pending);
  current_ = outer.client;
  for (const Pending& p : now) Send(*p.tracker, p.payload);
}

void KeyTracking::Flush(int64_t max_keys) {
  flush_wanted_ = false;
  for (auto& [prefix, st] : prefixes_) {
    if (st.keys.empty()) continue;
    for (ClientState* c : st.clients) {
      std::string keys;
      size_t n = 0;
      for (const auto& [key, by] : st.keys) {
        if (c->tracking.noloop && by == c) continue;  // its own writes
        AppendBulk(&keys, key);
        n++;
      }
      if (n > 0) Send(*c, "*" + std::to_string(n) + "\r\n" + keys);
    }
    st.keys.clear();
  }
  // tracking-table-max-keys: forget keys (their readers are told, as for a
  // change) until the table fits.
  if (max_keys <= 0) return;
  while (table_.size() > static_cast<size_t>(max_keys)) {
    const std::string key = table_.begin()->first;
    InvalidateTracked(key);
  }
}

}  // namespace cairn::engine
