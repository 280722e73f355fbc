// cairn-sync-floor DIR [COUNT]: the machine's own floor for a durable write,
// which bench/durable.sh prints beside Cairn's latency. In a temporary file
// in DIR (so: on the data directory's filesystem), preallocated as Cairn
// preallocates its log (written and synced beforehand, in page-sized
// writes), it times COUNT (default 2000) small writes each followed by an
// fdatasync, one at a time, two ways:
//   uring   a write linked to an fdatasync through io_uring, waiting for
//           both completions (the definition of the floor);
//   pwrite  pwrite() then fdatasync() on the calling thread.
// Prints "key value" lines: uring_p50_us, uring_p90_us, pwrite_p50_us,
// pwrite_p90_us. Exits non-zero with a message on any error.
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kFileSize = 1 << 20;
constexpr size_t kPage = 4096;
constexpr size_t kRecord = 100;  // about one SET of a short key and value

[[noreturn]] void Die(const std::string& what, int err) {
  std::fprintf(stderr, "cairn-sync-floor: %s: %s\n", what.c_str(), std::strerror(err));
  std::exit(1);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

using Clock = std::chrono::steady_clock;
double Us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cairn-sync-floor DIR [COUNT]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/sync-floor.XXXXXX";
  const int count = argc > 2 ? std::atoi(argv[2]) : 2000;
  if (count <= 0) {
    std::fprintf(stderr, "cairn-sync-floor: COUNT must be positive\n");
    return 2;
  }
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) Die("creating a file in " + std::string(argv[1]), errno);
  unlink(name.data());  // gone when we exit, whatever happens
  std::string page(kPage, '#');
  for (size_t off = 0; off < kFileSize; off += kPage) {
    if (pwrite(fd, page.data(), kPage, static_cast<off_t>(off)) != static_cast<ssize_t>(kPage)) {
      Die("preallocating", errno);
    }
  }
  if (fdatasync(fd) != 0) Die("fdatasync", errno);

  io_uring ring;
  if (int rc = io_uring_queue_init(8, &ring, 0); rc < 0) Die("io_uring_queue_init", -rc);
  const std::string record(kRecord, 'r');
  uint64_t offset = 0;
  auto next = [&] {
    const uint64_t at = offset;
    offset = (offset + kRecord) % (kFileSize - kRecord);
    return at;
  };

  std::vector<double> uring_us, pwrite_us;
  for (int i = 0; i < count; i++) {
    const auto start = Clock::now();
    io_uring_sqe* w = io_uring_get_sqe(&ring);
    io_uring_prep_write(w, fd, record.data(), kRecord, next());
    io_uring_sqe_set_data64(w, 1);
    w->flags |= IOSQE_IO_LINK;
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(s, 2);
    if (int rc = io_uring_submit(&ring); rc < 0) Die("io_uring_submit", -rc);
    for (int done = 0; done < 2; done++) {
      io_uring_cqe* cqe;
      if (int rc = io_uring_wait_cqe(&ring, &cqe); rc < 0) Die("io_uring_wait_cqe", -rc);
      if (cqe->res < 0) Die("write or fdatasync", -cqe->res);
      if (cqe->user_data == 1 && cqe->res != static_cast<int>(kRecord)) Die("short write", EIO);
      io_uring_cqe_seen(&ring, cqe);
    }
    uring_us.push_back(Us(start, Clock::now()));
  }
  for (int i = 0; i < count; i++) {
    const auto start = Clock::now();
    const ssize_t n = pwrite(fd, record.data(), kRecord, static_cast<off_t>(next()));
    if (n != static_cast<ssize_t>(kRecord)) Die("pwrite", n < 0 ? errno : EIO);
    if (fdatasync(fd) != 0) Die("fdatasync", errno);
    pwrite_us.push_back(Us(start, Clock::now()));
  }
  io_uring_queue_exit(&ring);
  close(fd);
  std::printf("uring_p50_us %.0f\nuring_p90_us %.0f\npwrite_p50_us %.0f\npwrite_p90_us %.0f\n",
              Percentile(uring_us, 0.5), Percentile(uring_us, 0.9), Percentile(pwrite_us, 0.5),
              Percentile(pwrite_us, 0.9));
  return 0;
}
