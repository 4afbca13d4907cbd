// The libcurl worker: one thread runs a curl multi handle; start() queues a transfer and
// wakes it. Transfers to user-supplied URLs check every address before connecting.
#include "net/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "net/address.hpp"

namespace gd::net {
namespace {

struct Transfer {
  HttpRequest request;
  std::function<void(HttpResponse)> done;
  HttpResponse response;
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  bool public_only = false;
  char error[CURL_ERROR_SIZE] = {};
  ~Transfer() {
    curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  auto& body = t->response.body;
  const std::size_t limit = t->request.max_body_bytes;
  const std::size_t room = limit - std::min(limit, body.size());
  if (len > room) t->response.truncated = true;
  body.append(data, std::min(len, room));
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && t->response.headers.size() < 100) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    t->response.headers.emplace_back(std::move(name), std::string(value));
  }
  return size * n;
}

// Called for every socket curl is about to connect, with the resolved address: the check
// happens on the address actually used, so a name that resolves differently now than at
// registration (DNS rebinding) is still refused.
curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  if (t->public_only && !is_public_address(&addr->addr)) {
    t->response.refused_address = true;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

}  // namespace

std::string HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers)
    if (k == lower_name) return v;
  return "";
}

struct HttpClient::Impl {
  HttpClientOptions options;
  CURLM* multi = nullptr;
  std::mutex mu;
  std::deque<std::unique_ptr<Transfer>> queued;
  std::vector<std::unique_ptr<Transfer>> running;
  std::atomic<bool> stopping{false};
  std::thread thread;

  void add(std::unique_ptr<Transfer> t);
  void finish(CURL* easy, CURLcode code);
  void run();
};

void HttpClient::Impl::add(std::unique_ptr<Transfer> t) {
  CURL* e = curl_easy_init();
  if (!e) throw std::runtime_error("curl_easy_init failed");
  t->easy = e;
  const auto& r = t->request;
  t->public_only = r.public_only && !options.allow_private;
  for (const auto& h : r.headers) t->headers = curl_slist_append(t->headers, h.c_str());
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  if (r.method == "POST" || r.method == "PUT") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  if (r.method == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);  // no body will follow
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, r.public_only ? "https" : "https,http");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout_ms));
  if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_multi_add_handle(multi, e);
  running.push_back(std::move(t));
}

void HttpClient::Impl::finish(CURL* easy, CURLcode code) {
  curl_multi_remove_handle(multi, easy);
  auto it = std::find_if(running.begin(), running.end(),
                         [easy](const auto& t) { return t->easy == easy; });
  if (it == running.end()) return;
  std::unique_ptr<Transfer> t = std::move(*it);
  running.erase(it);
  if (code == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &t->response.status);
  } else {
    t->response.status = 0;
    t->response.error = t->error[0] ? t->error : curl_easy_strerror(code);
  }
  try {
    t->done(std::move(t->response));
  } catch (const std::exception& e) {
    spdlog::error("push http: completion failed: {}", e.what());
  }
}

void HttpClient::Impl::run() {
  while (true) {
    std::deque<std::unique_ptr<Transfer>> fresh;
    {
      std::lock_guard lock(mu);
      fresh.swap(queued);
    }
    for (auto& t : fresh) add(std::move(t));
    if (stopping.load() && running.empty()) break;
    int still = 0;
    curl_multi_perform(multi, &still);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left))
      if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
    if (stopping.load()) {
      // Shutting down: end what is still running with an error, so every awaiter resumes.
      while (!running.empty()) {
        CURL* e = running.front()->easy;
        finish(e, CURLE_ABORTED_BY_CALLBACK);
      }
      std::lock_guard lock(mu);
      if (queued.empty()) break;
      continue;
    }
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  static const bool global = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!global) throw std::runtime_error("curl_global_init failed");
  impl_->options = options_;
  impl_->multi = curl_multi_init();
  if (!impl_->multi) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

HttpClient::~HttpClient() {
  impl_->stopping = true;
  curl_multi_wakeup(impl_->multi);
  impl_->thread.join();
  curl_multi_cleanup(impl_->multi);
}

void HttpClient::start(HttpRequest request, std::function<void(HttpResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  {
    std::lock_guard lock(impl_->mu);
    impl_->queued.push_back(std::move(t));
  }
  curl_multi_wakeup(impl_->multi);
}

std::string form_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace gd::net
