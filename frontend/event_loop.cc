#include "frontend/event_loop.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/check.h"
#include "base/clock.h"
#include "base/logging.h"

namespace cairn::frontend {
namespace {
constexpr int kMaxEvents = 256;

uint64_t Pack(int fd, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}
}  // namespace

EventLoop::~EventLoop() {
  if (epfd_ >= 0) close(epfd_);
}

base::Status EventLoop::Init() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return base::Status::IoErrorFromErrno("epoll_create1", errno);
  return base::Status::Ok();
}

base::Status EventLoop::Watch(int fd, uint32_t interest, FdHandler handler) {
  CAIRN_CHECK(fd >= 0);
  if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(static_cast<size_t>(fd) + 1);
  Slot& s = slots_[static_cast<size_t>(fd)];
  CAIRN_CHECK(!s.watched);
  s.generation++;
  epoll_event ev{};
  ev.events = interest;
  ev.data.u64 = Pack(fd, s.generation);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    return base::Status::IoErrorFromErrno("epoll_ctl(ADD)", errno);
  }
  s.handler = std::move(handler);
  s.interest = interest;
  s.watched = true;
  return base::Status::Ok();
}

void EventLoop::SetInterest(int fd, uint32_t interest) {
  Slot& s = slots_[static_cast<size_t>(fd)];
  CAIRN_CHECK(s.watched);
  if (s.interest == interest) return;
  epoll_event ev{};
  ev.events = interest;
  ev.data.u64 = Pack(fd, s.generation);
  // Fails only for a descriptor that is not in the set, which Watch put
  // there; keep the old interest then, so a later call tries again.
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    CAIRN_LOG_WARNING("epoll_ctl(MOD) of fd %d: %s", fd, std::strerror(errno));
    return;
  }
  s.interest = interest;
}

void EventLoop::Unwatch(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size()) return;
  Slot& s = slots_[static_cast<size_t>(fd)];
  if (!s.watched) return;
  (void)epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
  s.watched = false;
  s.interest = 0;
  s.generation++;  // events already collected for it no longer match
  s.handler = nullptr;  // Run() calls a copy: the caller may be this handler
}

uint64_t EventLoop::AfterUs(int64_t delay_us, std::function<void()> fn) {
  const uint64_t id = next_timer_++;
  const int64_t deadline = base::MonotonicUs() + std::max<int64_t>(0, delay_us);
  timers_.emplace(std::make_pair(deadline, id), std::move(fn));
  timer_deadlines_[id] = deadline;
  return id;
}

void EventLoop::Cancel(uint64_t timer) {
  auto it = timer_deadlines_.find(timer);
  if (it == timer_deadlines_.end()) return;
  timers_.erase({it->second, timer});
  timer_deadlines_.erase(it);
}

void EventLoop::Post(std::function<void()> fn) { posted_.push_back(std::move(fn)); }

void EventLoop::RunPosted() {
  // Tasks may post more; those run in this same round, before any wait.
  for (size_t i = 0; i < posted_.size(); i++) {
    auto fn = std::move(posted_[i]);
    fn();
  }
  posted_.clear();
}

void EventLoop::RunTimers() {
  const int64_t now = base::MonotonicUs();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timer_deadlines_.erase(node.key().second);
    node.mapped()();
  }
}

int64_t EventLoop::WaitTimeoutUs() const {
  if (!posted_.empty()) return 0;
  if (timers_.empty()) return -1;
  return std::max<int64_t>(0, timers_.begin()->first.first - base::MonotonicUs());
}

void EventLoop::Dispatch(const epoll_event* events, int n) {
  for (int i = 0; i < n && !stopping_; i++) {
    const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
    const auto generation = static_cast<uint32_t>(events[i].data.u64 >> 32);
    Slot& s = slots_[static_cast<size_t>(fd)];
    if (!s.watched || s.generation != generation) continue;
    // A copy: the handler may unwatch its own fd (dropping the original)
    // or watch a new one (moving slots_).
    FdHandler h = s.handler;
    h(events[i].events);
  }
}

void EventLoop::PollOnce() {
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epfd_, events, kMaxEvents, 0);
  if (n > 0) Dispatch(events, n);
}

void EventLoop::Run() {
  epoll_event events[kMaxEvents];
  while (!stopping_) {
    // epoll_pwait2: timers finer than a millisecond (the log's gathering
    // window is a fraction of one sync).
    const int64_t wait_us = WaitTimeoutUs();
    int n = -1;
    if (have_pwait2_) {
      timespec ts{.tv_sec = wait_us / 1000000, .tv_nsec = (wait_us % 1000000) * 1000};
      n = epoll_pwait2(epfd_, events, kMaxEvents, wait_us < 0 ? nullptr : &ts, nullptr);
      // Kernels before 5.11 (and valgrind) lack it: wait in whole
      // milliseconds, rounded up so a timer never fires early.
      if (n < 0 && errno == ENOSYS) have_pwait2_ = false;
    }
    if (!have_pwait2_) {
      n = epoll_wait(epfd_, events, kMaxEvents,
                     wait_us < 0 ? -1 : static_cast<int>((wait_us + 999) / 1000));
    }
    if (n < 0 && errno != EINTR) {
      CAIRN_LOG_WARNING("Waiting for events: %s", std::strerror(errno));
      CAIRN_CHECK(false && "epoll wait failed");
    }
    Dispatch(events, n);
    RunPosted();
    RunTimers();
    RunPosted();
  }
}

}  // namespace cairn::frontend
