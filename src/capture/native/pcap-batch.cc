// Batched live capture over libpcap for NetGuard: a capture thread copies packets, in pcap record
// layout, into chunks of a fixed pool and hands each full (or timed-out) chunk to JavaScript in one call.
//
// Why this shape: one JavaScript call per packet (the `cap` module) could not keep up past ~50 k
// packets/s. Here libpcap runs without immediate mode, so on Linux it uses TPACKET_V3 (the kernel fills
// whole blocks and wakes us once per block or per buffer timeout), and JavaScript is called once per
// chunk of up to a few thousand packets. The pool is bounded: when JavaScript falls behind, the capture
// thread waits for a free chunk and the kernel ring fills, so every packet we miss is one the kernel
// counts in pcap_stats' ps_drop. Nothing is ever dropped here silently.
//
// Record layout in a chunk (host byte order, as a pcap file written on this machine):
//   u32 seconds, u32 nanoseconds (microseconds x 1000 when the kernel has no nanosecond stamps),
//   u32 caplen, u32 original length, then caplen bytes.
//
// Threads: pcap_dispatch and pcap_stats run on the capture thread only (libpcap handles are not thread
// safe); JavaScript reads the last counters it published under a mutex.
#define NAPI_VERSION 8
#include <node_api.h>
#include <pcap/pcap.h>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kRecordHeader = 16;
// Counters are read about once a second, as Suricata and Zeek do.
constexpr uint64_t kStatsIntervalNs = 1000000000ull;

uint64_t MonoNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

struct Message {
  // A chunk ready for JavaScript, or (chunk < 0) a capture error.
  int chunk;
  size_t used;
  uint32_t count;
  std::string error;
};

struct Capture {
  pcap_t* pcap = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  napi_ref pool_ref = nullptr;
  napi_ref on_chunk_ref = nullptr;
  napi_ref on_error_ref = nullptr;
  uint8_t* pool = nullptr;
  size_t chunk_size = 0;
  int chunks = 0;
  uint64_t flush_ns = 0;
  int timeout_ms = 10;
  int fd = -1;
  bool nanos = true;

  std::mutex m;
  std::condition_variable cv;
  std::vector<int> free_chunks;
  std::atomic<bool> stop{false};
  // Set on the main thread once close() began: queued chunks are then discarded, not delivered.
  bool closed = false;
  std::thread thread;
  // Owners on the main thread: the JavaScript handle object and the thread-safe function. The last
  // one to be finalized frees the Capture.
  int owners = 2;

  // Capture thread only.
  int cur = -1;
  size_t used = 0;
  uint32_t count = 0;
  uint64_t chunk_started = 0;
  uint64_t stats_at = 0;
  uint32_t last_recv = 0, last_drop = 0, last_ifdrop = 0;

  // Published counters (64-bit: libpcap's are 32-bit and wrap), guarded by stats_m.
  std::mutex stats_m;
  bool stats_ok = false;
  uint64_t recv = 0, drop = 0, ifdrop = 0;
  uint64_t delivered = 0;
  std::string stats_error;
};

void ReadStats(Capture* c) {
  struct pcap_stat ps;
  std::memset(&ps, 0, sizeof ps);
  int rc = pcap_stats(c->pcap, &ps);
  std::lock_guard<std::mutex> lock(c->stats_m);
  c->stats_at = MonoNs();
  if (rc != 0) {
    c->stats_error = pcap_geterr(c->pcap);
    return;
  }
  // Unsigned 32-bit differences stay right across one wrap of libpcap's counters.
  c->recv += static_cast<uint32_t>(ps.ps_recv - c->last_recv);
  c->drop += static_cast<uint32_t>(ps.ps_drop - c->last_drop);
  c->ifdrop += static_cast<uint32_t>(ps.ps_ifdrop - c->last_ifdrop);
  c->last_recv = ps.ps_recv;
  c->last_drop = ps.ps_drop;
  c->last_ifdrop = ps.ps_ifdrop;
  c->stats_ok = true;
}

void MaybeReadStats(Capture* c) {
  if (MonoNs() - c->stats_at >= kStatsIntervalNs) ReadStats(c);
}

void Post(Capture* c, Message* msg) {
  if (napi_call_threadsafe_function(c->tsfn, msg, napi_tsfn_nonblocking) != napi_ok) delete msg;
}

void Flush(Capture* c) {
  if (c->cur < 0) return;
  Post(c, new Message{c->cur, c->used, c->count, std::string()});
  c->cur = -1;
  c->used = 0;
  c->count = 0;
}

