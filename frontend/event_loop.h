// EventLoop: the engine thread's loop, in the manner of Redis's ae. One
// level-triggered epoll set with a handler per file descriptor, one-shot
// timers, and tasks posted to run once the events of the current wake-up
// are handled (so that every command ready in this pass joins one log
// batch before it is flushed).
//
// Why not Boost.Asio's io_context (which Cairn used first): its reactor
// retries a read at once after every completed one, so a request/response
// client costs a second recv that fails with EAGAIN on every request; each
// async_wait costs an epoll_ctl; each post an extra epoll_wait. On the VMs
// Cairn was measured on, a system call and a sleep/wake-up are what a
// durable write costs beyond the disk (bench/durable.sh; the numbers are in
// README.md, "Durable writes").
//
// Thread: everything here runs on the thread that calls Run(). Handlers may
// watch, unwatch, post and set timers, including for their own fd.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cairn::frontend {

class EventLoop {
 public:
  // `events`: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP as epoll reports them.
  using FdHandler = std::function<void(uint32_t events)>;

  EventLoop() = default;
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  base::Status Init();

  // Calls `handler` whenever `fd` is ready for `interest` (EPOLLIN and/or
  // EPOLLOUT; errors and hang-ups are always reported). REQUIRES: fd is not
  // watched already. The loop does not own fd.
  base::Status Watch(int fd, uint32_t interest, FdHandler handler);
  // Changes what fd is watched for; no system call when it is unchanged.
  void SetInterest(int fd, uint32_t interest);
  // Stops watching fd. Events already collected for it are dropped, even in
  // the wake-up being handled. Call before closing fd.
  void Unwatch(int fd);

  // Runs fn once, on the loop, after delay_ms (0: in the next pass).
  // Returns an id for Cancel.
  uint64_t After(int64_t delay_ms, std::function<void()> fn) {
    return AfterUs(delay_ms * 1000, std::move(fn));
  }
  uint64_t AfterUs(int64_t delay_us, std::function<void()> fn);
  void Cancel(uint64_t timer);
  // Runs fn once the events of the current wake-up are handled, before
  // the loop waits again.
  void Post(std::function<void()> fn);

  // Handles events until Stop().
  void Run();
  // Handles the fd events ready now, without waiting, timers or posted
  // tasks: what a long script lets through while it runs (a handler may
  // call this; see LuaScripts::set_on_busy).
  void PollOnce();
  void Stop() { stopping_ = true; }

 private:
  struct Slot {
    FdHandler handler;
    uint32_t interest = 0;
    uint32_t generation = 0;  // tells a stale event from a re-watched fd's
    bool watched = false;
  };
  void RunPosted();
  void Dispatch(const struct epoll_event* events, int n);
  void RunTimers();
  // How long the next wait may last: -1 for ever.
  int64_t WaitTimeoutUs() const;

  int epfd_ = -1;
  bool stopping_ = false;
  bool have_pwait2_ = true;  // epoll_pwait2 (microsecond timeouts) works here
  std::vector<Slot> slots_;  // by fd
  std::vector<std::function<void()>> posted_;
  // (deadline in us of the monotonic clock, id) -> task
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> timers_;
  std::map<uint64_t, int64_t> timer_deadlines_;  // id -> deadline, for Cancel
  uint64_t next_timer_ = 1;
};

}  // namespace cairn::frontend
