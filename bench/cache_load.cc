// cache_load: a cache-aside load for bench/eviction.sh, the same for any
// server that speaks RESP. Each request GETs a key drawn from a Zipf
// distribution over KEYS keys (the same seeded sequence on every run);
// a miss SETs the key, as an application filling its cache would. Prints
// one line: requests/s, hit rate, and the misses.
//
//   cache_load HOST PORT KEYS REQUESTS VALUE_BYTES ZIPF_S THREADS [WARMUP]
//
// Each thread has its own connection and sends its GETs 16 at a time, then
// the SETs for that batch's misses. WARMUP requests (default 0) run first
// and are not counted.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kDepth = 16;

struct Totals {
  std::atomic<uint64_t> hits{0}, misses{0}, errors{0};
};

// P(rank r) proportional to 1 / r^s, r = 1..n, as a cumulative table.
std::vector<double> ZipfCdf(uint64_t n, double s) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (uint64_t r = 1; r <= n; r++) {
    sum += 1.0 / std::pow(static_cast<double>(r), s);
    cdf[r - 1] = sum;
  }
  for (double& c : cdf) c /= sum;
  return cdf;
}

bool Run(const char* host, int port, const std::vector<double>& cdf, uint64_t requests,
         const std::string& value, uint64_t seed, Totals* t) {
  redisContext* c = redisConnect(host, port);
  if (c == nullptr || c->err) {
    std::fprintf(stderr, "cache_load: cannot connect to %s:%d\n", host, port);
    return false;
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::string> keys(kDepth);
  for (uint64_t done = 0; done < requests;) {
    const int n = static_cast<int>(std::min<uint64_t>(kDepth, requests - done));
    for (int i = 0; i < n; i++) {
      const auto rank = static_cast<uint64_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) -
                                              cdf.begin());
      keys[static_cast<size_t>(i)] = "key:" + std::to_string(rank);
      redisAppendCommand(c, "GET %b", keys[static_cast<size_t>(i)].data(),
                         keys[static_cast<size_t>(i)].size());
    }
    std::vector<int> missed;
    for (int i = 0; i < n; i++) {
      void* r = nullptr;
      if (redisGetReply(c, &r) != REDIS_OK) {
        std::fprintf(stderr, "cache_load: connection lost: %s\n", c->errstr);
        redisFree(c);
        return false;
      }
      auto* reply = static_cast<redisReply*>(r);
      if (reply->type == REDIS_REPLY_NIL) {
        missed.push_back(i);
      } else if (reply->type == REDIS_REPLY_ERROR) {
        t->errors++;
        missed.push_back(-1 - i);  // (counted neither hit nor miss)
      }
      freeReplyObject(reply);
    }
    const auto errors = static_cast<uint64_t>(
        std::count_if(missed.begin(), missed.end(), [](int i) { return i < 0; }));
    missed.erase(std::remove_if(missed.begin(), missed.end(), [](int i) { return i < 0; }),
                 missed.end());
    for (int i : missed) {
      const std::string& k = keys[static_cast<size_t>(i)];
      redisAppendCommand(c, "SET %b %b", k.data(), k.size(), value.data(), value.size());
    }
    for (size_t i = 0; i < missed.size(); i++) {
      void* r = nullptr;
      if (redisGetReply(c, &r) != REDIS_OK) {
        std::fprintf(stderr, "cache_load: connection lost: %s\n", c->errstr);
        redisFree(c);
        return false;
      }
      if (static_cast<redisReply*>(r)->type == REDIS_REPLY_ERROR) t->errors++;
      freeReplyObject(r);
    }
    t->misses += missed.size();
    t->hits += static_cast<uint64_t>(n) - missed.size() - errors;
    done += static_cast<uint64_t>(n);
  }
  redisFree(c);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 8 || argc > 9) {
    std::fprintf(stderr,
                 "usage: cache_load HOST PORT KEYS REQUESTS VALUE_BYTES ZIPF_S THREADS [WARMUP]\n");
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  const uint64_t keys = std::strtoull(argv[3], nullptr, 10);
  const uint64_t requests = std::strtoull(argv[4], nullptr, 10);
  const std::string value(std::strtoull(argv[5], nullptr, 10), 'v');
  const double s = std::strtod(argv[6], nullptr);
  const int threads = std::atoi(argv[7]);
  const uint64_t warmup = argc == 9 ? std::strtoull(argv[8], nullptr, 10) : 0;
  if (port <= 0 || keys == 0 || requests == 0 || threads <= 0 || s < 0) {
    std::fprintf(stderr, "cache_load: bad arguments\n");
    return 2;
  }
  const std::vector<double> cdf = ZipfCdf(keys, s);
  auto phase = [&](uint64_t total, uint64_t seed_base, Totals* t) {
    std::vector<std::thread> ts;
    std::atomic<bool> ok{true};
    for (int i = 0; i < threads; i++) {
      ts.emplace_back([&, i] {
        // (The remainder goes to the first threads: every request runs.)
        const auto th = static_cast<uint64_t>(threads), me = static_cast<uint64_t>(i);
        const uint64_t share = total / th + (me < total % th ? 1 : 0);
        if (share > 0 && !Run(host, port, cdf, share, value, seed_base + me, t)) {
          ok = false;
        }
      });
    }
    for (auto& th : ts) th.join();
    return ok.load();
  };
  Totals warm;
  if (warmup > 0 && !phase(warmup, 1000, &warm)) return 1;
  Totals t;
  const auto t0 = std::chrono::steady_clock::now();
  if (!phase(requests, 1, &t)) return 1;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t total = t.hits + t.misses;
  std::printf("rps %.0f hit_rate %.4f misses %llu errors %llu\n",
              static_cast<double>(total) / secs,
              total == 0 ? 0.0 : static_cast<double>(t.hits) / static_cast<double>(total),
              static_cast<unsigned long long>(t.misses),
              static_cast<unsigned long long>(t.errors.load()));
  return 0;
}