// Waits for a free chunk; false when the capture is stopping. Counters keep being read while waiting,
// because this is exactly when the kernel is dropping.
bool Acquire(Capture* c) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(c->m);
      if (c->stop.load()) return false;
      if (!c->free_chunks.empty()) {
        c->cur = c->free_chunks.back();
        c->free_chunks.pop_back();
        break;
      }
      c->cv.wait_for(lock, std::chrono::milliseconds(100));
      if (c->stop.load()) return false;
      if (!c->free_chunks.empty()) {
        c->cur = c->free_chunks.back();
        c->free_chunks.pop_back();
        break;
      }
    }
    MaybeReadStats(c);
  }
  c->used = 0;
  c->count = 0;
  c->chunk_started = MonoNs();
  return true;
}

void OnPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
  Capture* c = reinterpret_cast<Capture*>(user);
  size_t need = kRecordHeader + h->caplen;
  if (c->cur >= 0 && c->used + need > c->chunk_size) Flush(c);
  if (c->cur < 0 && !Acquire(c)) {
    pcap_breakloop(c->pcap);
    return;
  }
  uint8_t* p = c->pool + static_cast<size_t>(c->cur) * c->chunk_size + c->used;
  uint32_t hdr[4] = {static_cast<uint32_t>(h->ts.tv_sec), static_cast<uint32_t>(c->nanos ? h->ts.tv_usec : h->ts.tv_usec * 1000), h->caplen, h->len};
  std::memcpy(p, hdr, kRecordHeader);
  std::memcpy(p + kRecordHeader, bytes, h->caplen);
  c->used += need;
  c->count++;
}

void Run(Capture* c) {
  c->stats_at = 0;
  ReadStats(c);
  while (!c->stop.load()) {
    int n = pcap_dispatch(c->pcap, -1, OnPacket, reinterpret_cast<u_char*>(c));
    if (n == PCAP_ERROR) {
      Post(c, new Message{-1, 0, 0, pcap_geterr(c->pcap)});
      break;
    }
    if (c->stop.load()) break;
    if (c->cur >= 0 && c->count > 0 && (n == 0 || MonoNs() - c->chunk_started >= c->flush_ns)) Flush(c);
    MaybeReadStats(c);
    if (n == 0) {
      // Nothing ready: wait here (the handle is non-blocking) rather than in libpcap, which for
      // TPACKET_V3 polls without a timeout and relies on a wake-up when the kernel retires a block.
      // Measured on Linux 6.18 (200,000 packets replayed over veth): the last, partly filled block of a
      // burst was sometimes left unread for seconds, until more traffic came; looking at the ring again
      // every timeout_ms picked it up in every run.
      struct pollfd pfd = {c->fd, POLLIN, 0};
      poll(&pfd, 1, c->timeout_ms);
    }
  }
}

// ---- JavaScript side -------------------------------------------------------------------------------

void CallJs(napi_env env, napi_value /*js_cb*/, void* context, void* data) {
  Capture* c = static_cast<Capture*>(context);
  Message* msg = static_cast<Message*>(data);
  if (env == nullptr) {
    delete msg;
    return;
  }
  if (msg->chunk >= 0) {
    if (!c->closed) {
      {
        std::lock_guard<std::mutex> lock(c->stats_m);
        c->delivered += msg->count;
      }
      napi_value fn, undefined, argv[3], result;
      napi_get_reference_value(env, c->on_chunk_ref, &fn);
      napi_get_undefined(env, &undefined);
      napi_create_int32(env, msg->chunk, &argv[0]);
      napi_create_double(env, static_cast<double>(msg->used), &argv[1]);
      napi_create_uint32(env, msg->count, &argv[2]);
      // The chunk's bytes are only valid during this call: it returns to the pool right after.
      napi_call_function(env, undefined, fn, 3, argv, &result);
    }
    {
      std::lock_guard<std::mutex> lock(c->m);
      c->free_chunks.push_back(msg->chunk);
    }
    c->cv.notify_one();
  } else if (!c->closed) {
    napi_value fn, undefined, argv[1], result;
    napi_get_reference_value(env, c->on_error_ref, &fn);
    napi_get_undefined(env, &undefined);
    napi_create_string_utf8(env, msg->error.c_str(), msg->error.size(), &argv[0]);
    napi_call_function(env, undefined, fn, 1, argv, &result);
  }
  delete msg;
}

void Release(Capture* c) {
  if (--c->owners == 0) delete c;
}

void FinalizeTsfn(napi_env env, void* data, void* /*hint*/) {
  Capture* c = static_cast<Capture*>(data);
  if (c->pool_ref) napi_delete_reference(env, c->pool_ref);
  if (c->on_chunk_ref) napi_delete_reference(env, c->on_chunk_ref);
  if (c->on_error_ref) napi_delete_reference(env, c->on_error_ref);
  c->pool_ref = c->on_chunk_ref = c->on_error_ref = nullptr;
  Release(c);
}

napi_value Throw(napi_env env, const char* code, const std::string& message) {
  napi_value msg, jcode, err;
  napi_create_string_utf8(env, message.c_str(), message.size(), &msg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &jcode);
  napi_create_error(env, jcode, msg, &err);
  napi_throw(env, err);
  return nullptr;
}

