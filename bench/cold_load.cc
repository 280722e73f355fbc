// cold_load: the client side of bench/cold.sh, the same for any server that
// speaks RESP.
//
//   cold_load fill   HOST PORT KEYS VALUE_BYTES
//       SETs key:0 .. key:KEYS-1, 64 in flight, each to its own value:
//       pseudo-random bytes seeded by the key's number (incompressible: the
//       worst case for disk, nothing for compression to save). Prints
//       "seconds S errors E".
//   cold_load verify HOST PORT KEYS VALUE_BYTES
//       GETs every key and compares it with what fill wrote. Prints
//       "seconds S wrong W".
//   cold_load read   HOST PORT KEYS REQUESTS THREADS HOT_KEYS HOT_SHARE
//       GETs, one at a time on each of THREADS connections: HOT_SHARE of
//       them (0..1) to a key drawn uniformly from the first HOT_KEYS, the
//       rest from all of them. Prints "rps R hot_p50 .. hot_p99 .. cold_p50
//       .. cold_p99 .. errors E" (microseconds; "hot" are the requests to
//       the first HOT_KEYS, "cold" the others).
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

std::string Value(uint64_t i, size_t bytes) {
  std::string v(bytes, '\0');
  std::mt19937_64 rng(i * 0x9e3779b97f4a7c15ULL + 1);
  for (size_t j = 0; j < bytes; j += 8) {
    const uint64_t r = rng();
    std::memcpy(&v[j], &r, std::min<size_t>(8, bytes - j));
  }
  return v;
}

void Append(redisContext* c, std::initializer_list<std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

redisContext* Connect(const char* host, int port) {
  redisContext* c = redisConnect(host, port);
  if (c == nullptr || c->err) {
    std::fprintf(stderr, "cold_load: cannot connect to %s:%d\n", host, port);
    std::exit(1);
  }
  return c;
}

// Sends `n` commands built by `send(i)` with `depth` in flight; `check(i,
// reply)` sees each reply in order.
template <typename Send, typename Check>
void Pipeline(redisContext* c, uint64_t n, uint64_t depth, Send&& send, Check&& check) {
  uint64_t sent = 0, got = 0;
  while (got < n) {
    while (sent < n && sent - got < depth) send(sent++);
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) {
      std::fprintf(stderr, "cold_load: connection lost: %s\n", c->errstr);
      std::exit(1);
    }
    check(got++, static_cast<redisReply*>(r));
    freeReplyObject(r);
  }
}

// fill (SET every key; counts error replies) or verify (GET every key;
// counts wrong values).
int Pass(const char* host, int port, uint64_t keys, size_t bytes, bool fill) {
  redisContext* c = Connect(host, port);
  uint64_t bad = 0;
  const auto start = Clock::now();
  Pipeline(
      c, keys, 64,
      [&](uint64_t i) {
        if (fill) {
          Append(c, {"SET", Key(i), Value(i, bytes)});
        } else {
          Append(c, {"GET", Key(i)});
        }
      },
      [&](uint64_t i, redisReply* r) {
        bool ok;
        if (fill) {
          ok = r->type != REDIS_REPLY_ERROR;
        } else {
          const std::string want = Value(i, bytes);
          ok = r->type == REDIS_REPLY_STRING && r->len == want.size() &&
               std::memcmp(r->str, want.data(), want.size()) == 0;
        }
        if (!ok && bad++ < 3) {
          std::fprintf(stderr, "cold_load: key:%llu: %s\n", static_cast<unsigned long long>(i),
                       r->type == REDIS_REPLY_ERROR ? r->str : "wrong value");
        }
      });
  std::printf("seconds %.2f %s %llu\n", Seconds(start), fill ? "errors" : "wrong",
              static_cast<unsigned long long>(bad));
  redisFree(c);
  return 0;
}

double Percentile(std::vector<uint32_t>& v, double q) {
  if (v.empty()) return 0;
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(at), v.end());
  return v[at];
}

int Read(const char* host, int port, uint64_t keys, uint64_t requests, int threads,
         uint64_t hot_keys, double hot_share) {
  std::vector<uint32_t> hot_us, cold_us;
  std::mutex mu;
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; t++) {
    workers.emplace_back([&, t] {
      redisContext* c = Connect(host, port);
      std::mt19937_64 rng(1234 + static_cast<uint64_t>(t));
      std::uniform_real_distribution<double> u(0.0, 1.0);
      std::vector<uint32_t> hot, cold;
      const uint64_t mine = requests / static_cast<uint64_t>(threads);
      for (uint64_t n = 0; n < mine; n++) {
        const uint64_t k = u(rng) < hot_share ? rng() % hot_keys : rng() % keys;
        const std::string key = Key(k);
        const auto t0 = Clock::now();
        auto* r = static_cast<redisReply*>(redisCommand(c, "GET %b", key.data(), key.size()));
        const auto us = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
        if (r == nullptr) {
          std::fprintf(stderr, "cold_load: connection lost\n");
          std::exit(1);
        }
        if (r->type != REDIS_REPLY_STRING) errors++;
        freeReplyObject(r);
        (k < hot_keys ? hot : cold).push_back(us);
      }
      std::lock_guard<std::mutex> l(mu);
      hot_us.insert(hot_us.end(), hot.begin(), hot.end());
      cold_us.insert(cold_us.end(), cold.begin(), cold.end());
      redisFree(c);
    });
  }
  for (auto& w : workers) w.join();
  const double secs = Seconds(start);
  std::printf("rps %.0f hot_p50 %.0f hot_p99 %.0f cold_p50 %.0f cold_p99 %.0f errors %llu\n",
              static_cast<double>(hot_us.size() + cold_us.size()) / secs,
              Percentile(hot_us, 0.50), Percentile(hot_us, 0.99), Percentile(cold_us, 0.50),
              Percentile(cold_us, 0.99), static_cast<unsigned long long>(errors.load()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: cold_load fill|verify HOST PORT KEYS VALUE_BYTES\n"
                 "       cold_load read HOST PORT KEYS REQUESTS THREADS HOT_KEYS HOT_SHARE\n");
    return 2;
  }
  const std::string mode = argv[1];
  const char* host = argv[2];
  const int port = std::atoi(argv[3]);
  const uint64_t keys = std::strtoull(argv[4], nullptr, 10);
  if (keys == 0) return 2;
  if (mode == "fill" || mode == "verify") {
    return Pass(host, port, keys, std::strtoull(argv[5], nullptr, 10), mode == "fill");
  }
  if (mode == "read" && argc == 9) {
    const uint64_t hot = std::max<uint64_t>(1, std::strtoull(argv[7], nullptr, 10));
    return Read(host, port, keys, std::strtoull(argv[5], nullptr, 10), std::atoi(argv[6]), hot,
                std::atof(argv[8]));
  }
  std::fprintf(stderr, "cold_load: unknown mode or wrong arguments\n");
  return 2;
}