bool GetProp(napi_env env, napi_value obj, const char* name, napi_value* out) {
  bool has = false;
  napi_has_named_property(env, obj, name, &has);
  if (!has) return false;
  napi_get_named_property(env, obj, name, out);
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}

std::string GetString(napi_env env, napi_value obj, const char* name, const std::string& dflt) {
  napi_value v;
  if (!GetProp(env, obj, name, &v)) return dflt;
  size_t len = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &len);
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
  return s;
}

double GetNumber(napi_env env, napi_value obj, const char* name, double dflt) {
  napi_value v;
  if (!GetProp(env, obj, name, &v)) return dflt;
  double d = dflt;
  napi_get_value_double(env, v, &d);
  return d;
}

bool GetBool(napi_env env, napi_value obj, const char* name, bool dflt) {
  napi_value v;
  if (!GetProp(env, obj, name, &v)) return dflt;
  bool b = dflt;
  napi_get_value_bool(env, v, &b);
  return b;
}

void SetNumber(napi_env env, napi_value obj, const char* name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

Capture* CaptureOf(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  return static_cast<Capture*>(data);
}

// stats(): { recv, drop, ifdrop, delivered } or null before the first successful pcap_stats.
napi_value Stats(napi_env env, napi_callback_info info) {
  Capture* c = CaptureOf(env, info);
  napi_value out;
  std::lock_guard<std::mutex> lock(c->stats_m);
  if (!c->stats_ok) {
    napi_get_null(env, &out);
    return out;
  }
  napi_create_object(env, &out);
  SetNumber(env, out, "recv", static_cast<double>(c->recv));
  SetNumber(env, out, "drop", static_cast<double>(c->drop));
  SetNumber(env, out, "ifdrop", static_cast<double>(c->ifdrop));
  SetNumber(env, out, "delivered", static_cast<double>(c->delivered));
  return out;
}

// Stops the thread, reads the counters one last time, closes the handle. Idempotent.
void Shutdown(Capture* c) {
  if (c->closed) return;
  c->closed = true;
  c->stop.store(true);
  pcap_breakloop(c->pcap);
  c->cv.notify_all();
  if (c->thread.joinable()) c->thread.join();
  ReadStats(c);
  pcap_close(c->pcap);
  c->pcap = nullptr;
  // Chunks still queued are handed back to CallJs and discarded (closed is set); then FinalizeTsfn frees c.
  napi_release_threadsafe_function(c->tsfn, napi_tsfn_release);
}

napi_value Close(napi_env env, napi_callback_info info) {
  Shutdown(CaptureOf(env, info));
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

// The handle object was collected: a capture nobody can stop any more is stopped here.
void FinalizeHandle(napi_env /*env*/, void* data, void* /*hint*/) {
  Capture* c = static_cast<Capture*>(data);
  Shutdown(c);
  Release(c);
}

const char* ActivateCode(int rc) {
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "ENODEV";
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "EPERM";
    case PCAP_ERROR_IFACE_NOT_UP: return "EDOWN";
    default: return "EOTHER";
  }
}

// open(options, onChunk(chunk, used, count), onError(message)) -> { linkType, snaplen, nanos,
// warning, pool, chunkSize, chunks, stats(), close() }. Throws an Error whose code is ENODEV, EPERM,
// EDOWN, EFILTER or EOTHER.
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return Throw(env, "EOTHER", "open(options, onChunk, onError) needs three arguments");
  std::string iface = GetString(env, argv[0], "iface", "");
  std::string filter = GetString(env, argv[0], "filter", "");
  int snaplen = static_cast<int>(GetNumber(env, argv[0], "snaplen", 262144));
  bool promisc = GetBool(env, argv[0], "promiscuous", true);
  int buffer_size = static_cast<int>(GetNumber(env, argv[0], "bufferSize", 64.0 * 1024 * 1024));
  int timeout_ms = static_cast<int>(GetNumber(env, argv[0], "timeoutMs", 10));
  size_t chunk_size = static_cast<size_t>(GetNumber(env, argv[0], "chunkSize", 1024.0 * 1024));
  int chunks = static_cast<int>(GetNumber(env, argv[0], "chunks", 16));
  if (chunk_size < kRecordHeader + static_cast<size_t>(snaplen)) chunk_size = kRecordHeader + static_cast<size_t>(snaplen);
  chunk_size = (chunk_size + 7) & ~static_cast<size_t>(7);
  if (chunks < 2) chunks = 2;

  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p = pcap_create(iface.c_str(), errbuf);
  if (p == nullptr) return Throw(env, "EOTHER", errbuf);
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, promisc ? 1 : 0);
  pcap_set_timeout(p, timeout_ms);
  pcap_set_buffer_size(p, buffer_size);
  // Not immediate: libpcap then takes TPACKET_V3 blocks, many packets per wake-up.
  pcap_set_immediate_mode(p, 0);
  bool nanos = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = rc == PCAP_ERROR ? std::string(pcap_geterr(p)) : std::string(pcap_statustostr(rc));
    std::string detail = pcap_geterr(p);
    if (rc != PCAP_ERROR && !detail.empty()) msg += ": " + detail;
    pcap_close(p);
    return Throw(env, ActivateCode(rc), msg);
  }
  std::string warning;
  if (rc > 0) warning = rc == PCAP_WARNING ? std::string(pcap_geterr(p)) : std::string(pcap_statustostr(rc));
  if (!filter.empty()) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      std::string msg = pcap_geterr(p);
      pcap_close(p);
      return Throw(env, "EFILTER", msg);
    }
    int set = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (set != 0) {
      std::string msg = pcap_geterr(p);
      pcap_close(p);
      return Throw(env, "EFILTER", msg);
    }
  }
  nanos = nanos && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    return Throw(env, "EOTHER", errbuf);
  }

  Capture* c = new Capture();
  c->pcap = p;
  c->chunk_size = chunk_size;
  c->chunks = chunks;
  c->nanos = nanos;
  c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10;
  c->fd = pcap_get_selectable_fd(p);
  // A chunk that is not full is handed over after this long, so a quiet wire is not held back.
  c->flush_ns = static_cast<uint64_t>(timeout_ms > 0 ? timeout_ms : 10) * 1000000ull;
  for (int i = chunks - 1; i >= 0; i--) c->free_chunks.push_back(i);

  // The pool is one ArrayBuffer owned by JavaScript (so its views cost nothing) and held by a
  // reference until the thread-safe function is finalized, after the capture thread has ended.
  napi_value pool;
  void* pool_data = nullptr;
  if (napi_create_arraybuffer(env, chunk_size * static_cast<size_t>(chunks), &pool_data, &pool) != napi_ok) {
    pcap_close(p);
    delete c;
    return Throw(env, "EOTHER", "cannot allocate the capture buffer pool");
  }
  c->pool = static_cast<uint8_t*>(pool_data);
  napi_create_reference(env, pool, 1, &c->pool_ref);
  napi_create_reference(env, argv[1], 1, &c->on_chunk_ref);
  napi_create_reference(env, argv[2], 1, &c->on_error_ref);

  napi_value name;
  napi_create_string_utf8(env, "netguard-capture", NAPI_AUTO_LENGTH, &name);
  // Unlimited queue: the pool already bounds how many chunks can be in flight, and the capture thread
  // must never block inside napi_call_threadsafe_function while close() joins it.
  napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, c, FinalizeTsfn, c, CallJs, &c->tsfn);

  napi_value out;
  napi_create_object(env, &out);
  SetNumber(env, out, "linkType", pcap_datalink(p));
  SetNumber(env, out, "snaplen", pcap_snapshot(p));
  SetNumber(env, out, "chunkSize", static_cast<double>(chunk_size));
  SetNumber(env, out, "chunks", chunks);
  napi_value jb;
  napi_get_boolean(env, nanos, &jb);
  napi_set_named_property(env, out, "nanos", jb);
  napi_value jw;
  napi_create_string_utf8(env, warning.c_str(), warning.size(), &jw);
  napi_set_named_property(env, out, "warning", jw);
  napi_set_named_property(env, out, "pool", pool);
  napi_value fn;
  napi_create_function(env, "stats", NAPI_AUTO_LENGTH, Stats, c, &fn);
  napi_set_named_property(env, out, "stats", fn);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, Close, c, &fn);
  napi_set_named_property(env, out, "close", fn);

  napi_add_finalizer(env, out, c, FinalizeHandle, nullptr, nullptr);
  c->thread = std::thread(Run, c);
  return out;
}

// devices(): names of every capture device libpcap knows (pcap_findalldevs), including pseudo-devices
// that are not in /sys/class/net (nflog, nfqueue, bluetooth-monitor ...).
napi_value Devices(napi_env env, napi_callback_info /*info*/) {
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_if_t* all = nullptr;
  napi_value arr;
  napi_create_array(env, &arr);
  if (pcap_findalldevs(&all, errbuf) != 0) return arr;
  uint32_t i = 0;
  for (pcap_if_t* d = all; d != nullptr; d = d->next) {
    napi_value s;
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i++, s);
  }
  pcap_freealldevs(all);
  return arr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, Open, nullptr, &fn);
  napi_set_named_property(env, exports, "open", fn);
  napi_create_function(env, "devices", NAPI_AUTO_LENGTH, Devices, nullptr, &fn);
  napi_set_named_property(env, exports, "devices", fn);
  napi_value v;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "libpcapVersion", v);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
